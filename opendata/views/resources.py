"""Things and the documents about them: ``/id/{kind}/{slug}`` and ``/doc/{kind}/{slug}``.

``/id/…`` names the thing itself and answers 303 See Other to the document
(W3C "Cool URIs for the Semantic Web"); ``/doc/…`` negotiates the format on Accept;
``/doc/…{.ext}`` is one fixed format, the URL caches and CDNs can key on safely.
Documents are offered in every RDF format and HTML, and as a vCard where the thing
has contact data (``.vcf``, ``Accept: text/vcard``).
"""

from __future__ import annotations

import re
from functools import cached_property

from flask import Blueprint, abort, render_template
from rdflib import Graph
from werkzeug.wrappers import Response

from .. import uris, vcard
from ..errors import Gone
from ..formats import DOCUMENT_FORMATS, VCARD, Format
from ..i18n import current_language, gettext
from ..kinds import KINDS
from ..pages import build_page
from ..publishing import current_store, public_base
from ..serving import UrlOf, see_other, serve
from ..store import PublishedStore, Resource
from ..structured import opengraph, summary_json

bp = Blueprint("resources", __name__)

_SLUG = re.compile(rf"^{uris.SLUG_PATTERN}$")


@bp.get("/id/<kind>/<slug>")
def thing(kind: str, slug: str) -> Response:
    public_base()  # a bad Host is refused before anything else
    store = current_store()
    resource = find_resource(kind, slug, store)
    path = f"/doc/{kind}/{slug}"
    return see_other(path, offers(store, resource), "This document", fixed_urls(path))


@bp.get("/doc/<kind>/<name>")
def document(kind: str, name: str) -> Response:
    slug, dot, extension = name.partition(".")
    public_base()  # a bad Host is refused before anything else
    store = current_store()
    resource = find_resource(kind, slug, store)
    document_offers = offers(store, resource)
    if dot and extension == VCARD.name and VCARD not in document_offers:
        abort(404, description=f"The {kind} {slug!r} has no contact data, so it has no vCard.")
    return serve(
        Document(store, resource),
        key=resource.key,
        modified=resource.modified,
        offers=document_offers,
        extension=extension if dot else None,
        url=fixed_urls(f"/doc/{kind}/{slug}"),
        filename=slug,
    )


def find_resource(kind: str, slug: str, store: PublishedStore) -> Resource:
    """The resource; 410 Gone for a retired one (naming its successor), else 404."""
    resource = None
    if kind in KINDS and _SLUG.match(slug):
        resource = store.resource(kind, slug)
        retirement = store.retirements.get((kind, slug))
        if retirement is not None:
            raise Gone(retirement)
    if resource is None:
        abort(404, description=f"There is no {kind!r} called {slug!r} here.")
    return resource


def offers(store: PublishedStore, resource: Resource) -> tuple[Format, ...]:
    """Every document's formats, and the vCard where the thing has contact data."""

    def compute() -> tuple[Format, ...]:
        graph = store.unit_graph(resource.unit)
        if vcard.has_card(graph, resource.kind, resource.uri):
            return (*DOCUMENT_FORMATS, VCARD)
        return DOCUMENT_FORMATS

    return store.memo(("offers", resource.key), compute)


def fixed_urls(path: str) -> UrlOf:
    return lambda fmt: f"{path}.{fmt.name}"


class Document:
    """What the formats of a document are rendered from."""

    def __init__(self, store: PublishedStore, resource: Resource):
        self.store = store
        self.resource = resource

    @cached_property
    def context(self) -> Graph:
        """What the files around the resource say (the trail, the contact card)."""
        return self.store.context(self.resource)

    def graph(self) -> Graph:
        return self.document

    @cached_property
    def document(self) -> Graph:
        return self.store.document(self.resource, self.context)

    def page(self) -> str:
        resource = self.resource
        language = current_language()
        page = build_page(self.document, resource.kind, resource.slug, language, self.context)
        return render_template(
            "resource.html",
            page=page,
            resource=resource,
            uri=str(resource.uri),
            doc_path=f"/doc/{resource.key}",
            page_path=f"/doc/{resource.key}",
            crumbs=page.breadcrumbs,
            formats=DOCUMENT_FORMATS,
            jsonld=summary_json(self.document, resource.kind, resource.slug, language),
            opengraph=opengraph(page, language, gettext("site_name", language)),
        )

    def vcard(self) -> bytes:
        resource = self.resource
        return vcard.render(
            self.context, resource.kind, resource.uri, resource.modified, public_base()
        )
