"""The query engine for a shared SPARQL 1.1 store: same guard, same limits, same formats.

Queries are screened as the embedded engine screens them and parsed with rdflib (no
updates, no SERVICE, no FROM), then forwarded to the store with the published union as the
only graph of the dataset, so nothing else in the store can be read. The answer is
fetched as SPARQL JSON or N-Triples, capped to the row limit and serialised by the
same code as the in-process engine's. The store should enforce the same time limit
itself (Oxigraph: ``serve --timeout-s``); the HTTP request gives up after it too.
"""

from __future__ import annotations

import io
import itertools
import os

from rdflib.query import Result

from ..remote import SparqlClient, StoreError, StoreUnavailable, TooLarge
from ..safe_rdf import parse_ntriples
from ..sparql_store import PUBLISHED
from .guard import QUERY_BASE, check, screen
from .results import (
    GRAPH_FORMS,
    Accepted,
    Answer,
    QueryError,
    capped_graph,
    graph_body,
    in_order_of_appearance,
    solutions_body,
)

# A result larger than this is refused before it is parsed.
MAX_RESULT_BYTES = 64 * 1024 * 1024


class RemoteEngine:
    """Forwards checked queries to the store behind the published data."""

    def __init__(self, client: SparqlClient, version: str, limits, retry_after: int):
        """``retry_after``: OPENDATA_STORE_RETRY_AFTER, sent with a 503 while the store is down."""
        self.client = client
        self.retry_after = retry_after
        self.version = version
        self.limits = limits
        self.pid = os.getpid()

    def query(self, text: str, accepted: Accepted) -> Answer:
        screen(text)  # the store is Oxigraph too: refuse what its parser could read as SERVICE
        checked = check(text)
        fmt = accepted.choose(checked.form)
        graph_form = checked.form in GRAPH_FORMS
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        try:
            raw = self.client.query(
                # relative IRIs resolve against the endpoint, as in the in-process engine
                f"BASE <{QUERY_BASE}>\n{text}",
                accept,
                default_graph=str(PUBLISHED),
                timeout=self.limits.timeout,
                max_bytes=MAX_RESULT_BYTES,
            )
        except TooLarge:
            raise QueryError(503, "The result is too large; add a LIMIT.") from None
        except StoreUnavailable:
            raise QueryError(
                503,
                f"The query did not finish within {self.limits.timeout:g} seconds, or the"
                " store is unavailable. Narrow it down, or try again shortly.",
                retry_after=self.retry_after,
            ) from None
        except StoreError as error:
            raise QueryError(400, f"The store could not evaluate the query: {error}") from None
        limit = self.limits.max_rows
        if graph_form:
            graph, truncated = capped_graph(parse_ntriples(raw), limit)
            return Answer(
                graph_body(graph, fmt, truncated, limit), fmt.name, checked.form, truncated
            )
        result = Result.parse(io.BytesIO(raw), format="json")
        truncated = False
        if checked.form == "SELECT":
            rows = list(itertools.islice(result.bindings, limit + 1))
            truncated = len(rows) > limit
            if checked.select_all:
                result.vars = in_order_of_appearance(result.vars, checked.text)
            result.bindings = rows[:limit]
        return Answer(solutions_body(result, fmt, truncated), fmt.name, checked.form, truncated)

    def close(self) -> None:
        """Nothing to release: the store runs the queries."""
