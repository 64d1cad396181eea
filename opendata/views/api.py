"""Documentation served by the service: ``/api`` for people, ``/openapi.json`` for tools."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template
from werkzeug.wrappers import Response

from .. import uris
from ..formats import DOCUMENT_FORMATS, HTML, Format
from ..http import send
from ..i18n import current_language
from ..openapi import document
from ..publishing import current_store, public_base
from ..rendering import representation
from ..sparql.engine import current_engines
from ..sparql.examples import EXAMPLES
from ..sparql.results import ASK_OFFERS, GRAPH_FORMATS, SOLUTION_FORMATS, TRUNCATED_HEADER

bp = Blueprint("api", __name__)

OPENAPI = Format("json", "application/json", None, "OpenAPI (JSON)")


@bp.get("/api")
def docs() -> Response:
    store = current_store()
    language = current_language()

    def make() -> bytes:
        kind, slug = example_thing()
        return render_template(
            "api.html",
            base=uris.INTERNAL_BASE,
            kind=kind,
            slug=slug,
            document_formats=DOCUMENT_FORMATS,
            solution_formats=SOLUTION_FORMATS,
            ask_formats=[f for f in ASK_OFFERS if f is not HTML],
            graph_formats=GRAPH_FORMATS,
            examples=EXAMPLES,
            limits=current_engines().limits,
            truncated_header=TRUNCATED_HEADER,
            routes={rule.rule for rule in current_app.url_map.iter_rules()},
        ).encode("utf-8")

    rep = representation(store.version, "api", HTML, public_base(), make, store.modified, language)
    return send(rep)


@bp.get("/openapi.json")
def openapi() -> Response:
    store = current_store()

    def make() -> bytes:
        # Built for the public base: its server URL has no trailing slash to relocate.
        described = document(public_base(), current_engines().limits, example_thing())
        return json.dumps(described, ensure_ascii=False, indent=2).encode("utf-8")

    rep = representation(store.version, "openapi", OPENAPI, public_base(), make, store.modified)
    return send(rep)


def example_thing() -> tuple[str, str]:
    """A published organisation to show in examples: the first by slug."""
    return "organization", min(o.slug for o in current_store().organizations)
