"""Which version of the data is published, and under which base URI.

Two sources of the published data, chosen by ``OPENDATA_STORE``:

* ``memory`` (default): the YAML files of the data directory, watched for changes;
* ``sparql``: a SPARQL 1.1 store that ``opendata publish`` writes to and that any
  number of stateless instances read from (see ``opendata.sparql_store``).

Either way the application holds one ``PublishedStore`` at a time. A new version is
built completely before it is swapped in with a single assignment; invalid data
leaves the last good version published; a request reads the store once (``g``) and
so never sees two versions.
"""

from __future__ import annotations

import gc
import hashlib
import os
import threading
import time
import weakref
from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, current_app, g, request

from . import rendering, uris
from .records import DATA_SUFFIXES, InvalidData
from .remote import SparqlClient, StoreEndpoints, StoreError, StoreUnavailable
from .sparql_store import StoreReader
from .store import PublishedStore

EXTENSION = "opendata"
VERSION_KEY = "published-version"


class Watched:
    """A publication that looks for a new version every RELOAD_INTERVAL seconds.

    The watcher is a thread of each process, so no request waits for a reload. Threads
    do not survive a fork, so a process forked after start-up (gunicorn --preload)
    starts its own.
    """

    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self._watcher: threading.Thread | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        raise NotImplementedError

    def watch(self) -> None:
        if not self.interval:
            return
        self._start()
        me = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (found := me()) and found._start())

    def _start(self) -> None:
        self._lock = threading.Lock()  # a lock held at fork time would stay held
        self._watcher = threading.Thread(
            target=Watched._poll, args=(weakref.ref(self),), name="data-watcher", daemon=True
        )
        self._watcher.start()

    @staticmethod
    def _poll(reference: weakref.ref) -> None:
        """Runs while its publication exists (tests create and drop many applications)."""
        while (publication := reference()) is not None:
            interval = publication.interval
            del publication  # hold no reference while asleep
            time.sleep(interval)
            if (publication := reference()) is not None:
                publication.check()

    def check(self) -> None:
        """Look for a new version; failures are logged, never end the watcher."""
        try:
            self.refresh()
        except StoreError:
            pass  # reported once per outage by the publication itself
        except Exception:
            self.app.logger.exception("looking for new data failed")


class FilePublication(Watched):
    """Publishes the data directory; the service never writes to its files.

    Changes are noticed by a cheap fingerprint (names, sizes, modification times).
    Invalid data is refused with its problems logged and the last good version stays
    published; the refused fingerprint is remembered so the same broken state is not
    parsed again and again.
    """

    def __init__(self, app: Flask):
        super().__init__(app, app.config["RELOAD_INTERVAL"])
        self.directory = Path(app.config["DATA_DIR"])
        self.store = self._load()
        self.fingerprint = fingerprint(self.directory)
        self.refused: str | None = None
        self.problems: list[str] = []

    def current(self) -> PublishedStore:
        return self.store

    def live_version(self) -> str:
        return self.store.version

    def _load(self) -> PublishedStore:
        return PublishedStore.from_directory(self.directory, self.app.config["GRAPH_CACHE_SIZE"])

    def refresh(self) -> bool:
        """Publish the files anew if they changed; True when a new version went live."""
        with self._lock:
            current = fingerprint(self.directory)
            if current in (self.fingerprint, self.refused):
                return False
            try:
                store = self._load()
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


class StorePublication(Watched):
    """Publishes what is live in a shared SPARQL store.

    ``opendata publish`` announces each new version in the shared cache, so every
    instance switches on its next request; without the cache (Redis down) the
    watcher finds it in the store within RELOAD_INTERVAL seconds. While the store
    cannot be reached, requests that need it get 503 and the instance recovers by
    itself when it is back.
    """

    def __init__(self, app: Flask):
        super().__init__(app, app.config["RELOAD_INTERVAL"])
        try:
            endpoints = StoreEndpoints.from_config(app.config)
        except ValueError as error:
            raise SystemExit(f"opendata: {error}") from None
        self.client = SparqlClient(endpoints, app.config["STORE_TIMEOUT"])
        self.shared_cache = app.extensions["cache"][rendering.cache]
        self.reader = StoreReader(self.client)
        self.store: PublishedStore | None = None
        self.outage: str | None = None
        try:
            self.refresh()
        except StoreError as error:
            self._report(error)

    def current(self) -> PublishedStore:
        announced = rendering.shared_get(VERSION_KEY)
        if self.store is None or (announced and announced != self.store.version):
            self.refresh()
        if self.store is None:
            raise StoreUnavailable(self.outage or "nothing has been published to the store yet")
        return self.store

    def live_version(self) -> str | None:
        """The version this instance serves, None while a newer one is announced.

        Runs outside the application context (before routing), so it reads the shared
        cache's backend directly; a failure to reach it is the application's to report.
        """
        store = self.store
        if store is None:
            return None
        announced = self.shared_cache.get(VERSION_KEY)
        return store.version if not announced or announced == store.version else None

    def refresh(self) -> bool:
        with self._lock:
            try:
                dataset = self.reader.dataset()
            except StoreError as error:
                self._report(error)
                raise
            if self.outage:
                self.app.logger.warning("the SPARQL store answers again")
                self.outage = None
            if dataset is None or (self.store and dataset.version == self.store.version):
                return False
            self.store = PublishedStore(
                dataset, self.app.config["GRAPH_CACHE_SIZE"], source=self.reader
            )
            refreeze()
            self.app.logger.info("serving data version %s from the store", dataset.version)
            return True

    def _report(self, error: StoreError) -> None:
        if self.outage is None:
            self.app.logger.error(
                "OPENDATA_STORE_QUERY_URL %s: %s", self.client.endpoints.query, error
            )
        self.outage = str(error)


def freeze_loaded_data() -> None:
    """Keep what is loaded now out of the garbage collector's full passes (for servers).

    A full collection walks every tracked object while no request of the process
    runs: about 0.65 s at 10,000 organisations, and building graphs for pages read
    for the first time triggers one now and then. The published data live until a
    new version replaces them, so walking them finds nothing; ``gc.freeze()`` moves
    them out of the collector's sight. Call it once the application is created.
    """
    gc.freeze()


def refreeze() -> None:
    """After a new version went live: let the old one's cycles go, freeze the new one."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
        gc.freeze()


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


def init_app(app: Flask) -> None:
    """Load the published data; on the file backend an app never starts on bad data."""
    if app.config["BASE_URI"]:
        app.config["BASE_URI"] = uris.normalise_base(app.config["BASE_URI"])
    backend = app.config["STORE"]
    if backend not in ("memory", "sparql"):
        raise SystemExit(f"opendata: OPENDATA_STORE must be 'memory' or 'sparql', not {backend!r}")
    publication = StorePublication(app) if backend == "sparql" else FilePublication(app)
    app.extensions[EXTENSION] = publication
    publication.watch()


def publication() -> FilePublication | StorePublication:
    return current_app.extensions[EXTENSION]


def current_store() -> PublishedStore:
    """The store for this request: read once, so the whole request sees one version."""
    if "store" not in g:
        g.store = publication().current()
    return g.store


def announce(version: str) -> None:
    """Tell every instance sharing the cache that a new version is live."""
    rendering.shared_set(VERSION_KEY, version)


def public_base() -> str:
    """OPENDATA_BASE_URI, or the scheme and host this request came to."""
    configured = current_app.config["BASE_URI"]
    if configured:
        return configured
    environ = request.environ
    host = environ.get("HTTP_HOST") or request.host
    base = _request_base(environ["wsgi.url_scheme"], host, environ.get("SCRIPT_NAME", ""))
    if base is None:
        abort(400, description="The Host header is not a valid host name.")
    return base


@lru_cache(maxsize=256)
def _request_base(scheme: str, host: str, script_root: str) -> str | None:
    try:
        return uris.normalise_base(f"{scheme}://{host}{script_root}")
    except ValueError:
        return None
