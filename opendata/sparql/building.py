"""The SPARQL store of a data version: built once on disk, then only read.

Before a version goes live (``opendata.backends.on_new_version``), its published
triples are bulk-loaded into an Oxigraph store in
``{STATE_DIR}/versions/{version}/sparql`` (``opendata.artefacts``: built once per host,
under a file lock, marked complete last and renamed into place, so a build that dies
halfway is never opened). The default graph is the union of every file's graph, in
the internal base; there are no named graphs. Every query process opens the store
read-only: one copy of the data on disk for all of them, read through the page cache.

Each file's graph is written as N-Triples straight into Oxigraph's bulk loader, one
after the other, so no process ever holds the whole graph in rdflib.

A version derived from another (``opendata.deriving``: a few files changed) gets a
copy of the previous version's store (a RocksDB checkpoint: hard links to its
immutable files, taken in a moment), from which the triples the changed files no
longer state are removed and their new ones added. A file's triples are its own
(each states what it declares, and links of its own), but a triple is removed only
once no other file states it: the files that could (those that declare or refer to
every thing the triple names, as the archive lists them) are asked; when that is
more than a few files, the store is built whole instead.
"""

from __future__ import annotations

import gc
import io
import time
from collections.abc import Iterator
from functools import partial
from logging import Logger
from pathlib import Path

import pyoxigraph as ox
from flask import Flask
from rdflib import BNode, Graph, URIRef

from .. import artefacts, uris
from ..store import PublishedStore

ARTEFACT = "sparql"
STORE = "store"  # the Oxigraph directory inside the artefact
TRIPLES = "triples"  # how many triples the default graph holds
PROGRESS_SECONDS = 10.0
MOST_SOURCES = 100  # files asked whether they state a triple to be removed


def store_path(app: Flask, version: str) -> Path:
    return artefacts.path_of(app, version, ARTEFACT) / STORE


def prepare(app: Flask, store: PublishedStore) -> None:
    """Build the version's SPARQL store unless this host has it already."""
    ensure(app, store)


def ensure(app: Flask, store: PublishedStore) -> Path:
    """The directory of the version's Oxigraph store, built first if need be."""
    artefact = artefacts.path_of(app, store.version, ARTEFACT)
    artefacts.build_once(artefact, partial(build, app, store))
    return artefact / STORE


def triples_in(app: Flask, version: str) -> int | None:
    """How many triples the version's store holds (None when it is not built)."""
    try:
        return int((artefacts.path_of(app, version, ARTEFACT) / TRIPLES).read_text())
    except (OSError, ValueError):
        return None


def build(app: Flask, published: PublishedStore, directory: Path) -> None:
    """The version's store in ``directory``: derived from the previous version's where
    it can be, else every published file's graph bulk-loaded into a new one."""
    if not _derive(app, published, directory):
        _load(published, app.logger, directory)


def _load(published: PublishedStore, log: Logger, directory: Path) -> None:
    started = time.monotonic()
    units = published.data.units
    log.info("building the SPARQL store of version %s: %d files", published.version, len(units))
    reader = io.BufferedReader(_Chunks(_ntriples(published, log, started)), 1 << 20)
    store = ox.Store(str(directory / STORE))
    store.bulk_load(reader, format=ox.RdfFormat.N_TRIPLES)
    count = len(store)
    del store  # closes it: a read-only store must not be opened beside a writer
    gc.collect()
    (directory / TRIPLES).write_text(str(count))
    elapsed = time.monotonic() - started
    log.info(
        "SPARQL store of version %s built: %d triples in %.1f s (%.0f triples/s)",
        published.version,
        count,
        elapsed,
        count / elapsed if elapsed else 0,
    )


def _derive(app: Flask, published: PublishedStore, directory: Path) -> bool:
    """The store of a derived version from its previous version's; False when there is
    none on this host or a triple's other sources are too many to ask."""
    found = published.derived_from()
    if found is None:
        return False
    previous, changed = found
    before = artefacts.path_of(app, previous.version, ARTEFACT)
    count = triples_in(app, previous.version)
    if not artefacts.is_complete(before) or count is None:
        return False
    started = time.monotonic()
    delta = _delta(previous, published, changed)
    if delta is None:
        return False
    removed, added = delta
    ox.Store.read_only(str(before / STORE)).backup(str(directory / STORE))
    store = ox.Store(str(directory / STORE))
    for quad in _quads(removed):
        if quad in store:
            store.remove(quad)
            count -= 1
    for quad in _quads(added):
        if quad not in store:
            store.add(quad)
            count += 1
    store.flush()
    del store  # closes it before it is marked complete
    gc.collect()
    (directory / TRIPLES).write_text(str(count))
    app.logger.info(
        "SPARQL store of version %s derived from version %s: %d triple(s) removed, %d added,"
        " %d in all, in %.1f s",
        published.version,
        previous.version,
        len(removed),
        len(added),
        count,
        time.monotonic() - started,
    )
    return True


def _delta(
    previous: PublishedStore, published: PublishedStore, changed: list[str]
) -> tuple[Graph, Graph] | None:
    """(triples to remove, triples to add) for the changed files; None when a triple to
    remove may be stated by more files than it is worth asking."""
    old, new = Graph(), Graph()
    for name in changed:
        old += previous.passing_graph(previous.unit(name))
        new += published.passing_graph(published.unit(name))
    removed, added = old - new, new - old
    if any(isinstance(node, BNode) for triple in (*removed, *added) for node in triple):
        return None  # a blank node is another node in every file: never removed by value
    graphs: dict[str, Graph] = {}
    for triple in list(removed):
        sources = _sources(published, triple)
        if sources is None:
            return None
        for source in sources - set(changed):
            if source not in graphs:
                graphs[source] = published.passing_graph(published.unit(source))
            if triple in graphs[source]:
                removed.remove(triple)
                break
    return removed, added


def _sources(published: PublishedStore, triple) -> set[str] | None:
    """The files of the version that may state ``triple``: those that declare or refer
    to every thing it names (None when it names none, or each is named by too many)."""
    found: set[str] | None = None
    for node in triple:
        thing = uris.kind_and_slug(str(node).split("#", 1)[0]) if isinstance(node, URIRef) else None
        if thing is None:
            continue
        rows = published.archive.rows(
            "SELECT source FROM things WHERE kind = ? AND slug = ?"
            " UNION SELECT source FROM referrers WHERE kind = ? AND slug = ?"
            f" LIMIT {MOST_SOURCES + 1}",
            (*thing, *thing),
        )
        if len(rows) <= MOST_SOURCES:  # a thing named by more narrows nothing down
            sources = {source for (source,) in rows}
            found = sources if found is None else found & sources
    return found


def _quads(graph: Graph) -> Iterator[ox.Quad]:
    """The triples as Oxigraph reads them from N-Triples (as the bulk loader did)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        yield ox.Quad(triple.subject, triple.predicate, triple.object)


def _ntriples(published: PublishedStore, log: Logger, started: float) -> Iterator[bytes]:
    """N-Triples of each file's graph in turn, with a progress line now and then.

    Graphs are built from the records without going through the store's graph cache,
    which stays for the pages that people actually read.
    """
    units = published.data.units
    reported = started
    written = 0
    for done, unit in enumerate(units, 1):
        graph = published.passing_graph(unit)
        written += len(graph)
        yield graph.serialize(format="nt", encoding="utf-8")
        now = time.monotonic()
        if now - reported >= PROGRESS_SECONDS:
            reported = now
            rate = done / (now - started)
            log.info(
                "SPARQL store of version %s: %d of %d files, %d triples, %.0f files/s, "
                "about %.0f s left",
                published.version,
                done,
                len(units),
                written,
                rate,
                (len(units) - done) / rate,
            )


class _Chunks(io.RawIOBase):
    """A readable binary stream over an iterator of byte strings."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
