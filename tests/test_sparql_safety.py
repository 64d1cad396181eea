"""A public endpoint that holds: no outside access, a time limit that is enforced while
other requests are answered, a memory limit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

import pytest

from opendata.sparql.engine import EXTENSION

from .conftest import DATA_DIR, ROOT, make_app
from .servers import listener

TIMEOUT = 2.0

REGEX_RUNAWAY = 'SELECT * WHERE { BIND(REGEX("' + "a" * 40 + '!", "^(a+)+$") AS ?x) }'
CARTESIAN_RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
)
# A million characters, then each replaced by a thousand: a gigabyte, in well under a second.
MEMORY_HOG = (
    "SELECT (STRLEN("
    + "REPLACE(" * 7
    + '"a"'
    + ', "a", "aaaaaaaaaa")' * 6
    + ', "a", "'
    + "a" * 1000
    + '")) AS ?n) WHERE {}'
)


@pytest.fixture(scope="module")
def app():
    app = make_app(DATA_DIR, SPARQL_TIMEOUT=TIMEOUT, SPARQL_WORKERS=2, SPARQL_MEMORY_MB=256)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture
def client(app):
    return app.test_client()


def get(client, query: str, **headers):
    return client.get("/sparql?" + urlencode({"query": query}), headers=headers)


def pool_of(app):
    engine = app.extensions[EXTENSION].for_store(app.extensions["opendata"].store)
    return engine.pool


def wait_for_idle(pool, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while len(pool.pids()) < count:
        assert time.monotonic() < deadline, "the pool did not come back to full size"
        time.sleep(0.05)
    return pool.pids()


def attempts(url: str) -> list[tuple[str, dict, bytes | None, str | None]]:
    """Every way a client might make the server fetch url: (method, params, body, type)."""
    query = "SELECT * WHERE { ?s ?p ?o }"
    return [
        ("GET", {"query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"}, None, None),
        (
            "GET",
            {"query": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"},
            None,
            None,
        ),
        (
            "GET",
            {"query": f"ASK {{ OPTIONAL {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}"},
            None,
            None,
        ),
        (
            "GET",
            {"query": f"ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}"},
            None,
            None,
        ),
        ("GET", {"query": f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"}, None, None),
        (
            "GET",
            {"query": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            None,
            None,
        ),
        (
            "GET",
            {"query": f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }}"},
            None,
            None,
        ),
        ("GET", {"query": f"DESCRIBE <{url}> FROM <{url}>"}, None, None),
        ("GET", {"query": f"LOAD <{url}>"}, None, None),
        ("GET", {"update": f"LOAD <{url}>"}, None, None),
        ("GET", {"query": query, "default-graph-uri": url}, None, None),
        ("GET", {"query": query, "named-graph-uri": url}, None, None),
        ("POST", {}, f"LOAD <{url}>".encode(), "application/sparql-update"),
        ("POST", {}, f"LOAD <{url}> INTO GRAPH <urn:x>".encode(), "application/sparql-query"),
        (
            "POST",
            {},
            f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}".encode(),
            "application/sparql-query",
        ),
        (
            "POST",
            {},
            urlencode({"update": f"LOAD <{url}>"}).encode(),
            "application/x-www-form-urlencoded",
        ),
        (
            "POST",
            {},
            urlencode({"query": f"SELECT * FROM <{url}> {{}}"}).encode(),
            "application/x-www-form-urlencoded",
        ),
    ]


def test_no_query_makes_the_server_connect_anywhere(client):
    with listener() as server:
        with socket.create_connection(("127.0.0.1", server.port)):
            pass  # the control: the listener does see a connection when one is made
        deadline = time.monotonic() + 2
        while not server.connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(server.connections) == 1
        for method, params, body, content_type in attempts(server.url):
            path = "/sparql?" + urlencode(params)
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data=body, content_type=content_type)
            assert response.status_code == 400, (params, body)
            message = response.get_data(as_text=True)
            assert any(
                w in message for w in ("not allowed", "not supported", "answers queries only")
            )
        time.sleep(0.5)
        assert len(server.connections) == 1


def test_no_query_reads_a_file(client):
    for iri in ("file:///etc/passwd", (ROOT / "pyproject.toml").as_uri()):
        response = get(client, f"SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}")
        assert response.status_code == 400
        assert "root:" not in response.get_data(as_text=True)


PROCESS_SCRIPT = """
import json, socket, sys, tempfile
import pyoxigraph
from rdflib import Graph
from opendata.sparql.evaluation import Setup, prepare

url, path = sys.argv[1], sys.argv[2]
socket.create_connection(("127.0.0.1", int(sys.argv[3]))).close()  # control, before
directory = tempfile.mkdtemp()
writer = pyoxigraph.Store(directory)
writer.bulk_load(b"<urn:a> <urn:b> <urn:c> .\\n", format=pyoxigraph.RdfFormat.N_TRIPLES)
del writer
store = prepare(Setup(directory, 256, 5))
outcomes = {}

def attempt(name, action):
    try:
        action()
        outcomes[name] = "done"
    except Exception as error:
        outcomes[name] = type(error).__name__

def run(text):
    return list(store.query(text))

attempt("service", lambda: run(f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"))
attempt("from", lambda: run(f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"))
attempt("parse", lambda: Graph().parse(url, format="turtle"))
attempt("socket", lambda: socket.create_connection(("127.0.0.1", int(sys.argv[3]))))
attempt("open", lambda: open(path).read())
print(json.dumps(outcomes))
"""


def test_a_query_process_cannot_reach_out_even_past_the_guard():
    """The second wall: in a query process, Oxigraph (past the guard) cannot connect, nor
    can Python code connect or read files."""
    with listener() as server:
        finished = subprocess.run(
            [
                sys.executable,
                "-c",
                PROCESS_SCRIPT,
                server.url,
                str(ROOT / "pyproject.toml"),
                str(server.port),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert finished.returncode == 0, finished.stderr
        outcomes = json.loads(finished.stdout.strip().splitlines()[-1])
        time.sleep(0.3)
        assert len(server.connections) == 1  # the control connection only
    assert outcomes["service"] == "PermissionError"
    assert outcomes["from"] == "done"  # Oxigraph loads nothing: FROM names a graph it lacks
    assert outcomes["parse"] == "PermissionError"
    assert outcomes["socket"] == "PermissionError"
    assert outcomes["open"] == "PermissionError"


def test_a_backtracking_regex_is_answered(client):
    """Oxigraph's regular expressions run in linear time: no query runs away on one."""
    response = get(client, REGEX_RUNAWAY)
    assert response.status_code == 200
    [row] = response.get_json()["results"]["bindings"]
    assert row["x"]["value"] == "false"


@pytest.mark.parametrize("runaway", [CARTESIAN_RUNAWAY], ids=["cartesian"])
def test_a_runaway_query_is_stopped_while_others_are_answered(app, client, runaway):
    assert get(client, "ASK {}").status_code == 200
    pool = pool_of(app)
    before = set(wait_for_idle(pool, 2))
    outcome: dict = {}

    def run_away() -> None:
        started = time.monotonic()
        response = get(app.test_client(), runaway)
        outcome.update(
            status=response.status_code,
            text=response.get_data(as_text=True),
            seconds=time.monotonic() - started,
        )

    thread = threading.Thread(target=run_away)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    document = client.get("/doc/organization/bildungsbuero.ttl")
    query = get(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    others = time.monotonic() - started
    assert thread.is_alive(), "the runaway query should still be running"
    assert document.status_code == 200 and query.status_code == 200
    assert others < 1.0
    thread.join(TIMEOUT + 10)
    assert outcome["status"] == 503
    assert f"time limit of {TIMEOUT:g} seconds" in outcome["text"]
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 2
    after = set(wait_for_idle(pool, 2))
    [killed] = before - after
    with pytest.raises(ProcessLookupError):
        os.kill(killed, 0)
    assert get(client, "ASK {}").get_json()["boolean"] is True


def test_a_query_that_needs_too_much_memory_is_stopped(app, client):
    started = time.monotonic()
    response = get(client, MEMORY_HOG)
    assert response.status_code == 503
    assert "memory" in response.get_data(as_text=True)
    assert time.monotonic() - started < TIMEOUT + 1
    assert get(client, "ASK {}").status_code == 200
