"""Graphs → bytes, rendered once per data version and served from the cache.

Every representation is keyed by data version, resource, format, language and public
base. flask-caching's ``@cached`` keys on the path alone and would hand Turtle to a
browser, so the key is built here explicitly. A new data version changes every key,
so stale bytes are never served; old entries simply expire.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path

from flask import Flask, current_app
from flask_caching import Cache
from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph
from werkzeug.http import http_date

from . import uris
from .formats import JSONLD, NTRIPLES, RDFXML, Format

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


VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"
CONTEXT_PATH = "vocab/context.jsonld"


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
        cls, body: bytes, fmt: Format, modified: dt.date, language: str | None = None
    ) -> Representation:
        last_modified = dt.datetime.combine(modified, dt.time(), tzinfo=dt.UTC)
        return cls(
            body=body,
            content_type=fmt.content_type,
            etag=hashlib.sha256(body).hexdigest()[:32],
            last_modified=last_modified,
            http_date=http_date(last_modified),
            language=language,
            # mtime=0: the same bytes give the same gzip, so its ETag is stable too
            gzipped=gzip.compress(body, 6, mtime=0) if len(body) >= GZIP_MIN_SIZE else None,
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


@memoize
def jsonld_context() -> dict:
    """The JSON-LD context published at /vocab/context.jsonld, loaded from vocab/."""
    return json.loads((VOCAB_DIR / "context.jsonld").read_text(encoding="utf-8"))


def serialize(graph: Graph, fmt: Format) -> bytes:
    """An RDF serialisation in the internal base, the same bytes in every process.

    rdflib orders N-Triples, RDF/XML and JSON-LD by hash order, which differs between
    processes; equal bytes give equal ETags across workers and instances, so lines,
    arrays and blank-node labels are put in a canonical order here.

    JSON-LD is compacted with our own context passed as a dict (rdflib would fetch a
    remote one), then points at the context the service publishes, so any JSON-LD
    processor can expand it from this service alone.
    """
    graph = _canonical(graph)
    if fmt is JSONLD:
        data = _compacted(graph)
        data["@context"] = uris.INTERNAL_BASE + CONTEXT_PATH
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    body = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    if fmt is NTRIPLES:
        return b"".join(sorted(body.splitlines(keepends=True)))
    if fmt is RDFXML:
        return _sorted_descriptions(body)
    return body


# rdflib's flat RDF/XML: one rdf:Description per subject, subjects in hash order.
_DESCRIPTION = re.compile(rb"^  <rdf:Description .*?^  </rdf:Description>\n", re.M | re.S)


def _sorted_descriptions(body: bytes) -> bytes:
    descriptions = _DESCRIPTION.findall(body)
    if not descriptions:
        return body
    start = body.index(descriptions[0])
    end = body.rindex(b"</rdf:Description>\n") + len(b"</rdf:Description>\n")
    return body[:start] + b"".join(sorted(descriptions)) + body[end:]


def embedded_jsonld(graph: Graph) -> str:
    """JSON-LD for a <script> block: context inlined, since search engines fetch nothing.

    '<' is escaped so the text can never close the script element.
    """
    data = _compacted(_canonical(graph))
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def _compacted(graph: Graph) -> dict:
    context = jsonld_context()["@context"]
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    return _ordered(json.loads(text))


def _canonical(graph: Graph) -> Graph:
    """The graph with canonical blank-node labels (published data has none; parsed data may)."""
    if not any(isinstance(node, BNode) for triple in graph for node in triple):
        return graph
    copy = Graph(namespace_manager=graph.namespace_manager)
    copy += to_canonical_graph(graph)
    return copy


def _ordered(value, keep_order: bool = False):
    """JSON-LD with its arrays sorted; only @list arrays carry an order of their own."""
    if isinstance(value, dict):
        return {key: _ordered(item, keep_order=key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_ordered(item) for item in value]
        if keep_order:
            return items
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value
