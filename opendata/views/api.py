"""Documentation served by the service: ``/api`` for people, ``/openapi.json`` for tools."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template
from werkzeug.wrappers import Response

from .. import catalog, uris, vcard
from ..formats import DOCUMENT_FORMATS, DUMP_FORMATS, HTML, OPENAPI_JSON
from ..kinds import KINDS
from ..openapi import Service, document
from ..publishing import current_store, public_base
from ..serving import serve_one
from ..sparql.engine import current_engines
from ..sparql.examples import EXAMPLES
from ..sparql.results import ASK_OFFERS, GRAPH_FORMATS, SOLUTION_FORMATS, TRUNCATED_HEADER

bp = Blueprint("api", __name__)
CARD_SCAN = 100  # things read at a time when looking for one with a vCard


@bp.get("/api")
def docs() -> Response:
    def make() -> str:
        service = described_service()
        kind, slug = service.thing
        return render_template(
            "api.html",
            base=uris.INTERNAL_BASE,
            kind=kind,
            slug=slug,
            service=service,
            document_formats=DOCUMENT_FORMATS,
            solution_formats=SOLUTION_FORMATS,
            ask_formats=[f for f in ASK_OFFERS if f is not HTML],
            graph_formats=GRAPH_FORMATS,
            dumps=DUMP_FORMATS,
            dump_path=catalog.dump_path,
            examples=EXAMPLES,
            limits=service.limits,
            truncated_header=TRUNCATED_HEADER,
            search_page_size=current_app.config["SEARCH_PAGE_SIZE"],
        )

    return serve_one("api", HTML, make)


@bp.get("/openapi.json")
def openapi() -> Response:
    def make() -> bytes:
        # Built for the public base: its server URL has no trailing slash to relocate.
        described = document(public_base(), described_service())
        return json.dumps(described, ensure_ascii=False, indent=2).encode("utf-8")

    return serve_one("openapi", OPENAPI_JSON, make)


def described_service() -> Service:
    """The limits and sizes of this service, and published things to show in examples."""
    store = current_store()
    config = current_app.config
    return Service(
        limits=current_engines().limits,
        thing=example_thing(),
        card=example_card(),
        newest=store.modified,
        page_size=config["CATALOG_PAGE_SIZE"],
        feed_size=config["FEED_SIZE"],
        max_url_length=config["MAX_URL_LENGTH"],
    )


def example_thing() -> tuple[str, str]:
    """A published organisation to show in examples: the first by slug."""
    return "organization", catalog.datasets(current_store())[0].slug


def example_card() -> tuple[str, str]:
    """The first thing with a vCard (organisations before people), else the example thing."""
    store = current_store()
    kinds = tuple(kind for kind, published in sorted(KINDS.items()) if published.vcard)
    offset = 0
    while things := store.things(offset, CARD_SCAN, kinds):
        for kind, slug, _ in things:
            resource = store.resource(kind, slug)
            if resource and vcard.has_card(store.unit_graph(resource.unit), kind, resource.uri):
                return kind, slug
        offset += CARD_SCAN
    return example_thing()
