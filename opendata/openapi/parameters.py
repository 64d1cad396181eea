"""Parameters: what each one may be, from the tables the views check it against.

``Accept`` is described per operation by a pattern built from the formats the
operation negotiates (``opendata.formats.negotiate``): the headers it matches are
answered, a header naming none of the formats gets 406.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import uris
from ..formats import DOCUMENT_FORMATS, Format
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, MESSAGES
from ..kinds import KINDS
from ..negotiation import MAX_ACCEPT_LENGTH


def parameter(name: str, where: str, description: str, example: str | int, **schema: Any) -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": {"type": "string", **schema},
        "example": example,
    }


SLUG = f"^{uris.SLUG_PATTERN}$"


def slug(name: str, description: str, example: str) -> dict:
    return parameter(name, "path", description, example, pattern=SLUG)


def kind(example: str, kinds: Iterable[str] = tuple(KINDS)) -> dict:
    return parameter("kind", "path", "What the thing is.", example, enum=list(kinds))


def extension(formats: tuple[Format, ...] = DOCUMENT_FORMATS) -> dict:
    return parameter(
        "extension",
        "path",
        "The format: " + ", ".join(f"{f.name} ({f.label})" for f in formats) + ".",
        formats[0].name,
        enum=[f.name for f in formats],
    )


LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "Language of HTML pages: "
    + " or ".join(f"{code} ({MESSAGES['language_name'][code]})" for code in LANGUAGES)
    + f". Any other value gets the default, {DEFAULT_LANGUAGE}, as the pages say; without "
    "lang, Accept-Language chooses. The other formats carry every language and ignore it.",
    "schema": {"type": "string", "examples": list(LANGUAGES)},
    "example": "en",
}


# Accept (RFC 9110 §12.5.1): a list of media ranges, each with parameters and a weight.
_TCHAR = "!#$%&'*+.^_`|~0-9A-Za-z-"
_TOKEN = f"[{_TCHAR}]+"
_OWS = "[ \\t]*"
# Parameters other than the weight: a name that is not q, without "*" (name*= is an
# RFC 2231 extended parameter, q*= a weight), with a token or a quoted string as value
# (without the comma, semicolon and backslash some parsers split or unescape on).
_NAME_CHAR = _TCHAR.replace("*", "")
_NOT_Q = _NAME_CHAR.replace("A-Z", "A-PR-Z").replace("a-z", "a-pr-z")
_NAME = f"(?:[{_NOT_Q}][{_NAME_CHAR}]*|[Qq][{_NAME_CHAR}]+)"
_QUOTED = '"[\\t !#-+\\--:<-\\[\\]-~]*"'
_PARAMETERS = f"(?:{_OWS};{_OWS}{_NAME}=(?:{_TOKEN}|{_QUOTED}))*"
# A weight above 0: q=0 excludes a range, and is left out of the pattern.
_WEIGHT = (
    f"(?:{_OWS};{_OWS}[Qq]=(?:1(?:\\.0{{1,3}})?|0\\.(?:[1-9][0-9]{{0,2}}|0[1-9][0-9]?|00[1-9])))?"
)
_RANGE = f"{_TOKEN}/{_TOKEN}{_PARAMETERS}{_WEIGHT}"
_SEPARATOR = f"{_OWS},{_OWS}"
_SPECIAL = set(".+*?()[]{}|^$\\/")


def _literal(text: str) -> str:
    """A regular expression for text, ignoring case (media types are case-insensitive)."""
    return "".join(
        f"[{c.upper()}{c}]" if c.isalpha() else f"\\{c}" if c in _SPECIAL else c for c in text
    )


def accepted_ranges(offers: Iterable[Format]) -> list[str]:
    """The media ranges that select one of the offers: their types, aliases, wildcards."""
    ranges = ["*/*"]
    for offer in offers:
        wildcard = offer.media_type.partition("/")[0] + "/*"
        for media_range in (wildcard, offer.media_type, *offer.aliases):
            if media_range not in ranges:
                ranges.append(media_range)
    return ranges


def accept_pattern(offers: Iterable[Format]) -> str:
    """Accept headers that name one of the offers with a weight above 0, or nothing.

    Every range in the list must be well-formed and none may have q=0, so no other
    range can take away what the named one asks for.
    """
    named = "|".join(_literal(r) for r in accepted_ranges(offers))
    good = f"(?:{named}){_PARAMETERS}{_WEIGHT}"
    return f"^(?:|(?:{_RANGE}{_SEPARATOR})*{good}(?:{_SEPARATOR}{_RANGE})*)$"


def accept(offers: tuple[Format, ...], what: str = "The document") -> dict:
    """The Accept header of an operation that negotiates between these offers (in order)."""
    types = ", ".join(f.media_type for f in offers)
    return {
        "name": "Accept",
        "in": "header",
        "required": False,
        "description": f"{what} is available as {types}, in this order of preference: no "
        f"Accept, an empty one or */* gets {offers[0].media_type}. A list of media ranges "
        "(RFC 9110) answers in the best format it names, or covers with a wildcard, with a "
        "weight above 0; one that names none of them is answered 406. Media types are "
        "compared without their parameters. The pattern describes these headers; ranges with "
        "q=0 are outside it.",
        "schema": {
            "type": "string",
            "maxLength": MAX_ACCEPT_LENGTH,
            "pattern": accept_pattern(offers),
        },
        "example": offers[0].media_type,
    }
