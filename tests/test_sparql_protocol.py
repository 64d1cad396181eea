"""/sparql over HTTP: the SPARQL 1.1 Protocol, result formats, the public base, the
service description and the query page."""

from __future__ import annotations

import io
import json
import os
import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.query import Result

from opendata.sparql.engine import EXTENSION
from opendata.sparql.examples import EXAMPLES
from opendata.vocabulary import SD, SDO, VOID

from .conftest import DATA_DIR, make_app, retire
from .servers import wait_until

OFFICE = "http://localhost/id/organization/bildungsbuero"
NAMES = f"SELECT ?name WHERE {{ <{OFFICE}> <https://schema.org/name> ?name }} ORDER BY ?name"
ALL = "SELECT * WHERE { ?s ?p ?o }"
CONSTRUCT = f"CONSTRUCT {{ <{OFFICE}> ?p ?o }} WHERE {{ <{OFFICE}> ?p ?o }}"


@pytest.fixture(scope="module", params=["memory", "sparql"])
def sparql_app(request):
    """The endpoint over each backend: rdflib query processes, or the SPARQL store."""
    store = request.getfixturevalue("store_url") if request.param == "sparql" else None
    app = make_app(DATA_DIR, store, SPARQL_TIMEOUT=5)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture
def client(sparql_app):
    return sparql_app.test_client()


def get(client, query: str, accept: str | None = None, **params):
    headers = {"Accept": accept} if accept else {}
    return client.get("/sparql?" + urlencode({"query": query, **params}), headers=headers)


def names_of(response) -> set[str]:
    return {b["name"]["value"] for b in response.get_json()["results"]["bindings"]}


def test_get_post_form_and_post_body_give_the_same_answer(client):
    by_get = get(client, NAMES, "application/sparql-results+json")
    by_form = client.post(
        "/sparql", data={"query": NAMES}, headers={"Accept": "application/sparql-results+json"}
    )
    by_body = client.post(
        "/sparql",
        data=NAMES.encode(),
        content_type="application/sparql-query",
        headers={"Accept": "application/sparql-results+json"},
    )
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200
        assert response.content_type == "application/sparql-results+json"
    assert names_of(by_get) == names_of(by_form) == names_of(by_body)
    assert names_of(by_get) == {"Kommunales Bildungsbüro", "Municipal Education Office"}


def test_the_query_uses_public_uris_and_results_carry_them(client):
    response = get(client, "SELECT ?o WHERE { ?s <https://schema.org/employee> ?o }")
    values = {b["o"]["value"] for b in response.get_json()["results"]["bindings"]}
    assert values == {"http://localhost/id/person/kathrin-hinze"}
    for accept in ("application/sparql-results+xml", "text/csv", "text/tab-separated-values"):
        body = get(client, ALL, accept).get_data(as_text=True)
        assert "http://localhost/id/" in body
        assert "opendata.invalid" not in body


def test_relative_iris_resolve_against_the_service(client):
    query = "SELECT ?name WHERE { <id/organization/bildungsbuero> <https://schema.org/name> ?name }"
    assert names_of(get(client, query)) == {"Kommunales Bildungsbüro", "Municipal Education Office"}


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type", "parser"),
    [
        (None, None, "application/sparql-results+json", "json"),
        ("*/*", None, "application/sparql-results+json", "json"),
        ("application/json", None, "application/sparql-results+json", "json"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml", "xml"),
        ("text/csv", None, "text/csv", "csv"),
        ("text/tab-separated-values", None, "text/tab-separated-values", "tsv"),
        ("text/turtle", "json", "application/sparql-results+json", "json"),
        (None, "xml", "application/sparql-results+xml", "xml"),
        (None, "csv", "text/csv", "csv"),
        ("application/sparql-results+json", "tsv", "text/tab-separated-values", "tsv"),
        (None, "application/sparql-results+xml", "application/sparql-results+xml", "xml"),
    ],
)
def test_select_results_in_every_format(sparql_app, client, accept, fmt, media_type, parser):
    params = {"format": fmt} if fmt else {}
    response = get(client, ALL, accept, **params)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.vary.find("Accept") >= 0
    result = Result.parse(io.BytesIO(response.data), format=parser)
    assert len(result.bindings) == len(sparql_app.extensions["opendata"].store.union())
    subjects = {str(row[Variable("s")]) for row in result.bindings}
    assert OFFICE in subjects


def test_select_all_columns_come_in_the_order_of_the_query(client):
    data = get(client, "SELECT * WHERE { ?zeta ?alpha ?s_1 OPTIONAL { ?s_1 ?x $y } }").get_json()
    assert data["head"]["vars"] == ["zeta", "alpha", "s_1", "x", "y"]
    csv = get(client, "SELECT * WHERE { ?o ?p ?s } LIMIT 1", "text/csv").get_data(as_text=True)
    assert csv.startswith("o,p,s\r\n")


def test_tsv_writes_terms_in_sparql_syntax(client):
    query = (
        'SELECT ?iri ?text ?number WHERE { VALUES (?iri ?text ?number) { (<id/x> "a\\tb\\nc" 3) } }'
    )
    lines = get(client, query, "text/tab-separated-values").get_data(as_text=True).splitlines()
    assert lines == [
        "?iri\t?text\t?number",
        '<http://localhost/id/x>\t"a\\tb\\nc"\t"3"^^<http://www.w3.org/2001/XMLSchema#integer>',
    ]


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type", "parser"),
    [
        (None, None, "text/turtle", "turtle"),
        ("application/ld+json", None, "application/ld+json", "json-ld"),
        ("application/rdf+xml", None, "application/rdf+xml", "xml"),
        ("application/n-triples", None, "application/n-triples", "nt"),
        (None, "json", "application/ld+json", "json-ld"),
        (None, "xml", "application/rdf+xml", "xml"),
        (None, "turtle", "text/turtle", "turtle"),
        ("text/csv", "nt", "application/n-triples", "nt"),
    ],
)
def test_construct_results_in_every_format(client, accept, fmt, media_type, parser):
    params = {"format": fmt} if fmt else {}
    response = get(client, CONSTRUCT, accept, **params)
    assert response.status_code == 200
    assert response.mimetype == media_type
    body = response.get_data(as_text=True)
    if parser == "json-ld":
        document = json.loads(body)
        assert document["@context"] == "http://localhost/vocab/context.jsonld"
        document["@context"] = client.get("/vocab/context.jsonld").get_json()["@context"]
        body = json.dumps(document)
    graph = Graph().parse(data=body, format=parser)
    assert (URIRef(OFFICE), SDO.name, Literal("Kommunales Bildungsbüro", lang="de")) in graph
    assert "opendata.invalid" not in body


def test_ask_and_describe(client):
    yes = get(client, f"ASK {{ <{OFFICE}> ?p ?o }}").get_json()
    no = get(client, "ASK { <http://localhost/id/person/nobody> ?p ?o }").get_json()
    assert (yes["boolean"], no["boolean"]) == (True, False)
    xml = get(client, "ASK {}", "application/sparql-results+xml")
    assert Result.parse(io.BytesIO(xml.data), format="xml").askAnswer is True
    described = Graph().parse(data=get(client, f"DESCRIBE <{OFFICE}>").data, format="turtle")
    assert (URIRef(OFFICE), SDO.name, Literal("Kommunales Bildungsbüro", lang="de")) in described


def test_builtin_functions_work_inside_the_shut_off_query_processes(client):
    query = (
        "SELECT ?md5 ?year ?uuid ?encoded ?lang WHERE { "
        'BIND(MD5("abc") AS ?md5) '
        'BIND(YEAR("2024-05-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>) AS ?year) '
        "BIND(STRUUID() AS ?uuid) "
        'BIND(ENCODE_FOR_URI("a b") AS ?encoded) '
        'BIND(LANGMATCHES("de-DE", "de") AS ?lang) }'
    )
    for fmt in ("json", "xml", "csv", "tsv", "html"):
        assert get(client, query, format=fmt).status_code == 200, fmt
    [row] = get(client, query).get_json()["results"]["bindings"]
    assert row["md5"]["value"] == "900150983cd24fb0d6963f7d28e17f72"
    assert row["year"]["value"] == "2024"
    assert re.fullmatch(r"[0-9a-f-]{36}", row["uuid"]["value"])
    assert row["encoded"]["value"] == "a%20b"
    assert row["lang"]["value"] == "true"


def test_graph_patterns_find_no_named_graphs(client):
    response = get(client, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert response.status_code == 200
    assert response.get_json()["results"]["bindings"] == []


def test_get_answers_are_cacheable_and_conditional(client):
    first = get(client, NAMES)
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get(
        "/sparql?" + urlencode({"query": NAMES}), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    head = client.head("/sparql?" + urlencode({"query": NAMES}))
    assert head.status_code == 200 and head.data == b""
    post = client.post("/sparql", data={"query": NAMES})
    assert "ETag" not in post.headers and post.status_code == 200


def test_truncated_results_say_so():
    app = make_app(DATA_DIR, SPARQL_MAX_ROWS=5)
    try:
        client = app.test_client()
        response = get(client, ALL)
        assert response.headers["SPARQL-Results-Truncated"] == "true"
        data = response.get_json()
        assert len(data["results"]["bindings"]) == 5
        assert data["head"]["link"] == ["http://localhost/api#sparql-limits"]
        xml = get(client, ALL, "application/sparql-results+xml")
        assert '<link href="http://localhost/api#sparql-limits"/>' in xml.get_data(as_text=True)
        assert len(Result.parse(io.BytesIO(xml.data), format="xml").bindings) == 5
        csv = get(client, ALL, "text/csv")
        assert csv.headers["SPARQL-Results-Truncated"] == "true"
        assert len(Result.parse(io.BytesIO(csv.data), format="csv").bindings) == 5
        turtle = get(client, "CONSTRUCT WHERE { ?s ?p ?o }")
        assert turtle.headers["SPARQL-Results-Truncated"] == "true"
        assert turtle.get_data(as_text=True).startswith("# Truncated")
        assert len(Graph().parse(data=turtle.data, format="turtle")) == 5
        complete = get(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
        assert "SPARQL-Results-Truncated" not in complete.headers
        assert "link" not in complete.get_json()["head"]
    finally:
        app.extensions[EXTENSION].close()


def test_without_a_query_the_service_describes_itself_in_turtle(client):
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "text/turtle"}):
        response = client.get("/sparql", headers=headers)
        assert response.status_code == 200
        assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=client.get("/sparql").data, format="turtle")
    endpoint = URIRef("http://localhost/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = {str(f) for f in graph.objects(endpoint, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats
    assert len(formats) == 8
    [triples] = graph.objects(None, VOID.triples)
    all_rows = get(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").get_json()
    assert int(triples) == int(all_rows["results"]["bindings"][0]["n"]["value"])
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.status_code == 200 and jsonld.mimetype == "application/ld+json"


def test_browsers_get_a_query_form_without_javascript(client):
    response = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<script" not in page
    [form] = [f for f in re.findall(r"<form[^>]*>", page) if "site-search" not in f]
    assert 'method="get"' in form and 'action="/sparql"' in form
    assert '<textarea id="query" name="query"' in page
    assert '<label for="query">' in page


def test_every_example_on_the_query_page_runs_and_finds_something(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    links = [unescape(href) for href in re.findall(r'href="(/sparql\?query=[^"]+)"', page)]
    assert len(links) == len(EXAMPLES)
    for link in links:
        [text] = parse_qs(urlsplit(link).query)["query"]
        assert any(text == example.text for example in EXAMPLES)
        response = client.get(link, headers={"Accept": "*/*"})
        assert response.status_code == 200, text
        if response.mimetype == "application/sparql-results+json":
            data = response.get_json()
            assert data.get("boolean") is True or data["results"]["bindings"], text
        else:
            assert len(Graph().parse(data=response.data, format="turtle")) > 0, text


def test_results_as_a_page_for_browsers(client):
    query = (
        "SELECT ?person ?name WHERE { "
        "?person a <https://schema.org/Person> ; <https://schema.org/name> ?name }"
    )
    response = get(client, query, "text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<th scope="col">person</th>' in page
    assert '<a href="http://localhost/id/person/kathrin-hinze">' in page
    assert "Kathrin Hinze" in page
    assert "<script" not in page
    for name in ("json", "xml", "csv", "tsv"):
        assert f"format={name}" in page
    graph_page = get(client, CONSTRUCT, "text/html").get_data(as_text=True)
    assert "Kommunales Bildungsbüro" in graph_page and "<pre><code>" in graph_page


def test_a_result_iri_that_is_not_http_is_not_a_link(client):
    query = 'SELECT ?x WHERE { BIND(IRI("javascript:alert(1)") AS ?x) }'
    page = get(client, query, "text/html").get_data(as_text=True)
    assert 'href="javascript:' not in page
    assert "javascript:alert(1)" in page


def test_republished_data_is_queried_by_fresh_query_processes(multi_data_dir):
    app = make_app(multi_data_dir)
    client = app.test_client()
    engines = app.extensions[EXTENSION]

    def organisations() -> set[str]:
        response = get(
            client, "SELECT ?o WHERE { ?o a <https://schema.org/GovernmentOrganization> }"
        )
        return {b["o"]["value"] for b in response.get_json()["results"]["bindings"]}

    try:
        assert "http://localhost/id/organization/familienbuero-musterstadt" in organisations()
        old_pool = engines.for_store(app.extensions["opendata"].store).pool
        old_pids = wait_until(
            lambda: len(pids := old_pool.pids()) == 2 and pids, "both query processes"
        )
        (multi_data_dir / "familienbuero-musterstadt.yaml").unlink()
        retire(
            multi_data_dir,
            "organization/familienbuero-musterstadt",
            "organization/stadtverwaltung-musterstadt",
            "place/musterstadt",
            "programme/familienpaten",
            "person/erika-mustermann",
        )
        assert app.extensions["opendata"].refresh()
        assert "http://localhost/id/organization/familienbuero-musterstadt" not in organisations()
        assert "http://localhost/id/organization/bildungsbuero" in organisations()
        for pid in old_pids:
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        engines.close()
