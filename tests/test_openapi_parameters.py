"""The parameters /openapi.json describes take the values the service takes.

Accept is described per operation by a pattern built from the formats it negotiates;
every header the pattern matches must be answered, real-world ones included, and
headers naming none of the formats get 406. ``lang`` is a free string (any other
language gets German), ``format`` of a SPARQL form lists the names the service knows.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata.i18n import LANGUAGES
from opendata.sparql.engine import EXTENSION
from opendata.sparql.examples import EXAMPLES
from opendata.sparql.results import FORMAT_NAMES

from .conftest import DATA_DIR, make_app

NEGOTIATED = ("/id/{kind}/{slug}", "/doc/{kind}/{name}", "/catalog", "/catalog/dataset/{name}")
# Accept headers sent by real clients (see PITFALLS.md: browsers, rapper, trifid, rdflib).
REAL_WORLD = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "application/ld+json, application/trig, text/turtle;q=0.9, */*;q=0.1",
    "application/rdf+xml, text/html;q=0.6",
    'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
    "text/turtle; charset=utf-8",
    "application/n-triples,*/*;q=0.1",
    "*/*",
    "",
)
REFUSED = ("image/png", "text/turtle;q=0", "application/xml", "text/plain, image/*")


@pytest.fixture(scope="module")
def app():
    app = make_app(DATA_DIR)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture(scope="module")
def openapi(app):
    return app.test_client().get("/openapi.json").get_json()


def example_path(path: str, operation: dict) -> str:
    for parameter in operation["parameters"]:
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(parameter["example"]))
    return path


def accept_schema(operation: dict) -> dict:
    [accept] = [p for p in operation["parameters"] if p["name"] == "Accept"]
    return accept["schema"]


def negotiated_operations(openapi) -> list[tuple[str, dict]]:
    paths = (*NEGOTIATED, "/.well-known/void")
    return [
        (example_path(p, openapi["paths"][p]["get"]), openapi["paths"][p]["get"]) for p in paths
    ]


def answered(status: int) -> bool:
    return status in (200, 303)


def test_every_negotiated_operation_describes_accept_by_its_formats(openapi):
    for path, item in openapi["paths"].items():
        for operation in item.values():
            names = [p["name"] for p in operation.get("parameters", [])]
            if path in (*NEGOTIATED, "/.well-known/void"):
                assert "pattern" in accept_schema(operation), path
            elif path.endswith(".{extension}"):
                assert "Accept" not in names, path  # the extension decides


def test_real_world_accept_headers_are_valid_and_answered(app, openapi):
    client = app.test_client()
    for url, operation in negotiated_operations(openapi):
        pattern = re.compile(accept_schema(operation)["pattern"])
        offered = "text/html" in operation["responses"].get("200", {}).get("content", {})
        for header in REAL_WORLD:
            if not offered and header.startswith("text/html,"):
                continue  # the VoID description has no HTML; image/* etc. do not cover RDF
            assert pattern.search(header), (url, header)
            assert answered(client.get(url, headers={"Accept": header}).status_code), (url, header)
        for header in REFUSED:
            assert not pattern.search(header), (url, header)
            assert client.get(url, headers={"Accept": header}).status_code == 406, (url, header)


@pytest.mark.parametrize("path", ["/doc/{kind}/{name}", "/.well-known/void"])
def test_every_accept_header_the_pattern_matches_is_answered(app, openapi, path):
    operation = openapi["paths"][path]["get"]
    schema = accept_schema(operation)
    url = example_path(path, operation)
    client = app.test_client()

    # Generating from a long pattern is slow: few examples, always the same ones.
    @settings(
        max_examples=25,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(st.from_regex(schema["pattern"], fullmatch=True))
    def answers(header: str) -> None:
        if len(header) <= schema["maxLength"]:
            assert answered(client.get(url, headers={"Accept": header}).status_code), header

    answers()


def test_lang_is_a_free_string_and_any_other_language_gets_german(app, openapi):
    client = app.test_client()
    for item in openapi["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "lang":
                    assert parameter["schema"] == {"type": "string", "examples": list(LANGUAGES)}
    for lang, expected in (("fr", "de"), ("", "de"), ("EN", "en"), ("xx-yy", "de")):
        page = client.get("/?" + urlencode({"lang": lang})).get_data(as_text=True)
        assert f'<html lang="{expected}">' in page, lang


def test_the_sparql_format_names_are_the_ones_the_service_knows(app, openapi):
    post = openapi["paths"]["/sparql"]["post"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form["properties"]["format"]["enum"] == list(FORMAT_NAMES)
    for operation in (openapi["paths"]["/sparql"]["get"], post):
        [fmt] = [p for p in operation["parameters"] if p["name"] == "format"]
        assert fmt["schema"]["examples"] == list(FORMAT_NAMES)
    client = app.test_client()
    query = EXAMPLES[0].text  # a SELECT: a graph format is a 406, never a 400
    for name in FORMAT_NAMES:
        response = client.post("/sparql", data={"query": query, "format": name})
        assert response.status_code in (200, 406), name
    assert client.post("/sparql", data={"query": query, "format": "yaml"}).status_code == 400
