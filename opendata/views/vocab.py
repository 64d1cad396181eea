"""The service's own vocabulary files: the JSON-LD context that its documents use."""

from __future__ import annotations

import json

from flask import Blueprint
from werkzeug.wrappers import Response

from ..formats import JSONLD
from ..http import send
from ..publishing import current_store
from ..rendering import jsonld_context, representation

bp = Blueprint("vocab", __name__)


@bp.get("/vocab/context.jsonld")
def context() -> Response:
    store = current_store()
    rep = representation(
        "static",
        "vocab/context",
        JSONLD,
        "-",
        lambda: json.dumps(jsonld_context(), ensure_ascii=False, indent=2).encode("utf-8"),
        store.modified,
    )
    return send(rep)
