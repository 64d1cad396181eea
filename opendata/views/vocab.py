"""The service's own vocabulary files: the JSON-LD context that its documents use."""

from __future__ import annotations

import json

from flask import Blueprint
from werkzeug.wrappers import Response

from ..formats import JSONLD_CONTEXT, jsonld_context
from ..serving import serve_one

bp = Blueprint("vocab", __name__)


@bp.get("/vocab/context.jsonld")
def context() -> Response:
    return serve_one(
        "vocab/context",
        JSONLD_CONTEXT,
        lambda: json.dumps(jsonld_context(), ensure_ascii=False, indent=2).encode("utf-8"),
        version="static",
    )
