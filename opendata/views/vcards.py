"""vCard downloads: ``/doc/{kind}/{slug}.vcf`` for an organisation or person with contact data."""

from __future__ import annotations

from flask import Blueprint, abort
from werkzeug.wrappers import Response

from .. import vcard
from ..http import send
from ..publishing import current_store, public_base
from ..rendering import representation
from .resources import find_resource

bp = Blueprint("vcards", __name__)


@bp.get("/doc/<kind>/<slug>.vcf")
def card(kind: str, slug: str) -> Response:
    resource = find_resource(kind, slug)
    store = current_store()
    graph = store.organization_graph(resource.organization)
    if not vcard.has_card(graph, kind, resource.uri):
        abort(404, description=f"The {kind} {slug!r} has no contact data, so it has no vCard.")
    base = public_base()
    rep = representation(
        store.version,
        resource.key,
        vcard.VCARD,
        base,
        lambda: vcard.render(graph, kind, resource.uri, resource.modified, base),
        resource.modified,
    )
    response = send(rep)
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.vcf"'
    return response
