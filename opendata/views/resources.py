"""Things and the documents about them: ``/id/{kind}/{slug}`` and ``/doc/{kind}/{slug}``.

``/id/…`` names the thing itself and answers 303 See Other to the document
(W3C "Cool URIs for the Semantic Web"); ``/doc/…`` negotiates the format on Accept;
``/doc/…{.ext}`` is one fixed format, the URL caches and CDNs can key on safely.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Blueprint, abort, redirect, render_template, request
from werkzeug.wrappers import Response

from .. import uris
from ..formats import BY_EXTENSION, DOCUMENT_FORMATS, HTML, Format, NotAcceptable, negotiate
from ..http import link_header, send
from ..i18n import current_language
from ..pages import build_page
from ..publishing import current_store, public_base
from ..rendering import embedded_jsonld, representation, serialize
from ..store import PublishedStore, Resource

bp = Blueprint("resources", __name__)

_SLUG = re.compile(rf"^{uris.SLUG_PATTERN}$")


@bp.get("/id/<kind>/<slug>")
def thing(kind: str, slug: str) -> Response:
    find_resource(kind, slug)
    negotiate_or_406(f"/doc/{kind}/{slug}")
    location = f"/doc/{kind}/{slug}"
    if request.query_string:
        location += "?" + request.query_string.decode("ascii", "replace")
    response = redirect(location, code=303)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<kind>/<name>")
def document(kind: str, name: str) -> Response:
    slug, dot, extension = name.partition(".")
    store = current_store()
    resource = find_resource(kind, slug, store)
    path = f"/doc/{kind}/{slug}"
    base = public_base()
    if dot:
        fmt = BY_EXTENSION.get(extension)
        if fmt is None:
            abort(404, description=f"No format '.{extension}'; try one of: {_extensions()}.")
        return send(render(store, resource, fmt, base), alternates=alternates(base, path))
    fmt = negotiate_or_406(path)
    return send(
        render(store, resource, fmt, base),
        negotiated=True,
        content_location=f"{path}.{fmt.name}",
        alternates=alternates(base, path),
    )


def find_resource(kind: str, slug: str, store: PublishedStore | None = None) -> Resource:
    resource = None
    if kind in uris.KINDS and _SLUG.match(slug):
        resource = (store or current_store()).resource(kind, slug)
    if resource is None:
        abort(404, description=f"There is no {kind!r} called {slug!r} here.")
    return resource


def negotiate_or_406(path: str) -> Format:
    try:
        return negotiate(request.environ.get("HTTP_ACCEPT"))
    except NotAcceptable:
        offered = ", ".join(f.media_type for f in DOCUMENT_FORMATS)
        abort(406, description=f"This document is available as: {offered}. {_alternatives(path)}")


@lru_cache(maxsize=4096)
def alternates(base: str, path: str) -> str:
    """The Link header naming every format of a document."""
    return link_header((f"{base.rstrip('/')}{path}.{fmt.name}", fmt) for fmt in DOCUMENT_FORMATS)


def render(store: PublishedStore, resource: Resource, fmt: Format, base: str):
    language = current_language() if fmt is HTML else None

    def make() -> bytes:
        graph = store.document(resource)
        if fmt is HTML:
            return html_page(store, resource, graph, language).encode("utf-8")
        return serialize(graph, fmt)

    return representation(store.version, resource.key, fmt, base, make, resource.modified, language)


def html_page(store: PublishedStore, resource: Resource, graph, language: str) -> str:
    context = store.organization_graph(resource.organization)
    page = build_page(graph, resource.kind, resource.slug, language, context)
    return render_template(
        "resource.html",
        page=page,
        resource=resource,
        uri=str(resource.uri),
        doc_path=f"/doc/{resource.key}",
        page_path=f"/doc/{resource.key}",
        crumbs=page.breadcrumbs,
        formats=DOCUMENT_FORMATS,
        jsonld=embedded_jsonld(graph),
    )


def _extensions() -> str:
    return ", ".join(f".{f.name}" for f in DOCUMENT_FORMATS)


def _alternatives(path: str) -> str:
    return "Fixed-format URLs: " + ", ".join(f"{path}.{f.name}" for f in DOCUMENT_FORMATS)
