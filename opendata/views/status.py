"""``/status``: which data version this process serves, for operators and monitoring.

Answered from what the process holds (no store, no Redis), never cached, so behind a
load balancer each request shows the instance that answered it: after ``opendata
publish`` every instance shows the same version.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from ..publishing import current_store, publication
from ..sparql.engine import current_engines

bp = Blueprint("status", __name__)


@bp.get("/status")
def status() -> Response:
    store = current_store()
    response = jsonify(
        backend=current_app.config["STORE"],
        version=store.version,
        sequence=publication().sequence(),
        query_processes=current_engines().ready(store),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
