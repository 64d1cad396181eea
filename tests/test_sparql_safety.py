"""A public endpoint that holds: no outside access, a time limit that is enforced while
other requests are answered, a memory limit."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from urllib.parse import urlencode

import pytest

from opendata.sparql.engine import EXTENSION

from .conftest import DATA_DIR, ROOT, make_app
from .servers import WAIT, gone, listener, wait_until

TIMEOUT = 2.0  # seconds: the time limit of the app whose tests wait for it to strike

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
    """A time limit too long to matter: what stops a query here is the guard, the memory
    allowance, or the test killing its query process."""
    app = make_app(DATA_DIR, SPARQL_TIMEOUT=WAIT, SPARQL_WORKERS=2, SPARQL_MEMORY_MB=256)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture(scope="module")
def limited_app():
    """A short time limit, for the tests that wait for it to strike."""
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


def wait_for_idle(pool, count: int) -> set[int]:
    """The idle query processes, once there are count of them."""
    return set(
        wait_until(lambda: len(pids := pool.pids()) >= count and pids, f"{count} idle processes")
    )


_texts = itertools.count()


def fresh(query: str) -> str:
    """The query with a text of its own (a numbered comment): never a cached answer."""
    return f"{query}\n# {next(_texts)}"


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
        with socket.create_connection(("127.0.0.1", server.port)) as control:
            made = control.getsockname()
        # the control: the listener does see a connection when one is made
        assert server.connections_so_far() == [made]
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
        assert server.connections_so_far() == [made]


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
            timeout=2 * WAIT,
        )
        assert finished.returncode == 0, finished.stderr
        outcomes = json.loads(finished.stdout.strip().splitlines()[-1])
        assert len(server.connections_so_far()) == 1  # the control connection only
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
def test_a_runaway_query_is_stopped_by_the_time_limit(limited_app, runaway):
    pool = pool_of(limited_app)
    before = wait_for_idle(pool, 2)
    response = get(limited_app.test_client(), fresh(runaway))
    assert response.status_code == 503
    assert f"time limit of {TIMEOUT:g} seconds" in response.get_data(as_text=True)
    # its query process was killed, and a new one took its place
    [killed] = before - wait_for_idle(pool, 2)
    assert gone(killed)


def test_others_are_answered_while_a_runaway_query_runs(app):
    """The runaway runs until the test kills its query process: everything asked in
    between is answered by the other process."""
    pool = pool_of(app)
    before = wait_for_idle(pool, 2)
    outcome: dict = {}

    def run_away() -> None:
        outcome["response"] = get(app.test_client(), fresh(CARTESIAN_RUNAWAY))

    thread = threading.Thread(target=run_away)
    thread.start()
    running = None
    try:
        idle = wait_until(
            lambda: len(pids := pool.pids()) == 1 and pids, "the runaway to take a process"
        )
        [running] = before - set(idle)
        client = app.test_client()
        document = client.get("/doc/organization/bildungsbuero.ttl")
        query = get(client, fresh("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
        assert document.status_code == 200 and query.status_code == 200
        assert thread.is_alive() and not gone(running), "the runaway should still be running"
    finally:
        if running is not None and not gone(running):
            os.kill(running, signal.SIGKILL)
        thread.join()
    assert outcome["response"].status_code == 503
    assert running not in wait_for_idle(pool, 2) and gone(running)
    assert get(app.test_client(), fresh("ASK {}")).get_json()["boolean"] is True


def test_a_query_that_needs_too_much_memory_is_stopped(client):
    response = get(client, fresh(MEMORY_HOG))
    assert response.status_code == 503
    assert "memory" in response.get_data(as_text=True)
    assert get(client, fresh("ASK {}")).get_json()["boolean"] is True
