"""Answering a search: matching things, their order, one page of them, facet counts.

A search is the reader's words (``folding.Query``), at most one value per facet and a
page number. The matching things are collected once into a temporary table of the
connection (ids and scores), and the total, the page and every facet's counts are
read from it. Lists without words and with at most a kind (the home page, ``/search``)
read the counts the index computed when it was built.

Order: best score first (BM25 with the weights of ``documents.FIELDS``: a match in a
name before one in the keywords before one elsewhere; lists without words all score
alike), then the folded German name, so every page of a result is stable for a data
version.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from . import documents
from .folding import Query
from .index import FACET_LIMIT, FACETS, HIT_COLUMNS, Index, facet_counts, fill_hits

COLUMN_FACETS = ("kind", "place", "administration")  # columns of ``things``
# Which labels table entry names the values of each facet.
LABEL_FACET = {"place": "place", "administration": "organization", "focus": "focus",
               "theme": "theme"}  # fmt: skip


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
    total: int
    hits: list[Hit]
    # facet → [(value, count)], most frequent first, the selected value always included
    facets: dict[str, list[tuple[str, int]]]
    distinct: dict[str, int]  # facet → how many values it has in all
    labels: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    uncounted: list[str] = field(default_factory=list)  # facets with too many results to count
    unknown: list[tuple[str, str]] = field(default_factory=list)  # selected, not published

    def label(self, facet: str, value: str) -> dict[str, str]:
        return self.labels.get((LABEL_FACET.get(facet, facet), value), {})


def run(index: Index, search: Search) -> Results:
    connection = index.connection()
    filters = dict(search.filters)
    try:
        if search.query.short_only:  # words typed, none searchable: nothing matches them
            results = _results(0, [], {})
        elif not search.query and set(filters) <= {"kind"}:
            results = _listed(index, connection, search, filters.get("kind"))
        else:
            results = _matched(connection, search, filters)
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
        f"SELECT kind, slug, parent, place FROM things {where} ORDER BY ord LIMIT ? OFFSET ?",
        [*parameters, search.size, search.offset],
    ).fetchall()
    return _results(index.meta[f"total/{key}"], rows, counts)


def _matched(connection, search: Search, filters: dict) -> Results:
    conditions, parameters = [], []
    columns = HIT_COLUMNS
    if search.query:
        weights = ", ".join(str(weight) for _, weight in documents.FIELDS)
        source = "text JOIN things t ON t.id = text.rowid"
        columns = columns.replace(", 0,", f", bm25(text, {weights}),", 1)
        conditions.append("text MATCH ?")
        parameters.append(search.query.match_expression())
    else:
        source = "things t"
    for facet, value in filters.items():
        if facet in COLUMN_FACETS:
            conditions.append(f"t.{facet} = ?")
            parameters.append(value)
        else:
            conditions.append(
                "EXISTS (SELECT 1 FROM topics p WHERE p.thing = t.id AND p.facet = ?"
                " AND p.value = ?)"
            )
            parameters += [facet, value]
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    try:
        total = fill_hits(connection, f"SELECT {columns} FROM {source} {where}", parameters)
        rows = connection.execute(
            "SELECT t.kind, t.slug, t.parent, t.place FROM (SELECT id, score, ord FROM temp.hits"
            " ORDER BY score, ord LIMIT ? OFFSET ?) h CROSS JOIN things t ON t.id = h.id"
            " ORDER BY h.score, h.ord",
            (search.size, search.offset),
        ).fetchall()
        counts = facet_counts(connection, total)
    finally:
        connection.execute("DROP TABLE IF EXISTS temp.hits")
    return _results(total, rows, counts)


def _results(total: int, rows: list, counts: dict) -> Results:
    return Results(
        total=total,
        hits=[Hit(*row) for row in rows],
        facets={f: [tuple(v) for v in c["values"]] for f, c in counts.items() if c},
        distinct={f: c["distinct"] for f, c in counts.items() if c},
        uncounted=[f for f, c in counts.items() if c is None],
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
