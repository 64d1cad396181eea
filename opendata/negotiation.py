"""Content negotiation: which of the formats on offer a client's ``Accept`` asks for.

Werkzeug's ``best_match`` returns ``None`` for a missing Accept header and does not
match ``application/ld+json; profile=…`` against a plain offer (pallets/werkzeug#1574),
so the header is parsed with Werkzeug and bare media types are compared here,
following RFC 9110 §12.5.1: the most specific matching range sets an offer's quality;
ties go to the server's order of preference (the order of the offers).
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .formats import Format

MAX_ACCEPT_LENGTH = 4096


class NotAcceptable(Exception):
    """Nothing on offer satisfies the client's Accept header."""


def negotiate(accept_header: str | None, offers: tuple[Format, ...]) -> Format:
    """The best offer for an Accept header; the first offer when the header is absent."""
    if accept_header is None or not accept_header.strip():
        return offers[0]
    if len(accept_header) > MAX_ACCEPT_LENGTH:
        raise NotAcceptable("Accept header too long")
    best = _best(accept_header, offers)
    if best is None:
        raise NotAcceptable(accept_header)
    return best


def acceptable(accept_header: str | None, offers: tuple[Format, ...]) -> bool:
    try:
        negotiate(accept_header, offers)
    except NotAcceptable:
        return False
    return True


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
            *(q for alias in offer.aliases for r, q in ranges if r == alias),
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
