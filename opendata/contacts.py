"""Contact details of an organisation, read from its graph.

One reading for both places that show a contact: the contact card on the pages and
the vCards. A person or a programme is reached through the organisation they belong
to, whose contact point and postal address the data gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import uris
from .kinds import KINDS
from .presenter import tel_iri
from .vocabulary import SDO


@dataclass(frozen=True)
class ContactDetails:
    organization: URIRef
    point: Node | None  # the schema:ContactPoint, None when the data gives only an address
    people: tuple[URIRef, ...]  # people reached through that contact point
    street_address: str | None
    postal_code: str | None
    locality: str | None
    country: str | None
    telephone: str | None  # as the publisher writes it
    telephone_international: str | None
    email: str | None

    @property
    def tel_uri(self) -> str | None:
        """The number as a tel: IRI, in global form where the data has it."""
        number = self.telephone_international or self.telephone
        return tel_iri(number) if number else None

    @property
    def map_url(self) -> str | None:
        """A plain link to OpenStreetMap's search; nothing is embedded or loaded."""
        if not self.street_address:
            return None
        query = f"{self.street_address}, {self.postal_code or ''} {self.locality or ''}".strip()
        return "https://www.openstreetmap.org/search?query=" + quote(query)


def contact_details(graph: Graph, organization: URIRef) -> ContactDetails | None:
    """The organisation's contact, or None when the data gives neither point nor address."""
    point = _first(graph.objects(organization, SDO.contactPoint))
    address = _first(graph.objects(organization, SDO.address))
    if point is None and address is None:
        return None
    holder = point if point is not None else organization
    phones = _strings(graph, holder, SDO.telephone) or _strings(graph, organization, SDO.telephone)
    emails = _strings(graph, holder, SDO.email) or _strings(graph, organization, SDO.email)
    people = () if point is None else tuple(sorted(_people(graph, point)))

    def part(predicate: URIRef) -> str | None:
        values = _strings(graph, address, predicate) if address is not None else []
        return values[0] if values else None

    return ContactDetails(
        organization=organization,
        point=point,
        people=people,
        street_address=part(SDO.streetAddress),
        postal_code=part(SDO.postalCode),
        locality=part(SDO.addressLocality),
        country=part(SDO.addressCountry),
        telephone=next((p for p in phones if not p.startswith("+")), None),
        telephone_international=next((p for p in phones if p.startswith("+")), None),
        email=emails[0] if emails else None,
    )


def contact_for(graph: Graph, kind: str, subject: URIRef) -> ContactDetails | None:
    """Whom to contact about a resource: an organisation itself, a person's or a
    programme's organisation. None for anything else, and where no contact is given."""
    for organization in _organizations_of(graph, kind, subject):
        found = contact_details(graph, organization)
        if found is not None and (kind != "person" or subject in found.people):
            return found
    return None


def _organizations_of(graph: Graph, kind: str, subject: URIRef) -> list[URIRef]:
    if kind == "organization":
        return [subject]
    belongs_to = KINDS[kind].belongs_to
    if belongs_to is None:
        return []
    candidates = graph.objects(subject, belongs_to)
    return sorted(node for node in candidates if kind_of(node) == "organization")


def _people(graph: Graph, point: Node) -> list[URIRef]:
    return [
        person for person in graph.subjects(SDO.contactPoint, point) if kind_of(person) == "person"
    ]


def kind_of(node: Node) -> str | None:
    """'person' for the URI of a person published here; None for anything else."""
    found = uris.kind_and_slug(str(node)) if isinstance(node, URIRef) else None
    return found[0] if found and found[0] in KINDS else None


def _strings(graph: Graph, subject: Node, predicate: URIRef) -> list[str]:
    return sorted(str(v) for v in graph.objects(subject, predicate) if isinstance(v, Literal))


def _first(nodes) -> Node | None:
    return next(iter(sorted(nodes)), None)
