"""Validated records → RDF.

The only module that decides which vocabulary term expresses which fact. One source
file becomes one graph (its named graph in a store): an office file states the office
and what it declares itself, and links to the shared things it refers to; a shared
file describes the things many offices share. The builders are per kind of thing
(see ``opendata.kinds``); each describes the things of its kind that the file declares.

Modelling, in short:

* the office and its parent administration: ``schema:GovernmentOrganization``
  (plus ``org:OrganizationalUnit`` / ``org:FormalOrganization``), linked both ways
  with schema.org and W3C ORG; a department of the administration is an
  ``org:OrganizationalUnit`` of it, a partner organisation a ``schema:Organization``;
* the place served: ``schema:City``, kept apart from the administration;
* its place in the administration's site structure: a SKOS concept path, attached
  with ``org:classification``; focus areas: SKOS concepts attached with ``org:purpose``;
* its origin: an ``org:ChangeEvent`` that ``prov:used`` the programme it came from;
* programmes: ``schema:Project`` (pending in schema.org), the organisation a
  ``schema:member``; a programme's owner its ``schema:parentOrganization``; unnamed
  supporting roles as ``schema:OrganizationRole``;
* people: ``schema:Person`` with ``schema:jobTitle``, ``org:headOf`` for the head;
* contact: ``schema:ContactPoint`` and ``schema:PostalAddress``; the telephone in local
  and international form;
* what others call a thing (Wikidata, GND, the official municipality and regional
  keys): ``schema:identifier`` ``schema:PropertyValue``s with a ``schema:propertyID``,
  and the Wikidata and GND IRIs as ``schema:sameAs`` and ``owl:sameAs``; a place with
  an official key links its DCAT-AP.de political geocoding IRI.

Nodes that only exist as part of another's description (an address, a contact
point, a role) get fragment IRIs of their owner (``…/id/organization/x#address``)
instead of blank nodes, so every process and every store renders the very same
bytes for the same data.
"""

from __future__ import annotations

from itertools import pairwise

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import uris
from .records import (
    Agency,
    Concept,
    Identifiers,
    Named,
    Organization,
    Programme,
    Retirement,
    Text,
    Unit,
)
from .vocabulary import (
    DCATDE,
    DCATDE_GEOCODING,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    XSD,
)

# The types of an organisation by its role among the things offices share.
AGENCY_TYPES = {
    "administration": (SDO.GovernmentOrganization, ORG.FormalOrganization),
    "department": (SDO.GovernmentOrganization, ORG.OrganizationalUnit),
    "partner": (SDO.Organization,),
}


# Identifier schemes: their propertyID, and the IRI of the thing where there is one.
IDENTIFIER_SCHEMES = {
    "wikidata": ("Wikidata", "http://www.wikidata.org/entity/{}"),
    "gnd": ("GND", "https://d-nb.info/gnd/{}"),
    "ags": ("AGS", None),
    "ars": ("ARS", None),
}
# The DCAT-AP.de political geocoding of a place by its official key.
GEOCODING = {"ags": "municipalityKey/{}", "ars": "regionalKey/{}"}


def new_graph() -> Graph:
    """An empty graph with the service's prefixes bound."""
    # rdflib's simplest store: a graph of one document keeps no contexts and adds twice as fast
    graph = Graph(store="SimpleMemory", bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def texts(value: Text | None) -> list[Literal]:
    """A multilingual text as language-tagged literals."""
    if value is None:
        return []
    return [Literal(text, lang=language) for language, text in value.items()]


class GraphBuilder:
    """Adds one source file's statements to a graph; the builders below use it.

    Statements are added in the same order on every build: RDF/XML writes the
    properties of a subject in the order they were added.
    """

    def __init__(self, graph: Graph, unit: Unit):
        self.graph = graph
        self.unit = unit
        self.office = unit if isinstance(unit, Organization) else None
        self.uri = uris.thing("organization", unit.slug) if self.office else None

    def declared(self, kind: str) -> list:
        """The records of the things of a kind that the file declares."""
        return [record for k, _, _, record in self.unit.things() if k == kind]

    def add(self, subject: Node, predicate: URIRef, *objects: Node | None) -> None:
        for value in objects:
            if value is not None:
                self.graph.add((subject, predicate, value))

    def add_text(self, subject: Node, predicate: URIRef, value: Text | None) -> None:
        self.add(subject, predicate, *texts(value))

    def named(self, kind: str, named: Named) -> URIRef:
        """A thing with its names and description; the caller adds its types."""
        uri = uris.thing(kind, named.slug)
        self.add_text(uri, SDO.name, named.name)
        self.add_text(uri, SDO.description, named.description)
        if named.alternate_name:
            self.add(uri, SDO.alternateName, Literal(named.alternate_name))
        self.identifiers(uri, named.identifiers)
        return uri

    def identifiers(self, uri: URIRef, identifiers: Identifiers) -> None:
        for scheme, value in identifiers.items():
            property_id, iri = IDENTIFIER_SCHEMES[scheme]
            node = uris.part(uri, f"id-{scheme}")
            self.add(uri, SDO.identifier, node)
            self.add(node, RDF.type, SDO.PropertyValue)
            self.add(node, SDO.propertyID, Literal(property_id))
            self.add(node, SDO.value, Literal(value))
            if iri:
                self.add(uri, SDO.sameAs, URIRef(iri.format(value)))
                self.add(uri, OWL.sameAs, URIRef(iri.format(value)))


# ---------------------------------------------------------------------------
# One builder per kind (see opendata.kinds): each adds the file's things of its kind.


def retirement_graph(retirement: Retirement) -> Graph:
    """What is said about a thing that is no longer published: when it was retired
    (``prov:invalidatedAtTime``), what replaces it (``dct:isReplacedBy``), its name."""
    graph = new_graph()
    thing = uris.thing(retirement.kind, retirement.slug)
    moment = Literal(f"{retirement.date.isoformat()}T00:00:00Z", datatype=XSD.dateTime)
    graph.add((thing, PROV.invalidatedAtTime, moment))
    if retirement.successor:
        graph.add((thing, DCTERMS.isReplacedBy, uris.thing(*retirement.successor)))
    for literal in texts(retirement.name):
        graph.add((thing, SDO.name, literal))
    for literal in texts(retirement.note):
        graph.add((thing, RDFS.comment, literal))
    return graph


def build_organizations(b: GraphBuilder) -> None:
    """An office with all it says (its parent, place, sections, focus areas, origin,
    contact, people and programmes are linked from it here); the organisations a file
    declares besides (its parent, the owners of its programmes, shared ones)."""
    office = b.office
    if office is None:
        for agency in b.unit.organizations:
            _agency(b, agency, agency.role)
        return
    org, add = b.uri, b.add
    add(org, RDF.type, SDO.GovernmentOrganization, ORG.OrganizationalUnit)
    b.add_text(org, SDO.name, office.name)
    b.add_text(org, SDO.alternateName, office.alternate_name)
    for keyword in office.keywords:
        b.add_text(org, SDO.keywords, keyword)
    b.add_text(org, SDO.description, office.description)
    b.identifiers(org, office.identifiers)
    if office.declares("organization", office.parent_organization):
        _agency(b, office.parent_organization, "administration")
    _unit_of(b, org, office.parent_organization.slug)
    add(org, SDO.areaServed, uris.thing("place", office.area_served.slug))
    if office.classification:
        add(org, ORG.classification, uris.thing("concept", office.classification[-1].slug))
    for named in office.focus_areas:
        add(org, ORG.purpose, uris.thing("concept", named.slug))
    _origin(b)
    _contact(b)
    for person in office.people:
        add(org, SDO.employee, uris.thing("person", person.slug))
    for programme in office.programmes:
        add(org, SDO.memberOf, uris.thing("programme", programme.slug))
    for programme in office.programmes:
        if office.declares("organization", programme.owner):
            _agency(b, programme.owner, "partner")


def _agency(b: GraphBuilder, named: Named, role: str) -> None:
    uri = b.named("organization", named)
    b.add(uri, RDF.type, *AGENCY_TYPES[role])
    if isinstance(named, Agency) and named.parent:
        _unit_of(b, uri, named.parent)


def _unit_of(b: GraphBuilder, unit: URIRef, parent_slug: str) -> None:
    parent = uris.thing("organization", parent_slug)
    b.add(unit, SDO.parentOrganization, parent)
    b.add(unit, ORG.unitOf, parent)
    b.add(parent, SDO.subOrganization, unit)
    b.add(parent, ORG.hasUnit, unit)


def _origin(b: GraphBuilder) -> None:
    origin = b.office.origin
    if origin is None:
        return
    event = uris.part(b.uri, "origin")
    b.add(event, RDF.type, ORG.ChangeEvent)
    b.add_text(event, SDO.description, origin.description)
    b.add(event, ORG.resultingOrganization, b.uri)
    b.add(b.uri, ORG.resultedFrom, event)
    if origin.programme:
        b.add(event, PROV.used, uris.thing("programme", origin.programme.slug))


def _contact(b: GraphBuilder) -> None:
    office, org, add = b.office, b.uri, b.add
    address = uris.part(org, "address")
    add(address, RDF.type, SDO.PostalAddress)
    add(address, SDO.streetAddress, Literal(office.address.street_address))
    add(address, SDO.postalCode, Literal(office.address.postal_code))
    add(address, SDO.addressLocality, Literal(office.address.locality))
    add(address, SDO.addressCountry, Literal(office.address.country))
    add(org, SDO.address, address)
    phone = office.telephone
    add(org, SDO.telephone, Literal(phone.local), Literal(phone.international))
    add(org, SDO.email, Literal(office.email))
    point = uris.part(org, "contact-point")
    add(point, RDF.type, SDO.ContactPoint)
    b.add_text(point, SDO.name, office.contact_point.name)
    b.add_text(point, SDO.contactType, office.contact_point.contact_type)
    add(point, SDO.telephone, Literal(phone.local), Literal(phone.international))
    add(point, SDO.email, Literal(office.email))
    add(org, SDO.contactPoint, point)
    for person in office.people:
        add(uris.thing("person", person.slug), SDO.contactPoint, point)


def build_programmes(b: GraphBuilder) -> None:
    """Programmes: those an office takes part in (with their owners and supporting
    roles), and those it or a shared file names (e.g. the federal programme an office
    came from)."""
    for programme in b.declared("programme"):
        if not isinstance(programme, Programme):
            b.add(b.named("programme", programme), RDF.type, SDO.Project)
            continue
        uri = uris.thing("programme", programme.slug)
        b.add(uri, RDF.type, SDO.Project)
        b.add_text(uri, SDO.name, programme.name)
        b.add_text(uri, SDO.description, programme.description)
        b.identifiers(uri, programme.identifiers)
        b.add(uri, SDO.member, b.uri)
        if programme.owner:
            owner = uris.thing("organization", programme.owner.slug)
            b.add(uri, SDO.parentOrganization, owner)
            b.add(owner, SDO.subOrganization, uri)
        for number, role_name in enumerate(programme.supporting_roles, start=1):
            role = uris.part(uri, f"role-{number}")
            b.add(role, RDF.type, SDO.OrganizationRole)
            b.add_text(role, SDO.roleName, role_name)
            b.add(uri, SDO.member, role)


def build_people(b: GraphBuilder) -> None:
    for person in b.declared("person"):
        uri = uris.thing("person", person.slug)
        b.add(uri, RDF.type, SDO.Person, FOAF.Person)
        b.add(uri, SDO.name, Literal(person.name))
        b.add_text(uri, SDO.jobTitle, person.job_title)
        b.identifiers(uri, person.identifiers)
        b.add(uri, SDO.worksFor, b.uri)
        b.add(uri, ORG.memberOf, b.uri)
        if person.head_of_organization:
            b.add(uri, ORG.headOf, b.uri)


def build_places(b: GraphBuilder) -> None:
    for place in b.declared("place"):
        uri = uris.thing("place", place.slug)
        b.add(uri, RDF.type, SDO.City)
        b.add_text(uri, SDO.name, place.name)
        b.identifiers(uri, place.identifiers)
        for scheme, value in place.identifiers.items():
            if scheme in GEOCODING:
                geocoding = DCATDE_GEOCODING[GEOCODING[scheme].format(value)]
                b.add(uri, DCATDE.politicalGeocodingURI, geocoding)


def build_concepts(b: GraphBuilder) -> None:
    """Sections of the administration's structure (each under its broader section)
    and focus areas: SKOS concepts."""
    broader = _inline_path(b.office) if b.office else {}
    for named in b.declared("concept"):
        uri = uris.thing("concept", named.slug)
        b.add(uri, RDF.type, SKOS.Concept)
        b.add_text(uri, SKOS.prefLabel, named.name)
        b.add_text(uri, SKOS.definition, named.description)
        b.identifiers(uri, named.identifiers)
        parent = named.broader if isinstance(named, Concept) else broader.get(named.slug)
        if parent:
            b.add(uri, SKOS.broader, uris.thing("concept", parent))
            b.add(uris.thing("concept", parent), SKOS.narrower, uri)


def _inline_path(office: Organization) -> dict[str, str]:
    """Section slug → its broader section's, for a path the office declares itself."""
    path = [c for c in office.classification if office.declares("concept", c)]
    return {concept.slug: broader.slug for broader, concept in pairwise(path)}
