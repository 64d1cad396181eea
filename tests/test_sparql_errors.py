"""Bad input to /sparql: a clear 4xx with a message, in the negotiated format; never a
500, never a hang."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from opendata.sparql.engine import EXTENSION

from .conftest import DATA_DIR, make_app


@pytest.fixture(scope="module", params=["memory", "sparql"])
def client(request):
    store = request.getfixturevalue("store_url") if request.param == "sparql" else None
    app = make_app(DATA_DIR, store, SPARQL_MAX_QUERY_BYTES=2000)
    yield app.test_client()
    app.extensions[EXTENSION].close()


def get(client, accept="*/*", **params):
    return client.get("/sparql?" + urlencode(params), headers={"Accept": accept})


def test_a_syntax_error_gets_400_with_the_parsers_message(client):
    response = get(client, query="SELECT ?s WHERE { ?s ?p }")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Syntax error" in body and "line:1" in body


def test_an_unknown_prefix_gets_400(client):
    response = get(client, query="SELECT * WHERE { ?s nope:p ?o }")
    assert response.status_code == 400
    assert "Unknown namespace prefix" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "   \n\t "])
def test_an_empty_query_gets_400(client, query):
    response = get(client, query=query)
    assert response.status_code == 400
    assert "empty" in response.get_data(as_text=True)
    form = client.post("/sparql", data={"query": query})
    assert form.status_code == 400
    body = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert body.status_code == 400


def test_a_post_form_without_query_gets_400(client):
    response = client.post("/sparql", data={"format": "json"})
    assert response.status_code == 400
    assert "query" in response.get_data(as_text=True)


def test_an_oversized_query_gets_413(client):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 2000
    assert get(client, query=query).status_code == 413
    form = client.post("/sparql", data={"query": query})
    assert form.status_code == 413
    assert "limit is 2000 bytes" in form.get_data(as_text=True)
    body = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert body.status_code == 413


def test_a_body_over_the_request_limit_gets_413(client):
    response = client.post(
        "/sparql", data=b"#" * (128 * 1024), content_type="application/sparql-query"
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x", None]
)
def test_a_post_of_another_content_type_gets_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"SELECT * WHERE {}", headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_a_body_that_is_not_utf8_gets_400(client):
    response = client.post(
        "/sparql", data=b"SELECT * WHERE { ?s ?p '\xff' }", content_type="application/sparql-query"
    )
    assert response.status_code == 400
    odd_charset = client.post(
        "/sparql", data=b"ASK {}", content_type="application/sparql-query; charset=klingon"
    )
    assert odd_charset.status_code == 415


def test_an_unknown_format_gets_400_and_an_unacceptable_one_406(client):
    unknown = get(client, query="ASK {}", format="pdf")
    assert unknown.status_code == 400
    assert "pdf" in unknown.get_data(as_text=True)
    nothing_fits = get(client, "image/png", query="ASK {}")
    assert nothing_fits.status_code == 406
    wrong_form = get(client, query="CONSTRUCT WHERE { ?s ?p ?o }", format="csv")
    assert wrong_form.status_code == 406
    assert "text/turtle" in wrong_form.get_data(as_text=True)
    csv_for_ask = get(client, "text/csv", query="ASK {}")
    assert csv_for_ask.status_code == 406
    results_for_graph = get(
        client, "application/sparql-results+json", query="DESCRIBE <http://localhost/id/x>"
    )
    assert results_for_graph.status_code == 406


def test_sparqlwrapper_style_repeated_format_values_pick_the_known_one(client):
    response = client.get(
        "/sparql?"
        + urlencode(
            [
                ("query", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"),
                ("format", "rdf+xml"),
                ("format", "application/rdf+xml"),
            ]
        )
    )
    assert response.status_code == 200
    assert response.mimetype == "application/rdf+xml"


def test_a_query_string_that_is_not_utf8_is_still_answered(client):
    response = client.get("/sparql?query=SELECT%20(%22%ff%22%20AS%20%3Fx)%20%7B%7D")
    assert response.status_code == 200
    [row] = response.get_json()["results"]["bindings"]
    assert row["x"]["type"] == "literal"


def test_several_queries_at_once_get_400(client):
    response = client.get("/sparql?" + urlencode([("query", "ASK {}"), ("query", "ASK {}")]))
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/html", "text/html"),
        ("application/json", "application/problem+json"),
        ("text/turtle", "text/turtle"),
        ("application/sparql-results+json", "text/plain"),
    ],
)
def test_errors_come_in_the_negotiated_format(client, accept, media_type):
    response = get(client, accept, query="SELECT WHERE")
    assert response.status_code == 400
    assert response.mimetype == media_type
    assert "Syntax error" in response.get_data(as_text=True)


BAD_QUERIES = [
    "SELECT * WHERE { FILTER(" + "(" * 400 + "1" + ")" * 400 + ") }",
    "SELECT * WHERE { " + "{ " * 300 + "}" * 300 + " }",
    "SELECT (?x AS ?x) WHERE { BIND(1 AS ?x) }",
    "SELECT ?o WHERE { ?s ?p ?o } GROUP BY ?s",
    "SELECT * WHERE { ?s ?p ?o } LIMIT -1",
    "SELECT * WHERE { ?s ?p ?o FILTER(<http://x/f>(?o)) }",
    "SELECT * WHERE { BIND(xsd:dateTime('x') AS ?d) }",
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    "SELECT * WHERE { BIND(xsd:dateTime('x') AS ?d) }",
    "SELECT * WHERE { BIND(1/0 AS ?x) }",
    "SELECT * WHERE { ?s ?p ?o } ORDER BY (1/0)",
    "SELECT (SUM(?o) AS ?n) WHERE { ?s ?p ?o }",
    'SELECT * WHERE { BIND(REGEX("a", "(") AS ?x) }',
    "SELECT * WHERE { BIND(STRDT('1', <nope>) AS ?x) }",
    "DESCRIBE ?nothing",
    "CONSTRUCT { ?s ?p 'x' . 'lit' ?p ?o } WHERE { ?s ?p ?o }",
    "\x00SELECT",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1",
    "BASE <javascript:x> SELECT * WHERE { <a> ?p ?o }",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_odd_queries_never_cause_a_server_error(client, query):
    for accept in ("*/*", "text/html", "text/csv", "application/ld+json"):
        response = get(client, accept, query=query)
        assert response.status_code < 500, (query, response.get_data(as_text=True))
        assert response.get_data(as_text=True), query
