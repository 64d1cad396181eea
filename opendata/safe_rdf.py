"""Parsing RDF that came from outside the process, without rdflib's dangerous defaults.

rdflib expands XML entities (a 510-byte "billion laughs" document costs seconds of
CPU, RDFLib/rdflib#3440) and fetches every remote JSON-LD ``@context`` with no
loader hook (RDFLib/rdflib#1844). So: XML with a DOCTYPE or ENTITY declaration is
refused outright, and JSON-LD is accepted only with contexts given inline.
"""

from __future__ import annotations

import json
import re

from rdflib import Graph

_XML_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_RDF_BYTES = 64 * 1024 * 1024


class UnsafeRDF(ValueError):
    """Input that could make the parser expand entities or fetch something."""


def parse_ntriples(data: bytes) -> Graph:
    """N-Triples: a line format with nothing to expand or fetch."""
    return parse_rdf(data, "nt")


def parse_rdf(data: bytes, rdf_format: str) -> Graph:
    """Parse RDF in a given rdflib format after refusing anything unsafe."""
    if len(data) > MAX_RDF_BYTES:
        raise UnsafeRDF(f"RDF input larger than {MAX_RDF_BYTES} bytes")
    if rdf_format in ("xml", "pretty-xml", "application/rdf+xml", "trix"):
        refuse_xml_declarations(data)
    if rdf_format in ("json-ld", "application/ld+json"):
        refuse_remote_contexts(json.loads(data))
    graph = Graph()
    graph.parse(data=data, format=rdf_format)
    return graph


def refuse_xml_declarations(data: bytes) -> None:
    if _XML_DECLARATIONS.search(data):
        raise UnsafeRDF("XML with DOCTYPE or ENTITY declarations is refused")


def refuse_remote_contexts(document) -> None:
    """Any @context that is a string (a URL to fetch) anywhere in the document is refused."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "@context" and _names_a_url(value):
                raise UnsafeRDF("JSON-LD with a remote @context is refused; give it inline")
            refuse_remote_contexts(value)
    elif isinstance(document, list):
        for item in document:
            refuse_remote_contexts(item)


def _names_a_url(context) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(_names_a_url(item) for item in context)
    if isinstance(context, dict):
        return "@import" in context
    return False
