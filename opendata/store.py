"""The published dataset: validated records turned into graphs, with lookups by URI.

Every source file (a *unit*: an office, or a file of shared things) has one graph.
A document about a thing is read from the graphs that can say something about it:
the file that declares it, the files that refer to it, and the files that declare
what the declaring file refers to.

A ``PublishedStore`` reads one version's archive (``opendata.archive``): records
when they are needed, lists sorted, paged and counted in SQLite. It is immutable once
built. Reloading data builds a new store and swaps it in with one assignment, so a
request sees either the old or the new version, never a mix (see
``opendata.publishing``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, overload

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from . import artefacts, uris
from .archive import Archive, ArchivedData, DamagedArchive, references_of
from .graph import new_graph
from .kinds import unit_graph
from .records import Organization, Unit
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
PAGE = 500  # records read from the archive at a time when a list is iterated
_MISSING = object()
_ORDERS = {"position": "position", "slug": "slug", "name": "name, position"}


class PublishedStore:
    """One version of the published data, read from its archive (``opendata.archive``).

    Records are read when needed and kept in a bounded cache, and so are the graphs
    built from them: memory grows with what is read, not with the data. Lists (the
    catalogue, sitemaps, the feed) are sorted, paged and counted in the archive.
    """

    def __init__(
        self,
        archive: Archive,
        graph_cache_size: int = 2048,
        source: GraphSource | None = None,
        record_cache_size: int = 1024,
    ):
        self.archive = archive
        self.version = archive.version
        # the records as build-time consumers read them (dumps, indexes): every unit, lazily
        self.data = ArchivedData(archive)
        self.source = source or RecordGraphs(archive)
        # things no longer published, whose URIs answer 410 Gone (a few)
        self.retirements = archive.retirements()
        # a file's records by its name, the most recently read kept
        self.unit = lru_cache(maxsize=record_cache_size)(archive.unit)
        self._graph = lru_cache(maxsize=graph_cache_size)(self._build_graph)
        self._memo: dict[Hashable, Any] = {}

    def derived_from(self) -> tuple[PublishedStore, list[str]] | None:
        """The version this one was derived from, if this host still has its records,
        and the files whose records differ (``opendata.deriving``): what is built per
        version may be derived from the previous version's too. None otherwise."""
        found = self.archive.derived_from
        if found is None:
            return None
        version, changed = found
        artefact = self.archive.path.parent  # {versions}/{version}/{artefact}
        directory = artefact.parent.parent / version / artefact.name
        if not artefacts.is_complete(directory):
            return None
        try:
            previous = Archive(directory, version)
        except DamagedArchive:
            return None
        return PublishedStore(previous, graph_cache_size=64, record_cache_size=64), changed

    @property
    def organizations(self) -> Organizations:
        """The offices (one catalogue dataset, page and vCard each), in file order."""
        return Organizations(self, "position")

    @property
    def modified(self) -> dt.date:
        """The newest modification date of any file (Last-Modified of lists)."""
        return self.archive.modified

    def organization(self, slug: str) -> Organization | None:
        rows = self.archive.rows("SELECT source FROM organizations WHERE slug = ?", (slug,))
        return self.unit(rows[0][0]) if rows else None

    def organizations_in(self, order: str, since: dt.date | None = None) -> Organizations:
        """The offices by ``position`` (file order), ``slug`` or ``name``, optionally only
        those modified on or after a day."""
        return Organizations(self, order, since)

    def first_organization(self, slug: str) -> Organization | None:
        """The first office (in file order) that is ``slug`` or whose parent it is."""
        rows = self.archive.rows(
            "SELECT source FROM organizations WHERE parent = ? OR slug = ?"
            " ORDER BY position LIMIT 1",
            (slug, slug),
        )
        return self.unit(rows[0][0]) if rows else None

    def places(self, limit: int) -> list | None:
        """The places the offices serve, in the order they first appear; None when there
        are more than ``limit``. Named on every catalogue page, and a scan of every office."""
        return self.memo(("places", limit), lambda: self._places(limit))

    def _places(self, limit: int) -> list | None:
        rows = self.archive.rows(
            "SELECT place, min(position) AS first FROM organizations GROUP BY place"
            f" ORDER BY first LIMIT {int(limit) + 1}"
        )
        if len(rows) > limit:
            return None
        sources = self.archive.rows(
            "SELECT source FROM organizations WHERE position IN"
            f" ({', '.join(str(first) for _, first in rows)}) ORDER BY position"
        )
        return [self.unit(source).area_served for (source,) in sources]

    def things(
        self, offset: int, limit: int, kinds: tuple[str, ...] | None = None
    ) -> list[tuple[str, str, dt.date]]:
        """(kind, slug, modified) of published things (of some kinds) by kind and slug, a
        page of them."""
        where = f"WHERE kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        rows = self.archive.rows(
            f"SELECT kind, slug, modified FROM things {where} ORDER BY kind, slug"
            f" LIMIT {int(limit)} OFFSET {int(offset)}",
            kinds or (),
        )
        return [(kind, slug, dt.date.fromisoformat(day)) for kind, slug, day in rows]

    def dataset_days(self, offset: int, limit: int) -> list[tuple[str, dt.date]]:
        """(slug, modified) of the offices by slug (the catalogue's order), a page of them."""
        rows = self.archive.rows(
            f"SELECT slug, modified FROM organizations ORDER BY slug"
            f" LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        return [(slug, dt.date.fromisoformat(day)) for slug, day in rows]

    def newest_days(self, table: str, first: int, size: int) -> dict[int, dt.date]:
        """The newest modification in each part of ``size`` pages, when the rows of
        ``organizations`` (by slug) or ``things`` (by kind and slug) are pages ``first``,
        ``first`` + 1, …: part number (from 0) → day, in one pass over the table."""
        order = {"organizations": "slug", "things": "kind, slug"}[table]
        rows = self.archive.rows(
            f"SELECT part, max(modified) FROM (SELECT (row_number() OVER (ORDER BY {order})"
            f" - 1 + ?) / ? AS part, modified FROM {table}) GROUP BY part",
            (first, size),
        )
        return {part: dt.date.fromisoformat(day) for part, day in rows}

    def thing_count(self) -> int:
        return self.memo(
            "thing_count", lambda: self.archive.rows("SELECT count(*) FROM things")[0][0]
        )

    def newest_things(self, limit: int) -> list[Resource]:
        """The most recently modified things (then by kind and slug)."""
        rows = self.archive.rows(
            "SELECT kind, slug, source FROM things ORDER BY modified DESC, kind, slug"
            f" LIMIT {int(limit)}"
        )
        return [Resource(kind, slug, self.unit(source)) for kind, slug, source in rows]

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
        rows = self.archive.rows(
            "SELECT source FROM things WHERE kind = ? AND slug = ?", (kind, slug)
        )
        return Resource(kind, slug, self.unit(rows[0][0])) if rows else None

    def referrers(self, kind: str, slug: str, shared_only: bool = False) -> list[Unit]:
        """The files that refer to a thing without declaring it (shared files first)."""
        only = "AND shared" if shared_only else ""
        rows = self.archive.rows(
            f"SELECT source FROM referrers WHERE kind = ? AND slug = ? {only}"
            " ORDER BY shared DESC, source",
            (kind, slug),
        )
        return [self.unit(source) for (source,) in rows]

    def unit_graph(self, unit: Unit) -> Graph:
        """A file's graph (its named graph in a store). Do not modify it."""
        return self._graph(unit.source)

    def passing_graph(self, unit: Unit) -> Graph:
        """A file's graph, built and not kept: for passes over every file (dumps,
        counts, the SPARQL store), which must not push out the graphs pages read."""
        return self.source.unit_graph(unit.source)

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
        for referrer in self.referrers(resource.kind, resource.slug):
            units[referrer.source] = referrer
        for dependency in references_of(resource.unit):
            found = self.resource(*dependency)
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
            found = self.resource(kind, slug)
            if found is None:
                continue
            sources = [found.unit, *self.referrers(kind, slug, shared_only=True)]
            for unit in sources:
                _add_description(self.unit_graph(unit), found.uri, graph)
        return graph


class GraphSource(Protocol):
    """Where the graphs of a store's files come from."""

    def unit_graph(self, source: str) -> Graph: ...

    def union(self) -> Graph: ...


class RecordGraphs:
    """Graphs built in this process from the records (the default, in-memory store).

    Records are read from the archive for each graph, not through the store's record
    cache: building every graph (dumps, the SPARQL store) must not push out the
    records that pages read.
    """

    def __init__(self, archive: Archive):
        self.archive = archive

    def unit_graph(self, source: str) -> Graph:
        return unit_graph(self.archive.unit(source))

    def union(self) -> Graph:
        graph = new_graph()
        for unit in self.archive.units():
            graph += unit_graph(unit)
        return graph


class Organizations(Sequence):
    """Organisations of a version in an order the archive keeps (``position``: file
    order; ``slug``; ``name``), optionally only those modified on or after a day: counted
    and paged in the archive, each record read when it is taken."""

    def __init__(self, store: PublishedStore, order: str, since: dt.date | None = None):
        self.store, self.order = store, _ORDERS[order]
        self.where = "WHERE modified >= ?" if since else ""
        self.parameters: tuple = (since.isoformat(),) if since else ()
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None and not self.where:  # counted when the version was archived
            self._count = self.store.archive.meta["organizations"]
        if self._count is None:
            sql = f"SELECT count(*) FROM organizations {self.where}"
            self._count = self.store.archive.rows(sql, self.parameters)[0][0]
        return self._count

    @overload
    def __getitem__(self, index: int) -> Organization: ...

    @overload
    def __getitem__(self, index: slice) -> list[Organization]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            return self.page(start, max(0, stop - start))
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        return self.page(position, 1)[0]

    def __iter__(self) -> Iterator[Organization]:
        for start in range(0, len(self), PAGE):
            yield from self.page(start, PAGE)

    def page(self, offset: int, limit: int) -> list[Organization]:
        rows = self.store.archive.rows(
            f"SELECT source FROM organizations {self.where} ORDER BY {self.order}"
            f" LIMIT {int(limit)} OFFSET {int(offset)}",
            self.parameters,
        )
        return [self.store.unit(source) for (source,) in rows]


def _add_description(source: Graph, subject: Node, target: Graph) -> None:
    """Concise bounded description: the subject's statements, following its parts."""
    for predicate, value in source.predicate_objects(subject):
        target.add((subject, predicate, value))
        if isinstance(value, BNode) or (
            isinstance(value, URIRef) and uris.is_part(value) and (value, None, None) not in target
        ):
            _add_description(source, value, target)
