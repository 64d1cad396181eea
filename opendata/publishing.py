"""Which version of the data is published, and under which base URI.

The application holds one ``PublishedStore`` at a time. A reload builds the new store
completely before swapping it in with a single assignment: invalid data raises and
the last good version stays published; a request reads the store once (``g``) and
so never sees two versions.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, current_app, g, request

from . import uris
from .records import DATA_SUFFIXES, InvalidData
from .store import PublishedStore

EXTENSION = "opendata"


class Publication:
    """The currently published store of an application, and the watch on its files.

    The service never writes to the data files. It notices changes by a cheap
    fingerprint (names, sizes, modification times), reloads in a background thread
    so no request waits for it, and swaps the new store in with one assignment.
    Invalid data is refused with its problems logged, and the last good version
    stays published; the refused fingerprint is remembered so the same broken state
    is not parsed again and again.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.directory = Path(app.config["DATA_DIR"])
        self.store = PublishedStore.from_directory(self.directory)
        self.fingerprint = fingerprint(self.directory)
        self.refused: str | None = None
        self.problems: list[str] = []
        self._watcher: threading.Thread | None = None
        self._lock = threading.Lock()

    def reload(self) -> bool:
        """Publish the files anew if they changed; True when a new version went live."""
        with self._lock:
            current = fingerprint(self.directory)
            if current in (self.fingerprint, self.refused):
                return False
            try:
                store = PublishedStore.from_directory(self.directory)
            except InvalidData as error:
                self.refused = current
                self.problems = [str(problem) for problem in error.problems]
                for problem in self.problems:
                    self.app.logger.error("data not reloaded: %s", problem)
                return False
            self.store, self.fingerprint, self.refused, self.problems = store, current, None, []
            self.app.logger.info("published data version %s", store.version)
            return True

    def watch(self) -> None:
        """Start the watcher thread of this process (after gunicorn has forked it)."""
        interval = self.app.config["RELOAD_INTERVAL"]
        if not interval or (self._watcher and self._watcher.is_alive()):
            return
        with self._lock:
            if self._watcher and self._watcher.is_alive():
                return
            self._watcher = threading.Thread(
                target=self._poll, args=(interval,), name="data-watcher", daemon=True
            )
            self._watcher.start()

    def _poll(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            try:
                self.reload()
            except Exception:  # a watcher that dies would silently stop publishing
                self.app.logger.exception("data reload failed")


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
    """Load the data directory; InvalidData propagates, so an app never starts on bad data."""
    if app.config["BASE_URI"]:
        app.config["BASE_URI"] = uris.normalise_base(app.config["BASE_URI"])
    publication = Publication(app)
    app.extensions[EXTENSION] = publication
    app.before_request(publication.watch)


def current_store() -> PublishedStore:
    """The store for this request: read once, so the whole request sees one version."""
    if "store" not in g:
        g.store = current_app.extensions[EXTENSION].store
    return g.store


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
