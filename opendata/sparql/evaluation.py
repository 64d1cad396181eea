"""Running one query against the published graph, inside a query process.

A query process (see ``opendata.sparql.workers``) loads the published triples, warms
up every code path a query can take, and then shuts itself off from the outside
world before it takes its first query: rdflib's graph loading is switched off, and
a Python audit hook refuses every network connection, name lookup, outbound request
and every file opened other than Python code. That is a second wall behind the
guard, which already refuses SERVICE, FROM and updates. A memory limit stops a query
that would swallow the machine; the time limit is enforced from outside, by the pool.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import sys
from multiprocessing.connection import Connection

import rdflib.plugins.sparql
from rdflib import Dataset, Graph, Variable
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.query import Result

from ..formats import Format
from .guard import CheckedQuery, check
from .results import (
    ALL_FORMATS,
    GRAPH_FORMS,
    Accepted,
    Answer,
    QueryError,
    graph_body,
    solutions_body,
)
from .tasks import READY, Setup, Task

BACKSTOP_SECONDS = 2.0
QUERY_NICENESS = 10

_FORBIDDEN_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.bind",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
        "urllib.Request",
        "http.client.connect",
        "ftplib.connect",
        "smtplib.connect",
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
    }
)
_CODE_SUFFIXES = (".py", ".pyc", ".so")

_WARM_UP = (
    "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), 'a', 'i') || ?o = NOW()) } LIMIT 2",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2",
    "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1",
    "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
)


def load_dataset(ntriples: bytes) -> Dataset:
    """The published triples as the default graph of a dataset without named graphs.

    A dataset rather than a bare graph, so that ``GRAPH ?g { … }`` finds nothing, as
    SPARQL says, instead of failing.
    """
    dataset = Dataset()
    dataset.default_context.parse(data=ntriples, format="nt")
    return dataset


def execute(dataset: Dataset, task: Task) -> Answer | QueryError:
    """Answer a task; every failure becomes a QueryError with a message for the client."""
    try:
        checked = check(task.text)
        fmt = task.accepted.choose(checked.form)
        return _evaluate(dataset, checked, fmt, task.max_rows)
    except QueryError as error:
        return error
    except MemoryError:
        return QueryError(503, "The query needed more memory than a query may use.")
    except RecursionError:
        return QueryError(400, "The query is nested too deeply to be evaluated.")
    except Exception as error:  # rdflib signals evaluation errors with plain exceptions
        return QueryError(400, f"The query could not be evaluated: {error}")


def _evaluate(dataset: Dataset, checked: CheckedQuery, fmt: Format, limit: int) -> Answer:
    outcome = evalQuery(dataset, checked.query)
    if checked.form in GRAPH_FORMS:
        graph, truncated = capped_graph(outcome["graph"], limit)
        body = graph_body(graph, fmt, truncated, limit)
    else:
        result = Result(checked.form)
        truncated = False
        if checked.form == "ASK":
            result.askAnswer = outcome["askAnswer"]
        else:
            # Solutions are generated lazily: take one more than the limit, no more.
            rows = list(itertools.islice(outcome["bindings"], limit + 1))
            truncated = len(rows) > limit
            result.vars = outcome["vars_"]
            if checked.select_all:
                result.vars = in_order_of_appearance(result.vars, checked.text)
            result.bindings = rows[:limit]
        body = solutions_body(result, fmt, truncated)
    return Answer(body, fmt.name, checked.form, truncated)


def in_order_of_appearance(variables: list[Variable], text: str) -> list[Variable]:
    """SELECT * columns in the order the query names them (rdflib collects them in a set)."""

    def first_mention(variable: Variable) -> int:
        found = re.search(rf"[?$]{re.escape(str(variable))}(?![\w\u00b7-])", text)
        return found.start() if found else len(text)

    return sorted(variables, key=first_mention)


def capped_graph(graph: Graph, limit: int) -> tuple[Graph, bool]:
    if len(graph) <= limit:
        return graph, False
    capped = Graph(namespace_manager=graph.namespace_manager)
    for triple in itertools.islice(graph, limit):
        capped.add(triple)
    return capped, True


def main(fd: int) -> None:
    """Entry point of a query process: ``fd`` is its end of the pool's socket pair."""
    # Ctrl-C on a development server is the server's business; the process ends
    # when the pool's end of the connection closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection = Connection(fd)
    # the pool may go away (server shut down, or this process replaced): end quietly
    with contextlib.suppress(EOFError, BrokenPipeError, ConnectionResetError):
        serve(connection, connection.recv())


def prepare(setup: Setup) -> Dataset:
    """Load the data, warm up, then shut this process off from the network and files."""
    # Queries yield the CPU to page requests: a burst of slow queries must not slow
    # down the documents that citizens and harvesters fetch.
    os.nice(QUERY_NICENESS)
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    dataset = load_dataset(setup.ntriples)
    for text in _WARM_UP:
        for fmt in ALL_FORMATS:
            execute(dataset, Task(text, Accepted(None, (fmt.name,)), 1))
    _limit_memory(setup.memory_mb)
    sys.addaudithook(_refuse_outside_access)
    return dataset


def serve(connection: Connection, setup: Setup) -> None:
    """Answer tasks until the connection closes."""
    dataset = prepare(setup)
    # Should the pool itself be gone, the kernel still ends an overrunning query.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    connection.send(READY)
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):  # the pool closed its end, or its process ended
            return
        signal.setitimer(signal.ITIMER_REAL, setup.timeout + BACKSTOP_SECONDS)
        answer = execute(dataset, task)
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            connection.send(answer)
        except MemoryError:
            connection.send(QueryError(503, "The result is larger than a query may produce."))


def _refuse_outside_access(event: str, args: tuple) -> None:
    if event in _FORBIDDEN_EVENTS:
        raise PermissionError(f"{event} is not allowed while answering a query")
    if event == "open" and not (isinstance(args[0], str) and args[0].endswith(_CODE_SUFFIXES)):
        raise PermissionError("opening files is not allowed while answering a query")


def _limit_memory(megabytes: int) -> None:
    """Cap this process's address space at what it uses now plus ``megabytes``."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
    except (ImportError, OSError):
        return  # not Linux: the time limit still holds
    limit = pages * resource.getpagesize() + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
