"""vCards (RFC 6350, vCard 4.0) for organisations and people that have contact data.

Built from the organisation's graph, like the contact card on the pages. Texts the
data gives in several languages become alternatives (``ALTID`` with ``LANGUAGE``), so
one card serves every reader. Lines are relocated to the public base *before* they
are folded at 75 octets: a fold inside the internal base would hide it from the
byte replacement that relocates rendered representations.
"""

from __future__ import annotations

import datetime as dt

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import uris
from .contacts import ContactDetails, contact_for
from .kinds import KINDS
from .presenter import language_to_show
from .records import PRIMARY_LANGUAGE
from .vocabulary import SDO

MAX_LINE_OCTETS = 75


def has_card(graph: Graph, kind: str, subject: URIRef) -> bool:
    """Whether the data gives contact details for this thing, of a kind that has cards."""
    return KINDS[kind].vcard is not None and contact_for(graph, kind, subject) is not None


def render(graph: Graph, kind: str, subject: URIRef, modified: dt.date, base: str) -> bytes:
    """The vCard of a resource for which ``has_card`` holds, with URIs in ``base``."""
    details = contact_for(graph, kind, subject)
    if details is None or KINDS[kind].vcard is None:
        raise ValueError(f"{subject} has no contact data")
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"KIND:{KINDS[kind].vcard}"]
    lines += _alternatives("FN", _texts(graph, subject, SDO.name))
    if kind == "person":
        lines += _alternatives("TITLE", _texts(graph, subject, SDO.jobTitle))
    lines += _organization(graph, details.organization)
    lines += _contact_lines(details)
    document = uris.href(str(subject))
    lines += [
        f"URL:{uris.INTERNAL_BASE}{document.lstrip('/')}",
        f"SOURCE:{uris.INTERNAL_BASE}{document.lstrip('/')}.vcf",
        f"UID:{subject}",
        f"REV:{modified:%Y%m%d}T000000Z",
        "END:VCARD",
    ]
    return b"".join(_fold(uris.relocate(line.encode("utf-8"), base)) for line in lines)


def _organization(graph: Graph, organization: URIRef) -> list[str]:
    """ORG: the administration first, then each unit down to this one (RFC 6350 §6.6.4)."""
    units = [organization]
    while True:
        parents = sorted(
            p for p in graph.objects(units[0], SDO.parentOrganization) if isinstance(p, URIRef)
        )
        if not parents or parents[0] in units:  # the top, or a cycle in foreign data
            break
        units.insert(0, parents[0])
    names = [_texts(graph, unit, SDO.name) for unit in units]
    languages = sorted({lang for texts in names for lang in texts}, key=_language_order)
    values = {
        language: ";".join(_escape(_in(texts, language)) for texts in names)
        for language in languages
    }
    return _alternatives("ORG", values, escaped=True)


def _contact_lines(details: ContactDetails) -> list[str]:
    lines = []
    if details.street_address or details.locality:
        parts = [
            "",
            "",
            details.street_address,
            details.locality,
            "",
            details.postal_code,
            details.country,
        ]
        lines.append("ADR;TYPE=work:" + ";".join(_escape(p or "") for p in parts))
    if details.tel_uri:
        lines.append(f'TEL;VALUE=uri;TYPE="work,voice":{details.tel_uri}')
    if details.email:
        lines.append(f"EMAIL;TYPE=work:{_escape(details.email)}")
    return lines


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    """Language → text ('' for a text without language tag)."""
    found: dict[str, str] = {}
    for value in sorted(graph.objects(subject, predicate)):
        if isinstance(value, Literal):
            found.setdefault(value.language or "", str(value))
    return found


def _in(texts: dict[str, str], language: str) -> str:
    """The text in a language, else the publisher's own, else one without a tag, else any."""
    chosen = language_to_show(texts, language)
    if chosen is None:
        chosen = "" if "" in texts else next(iter(texts), "")
    return texts.get(chosen, "")


def _language_order(language: str) -> tuple[bool, str]:
    return (language != PRIMARY_LANGUAGE, language)


def _alternatives(name: str, texts: dict[str, str], escaped: bool = False) -> list[str]:
    """One property; several languages become alternatives sharing an ALTID."""
    ordered = sorted(texts.items(), key=lambda item: _language_order(item[0]))
    altid = ";ALTID=1" if len(ordered) > 1 else ""
    lines = []
    for language, text in ordered:
        parameters = altid + (f";LANGUAGE={language}" if language else "")
        lines.append(f"{name}{parameters}:{text if escaped else _escape(text)}")
    return lines


def _escape(text: str) -> str:
    """RFC 6350 §3.4: backslash, comma, semicolon and line breaks in text values."""
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: bytes) -> bytes:
    """RFC 6350 §3.2: lines of at most 75 octets, continued after CRLF + space; never
    inside a UTF-8 sequence."""
    pieces, limit = [], MAX_LINE_OCTETS
    while len(line) > limit:
        cut = limit
        while cut > 0 and (line[cut] & 0xC0) == 0x80:  # a continuation byte: step back
            cut -= 1
        pieces.append(line[:cut])
        line, limit = line[cut:], MAX_LINE_OCTETS - 1
    pieces.append(line)
    return b"\r\n ".join(pieces) + b"\r\n"
