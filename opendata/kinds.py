"""The kinds of things the service publishes: one registry entry each.

An entry says everything the service needs to know about a kind: its URI segment
(``/id/{kind}/{slug}``), how its things are built into RDF (a builder in
``opendata.graph``), which sections its page shows (message keys ``section.*``,
read from the graph by ``opendata.pages``), whose page it belongs to (the
breadcrumb trail and the contact card reach the owner through this predicate), and
whether it has contact data of its own (then its documents are also offered as a
vCard of the given vCard ``KIND``).

Adding a kind is one entry here, its builder in ``opendata.graph``, the records that
declare its things (``things()`` of the records in ``opendata.records``) and the
messages and template part of its page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Graph, URIRef

from . import graph
from .records import Unit
from .vocabulary import SDO


@dataclass(frozen=True)
class Kind:
    name: str  # the URI segment
    build: Callable[[graph.GraphBuilder], None]  # adds the file's things of this kind
    sections: tuple[str, ...]  # page sections, in order (see opendata.pages.SECTIONS)
    belongs_to: URIRef | None = None  # the predicate to the organisation it is part of
    vcard: str | None = None  # vCard KIND where the thing has contact data


# The order is the order of the kinds everywhere (Atom categories, sitemap, examples).
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "organization",
            graph.build_organizations,
            (
                "parent_organization",
                "sub_organizations",
                "classification",
                "focus_areas",
                "programmes",
                "area_served",
                "people",
            ),
            vcard="org",
        ),
        Kind(
            "programme",
            graph.build_programmes,
            ("parent_organization", "participants", "origin_of"),
            belongs_to=SDO.member,
        ),
        Kind(
            "person",
            graph.build_people,
            ("works_for", "head_of"),
            belongs_to=SDO.worksFor,
            vcard="individual",
        ),
        Kind("place", graph.build_places, ("served_by",)),
        Kind(
            "concept",
            graph.build_concepts,
            (
                "broader",
                "narrower",
                "organizations_with_purpose",
                "organizations_in_section",
            ),
        ),
    )
}


def unit_graph(unit: Unit) -> Graph:
    """Everything one source file states, as RDF in the internal base."""
    builder = graph.GraphBuilder(graph.new_graph(), unit)
    for kind in KINDS.values():
        kind.build(builder)
    return builder.graph
