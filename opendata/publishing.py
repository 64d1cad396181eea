"""Which version of the data is published, and under which base URI.

The application holds one ``PublishedStore`` at a time. A reload builds the new store
completely before swapping it in with a single assignment: invalid data raises and
the last good version stays published; a request reads the store once (``g``) and
so never sees two versions.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, current_app, g, request

from . import uris
from .store import PublishedStore

EXTENSION = "opendata"


class Publication:
    """The currently published store of an application."""

    def __init__(self, store: PublishedStore):
        self.store = store


def init_app(app: Flask) -> None:
    """Load the data directory; InvalidData propagates, so an app never starts on bad data."""
    if app.config["BASE_URI"]:
        app.config["BASE_URI"] = uris.normalise_base(app.config["BASE_URI"])
    app.extensions[EXTENSION] = Publication(load(app))


def load(app: Flask) -> PublishedStore:
    return PublishedStore.from_directory(Path(app.config["DATA_DIR"]))


def reload(app: Flask) -> PublishedStore:
    """Publish the data directory anew; on InvalidData the old version stays published."""
    store = load(app)
    app.extensions[EXTENSION].store = store
    return store


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
