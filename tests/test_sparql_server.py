"""The endpoint under gunicorn, used by a real SPARQL client (SPARQLWrapper) and by
rdflib's SPARQLStore over real HTTP; a runaway query stopped there by the time limit,
and the server answering while one runs."""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, RDFXML, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from opendata.vocabulary import SDO

from .servers import (
    HTTP_TIMEOUT,
    WAIT,
    gone,
    gunicorn_server,
    query_processes,
    wait_until,
)

TIMEOUT = 4  # seconds: the time limit of the server that stops a runaway query
WORKERS_LOG = "opendata.sparql.workers"


@pytest.fixture(scope="module")
def server():
    """gunicorn with a time limit too long to matter; the query pool's log is kept."""
    with gunicorn_server(debug=[WORKERS_LOG]) as server:
        yield server


def client(server, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setQuery(query)
    wrapper.setReturnFormat(fmt)
    wrapper.setMethod(method)
    wrapper.setTimeout(int(HTTP_TIMEOUT))
    return wrapper


def office(server) -> str:
    return f"{server.url}/id/organization/bildungsbuero"


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
        context = requests.get(server.url + "/vocab/context.jsonld", timeout=HTTP_TIMEOUT)
        context = context.json()
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
    store = SPARQLStore(server.url + "/sparql", returnFormat="json")
    graph = Graph(store=store)
    names = {str(o) for o in graph.objects(URIRef(office(server)), SDO.name)}
    assert "Kommunales Bildungsbüro" in names
    rows = list(graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    assert int(rows[0][0]) > 100


# A cartesian product of every triple five times: no engine answers it in time.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
# The debug line a query process's pool writes when the process takes a query.
TAKES = r"query process (\d+) takes a query"


_asked = itertools.count()


def ask(server_url: str) -> requests.Response:
    """ASK {} with a text of its own (a numbered comment): answered by a query process,
    never from the response cache."""
    query = f"ASK {{}}\n# {next(_asked)}"
    return requests.get(server_url + "/sparql", params={"query": query}, timeout=HTTP_TIMEOUT)


def test_a_runaway_query_is_stopped_by_the_time_limit_under_gunicorn():
    env = {"OPENDATA_SPARQL_TIMEOUT": str(TIMEOUT)}
    with gunicorn_server(env, workers=1, debug=[WORKERS_LOG]) as server:
        # Both query processes take a query before the runaway is sent, so the runaway
        # finds them started. (Under the short limit a slow start may answer 503: ask again.)
        takers: set[int] = set()

        def both_take_queries() -> bool:
            since = len(server.lines)
            if ask(server.url).status_code == 200:
                takers.add(int(server.wait_for_log(TAKES, since)[1]))
            return len(takers & query_processes(server.process.pid)) == 2

        wait_until(both_take_queries, "both query processes to take a query")
        before = query_processes(server.process.pid)
        since = len(server.lines)
        response = requests.get(
            server.url + "/sparql", params={"query": RUNAWAY}, timeout=HTTP_TIMEOUT
        )
        assert response.status_code == 503
        assert f"time limit of {TIMEOUT:g} seconds" in response.text
        # the query process was killed with its query, and another took its place
        killed = int(server.wait_for_log(TAKES, since)[1])
        assert killed in before and gone(killed)
        wait_until(
            lambda: len(after := query_processes(server.process.pid)) == 2 and killed not in after,
            "a new query process in place of the killed one",
        )
        wait_until(lambda: ask(server.url).status_code == 200, "a query to be answered again")


def test_the_server_answers_while_a_runaway_query_runs(server):
    """With a time limit too long to matter, the runaway runs until the test kills its
    query process: everything asked in between is answered."""
    url = server.url
    since = len(server.lines)
    outcome: dict = {}

    def run_away() -> None:
        outcome["response"] = requests.get(
            url + "/sparql", params={"query": RUNAWAY}, timeout=HTTP_TIMEOUT + WAIT
        )

    thread = threading.Thread(target=run_away)
    thread.start()
    running = None
    try:
        running = int(server.wait_for_log(TAKES, since)[1])  # the runaway is evaluated
        for path, params in (
            ("/doc/organization/bildungsbuero.ttl", None),
            ("/sparql", {"query": f"ASK {{ ?s ?p ?o }}\n# {next(_asked)}"}),
            ("/", None),
        ):
            response = requests.get(url + path, params=params, timeout=HTTP_TIMEOUT)
            assert response.status_code == 200, (path, response.text)
        assert thread.is_alive() and not gone(running), "the runaway should still be running"
    finally:
        if running is not None and not gone(running):
            os.kill(running, signal.SIGKILL)
        thread.join()
    assert outcome["response"].status_code == 503
    assert gone(running)
    after = ask(url)
    assert after.status_code == 200 and after.json()["boolean"] is True
