"""The facts that pages, vCards and the catalogue show alike, presented one way.

* A text in the reader's language: the reader's language where the data has it,
  else the publisher's (German), else whatever there is. Records (``Text``) and
  graphs (language-tagged literals) are read the same way.
* A telephone number as a ``tel:`` IRI (RFC 3966, global number, digits only:
  ``tel:+493402041305``), the same in the catalogue, on pages and in vCards, so
  that clients comparing them find one number.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from .records import PRIMARY_LANGUAGE, Text


def language_to_show(available: Iterable[str | None], language: str) -> str | None:
    """Which language of a text to show; None when it has neither (then show any)."""
    tags = set(available)
    for choice in (language, PRIMARY_LANGUAGE):
        if choice in tags:
            return choice
    return None


def text_in(text: Text, language: str) -> tuple[str, str]:
    """(the text, its language) for a reader of ``language``."""
    chosen = language_to_show(text.values, language) or next(iter(text.values))
    return text[chosen], chosen


def tel_iri(number: str) -> str:
    """'+49 340 204-1305' → 'tel:+493402041305'."""
    return "tel:" + "".join(c for c in number if c.isdigit() or c == "+")


def mailto_iri(email: str) -> str:
    """'a|b@example.org' → 'mailto:a%7Cb@example.org': an address may hold characters
    an IRI may not (RFC 6068 leaves only these unencoded)."""
    return "mailto:" + quote(email, safe="@!$'()*+,;:-._~")


def number(value: int, language: str) -> str:
    """A count as readers of the language write it: 100.000 (German), 100,000 (English)."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if language == "de" else grouped
