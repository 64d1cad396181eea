"""The formats a document is published in, and content negotiation between them.

Werkzeug's ``best_match`` returns ``None`` for a missing Accept header and does not
match ``application/ld+json; profile=…`` against a plain offer (pallets/werkzeug#1574),
so negotiation here parses the header with Werkzeug and compares bare media types
itself, following RFC 9110 §12.5.1: the most specific matching range sets an offer's
quality; ties go to the server's order of preference.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    name: str  # the file extension, e.g. "ttl"
    media_type: str  # what the response's Content-Type says
    rdflib_name: str | None  # rdflib serialiser, None for HTML
    label: str
    also_accepted: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/") or self.name == "jsonld":
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def is_rdf(self) -> bool:
        return self.rdflib_name is not None


TURTLE = Format("ttl", "text/turtle", "turtle", "Turtle", ("application/x-turtle",))
JSONLD = Format("jsonld", "application/ld+json", "json-ld", "JSON-LD", ("application/json",))
RDFXML = Format("rdf", "application/rdf+xml", "xml", "RDF/XML")
NTRIPLES = Format("nt", "application/n-triples", "nt", "N-Triples")
HTML = Format("html", "text/html", None, "HTML", ("application/xhtml+xml",))

# Server preference: RDF clients and harvesters that send */* or nothing get Turtle.
DOCUMENT_FORMATS = (TURTLE, JSONLD, RDFXML, NTRIPLES, HTML)
RDF_FORMATS = tuple(f for f in DOCUMENT_FORMATS if f.is_rdf)
BY_EXTENSION = {f.name: f for f in DOCUMENT_FORMATS}

MAX_ACCEPT_LENGTH = 4096


class NotAcceptable(Exception):
    """Nothing on offer satisfies the client's Accept header."""


def negotiate(accept_header: str | None, offers: tuple[Format, ...] = DOCUMENT_FORMATS) -> Format:
    """The best offer for an Accept header; the first offer when the header is absent."""
    if accept_header is None or not accept_header.strip():
        return offers[0]
    if len(accept_header) > MAX_ACCEPT_LENGTH:
        raise NotAcceptable("Accept header too long")
    best = _best(accept_header, offers)
    if best is None:
        raise NotAcceptable(accept_header)
    return best


# Clients send few distinct Accept headers; parsing each once keeps negotiation off
# the hot path. Bounded, so odd headers cannot grow it.
@lru_cache(maxsize=512)
def _best(accept_header: str, offers: tuple[Format, ...]) -> Format | None:
    ranges = _parse(accept_header)
    best, best_quality = None, 0.0
    for offer in offers:
        # Aliases (application/json for JSON-LD, …) count only when named exactly.
        quality = max(
            _quality(ranges, offer.media_type),
            *(q for alias in offer.also_accepted for r, q in ranges if r == alias),
            0.0,
        )
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def _parse(header: str) -> list[tuple[str, float]]:
    ranges = []
    for value, quality in parse_accept_header(header, MIMEAccept):
        media_range = value.split(";", 1)[0].strip().lower()
        if media_range.count("/") == 1 and all(media_range.split("/")):
            ranges.append((media_range, quality))
    return ranges


def _quality(ranges: list[tuple[str, float]], media_type: str) -> float:
    """Quality of the most specific range that matches media_type (0 when none does)."""
    main = media_type.partition("/")[0]
    best_specificity, quality = -1, 0.0
    for media_range, q in ranges:
        range_main, _, range_sub = media_range.partition("/")
        if media_range == media_type:
            specificity = 2
        elif range_main == main and range_sub == "*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, quality = specificity, q
    return quality
