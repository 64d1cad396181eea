"""Security headers on every response, and limits on what a request may carry."""

from __future__ import annotations

import pytest

from .conftest import DATA_DIR, make_app

PATHS = [
    "/",
    "/doc/organization/bildungsbuero",
    "/doc/organization/bildungsbuero.html",
    "/id/organization/bildungsbuero",
    "/doc/nothing/here",
    "/vocab/context.jsonld",
    "/static/site.css",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers
    assert "Werkzeug" not in response.headers.get("Server", "")


def test_hsts_when_configured():
    client = make_app(DATA_DIR, HSTS_SECONDS=31536000).test_client()
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_an_overlong_url_is_414(client):
    response = client.get("/doc/organization/" + "a" * 5000, headers={"Accept": "text/html"})
    assert response.status_code == 414


def test_oversized_headers_are_431(client):
    response = client.get("/", headers={f"X-Pad-{i}": "x" * 1000 for i in range(20)})
    assert response.status_code == 431
