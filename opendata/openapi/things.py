"""Things and the documents about them, the pages for people, and the service's own files.

A document is negotiated at ``/doc/{kind}/{name}`` and fixed at
``/doc/{kind}/{name}.{extension}``: one route serves both, but what a request may
carry differs (Accept decides only without an extension), so they are described as
two paths.
"""

from __future__ import annotations

from ..formats import DOCUMENT_FORMATS, HTML, JSONLD, VCARD
from .bodies import JSONLD_CONTEXT, NOT_MODIFIED, OPENAPI, content, error, get, served
from .parameters import LANG, accept, extension, kind, parameter, slug
from .service import Service

# Every document's formats; things with contact data are also offered as a vCard.
THING_FORMATS = (*DOCUMENT_FORMATS, VCARD)
DOCUMENT_TYPES = [f.media_type for f in THING_FORMATS]
NO_CARD = " (a vCard only for organisations and people with contact data)"


def thing_paths(service: Service) -> dict[str, dict]:
    thing_kind, thing_slug = service.thing
    kinds = kind(thing_kind)
    name = slug("name", "The thing's stable identifier, its slug.", thing_slug)
    return {
        "/id/{kind}/{slug}": get(
            "A thing: redirects to the document about it",
            [
                kinds,
                slug("slug", "The thing's stable identifier.", thing_slug),
                accept(THING_FORMATS),
            ],
            {
                "303": {
                    "description": "See Other: the document, /doc/{kind}/{slug} (with the "
                    "same query string)."
                },
                "404": error("No such thing."),
                "406": error("None of the formats is acceptable" + NO_CARD + "."),
                "410": error("Retired: no longer published (Link: rel=successor-version)."),
            },
        ),
        "/doc/{kind}/{name}": get(
            "The document about a thing, in the format negotiated on Accept",
            [kinds, name, accept(THING_FORMATS), LANG],
            served(
                "The document (Content-Location names its fixed-format URL).",
                DOCUMENT_TYPES,
                {
                    "404": "No such thing.",
                    "406": "None of the formats is acceptable" + NO_CARD + ".",
                    "410": "Retired: no longer published (Link: rel=successor-version).",
                },
            ),
        ),
        "/doc/{kind}/{name}.{extension}": get(
            "The document about a thing in one fixed format (the same route; Accept is ignored)",
            [kinds, name, extension(THING_FORMATS), LANG],
            served(
                "The document; .vcf as a download.",
                DOCUMENT_TYPES,
                {
                    "404": "No such thing, or no such format extension" + NO_CARD + ".",
                    "410": "Retired: no longer published (Link: rel=successor-version).",
                },
            ),
        ),
    }


def page_paths() -> dict[str, dict]:
    html = [HTML.media_type]
    return {
        "/": get(
            "Home page: every organisation with its programmes",
            [LANG],
            served("HTML", html),
        ),
        "/impressum": get(
            "Impressum (legal notice) of every publisher", [LANG], served("HTML", html)
        ),
        "/datenschutz": get(
            "Datenschutzerklärung (privacy statement)", [LANG], served("HTML", html)
        ),
        "/barrierefreiheit": get(
            "Erklärung zur Barrierefreiheit (accessibility)", [LANG], served("HTML", html)
        ),
        "/api": get("This documentation for people", [LANG], served("HTML", html)),
    }


def file_paths() -> dict[str, dict]:
    return {
        "/vocab/context.jsonld": get(
            "The JSON-LD context every JSON-LD document of the service uses",
            [],
            {
                "200": {
                    "description": "JSON-LD context",
                    "content": content([JSONLD.media_type], {JSONLD.media_type: JSONLD_CONTEXT}),
                },
                "304": NOT_MODIFIED,
            },
        ),
        "/openapi.json": get(
            "This description (OpenAPI 3.1)",
            [],
            served("OpenAPI", [OPENAPI.media_type]),
        ),
        "/static/{filename}": get(
            "Stylesheets of the HTML pages",
            [parameter("filename", "path", "A file name.", "site.css")],
            {
                "200": {"description": "The file", "content": content(["text/css"])},
                "404": error("No such file."),
            },
        ),
    }
