"""The guard's screen against Oxigraph's own parser: whatever text Oxigraph would read a
SERVICE call out of is refused, and ordinary queries that merely mention the words
in names, strings, IRIs and comments are let through."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata.sparql.guard import NO_DATASET, NO_SERVICE, screen
from opendata.sparql.results import QueryError

ALLOWED = [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT", True),
    ("select distinct * {}", "SELECT", True),
    ("SELECT # a comment with * from and SERVICE\n ?s WHERE { ?s ?p ?o }", "SELECT", False),
    (
        "PREFIX schema: <https://schema.org/>\n"
        "SELECT ?from ?service WHERE { ?s schema:serviceArea ?from ; schema:from ?service }",
        "SELECT",
        False,
    ),
    ('SELECT * WHERE { ?s ?p "SERVICE <http://x/> {} FROM <y>" }', "SELECT", True),
    ("SELECT * WHERE { ?s ?p '''from\nSERVICE''' }", "SELECT", True),
    ("SELECT * WHERE { <http://example.org/service/from> ?p ?o }", "SELECT", True),
    ("SELECT * WHERE { ?dateFrom ?p $serviceType }", "SELECT", True),
    ("PREFIX : <urn:x:> ASK { :service :from _:fromage }", "ASK", False),
    ("BASE <http://x/> PREFIX a: <urn:a:> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", False),
    ("DESCRIBE <http://x/>", "DESCRIBE", False),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", None, False),
    ("LOAD <http://x/>", None, False),
    ("\x00SELECT", "SELECT", False),
]

SERVICES = [
    "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * WHERE { sErViCe SILENT <http://x/> { } }",
    "PREFIX : <http://x/> SELECT * WHERE { SERVICE:x { } }",
    "SELECT * WHERE { ?s ?p 1SERVICE <http://x/> { } }",
    "SELECT * WHERE { ?s ?p ?o.SERVICE<http://x/>{} }",
    "SELECT * WHERE { ?s ?p true.SERVICE <http://x/> { } }",
    "SELECT * WHERE { ?s ?p trueSERVICE <http://x/> { } }",
    "SELECT * WHERE { SERVICE#comment\n<http://x/> { } }",
    "SELECT * WHERE { SERVIC\\u0045 <http://x/> { } }",
    'SELECT * WHERE { BIND("\\u005C" AS ?x) SERVICE <http://x/> { } BIND("" AS ?y) }',
    "SELECT * WHERE { ?s ?p 'a'@en-SERVICE <http://x/> { } }",
    "ASK { FILTER EXISTS { SERVICE <http://x/> { } } }",
]

FROMS = [
    "SELECT * FROM <http://x/> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://x/> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX : <http://x/> SELECT * from:g WHERE { }",
    "SELECT*FROM<http://x/>{}",
    "CONSTRUCT { ?s ?p ?o } FrOm <http://x/> WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize(("query", "form", "select_all"), ALLOWED)
def test_ordinary_queries_pass_with_their_form(query, form, select_all):
    screened = screen(query)
    assert (screened.form, screened.select_all) == (form, select_all)


@pytest.mark.parametrize("query", SERVICES)
def test_every_spelling_of_service_is_refused(query):
    with pytest.raises(QueryError) as refused:
        screen(query)
    assert (refused.value.status, refused.value.message) == (400, NO_SERVICE)


@pytest.mark.parametrize("query", FROMS)
def test_every_spelling_of_from_is_refused(query):
    with pytest.raises(QueryError) as refused:
        screen(query)
    assert (refused.value.status, refused.value.message) == (400, NO_DATASET)


@contextmanager
def counting_listener() -> Iterator[tuple[int, list[int]]]:
    """A loopback port that counts connections (and closes them at once)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    hits: list[int] = []
    running = True

    def accept() -> None:
        while running:
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            hits.append(1)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], hits
    finally:
        running = False
        thread.join()
        server.close()


# A SERVICE call, spelled in many ways, between text that may hide it or break it.
BEFORE = [
    "",
    "?s ?p ?o",
    "?s ?p ?o .",
    "?s ?p ?o.",
    "?s ?p 1",
    "?s ?p 1.5e3",
    "?s ?p true",
    "?s a ?o",
    "?s ?p _:b",
    "?s ?p 'x'@en",
    "?s ?p 'x'@en-",
    '?s ?p "\\u0022" .',
    '?s ?p "\\u005C" .',
    "?s ?p '''a''' .",
    '?s ?p """a"b""" .',
    "?s ?p <http://x/#> .",
    "?s ?p <http://x/\\u0041#> .",
    "FILTER(1<2)",
    "FILTER(?a<?b)",
    "# comment\n",
    "#",
    '"',
    "'",
    "<",
    "\\",
]
KEYWORDS = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVIC\\u0045", "\\u0053ERVICE"]
GAPS = ["", " ", "\n", "\t", "#c\n", "\u00a0"]
ENDPOINTS = ["<ENDPOINT>", ":x", ":", "?e"]
AFTER = ["", ".", " ?s ?p ?o", "# x", '"', "}", "VALUES ?e { <ENDPOINT> }"]
WRAPS = ["{}", "{ {} }", "{ OPTIONAL {} }", "{ FILTER EXISTS {} }", "{ ?x ?y ?z {} }"]


def service_text(port: int, before, keyword, gap, endpoint, gap_after, after, wrap) -> str:
    call = f"{before}{keyword}{gap}{endpoint}{gap_after}{{ }}{after}"
    body = wrap.replace("{}", "{ " + call + " }", 1)
    text = f"PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE {body}"
    return text.replace("<ENDPOINT>", f"<http://127.0.0.1:{port}/>")


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.tuples(
        *(st.sampled_from(c) for c in (BEFORE, KEYWORDS, GAPS, ENDPOINTS, GAPS, AFTER, WRAPS))
    )
)
def test_whatever_oxigraph_would_call_out_for_is_refused(parts):
    """Oxigraph itself tells: whenever it connects for a text, the screen refuses the text."""
    with counting_listener() as (port, hits):
        text = service_text(port, *parts)
        with suppress(SyntaxError, OSError, RuntimeError, ValueError):
            list(pyoxigraph.Store().query(text))
        time.sleep(0.01)
        if hits:
            with pytest.raises(QueryError):
                screen(text)


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX : <http://127.0.0.1:PORT/> SELECT * WHERE { SERVICE:x { } }",
        "SELECT * WHERE { ?s ?p 1SERVICE <http://127.0.0.1:PORT/> { } }",
        "SELECT * WHERE { ?s ?p true.SERVICE <http://127.0.0.1:PORT/> { } }",
        "SELECT * WHERE { SERVICE#comment\n<http://127.0.0.1:PORT/> { } }",
    ],
)
def test_oxigraph_itself_would_call_out_for_odd_spellings(query):
    """The control: these spellings are no parse errors to Oxigraph, it does connect."""
    with counting_listener() as (port, hits):
        with suppress(OSError, RuntimeError):
            list(pyoxigraph.Store().query(query.replace("PORT", str(port))))
        deadline = time.monotonic() + 2
        while not hits and time.monotonic() < deadline:
            time.sleep(0.01)
        assert hits
    with pytest.raises(QueryError):
        screen(query)
