"""The published dataset: validated records turned into graphs, with lookups by URI.

A ``PublishedStore`` is immutable once built. Reloading data builds a new store and
swaps it in with one assignment, so a request sees either the old or the new
version, never a mix (see ``opendata.publishing``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from . import uris
from .graph import new_graph, organization_graph
from .records import DataSet, Organization, load_directory
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


class PublishedStore:
    """One version of the published data, held in memory."""

    def __init__(self, data: DataSet):
        self.data = data
        self.version = data.version
        self.graphs: dict[str, Graph] = {}
        self.resources: dict[tuple[str, str], Resource] = {}
        for organization in data.organizations:
            graph = organization_graph(organization)
            self.graphs[organization.slug] = graph
            for subject in set(graph.subjects()):
                found = uris.kind_and_slug(str(subject))
                if found:
                    self.resources[found] = Resource(*found, organization)

    @classmethod
    def from_directory(cls, directory: Path) -> PublishedStore:
        return cls(load_directory(directory))

    @property
    def organizations(self) -> tuple[Organization, ...]:
        return self.data.organizations

    @property
    def modified(self) -> dt.date:
        return max(o.publication.modified for o in self.organizations)

    def resource(self, kind: str, slug: str) -> Resource | None:
        return self.resources.get((kind, slug))

    def organization_graph(self, organization: Organization) -> Graph:
        return self.graphs[organization.slug]

    def union(self) -> Graph:
        """Every published triple, for dumps and queries."""
        graph = new_graph()
        for part in self.graphs.values():
            graph += part
        return graph

    def document(self, resource: Resource) -> Graph:
        """What the document about a resource says.

        Its concise bounded description, the statements of other resources that point
        at it, and the type and name of every resource it links to, so a client can
        label links without fetching them.
        """
        source = self.graphs[resource.organization.slug]
        document = new_graph()
        _add_description(source, resource.uri, document)
        for subject, predicate in source.subject_predicates(resource.uri):
            if isinstance(subject, URIRef):
                document.add((subject, predicate, resource.uri))
        neighbours = {
            node
            for node in set(document.subjects()) | set(document.objects())
            if isinstance(node, URIRef) and node != resource.uri and uris.path_of(str(node))
        }
        for neighbour in neighbours:
            for predicate in (RDF.type, *LABEL_PROPERTIES):
                for value in source.objects(neighbour, predicate):
                    document.add((neighbour, predicate, value))
        return document


def _add_description(source: Graph, subject: Node, target: Graph) -> None:
    """Concise bounded description: the subject's statements, following blank nodes."""
    for predicate, value in source.predicate_objects(subject):
        target.add((subject, predicate, value))
        if isinstance(value, BNode):
            _add_description(source, value, target)
