"""Validated records → RDF.

The only module that decides which vocabulary term expresses which fact. One
organisation file becomes one graph (the organisation's named graph in a store).

Modelling, in short:

* the organisation and its parent administration: ``schema:GovernmentOrganization``
  (plus ``org:OrganizationalUnit`` / ``org:FormalOrganization``), linked both ways
  with schema.org and W3C ORG;
* the place served: ``schema:City``, kept apart from the administration;
* its place in the administration's site structure: a SKOS concept path, attached
  with ``org:classification``; focus areas: SKOS concepts attached with ``org:purpose``;
* its origin: an ``org:ChangeEvent`` that ``prov:used`` the programme it came from;
* programmes: ``schema:Project`` (pending in schema.org), the organisation a
  ``schema:member``; a programme's owner its ``schema:parentOrganization``; unnamed
  supporting roles as ``schema:OrganizationRole``;
* people: ``schema:Person`` with ``schema:jobTitle``, ``org:headOf`` for the head;
* contact: ``schema:ContactPoint`` and ``schema:PostalAddress``; the telephone in local
  and international form.

Nodes that only exist as part of another's description (an address, a contact
point, a role) get fragment IRIs of their owner (``…/id/organization/x#address``)
instead of blank nodes, so every process and every store renders the very same
bytes for the same data.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import uris
from .records import Named, Organization, Text
from .vocabulary import FOAF, ORG, PREFIXES, PROV, RDF, SDO, SKOS


def new_graph() -> Graph:
    """An empty graph with the service's prefixes bound."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def texts(value: Text | None) -> list[Literal]:
    """A multilingual text as language-tagged literals."""
    if value is None:
        return []
    return [Literal(text, lang=language) for language, text in value.items()]


class GraphBuilder:
    """Adds one source file's statements to a graph; the builders below use it."""

    def __init__(self, graph: Graph, organization: Organization):
        self.graph = graph
        self.org = organization
        self.uri = uris.thing("organization", organization.slug)

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
        return uri


# ---------------------------------------------------------------------------
# One builder per kind (see opendata.kinds): each adds the file's things of its kind.


def build_organizations(b: GraphBuilder) -> None:
    """The office with all it says (its parent, place, sections, focus areas, origin,
    contact, people and programmes are linked from it here) and its parent.

    Statements are added in the same order on every build: RDF/XML writes the
    properties of a subject in the order they were added.
    """
    org, add = b.uri, b.add
    add(org, RDF.type, SDO.GovernmentOrganization, ORG.OrganizationalUnit)
    b.add_text(org, SDO.name, b.org.name)
    b.add_text(org, SDO.alternateName, b.org.alternate_name)
    for keyword in b.org.keywords:
        b.add_text(org, SDO.keywords, keyword)
    b.add_text(org, SDO.description, b.org.description)
    parent = b.named("organization", b.org.parent_organization)
    add(parent, RDF.type, SDO.GovernmentOrganization, ORG.FormalOrganization)
    add(org, SDO.parentOrganization, parent)
    add(org, ORG.unitOf, parent)
    add(parent, SDO.subOrganization, org)
    add(parent, ORG.hasUnit, org)
    add(org, SDO.areaServed, uris.thing("place", b.org.area_served.slug))
    if b.org.classification:
        add(org, ORG.classification, uris.thing("concept", b.org.classification[-1].slug))
    for named in b.org.focus_areas:
        add(org, ORG.purpose, uris.thing("concept", named.slug))
    _origin(b)
    _contact(b)
    for person in b.org.people:
        add(org, SDO.employee, uris.thing("person", person.slug))
    for programme in b.org.programmes:
        add(org, SDO.memberOf, uris.thing("programme", programme.slug))


def _origin(b: GraphBuilder) -> None:
    origin = b.org.origin
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
    org, add = b.uri, b.add
    address = uris.part(org, "address")
    add(address, RDF.type, SDO.PostalAddress)
    add(address, SDO.streetAddress, Literal(b.org.address.street_address))
    add(address, SDO.postalCode, Literal(b.org.address.postal_code))
    add(address, SDO.addressLocality, Literal(b.org.address.locality))
    add(address, SDO.addressCountry, Literal(b.org.address.country))
    add(org, SDO.address, address)
    phone = b.org.telephone
    add(org, SDO.telephone, Literal(phone.local), Literal(phone.international))
    add(org, SDO.email, Literal(b.org.email))
    point = uris.part(org, "contact-point")
    add(point, RDF.type, SDO.ContactPoint)
    b.add_text(point, SDO.name, b.org.contact_point.name)
    b.add_text(point, SDO.contactType, b.org.contact_point.contact_type)
    add(point, SDO.telephone, Literal(phone.local), Literal(phone.international))
    add(point, SDO.email, Literal(b.org.email))
    add(org, SDO.contactPoint, point)
    for person in b.org.people:
        add(uris.thing("person", person.slug), SDO.contactPoint, point)


def build_programmes(b: GraphBuilder) -> None:
    """The programme the office came from, and the programmes it takes part in, with
    their owners and supporting roles."""
    if b.org.origin and b.org.origin.programme:
        b.add(b.named("programme", b.org.origin.programme), RDF.type, SDO.Project)
    for programme in b.org.programmes:
        uri = uris.thing("programme", programme.slug)
        b.add(uri, RDF.type, SDO.Project)
        b.add_text(uri, SDO.name, programme.name)
        b.add_text(uri, SDO.description, programme.description)
        b.add(uri, SDO.member, b.uri)
        if programme.owner:
            owner = b.named("organization", programme.owner)
            b.add(owner, RDF.type, SDO.Organization)
            b.add(uri, SDO.parentOrganization, owner)
            b.add(owner, SDO.subOrganization, uri)
        for number, role_name in enumerate(programme.supporting_roles, start=1):
            role = uris.part(uri, f"role-{number}")
            b.add(role, RDF.type, SDO.OrganizationRole)
            b.add_text(role, SDO.roleName, role_name)
            b.add(uri, SDO.member, role)


def build_people(b: GraphBuilder) -> None:
    for person in b.org.people:
        uri = uris.thing("person", person.slug)
        b.add(uri, RDF.type, SDO.Person, FOAF.Person)
        b.add(uri, SDO.name, Literal(person.name))
        b.add_text(uri, SDO.jobTitle, person.job_title)
        b.add(uri, SDO.worksFor, b.uri)
        b.add(uri, ORG.memberOf, b.uri)
        b.add(b.uri, SDO.employee, uri)
        if person.head_of_organization:
            b.add(uri, ORG.headOf, b.uri)


def build_places(b: GraphBuilder) -> None:
    place = b.org.area_served
    uri = uris.thing("place", place.slug)
    b.add(uri, RDF.type, SDO.City)
    b.add_text(uri, SDO.name, place.name)
    if place.wikidata:
        b.add(uri, SDO.sameAs, URIRef(f"http://www.wikidata.org/entity/{place.wikidata}"))
    if place.municipality_key:
        b.add(uri, SDO.identifier, Literal(place.municipality_key))


def build_concepts(b: GraphBuilder) -> None:
    """The section path in the administration's structure (broadest first), focus areas."""
    broader = None
    for named in b.org.classification:
        concept = _concept(b, named)
        if broader is not None:
            b.add(concept, SKOS.broader, broader)
            b.add(broader, SKOS.narrower, concept)
        broader = concept
    for named in b.org.focus_areas:
        _concept(b, named)


def _concept(b: GraphBuilder, named: Named) -> URIRef:
    uri = uris.thing("concept", named.slug)
    b.add(uri, RDF.type, SKOS.Concept)
    b.add_text(uri, SKOS.prefLabel, named.name)
    b.add_text(uri, SKOS.definition, named.description)
    return uri
