"""Cross-origin access: every response allows any origin; preflight for POST /sparql."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from opendata.sparql.engine import EXTENSION

from .conftest import DATA_DIR, make_app

ORIGIN = {"Origin": "https://app.example"}
SAMPLES = {
    "kind": "organization",
    "slug": "bildungsbuero",
    "name": "bildungsbuero",
    "filename": "site.css",
}


@pytest.fixture(scope="module")
def app():
    app = make_app(DATA_DIR)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture
def client(app):
    return app.test_client()


def sample_paths(app) -> list[str]:
    """One URL for every GET route of the application, placeholders filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            paths.append(
                re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: SAMPLES.get(m[1], "x"), rule.rule)
            )
    return paths


@pytest.mark.parametrize("accept", ["*/*", "text/html", "application/ld+json", "image/png"])
def test_every_get_route_allows_any_origin(app, client, accept):
    paths = sample_paths(app)
    assert "/sparql" in paths and "/doc/organization/bildungsbuero" in paths
    for path in [*paths, "/doc/person/nobody", "/no/such/page"]:
        response = client.get(path, headers={**ORIGIN, "Accept": accept})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", (path, accept)


def test_documents_expose_their_validators_and_links(client):
    response = client.get("/doc/organization/bildungsbuero", headers=ORIGIN)
    exposed = {
        h.strip().lower() for h in response.headers["Access-Control-Expose-Headers"].split(",")
    }
    assert {"etag", "link", "content-location", "sparql-results-truncated"} <= exposed
    for header in ("ETag", "Link", "Content-Location"):
        assert header in response.headers


def test_sparql_queries_and_their_errors_allow_any_origin(client):
    query = "ASK {}"
    responses = [
        client.get("/sparql?" + urlencode({"query": query}), headers=ORIGIN),
        client.post("/sparql", data={"query": query}, headers=ORIGIN),
        client.post("/sparql", data=query, content_type="application/sparql-query", headers=ORIGIN),
        client.get("/sparql?" + urlencode({"query": "ASK {"}), headers=ORIGIN),
        client.post("/sparql", data=b"x", content_type="text/plain", headers=ORIGIN),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 400, 415]
    for response in responses:
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_posting_a_query_is_answered(client):
    response = client.options(
        "/sparql",
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert "content-type" in allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_a_preflight_for_a_document_allows_reading_only(client):
    response = client.options(
        "/doc/organization/bildungsbuero",
        headers={**ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code in (200, 204)
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert "GET" in methods and "POST" not in methods
