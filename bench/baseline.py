"""The baseline: a minimal Flask app that returns pre-rendered bytes.

What the service is measured against. It serves the files of BASELINE_DIR (written
by bench/run.py: for each path the service's body and response headers), answers
If-None-Match with 304, and does nothing else: the very same bytes on the wire, with
none of the work behind them.

    BASELINE_DIR=/tmp/x gunicorn bench.baseline:app
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request

app = Flask(__name__)
_directory = Path(os.environ.get("BASELINE_DIR", "."))
_index = json.loads((_directory / "index.json").read_text()) if _directory.exists() else {}
_bodies = {path: (_directory / entry["file"]).read_bytes() for path, entry in _index.items()}


@app.get("/<path:path>")
@app.get("/", defaults={"path": ""})
def serve(path: str) -> Response:
    key = "/" + path + ("?" + request.query_string.decode() if request.query_string else "")
    entry = _index.get(key)
    if entry is None:
        return Response("not in the baseline\n", status=404)
    if request.headers.get("If-None-Match") == entry["etag"]:
        return Response(status=304, headers=entry["headers"])
    return Response(_bodies[key], headers=entry["headers"])
