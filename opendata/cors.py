"""Cross-origin access for browser applications (CORS).

Everything this service answers is public and read-only, and it uses no cookies or
credentials, so every response, errors included, carries
``Access-Control-Allow-Origin: *`` and exposes the headers a linked-data client
reads (validators, ``Link``, ``Content-Location``, the truncation flag). A preflight
(``OPTIONS`` with ``Access-Control-Request-Method``) is answered for every URL with
the methods the URL allows, which for ``/sparql`` includes ``POST``: a body of type
``application/sparql-query`` is not a "simple" request and needs one.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

from .sparql.results import TRUNCATED_HEADER

ALLOWED_REQUEST_HEADERS = (
    "Accept",
    "Accept-Language",
    "Content-Type",
    "If-Modified-Since",
    "If-None-Match",
)
EXPOSED_HEADERS = (
    "Content-Location",
    "Content-Length",
    "ETag",
    "Link",
    "Location",
    "Retry-After",
    "Vary",
    TRUNCATED_HEADER,
)
PREFLIGHT_MAX_AGE = 86400  # seconds browsers may cache a preflight answer


# On every response (added by security.StaticHeaders with the other fixed headers).
HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", ", ".join(EXPOSED_HEADERS)),
)


def init_app(app: Flask) -> None:
    app.after_request(answer_preflight)


def answer_preflight(response: Response) -> Response:
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response.headers["Access-Control-Allow-Methods"] = response.headers.get(
            "Allow", "GET, HEAD, OPTIONS"
        )
        response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_REQUEST_HEADERS)
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response
