"""Response headers that protect readers, and limits on what a request may carry.

Pages load nothing from elsewhere and run no script: the only <script> element is a
JSON-LD data block, which browsers never execute, so ``script-src 'none'`` holds.
Limits refuse oversized URLs and headers before any work is done (bodies are capped
by Flask's MAX_CONTENT_LENGTH).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, abort, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
STATIC_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Resource-Policy", "cross-origin"),  # open data: others may embed it
)


def init_app(app: Flask, extra_headers: tuple[tuple[str, str], ...] = ()) -> None:
    """Limits before every request; the static headers (and extra_headers) on every response."""
    app.before_request(Limits.from_config(app.config).check)
    headers = [*STATIC_HEADERS, *extra_headers]
    if app.config["HSTS_SECONDS"]:
        headers.append(
            (
                "Strict-Transport-Security",
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains",
            )
        )
    app.wsgi_app = StaticHeaders(app.wsgi_app, tuple(headers))


class StaticHeaders:
    """WSGI middleware adding fixed headers to every response, errors included.

    Added where the response starts rather than in an ``after_request`` hook: on the
    hot path that is one list extension instead of a search per header.
    """

    def __init__(self, wsgi_app, headers: tuple[tuple[str, str], ...]):
        self.wsgi_app = wsgi_app
        self.headers = headers

    def __call__(self, environ, start_response):
        def start(status, response_headers, *exc_info):
            response_headers.extend(self.headers)
            return start_response(status, response_headers, *exc_info)

        return self.wsgi_app(environ, start)


@dataclass(frozen=True)
class Limits:
    """How long a URL and how many header bytes a request may have."""

    max_url_length: int
    max_header_bytes: int

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(config["MAX_URL_LENGTH"], config["MAX_HEADER_BYTES"])

    def problem(self, environ) -> tuple[int, str] | None:
        """The status and message for a request over a limit, None for the others."""
        url_length = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        if url_length > self.max_url_length:
            return 414, f"The URL is longer than {self.max_url_length} characters."
        header_bytes = sum(len(k) + len(v) for k, v in environ.items() if k.startswith("HTTP_"))
        if header_bytes > self.max_header_bytes:
            return 431, f"The headers exceed {self.max_header_bytes} bytes."
        return None

    def exceeded(self, environ) -> bool:
        return self.problem(environ) is not None

    def check(self) -> None:
        """Before each request: refuse one over a limit before any work is done."""
        problem = self.problem(request.environ)
        if problem is not None:
            abort(problem[0], description=problem[1])
