"""The tables of a search index's ``index.sqlite``, and what writes them.

* ``things(id, kind, slug, parent, place, administration, themes, source, key)``: one
  row per organisation, programme and person (``index``: ids in name order);
* ``topics(thing, facet, value)``: the many-valued facets (``theme``, ``focus``);
* ``labels(facet, value, de, en)``: what facet values and parents are called;
* ``links(slug, parent, source)``: the chains of parents (``documents.parent_chain``);
* ``counts(list, facet, value, n)``: the facet counts of the lists without words;
* ``deleted(id)``: rows of the segments that a derived version no longer serves;
* ``meta``: the segments, and the totals and top facet values of the lists without
  words.

The processes that write segments fill the same tables in files of their own, which
the building process then copies (``index.build``).
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..records import DATA_THEMES
from . import documents

if TYPE_CHECKING:
    from .segments import Described

FACETS = ("kind", "place", "administration", "theme", "focus")
# The kinds of things whose names ``labels`` holds, and the facet of each.
LABELLED = {"place": "place", "organization": "organization", "concept": "focus"}
THEMES = DATA_THEMES  # bit i of ``things.themes``: the thing has theme THEMES[i]
FACET_LIMIT = 10  # facet values a list shows (the most frequent; the selected one too)
# The lists without search text whose facet counts are computed when the index is
# built: everything ("-") and each kind.
LISTS = ("-", *documents.SEARCHED_KINDS)

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


def create(path: Path) -> sqlite3.Connection:
    """A new index file with its tables, in a transaction."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
        connection.execute(f"PRAGMA {pragma}")
    connection.executescript(SCHEMA)
    connection.execute("BEGIN")
    return connection


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

    @classmethod
    def summed(cls, parts: Iterable[dict]) -> Tally:
        """The sum of several tallies' ``counts``."""
        tally = cls()
        for counts in parts:
            for key, facets in counts.items():
                for facet, values in facets.items():
                    tally.counts[key][facet].update(values)
        return tally

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
