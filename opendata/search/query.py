"""Answering a search: matching things, their order, one page of them, facet counts.

A search is the reader's words (``folding.Query``), at most one value per facet and a
page number.

Order, the same for every search and stable for a data version: first the things
whose name holds every word, then those whose names (other names, words inside names)
do, then their keywords (or job titles) too; with several words, then those where some
word is in the name, in the names, in the keywords; then the rest (``_tiers``, after
the tiers of ``documents.FIELDS``). Within each tier, in name order. The index numbers
things in name order, so FTS5 reads the matches of a tier in that order and stops after
the page asked for, however many things the words match; each segment of the index
is read so, and their matches merged by id (skipping the rows a derived index no
longer serves, ``Index.deleted``).

Bounds, as large search engines have them, so that a search answers in milliseconds
whether its words match ten things or most of them:

* the first DEPTH results can be paged through; the page says so when there are more;
* matches are counted up to COUNT_LIMIT, beyond that they are "more than" it;
* facets are counted up to COUNT_LIMIT results (the places, administrations and focus
  areas up to FACET_SCAN_LIMIT); beyond that the page asks to narrow the search first.

A query word is a prefix: it stands for every word of the index it begins (``terms``),
so FTS5 streams their postings instead of merging all of them first. What a search
found (its first DEPTH results in order, the count, the facet counts) is kept per
process (``Index.remembered``), so its further pages are slices of it.

Filters are words of the FTS5 query too (``segments.facet_word``): FTS5 reads only the
things that have every word and every filter, whichever is rarest.

Lists without words and with at most a kind (the home page, ``/search``) read the
counts the index computed when it was built, and page through every thing.
"""

from __future__ import annotations

import heapq
import sqlite3
from array import array
from dataclasses import dataclass, field
from itertools import islice

from . import documents
from .folding import Query
from .index import Index
from .segments import facet_word
from .tables import FACET_LIMIT, FACETS, THEMES, ranked

# Which labels table entry names the values of each facet.
LABEL_FACET = {"place": "place", "administration": "organization", "focus": "focus",
               "theme": "theme"}  # fmt: skip
DEPTH = 1_000  # results a search can page through
COUNT_LIMIT = 10_000  # results counted exactly (and kinds and themes counted over)
# Above this many results, the facets with many values (places, administrations, focus
# areas) are not counted: a few thousand things spread over as many places make no
# useful top ten, and counting them would cost more than the search.
FACET_SCAN_LIMIT = 1_000
MANY_VALUED = ("place", "administration", "focus")
PREFIX_INDEXED = 3  # words this short are looked up in FTS5's prefix indexes
EXPANDED = 200  # at most this many words of the index stand for a longer query word


class SearchFailed(Exception):
    """The index refused a query (it should never: user text is never FTS5 syntax)."""


@dataclass(frozen=True)
class Search:
    query: Query
    filters: tuple[tuple[str, str], ...] = ()  # (facet, value), in FACETS order
    page: int = 1
    size: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True)
class Hit:
    kind: str
    slug: str
    parent: str | None
    place: str | None


@dataclass
class Results:
    total: int  # COUNT_LIMIT when ``capped``
    hits: list[Hit]
    # facet → [(value, count)], most frequent first, the selected value always included
    facets: dict[str, list[tuple[str, int]]]
    distinct: dict[str, int]  # facet → how many values it has in all
    labels: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    # facet → the number of results up to which it is counted (this search had more)
    uncounted: dict[str, int] = field(default_factory=dict)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # selected, not published
    capped: bool = False  # more than ``total`` results
    reachable: int | None = None  # how many results can be paged through (None: all)

    def label(self, facet: str, value: str) -> dict[str, str]:
        return self.labels.get((LABEL_FACET.get(facet, facet), value), {})


@dataclass(frozen=True)
class Found:
    """What a search found, kept for its further pages."""

    ordered: array  # the ids of its first DEPTH results, in order (8 bytes each)
    total: int
    capped: bool
    counts: dict


def run(index: Index, search: Search) -> Results:
    connection = index.connection()
    filters = dict(search.filters)
    try:
        if search.query.short_only:  # words typed, none searchable: nothing matches them
            results = _results(0, [], {})
        elif not search.query and set(filters) <= {"kind"}:
            results = _listed(index, connection, search, filters.get("kind"))
        else:
            found = index.remembered(
                (tuple(search.query.words), search.filters),
                lambda: _found(index, connection, search.query, filters),
            )
            ids = tuple(found.ordered[search.offset : search.offset + search.size])
            results = _results(found.total, _rows(connection, ids), found.counts)
            results.capped, results.reachable = found.capped, min(found.total, DEPTH)
    except sqlite3.OperationalError as error:
        if "fts5" in str(error) or "MATCH" in str(error):
            raise SearchFailed(str(error)) from error
        raise
    for facet, value in search.filters:
        values = results.facets.setdefault(facet, [])
        if value not in (v for v, _ in values):
            values.append((value, 0))
    _add_labels(connection, results)
    results.unknown = [
        (facet, value)
        for facet, value in search.filters
        if facet in LABEL_FACET and (LABEL_FACET[facet], value) not in results.labels
    ]
    return results


def _listed(index: Index, connection, search: Search, kind: str | None) -> Results:
    """A list without words: things in name order; counts computed at build time."""
    key = kind or "-"
    counts = index.meta[f"facets/{key}"]
    where, parameters = ("WHERE kind = ?", [kind]) if kind else ("", [])
    rows = connection.execute(
        f"SELECT kind, slug, parent, place FROM things {where} ORDER BY id LIMIT ? OFFSET ?",
        [*parameters, search.size, search.offset],
    ).fetchall()
    return _results(index.meta[f"total/{key}"], rows, counts)


def _found(index: Index, connection, query: Query, filters: dict) -> Found:
    """The results of a search with words or filters other than a kind: FTS5 reads
    the matches of each tier, words and filters alike, in id (name) order."""
    words = _words(index, connection, query) if query else []
    if words is None:  # a word that begins no word of the index
        return Found(array("q"), 0, False, {})
    narrowed = " AND ".join(f'"{facet_word(facet, value)}"' for facet, value in filters.items())
    expression = _both(" AND ".join(match for match, _ in words), narrowed)
    ordered = array("q")
    for match in _tiers(words, narrowed) if words else [narrowed]:
        ordered.extend(_matching(index, connection, match, DEPTH - len(ordered)))
        if len(ordered) >= DEPTH:
            break
    total = _count(index, connection, expression)
    if total > COUNT_LIMIT:
        return Found(ordered, COUNT_LIMIT, True, {f: None for f in FACETS})
    return Found(ordered, total, False, _counted(index, connection, expression, total))


def _matching(index: Index, connection, match: str, limit: int) -> list[int]:
    """The ids of the first ``limit`` things that match, in id order: each segment's
    first ones (and as many more as it may have deleted rows), merged."""
    found = []
    for schema, filtered in index.segments:
        deleted = index.deleted if filtered else frozenset()
        rows = connection.execute(
            f"SELECT rowid FROM {schema}.text WHERE text MATCH ? ORDER BY rowid LIMIT ?",
            (match, limit + len(deleted)),
        )
        found.append([id_ for (id_,) in rows if id_ not in deleted])
    return found[0][:limit] if len(found) == 1 else list(islice(heapq.merge(*found), limit))


def _count(index: Index, connection, expression: str) -> int:
    """How many things match, counted up to COUNT_LIMIT + 1 (FTS5 alone counts them)."""
    total = 0
    for schema, filtered in index.segments:
        deleted = index.deleted if filtered else frozenset()
        matching = f"SELECT rowid FROM {schema}.text WHERE text MATCH ?"
        limit = COUNT_LIMIT + 1 - total
        if deleted:
            rows = connection.execute(f"{matching} LIMIT ?", (expression, limit + len(deleted)))
            total += sum(1 for (id_,) in rows if id_ not in deleted)
        else:
            counted = f"SELECT count(*) FROM ({matching} LIMIT ?)"
            total += connection.execute(counted, (expression, limit)).fetchone()[0]
        if total > COUNT_LIMIT:
            break
    return total


def _both(first: str, second: str) -> str:
    """Two FTS5 queries, both required (either may be empty)."""
    return " AND ".join(f"({query})" for query in (first, second) if query)


def _counted(index: Index, connection, expression: str, total: int) -> dict:
    """The facet counts of the ``total`` (at most COUNT_LIMIT) things that match."""
    connection.execute("DROP TABLE IF EXISTS temp.hits")
    connection.execute("CREATE TEMP TABLE hits (id INTEGER PRIMARY KEY, kind TEXT, themes INT)")
    try:
        for schema, filtered in index.segments:
            live = " AND text.rowid NOT IN main.deleted" if filtered and index.deleted else ""
            connection.execute(
                "INSERT INTO temp.hits SELECT t.id, t.kind, t.themes FROM"
                f" {schema}.text CROSS JOIN main.things t ON t.id = text.rowid"
                f" WHERE text MATCH ?{live}",
                (expression,),
            )
        return facet_counts(connection, total)
    finally:
        connection.execute("DROP TABLE IF EXISTS temp.hits")


def _words(index: Index, connection, query: Query) -> list[tuple[str, int]] | None:
    """Each word as an FTS5 query: the words of the index it begins, any of them; with
    the fields they are found in (as bits; -1: not known). None when a word begins no
    word of the index. Folded words hold letters and digits only, so no quote closes
    early and no FTS5 operator (AND, NEAR, -, :, *) comes from user text."""
    found = []
    for word in query.words:
        if len(word) <= PREFIX_INDEXED:
            found.append((f'"{word}"*', -1))
            continue
        fields: dict[str, int] = {}
        for schema, _ in index.segments:
            for term, bits in connection.execute(
                f"SELECT term, fields FROM {schema}.terms WHERE term >= ? AND term < ? LIMIT ?",
                (word, word[:-1] + chr(ord(word[-1]) + 1), EXPANDED + 1),
            ):
                fields[term] = fields.get(term, 0) | bits
        if not fields:
            return None
        if len(fields) > EXPANDED:
            found.append((f'"{word}"*', -1))
            continue
        every = 0
        for bits in fields.values():
            every |= bits
        found.append(("(" + " OR ".join(f'"{term}"' for term in sorted(fields)) + ")", every))
    return found


def _marks(words: list[tuple[str, int]]) -> list[tuple[str, str, bool]]:
    """What puts a matching thing in each tier but the last, best first: (kind, FTS5
    query, whether any thing can be in it). Every word in the name; in the names
    (other names, words inside names); in those or the keywords. With several words,
    then some word in the name, in the names, in the keywords. A tier whose fields
    lack a word (or every word) has no things."""
    every = " AND ".join(match for match, _ in words)
    some = " OR ".join(match for match, _ in words)
    groups = []  # the fields of each tier and the better ones, and their bits
    names, mask = [], 0
    for tier in sorted({tier for _, tier in documents.FIELDS})[:-1]:
        for i, (name, its_tier) in enumerate(documents.FIELDS):
            if its_tier == tier:
                names.append(name)
                mask |= 1 << i
        groups.append((" ".join(names), mask))
    found = [
        ("every", f"{{{fields}}} : ({every})", all(bits & mask for _, bits in words))
        for fields, mask in groups
    ]
    if len(words) > 1:
        found += [
            ("some", f"{{{fields}}} : ({some})", any(bits & mask for _, bits in words))
            for fields, mask in groups
        ]
    return found


def _tiers(words: list[tuple[str, int]], narrowed: str = "") -> list[str]:
    """The FTS5 queries of the tiers of a search (``_marks``, then the rest), best
    first, each of the matching things in it and in no better one; with the filters
    (``narrowed``) beside the tier's words, where FTS5 skips to the things that have
    them (it reads a NOT query's matches one by one)."""
    every = " AND ".join(match for match, _ in words)
    found, better = [], {}  # the last tier of each kind read: it holds those before it
    for kind, mark, possible in [*_marks(words), ("rest", every, True)]:
        if not possible:
            continue
        match = _both(f"({every}) AND {mark}" if kind == "some" else mark, narrowed)
        excluded = " OR ".join(f"({query})" for query in better.values())
        found.append(f"({match}) NOT ({excluded})" if excluded else match)
        better[kind] = mark
    return found


def _rows(connection, ids: tuple[int, ...]) -> list[tuple]:
    """The things of one page, in the order given."""
    marks = ", ".join("?" * len(ids))
    found = {
        row[0]: row[1:]
        for row in connection.execute(
            f"SELECT id, kind, slug, parent, place FROM things WHERE id IN ({marks})", ids
        )
    }
    return [found[i] for i in ids]


def facet_counts(connection: sqlite3.Connection, total: int) -> dict:
    """facet → {"values": [[value, count], …] (most frequent first), "distinct": n}, over
    the things in ``hits``. Kinds and themes are counted in one pass over ``hits``; the
    many-valued facets only up to FACET_SCAN_LIMIT results, else they are left out
    (None)."""
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
    counts = {"kind": ranked(kinds.items()), "theme": ranked(zip(THEMES, themes, strict=True))}
    if total > FACET_SCAN_LIMIT:
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


def _top(connection: sqlite3.Connection, grouped: str) -> dict:
    """``ranked`` in SQL: the most frequent values of a grouped count, and how many."""
    rows = connection.execute(
        f"SELECT *, count(*) OVER () FROM ({grouped}) ORDER BY 2 DESC, 1 LIMIT {FACET_LIMIT}"
    ).fetchall()
    distinct = rows[0][2] if rows else 0
    return {"values": [[value, count] for value, count, _ in rows], "distinct": distinct}


def _results(total: int, rows: list, counts: dict) -> Results:
    return Results(
        total=total,
        hits=[Hit(*row) for row in rows],
        facets={f: [tuple(v) for v in c["values"]] for f, c in counts.items() if c},
        distinct={f: c["distinct"] for f, c in counts.items() if c},
        uncounted={
            f: FACET_SCAN_LIMIT if f in MANY_VALUED else COUNT_LIMIT
            for f, c in counts.items()
            if c is None
        },
    )


def _add_labels(connection, results: Results) -> None:
    """The names of every facet value, parent and place the page shows."""
    wanted: dict[str, set[str]] = {}
    for facet, values in results.facets.items():
        if facet in LABEL_FACET:
            wanted.setdefault(LABEL_FACET[facet], set()).update(v for v, _ in values)
    for hit in results.hits:
        if hit.parent:
            wanted.setdefault("organization", set()).add(hit.parent)
        if hit.place:
            wanted.setdefault("place", set()).add(hit.place)
    for facet, values in wanted.items():
        ordered = sorted(values)
        marks = ", ".join("?" * len(ordered))
        for value, de, en in connection.execute(
            f"SELECT value, de, en FROM labels WHERE facet = ? AND value IN ({marks})",
            [facet, *ordered],
        ):
            results.labels[(facet, value)] = {k: v for k, v in (("de", de), ("en", en)) if v}


__all__ = ["FACETS", "FACET_LIMIT", "Hit", "Results", "Search", "SearchFailed", "run"]
