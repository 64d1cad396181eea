"""What a request reads: the live version of the published data, and the public base.

The application's backend (``opendata.backends``) holds one ``PublishedStore`` at a
time; a request reads it once (``g``) and so never sees two versions.
"""

from __future__ import annotations

from functools import lru_cache

from flask import abort, current_app, g, request

from . import uris
from .store import PublishedStore

EXTENSION = "opendata"


def publication():
    """The application's backend (see ``opendata.backends``)."""
    return current_app.extensions[EXTENSION]


def current_store() -> PublishedStore:
    """The store for this request: read once, so the whole request sees one version."""
    if "store" not in g:
        g.store = publication().current()
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
