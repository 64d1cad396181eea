"""The endpoint under gunicorn, used by a real SPARQL client (SPARQLWrapper) and by
rdflib's SPARQLStore over real HTTP, and a runaway query stopped there while the
server keeps answering."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from opendata.vocabulary import SDO

from .servers import gunicorn

TIMEOUT = 4


@pytest.fixture(scope="module")
def server():
    with gunicorn({"OPENDATA_SPARQL_TIMEOUT": str(TIMEOUT)}) as url:
        yield url


def client(server: str, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    wrapper = SPARQLWrapper(server + "/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(fmt)
    wrapper.setMethod(method)
    wrapper.setTimeout(30)
    return wrapper


def office(server: str) -> str:
    return f"{server}/id/organization/bildungsbuero"


NAMES = "SELECT ?name WHERE {{ <{}> <https://schema.org/name> ?name }}"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_in_json_and_xml(server, method):
    query = NAMES.format(office(server))
    data = client(server, query, JSON, method).queryAndConvert()
    names = {b["name"]["value"] for b in data["results"]["bindings"]}
    assert names == {"Kommunales Bildungsbüro", "Municipal Education Office"}
    document = client(server, query, XML, method).queryAndConvert()
    literals = {node.firstChild.data for node in document.getElementsByTagName("literal")}
    assert literals == names


def test_sparqlwrapper_csv_and_ask(server):
    csv = client(server, NAMES.format(office(server)), CSV).queryAndConvert().decode()
    assert csv.splitlines()[0] == "name" and "Kommunales Bildungsbüro" in csv
    ask = client(server, f"ASK {{ <{office(server)}> ?p ?o }}", JSON).queryAndConvert()
    assert ask["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD])
def test_sparqlwrapper_construct(server, fmt):
    query = f"CONSTRUCT {{ <{office(server)}> ?p ?o }} WHERE {{ <{office(server)}> ?p ?o }}"
    wrapper = client(server, query, fmt)
    if fmt == JSONLD:
        # SPARQLWrapper would parse JSON-LD with rdflib, which fetches remote contexts;
        # take the text and expand it with the context the service serves.
        document = json.loads(wrapper.query().response.read())
        context = requests.get(server + "/vocab/context.jsonld", timeout=5).json()
        document["@context"] = context["@context"]
        graph = Graph().parse(data=json.dumps(document), format="json-ld")
    else:
        result = wrapper.queryAndConvert()
        graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert (
        URIRef(office(server)),
        SDO.name,
        Literal("Kommunales Bildungsbüro", lang="de"),
    ) in graph


def test_sparqlwrapper_reports_a_syntax_error(server):
    with pytest.raises(QueryBadFormed, match="Syntax error"):
        client(server, "SELECT ?x WHERE {", JSON).query()


def test_rdflib_sparqlstore_reads_the_endpoint(server):
    store = SPARQLStore(server + "/sparql", returnFormat="json")
    graph = Graph(store=store)
    names = {str(o) for o in graph.objects(URIRef(office(server)), SDO.name)}
    assert "Kommunales Bildungsbüro" in names
    rows = list(graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert int(rows[0][0]) > 100


def test_a_runaway_query_is_stopped_under_gunicorn_while_others_are_answered(server):
    runaway = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    )
    outcome: dict = {}

    def run_away() -> None:
        started = time.monotonic()
        response = requests.get(server + "/sparql", params={"query": runaway}, timeout=30)
        outcome.update(
            status=response.status_code, text=response.text, seconds=time.monotonic() - started
        )

    thread = threading.Thread(target=run_away)
    thread.start()
    time.sleep(0.5)
    answered = []
    for path, params in (
        ("/doc/organization/bildungsbuero.ttl", None),
        ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
        ("/", None),
    ):
        started = time.monotonic()
        response = requests.get(server + path, params=params, timeout=10)
        answered.append((path, response.status_code, time.monotonic() - started))
    assert thread.is_alive(), "the runaway query should still be running"
    thread.join(TIMEOUT + 15)
    assert all(status == 200 for _, status, _ in answered), answered
    # (a web worker's first query also starts its query processes: about half a second)
    assert all(seconds < (2.0 if path == "/sparql" else 1.0) for path, _, seconds in answered), (
        answered
    )
    assert outcome["status"] == 503
    assert "time limit" in outcome["text"]
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 3, outcome["seconds"]
    after = requests.get(server + "/sparql", params={"query": "ASK {}"}, timeout=10)
    assert after.status_code == 200 and after.json()["boolean"] is True
