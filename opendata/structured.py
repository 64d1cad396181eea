"""What a resource page tells search engines and link previews, in the page's language.

* A compact schema.org description as JSON-LD for a ``<script>`` block, following
  Google's structured-data guidelines for ``Organization``: ``@type``, ``name``,
  ``url``, ``address``, ``telephone``, ``parentOrganization`` (``logo`` only where the
  data has one: it has none yet), with plain strings in the page's language (a text the
  publisher gives only in German stays German). The context is inlined: search engines
  fetch nothing. The RDF documents keep every language; this is a summary of them.
* OpenGraph properties (``og:title``, ``og:description``, ``og:url``, ``og:locale``,
  ``og:type``, ``og:site_name``) for previews of shared links.

Both are read from the same document graph the page and the RDF formats are made of.
"""

from __future__ import annotations

import json

from rdflib import Graph, URIRef

from . import uris
from .contacts import contact_details
from .pages import Page, Reader
from .vocabulary import RDF, SDO, SKOS

CONTEXT = {"@vocab": "https://schema.org/"}
# The schema.org type of each kind where its graph gives none of schema.org.
FALLBACK_TYPES = {"concept": "DefinedTerm", "place": "Place"}
LOCALES = {"de": "de_DE", "en": "en_GB"}
DESCRIPTION_LENGTH = 300


def page_url(kind: str, slug: str, language: str | None = None) -> str:
    """The page's URL in the internal base (relocated with the page)."""
    path = f"{uris.INTERNAL_BASE}doc/{kind}/{slug}"
    return f"{path}?lang={language}" if language and language != "de" else path


def summary(graph: Graph, kind: str, slug: str, language: str) -> dict:
    """The schema.org description of a thing for its page in ``language``."""
    read = Reader(graph, language)
    subject = uris.thing(kind, slug)
    found: dict = {"@context": CONTEXT, "@type": schema_type(graph, subject, kind)}
    found["@id"] = str(subject)
    found["name"] = read.label(subject).text
    found["url"] = page_url(kind, slug)
    _text(found, "alternateName", read, subject, SDO.alternateName)
    _text(found, "description", read, subject, SDO.description)
    if kind == "concept":
        _text(found, "description", read, subject, SKOS.definition)
    _text(found, "jobTitle", read, subject, SDO.jobTitle)
    if kind == "organization":
        _contact(found, graph, subject)
    for key, predicate in (
        ("parentOrganization", SDO.parentOrganization),
        ("worksFor", SDO.worksFor),
        ("areaServed", SDO.areaServed),
    ):
        linked = [
            _reference(graph, read, node) for node in sorted(graph.objects(subject, predicate))
        ]
        linked = [node for node in linked if node]
        if linked:
            found[key] = linked[0] if len(linked) == 1 else linked
    same = sorted(str(o) for o in graph.objects(subject, SDO.sameAs) if isinstance(o, URIRef))
    if same:
        found["sameAs"] = same[0] if len(same) == 1 else same
    return found


def summary_json(graph: Graph, kind: str, slug: str, language: str) -> str:
    """The summary for a <script> block: '<' escaped, so it can never end the element."""
    text = json.dumps(summary(graph, kind, slug, language), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c")


def schema_type(graph: Graph, subject: URIRef, kind: str) -> str | list[str]:
    schema = str(SDO)
    types = sorted(
        str(t)[len(schema) :] for t in graph.objects(subject, RDF.type) if str(t).startswith(schema)
    )
    if not types:
        return FALLBACK_TYPES.get(kind, "Thing")
    return types[0] if len(types) == 1 else types


def _text(found: dict, key: str, read: Reader, subject: URIRef, predicate: URIRef) -> None:
    text = read.text(subject, predicate)
    if text is not None and key not in found:
        found[key] = text.text


def _reference(graph: Graph, read: Reader, node) -> dict | None:
    """A linked thing: its type, URI and name (things of this service only)."""
    if not isinstance(node, URIRef) or uris.path_of(str(node)) is None:
        return None
    found = uris.kind_and_slug(str(node))
    kind = found[0] if found else ""
    return {
        "@type": schema_type(graph, node, kind),
        "@id": str(node),
        "name": read.label(node).text,
    }


def _contact(found: dict, graph: Graph, subject: URIRef) -> None:
    details = contact_details(graph, subject)
    if details is None:
        return
    node = next(iter(sorted(graph.objects(subject, SDO.address))), None)
    if details.street_address and isinstance(node, URIRef):
        address = {"@type": "PostalAddress", "@id": str(node)}
        address["streetAddress"] = details.street_address
        for key, value in (
            ("postalCode", details.postal_code),
            ("addressLocality", details.locality),
            ("addressCountry", details.country),
        ):
            if value:
                address[key] = value
        found["address"] = address
    telephone = details.telephone_international or details.telephone
    if telephone:
        found["telephone"] = telephone
    if details.email:
        found["email"] = details.email


def opengraph(page: Page, language: str, site_name: str) -> list[tuple[str, str]]:
    """(property, content) of the OpenGraph tags of a resource page."""
    description = next((p.text for p in page.paragraphs), None) or next(
        (t.text for t in page.subtitles), None
    )
    found = [
        ("og:type", "website"),
        ("og:site_name", site_name),
        ("og:title", page.title.text),
        ("og:url", page_url(page.kind, page.slug, language)),
        ("og:locale", LOCALES.get(language, language)),
    ]
    found += [("og:locale:alternate", LOCALES[o]) for o in LOCALES if o != language]
    if description:
        found.append(("og:description", shorten(description)))
    return found


def shorten(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    if len(text) <= length:
        return text
    cut = text.rfind(" ", 0, length)
    return text[: cut if cut > 0 else length].rstrip(",;:") + " …"


__all__ = ["opengraph", "page_url", "summary", "summary_json"]
