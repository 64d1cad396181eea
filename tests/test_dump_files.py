"""Dumps, whole and per organisation, are built once per data version off the request
path: resumable downloads, the previous version's while the new ones are written, 503
before there are any, and never a request that builds."""

from __future__ import annotations

import gzip
import logging
import threading

import pytest
import requests

from opendata import dumps

from .conftest import copy_data, make_app
from .servers import HTTP_TIMEOUT, gunicorn, wait_until
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

    def held(*args):
        release.wait()
        write_all(*args)

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


# --- each organisation's dump ------------------------------------------------------------

PART = "/dumps/organization/bildungsbuero"


def test_an_organisation_dump_resumes_a_download_with_range(tmp_path):
    client = make_app(
        copy_data(tmp_path / "data"), BASE_URI=BASE, STATE_DIR=state(tmp_path)
    ).test_client()
    for name in (f"{PART}.ttl", f"{PART}.ttl.gz"):
        whole = client.get(name)
        assert whole.status_code == 200
        assert whole.headers["Accept-Ranges"] == "bytes"
        body, etag = whole.get_data(), whole.headers["ETag"]
        assert int(whole.headers["Content-Length"]) == len(body)
        part = client.get(name, headers={"Range": "bytes=20-"})
        assert part.status_code == 206 and part.get_data() == body[20:]
        assert part.headers["Content-Range"] == f"bytes 20-{len(body) - 1}/{len(body)}"
        resumed = client.get(name, headers={"Range": "bytes=0-9", "If-Range": etag})
        assert resumed.status_code == 206 and resumed.get_data() == body[:10]
        changed = client.get(name, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
        assert changed.status_code == 200 and changed.get_data() == body
        assert client.get(name, headers={"If-None-Match": etag}).status_code == 304
    plain = client.get(f"{PART}.ttl")
    assert gzip.decompress(client.get(f"{PART}.ttl.gz").get_data()) == plain.get_data()
    assert f"<{BASE}/id/organization/bildungsbuero>".encode() in plain.get_data()


def test_before_an_organisation_dump_is_written_the_answer_is_503(tmp_path, held_builds):
    app = make_app(copy_data(tmp_path / "data"), dumps_built=False, STATE_DIR=state(tmp_path))
    client = app.test_client()
    for name in (f"{PART}.nt", f"{PART}.jsonld.gz"):
        waiting = client.get(name)
        assert waiting.status_code == 503
        assert int(waiting.headers["Retry-After"]) > 0
    assert client.get("/dumps/organization/nobody.nt").status_code == 404
    held_builds.set()
    dumps.wait_until_built(app)
    assert client.get(f"{PART}.nt").status_code == 200


def test_while_a_new_version_is_written_the_previous_organisation_dumps_are_served(
    tmp_path, monkeypatch
):
    data = copy_data(tmp_path / "data")
    app = make_app(data, STATE_DIR=state(tmp_path))
    client = app.test_client()
    before = client.get(f"{PART}.nt.gz")
    release = threading.Event()
    write_all = dumps.write_all
    monkeypatch.setattr(dumps, "write_all", lambda *args: (release.wait(), write_all(*args))[-1])
    edit(data / "bildungsbuero-dessau-rosslau.yaml", "Zerbster Straße 4", "Zerbster Straße 45")
    assert app.extensions["opendata"].refresh()
    meanwhile = client.get(f"{PART}.nt.gz")
    assert meanwhile.status_code == 200
    assert meanwhile.get_data() == before.get_data()
    release.set()
    dumps.wait_until_built(app)
    after = client.get(f"{PART}.nt.gz")
    assert "Zerbster Straße 45" in gzip.decompress(after.get_data()).decode()
    assert after.headers["ETag"] != before.headers["ETag"]


def test_organisations_that_did_not_change_keep_their_dumps(multi_data_dir, tmp_path, caplog):
    app = make_app(multi_data_dir, BASE_URI=BASE, STATE_DIR=state(tmp_path))
    client = app.test_client()
    other = "/dumps/organization/familienbuero-musterstadt.jsonld"
    before = {path: client.get(path) for path in (f"{PART}.jsonld", other)}
    edit(multi_data_dir / "bildungsbuero-dessau-rosslau.yaml", "Zerbster Straße 4", "Straße 9")
    with caplog.at_level(logging.INFO):
        assert app.extensions["opendata"].refresh()
        dumps.wait_until_built(app)
    assert "1 rendered, 1 unchanged since the version before" in caplog.text
    after = {path: client.get(path) for path in before}
    assert after[other].get_data() == before[other].get_data()
    assert after[other].headers["ETag"] == before[other].headers["ETag"]
    assert "Straße 9" in after[f"{PART}.jsonld"].get_data(as_text=True)


def test_an_organisation_dump_is_moved_to_the_request_base(tmp_path):
    client = make_app(copy_data(tmp_path / "data"), STATE_DIR=state(tmp_path)).test_client()
    etags = set()
    for base in ("http://localhost", "https://other.example"):
        plain = client.get(f"{PART}.nt", base_url=base)
        packed = client.get(f"{PART}.nt.gz", base_url=base)
        assert f"<{base}/id/organization/bildungsbuero>" in plain.get_data(as_text=True)
        assert "opendata.invalid" not in plain.get_data(as_text=True)
        assert gzip.decompress(packed.get_data()) == plain.get_data()
        etags |= {plain.headers["ETag"], packed.headers["ETag"]}
        again = client.get(
            f"{PART}.nt.gz", base_url=base, headers={"If-None-Match": packed.headers["ETag"]}
        )
        assert again.status_code == 304
    assert len(etags) == 4


def test_gunicorn_sends_an_organisation_dump_from_its_pack(multi_data_dir, tmp_path):
    """Under gunicorn the gzip of a part is sent with sendfile from the middle of its pack:
    exactly its range, whole or in part."""
    env = {
        "OPENDATA_DATA_DIR": str(multi_data_dir),
        "OPENDATA_STATE_DIR": state(tmp_path),
        "OPENDATA_BASE_URI": BASE,
    }
    with gunicorn(env, workers=1) as url:
        later = f"{url}/dumps/organization/familienbuero-musterstadt.ttl"  # not first in the pack
        packed = wait_until(
            lambda: (r := requests.get(later + ".gz", timeout=HTTP_TIMEOUT)).ok and r,
            "the organisation dumps",
        )
        plain = requests.get(later, timeout=HTTP_TIMEOUT)
        assert gzip.decompress(packed.content) == plain.content
        assert b"familienbuero-musterstadt" in plain.content
        tail = requests.get(later + ".gz", headers={"Range": "bytes=7-"}, timeout=HTTP_TIMEOUT)
        assert tail.status_code == 206 and tail.content == packed.content[7:]
