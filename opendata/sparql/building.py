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

from .. import artefacts
from ..store import PublishedStore

ARTEFACT = "sparql"
STORE = "store"  # the Oxigraph directory inside the artefact
TRIPLES = "triples"  # how many triples the default graph holds
PROGRESS_SECONDS = 10.0


def store_path(app: Flask, version: str) -> Path:
    return artefacts.path_of(app, version, ARTEFACT) / STORE


def prepare(app: Flask, store: PublishedStore) -> None:
    """Build the version's SPARQL store unless this host has it already."""
    ensure(app, store)


def ensure(app: Flask, store: PublishedStore) -> Path:
    """The directory of the version's Oxigraph store, built first if need be."""
    artefact = artefacts.path_of(app, store.version, ARTEFACT)
    artefacts.build_once(artefact, partial(build, store, app.logger))
    return artefact / STORE


def triples_in(app: Flask, version: str) -> int | None:
    """How many triples the version's store holds (None when it is not built)."""
    try:
        return int((artefacts.path_of(app, version, ARTEFACT) / TRIPLES).read_text())
    except (OSError, ValueError):
        return None


def build(published: PublishedStore, log: Logger, directory: Path) -> None:
    """Bulk-load every published file's graph into a new store in ``directory``."""
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
