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
from .records import Named, Organization, Person, Programme, Text
from .vocabulary import FOAF, ORG, PREFIXES, PROV, RDF, SDO, SKOS


def new_graph() -> Graph:
    """An empty graph with the service's prefixes bound."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def organization_graph(organization: Organization) -> Graph:
    """Everything one source file states, as RDF in the internal base."""
    graph = new_graph()
    _GraphBuilder(graph, organization).build()
    return graph


def texts(value: Text | None) -> list[Literal]:
    """A multilingual text as language-tagged literals."""
    if value is None:
        return []
    return [Literal(text, lang=language) for language, text in value.items()]


class _GraphBuilder:
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

    def build(self) -> None:
        self.organization()
        self.parent()
        self.place()
        self.classification()
        self.focus_areas()
        self.origin()
        self.contact()
        for person in self.org.people:
            self.person(person)
        for programme in self.org.programmes:
            self.programme(programme)

    def organization(self) -> None:
        org, add = self.uri, self.add
        add(org, RDF.type, SDO.GovernmentOrganization, ORG.OrganizationalUnit)
        self.add_text(org, SDO.name, self.org.name)
        self.add_text(org, SDO.alternateName, self.org.alternate_name)
        for keyword in self.org.keywords:
            self.add_text(org, SDO.keywords, keyword)
        self.add_text(org, SDO.description, self.org.description)

    def parent(self) -> None:
        parent = self.named("organization", self.org.parent_organization)
        self.add(parent, RDF.type, SDO.GovernmentOrganization, ORG.FormalOrganization)
        self.add(self.uri, SDO.parentOrganization, parent)
        self.add(self.uri, ORG.unitOf, parent)
        self.add(parent, SDO.subOrganization, self.uri)
        self.add(parent, ORG.hasUnit, self.uri)

    def place(self) -> None:
        place = self.org.area_served
        uri = uris.thing("place", place.slug)
        self.add(uri, RDF.type, SDO.City)
        self.add_text(uri, SDO.name, place.name)
        if place.wikidata:
            self.add(uri, SDO.sameAs, URIRef(f"http://www.wikidata.org/entity/{place.wikidata}"))
        if place.municipality_key:
            self.add(uri, SDO.identifier, Literal(place.municipality_key))
        self.add(self.uri, SDO.areaServed, uri)

    def classification(self) -> None:
        """The section path in the administration's structure, broadest first."""
        broader = None
        for named in self.org.classification:
            concept = self.concept(named)
            if broader is not None:
                self.add(concept, SKOS.broader, broader)
                self.add(broader, SKOS.narrower, concept)
            broader = concept
        self.add(self.uri, ORG.classification, broader)

    def focus_areas(self) -> None:
        for named in self.org.focus_areas:
            self.add(self.uri, ORG.purpose, self.concept(named))

    def concept(self, named: Named) -> URIRef:
        uri = uris.thing("concept", named.slug)
        self.add(uri, RDF.type, SKOS.Concept)
        self.add_text(uri, SKOS.prefLabel, named.name)
        self.add_text(uri, SKOS.definition, named.description)
        return uri

    def origin(self) -> None:
        origin = self.org.origin
        if origin is None:
            return
        event = uris.part(self.uri, "origin")
        self.add(event, RDF.type, ORG.ChangeEvent)
        self.add_text(event, SDO.description, origin.description)
        self.add(event, ORG.resultingOrganization, self.uri)
        self.add(self.uri, ORG.resultedFrom, event)
        if origin.programme:
            programme = self.named("programme", origin.programme)
            self.add(programme, RDF.type, SDO.Project)
            self.add(event, PROV.used, programme)

    def contact(self) -> None:
        org, add = self.uri, self.add
        address = uris.part(self.uri, "address")
        add(address, RDF.type, SDO.PostalAddress)
        add(address, SDO.streetAddress, Literal(self.org.address.street_address))
        add(address, SDO.postalCode, Literal(self.org.address.postal_code))
        add(address, SDO.addressLocality, Literal(self.org.address.locality))
        add(address, SDO.addressCountry, Literal(self.org.address.country))
        add(org, SDO.address, address)
        phone = self.org.telephone
        add(org, SDO.telephone, Literal(phone.local), Literal(phone.international))
        add(org, SDO.email, Literal(self.org.email))

        point = uris.part(self.uri, "contact-point")
        add(point, RDF.type, SDO.ContactPoint)
        self.add_text(point, SDO.name, self.org.contact_point.name)
        self.add_text(point, SDO.contactType, self.org.contact_point.contact_type)
        add(point, SDO.telephone, Literal(phone.local), Literal(phone.international))
        add(point, SDO.email, Literal(self.org.email))
        add(org, SDO.contactPoint, point)
        for person in self.org.people:
            add(uris.thing("person", person.slug), SDO.contactPoint, point)

    def person(self, person: Person) -> None:
        uri = uris.thing("person", person.slug)
        self.add(uri, RDF.type, SDO.Person, FOAF.Person)
        self.add(uri, SDO.name, Literal(person.name))
        self.add_text(uri, SDO.jobTitle, person.job_title)
        self.add(uri, SDO.worksFor, self.uri)
        self.add(uri, ORG.memberOf, self.uri)
        self.add(self.uri, SDO.employee, uri)
        if person.head_of_organization:
            self.add(uri, ORG.headOf, self.uri)

    def programme(self, programme: Programme) -> None:
        uri = uris.thing("programme", programme.slug)
        self.add(uri, RDF.type, SDO.Project)
        self.add_text(uri, SDO.name, programme.name)
        self.add_text(uri, SDO.description, programme.description)
        self.add(uri, SDO.member, self.uri)
        self.add(self.uri, SDO.memberOf, uri)
        if programme.owner:
            owner = self.named("organization", programme.owner)
            self.add(owner, RDF.type, SDO.Organization)
            self.add(uri, SDO.parentOrganization, owner)
            self.add(owner, SDO.subOrganization, uri)
        for number, role_name in enumerate(programme.supporting_roles, start=1):
            role = uris.part(uri, f"role-{number}")
            self.add(role, RDF.type, SDO.OrganizationRole)
            self.add_text(role, SDO.roleName, role_name)
            self.add(uri, SDO.member, role)

    def named(self, kind: str, named: Named) -> URIRef:
        """A thing with its names and description; the caller adds its types."""
        uri = uris.thing(kind, named.slug)
        self.add_text(uri, SDO.name, named.name)
        self.add_text(uri, SDO.description, named.description)
        if named.alternate_name:
            self.add(uri, SDO.alternateName, Literal(named.alternate_name))
        return uri
