"""Rendered bytes, rendered once per data version and kept in the cache.

Every representation is keyed by data version, resource, format, language and public
base. flask-caching's ``@cached`` keys on the path alone and would hand Turtle to a
browser, so the key is built here explicitly. A new data version changes every key,
so stale bytes are never served; old entries simply expire. What the bytes are is
the formats' business (``opendata.formats``); how they are sent, ``opendata.serving``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from gzip import compress as gzip_compress

from flask import Flask, current_app
from flask_caching import Cache
from werkzeug.http import http_date

from . import uris
from .formats import Format

cache = Cache()
LOCAL_CACHE = "opendata.local_cache"


def init_app(app: Flask) -> None:
    if "Redis" in app.config["CACHE_TYPE"] and not app.config.get("CACHE_OPTIONS"):
        # A Redis that hangs must not hang requests: fail fast, serve without it.
        app.config["CACHE_OPTIONS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    cache.init_app(app)
    app.extensions[LOCAL_CACHE] = _LocalCache(app.config["LOCAL_CACHE_SIZE"])
    with app.app_context():
        try:
            cache.get("startup-check")
        except Exception as error:  # the service runs without the shared cache
            app.logger.error(
                "OPENDATA_CACHE_REDIS_URL=%s cannot be reached (%s); serving without the"
                " shared cache until it can",
                app.config.get("CACHE_REDIS_URL"),
                error,
            )


def compress(body: bytes) -> bytes:
    # mtime=0: the same bytes give the same gzip, so its ETag is stable too
    return gzip_compress(body, 6, mtime=0)


# Below this size gzip saves less than its header and the client's CPU costs.
GZIP_MIN_SIZE = 512


@dataclass(frozen=True)
class Representation:
    """Bytes ready to send, with their validators and a gzipped variant."""

    body: bytes
    content_type: str
    etag: str
    last_modified: dt.datetime
    language: str | None = None
    gzipped: bytes | None = None
    http_date: str = ""  # Last-Modified, formatted once

    @classmethod
    def of(
        cls,
        body: bytes,
        fmt: Format,
        modified: dt.date,
        language: str | None = None,
        gzip: bool = True,
    ) -> Representation:
        last_modified = dt.datetime.combine(modified, dt.time(), tzinfo=dt.UTC)
        return cls(
            body=body,
            content_type=fmt.content_type,
            etag=hashlib.sha256(body).hexdigest()[:32],
            last_modified=last_modified,
            http_date=http_date(last_modified),
            language=language,
            gzipped=compress(body) if gzip and len(body) >= GZIP_MIN_SIZE else None,
        )


def representation(
    version: str,
    key: str,
    fmt: Format,
    base: str,
    render: Callable[[], bytes],
    modified: dt.date,
    language: str | None = None,
    relocate: bool = True,
) -> Representation:
    """The cached representation, rendering it (in the internal base) on first use.

    ``relocate=False`` is for bytes that are already public (a gzip of a relocated
    representation): replacing bytes inside compressed data would corrupt it.
    """
    cache_key = "|".join(("rep", version, key, fmt.name, language or "-", base))
    local = current_app.extensions[LOCAL_CACHE]
    found = local.get(cache_key)
    if found is None:
        found = shared_get(cache_key)
        if found is None:
            body = uris.relocate(render(), base) if relocate else render()
            found = Representation.of(body, fmt, modified, language)
            shared_set(cache_key, found)
        local.put(cache_key, found)
    return found


def shared_get(key: str):
    """A value from the shared cache, or None when it is missing or unreachable."""
    try:
        return cache.get(key)
    except Exception as error:  # Redis down: serve without the shared cache
        _cache_failed(error)
        return None


def shared_set(key: str, value) -> None:
    try:
        if not cache.set(key, value):
            current_app.logger.warning("the cache refused %s", key)
    except Exception as error:
        _cache_failed(error)


_last_cache_warning = 0.0


def _cache_failed(error: Exception) -> None:
    """Log a failing shared cache at most once a minute, not once a request."""
    global _last_cache_warning
    now = time.monotonic()
    if now - _last_cache_warning > 60:
        _last_cache_warning = now
        current_app.logger.error(
            "shared cache unreachable (OPENDATA_CACHE_REDIS_URL=%s), serving without it: %s",
            current_app.config.get("CACHE_REDIS_URL"),
            error,
        )


class _LocalCache:
    """A small LRU of this process in front of flask-caching.

    Saves unpickling (SimpleCache) or a round trip (Redis) for the hottest documents.
    Keys carry the data version, so it can never serve bytes of an older version.
    """

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, Representation] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Representation | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: str, value: Representation) -> None:
        with self.lock:
            self.entries[key] = value
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
