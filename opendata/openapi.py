"""The OpenAPI 3.1 description of the service, served at ``/openapi.json``.

Media types come from the format tables the service negotiates with, so the
description cannot drift from what is served. A test checks that every route of the
application is described here and that every path described answers as documented:
a new route needs its entry in ``paths()``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import uris
from .catalog import dump_path
from .formats import (
    ATOM,
    DOCUMENT_FORMATS,
    DUMP_FORMATS,
    ERROR_FORMATS,
    GZIP,
    HTML,
    JSONLD,
    RDF_FORMATS,
    SITEMAP,
    SOLUTION_FORMATS,
    VCARD,
)
from .formats import PLAIN as ROBOTS
from .kinds import KINDS
from .sparql.engine import Limits
from .sparql.examples import EXAMPLES
from .sparql.results import GRAPH_FORMATS, TRUNCATED_HEADER

GZIP_MEDIA_TYPE = GZIP.media_type

VERSION = "3.1.0"
ERROR_MEDIA_TYPES = tuple(f.media_type for f in ERROR_FORMATS)
NOT_MODIFIED = {"description": "Not modified (If-None-Match / If-Modified-Since)."}


@dataclass(frozen=True)
class Service:
    """What the description states about one running service, and its examples."""

    limits: Limits
    thing: tuple[str, str]  # (kind, slug) of a published thing
    card: tuple[str, str]  # (kind, slug) of a thing with a vCard
    newest: dt.date  # the day the most recently changed dataset changed
    page_size: int  # datasets on a catalogue page
    feed_size: int  # entries in the Atom feed
    max_url_length: int  # characters of path and query; longer URLs get 414


def _content(media_types: tuple[str, ...] | list[str], schema: dict | None = None) -> dict:
    return {t: {"schema": schema or {"type": "string"}} for t in media_types}


def _error(description: str) -> dict:
    return {"description": description, "content": _content(ERROR_MEDIA_TYPES)}


def _parameter(name: str, where: str, description: str, example: str | int, **schema: Any) -> dict:
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
    extensions = "|".join(f.name for f in (*DOCUMENT_FORMATS, VCARD))
    return (
        _parameter("kind", "path", "What the thing is.", kind, enum=list(KINDS)),
        _parameter(
            "slug", "path", "The thing's stable identifier.", slug, pattern=uris.SLUG_PATTERN
        ),
        _parameter(
            "name",
            "path",
            "The slug, optionally with a format extension: "
            + ", ".join(f".{f.name} ({f.label})" for f in DOCUMENT_FORMATS)
            + f", and .{VCARD.name} ({VCARD.label}, as a download) for organisations and people"
            " with contact data. Without an extension the format is negotiated on Accept.",
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
        "304": NOT_MODIFIED,
        "404": _error("No such thing, or no such format extension."),
        "406": _error("None of the formats is acceptable."),
    }


def _served(description: str, media_types: list[str], errors: dict[str, str] | None = None) -> dict:
    """A rendered response (200 or 304) and the errors it may answer, by status."""
    return {
        "200": {"description": description, "content": _content(media_types)},
        "304": NOT_MODIFIED,
        **{status: _error(text) for status, text in (errors or {}).items()},
    }


def _get(summary: str, parameters: list[dict], responses: dict) -> dict:
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def _catalogue_parameters(service: Service) -> list[dict]:
    return [
        _parameter(
            "page",
            "query",
            f"Page of the catalogue, from 1 to the last; {service.page_size} datasets a page. "
            "Every page links the others (hydra:PartialCollectionView with hydra:first, "
            "hydra:previous, hydra:next, hydra:last).",
            1,
            type="integer",
            minimum=1,
            maximum=999_999_999,
        ),
        _parameter(
            "modified_since",
            "query",
            "Only the datasets changed on or after this day: an ISO 8601 date or date-time "
            "(a date-time counts as its UTC day). Kept on every page link.",
            service.newest.isoformat(),
            maxLength=40,
        ),
    ]


def _catalogue_responses(negotiated: bool) -> dict:
    errors = {
        "400": "page is not a page number, or modified_since is not an ISO 8601 date or date-time."
    }
    if negotiated:
        errors |= {"404": "A page after the last.", "406": "None of the formats is acceptable."}
    else:
        errors |= {"404": "No such format extension, or a page after the last."}
    return _served(
        "The catalogue page (without Accept and without extension: Turtle).",
        [f.media_type for f in DOCUMENT_FORMATS],
        errors,
    )


def _catalogue_paths(service: Service) -> dict[str, dict]:
    slug = service.thing[1]
    extensions = "|".join(f.name for f in DOCUMENT_FORMATS)
    extension = _parameter(
        "extension", "path", "The format.", "ttl", enum=[f.name for f in DOCUMENT_FORMATS]
    )
    dataset = _parameter(
        "name",
        "path",
        "The dataset's slug (that of its organisation), optionally with a format extension.",
        f"{slug}.jsonld",
        pattern=rf"^{uris.SLUG_PATTERN}(\.({extensions}))?$",
    )
    paging = _catalogue_parameters(service)
    return {
        "/catalog": _get(
            "The DCAT-AP.de catalogue for harvesting, negotiated (no Accept or */*: Turtle)",
            [*paging, ACCEPT, LANG],
            _catalogue_responses(negotiated=True),
        ),
        "/catalog.{extension}": _get(
            "The DCAT-AP.de catalogue in one fixed format",
            [extension, *paging, LANG],
            _catalogue_responses(negotiated=False),
        ),
        "/catalog/dataset/{name}": _get(
            "One dataset of the catalogue with its distributions, negotiated or fixed",
            [dataset, ACCEPT, LANG],
            _served(
                "The dataset.",
                [f.media_type for f in DOCUMENT_FORMATS],
                {
                    "404": "No such dataset, or no such format extension.",
                    "406": "None of the formats is acceptable.",
                },
            ),
        ),
    }


def _dump_paths(service: Service) -> dict[str, dict]:
    slug = service.thing[1]
    extensions = "|".join(d.name for d in DUMP_FORMATS)
    media_types = [d.media_type for d in DUMP_FORMATS] + [GZIP_MEDIA_TYPE]
    described = (
        "The dump; with .gz the gzip of the same bytes, as "
        + GZIP_MEDIA_TYPE
        + ". "
        + ", ".join(f".{d.name} ({d.label})" for d in DUMP_FORMATS)
        + "."
    )
    whole = _parameter(
        "name",
        "path",
        "The dump: all.{extension}, optionally gzipped (.gz).",
        dump_path(DUMP_FORMATS[0], gzipped=True).removeprefix("/dumps/"),
        enum=[
            dump_path(d, gzipped=gz).removeprefix("/dumps/")
            for d in DUMP_FORMATS
            for gz in (False, True)
        ],
    )
    part = _parameter(
        "name",
        "path",
        "The organisation's slug with the dump's extension, optionally gzipped (.gz).",
        f"{slug}.{DUMP_FORMATS[1].name}",
        pattern=rf"^{uris.SLUG_PATTERN}\.({extensions})(\.gz)?$",
    )
    return {
        "/dumps/{name}": _get(
            "Every published triple in one file",
            [whole],
            _served(described, media_types, {"404": "No such dump."}),
        ),
        "/dumps/organization/{name}": _get(
            "One organisation's triples in one file (a distribution of its dataset)",
            [part],
            _served(described, media_types, {"404": "No such organisation, or no such dump."}),
        ),
    }


def _discovery_paths(service: Service) -> dict[str, dict]:
    return {
        "/.well-known/void": _get(
            "The VoID description: size, dumps, SPARQL endpoint, vocabularies, licence",
            [ACCEPT],
            _served(
                "VoID (Turtle without Accept).",
                [f.media_type for f in RDF_FORMATS],
                {"406": "None of the RDF formats is acceptable."},
            ),
        ),
        "/sitemap.xml": _get(
            "Sitemap of every HTML page with the day it last changed",
            [],
            _served("Sitemap", [SITEMAP.media_type]),
        ),
        "/robots.txt": _get(
            "Robots exclusion file pointing at the sitemap",
            [],
            _served("robots.txt", [ROBOTS.media_type]),
        ),
        "/feed.atom": _get(
            f"Atom feed of the {service.feed_size} most recently changed things",
            [],
            _served("Atom feed", [ATOM.media_type]),
        ),
    }


def _page_paths() -> dict[str, dict]:
    html = _served("HTML", [HTML.media_type])
    return {
        "/impressum": _get("Impressum (legal notice) of every publisher", [LANG], html),
        "/datenschutz": _get("Datenschutzerklärung (privacy statement)", [LANG], html),
        "/barrierefreiheit": _get("Erklärung zur Barrierefreiheit (accessibility)", [LANG], html),
    }


def paths(service: Service) -> dict[str, dict]:
    """Every route of the service, as OpenAPI path items."""
    limits = service.limits
    kind, slug, name = _thing_parameters(*service.thing)
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
                "responses": _document_responses((*DOCUMENT_FORMATS, VCARD)),
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
                "responses": {
                    **_sparql_responses(
                        limits,
                        " Without a query: the Service Description (Turtle by default, "
                        "an HTML page with a query form for browsers).",
                        results,
                    ),
                    "414": _error(
                        f"URL longer than {service.max_url_length} characters: "
                        "send long queries by POST."
                    ),
                },
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
        **_catalogue_paths(service),
        **_dump_paths(service),
        **_discovery_paths(service),
        **_page_paths(),
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


def document(base: str, service: Service) -> dict:
    """The OpenAPI document of a service for a base URI."""
    rdf = ", ".join(f.label for f in RDF_FORMATS)
    return {
        "openapi": VERSION,
        "info": {
            "title": "Open data: organisations, programmes and contacts as Linked Open Data",
            "version": "1",
            "summary": "Linked Open Data (schema.org) with content negotiation, a DCAT-AP.de "
            "catalogue with dumps, and a read-only SPARQL 1.1 endpoint.",
            "description": f"Every thing has a URI /id/{{kind}}/{{slug}} and a document in "
            f"{rdf} and HTML. Every GET route also answers HEAD. Every response allows "
            "cross-origin access (Access-Control-Allow-Origin: *). When the data store "
            "cannot be reached, any route answers 503 with Retry-After. "
            f"Documentation for people: {base}api",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": base.rstrip("/")}],
        "paths": paths(service),
    }
