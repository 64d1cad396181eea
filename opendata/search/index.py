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
segment of the changes, ``deriving``). ``index.sqlite`` holds

* ``things(id, kind, slug, parent, place, administration, themes, source, key)``: one
  row per organisation, programme and person. Ids follow name order (the folded
  German name, ``key``; then the order of the files), GAP apart: reading matches in
  ``id`` order is reading them by name, so a page of a result is found without
  sorting every match. ``themes`` holds the EU data themes as bits;
* ``topics(thing, facet, value)``: the many-valued facets (``theme``, ``focus``);
* ``labels(facet, value, de, en)``: what facet values and parents are called;
* ``links(slug, parent, source)``: the chains of parents (``documents.parent_chain``);
* ``counts(list, facet, value, n)``: the facet counts of the lists without words;
* ``deleted(id)``: rows of the segments that a derived version no longer serves;
* ``meta``: the segments, counts and the top facet values of the lists without
  words, computed once.

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
numbers all things in name order here, then has the segments write their rows while
this process writes ``index.sqlite``, logging its progress every
``PROGRESS_SECONDS``: files read and things written, each with the rate and the time
left.
"""

from __future__ import annotations

import gc
import heapq
import json
import logging
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from ..progress import Progress
from ..readonly import ReadOnlyConnections, uri
from ..records import DATA_THEMES, DataSet
from . import documents, segments
from .segments import FACETS, Described, segment_name

FILE_NAME = "index.sqlite"
THEMES = DATA_THEMES  # bit i of ``things.themes``: the thing has theme THEMES[i]
FACET_LIMIT = 10  # facet values a list shows (the most frequent; the selected one too)
# The lists without search text whose facet counts are computed when the index is
# built: everything ("-") and each kind.
LISTS = ("-", *documents.SEARCHED_KINDS)
# A thing's id is its place in name order times GAP, so that a version derived from
# this one can put a renamed thing between two others (``changes``).
GAP = 1 << 10
REMEMBERED = 256  # searches a process keeps the ordered results of, per version

SCHEMA = """
CREATE TABLE things (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL, parent TEXT,
    place TEXT, administration TEXT, themes INTEGER NOT NULL, source TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE TABLE topics (thing INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE labels (
    facet TEXT NOT NULL, value TEXT NOT NULL, de TEXT, en TEXT, PRIMARY KEY (facet, value)
) WITHOUT ROWID;
CREATE TABLE links (slug TEXT NOT NULL, parent TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE deleted (id INTEGER PRIMARY KEY);
CREATE TABLE counts (
    list TEXT NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (list, facet, value)
) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
INDEXES = """
CREATE INDEX things_by_kind ON things (kind);
CREATE INDEX things_by_source ON things (source);
CREATE INDEX things_by_name ON things (kind, slug);
CREATE INDEX things_by_key ON things (key);
CREATE INDEX topics_by_thing ON topics (thing, facet, value);
CREATE INDEX links_by_slug ON links (slug);
CREATE INDEX links_by_parent ON links (parent);
"""


def build(data: DataSet, directory: Path, logger: logging.Logger, labels: dict) -> Path:
    """Write the index of ``data`` into ``directory`` (an artefact's work directory).

    ``labels`` names the facet values the records do not (the EU data themes):
    facet → value → {language: label}.
    """
    path = directory / FILE_NAME
    what = f"search index of version {data.version}"
    started = time.monotonic()
    with _uncollected(), segments.started(data, directory) as parts:
        for part in parts:
            part.ask("read")
        reading = Progress(logger, len(data.units), f"{what}, files read")
        read = segments.gather(parts, reading)
        reading(len(data.units), force=True)
        things = [thing for found in read for thing in found.things]
        links = [link for found in read for link in found.links]
        top = documents.top_of({slug: parent for slug, parent, _ in links})
        administrations = [t.chain_start and top(t.chain_start) for t in things]
        ids = _numbered(things)
        first = 0
        for part, found in zip(parts, read, strict=True):
            last = first + len(found.things)
            part.ask("write", ids[first:last], administrations[first:last])
            first = last
        written = Progress(logger, len(ids), f"{what}, things written")
        connection = create(path)
        try:
            tally = Tally()
            insert_things(connection, zip(ids, things, administrations, strict=True), tally)
            named = {key: names for found in read for key, names in found.named.items()}
            _insert_labels(connection, named, labels)
            connection.executemany("INSERT INTO links VALUES (?, ?, ?)", links)
            meta = {"segments": [segment_name(i) for i in range(len(parts))]}
            insert_meta(connection, data.version, tally, meta)
            connection.execute("COMMIT")
            connection.executescript(INDEXES)
            segments.gather(parts, written)
            written(len(ids), force=True)
            connection.execute("PRAGMA analysis_limit=1000")  # enough to choose indexes
            connection.execute("ANALYZE")
        finally:
            connection.close()
    size = sum(p.stat().st_size for p in directory.iterdir())
    logger.info(
        "%s: %s things in %.1f s, %.1f MB", what, f"{len(ids):,}", _since(started), size / 1e6
    )
    return path


@contextmanager
def _uncollected() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: a build allocates millions of objects
    that live until it ends and hold no cycles, and each full collection would walk
    them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _since(started: float) -> float:
    return time.monotonic() - started


def create(path: Path) -> sqlite3.Connection:
    """A new index file with its tables, in a transaction."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
        connection.execute(f"PRAGMA {pragma}")
    connection.executescript(SCHEMA)
    connection.execute("BEGIN")
    return connection


def _numbered(things: list[Described]) -> list[int]:
    """The id of each thing: its place in name order (among equal names, in the order
    of the files), counted from 1, times GAP."""
    ids = [0] * len(things)
    keys = [thing.key for thing in things]
    order = sorted(range(len(things)), key=keys.__getitem__)  # stable
    for place, i in enumerate(order, start=1):
        ids[i] = place * GAP
    return ids


class Tally:
    """The facet counts of the lists without words (``LISTS``): list → facet → value
    → how many things have it (kept in the ``counts`` table)."""

    def __init__(self) -> None:
        self.counts = {key: {facet: Counter() for facet in FACETS} for key in LISTS}

    def add(self, thing: Described, administration: str | None, sign: int = 1) -> None:
        self.add_values(
            thing.kind, thing.place, administration, set(thing.themes), thing.focus, sign
        )

    def add_values(
        self,
        kind: str,
        place: str | None,
        administration: str | None,
        themes: Iterable[str],
        focus: Iterable[str],
        sign: int,
    ) -> None:
        for key in ("-", kind):
            counts = self.counts[key]
            counts["kind"][kind] += sign
            for theme in themes:
                counts["theme"][theme] += sign
            if place:
                counts["place"][place] += sign
            if administration:
                counts["administration"][administration] += sign
            if kind == "organization":
                for value in focus:
                    counts["focus"][value] += sign

    def facets(self, key: str) -> dict:
        """facet → {"values": [[value, count], …] (most frequent first), "distinct": n}."""
        if not self.total(key):
            return {}
        return {facet: ranked(counts.items()) for facet, counts in self.counts[key].items()}

    def total(self, key: str) -> int:
        return sum(self.counts[key]["kind"].values())

    def save(self, connection: sqlite3.Connection) -> None:
        connection.execute("DELETE FROM counts")
        connection.executemany(
            "INSERT INTO counts VALUES (?, ?, ?, ?)",
            [
                (key, facet, value, n)
                for key, facets in self.counts.items()
                for facet, counts in facets.items()
                for value, n in counts.items()
                if n
            ],
        )


def ranked(pairs: Iterable[tuple[str, int]]) -> dict:
    """The FACET_LIMIT most frequent values (then in alphabetical order), and how many
    values have any things at all."""
    found = [(-n, value) for value, n in pairs if n]
    top = heapq.nsmallest(FACET_LIMIT, found)
    return {"values": [[value, -n] for n, value in top], "distinct": len(found)}


def insert_things(
    connection: sqlite3.Connection,
    things: Iterable[tuple[int, Described, str | None]],
    tally: Tally,
) -> None:
    """The rows of ``things`` and ``topics`` of (id, thing, administration)."""
    rows, topics = [], []
    for id_, thing, administration in things:
        themes = sum(1 << THEMES.index(theme) for theme in set(thing.themes))
        rows.append(
            (id_, thing.kind, thing.slug, thing.parent, thing.place, administration, themes,
             thing.source, thing.key)
        )  # fmt: skip
        topics += [(id_, "theme", theme) for theme in thing.themes]
        topics += [(id_, "focus", focus) for focus in thing.focus]
        tally.add(thing, administration)
    connection.executemany("INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.executemany("INSERT INTO topics VALUES (?, ?, ?)", topics)


def _insert_labels(
    connection: sqlite3.Connection, named: dict[tuple[str, str], dict], labels: dict
) -> None:
    """The names of places, organisations and focus areas (each as its file says), and
    of the facet values ``labels`` names."""
    found = dict(named)
    for facet, values in labels.items():
        for value, names in values.items():
            found[(facet, value)] = names
    insert_labels(connection, found)


def insert_labels(connection: sqlite3.Connection, named: dict[tuple[str, str], dict]) -> None:
    connection.executemany(
        "INSERT OR REPLACE INTO labels VALUES (?, ?, ?, ?)",
        [(f, v, names.get("de"), names.get("en")) for (f, v), names in sorted(named.items())],
    )


def insert_meta(connection: sqlite3.Connection, version: str, tally: Tally, more: dict) -> None:
    """The meta table (and the counts of ``tally``)."""
    tally.save(connection)
    meta = {"version": version, "things": tally.total("-"), **more}
    for key in LISTS:
        meta[f"facets/{key}"] = tally.facets(key)
        meta[f"total/{key}"] = tally.total(key)
    write_meta(connection, meta)


def write_meta(connection: sqlite3.Connection, meta: dict) -> None:
    connection.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [(k, json.dumps(v)) for k, v in meta.items()],
    )


def counted(connection: sqlite3.Connection, changes: Tally, meta: dict) -> dict:
    """Add ``changes`` (how the counts of a few values went up or down) to the counts
    table; the lists' totals and top facet values that ``meta`` had, updated."""
    found = {}
    for key in LISTS:
        total = meta[f"total/{key}"] + changes.total(key)
        facets = {}
        for facet in FACETS:
            had = meta[f"facets/{key}"].get(facet) or {"values": [], "distinct": 0}
            moved = {value: n for value, n in changes.counts[key][facet].items() if n}
            facets[facet] = _recounted(connection, key, facet, had, moved) if moved else had
        found[f"total/{key}"] = total
        found[f"facets/{key}"] = facets if total else {}
    found["things"] = found["total/-"]
    return found


def _recounted(
    connection: sqlite3.Connection, key: str, facet: str, had: dict, moved: dict[str, int]
) -> dict:
    """The top values and how many, of one facet of one list, once the counts of the
    values ``moved`` went up or down by as much. The new top values are among the old
    ones and the moved ones, unless one of the old ones went down: then every value of
    the facet is looked at."""
    where = "list = ? AND facet = ? AND value = ?"
    distinct, now = had["distinct"], {}
    for value, n in moved.items():
        row = connection.execute(f"SELECT n FROM counts WHERE {where}", (key, facet, value))
        before = (row.fetchone() or (0,))[0]
        now[value] = after = before + n
        distinct += (after > 0) - (before > 0)
        if after > 0:
            connection.execute("INSERT OR REPLACE INTO counts VALUES (?, ?, ?, ?)",
                               (key, facet, value, after))  # fmt: skip
        else:
            connection.execute(f"DELETE FROM counts WHERE {where}", (key, facet, value))
    top = dict(had["values"])
    if any(value in top and n < top[value] for value, n in now.items()):
        rows = connection.execute(
            "SELECT value, n FROM counts WHERE list = ? AND facet = ?", (key, facet)
        )
        return ranked(rows)
    top.update(now)
    return {"values": ranked(top.items())["values"], "distinct": distinct}


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
