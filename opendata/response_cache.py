"""Finished responses, served again without running the framework.

A document's response is a function of the data version and of a few request
inputs: method, path, query, the content-negotiation and conditional headers, and
the host and scheme (which make the base URI when ``OPENDATA_BASE_URI`` is unset).
Once ``send()`` has produced a response for one combination, this WSGI middleware
keeps its status, headers and body and answers the same combination again from
memory: no routing, no request object, no negotiation. It is the per-site cache of
Django or Rack::Cache, keyed on every input a document depends on instead of on
``Vary`` alone, so a browser can never get Turtle, and on the live data version, so
a new version is never answered with old bytes.

Only responses that ``send()`` marked are kept (documents rendered from the
published data, 200 or 304); errors, redirects and POST answers always go through
the application, and so does any request with a body or over the request limits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from flask import Flask

from . import publishing, security

# Set by send() in the WSGI environ: the data version the response was rendered from.
CACHEABLE = "opendata.cacheable_version"

# Every request input a response of send() may depend on.
KEYED = (
    "REQUEST_METHOD",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "wsgi.url_scheme",
)
KEPT_STATUSES = ("200 ", "304 ")

Entry = tuple[str, tuple[tuple[str, str], ...], bytes]


def init_app(app: Flask) -> None:
    """Serve repeated requests for documents from memory (RESPONSE_CACHE_SIZE=0: off)."""
    if app.config["RESPONSE_CACHE_SIZE"] <= 0:
        return
    app.wsgi_app = ResponseCache(
        app.wsgi_app,
        app.extensions[publishing.EXTENSION].live_version,
        security.Limits.from_config(app.config),
        app.config["RESPONSE_CACHE_SIZE"],
        app.config["RESPONSE_CACHE_BYTES"],
    )


class ResponseCache:
    """WSGI middleware: a bounded LRU of finished responses, keyed by version and request.

    ``live_version`` returns the version being published now, or None when the
    application itself must decide (no data yet); it must be cheap, as it runs per
    request.
    """

    def __init__(
        self,
        wsgi_app,
        live_version: Callable[[], str | None],
        limits: security.Limits,
        max_entries: int,
        max_bytes: int,
    ):
        self.wsgi_app = wsgi_app
        self.live_version = live_version
        self.limits = limits
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_body = max_bytes // 64  # a few big dumps must not push out every page
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
        if entry is not None:
            status, headers, body = entry
            start_response(status, list(headers))  # a copy: outer middleware extends it
            return [body]
        return self._respond_and_keep(key, environ, start_response)

    def _key(self, environ) -> tuple | None:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or _has_body(environ):
            return None
        if self.limits.exceeded(environ):
            return None  # the application answers 414 or 431
        try:
            version = self.live_version()
        except Exception:  # the application reports the failure in its own way
            return None
        if version is None:
            return None
        return (version, *map(environ.get, KEYED))

    def _respond_and_keep(self, key: tuple, environ, start_response) -> Iterable[bytes]:
        started: list = []

        def capture(status, headers, *exc_info):
            started[:] = [status, tuple(headers)]
            return start_response(status, headers, *exc_info)

        body = self.wsgi_app(environ, capture)
        if environ.get(CACHEABLE) != key[0] or not started or started[0][:4] not in KEPT_STATUSES:
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if len(data) <= self.max_body:
            self._put(key, (started[0], started[1], data))
        return [data]

    def _put(self, key: tuple, entry: Entry) -> None:
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.size -= _cost(previous)
            self.entries[key] = entry
            self.size += _cost(entry)
            while self.entries and (
                len(self.entries) > self.max_entries or self.size > self.max_bytes
            ):
                self.size -= _cost(self.entries.popitem(last=False)[1])


def _has_body(environ) -> bool:
    return environ.get("CONTENT_LENGTH") not in (None, "", "0") or (
        "HTTP_TRANSFER_ENCODING" in environ
    )


def _cost(entry: Entry) -> int:
    """Roughly the bytes an entry holds: its body and headers, and a little overhead."""
    return len(entry[2]) + sum(len(k) + len(v) for k, v in entry[1]) + 256
