"""The OpenAPI 3.1 description of the service, served at ``/openapi.json``.

Media types come from the format tables the service negotiates with, so the
description cannot drift from what is served. A test checks that every route of the
application is described here and that every path described answers as documented:
a new route needs its entry in ``PATHS``.
"""

from __future__ import annotations

from typing import Any

from . import uris
from .formats import DOCUMENT_FORMATS, HTML, JSONLD, RDF_FORMATS
from .sparql.engine import Limits
from .sparql.examples import EXAMPLES
from .sparql.results import GRAPH_FORMATS, SOLUTION_FORMATS, TRUNCATED_HEADER

VERSION = "3.1.0"
ERROR_MEDIA_TYPES = ("text/plain", "text/html", "application/problem+json", "text/turtle")


def _content(media_types: tuple[str, ...] | list[str], schema: dict | None = None) -> dict:
    return {t: {"schema": schema or {"type": "string"}} for t in media_types}


def _error(description: str) -> dict:
    return {"description": description, "content": _content(ERROR_MEDIA_TYPES)}


def _parameter(name: str, where: str, description: str, example: str, **schema: Any) -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": {"type": "string", **schema},
        "example": example,
    }


def _thing_parameters(kind: str, slug: str) -> tuple[dict, dict, dict]:
    """The kind, slug and name path parameters, with one published thing as example."""
    extensions = "|".join(f.name for f in DOCUMENT_FORMATS)
    return (
        _parameter("kind", "path", "What the thing is.", kind, enum=list(uris.KINDS)),
        _parameter(
            "slug", "path", "The thing's stable identifier.", slug, pattern=uris.SLUG_PATTERN
        ),
        _parameter(
            "name",
            "path",
            "The slug, optionally with a format extension: "
            + ", ".join(f".{f.name} ({f.label})" for f in DOCUMENT_FORMATS)
            + ". Without an extension the format is negotiated on Accept.",
            f"{slug}.ttl",
            pattern=rf"^{uris.SLUG_PATTERN}(\.({extensions}))?$",
        ),
    )


LANG = _parameter(
    "lang", "query", "Language of HTML pages (German by default).", "en", enum=["de", "en"]
)
ACCEPT = {
    "name": "Accept",
    "in": "header",
    "required": False,
    "description": "The format wanted; no Accept or */* gets the first one listed.",
    "schema": {"type": "string"},
}


def _sparql_parameters() -> list[dict]:
    names = "json, xml, csv, tsv (SELECT/ASK); ttl, jsonld, rdf, nt (CONSTRUCT/DESCRIBE); html"
    return [
        _parameter(
            "query",
            "query",
            "A SPARQL 1.1 query. Without it, /sparql answers with its Service Description.",
            EXAMPLES[0].text,
        ),
        _parameter("format", "query", f"Result format, overrides Accept: {names}.", "json"),
        ACCEPT,
    ]


def _sparql_responses(limits: Limits, described: str, media_types: list[str]) -> dict:
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
            "content": _content(media_types),
        },
        "400": _error(
            "Syntax error (with the parser's message), empty query, update, SERVICE, "
            "FROM/FROM NAMED, default-graph-uri/named-graph-uri, unknown format name."
        ),
        "406": _error("No format the client accepts fits the query form."),
        "413": _error(f"Query text longer than {limits.max_query_bytes} bytes."),
        "503": _error(
            f"The query ran longer than {limits.timeout:g} seconds and was stopped, or every "
            "query process is busy (then with Retry-After)."
        ),
    }


def _document_responses(formats: tuple = DOCUMENT_FORMATS) -> dict:
    return {
        "200": {
            "description": "The document.",
            "content": _content([f.media_type for f in formats]),
        },
        "304": {"description": "Not modified (If-None-Match / If-Modified-Since)."},
        "404": _error("No such thing, or no such format extension."),
        "406": _error("None of the formats is acceptable."),
    }


def paths(limits: Limits, example: tuple[str, str]) -> dict[str, dict]:
    """Every route of the service, as OpenAPI path items; example: a (kind, slug) published."""
    kind, slug, name = _thing_parameters(*example)
    query = EXAMPLES[0].text
    results = [f.media_type for f in (*SOLUTION_FORMATS, *GRAPH_FORMATS, HTML)]
    return {
        "/": {
            "get": {
                "summary": "Home page: every organisation with its programmes",
                "parameters": [LANG],
                "responses": {"200": {"description": "HTML", "content": _content(["text/html"])}},
            }
        },
        "/id/{kind}/{slug}": {
            "get": {
                "summary": "A thing: redirects to the document about it",
                "parameters": [kind, slug, ACCEPT],
                "responses": {
                    "303": {"description": "See Other: the document, /doc/{kind}/{slug}."},
                    "404": _error("No such thing."),
                    "406": _error("None of the formats is acceptable."),
                },
            }
        },
        "/doc/{kind}/{name}": {
            "get": {
                "summary": "The document about a thing, negotiated or in one fixed format",
                "parameters": [kind, name, ACCEPT, LANG],
                "responses": _document_responses(),
            }
        },
        "/vocab/context.jsonld": {
            "get": {
                "summary": "The JSON-LD context every JSON-LD document of the service uses",
                "responses": {
                    "200": {
                        "description": "JSON-LD context",
                        "content": _content([JSONLD.media_type]),
                    }
                },
            }
        },
        "/sparql": {
            "get": {
                "summary": "SPARQL 1.1 query (query parameter), or the Service Description",
                "parameters": _sparql_parameters(),
                "responses": _sparql_responses(
                    limits,
                    " Without a query: the Service Description (Turtle by default, "
                    "an HTML page with a query form for browsers).",
                    results,
                ),
            },
            "post": {
                "summary": "SPARQL 1.1 query sent in the request body",
                "parameters": _sparql_parameters()[1:],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "query": {"type": "string"},
                                    "format": {"type": "string"},
                                },
                                "required": ["query"],
                            },
                            "example": {"query": query},
                        },
                        "application/sparql-query": {
                            "schema": {"type": "string"},
                            "example": query,
                        },
                    },
                },
                "responses": {
                    **_sparql_responses(limits, "", results),
                    "415": _error("Content type other than the two above."),
                },
            },
        },
        "/api": {
            "get": {
                "summary": "This documentation for people",
                "parameters": [LANG],
                "responses": {"200": {"description": "HTML", "content": _content(["text/html"])}},
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This description (OpenAPI 3.1)",
                "responses": {
                    "200": {"description": "OpenAPI", "content": _content(["application/json"])}
                },
            }
        },
        "/static/{filename}": {
            "get": {
                "summary": "Stylesheets of the HTML pages",
                "parameters": [
                    _parameter("filename", "path", "A file name.", "site.css"),
                ],
                "responses": {
                    "200": {"description": "The file", "content": _content(["text/css"])},
                    "404": _error("No such file."),
                },
            }
        },
    }


def document(base: str, limits: Limits, example: tuple[str, str]) -> dict:
    """The OpenAPI document for a base URI; example: the (kind, slug) of a published thing."""
    rdf = ", ".join(f.label for f in RDF_FORMATS)
    return {
        "openapi": VERSION,
        "info": {
            "title": "Open data: organisations, programmes and contacts as Linked Open Data",
            "version": "1",
            "summary": "Linked Open Data (schema.org) with content negotiation, "
            "and a read-only SPARQL 1.1 endpoint.",
            "description": f"Every thing has a URI /id/{{kind}}/{{slug}} and a document in "
            f"{rdf} and HTML. Every response allows cross-origin access "
            f"(Access-Control-Allow-Origin: *). Documentation for people: {base}api",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": base.rstrip("/")}],
        "paths": paths(limits, example),
    }
