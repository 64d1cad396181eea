"""Sending rendered representations: validators, conditional requests, caching headers."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, request

from .formats import Format
from .rendering import Representation


def send(
    representation: Representation,
    *,
    negotiated: bool = False,
    content_location: str | None = None,
    alternates: Iterable[tuple[str, Format]] = (),
) -> Response:
    """A 200 (or 304) response for rendered bytes, with ETag and Last-Modified."""
    response = Response(representation.body, content_type=representation.content_type)
    response.set_etag(representation.etag)
    response.last_modified = representation.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["MAX_AGE"]
    if negotiated:
        response.vary.add("Accept")
    if representation.language:
        response.content_language.add(representation.language)
        response.vary.add("Accept-Language")
    if content_location:
        response.headers["Content-Location"] = content_location
    links = [f'<{href}>; rel="alternate"; type="{fmt.media_type}"' for href, fmt in alternates]
    if links:
        response.headers["Link"] = ", ".join(links)
    return response.make_conditional(request)
