"""Property-based tests over every route: whatever a client sends, the service answers
with a well-formed response in the format it says, never a 5xx, never a hang."""

from __future__ import annotations

import gzip
import json
import re
import string
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from opendata.sparql.engine import EXTENSION

from .conftest import DATA_DIR, make_app
from .servers import WAIT

SETTINGS = settings(
    max_examples=150,
    # a failure guard for a request that hangs, never a measure: a loaded machine is slow
    deadline=timedelta(seconds=WAIT),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
MEDIA_TYPES = [
    "text/html",
    "text/turtle",
    "application/ld+json",
    "application/json",
    "application/rdf+xml",
    "application/n-triples",
    "text/plain",
    "*/*",
    "text/*",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "image/png",
    "application/xml",
    "",
]
SEGMENTS = [
    "organization",
    "programme",
    "person",
    "place",
    "concept",
    "bildungsbuero",
    "kathrin-hinze",
    "qualitaet-vor-ort",
    "dessau-rosslau",
    "all",
    "catalog",
    "..",
    "%2e%2e",
    "%00",
    "ß",
    "x" * 300,
    "a.ttl",
    "a.ttl.gz",
    "b.vcf",
    "",
]
SPARQL_PIECES = [
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "{",
    "}",
    "?s",
    "?p",
    "?o",
    "<https://schema.org/name>",
    "FILTER",
    "REGEX(",
    ")",
    "(",
    "LIMIT",
    "10",
    ".",
    "SERVICE",
    "<http://127.0.0.1:9/>",
    "FROM",
    "INSERT DATA",
    "GRAPH",
    "*",
    '"x"@de',
    "OPTIONAL",
    "UNION",
    "BIND",
    "AS",
    "COUNT(*)",
    "PREFIX s: <s:>",
]


@pytest.fixture(scope="module")
def app():
    app = make_app(DATA_DIR, SPARQL_TIMEOUT=3)
    yield app
    app.extensions[EXTENSION].close()


def route_templates(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()})


def accept_headers():
    single = st.tuples(
        st.sampled_from(MEDIA_TYPES),
        st.one_of(st.none(), st.floats(min_value=0, max_value=1).map(lambda q: f"{q:.3f}")),
    ).map(lambda mq: mq[0] + (f";q={mq[1]}" if mq[1] else ""))
    garbage = st.text(alphabet=string.printable.replace("\n", "").replace("\r", ""), max_size=60)
    return st.one_of(st.none(), st.lists(single, max_size=4).map(", ".join), garbage)


def languages():
    return st.one_of(
        st.none(),
        st.sampled_from(["de", "en", "en-GB,en;q=0.9", "fr", "*", "de;q=0, en", "x;q=abc"]),
        st.text(alphabet=string.ascii_letters + "-,;=.*0123456789 ", max_size=40),
    )


@st.composite
def requests_(draw, templates):
    template = draw(st.sampled_from(templates))
    path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", lambda _: draw(st.sampled_from(SEGMENTS)), template)
    if draw(st.booleans()):
        path = draw(st.sampled_from(["/", "/doc/", "/id/x/", "/dumps/", "/nothing/"])) + draw(
            st.text(alphabet=string.ascii_letters + "/.%-_~", max_size=30)
        )
    params = draw(
        st.dictionaries(
            st.sampled_from(["page", "modified_since", "lang", "format", "query", "x"]),
            st.one_of(
                st.text(max_size=30),
                st.lists(st.sampled_from(SPARQL_PIECES), max_size=12).map(" ".join),
                st.sampled_from(
                    ["1", "0", "-1", "99999", "2026-01-01", "2026-13-45", "en", "json"]
                ),
            ),
            max_size=3,
        )
    )
    headers = {}
    for name, strategy in (("Accept", accept_headers()), ("Accept-Language", languages())):
        value = draw(strategy)
        if value is not None:
            headers[name] = value
    if draw(st.booleans()):
        headers["If-None-Match"] = draw(
            st.sampled_from(['"x"', "*", "W/", "garbage", '"a", W/"b"'])
        )
    method = draw(st.sampled_from(METHODS))
    body = draw(
        st.one_of(
            st.none(),
            st.binary(max_size=200),
            st.lists(st.sampled_from(SPARQL_PIECES), max_size=15).map(" ".join),
        )
    )
    if body is not None:
        headers["Content-Type"] = draw(
            st.sampled_from(
                [
                    "application/sparql-query",
                    "application/x-www-form-urlencoded",
                    "text/plain",
                    "application/json",
                    "multipart/form-data",
                ]
            )
        )
    return method, path, params, headers, body


def assert_well_formed(response) -> None:
    """The body parses as what its Content-Type says."""
    if response.status_code in (204, 304) or not response.data:
        return
    if 300 <= response.status_code < 400:
        # a redirect's body is only a courtesy note (Werkzeug's); its Location is what counts
        assert response.headers.get("Location"), response.status_code
        return
    body = response.get_data()
    mimetype = response.mimetype
    if response.headers.get("Content-Encoding") == "gzip" or mimetype == "application/gzip":
        body = gzip.decompress(body)
        if mimetype == "application/gzip":
            return
    text = body.decode("utf-8")
    rdf = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}
    if mimetype in rdf:
        Graph().parse(data=text, format=rdf[mimetype])
    elif mimetype in (
        "application/ld+json",
        "application/json",
        "application/problem+json",
        "application/sparql-results+json",
        "application/vnd.oai.openapi+json",
    ):
        json.loads(text)
    elif mimetype in (
        "application/sparql-results+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
    ):
        ElementTree.fromstring(body)
    elif mimetype == "text/html":
        assert text.lstrip().lower().startswith("<!doctype html>"), text[:100]
        assert text.rstrip().endswith("</html>")


@given(data=st.data())
@SETTINGS
def test_no_request_breaks_the_service(app, data):
    client = app.test_client()
    method, path, params, headers, body = data.draw(requests_(route_templates(app)))
    response = client.open(path, method=method, query_string=params, headers=headers, data=body)
    assert response.status_code < 500 or response.status_code == 503, (
        method,
        path,
        params,
        headers,
        response.status_code,
        response.get_data(as_text=True)[:300],
    )
    if response.status_code == 503:  # only the SPARQL endpoint may say it is busy
        assert path.startswith("/sparql")
    assert_well_formed(response)


@given(
    query=st.one_of(
        st.text(max_size=200), st.lists(st.sampled_from(SPARQL_PIECES), max_size=20).map(" ".join)
    )
)
@SETTINGS
def test_no_sparql_text_breaks_the_endpoint(app, query):
    client = app.test_client()
    for accept in ("application/sparql-results+json", "text/html", "text/turtle"):
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert response.status_code in (200, 400, 406, 413, 503), (query, response.status_code)
        assert_well_formed(response)
