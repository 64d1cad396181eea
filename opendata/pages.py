"""Document graphs → what an HTML page shows.

Reads the same graph that the RDF formats serialise, so the page and the data can
never disagree; breadcrumbs and the contact card, which reach beyond one document,
read the graph of the organisation that publishes the resource. Texts are picked in
the reader's language; where a text has no version in that language the German one
is shown and marked ``lang="de"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import uris
from .contacts import ContactDetails, contact_for, kind_of
from .kinds import KINDS
from .presenter import language_to_show
from .vocabulary import DCATDE, LABEL_PROPERTIES, ORG, PROV, SDO, SKOS


@dataclass(frozen=True)
class Text:
    text: str
    lang: str | None


@dataclass(frozen=True)
class Link:
    href: str  # a path on this service, or an external URL
    label: Text


@dataclass(frozen=True)
class ContactPerson:
    link: Link
    role: Text | None
    vcard: str  # path of the person's vCard


@dataclass(frozen=True)
class ContactCard:
    """Whom to contact about a page: the organisation's contact point, its people."""

    details: ContactDetails
    office: Link  # the organisation, named as its contact point is named
    contact_type: Text | None
    people: list[ContactPerson]
    vcard: str  # path of the organisation's vCard


@dataclass
class Page:
    """Everything a resource page shows."""

    kind: str
    slug: str
    title: Text
    alternate_names: list[Text] = field(default_factory=list)
    subtitles: list[Text] = field(default_factory=list)
    paragraphs: list[Text] = field(default_factory=list)
    sections: list[tuple[str, list[Link]]] = field(default_factory=list)
    facts: list[tuple[str, Text]] = field(default_factory=list)
    contact: ContactCard | None = None
    roles: list[Text] = field(default_factory=list)
    # The trail from the home page to this page, this page last (see ``trail``).
    breadcrumbs: list[Link] = field(default_factory=list)
    # What others publish about the same thing: (message key of its name, URL).
    elsewhere: list[tuple[str, str]] = field(default_factory=list)


class Reader:
    """Language-aware access to one document graph."""

    def __init__(self, graph: Graph, language: str):
        self.graph = graph
        self.language = language

    def texts(self, subject: Node, predicate: URIRef) -> list[Text]:
        """All values, in the reader's language where there are any, else German."""
        values = [v for v in self.graph.objects(subject, predicate) if isinstance(v, Literal)]
        shown = language_to_show((v.language for v in values), self.language)
        chosen = [v for v in values if shown is None or v.language == shown]
        return sorted((Text(str(v), v.language) for v in chosen), key=lambda t: t.text)

    def text(self, subject: Node, predicate: URIRef) -> Text | None:
        found = self.texts(subject, predicate)
        return found[0] if found else None

    def plain(self, subject: Node, predicate: URIRef) -> list[str]:
        return sorted(str(v) for v in self.graph.objects(subject, predicate))

    def label(self, node: Node) -> Text:
        for predicate in LABEL_PROPERTIES:
            found = self.text(node, predicate)
            if found:
                return found
        return Text(str(node), None)

    def short_label(self, node: Node) -> Text:
        """The short name where there is one (the city's site names its offices so)."""
        return self.text(node, SDO.alternateName) or self.label(node)

    def link(self, node: Node, label: Text | None = None) -> Link:
        return Link(uris.href(str(node)), label or self.label(node))

    def links(self, subject: Node, predicate: URIRef, inverse: bool = False) -> list[Link]:
        nodes = (
            self.graph.subjects(predicate, subject)
            if inverse
            else self.graph.objects(subject, predicate)
        )
        found = [
            Link(uris.href(str(n)), self.label(n))
            for n in nodes
            if isinstance(n, URIRef) and not uris.is_part(n)
        ]
        return sorted(found, key=lambda link: link.label.text)


# Sections a page may show: the links of a predicate (or of its inverse). The heading is
# the message ``section.{key}``; each kind lists its sections (opendata.kinds).
SECTIONS = {
    "parent_organization": (SDO.parentOrganization, False),
    "sub_organizations": (SDO.subOrganization, False),
    "classification": (ORG.classification, False),
    "broader": (SKOS.broader, False),
    "narrower": (SKOS.narrower, False),
    "focus_areas": (ORG.purpose, False),
    "organizations_with_purpose": (ORG.purpose, True),
    "organizations_in_section": (ORG.classification, True),
    "programmes": (SDO.memberOf, False),
    "participants": (SDO.member, False),
    "area_served": (SDO.areaServed, False),
    "served_by": (SDO.areaServed, True),
    "people": (SDO.employee, False),
    "works_for": (SDO.worksFor, False),
    "head_of": (ORG.headOf, False),
    "origin_of": (PROV.used, True),
}


def build_page(
    graph: Graph, kind: str, slug: str, language: str, context: Graph | None = None
) -> Page:
    """The page model of the resource kind/slug from its document graph.

    ``context`` (the graph of the organisation that publishes the resource) gives the
    breadcrumbs and the contact card, which reach beyond the document: a programme's
    trail runs through its office's section path, a person's card shows the office's
    address. Without it, the document graph is used for both.
    """
    read = Reader(graph, language)
    subject = uris.thing(kind, slug)
    page = Page(kind=kind, slug=slug, title=read.label(subject))
    page.alternate_names = read.texts(subject, SDO.alternateName)
    page.subtitles = read.texts(subject, SDO.keywords) + read.texts(subject, SDO.jobTitle)
    for predicate in (SDO.description, SKOS.definition):
        for text in read.texts(subject, predicate):
            page.paragraphs += [Text(p, text.lang) for p in text.text.split("\n\n") if p.strip()]
    for key in KINDS[kind].sections:
        links = read.links(subject, *SECTIONS[key])
        if links:
            page.sections.append((key, links))
    if kind == "programme":
        page.roles = [
            role
            for member in graph.objects(subject, SDO.member)
            if uris.is_part(str(member))
            for role in read.texts(member, SDO.roleName)
        ]
    for event in graph.objects(subject, ORG.resultedFrom):
        for text in read.texts(event, SDO.description):
            page.facts.append(("origin", text))
        for used in graph.objects(event, PROV.used):
            page.sections.append(("origin", [Link(uris.href(str(used)), read.label(used))]))
    for node in sorted(graph.objects(subject, SDO.identifier)):
        property_id = graph.value(node, SDO.propertyID)
        value = graph.value(node, SDO.value)
        if str(property_id) in OFFICIAL_KEYS and value is not None:
            page.facts.append((OFFICIAL_KEYS[str(property_id)], Text(str(value), None)))
    page.elsewhere = elsewhere(graph, subject)
    surroundings = Reader(context if context is not None else graph, language)
    page.breadcrumbs = trail(surroundings, kind, subject)
    page.contact = contact_card(surroundings, kind, subject)
    return page


# Official keys (schema:propertyID of a schema:PropertyValue) → the message of their name.
OFFICIAL_KEYS = {"AGS": "municipality_key", "ARS": "regional_key"}
# Where a link to elsewhere goes, by the start of its IRI → the message of its name.
ELSEWHERE = (
    ("http://www.wikidata.org/entity/", "elsewhere.wikidata"),
    ("https://d-nb.info/gnd/", "elsewhere.gnd"),
    ("http://dcat-ap.de/def/politicalGeocoding/", "elsewhere.geocoding"),
)


def elsewhere(graph: Graph, subject: URIRef) -> list[tuple[str, str]]:
    """Links to what Wikidata, the GND and DCAT-AP.de publish about the same thing."""
    targets = {
        str(o)
        for predicate in (SDO.sameAs, DCATDE.politicalGeocodingURI)
        for o in graph.objects(subject, predicate)
        if isinstance(o, URIRef)
    }
    return [
        (key, target)
        for start, key in ELSEWHERE
        for target in sorted(targets)
        if target.startswith(start)
    ]


def trail(read: Reader, kind: str, subject: URIRef) -> list[Link]:
    """Section path as on the city's site: sections (SKOS, broadest first), the office,
    then a programme or person of that office; each named by its short name."""
    return [
        read.link(node, read.short_label(node)) for node in _trail_nodes(read.graph, kind, subject)
    ]


def _trail_nodes(graph: Graph, kind: str, subject: URIRef) -> list[URIRef]:
    if kind == "concept":
        return _broader_chain(graph, subject)
    if kind == "organization":
        section = next(iter(sorted(graph.objects(subject, ORG.classification))), None)
        path = _broader_chain(graph, section) if isinstance(section, URIRef) else []
        return [*path, subject]
    belongs_to = KINDS[kind].belongs_to
    if belongs_to is not None:
        owners = sorted(
            n for n in graph.objects(subject, belongs_to) if kind_of(n) == "organization"
        )
        if owners:
            return [*_trail_nodes(graph, "organization", owners[0]), subject]
    return [subject]


def _broader_chain(graph: Graph, concept: URIRef) -> list[URIRef]:
    """[broadest, …, concept] along skos:broader; a cycle in the data ends the walk."""
    chain = [concept]
    while True:
        broader = next(iter(sorted(graph.objects(chain[0], SKOS.broader))), None)
        if not isinstance(broader, URIRef) or broader in chain:
            return chain
        chain.insert(0, broader)


def contact_card(read: Reader, kind: str, subject: URIRef) -> ContactCard | None:
    details = contact_for(read.graph, kind, subject)
    if details is None:
        return None
    point = details.point
    organization = details.organization
    office_name = (read.text(point, SDO.name) if point is not None else None) or read.label(
        organization
    )
    people = [
        ContactPerson(read.link(person), read.text(person, SDO.jobTitle), vcard_path(person))
        for person in details.people
    ]
    return ContactCard(
        details=details,
        office=read.link(organization, office_name),
        contact_type=read.text(point, SDO.contactType) if point is not None else None,
        people=people,
        vcard=vcard_path(organization),
    )


def vcard_path(thing: URIRef) -> str:
    """Where the vCard of an organisation or person is: its document's path + .vcf."""
    return uris.href(str(thing)) + ".vcf"
