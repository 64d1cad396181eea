"""Whole dumps are files built once per data version off the request path: resumable
downloads, the previous version's files while the new ones are written, 503 before
there are any, and never a request that builds."""

from __future__ import annotations

import gzip
import threading

import pytest

from opendata import dumps

from .conftest import copy_data, make_app
from .test_reload import edit

BASE = "https://daten.example.de"


def state(tmp_path) -> str:
    """A state directory of the test's own: no artefact of another test is found there."""
    return str(tmp_path / "state")


@pytest.fixture
def held_builds(monkeypatch):
    """Dump builds wait until the test releases them (to see what is served meanwhile)."""
    release = threading.Event()
    write_all = dumps.write_all

    def held(store, directory, base):
        release.wait()
        write_all(store, directory, base)

    monkeypatch.setattr(dumps, "write_all", held)
    return release


def test_a_dump_file_resumes_a_download_with_range(tmp_path):
    client = make_app(
        copy_data(tmp_path / "data"), BASE_URI=BASE, STATE_DIR=state(tmp_path)
    ).test_client()
    whole = client.get("/dumps/all.nt")
    assert whole.status_code == 200
    assert whole.headers["Accept-Ranges"] == "bytes"
    body = whole.get_data()
    part = client.get("/dumps/all.nt", headers={"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.get_data() == body[100:]
    assert part.headers["Content-Range"] == f"bytes 100-{len(body) - 1}/{len(body)}"
    etag = whole.headers["ETag"]
    resumed = client.get("/dumps/all.nt", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert resumed.status_code == 206 and resumed.get_data() == body[:10]
    changed = client.get("/dumps/all.nt", headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert changed.status_code == 200 and changed.get_data() == body
    packed = client.get("/dumps/all.nt.gz")
    assert gzip.decompress(packed.get_data()) == body
    assert f"<{BASE}/id/organization/bildungsbuero>".encode() in body


def test_before_any_dump_is_written_the_answer_is_503_with_retry_after(tmp_path, held_builds):
    app = make_app(copy_data(tmp_path / "data"), dumps_built=False, STATE_DIR=state(tmp_path))
    client = app.test_client()
    waiting = client.get("/dumps/all.ttl")
    assert waiting.status_code == 503
    assert int(waiting.headers["Retry-After"]) > 0
    held_builds.set()
    dumps.wait_until_built(app)
    assert client.get("/dumps/all.ttl").status_code == 200


def test_while_a_new_version_is_written_the_previous_dumps_are_served(tmp_path, monkeypatch):
    data = copy_data(tmp_path / "data")
    app = make_app(data, STATE_DIR=state(tmp_path))
    client = app.test_client()
    before = client.get("/dumps/all.nt")
    release = threading.Event()
    write_all = dumps.write_all
    monkeypatch.setattr(dumps, "write_all", lambda *args: (release.wait(), write_all(*args))[-1])
    edit(data / "bildungsbuero-dessau-rosslau.yaml", "Zerbster Straße 4", "Zerbster Straße 45")
    assert app.extensions["opendata"].refresh()
    meanwhile = client.get("/dumps/all.nt")
    assert meanwhile.status_code == 200
    assert meanwhile.get_data() == before.get_data()
    release.set()
    dumps.wait_until_built(app)
    after = client.get("/dumps/all.nt")
    assert "Zerbster Straße 45" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_the_dump_of_each_base_is_moved_while_it_streams(tmp_path):
    client = make_app(copy_data(tmp_path / "data"), STATE_DIR=state(tmp_path)).test_client()
    for base in ("http://localhost", "https://other.example"):
        body = client.get("/dumps/all.nt", base_url=base).get_data(as_text=True)
        assert f"<{base}/id/organization/bildungsbuero>" in body
        assert "opendata.invalid" not in body
    first = client.get("/dumps/all.nt", base_url="http://localhost")
    other = client.get("/dumps/all.nt", base_url="https://other.example")
    assert first.headers["ETag"] != other.headers["ETag"]
    again = client.get(
        "/dumps/all.nt",
        base_url="http://localhost",
        headers={"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
