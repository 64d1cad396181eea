"""Publishing into, and reading from, a SPARQL 1.1 store shared by many instances.

Layout in the store (all IRIs in the internal base, never shown to clients):

* ``graph/unit/{file}/{hash}``: what one source file (an office, or a file of shared
  things) publishes, one graph per content version, uploaded before it goes live;
* ``graph/source/{file}/{hash}``: that file's validated source document, as JSON, so
  every instance renders exactly what the publisher validated;
* ``graph/published``: the union of the live graphs, the default graph of
  ``/sparql`` and the source of the dumps;
* ``graph/meta``: which content version of each file is live, and the version of the
  whole dataset with its publish sequence number.

A publish uploads the changed files' graphs first, then goes live with one
update request (pointers, the published union and the version together); a SPARQL
1.1 store applies all operations of a request or none, so readers see the previous
version or the new one, never half of one, and a failed publish changes nothing.

The sequence number grows by one with every publish that changes anything, counted by
the store itself in that same update: versions are ordered, so an instance can tell
an older announcement from a newer one (``Published``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from . import uris
from .kinds import unit_graph
from .progress import Progress
from .records import DataSet, InvalidData, load_directory_with_documents, load_documents
from .records.references import lost
from .remote import SparqlClient, StoreError

PUBLISHED = uris.internal("graph/published")
META = uris.internal("graph/meta")
DATASET = uris.internal("graph/meta/dataset")
TERMS = uris.INTERNAL_BASE + "vocab/service#"
VERSION, SEQUENCE, LIVE, HASH, SOURCE, FILE, DOCUMENT = (
    URIRef(TERMS + name)
    for name in ("version", "sequence", "live", "hash", "source", "file", "document")
)
BATCH = 200
_QUIET = logging.getLogger("opendata.publish.quiet")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class Published:
    """A live version and its place in the order of publishes."""

    sequence: int
    version: str

    def is_newer_than(self, other: Published | None) -> bool:
        return other is None or self.sequence > other.sequence

    def __str__(self) -> str:
        return f"{self.version} (publish {self.sequence})"


@dataclass(frozen=True)
class LiveUnit:
    """One row of the meta graph: what is live for a source file."""

    file: str
    hash: str
    graph: str
    source: str


@dataclass(frozen=True)
class PublishResult:
    published: Published
    changed: tuple[str, ...]
    removed: tuple[str, ...]


def unit_graph_iri(file: str, digest: str) -> str:
    return str(uris.internal(f"graph/unit/{quote(file, safe='')}/{digest}"))


def source_graph(file: str, digest: str) -> str:
    return str(uris.internal(f"graph/source/{quote(file, safe='')}/{digest}"))


# ---------------------------------------------------------------------------
# Publishing (the CLI)


def publish(
    directory: Path, client: SparqlClient, logger: logging.Logger | None = None
) -> PublishResult:
    """Validate a data directory and make it the live version in the store.

    Only the files whose content differs from the live version are uploaded.
    InvalidData is raised before anything is written; a StoreError mid-way leaves
    the previous version live (uploaded graphs that never went live are harmless).
    """
    dataset, documents = load_directory_with_documents(directory, logger)
    reader = StoreReader(client)
    current = reader.live()
    problems = lost(reader.dataset(current), dataset) if current else []
    if problems:
        raise InvalidData(problems)
    live = reader.rows
    wanted = {unit.source: _row(unit.source, documents[unit.source]) for unit in dataset.units}
    changed = [file for file, row in wanted.items() if live.get(file) != row]
    units = {unit.source: unit for unit in dataset.units}
    progress = Progress(logger or _QUIET, len(changed), "uploading changed files", every=1.0)
    for done, file in enumerate(changed, 1):
        row = wanted[file]
        client.put_graph(row.graph, _ntriples(unit_graph(units[file])))
        client.put_graph(row.source, _source_ntriples(documents[file]))
        progress(done, force=done == len(changed))
    removed = [file for file in live if file not in wanted]
    if changed or removed or current is None or current.version != dataset.version:
        client.update(
            _go_live(
                dataset,
                [live[f] for f in removed + changed if f in live],
                [wanted[f] for f in changed],
            )
        )
    for row in (live[f] for f in removed + changed if f in live):
        # an old graph left behind wastes space, nothing more
        with contextlib.suppress(StoreError):
            client.update(f"DROP SILENT GRAPH <{row.graph}> ; DROP SILENT GRAPH <{row.source}>")
    # read back: the store numbered it (or a publish at the same time overtook it)
    published = read_published(client)
    if published is None:
        raise StoreError("the store lost the version that went live")
    return PublishResult(published, tuple(changed), tuple(removed))


def _row(file: str, document: dict) -> LiveUnit:
    digest = _digest(document)
    return LiveUnit(file, digest, unit_graph_iri(file, digest), source_graph(file, digest))


def _digest(document: dict) -> str:
    return hashlib.sha256(_json(document).encode()).hexdigest()[:16]


def _json(document: dict) -> str:
    # default=str: YAML dates become ISO strings, which the schema reads back.
    return json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)


def _ntriples(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


def _source_ntriples(document: dict) -> bytes:
    line = f"<{DATASET}> <{DOCUMENT}> {Literal(_json(document), datatype=RDF.JSON).n3()} .\n"
    return line.encode("utf-8")


def _go_live(dataset: DataSet, old: Iterable[LiveUnit], new: Iterable[LiveUnit]) -> str:
    operations = []
    for row in old:
        operations.append(f"DELETE {{ {_in(PUBLISHED)} }} WHERE {{ {_in(row.graph)} }}")
        operations.append(f"DELETE WHERE {{ GRAPH <{META}> {{ <{_subject(row.file)}> ?p ?o }} }}")
    for row in new:
        operations.append(f"INSERT {{ {_in(PUBLISHED)} }} WHERE {{ {_in(row.graph)} }}")
        operations.append(f"INSERT DATA {{ GRAPH <{META}> {{ {_meta_triples(row)} }} }}")
    operations.append(f"DELETE WHERE {{ GRAPH <{META}> {{ <{DATASET}> <{VERSION}> ?v }} }}")
    version = Literal(dataset.version).n3()
    operations.append(f"INSERT DATA {{ GRAPH <{META}> {{ <{DATASET}> <{VERSION}> {version} }} }}")
    # the store counts: two publishers can never go live with the same number
    operations.append(
        f"DELETE {{ GRAPH <{META}> {{ <{DATASET}> <{SEQUENCE}> ?n }} }}"
        f" INSERT {{ GRAPH <{META}> {{ <{DATASET}> <{SEQUENCE}> ?next }} }}"
        f" WHERE {{ OPTIONAL {{ GRAPH <{META}> {{ <{DATASET}> <{SEQUENCE}> ?n }} }}"
        f" BIND(COALESCE(?n + 1, 1) AS ?next) }}"
    )
    return " ;\n".join(operations)


def _in(graph: str) -> str:
    return f"GRAPH <{graph}> {{ ?s ?p ?o }}"


def _subject(file: str) -> str:
    return str(uris.internal(f"graph/meta/unit/{quote(file, safe='')}"))


def _meta_triples(row: LiveUnit) -> str:
    subject = f"<{_subject(row.file)}>"
    return (
        f"{subject} <{LIVE}> <{row.graph}> ; <{SOURCE}> <{row.source}> ; "
        f"<{HASH}> {Literal(row.hash).n3()} ; <{FILE}> {Literal(row.file).n3()} ."
    )


# ---------------------------------------------------------------------------
# Reading (every instance)


_PUBLISHED = (
    f"GRAPH <{META}> {{ <{DATASET}> <{VERSION}> ?v OPTIONAL {{ <{DATASET}> <{SEQUENCE}> ?n }} }}"
)


def read_published(client: SparqlClient) -> Published | None:
    """The live version and its sequence number: one small query (the watchers' check)."""
    rows = client.select(f"SELECT ?v ?n WHERE {{ {_PUBLISHED} }}")
    return _published(rows[0]) if rows else None


def read_version(client: SparqlClient) -> str | None:
    published = read_published(client)
    return published.version if published else None


def read_live(client: SparqlClient) -> tuple[Published | None, list[LiveUnit]]:
    """The live version and its files, read in one query: one snapshot of the store."""
    rows = client.select(
        f"SELECT ?v ?n ?graph ?source ?hash ?file WHERE {{ {_PUBLISHED} OPTIONAL {{ "
        f"GRAPH <{META}> {{ "
        f"?s <{LIVE}> ?graph ; <{SOURCE}> ?source ; <{HASH}> ?hash ; <{FILE}> ?file }} }} }}"
    )
    if not rows:
        return None, []
    units = [
        LiveUnit(row["file"], row["hash"], row["graph"], row["source"])
        for row in rows
        if "file" in row
    ]
    return _published(rows[0]), units


def _published(row: dict[str, str]) -> Published:
    # a store published before versions were numbered counts as publish 0
    return Published(int(row.get("n", 0)), row["v"])


def read_documents(client: SparqlClient, sources: list[str]) -> dict[str, dict]:
    """Source graph IRI → the organisation's validated document, in batches."""
    documents = {}
    for start in range(0, len(sources), BATCH):
        values = " ".join(f"<{iri}>" for iri in sources[start : start + BATCH])
        rows = client.select(
            f"SELECT ?g ?json WHERE {{ VALUES ?g {{ {values} }} "
            f"GRAPH ?g {{ <{DATASET}> <{DOCUMENT}> ?json }} }}"
        )
        documents.update((row["g"], json.loads(row["json"])) for row in rows)
    return documents


class StoreReader:
    """Keeps an instance's records in step with the live version in the store.

    Only files whose content changed are fetched again, so a publish that touches
    one office costs one office's download.
    """

    def __init__(self, client: SparqlClient):
        self.client = client
        self.rows: dict[str, LiveUnit] = {}  # the files of the version ``live`` read last
        self.documents: dict[str, dict] = {}  # the documents fetched, by file
        self.fetched: dict[str, LiveUnit] = {}  # which content each of them has

    def published(self) -> Published | None:
        return read_published(self.client)

    def live(self) -> Published | None:
        """The live version, with its files' rows (one query); None before any publish."""
        published, rows = read_live(self.client)
        self.rows = {row.file: row for row in rows}
        return published

    def dataset(self, published: Published) -> DataSet:
        """The validated records of the version ``live`` read last."""
        stale = [row for file, row in self.rows.items() if self.fetched.get(file) != row]
        fetched = read_documents(self.client, [row.source for row in stale])
        for row in stale:
            if row.source not in fetched:
                raise StoreError(f"the store has no source document {row.source}")
            self.documents[row.file] = fetched[row.source]
        self.fetched = dict(self.rows)
        self.documents = {file: self.documents[file] for file in self.rows}
        return load_documents(self.documents, published.version)

    def unit_graph(self, source: str) -> Graph:
        row = self.rows[source]
        return self.client.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{row.graph}> {{ ?s ?p ?o }} }}"
        )

    def union(self) -> Graph:
        return self.client.construct(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PUBLISHED}> {{ ?s ?p ?o }} }}"
        )
