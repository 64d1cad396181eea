"""The search index of one data version: SQLite files with FTS5 tables.

Why SQLite FTS5: it is in Python's standard library (no new dependency, no service
to run), files that are built once per data version and then opened read-only by
every process (``mode=ro``, ``immutable=1``: no locks, pages shared through the OS
cache), and answers matching, facet counts and pages in the same SQL. tantivy (via
tantivy-py) would build faster, but is a compiled dependency with its own index
directory format and no SQL for facets and paging; at 100,000 organisations FTS5
answers in milliseconds, so it wins on simplicity.

An index is a directory: ``index.sqlite`` and the segments it names in its meta
table (``segments``: FTS5 tables written in parallel, and for a derived version the
segment of the changes, ``deriving``). ``index.sqlite`` holds the things, their facets
and names, and the counts of the lists without words (``tables``). Ids follow name
order (the folded German name, then the order of the files), GAP apart: reading
matches in ``id`` order is reading them by name, so a page of a result is found
without sorting every match.

Each segment holds ``text``: a contentless FTS5 table (``unicode61``, prefix indexes
of 2 and 3 characters, ``detail=column``: no phrase is ever searched, so no word
positions are kept) whose columns are ``documents.FIELDS``, filled with folded text
(``folding``), and ``facets``, its rowids the ids of ``things``; the original texts
stay in the records, where snippets are cut. ``facets`` holds a word for each facet
value of the thing (``segments.facet_word``), so a search with filters is one FTS5
query whose words include the filters': FTS5 skips from one match of the rarest word
to the next instead of reading every match of the others. And ``terms(term,
fields)``: every word of ``text`` and the fields it is in (as bits), so a query word
becomes the words it begins (``query``; FTS5 would otherwise merge the postings of
every such word before giving the first match), and a tier of fields that cannot
hold every word of a search is not read.

Building has each segment's process read and fold its files' things (``segments``),
numbers all things in name order here, has each segment write its rows of
``index.sqlite`` into a file of its own, copies them here while the segments write
their FTS5 tables, and logs its progress every ``PROGRESS_SECONDS``: files read and
things written, each with the rate and the time left.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import closing
from pathlib import Path
from typing import Any

from ..archiving import collector_paused
from ..progress import Progress
from ..readonly import ReadOnlyConnections, uri
from ..records import DataSet
from . import documents, segments, tables
from .segments import segment_name
from .tables import Tally

FILE_NAME = "index.sqlite"
# A thing's id is its place in name order times GAP, so that a version derived from
# this one can put a renamed thing between two others (``deriving``).
GAP = 1 << 10
REMEMBERED = 256  # searches a process keeps the ordered results of, per version


def build(data: DataSet, directory: Path, logger: logging.Logger, labels: dict) -> Path:
    """Write the index of ``data`` into ``directory`` (an artefact's work directory).

    ``labels`` names the facet values the records do not (the EU data themes):
    facet → value → {language: label}.
    """
    path = directory / FILE_NAME
    what = f"search index of version {data.version}"
    started = time.monotonic()
    with collector_paused(), segments.started(data, directory) as parts:
        for part in parts:
            part.ask("order")
        reading = Progress(logger, len(data.units), f"{what}, files read")
        read = segments.gather(parts, reading)
        reading(len(data.units), force=True)
        links = [link for found in read for link in found.links]
        top = documents.top_of({slug: parent for slug, parent, _ in links})
        ids = _numbered([key for found in read for key, _ in found.things])
        first = 0
        for part, found in zip(parts, read, strict=True):
            last = first + len(found.things)
            administrations = [start and top(start) for _, start in found.things]
            part.ask("rows", ids[first:last], administrations)
            part.ask("write")
            first = last
        connection = tables.create(path)
        try:
            # the segments' rows first: they are copied here while the segments write
            tally = Tally.summed(segments.gather(parts, lambda done: None))
            _copy_rows(connection, [part.rows_path for part in parts])
            connection.executemany("INSERT INTO links VALUES (?, ?, ?)", links)
            named = {(facet, value): names for facet, values in labels.items()
                     for value, names in values.items()}  # fmt: skip
            tables.insert_labels(connection, named)
            meta = {"segments": [segment_name(i) for i in range(len(parts))]}
            tables.insert_meta(connection, data.version, tally, meta)
            connection.execute("COMMIT")
            connection.executescript(tables.INDEXES)
            connection.execute("PRAGMA analysis_limit=1000")  # enough to choose indexes
            connection.execute("ANALYZE")
            written = Progress(logger, len(ids), f"{what}, things written")
            segments.gather(parts, written)
            written(len(ids), force=True)
        finally:
            connection.close()
    size = sum(p.stat().st_size for p in directory.iterdir())
    logger.info(
        "%s: %s things in %.1f s, %.1f MB", what, f"{len(ids):,}", _since(started), size / 1e6
    )
    return path


def _copy_rows(connection: sqlite3.Connection, files: list[Path]) -> None:
    """Copy the rows the segments' processes wrote into files of their own, in id
    order, and delete those files."""
    for i, file in enumerate(files):
        connection.execute(f"ATTACH DATABASE ? AS rows{i}", (str(file),))
    for table, order in (("things", " ORDER BY id"), ("topics", ""), ("labels", " ORDER BY 1, 2")):
        union = " UNION ALL ".join(f"SELECT * FROM rows{i}.{table}" for i in range(len(files)))
        connection.execute(f"INSERT OR REPLACE INTO {table} SELECT * FROM ({union}){order}")
    connection.execute("COMMIT")  # a database cannot be detached within a transaction
    for i, file in enumerate(files):
        connection.execute(f"DETACH DATABASE rows{i}")
        file.unlink()
    connection.execute("BEGIN")


def _since(started: float) -> float:
    return time.monotonic() - started


def _numbered(keys: list[str]) -> list[int]:
    """The id of each thing of these sort keys: its place in name order (among equal
    names, in the order of the files), counted from 1, times GAP."""
    ids = [0] * len(keys)
    order = sorted(range(len(keys)), key=keys.__getitem__)  # stable
    for place, i in enumerate(order, start=1):
        ids[i] = place * GAP
    return ids


class Index:
    """An index opened read-only: one connection per thread of each process, with every
    segment attached (``segments``: their schema names, and whether the ``deleted``
    rows are among theirs), and the searches the process answered last
    (``remembered``)."""

    def __init__(self, path: Path):
        self.path = path
        self._remembered: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        with closing(sqlite3.connect(uri(path), uri=True)) as main:
            meta = dict(main.execute("SELECT key, value FROM meta").fetchall())
            self.meta = {key: json.loads(value) for key, value in meta.items()}
            self.deleted = frozenset(id_ for (id_,) in main.execute("SELECT id FROM deleted"))
        names = [(name, True) for name in self.meta["segments"]]
        if self.meta.get("changes"):
            names.append((self.meta["changes"]["segment"], False))
        self.segments = [(f"s{i}", filtered) for i, (_, filtered) in enumerate(names)]
        attached = {f"s{i}": path.parent / name for i, (name, _) in enumerate(names)}
        self._connections = ReadOnlyConnections(path, cache_kib=8192, attached=attached)

    def connection(self) -> sqlite3.Connection:
        return self._connections.get()

    def remembered(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """What ``compute`` gives for ``key``, computed once for the last REMEMBERED
        keys: the further pages of a search are slices of what its first one found."""
        with self._lock:
            found = self._remembered.get(key)
            if found is not None:
                self._remembered.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            self._remembered[key] = found
            while len(self._remembered) > REMEMBERED:
                self._remembered.popitem(last=False)
        return found
