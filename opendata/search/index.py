"""The search index of one data version: an SQLite file with an FTS5 table.

Why SQLite FTS5: it is in Python's standard library (no new dependency, no service
to run), one file that is built once per data version and then opened read-only by
every process (``mode=ro``, ``immutable=1``: no locks, pages shared through the OS
cache), ranks with BM25 and per-column weights, and answers facet counts and pages in
the same SQL. tantivy (via tantivy-py) would rank as well and build faster, but is a
compiled dependency with its own index directory format and no SQL for facets and
paging; at 100,000 organisations FTS5 answers in milliseconds, so it wins on
simplicity.

Schema:

* ``things(id, kind, slug, sort_key, parent, place, administration, themes, ord)``: one
  row per organisation, programme and person; ``themes`` the EU data themes as bits,
  ``ord`` the place in name order (``sort_key``, the folded German name), which breaks
  ties between equal scores, so every page of a result is stable;
* ``topics(thing, facet, value)``: the many-valued facets (``theme``, ``focus``);
* ``labels(facet, value, de, en)``: what facet values and parents are called;
* ``text``: a contentless FTS5 table (``unicode61``, prefix indexes of 2 and 3
  characters) whose columns are ``documents.FIELDS``, filled with folded text
  (``folding``); the original texts stay in the records, where snippets are cut;
* ``meta``: counts and the facet counts of the lists without words, computed once.

Building logs its progress every ``PROGRESS_SECONDS``: things done, rate, time left.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ..records import DATA_THEMES, DataSet
from . import documents
from .folding import folded_text, inner_parts

FILE_NAME = "index.sqlite"
PROGRESS_SECONDS = 10.0
BATCH = 2_000
FACETS = ("kind", "place", "administration", "theme", "focus")
THEMES = DATA_THEMES  # bit i of ``things.themes``: the thing has theme THEMES[i]
# Lists without search text whose facet counts are computed when the index is built.
PRECOMPUTED = (None, *documents.SEARCHED_KINDS)

SCHEMA = f"""
CREATE TABLE things (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL, sort_key TEXT NOT NULL,
    parent TEXT, place TEXT, administration TEXT, themes INTEGER NOT NULL, ord INTEGER
);
CREATE TABLE topics (thing INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE labels (
    facet TEXT NOT NULL, value TEXT NOT NULL, de TEXT, en TEXT, PRIMARY KEY (facet, value)
) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE text USING fts5(
    {", ".join(name for name, *_ in documents.FIELDS)},
    content='', tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
"""
# ``ord``: the place of each thing in name order, so that ordering a result by name
# compares integers.
ORDER = """
UPDATE things SET ord = o.n FROM
    (SELECT id, row_number() OVER (ORDER BY sort_key, id) AS n FROM things) AS o
WHERE o.id = things.id;
"""
INDEXES = """
CREATE INDEX things_by_kind ON things (kind, ord);
CREATE INDEX things_by_order ON things (ord);
CREATE INDEX things_by_place ON things (place, kind);
CREATE INDEX things_by_administration ON things (administration, kind);
CREATE INDEX topics_by_value ON topics (facet, value, thing);
CREATE INDEX topics_by_thing ON topics (thing, facet, value);
"""


class Progress:
    """Logs how far a long job is, at most every PROGRESS_SECONDS."""

    def __init__(self, logger: logging.Logger, total: int, what: str):
        self.logger, self.total, self.what = logger, total, what
        self.started = self.last = time.monotonic()

    def __call__(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else float("inf")
        self.logger.info(
            "%s: %s of %s (%.0f/s), %.0f s so far, about %.0f s left",
            self.what,
            f"{done:,}",
            f"{self.total:,}",
            rate,
            elapsed,
            left,
        )


def build(data: DataSet, directory: Path, logger: logging.Logger, labels: dict) -> Path:
    """Write the index of ``data`` into ``directory`` (an artefact's work directory).

    ``labels`` names the facet values the records do not (the EU data themes):
    facet → value → {language: label}.
    """
    path = directory / FILE_NAME
    total = documents.count(data)
    progress = Progress(logger, total, f"search index of version {data.version}")
    started = time.monotonic()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
            connection.execute(f"PRAGMA {pragma}")
        connection.executescript(SCHEMA)
        connection.execute("BEGIN")
        done = _insert_things(connection, documents.things(data), progress)
        _insert_labels(connection, data, labels)
        connection.execute("COMMIT")
        progress(done, force=True)
        logger.info("search index: sorting and merging")
        connection.executescript(ORDER + INDEXES)
        connection.execute("INSERT INTO text(text) VALUES ('optimize')")
        connection.execute("BEGIN")
        _insert_meta(connection, data, done)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        connection.close()
    logger.info(
        "search index of version %s: %s things in %.1f s, %.1f MB",
        data.version,
        f"{done:,}",
        time.monotonic() - started,
        path.stat().st_size / 1e6,
    )
    return path


def _insert_things(connection: sqlite3.Connection, found: Iterable, progress: Progress) -> int:
    rows, texts, topics = [], [], []
    done = 0
    columns = [name for name, *_ in documents.FIELDS]

    def flush() -> None:
        connection.executemany("INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)", rows)
        connection.executemany(
            f"INSERT INTO text (rowid, {', '.join(columns)}) VALUES (?{', ?' * len(columns)})",
            texts,
        )
        connection.executemany("INSERT INTO topics VALUES (?, ?, ?)", topics)
        rows.clear(), texts.clear(), topics.clear()

    for done, thing in enumerate(found, start=1):
        sort_key = folded_text([thing.name.primary]) or thing.slug
        themes = sum(1 << THEMES.index(theme) for theme in set(thing.themes))
        rows.append(
            (
                done,
                thing.kind,
                thing.slug,
                sort_key,
                thing.parent,
                thing.place,
                thing.administration,
                themes,
            )
        )
        texts.append((done, *_columns(thing)))
        topics += [(done, "theme", theme) for theme in thing.themes]
        topics += [(done, "focus", focus) for focus in thing.focus]
        if len(rows) >= BATCH:
            flush()
            progress(done)
    flush()
    return done


def _columns(thing: documents.Thing) -> list[str]:
    values = []
    for name, *_ in documents.FIELDS:
        if name in documents.PARTS_OF:
            sources = documents.PARTS_OF[name]
            values.append(
                inner_parts(text for key in sources for _, text in thing.texts.get(key, ()))
            )
        else:
            values.append(folded_text(text for _, text in thing.texts.get(name, ())))
    return values


def _insert_labels(connection: sqlite3.Connection, data: DataSet, labels: dict) -> None:
    """The names of places, organisations and focus areas (each as its file says)."""
    found: dict[tuple[str, str], dict] = {}
    for unit in data.units:
        for kind, slug, _, record in unit.things():
            facet = {"place": "place", "organization": "organization", "concept": "focus"}.get(kind)
            if facet is not None:
                found[(facet, slug)] = dict(record.name.items())
    for facet, values in labels.items():
        for value, names in values.items():
            found[(facet, value)] = names
    connection.executemany(
        "INSERT INTO labels VALUES (?, ?, ?, ?)",
        [(f, v, names.get("de"), names.get("en")) for (f, v), names in sorted(found.items())],
    )


def _insert_meta(connection: sqlite3.Connection, data: DataSet, total: int) -> None:
    meta = {"version": data.version, "things": total}
    for kind in PRECOMPUTED:
        where, parameters = ("WHERE kind = ?", (kind,)) if kind else ("", ())
        count = fill_hits(connection, f"SELECT {HIT_COLUMNS} FROM things t {where}", parameters)
        meta[f"facets/{kind or '-'}"] = facet_counts(connection, count, everything=True)
        meta[f"total/{kind or '-'}"] = count
        connection.execute("DROP TABLE temp.hits")
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
    )


FACET_LIMIT = 10  # facet values a list shows (the most frequent; the selected one too)
# Above this many results, the facets with many values (places, administrations, focus
# areas) are not counted: a few hundred thousand things spread over as many places
# make no useful top ten, and counting them would cost more than the search.
FACET_SCAN_LIMIT = 20_000
MANY_VALUED = ("place", "administration", "focus")
# What a search keeps of each matching thing: enough to order, page and count the kinds
# and themes without going back to ``things``.
HIT_COLUMNS = "t.id, 0, t.ord, t.kind, t.themes"


def fill_hits(connection: sqlite3.Connection, select: str, parameters) -> int:
    """Collect the things ``select`` gives (``HIT_COLUMNS``) in the temporary table
    ``hits`` of the connection; how many there are."""
    connection.execute("DROP TABLE IF EXISTS temp.hits")
    connection.execute(
        "CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY, score REAL, ord INTEGER, kind TEXT,"
        " themes INTEGER)"
    )
    connection.execute(f"INSERT INTO temp.hits {select}", parameters)
    return connection.execute("SELECT count(*) FROM temp.hits").fetchone()[0]


def facet_counts(connection: sqlite3.Connection, total: int, everything: bool = False) -> dict:
    """facet → {"values": [[value, count], …] (most frequent first), "distinct": n}, over
    the things in ``hits``. Kinds and themes are counted in one pass over ``hits``; the
    many-valued facets only up to FACET_SCAN_LIMIT results (unless ``everything``), else
    they are left out (None)."""
    if not total:
        return {}
    kinds: dict[str, int] = {}
    themes = [0] * len(THEMES)
    for kind, bits, count in connection.execute(
        "SELECT kind, themes, count(*) FROM temp.hits GROUP BY 1, 2"  # a few groups
    ):
        kinds[kind] = kinds.get(kind, 0) + count
        for i in range(len(THEMES)):
            if bits >> i & 1:
                themes[i] += count
    counts = {"kind": _ranked(kinds.items()), "theme": _ranked(zip(THEMES, themes, strict=True))}
    if total > FACET_SCAN_LIMIT and not everything:
        counts.update((facet, None) for facet in MANY_VALUED)
        return counts
    # one look-up per hit (a join would make SQLite build a Bloom filter of all things)
    for facet in ("place", "administration"):
        value = f"(SELECT {facet} FROM things WHERE id = h.id)"
        counts[facet] = _top(
            connection,
            f"SELECT {value} AS v, count(*) FROM temp.hits h GROUP BY 1 HAVING v IS NOT NULL",
        )
    counts["focus"] = _top(
        connection,
        "SELECT p.value, count(*) FROM temp.hits h CROSS JOIN topics p"
        " ON p.thing = h.id AND p.facet = 'focus' WHERE h.kind = 'organization' GROUP BY 1",
    )
    return counts


def _ranked(pairs) -> dict:
    found = sorted(((value, n) for value, n in pairs if n), key=lambda v: (-v[1], v[0]))
    return {"values": [list(v) for v in found[:FACET_LIMIT]], "distinct": len(found)}


def _top(connection: sqlite3.Connection, grouped: str) -> dict:
    rows = connection.execute(
        f"SELECT *, count(*) OVER () FROM ({grouped}) ORDER BY 2 DESC, 1 LIMIT {FACET_LIMIT}"
    ).fetchall()
    distinct = rows[0][2] if rows else 0
    return {"values": [[value, count] for value, count, _ in rows], "distinct": distinct}


class Index:
    """An index opened read-only: one connection per thread of each process."""

    def __init__(self, path: Path):
        self.path = path
        self.uri = f"file:{path}?mode=ro&immutable=1"
        self._local = threading.local()
        self._pid = os.getpid()
        meta = dict(self.connection().execute("SELECT key, value FROM meta").fetchall())
        self.meta = {key: json.loads(value) for key, value in meta.items()}

    def connection(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:  # forked: never share a connection with the parent
            self._local, self._pid = threading.local(), os.getpid()
        found = getattr(self._local, "connection", None)
        if found is None:
            found = sqlite3.connect(self.uri, uri=True, isolation_level=None)
            found.execute("PRAGMA cache_size=-8192")  # KiB; the OS caches the file too
            self._local.connection = found
        return found
