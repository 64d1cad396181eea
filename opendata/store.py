"""The published dataset: validated records turned into graphs, with lookups by URI.

Every source file (a *unit*: an office, or a file of shared things) has one graph.
A document about a thing is read from the graphs that can say something about it:
the file that declares it, the files that refer to it, and the files that declare
what the declaring file refers to.

A ``PublishedStore`` is immutable once built. Reloading data builds a new store and
swaps it in with one assignment, so a request sees either the old or the new
version, never a mix (see ``opendata.publishing``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Protocol

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from . import uris
from .graph import new_graph
from .kinds import unit_graph
from .records import DataSet, Organization, Shared, Unit
from .vocabulary import LABEL_PROPERTIES, RDF


@dataclass(frozen=True)
class Resource:
    """A thing with a URI of its own and a document about it."""

    kind: str
    slug: str
    unit: Unit  # the file that declares it

    @property
    def uri(self) -> URIRef:
        return uris.thing(self.kind, self.slug)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.slug}"

    @property
    def modified(self) -> dt.date:
        return self.unit.publication.modified


MEMO_SIZE = 512
_MISSING = object()


class PublishedStore:
    """One version of the published data.

    Holds the validated records and an index of every resource; a file's graph is
    built from its records when first needed and kept in a bounded cache, so start-up
    time and memory grow with the records, not with the triples.
    """

    def __init__(
        self,
        data: DataSet,
        graph_cache_size: int = 2048,
        source: GraphSource | None = None,
    ):
        self.data = data
        self.version = data.version
        self.source = source or RecordGraphs(data)
        self.resources: dict[tuple[str, str], Resource] = {
            (kind, slug): Resource(kind, slug, unit)
            for unit in data.units
            for kind, slug, _, _ in unit.things()
        }
        self.referrers = _referrers(data.units)
        # things no longer published, whose URIs answer 410 Gone
        self.retirements = data.retirements
        self._graph = lru_cache(maxsize=graph_cache_size)(self._build_graph)
        self._memo: dict[Hashable, Any] = {}

    @property
    def organizations(self) -> tuple[Organization, ...]:
        """The offices: one catalogue dataset, page and vCard each."""
        return self.data.organizations

    @cached_property
    def modified(self) -> dt.date:
        """The newest modification date of any file (Last-Modified of lists)."""
        return max(unit.publication.modified for unit in self.data.units)

    @cached_property
    def organizations_by_slug(self) -> dict[str, Organization]:
        return {organization.slug: organization for organization in self.organizations}

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """A value derived from this version, computed once (views of the catalogue, …).

        The store never changes, so nothing here goes stale; the memo is bounded because
        keys may come from requests (a modified_since date, say).
        """
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            found = self._memo[key] = compute()
        return found

    def resource(self, kind: str, slug: str) -> Resource | None:
        return self.resources.get((kind, slug))

    def unit_graph(self, unit: Unit) -> Graph:
        """A file's graph (its named graph in a store). Do not modify it."""
        return self._graph(unit.source)

    def _build_graph(self, source: str) -> Graph:
        return self.source.unit_graph(source)

    def union(self) -> Graph:
        """Every published triple, for dumps and queries."""
        return self.source.union()

    def context(self, resource: Resource) -> Graph:
        """Every statement of the files that can say something about a resource: its
        own, those that refer to it, and those its own file refers to (shared files
        first, so each subject keeps the order of its statements)."""
        units = {resource.unit.source: resource.unit}
        for referrer in self.referrers.get((resource.kind, resource.slug), ()):
            units[referrer.source] = referrer
        for dependency in _references(resource.unit):
            found = self.resources.get(dependency)
            if found is not None:
                units[found.unit.source] = found.unit
        if len(units) == 1:
            return self.unit_graph(resource.unit)
        graph = new_graph()
        for unit in sorted(units.values(), key=lambda u: (isinstance(u, Organization), u.source)):
            graph += self.unit_graph(unit)
        return graph

    def document(self, resource: Resource, context: Graph | None = None) -> Graph:
        """What the document about a resource says.

        Its concise bounded description, the statements of other resources that point
        at it, and the type and name of every resource it links to, so a client can
        label links without fetching them.
        """
        source = context if context is not None else self.context(resource)
        document = new_graph()
        _add_description(source, resource.uri, document)
        for subject, predicate in source.subject_predicates(resource.uri):
            if isinstance(subject, URIRef):
                document.add((subject, predicate, resource.uri))
        neighbours = {
            node
            for node in set(document.subjects()) | set(document.objects())
            if isinstance(node, URIRef)
            and node != resource.uri
            and uris.path_of(str(node))
            and not uris.is_part(node)
        }
        for neighbour in neighbours:
            for predicate in (RDF.type, *LABEL_PROPERTIES):
                for value in source.objects(neighbour, predicate):
                    document.add((neighbour, predicate, value))
        return document

    def dataset_graph(self, organization: Organization) -> Graph:
        """An office's dataset: its file's graph and the descriptions of the shared
        things it refers to, as the files of shared things state them (the file that
        declares each, and other shared files that say something about it), so each
        dataset stands alone and the datasets together hold every published triple."""
        graph = new_graph()
        graph += self.unit_graph(organization)
        for kind, slug in sorted(organization.references):
            found = self.resources.get((kind, slug))
            if found is None:
                continue
            sources = [found.unit] + [
                unit for unit in self.referrers.get((kind, slug), ()) if isinstance(unit, Shared)
            ]
            for unit in sources:
                _add_description(self.unit_graph(unit), found.uri, graph)
        return graph


class GraphSource(Protocol):
    """Where the graphs of a store's files come from."""

    def unit_graph(self, source: str) -> Graph: ...

    def union(self) -> Graph: ...


class RecordGraphs:
    """Graphs built in this process from the records (the default, in-memory store)."""

    def __init__(self, data: DataSet):
        self.units = {unit.source: unit for unit in data.units}

    def unit_graph(self, source: str) -> Graph:
        return unit_graph(self.units[source])

    def union(self) -> Graph:
        graph = new_graph()
        for unit in self.units.values():
            graph += unit_graph(unit)
        return graph


def _references(unit: Unit) -> set[tuple[str, str]]:
    """(kind, slug) of the things a file refers to but does not declare."""
    if isinstance(unit, Organization):
        return set(unit.references)
    found = {("organization", a.parent) for a in unit.organizations if a.parent}
    return found | {("concept", c.broader) for c in unit.concepts if c.broader}


def _referrers(units: tuple[Unit, ...]) -> dict[tuple[str, str], list[Unit]]:
    """(kind, slug) → the files that refer to that thing without declaring it."""
    found: dict[tuple[str, str], list[Unit]] = {}
    for unit in units:
        for reference in sorted(_references(unit)):
            found.setdefault(reference, []).append(unit)
    return found


def _add_description(source: Graph, subject: Node, target: Graph) -> None:
    """Concise bounded description: the subject's statements, following its parts."""
    for predicate, value in source.predicate_objects(subject):
        target.add((subject, predicate, value))
        if isinstance(value, BNode) or (
            isinstance(value, URIRef) and uris.is_part(value) and (value, None, None) not in target
        ):
            _add_description(source, value, target)
