"""Sending rendered representations: validators, conditional requests, caching headers.

This is the hot path of the service, so it builds the header list directly and
parses conditional headers only when a client sends them, instead of going through
Werkzeug's general-purpose ``make_conditional``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, request
from werkzeug.http import parse_date, parse_etags

from .formats import Format
from .publishing import current_store
from .rendering import Representation
from .response_cache import CACHEABLE


def send(
    representation: Representation,
    *,
    negotiated: bool = False,
    content_location: str | None = None,
    alternates: Iterable[tuple[str, Format]] | str = (),
) -> Response:
    """A 200 (or 304) response for rendered bytes, with ETag and Last-Modified.

    Clients that accept gzip get the variant compressed at render time; it is a
    different representation, so it has its own strong ETag.
    """
    body, etag = representation.body, representation.etag
    vary = ["Accept"] if negotiated else []
    if representation.gzipped is not None:
        vary.append("Accept-Encoding")
        if _accepts_gzip():
            body, etag = representation.gzipped, etag + "-gzip"
    if representation.language:
        vary.append("Accept-Language")
    headers = [
        ("ETag", f'"{etag}"'),
        ("Last-Modified", representation.http_date),
        ("Cache-Control", f"public, max-age={current_app.config['MAX_AGE']}"),
    ]
    if vary:
        headers.append(("Vary", ", ".join(vary)))
    if representation.language:
        headers.append(("Content-Language", representation.language))
    if content_location:
        headers.append(("Content-Location", content_location))
    link = alternates if isinstance(alternates, str) else link_header(alternates)
    if link:
        headers.append(("Link", link))
    # the response depends on nothing but the request and this version: it may be kept
    request.environ[CACHEABLE] = current_store().version
    if _not_modified(etag, representation):
        return Response(status=304, headers=headers)
    if body is representation.gzipped:
        headers.append(("Content-Encoding", "gzip"))
    return Response(body, content_type=representation.content_type, headers=headers)


def link_header(alternates: Iterable[tuple[str, Format]]) -> str:
    return ", ".join(
        f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for href, fmt in alternates
    )


def _accepts_gzip() -> bool:
    header = request.environ.get("HTTP_ACCEPT_ENCODING")
    return bool(header) and "gzip" in header and request.accept_encodings["gzip"] > 0


def _not_modified(etag: str, representation: Representation) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since.

    Malformed headers parse to nothing and are ignored, as the RFC says.
    """
    environ = request.environ
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        return False
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        # the common case, a client sending back the one ETag it got, needs no parsing
        return if_none_match == f'"{etag}"' or parse_etags(if_none_match).contains_weak(etag)
    if_modified_since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since is not None:
        since = parse_date(if_modified_since)
        return since is not None and representation.last_modified <= since
    return False
