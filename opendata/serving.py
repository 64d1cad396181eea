"""One way to serve a document: format, cache, validators, compression, headers.

A view finds the thing, says what it can be rendered from (a *source*: an object with
the methods the formats read, e.g. ``graph()`` and ``page()``; see
``opendata.formats``) and in which formats, and calls ``serve``. ``serve`` picks the
format (a fixed extension, else content negotiation, else ``406`` naming the
alternatives), renders it once per data version (``opendata.rendering``) and sends
it with ``ETag``, ``Last-Modified`` and ``304``, gzip, ``Cache-Control``, ``Vary``,
``Content-Location`` and a ``Link`` header naming every alternative.

Shared caches key on the URL and ``Vary``: every response of one URL must say the same
``Vary`` (nginx's ``proxy_cache`` rewrites its entry whenever it changes). So a
negotiated URL, its errors and the 303 of a thing all say ``NEGOTIATED_VARY``,
whichever representation was chosen; a fixed-format URL varies by encoding only (and
by language where it is a page).

This is the hot path of the service: the header list is built directly, and
conditional headers are parsed only when a client sends them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NoReturn

from flask import Response, abort, current_app, redirect, request
from werkzeug.http import parse_date, parse_etags

from .formats import Format, by_extension
from .i18n import current_language
from .negotiation import NotAcceptable, negotiate
from .publishing import current_store, public_base
from .rendering import Representation, representation
from .response_cache import CACHEABLE

NEGOTIATED_VARY = "Accept, Accept-Encoding, Accept-Language"

# A URL's fixed-format variant, as a path with query: the Content-Location of a
# negotiated response, and the targets of its Link header.
UrlOf = Callable[[Format], str]


def serve(
    source: Any,
    *,
    key: str,
    modified: dt.date,
    offers: tuple[Format, ...],
    extension: str | None = None,
    negotiated: bool = True,
    url: UrlOf | None = None,
    what: str = "This document",
    version: str | None = None,
    filename: str | None = None,
) -> Response:
    """The response for ``source``: in the format of ``extension`` (404 when not offered),
    else negotiated among ``offers`` (406 when none fits), else (``negotiated=False``)
    in the URL's one format."""
    if extension is not None:
        fmt = fixed_format(extension, offers)
        negotiated = False
    elif negotiated:
        fmt = negotiate_or_406(offers, what, url)
    else:
        fmt = offers[0]
    language = current_language() if fmt.localized else None
    base = public_base()
    rep = representation(
        version or current_store().version,
        key,
        fmt,
        base,
        lambda: fmt.render(source),
        modified,
        language,
    )
    root = base.rstrip("/")
    return send(
        rep,
        vary=NEGOTIATED_VARY if negotiated else fixed_vary(fmt),
        content_location=url(fmt) if url and negotiated else None,
        link=link_header((root + url(f), f) for f in offers) if url else None,
        filename=f"{filename}.{fmt.name}" if filename and fmt.download else None,
    )


class Made:
    """A source that one function makes: the bytes of a body, or the text of a page."""

    def __init__(self, make: Callable[[], Any]):
        self.make = make

    def body(self) -> bytes:
        return self.make()

    def page(self) -> str:
        return self.make()


def serve_one(
    key: str,
    fmt: Format,
    make: Callable[[], Any],
    modified: dt.date | None = None,
    version: str | None = None,
) -> Response:
    """A URL with one format (a page, a feed, …): what ``make`` returns, served like a
    document; ``modified`` defaults to the newest change of the data."""
    return serve(
        Made(make),
        key=key,
        modified=modified or current_store().modified,
        offers=(fmt,),
        negotiated=False,
        version=version,
    )


def fixed_format(extension: str, offers: tuple[Format, ...]) -> Format:
    fmt = by_extension(offers).get(extension)
    if fmt is None:
        names = ", ".join(f".{f.name}" for f in offers)
        abort(404, description=f"No format '.{extension}'; try one of: {names}.")
    return fmt


def negotiate_or_406(offers: tuple[Format, ...], what: str, url: UrlOf | None = None) -> Format:
    try:
        return negotiate(request.environ.get("HTTP_ACCEPT"), offers)
    except NotAcceptable:
        not_acceptable(offers, what, url)


def not_acceptable(offers: tuple[Format, ...], what: str, url: UrlOf | None = None) -> NoReturn:
    offered = ", ".join(f.media_type for f in offers)
    fixed = f" Fixed-format URLs: {', '.join(url(f) for f in offers)}" if url else ""
    abort(406, description=f"{what} is available as: {offered}.{fixed}")


def see_other(location: str, offers: tuple[Format, ...], what: str, url: UrlOf) -> Response:
    """303 See Other from a thing to its document (406 when no format of it fits)."""
    negotiate_or_406(offers, what, url)
    if request.query_string:
        location += "?" + request.query_string.decode("ascii", "replace")
    response = redirect(location, code=303)
    response.headers["Vary"] = NEGOTIATED_VARY
    response.headers["Cache-Control"] = cache_control()
    return response


def fixed_vary(fmt: Format) -> str:
    return "Accept-Encoding, Accept-Language" if fmt.localized else "Accept-Encoding"


def cache_control() -> str:
    return f"public, max-age={current_app.config['MAX_AGE']}"


def link_header(alternates) -> str:
    return ", ".join(
        f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for href, fmt in alternates
    )


def send(
    rep: Representation,
    *,
    vary: str,
    content_location: str | None = None,
    link: str | None = None,
    filename: str | None = None,
) -> Response:
    """A 200 (or 304) response for rendered bytes, with ETag and Last-Modified.

    Clients that accept gzip get the variant compressed at render time; it is a
    different representation, so it has its own strong ETag.
    """
    body, etag = rep.body, rep.etag
    if rep.gzipped is not None and _accepts_gzip():
        body, etag = rep.gzipped, etag + "-gzip"
    headers = [
        ("ETag", f'"{etag}"'),
        ("Last-Modified", rep.http_date),
        ("Cache-Control", cache_control()),
        ("Vary", vary),
    ]
    if rep.language:
        headers.append(("Content-Language", rep.language))
    if content_location:
        headers.append(("Content-Location", content_location))
    if link:
        headers.append(("Link", link))
    if filename:
        headers.append(("Content-Disposition", f'attachment; filename="{filename}"'))
    # the response depends on nothing but the request and this version: it may be kept
    request.environ[CACHEABLE] = current_store().version
    if _not_modified(etag, rep):
        return Response(status=304, headers=headers)
    if body is rep.gzipped:
        headers.append(("Content-Encoding", "gzip"))
    return Response(body, content_type=rep.content_type, headers=headers)


def _accepts_gzip() -> bool:
    header = request.environ.get("HTTP_ACCEPT_ENCODING")
    return bool(header) and "gzip" in header and request.accept_encodings["gzip"] > 0


def _not_modified(etag: str, rep: Representation) -> bool:
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
        return since is not None and rep.last_modified <= since
    return False
