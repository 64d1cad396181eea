"""The pages a sitemap lists: every HTML page with the day it changed, in a stable order.

Beyond ``SITEMAP_MAX_URLS`` pages, ``/sitemap.xml`` is an index of sitemaps of that many
pages each, which names the newest day of each part: a pass over every thing of the
version (seconds at 100,000 organisations), made once per version before it goes live
(``prepare``) and kept as an artefact, never in a request.
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


class SitemapPages:
    """Every HTML page (path, day it changed) in a stable order: the home page, the
    catalogue, each dataset by slug, each thing by kind and slug. Counted and read a
    part at a time from the version's archive."""

    def __init__(self, store: PublishedStore):
        self.store = store
        self.head = [("/", store.modified), ("/catalog.html", store.modified)]
        self.datasets = len(catalog.datasets(store))

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
        built = artefacts.build_once(path, lambda work: self._write_newest(work, size))
        days = json.loads((built / DAYS).read_text(encoding="utf-8"))
        return [dt.date.fromisoformat(day) for day in days]

    def _write_newest(self, directory: Path, size: int) -> None:
        days = [day.isoformat() for day in self._newest_by_part(size)]
        (directory / DAYS).write_text(json.dumps(days), encoding="utf-8")

    def _newest_by_part(self, size: int) -> list[dt.date]:
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
