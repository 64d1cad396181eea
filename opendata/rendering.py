"""Graphs → bytes, rendered once per data version and served from the cache.

Every representation is keyed by data version, resource, format, language and public
base. flask-caching's ``@cached`` keys on the path alone and would hand Turtle to a
browser, so the key is built here explicitly. A new data version changes every key,
so stale bytes are never served; old entries simply expire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path

from flask import current_app
from flask_caching import Cache
from rdflib import Graph

from . import uris
from .formats import JSONLD, Format

cache = Cache()

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"
CONTEXT_PATH = "vocab/context.jsonld"


@dataclass(frozen=True)
class Representation:
    """Bytes ready to send, with their validators."""

    body: bytes
    content_type: str
    etag: str
    last_modified: dt.datetime
    language: str | None = None


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
    found = cache.get(cache_key)
    if found is not None:
        return found
    body = uris.relocate(render(), base) if relocate else render()
    made = Representation(
        body=body,
        content_type=fmt.content_type,
        etag=hashlib.sha256(body).hexdigest()[:32],
        last_modified=dt.datetime.combine(modified, dt.time(), tzinfo=dt.UTC),
        language=language,
    )
    if not cache.set(cache_key, made):
        current_app.logger.warning("cache refused %s; serving uncached", cache_key)
    return made


@memoize
def jsonld_context() -> dict:
    """The JSON-LD context published at /vocab/context.jsonld, loaded from vocab/."""
    return json.loads((VOCAB_DIR / "context.jsonld").read_text(encoding="utf-8"))


def serialize(graph: Graph, fmt: Format) -> bytes:
    """An RDF serialisation in the internal base.

    JSON-LD is compacted with our own context passed as a dict (rdflib would fetch a
    remote one), then points at the context the service publishes, so any JSON-LD
    processor can expand it from this service alone.
    """
    if fmt is JSONLD:
        context = jsonld_context()["@context"]
        data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
        data["@context"] = uris.INTERNAL_BASE + CONTEXT_PATH
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")


def embedded_jsonld(graph: Graph) -> str:
    """JSON-LD for a <script> block: context inlined, since search engines fetch nothing.

    '<' is escaped so the text can never close the script element.
    """
    context = jsonld_context()["@context"]
    text = graph.serialize(format="json-ld", context=context, auto_compact=True)
    return json.dumps(json.loads(text), ensure_ascii=False).replace("<", "\\u003c")
