"""The default backend: the YAML files of the data directory, watched for changes.

Changes are noticed by a cheap fingerprint (names, sizes, modification times), taken
*before* the files are read, so an edit that lands while a version is being loaded
changes the fingerprint again and is picked up by the next check. Invalid data is
refused with its problems logged and the last good version stays published; the
refused fingerprint is remembered so the same broken state is not parsed again and
again. So is a version that drops a thing the live version publishes without retiring
it: published URIs are retired (410 Gone), never simply removed. The service never
writes to the files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask

from ..records import DATA_SUFFIXES, InvalidData, load_directory
from ..records.references import lost
from ..sparql import building
from ..sparql.engine import Limits, OxigraphEngine, QueryEngine
from ..store import PublishedStore
from .watching import Watched, on_new_version, prepare, refreeze


class FileBackend(Watched):
    def __init__(self, app: Flask):
        super().__init__(app, app.config["RELOAD_INTERVAL"])
        self.directory = Path(app.config["DATA_DIR"])
        self.fingerprint = fingerprint(self.directory)
        on_new_version(app, building.prepare)  # the SPARQL store, before a version goes live
        self.store = self._load()
        self.refused: str | None = None
        self.problems: list[str] = []

    def current(self) -> PublishedStore:
        return self.store

    def live_version(self) -> str:
        return self.store.version

    def _load(self, previous: PublishedStore | None = None) -> PublishedStore:
        data = load_directory(self.directory)
        problems = lost(previous.data, data) if previous else []
        if problems:
            raise InvalidData(problems)
        return prepare(self.app, PublishedStore(data, self.app.config["GRAPH_CACHE_SIZE"]))

    def refresh(self) -> bool:
        """Publish the files anew if they changed; True when a new version went live."""
        with self._lock:
            current = fingerprint(self.directory)
            if current in (self.fingerprint, self.refused):
                return False
            try:
                store = self._load(self.store)
            except InvalidData as error:
                self.refused = current
                self.problems = [str(problem) for problem in error.problems]
                for problem in self.problems:
                    self.app.logger.error("data not reloaded: %s", problem)
                return False
            self.store, self.fingerprint, self.refused, self.problems = store, current, None, []
            refreeze()
            self.app.logger.info("published data version %s", store.version)
            return True

    def query_engine(self, store: PublishedStore, limits: Limits) -> QueryEngine:
        """Oxigraph in query processes of this server, over the version's store on disk."""
        path = building.ensure(self.app, store)
        return OxigraphEngine(path, store.version, limits)

    @classmethod
    def publish(cls, app: Flask, directory: Path) -> str:
        """The files are the published data: validate them; the service reloads them."""
        data = load_directory(directory)
        return (
            f"{directory}: {len(data.organizations)} organisation(s) valid, data version"
            f" {data.version}; a service reading this directory publishes it within"
            f" OPENDATA_RELOAD_INTERVAL seconds."
        )


def fingerprint(directory: Path) -> str:
    """Changes whenever a data file is added, removed, resized or touched."""
    digest = hashlib.sha256()
    if not directory.is_dir():
        return "missing"
    with os.scandir(directory) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.endswith(DATA_SUFFIXES) and entry.is_file():
                stat = entry.stat()
                digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()
