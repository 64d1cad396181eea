"""``/sparql``: the SPARQL 1.1 Protocol endpoint, from the result format tables it answers with.

What a query may be answered in depends on its form (SELECT and ASK: results formats,
CONSTRUCT and DESCRIBE: RDF formats), which only the query text says; the ``format``
parameter and Accept are described with every format, and 406 for a format the form
of the query cannot answer in.
"""

from __future__ import annotations

from ..formats import DOCUMENT_FORMATS, HTML
from ..sparql.engine import Limits
from ..sparql.examples import EXAMPLES
from ..sparql.results import (
    ALL_FORMATS,
    FORMAT_NAMES,
    GRAPH_FORMATS,
    OFFERS,
    SOLUTION_FORMATS,
    TRUNCATED_HEADER,
)
from ..views.sparql import DIRECT, FORM
from .bodies import NOT_MODIFIED, content, error
from .service import Service

RESULT_TYPES = [f.media_type for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS, HTML)]
# In the form of a POST the format is always read: one of the names. In the URL it is
# read only with a query (GET) or a query body (POST), so it is a string with the names
# as examples, and 400 for another name is described with the responses.
FORMAT = {"type": "string", "enum": list(FORMAT_NAMES)}
FORMAT_NAME = {"type": "string", "examples": list(FORMAT_NAMES)}
QUERY = {"type": "string", "minLength": 1}


def _offers() -> str:
    """The formats of each query form, in order of preference; forms alike together."""
    forms: dict[tuple, list[str]] = {}
    for form, offers in OFFERS.items():
        forms.setdefault(offers, []).append(form)
    return "; ".join(
        f"{', '.join(names)}: " + ", ".join(f.media_type for f in offers)
        for offers, names in forms.items()
    )


def _aliases() -> str:
    """Media types that count for a format when named exactly (Format.aliases)."""
    aliases: dict[str, list[str]] = {}
    for fmt in ALL_FORMATS:
        for alias in fmt.aliases:
            aliases.setdefault(alias, []).append(fmt.label)
    return "; ".join(f"{alias}: {' or '.join(labels)}" for alias, labels in aliases.items())


def _format_names() -> str:
    names = {f: [n for n, found in FORMAT_NAMES.items() if f in found] for f in ALL_FORMATS}
    return "; ".join(f"{f.media_type}: {', '.join(n)}" for f, n in names.items())


def _parameters() -> list[dict]:
    return [
        {
            "name": "query",
            "in": "query",
            "required": False,
            "description": "A SPARQL 1.1 query (not an update). Without it, /sparql answers "
            "with its Service Description, negotiated like a document.",
            "schema": QUERY,
            "example": EXAMPLES[0].text,
        },
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "The result format; it overrides Accept (case and surrounding "
            "spaces do not matter). json and xml are SPARQL "
            "JSON and XML for SELECT and ASK, JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE. "
            f"By format: {_format_names()}. A name not listed is answered 400, a format the "
            "query form has not 406.",
            "schema": FORMAT_NAME,
            "example": "json",
        },
        {
            "name": "Accept",
            "in": "header",
            "required": False,
            "description": "Without format, the result format (RFC 9110 negotiation, in this "
            f"order of preference; no Accept or */* gets the first): {_offers()}. Media "
            f"types that count when named exactly: {_aliases()} (whichever the query form "
            "has). An Accept that names none of the result formats, or none the query form "
            "has, is answered 406. "
            "Without a query, the Service Description is negotiated among "
            + ", ".join(f.media_type for f in DOCUMENT_FORMATS)
            + ".",
            "schema": {"type": "string"},
        },
    ]


def _responses(limits: Limits, described: str) -> dict:
    return {
        "200": {
            "description": "Query results. SELECT/ASK: SPARQL JSON, XML, CSV, TSV; "
            "CONSTRUCT/DESCRIBE: Turtle, JSON-LD, RDF/XML, N-Triples; HTML for browsers."
            + described,
            "headers": {
                TRUNCATED_HEADER: {
                    "description": f"'true' when the result was cut at {limits.max_rows} "
                    "rows (or triples).",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            },
            "content": content(RESULT_TYPES),
        },
        "400": error(
            "Syntax error (with the parser's message), empty query, update, SERVICE, "
            "FROM/FROM NAMED, default-graph-uri/named-graph-uri, unknown format name."
        ),
        "406": error("No format the client accepts fits the query form."),
        "413": error(f"Query text longer than {limits.max_query_bytes} bytes."),
        "503": error(
            f"The query ran longer than {limits.timeout:g} seconds and was stopped, or every "
            "query process is busy (then with Retry-After)."
        ),
    }


def sparql_path(service: Service) -> dict[str, dict]:
    limits = service.limits
    query = EXAMPLES[0].text
    parameters = _parameters()
    return {
        "/sparql": {
            "get": {
                "summary": "SPARQL 1.1 query (query parameter), or the Service Description",
                "parameters": parameters,
                "responses": {
                    **_responses(
                        limits,
                        " Without a query: the Service Description (Turtle by default, "
                        "an HTML page with a query form for browsers).",
                    ),
                    "304": NOT_MODIFIED,
                    "414": error(
                        f"URL longer than {service.max_url_length} characters: "
                        "send long queries by POST."
                    ),
                },
            },
            "post": {
                "summary": "SPARQL 1.1 query sent in the request body",
                "parameters": [
                    {
                        **parameters[1],
                        "description": f"With a {DIRECT} body: the result format, as in GET. "
                        f"A {FORM} body carries it as its own field instead.",
                    },
                    parameters[2],
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        FORM: {
                            "schema": {
                                "type": "object",
                                "properties": {"query": QUERY, "format": FORMAT},
                                "required": ["query"],
                            },
                            "example": {"query": query},
                        },
                        DIRECT: {"schema": QUERY, "example": query},
                    },
                },
                "responses": {
                    **_responses(limits, ""),
                    "415": error("Content type other than the two above."),
                },
            },
        }
    }
