"""Finished responses answered again without the framework, never for the wrong request.

Whether Flask handled a request is read from its ``request_started`` signal: a
response the cache answered never starts a Flask request.
"""

from __future__ import annotations

import pytest
from flask import request_started

from .conftest import DATA_DIR, copy_data, make_app
from .test_reload import SOURCE, edit

DOC = "/doc/organization/bildungsbuero"


class Handled:
    """Counts the requests Flask itself handles."""

    def __init__(self, app):
        self.count = 0
        request_started.connect(self.started, app)

    def started(self, sender, **extra):
        self.count += 1


@pytest.fixture
def app(backend_store):
    return make_app(DATA_DIR, backend_store)


def test_a_repeated_request_gets_the_same_response_without_the_framework(app):
    handled, client = Handled(app), app.test_client()
    first = client.get(f"{DOC}.ttl")
    again = client.get(f"{DOC}.ttl")
    assert handled.count == 1
    assert again.status_code == 200
    assert again.get_data() == first.get_data()
    assert list(again.headers.items()) == list(first.headers.items())


def test_responses_are_kept_apart_by_every_negotiated_header(app):
    handled, client = Handled(app), app.test_client()
    variants = [
        ({"Accept": "text/html"}, "text/html", "de"),
        ({"Accept": "text/turtle"}, "text/turtle", None),
        ({"Accept": "text/html", "Accept-Language": "en"}, "text/html", "en"),
        ({"Accept": "text/html", "Accept-Language": "de"}, "text/html", "de"),
        ({"Accept": "text/turtle", "Accept-Encoding": "gzip"}, "text/turtle", None),
    ]
    for _ in range(3):
        for headers, mimetype, language in variants:
            response = client.get(DOC, headers=headers)
            assert response.mimetype == mimetype
            assert response.headers.get("Content-Language") == language
            gzipped = "gzip" in headers.get("Accept-Encoding", "")
            assert (response.headers.get("Content-Encoding") == "gzip") == gzipped
    assert handled.count == len(variants)


def test_the_host_is_part_of_the_key_when_no_base_uri_is_set(app):
    client = app.test_client()
    for _ in range(2):
        for host in ("a.example.org", "b.example.org"):
            body = client.get(f"{DOC}.nt", headers={"Host": host}).get_data(as_text=True)
            assert f"<http://{host}/id/organization/bildungsbuero>" in body
            assert "example.org" not in body.replace(host, "")


def test_revalidation_is_answered_from_memory(app):
    handled, client = Handled(app), app.test_client()
    etag = client.get(f"{DOC}.ttl").headers["ETag"]
    for _ in range(3):
        response = client.get(f"{DOC}.ttl", headers={"If-None-Match": etag})
        assert response.status_code == 304 and response.get_data() == b""
        assert response.headers["ETag"] == etag
    assert handled.count == 2  # the 200, then the 304 once
    assert client.get(f"{DOC}.ttl", headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_gets_headers_without_a_body(app):
    client = app.test_client()
    full = client.get(f"{DOC}.ttl")
    for _ in range(2):
        head = client.head(f"{DOC}.ttl")
        assert head.status_code == 200 and head.get_data() == b""
        assert head.headers["ETag"] == full.headers["ETag"]
        assert int(head.headers["Content-Length"]) == len(full.get_data())


def test_only_documents_rendered_from_the_data_are_kept(app):
    handled, client = Handled(app), app.test_client()
    for _ in range(2):
        assert client.get("/doc/organization/nobody").status_code == 404
        assert client.get("/id/organization/bildungsbuero").status_code == 303
        assert client.get(DOC, headers={"Accept": "image/png"}).status_code == 406
        # files on disk are not versioned by the data: Flask answers for them each time
        assert client.get("/static/site.css").status_code == 200
    assert handled.count == 8


def test_request_limits_hold_for_kept_responses(app):
    client = app.test_client()
    assert client.get(f"{DOC}.ttl").status_code == 200
    oversized = {"X-Padding": "x" * app.config["MAX_HEADER_BYTES"]}
    assert client.get(f"{DOC}.ttl", headers=oversized).status_code == 431


def test_a_new_data_version_is_served_at_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    copy_data(data)
    app = make_app(data)
    client = app.test_client()
    before = client.get(f"{DOC}.nt")
    assert client.get(f"{DOC}.nt").get_data() == before.get_data()
    edit(data / SOURCE.name, "Zerbster Straße 4", "Zerbster Straße 5")
    assert app.extensions["opendata"].refresh()
    after = client.get(f"{DOC}.nt")
    assert "Zerbster Straße 5" in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_the_cache_is_bounded():
    app = make_app(DATA_DIR, RESPONSE_CACHE_SIZE=2)
    handled, client = Handled(app), app.test_client()
    for extension in ("ttl", "nt", "jsonld", "ttl"):
        client.get(f"{DOC}.{extension}")
    assert handled.count == 4  # the Turtle answer had been pushed out by the other two
    client.get(f"{DOC}.ttl")
    assert handled.count == 4


def test_it_can_be_turned_off():
    app = make_app(DATA_DIR, RESPONSE_CACHE_SIZE=0)
    handled, client = Handled(app), app.test_client()
    for _ in range(3):
        assert client.get(f"{DOC}.ttl").status_code == 200
    assert handled.count == 3
