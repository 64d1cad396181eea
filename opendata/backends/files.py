"""The default backend: the YAML files of the data directory, watched for changes.

Changes are noticed by a cheap fingerprint (names, sizes, modification times), taken
*before* the files are read, so an edit that lands while a version is being loaded
changes the fingerprint again and is picked up by the next check. Invalid data is
refused with its problems logged and the last good version stays published; the
refused fingerprint is remembered so the same broken state is not parsed again and
again. So is a version that drops a thing the live version publishes without retiring
it: published URIs are retired (410 Gone), never simply removed. The service never
writes to the files.

A version's validated records are kept on disk (``opendata.archive``), so a restart
with unchanged files validates nothing: their fingerprint names the version whose
archive this host has (``KnownVersions``); files with a new fingerprint but known
bytes (copied, touched) are recognised by their content. When a few office files
changed, the new version is derived from the live one (``opendata.deriving``): only
those files are read and validated, and what is built per version is derived too.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

from flask import Flask

from .. import artefacts, deriving
from ..archive import Archive, ArchivedData, open_version
from ..archiving import archive_directory
from ..records import DATA_SUFFIXES, InvalidData, content_version, load_directory
from ..records.references import lost
from ..sparql import building
from ..sparql.engine import Limits, OxigraphEngine, QueryEngine
from ..store import PublishedStore
from .watching import Watched, on_new_version, prepare, refreeze

_VERSION = re.compile(r"[0-9a-f]{16}")
LIVE = "live"  # the KnownVersions entry of the version last published from a directory


class FileBackend(Watched):
    def __init__(self, app: Flask):
        super().__init__(app, app.config["RELOAD_INTERVAL"])
        self.directory = Path(app.config["DATA_DIR"])
        self.versions = KnownVersions(artefacts.state_dir(app), self.directory)
        self.fingerprint = fingerprint(self.directory)
        on_new_version(app, building.prepare)  # the SPARQL store, before a version goes live
        self.store = self._previous() or self._load(self.fingerprint)
        self.versions.put(LIVE, self.store.version)
        self.refused: str | None = None
        self.problems: list[str] = []

    def _previous(self) -> PublishedStore | None:
        """At start-up with files this host has not seen, the version it served last
        from them, when the watcher will build the new one (a first build at national
        scale takes minutes, and the service should not be down meanwhile)."""
        if not self.interval or self.versions.get(self.fingerprint):
            return None
        version = self.versions.get(LIVE)
        found = open_version(self.app, version) if version else None
        if found is None:
            return None
        self.app.logger.info(
            "serving data version %s, the last one published from %s, while its files"
            " are read again",
            version,
            self.directory,
        )
        self.fingerprint = ""  # the watcher's first check reads the files
        return prepare(self.app, self._store(found))

    def current(self) -> PublishedStore:
        return self.store

    def live_version(self) -> str:
        return self.store.version

    def sequence(self) -> None:
        """Versions of files are not numbered: the newest files are the live version."""
        return None

    def _load(self, seen: str, previous: PublishedStore | None = None) -> PublishedStore:
        """The files as they are now, published; ``seen`` is their fingerprint, taken
        before anything was read."""
        return prepare(self.app, self._store(self._archive(seen, previous)))

    def _store(self, archive: Archive) -> PublishedStore:
        config = self.app.config
        return PublishedStore(
            archive, config["GRAPH_CACHE_SIZE"], record_cache_size=config["RECORD_CACHE_SIZE"]
        )

    def _archive(self, seen: str, previous: PublishedStore | None) -> Archive:
        """The archive of the files: the one this host has for their fingerprint or their
        bytes (no validation), else derived from the live version's when a few offices
        changed, else validated whole and written now."""
        live = previous.archive if previous else None
        version = self.versions.get(seen)
        changes = deriving.look(self.directory, live) if live and not version else None
        version = version or (changes.version if changes else content_version(self.directory))
        archive = open_version(self.app, version)
        if archive is None:
            if changes:
                archive = deriving.derive(self.app, self.directory, live, changes)
            if archive is None:
                archive = archive_directory(self.app, self.directory, version, live)
        else:
            self.app.logger.info("data version %s: its records are already on this host", version)
            problems = lost(previous.data, ArchivedData(archive)) if previous else []
            if problems:
                raise InvalidData(problems)
        if fingerprint(self.directory) == seen:  # read in one state: remember it
            self.versions.put(seen, archive.version)
        return archive

    def refresh(self) -> bool:
        """Publish the files anew if they changed; True when a new version went live."""
        with self._lock:
            current = fingerprint(self.directory)
            if current in (self.fingerprint, self.refused):
                return False
            try:
                store = self._load(current, self.store)
            except InvalidData as error:
                self.refused = current
                self.problems = [str(problem) for problem in error.problems]
                for problem in self.problems:
                    self.app.logger.error("data not reloaded: %s", problem)
                return False
            self.store, self.fingerprint, self.refused, self.problems = store, current, None, []
            self.versions.put(LIVE, store.version)
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


class KnownVersions:
    """Which data version a directory's fingerprint names, remembered across restarts,
    and which version was last published from it (``LIVE``).

    A restart with unchanged files stats them and finds its version here, without
    reading them. An entry is written only for files read in one state (the same
    fingerprint before and after); one that cannot be read names no version.
    """

    def __init__(self, state: Path, directory: Path):
        where = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
        self.folder = state / "fingerprints" / where

    def get(self, seen: str) -> str | None:
        try:
            version = (self.folder / seen).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return version if _VERSION.fullmatch(version) else None

    def put(self, seen: str, version: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{seen}.{os.getpid()}.{threading.get_ident()}"
        temporary.write_text(version, encoding="ascii")
        os.replace(temporary, self.folder / seen)


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
