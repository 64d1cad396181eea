"""``/status``: which data version this process serves, for operators and monitoring.

Answered from what the process holds (no store, no Redis), never cached, so behind a
load balancer each request shows the instance that answered it: after ``opendata
publish`` every instance shows the same version.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from ..backends.store import StoreBackend
from ..publishing import current_store, publication

bp = Blueprint("status", __name__)


@bp.get("/status")
def status() -> Response:
    backend = publication()
    published = backend.published if isinstance(backend, StoreBackend) else None
    response = jsonify(
        backend=current_app.config["STORE"],
        version=current_store().version,
        # the publish sequence number of the store backend: versions are ordered by it
        sequence=published.sequence if published else None,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
