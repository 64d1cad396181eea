"""What a query gives back: result formats, how a client picks one, answers and errors.

SELECT and ASK answer in the SPARQL 1.1 results formats (JSON, XML, CSV, TSV);
CONSTRUCT and DESCRIBE answer with a graph in the service's RDF formats. A client
picks by ``Accept`` or by an explicit ``format`` parameter, which wins. Format names
mean what the query form makes of them: ``json`` is SPARQL JSON for a SELECT and
JSON-LD for a CONSTRUCT, ``xml`` is SPARQL XML or RDF/XML, as clients such as
SPARQLWrapper expect. HTML is for browsers: the web process renders it from SPARQL
JSON (solutions) or Turtle (graphs).

A result cut at the row limit says so: always in the ``SPARQL-Results-Truncated``
response header, and in the body where the format has room for it (a ``link`` in the
head of SPARQL JSON and XML, a comment in Turtle, N-Triples and RDF/XML).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass

from rdflib import Graph, Variable
from rdflib.query import Result

from .. import uris
from ..formats import (
    CSV,
    HTML,
    JSONLD,
    NTRIPLES,
    RDF_FORMATS,
    RDFXML,
    SOLUTION_FORMATS,
    SPARQL_JSON,
    SPARQL_XML,
    TSV,
    TURTLE,
    Format,
    serialize,
)
from ..negotiation import NotAcceptable, acceptable, negotiate

GRAPH_FORMATS = RDF_FORMATS
# What each query form is offered in, in the order of preference (the first for */*
# and for no Accept at all). CSV and TSV are defined for SELECT only.
SELECT_OFFERS = (*SOLUTION_FORMATS, HTML)
ASK_OFFERS = (SPARQL_JSON, SPARQL_XML, HTML)
GRAPH_OFFERS = (*GRAPH_FORMATS, HTML)
ALL_FORMATS = (*SOLUTION_FORMATS, *GRAPH_FORMATS, HTML)
BY_NAME = {f.name: f for f in ALL_FORMATS}

GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
OFFERS = {
    "SELECT": SELECT_OFFERS,
    "ASK": ASK_OFFERS,
    "CONSTRUCT": GRAPH_OFFERS,
    "DESCRIBE": GRAPH_OFFERS,
}

# ``format`` parameter values: (for SELECT/ASK, for CONSTRUCT/DESCRIBE).
FORMAT_NAMES: dict[str, tuple[Format | None, Format | None]] = {
    "json": (SPARQL_JSON, JSONLD),
    "srj": (SPARQL_JSON, None),
    "xml": (SPARQL_XML, RDFXML),
    "srx": (SPARQL_XML, None),
    "csv": (CSV, None),
    "tsv": (TSV, None),
    "ttl": (None, TURTLE),
    "turtle": (None, TURTLE),
    "jsonld": (None, JSONLD),
    "json-ld": (None, JSONLD),
    "rdf": (None, RDFXML),
    "rdfxml": (None, RDFXML),
    "rdf+xml": (None, RDFXML),
    "nt": (None, NTRIPLES),
    "ntriples": (None, NTRIPLES),
    "n-triples": (None, NTRIPLES),
    "html": (HTML, HTML),
    **{f.media_type: (f, None) for f in SOLUTION_FORMATS},
    **{f.media_type: (None, f) for f in GRAPH_FORMATS},
    HTML.media_type: (HTML, HTML),
    # Media types that mean one thing to one form and another to the other.
    "application/json": (SPARQL_JSON, JSONLD),
    "application/xml": (SPARQL_XML, RDFXML),
}

TRUNCATION_NOTE = uris.internal("api#sparql-limits")
TRUNCATED_HEADER = "SPARQL-Results-Truncated"

READ_ONLY = (
    "This endpoint answers queries only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, …) "
    "is not accepted."
)


class QueryError(Exception):
    """A query the service will not or could not answer, with the HTTP status to say so."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(status, message, retry_after)
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Answer:
    """A query's result, serialised in the internal base."""

    body: bytes
    format_name: str
    form: str
    truncated: bool

    @property
    def format(self) -> Format:
        return BY_NAME[self.format_name]


@dataclass(frozen=True)
class Accepted:
    """What the client will take: its Accept header and any ``format`` parameters."""

    header: str | None
    names: tuple[str, ...] = ()

    def choose(self, form: str) -> Format:
        """The format for a query form; QueryError 406 when the client takes none."""
        graph = form in GRAPH_FORMS
        offers = OFFERS[form]
        for name in self.names:
            found = FORMAT_NAMES.get(name.strip().lower())
            if found and found[graph] in offers:
                return found[graph]
        if self.names:
            raise QueryError(406, _not_acceptable(form, "the format asked for"))
        try:
            return negotiate(self.header, offers)
        except NotAcceptable:
            raise QueryError(406, _not_acceptable(form, "the Accept header")) from None


def unknown_format_names(names: tuple[str, ...]) -> bool:
    """True when ``format`` parameters were given and none of them is a format here."""
    return bool(names) and not any(n.strip().lower() in FORMAT_NAMES for n in names)


def acceptable_at_all(header: str | None) -> bool:
    """Whether some query form could answer in a format the Accept header allows."""
    return acceptable(header, ALL_FORMATS)


def _not_acceptable(form: str, source: str) -> str:
    offers = (f for f in OFFERS[form] if f is not HTML)
    names = ", ".join(f"{f.media_type} (format={f.name})" for f in offers)
    return f"{form} queries cannot answer in {source}. They answer in: {names}."


def solutions_body(result: Result, fmt: Format, truncated: bool) -> bytes:
    """SELECT or ASK results in a SPARQL results format (HTML: as SPARQL JSON)."""
    carrier = SPARQL_JSON if fmt is HTML else fmt
    body = carrier.write(carrier, result)
    if not truncated:
        return body
    if carrier is SPARQL_JSON:
        data = json.loads(body)
        data["head"]["link"] = [str(TRUNCATION_NOTE)]
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    if carrier is SPARQL_XML:
        link = f'<link href="{TRUNCATION_NOTE}"/>'.encode()
        if b"</head>" in body:
            return body.replace(b"</head>", link + b"</head>", 1)
        return body.replace(b"<head/>", b"<head>" + link + b"</head>", 1)
    return body


def graph_body(graph: Graph, fmt: Format, truncated: bool, limit: int) -> bytes:
    """CONSTRUCT or DESCRIBE results in an RDF format (HTML: as Turtle)."""
    carrier = TURTLE if fmt is HTML else fmt
    body = serialize(graph, carrier)
    if not truncated:
        return body
    note = f"Truncated: only the first {limit} triples of the result; see {TRUNCATION_NOTE}"
    if carrier in (TURTLE, NTRIPLES):
        return f"# {note}\n".encode() + body
    if carrier is RDFXML:
        declaration, newline, rest = body.partition(b"\n")
        if declaration.startswith(b"<?xml"):
            return declaration + newline + f"<!-- {note} -->\n".encode() + rest
        return f"<!-- {note} -->\n".encode() + body
    return body


def in_order_of_appearance(variables: list[Variable], text: str) -> list[Variable]:
    """SELECT * columns in the order the query names them (engines sort or hash them)."""

    def first_mention(variable: Variable) -> int:
        found = re.search(rf"[?$]{re.escape(str(variable))}(?![\w\u00b7-])", text)
        return found.start() if found else len(text)

    return sorted(variables, key=first_mention)


def capped_graph(graph: Graph, limit: int) -> tuple[Graph, bool]:
    """At most ``limit`` triples of a graph, and whether some were left out."""
    if len(graph) <= limit:
        return graph, False
    capped = Graph(namespace_manager=graph.namespace_manager)
    for triple in itertools.islice(graph, limit):
        capped.add(triple)
    return capped, True
