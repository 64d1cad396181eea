"""The published dataset: validated records turned into graphs, with lookups by URI.

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
from .kinds import organization_graph
from .records import DataSet, Organization
from .vocabulary import LABEL_PROPERTIES, RDF


@dataclass(frozen=True)
class Resource:
    """A thing with a URI of its own and a document about it."""

    kind: str
    slug: str
    organization: Organization

    @property
    def uri(self) -> URIRef:
        return uris.thing(self.kind, self.slug)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.slug}"

    @property
    def modified(self) -> dt.date:
        return self.organization.publication.modified


MEMO_SIZE = 512
_MISSING = object()


class PublishedStore:
    """One version of the published data.

    Holds the validated records and an index of every resource; an organisation's
    graph is built from its records when first needed and kept in a bounded cache,
    so start-up time and memory grow with the records, not with the triples.
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
            (kind, slug): Resource(kind, slug, organization)
            for organization in data.organizations
            for kind, slug, _ in organization.things()
        }
        self._graph = lru_cache(maxsize=graph_cache_size)(self._build_graph)
        self._memo: dict[Hashable, Any] = {}

    @property
    def organizations(self) -> tuple[Organization, ...]:
        return self.data.organizations

    @cached_property
    def modified(self) -> dt.date:
        """The newest modification date of any organisation (Last-Modified of lists)."""
        return max(o.publication.modified for o in self.organizations)

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

    def organization_graph(self, organization: Organization) -> Graph:
        """The organisation's graph (its named graph in a store). Do not modify it."""
        return self._graph(organization.slug)

    def _build_graph(self, slug: str) -> Graph:
        return self.source.organization_graph(slug)

    def union(self) -> Graph:
        """Every published triple, for dumps and queries."""
        return self.source.union()

    def document(self, resource: Resource) -> Graph:
        """What the document about a resource says.

        Its concise bounded description, the statements of other resources that point
        at it, and the type and name of every resource it links to, so a client can
        label links without fetching them.
        """
        source = self.organization_graph(resource.organization)
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


class GraphSource(Protocol):
    """Where the graphs of a store's organisations come from."""

    def organization_graph(self, slug: str) -> Graph: ...

    def union(self) -> Graph: ...


class RecordGraphs:
    """Graphs built in this process from the records (the default, in-memory store)."""

    def __init__(self, data: DataSet):
        self.by_slug = {organization.slug: organization for organization in data.organizations}

    def organization_graph(self, slug: str) -> Graph:
        return organization_graph(self.by_slug[slug])

    def union(self) -> Graph:
        graph = new_graph()
        for organization in self.by_slug.values():
            graph += organization_graph(organization)
        return graph


def _add_description(source: Graph, subject: Node, target: Graph) -> None:
    """Concise bounded description: the subject's statements, following its parts."""
    for predicate, value in source.predicate_objects(subject):
        target.add((subject, predicate, value))
        if isinstance(value, BNode) or (
            isinstance(value, URIRef) and uris.is_part(value) and (value, None, None) not in target
        ):
            _add_description(source, value, target)
