"""What the bodies of responses are: a JSON Schema for every JSON format, a string otherwise.

Each media type the service answers with gets its schema here, keyed by the format
tables the views negotiate with, so a JSON format cannot be described as text.
"""

from __future__ import annotations

from ..formats import ERROR_FORMATS, JSONLD, OPENAPI_JSON, PROBLEM_JSON, SPARQL_JSON

OPENAPI = OPENAPI_JSON

TEXT = {"type": "string"}

# Every JSON-LD document the service renders is compacted with its own context and
# points at it (opendata.rendering.serialize): an object, its nodes in @graph when
# there are several.
JSONLD_DOCUMENT = {
    "type": "object",
    "description": "JSON-LD 1.1, compacted with the context at /vocab/context.jsonld.",
    "required": ["@context"],
    "properties": {
        "@context": {"type": "string", "format": "uri"},
        "@graph": {"type": "array", "items": {"type": "object"}},
    },
}
JSONLD_CONTEXT = {
    "type": "object",
    "description": "A JSON-LD 1.1 context: prefixes and terms.",
    "required": ["@context"],
    "properties": {"@context": {"type": "object"}},
}
# An RDF term in a binding (SPARQL 1.1 Query Results JSON Format §3.2.2).
RDF_TERM = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {
        "type": {"enum": ["uri", "literal", "bnode"]},
        "value": {"type": "string"},
        "xml:lang": {"type": "string"},
        "datatype": {"type": "string", "format": "uri"},
    },
}
SPARQL_RESULTS = {
    "type": "object",
    "description": "SPARQL 1.1 Query Results JSON: variables and bindings (SELECT) or a "
    "boolean (ASK). A result cut at the row limit links the note on limits in head.link.",
    "required": ["head"],
    "properties": {
        "head": {
            "type": "object",
            "properties": {
                "vars": {"type": "array", "items": {"type": "string"}},
                "link": {"type": "array", "items": {"type": "string", "format": "uri"}},
            },
        },
        "results": {
            "type": "object",
            "required": ["bindings"],
            "properties": {
                "bindings": {
                    "type": "array",
                    "items": {"type": "object", "additionalProperties": RDF_TERM},
                }
            },
        },
        "boolean": {"type": "boolean"},
    },
    "oneOf": [{"required": ["results"]}, {"required": ["boolean"]}],
}
OPENAPI_DOCUMENT = {
    "type": "object",
    "required": ["openapi", "info", "paths"],
    "properties": {
        "openapi": {"type": "string"},
        "info": {"type": "object"},
        "paths": {"type": "object"},
    },
}
PROBLEM = {
    "type": "object",
    "description": "Problem Details (RFC 9457).",
    "required": ["status", "title", "detail"],
    "properties": {
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
    },
}
# An error for an RDF client is a hydra:Error; in JSON-LD, expanded (without context).
HYDRA_ERROR = {
    "type": "array",
    "description": "A hydra:Error with hydra:statusCode, hydra:title and hydra:description, "
    "as expanded JSON-LD.",
    "items": {"type": "object", "required": ["@id", "@type"]},
}

SCHEMAS = {
    JSONLD.media_type: JSONLD_DOCUMENT,
    SPARQL_JSON.media_type: SPARQL_RESULTS,
    OPENAPI.media_type: OPENAPI_DOCUMENT,
}
ERROR_SCHEMAS = {PROBLEM_JSON.media_type: PROBLEM, JSONLD.media_type: HYDRA_ERROR}
ERROR_MEDIA_TYPES = tuple(f.media_type for f in ERROR_FORMATS)

NOT_MODIFIED = {"description": "Not modified (If-None-Match / If-Modified-Since)."}


def content(media_types: tuple[str, ...] | list[str], schemas: dict | None = None) -> dict:
    """The content of a response: each media type with the schema of its body."""
    known = SCHEMAS if schemas is None else schemas
    return {t: {"schema": known.get(t, TEXT)} for t in media_types}


def error(description: str) -> dict:
    """An error response, in the format the client negotiated (opendata.errors)."""
    return {"description": description, "content": content(ERROR_MEDIA_TYPES, ERROR_SCHEMAS)}


def served(description: str, media_types: list[str], errors: dict[str, str] | None = None) -> dict:
    """A rendered response (200 or 304) and the errors it may answer, by status."""
    return {
        "200": {"description": description, "content": content(media_types)},
        "304": NOT_MODIFIED,
        **{status: error(text) for status, text in (errors or {}).items()},
    }


def get(summary: str, parameters: list[dict], responses: dict) -> dict:
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}
