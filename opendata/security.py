"""Response headers that protect readers, and limits on what a request may carry.

Pages load nothing from elsewhere and run no script: the only <script> element is a
JSON-LD data block, which browsers never execute, so ``script-src 'none'`` holds.
Limits refuse oversized URLs and headers before any work is done (bodies are capped
by Flask's MAX_CONTENT_LENGTH).
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

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


def init_app(app: Flask) -> None:
    app.before_request(check_limits)
    app.after_request(add_headers)


def check_limits() -> None:
    config = current_app.config
    environ = request.environ
    url_length = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    if url_length > config["MAX_URL_LENGTH"]:
        abort(414, description=f"The URL is longer than {config['MAX_URL_LENGTH']} characters.")
    header_bytes = sum(len(k) + len(v) for k, v in request.headers.items())
    if header_bytes > config["MAX_HEADER_BYTES"]:
        abort(431, description=f"The headers exceed {config['MAX_HEADER_BYTES']} bytes.")


def add_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in STATIC_HEADERS:
        headers.setdefault(name, value)
    if current_app.config["HSTS_SECONDS"]:
        headers["Strict-Transport-Security"] = (
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    return response
