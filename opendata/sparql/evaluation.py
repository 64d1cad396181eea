"""Running one query against the published data, inside a query process.

A query process (see ``opendata.sparql.workers``) opens the data version's Oxigraph
store read-only (``opendata.sparql.building`` made it; every process on the host
shares its files and the page cache, none holds a copy of the data), warms up every
code path a query can take, and then shuts itself off from the outside world before
it takes its first query (``opendata.sparql.sandbox``): no network, no new processes,
no files but Python code, a memory cap. That is a second wall behind the guard, which
already refuses SERVICE, FROM and updates. The time limit is enforced from outside,
by the pool.

Oxigraph evaluates; its answers are turned into rdflib terms and written by the same
code as before (``opendata.sparql.results``), so every format keeps its bytes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
from multiprocessing.connection import Connection

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result
from rdflib.term import Node

from ..formats import HTML, SPARQL_JSON
from .guard import QUERY_BASE, Screened, check, screen
from .results import (
    ALL_FORMATS,
    GRAPH_FORMS,
    TRUNCATION_NOTE,
    Accepted,
    Answer,
    QueryError,
    graph_body,
    in_order_of_appearance,
    solutions_body,
)
from .sandbox import shut_off
from .tasks import READY, Setup, Task

BACKSTOP_SECONDS = 2.0
QUERY_NICENESS = 10
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_POSITION = re.compile(r"^error at (\d+):(\d+): ")
MAX_MESSAGE = 300

_WARM_UP = (
    "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), 'a', 'i') || ?o = NOW()) } LIMIT 2",
    "SELECT * WHERE { VALUES (?a ?b ?c) { (<urn:x:a> 'b'@de 1) } OPTIONAL { ?a ?b ?c } }",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2",
    "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1",
    "SELECT * WHERE { ?s ?p }",
    "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
)


def open_store(path: str) -> ox.Store:
    """The version's store, read-only: its default graph is the published union."""
    return ox.Store.read_only(path)


def execute(store: ox.Store, task: Task) -> Answer | QueryError:
    """Answer a task; every failure becomes a QueryError with a message for the client."""
    try:
        return evaluate(store, task.text, task.accepted, task.max_rows)
    except QueryError as error:
        return error
    except MemoryError:
        return QueryError(503, "The query needed more memory than a query may use.")
    except RecursionError:
        return QueryError(400, "The query is nested too deeply to be evaluated.")
    except Exception as error:  # Oxigraph reports evaluation errors as plain exceptions
        return QueryError(400, f"The query could not be evaluated: {error}")


def evaluate(store: ox.Store, text: str, accepted: Accepted, limit: int) -> Answer:
    screened = screen(text)
    if screened.form is None:  # not a query as far as the screen can tell: let rdflib say
        checked = check(text)
        screened = Screened(checked.form, checked.select_all)
    try:
        fmt, refusal = accepted.choose(screened.form), None
    except QueryError as error:  # a syntax error is reported first, as for any query
        fmt, refusal = None, error
        if screened.form == "ASK":  # Oxigraph answers ASK as it parses it: don't run it
            check(text)
            raise
    try:
        # parses; solutions and triples are computed as they are read
        outcome = store.query(text, base_iri=str(QUERY_BASE))
    except SyntaxError as error:
        raise syntax_error(text, error) from None
    if refusal is not None:
        raise refusal
    form = form_of(outcome, screened.form)
    if form != screened.form:
        fmt = accepted.choose(form)
    if form in GRAPH_FORMS:
        graph, truncated = graph_of(outcome, limit)
        return Answer(graph_body(graph, fmt, truncated, limit), fmt.name, form, truncated)
    result = Result(form)
    truncated = False
    if form == "ASK":
        result.askAnswer = bool(outcome)
        return Answer(solutions_body(result, fmt, truncated), fmt.name, form, truncated)
    variables = [Variable(v.value) for v in outcome.variables]
    columns = in_order_of_appearance(variables, text) if screened.select_all else variables
    # Solutions come lazily: take one more than the limit, no more.
    solutions = list(itertools.islice(outcome, limit + 1))
    truncated = len(solutions) > limit
    if fmt in (SPARQL_JSON, HTML):
        body = solutions_json(columns, variables, solutions[:limit], truncated)
        return Answer(body, fmt.name, form, truncated)
    result.vars = columns
    result.bindings = [binding(variables, solution) for solution in solutions[:limit]]
    return Answer(solutions_body(result, fmt, truncated), fmt.name, form, truncated)


def solutions_json(
    columns: list[Variable], variables: list[Variable], solutions: list, truncated: bool
) -> bytes:
    """SPARQL JSON, written straight from Oxigraph's terms: the very bytes rdflib's
    writer gives (``solutions_body``), several times faster for large results."""
    names = [str(variable) for variable in variables]
    bindings = []
    for solution in solutions:
        row = {}
        for name, value in zip(names, solution, strict=True):
            if value is not None:
                row[name] = term_json(value)
        bindings.append(row)
    head: dict = {"vars": [str(column) for column in columns]}
    if truncated:
        head["link"] = [str(TRUNCATION_NOTE)]
    data = {"results": {"bindings": bindings}, "head": head}
    return json.dumps(data, allow_nan=False, ensure_ascii=False).encode("utf-8")


def term_json(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.Literal):
        found = {"type": "literal", "value": term.value}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            found["datatype"] = term.datatype.value
        return found
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    rdflib_term(term)  # raises the error for triple terms
    raise AssertionError(term)


def binding(variables: list[Variable], solution: ox.QuerySolution) -> dict[Variable, Node]:
    """One solution as rdflib's results writers take it: bound variables only."""
    values = zip(variables, solution, strict=True)
    return {name: rdflib_term(value) for name, value in values if value is not None}


def form_of(outcome: object, expected: str) -> str:
    if isinstance(outcome, ox.QueryBoolean):
        return "ASK"
    if isinstance(outcome, ox.QueryTriples):
        return expected if expected in GRAPH_FORMS else "CONSTRUCT"
    return "SELECT"


def graph_of(triples: ox.QueryTriples, limit: int) -> tuple[Graph, bool]:
    """The first ``limit`` distinct triples as a graph, and whether there were more."""
    graph = Graph()
    seen: set[tuple[Node, Node, Node]] = set()
    for triple in triples:
        statement = (
            rdflib_term(triple.subject),
            rdflib_term(triple.predicate),
            rdflib_term(triple.object),
        )
        if statement in seen:
            continue
        if len(seen) == limit:
            return graph, True
        seen.add(statement)
        graph.add(statement)
    return graph, False


def rdflib_term(term: object) -> Node:
    """An Oxigraph term as the rdflib term the result writers take."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise QueryError(400, "The result holds triple terms, which no result format here can carry.")


def syntax_error(text: str, error: SyntaxError) -> QueryError:
    """rdflib's explanation where it has one (line and column, unknown prefixes, updates),
    else Oxigraph's."""
    try:
        check(text)
    except QueryError as explained:
        return explained
    message = str(error)
    position = _POSITION.match(message)
    if position:
        line, column = position.groups()
        message = f"{message[position.end() :]} (line:{line}, col:{column})"
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "…"
    return QueryError(400, f"Syntax error: {message}")


def main(fd: int) -> None:
    """Entry point of a query process: ``fd`` is its end of the pool's socket pair."""
    # Ctrl-C on a development server is the server's business; the process ends
    # when the pool's end of the connection closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A query that runs out of memory aborts Oxigraph; symbolising a backtrace first
    # would take seconds (read before the first panic, so set here).
    os.environ["RUST_BACKTRACE"] = "0"
    connection = Connection(fd)
    # the pool may go away (server shut down, or this process replaced): end quietly
    with contextlib.suppress(EOFError, BrokenPipeError, ConnectionResetError):
        serve(connection, connection.recv())


def prepare(setup: Setup) -> ox.Store:
    """Open the data, warm up, then shut this process off from the network and files."""
    # Queries yield the CPU to page requests: a burst of slow queries must not slow
    # down the documents that citizens and harvesters fetch.
    os.nice(QUERY_NICENESS)
    store = open_store(setup.store)
    for text in _WARM_UP:
        for fmt in ALL_FORMATS:
            execute(store, Task(text, Accepted(None, (fmt.name,)), 1))
    shut_off(setup.memory_mb)
    return store


def serve(connection: Connection, setup: Setup) -> None:
    """Answer tasks until the connection closes."""
    store = prepare(setup)
    # Should the pool itself be gone, the kernel still ends an overrunning query.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    connection.send(READY)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):  # the pool closed its end, or its process ended
            return
        signal.setitimer(signal.ITIMER_REAL, setup.timeout + BACKSTOP_SECONDS)
        answer = execute(store, task)
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            connection.send(answer)
        except MemoryError:
            connection.send(QueryError(503, "The result is larger than a query may produce."))
