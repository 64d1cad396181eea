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

from flask import Flask

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
    app.wsgi_app = Preflight(app.wsgi_app)


class Preflight:
    """WSGI middleware answering preflights: the methods the URL allows (its ``Allow``).

    Only ``OPTIONS`` requests with ``Access-Control-Request-Method`` are touched, so
    every other request passes through without any work.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if not (
            environ["REQUEST_METHOD"] == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        ):
            return self.wsgi_app(environ, start_response)

        def start(status, headers, *exc_info):
            allow = next((v for k, v in headers if k.lower() == "allow"), "GET, HEAD, OPTIONS")
            headers += [
                ("Access-Control-Allow-Methods", allow),
                ("Access-Control-Allow-Headers", ", ".join(ALLOWED_REQUEST_HEADERS)),
                ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE)),
            ]
            return start_response(status, headers, *exc_info)

        return self.wsgi_app(environ, start)
