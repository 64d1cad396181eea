"""Document graphs → what an HTML page shows.

Reads the same graph that the RDF formats serialise, so the page and the data can
never disagree. Texts are picked in the reader's language; where a text has no
version in that language the German one is shown and marked ``lang="de"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import uris
from .records import PRIMARY_LANGUAGE
from .vocabulary import LABEL_PROPERTIES, ORG, PROV, SDO, SKOS


@dataclass(frozen=True)
class Text:
    text: str
    lang: str | None


@dataclass(frozen=True)
class Link:
    href: str  # a path on this service, or an external URL
    label: Text


@dataclass(frozen=True)
class Contact:
    name: Text | None
    contact_type: Text | None
    street_address: str | None
    postal_code: str | None
    locality: str | None
    country: str | None
    telephone: str | None
    telephone_international: str | None
    email: str | None

    @property
    def tel_uri(self) -> str | None:
        number = self.telephone_international or self.telephone
        return "tel:" + "".join(c for c in number if c.isdigit() or c == "+") if number else None

    @property
    def map_url(self) -> str | None:
        """A plain link to OpenStreetMap's search; nothing is embedded or loaded."""
        if not self.street_address:
            return None
        query = f"{self.street_address}, {self.postal_code} {self.locality}"
        return "https://www.openstreetmap.org/search?query=" + quote(query)


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
    contact: Contact | None = None
    roles: list[Text] = field(default_factory=list)


class Reader:
    """Language-aware access to one document graph."""

    def __init__(self, graph: Graph, language: str):
        self.graph = graph
        self.language = language

    def texts(self, subject: Node, predicate: URIRef) -> list[Text]:
        """All values, in the reader's language where there are any, else German."""
        values = [v for v in self.graph.objects(subject, predicate) if isinstance(v, Literal)]
        for language in (self.language, PRIMARY_LANGUAGE):
            chosen = [v for v in values if v.language == language]
            if chosen:
                return sorted((Text(str(v), v.language) for v in chosen), key=lambda t: t.text)
        return sorted((Text(str(v), v.language) for v in values), key=lambda t: t.text)

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


# Section headings are message keys (see opendata.i18n); the page builder picks the
# links for each from the graph.
_SECTIONS = (
    ("parent_organization", SDO.parentOrganization, False),
    ("sub_organizations", SDO.subOrganization, False),
    ("classification", ORG.classification, False),
    ("broader", SKOS.broader, False),
    ("narrower", SKOS.narrower, False),
    ("focus_areas", ORG.purpose, False),
    ("organizations_with_purpose", ORG.purpose, True),
    ("organizations_in_section", ORG.classification, True),
    ("programmes", SDO.memberOf, False),
    ("participants", SDO.member, False),
    ("area_served", SDO.areaServed, False),
    ("served_by", SDO.areaServed, True),
    ("people", SDO.employee, False),
    ("works_for", SDO.worksFor, False),
    ("head_of", ORG.headOf, False),
    ("origin_of", PROV.used, True),
)


def build_page(graph: Graph, kind: str, slug: str, language: str) -> Page:
    """The page model of the resource kind/slug from its document graph."""
    read = Reader(graph, language)
    subject = uris.thing(kind, slug)
    page = Page(kind=kind, slug=slug, title=read.label(subject))
    page.alternate_names = read.texts(subject, SDO.alternateName)
    page.subtitles = read.texts(subject, SDO.keywords) + read.texts(subject, SDO.jobTitle)
    for predicate in (SDO.description, SKOS.definition):
        for text in read.texts(subject, predicate):
            page.paragraphs += [Text(p, text.lang) for p in text.text.split("\n\n") if p.strip()]
    for key, predicate, inverse in _SECTIONS:
        links = read.links(subject, predicate, inverse)
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
    identifier = read.plain(subject, SDO.identifier)
    if identifier:
        page.facts.append(("municipality_key", Text(identifier[0], None)))
    page.contact = _contact(read, subject)
    return page


def _contact(read: Reader, subject: URIRef) -> Contact | None:
    graph = read.graph
    point = next(iter(graph.objects(subject, SDO.contactPoint)), None)
    address = next(iter(graph.objects(subject, SDO.address)), None)
    if point is None and address is None:
        return None
    phones = read.plain(point if point is not None else subject, SDO.telephone)
    if not phones:
        phones = read.plain(subject, SDO.telephone)
    local = next((p for p in phones if not p.startswith("+")), None)
    international = next((p for p in phones if p.startswith("+")), None)
    emails = read.plain(point, SDO.email) if point is not None else read.plain(subject, SDO.email)

    def first(predicate: URIRef) -> str | None:
        values = read.plain(address, predicate) if address is not None else []
        return values[0] if values else None

    return Contact(
        name=read.text(point, SDO.name) if point is not None else None,
        contact_type=read.text(point, SDO.contactType) if point is not None else None,
        street_address=first(SDO.streetAddress),
        postal_code=first(SDO.postalCode),
        locality=first(SDO.addressLocality),
        country=first(SDO.addressCountry),
        telephone=local,
        telephone_international=international,
        email=emails[0] if emails else None,
    )
