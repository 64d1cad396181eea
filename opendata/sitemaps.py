"""The pages a sitemap lists: every HTML page with the day it changed, in a stable order.

Beyond ``SITEMAP_MAX_URLS`` pages, ``/sitemap.xml`` is an index of sitemaps of that many
pages each, which names the newest day of each part: a pass over every thing of the
version (seconds at 100,000 organisations), made once per version before it goes live
(``prepare``) and kept as an artefact, never in a request. A version derived from
another with the same things (``opendata.deriving``) takes the previous version's days
and moves those of the parts whose pages changed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from flask import Flask

from . import artefacts, catalog
from .store import PublishedStore

ARTEFACT = "sitemaps"
DAYS = "newest.json"


def prepare(app: Flask, store: PublishedStore) -> None:
    """The preparer: the newest day of each sitemap of the index, if there is an index."""
    size = app.config["SITEMAP_MAX_URLS"]
    pages = SitemapPages(store)
    if len(pages) > size:
        pages.newest_by_part(app, size)


_Previous = tuple[PublishedStore, list[dt.date], list[str]]


def _days(store: PublishedStore, table: str, key: str, sources: list[str]) -> dict[tuple, dt.date]:
    """(the key of each page's row) → its day, for the rows of some files."""
    marks = ", ".join("?" * len(sources))
    rows = store.archive.rows(
        f"SELECT {key}, modified FROM {table} WHERE source IN ({marks})", tuple(sources)
    )
    return {tuple(row[:-1]): dt.date.fromisoformat(row[-1]) for row in rows}


class SitemapPages:
    """Every HTML page (path, day it changed) in a stable order: the home page, the
    catalogue, each dataset by slug, each thing by kind and slug. Counted and read a
    part at a time from the version's archive."""

    def __init__(self, store: PublishedStore):
        self.store = store
        self.head = [("/", store.modified), ("/catalog.html", store.modified)]
        self.datasets = len(catalog.datasets(store))
        self._kinds_before: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.head) + self.datasets + self.store.thing_count()

    def part(self, start: int, stop: int) -> list[tuple[str, dt.date]]:
        """Pages start … stop - 1."""
        pages = self.head[start:stop]
        for offset, limit, table in self._ranges(start, stop):
            if table == "organizations":
                days = self.store.dataset_days(offset, limit)
                pages += [(f"{catalog.dataset_path(slug)}.html", day) for slug, day in days]
            else:
                things = self.store.things(offset, limit)
                pages += [(f"/doc/{kind}/{slug}.html", day) for kind, slug, day in things]
        return pages

    def newest_by_part(self, app: Flask, size: int) -> list[dt.date]:
        """The day the most recently changed page of each part of ``size`` pages changed:
        a pass over every thing, so made once per version and size (an artefact)."""
        path = artefacts.path_of(app, self.store.version, f"{ARTEFACT}-{size}")
        previous = self._previous(app, size)
        built = artefacts.build_once(path, lambda work: self._write_newest(work, size, previous))
        days = json.loads((built / DAYS).read_text(encoding="utf-8"))
        return [dt.date.fromisoformat(day) for day in days]

    def _write_newest(self, directory: Path, size: int, previous: _Previous | None) -> None:
        newest = previous and self._derived_newest(size, *previous)
        days = [day.isoformat() for day in newest or self._newest_by_part(size)]
        (directory / DAYS).write_text(json.dumps(days), encoding="utf-8")

    def _previous(self, app: Flask, size: int) -> _Previous | None:
        """The version this one was derived from, its days, and the changed files."""
        found = self.store.derived_from()
        if found is None:
            return None
        previous, changed = found
        before = artefacts.path_of(app, previous.version, f"{ARTEFACT}-{size}")
        if not artefacts.is_complete(before):
            return None
        days = json.loads((before / DAYS).read_text(encoding="utf-8"))
        return previous, [dt.date.fromisoformat(day) for day in days], changed

    def _derived_newest(
        self, size: int, previous: PublishedStore, days: list[dt.date], changed: list[str]
    ) -> list[dt.date] | None:
        """The previous version's days with the changed pages' days in their parts, when
        every page kept its place; None when a part must be looked at again."""
        moved = [(0, previous.modified, self.store.modified)]  # the head's pages
        first = len(self.head)
        for table, key, rank in (
            ("organizations", "slug", self._dataset_rank),
            ("things", "kind, slug", self._thing_rank),
        ):
            before, after = (_days(store, table, key, changed) for store in (previous, self.store))
            if set(before) != set(after):
                return None  # pages come or go: the parts after them shift
            moved += [
                (first + rank(row), before[row], after[row])
                for row in after
                if before[row] != after[row]
            ]
            first += self.datasets
        days = list(days)
        for page, old, new in moved:
            part = page // size
            if new > days[part]:
                days[part] = new
            elif old == days[part] and new < old:
                return None  # the part's newest page is older now: which is newest?
        return days

    def _dataset_rank(self, row: tuple) -> int:
        (slug,) = row
        return self.store.archive.rows(
            "SELECT count(*) FROM organizations WHERE slug < ?", (slug,)
        )[0][0]

    def _thing_rank(self, row: tuple) -> int:
        kind, slug = row
        if kind not in self._kinds_before:  # a count over most things: once per kind
            rows = self.store.archive.rows("SELECT count(*) FROM things WHERE kind < ?", (kind,))
            self._kinds_before[kind] = rows[0][0]
        within = self.store.archive.rows(
            "SELECT count(*) FROM things WHERE kind = ? AND slug < ?", (kind, slug)
        )
        return self._kinds_before[kind] + within[0][0]

    def _newest_by_part(self, size: int) -> list[dt.date]:
        """The newest day of each part, in one pass over every thing."""
        newest: dict[int, dt.date] = {}
        for index, (_, day) in enumerate(self.head):
            newest[index // size] = max(day, newest.get(index // size, day))
        first = len(self.head)
        for table, count in (("organizations", self.datasets), ("things", 0)):
            for part, day in self.store.newest_days(table, first, size).items():
                newest[part] = max(day, newest.get(part, day))
            first += count
        return [newest[part] for part in sorted(newest)]

    def _ranges(self, start: int, stop: int) -> list[tuple[int, int, str]]:
        """(offset, limit, table) of the datasets and things among pages start … stop - 1."""
        found = []
        first = len(self.head)
        for table, count in (("organizations", self.datasets), ("things", None)):
            end = first + count if count is not None else stop
            low, high = max(start, first), min(stop, end)
            if high > low:
                found.append((low - first, high - low, table))
            first = end
        return found
