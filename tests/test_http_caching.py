"""Render once, serve bytes: validators, 304s, Cache-Control and gzip."""

from __future__ import annotations

import gzip

import pytest

from opendata.formats import Format

from .conftest import DATA_DIR, make_app

DOC = "/doc/organization/bildungsbuero"


def test_documents_carry_strong_validators_and_cache_control(client):
    response = client.get(f"{DOC}.ttl")
    etag, weak = response.get_etag()
    assert etag and not weak
    assert response.last_modified.date().isoformat() == "2026-11-26"  # publication.modified
    assert response.cache_control.public
    assert response.cache_control.max_age == 300


def test_max_age_is_configurable():
    client = make_app(DATA_DIR, MAX_AGE=3600).test_client()
    assert client.get(f"{DOC}.ttl").cache_control.max_age == 3600


def test_if_none_match_answers_304(client):
    etag = client.get(f"{DOC}.ttl").headers["ETag"]
    response = client.get(f"{DOC}.ttl", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag


def test_if_modified_since_answers_304(client):
    last_modified = client.get(f"{DOC}.ttl").headers["Last-Modified"]
    assert client.get(f"{DOC}.ttl", headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert client.get(f"{DOC}.ttl", headers={"If-Modified-Since": earlier}).status_code == 200


def test_the_etag_differs_between_formats_of_one_negotiated_url(client):
    turtle = client.get(DOC, headers={"Accept": "text/turtle"})
    html = client.get(DOC, headers={"Accept": "text/html", "If-None-Match": turtle.headers["ETag"]})
    assert html.status_code == 200
    assert html.mimetype == "text/html"


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": 'not-quoted, "unterminated'},
        {"If-None-Match": "W/"},
        {"If-Modified-Since": "yesterday"},
        {"If-Modified-Since": "Mon, 99 Foo 2024 99:99:99 GMT"},
        {"If-Modified-Since": "\x00\x01"},
    ],
)
def test_malformed_conditional_headers_are_ignored(client, headers):
    response = client.get(f"{DOC}.ttl", headers=headers)
    assert response.status_code == 200
    assert len(response.get_data()) > 0


def test_gzip_for_clients_that_accept_it(client):
    plain = client.get(f"{DOC}.ttl")
    zipped = client.get(f"{DOC}.ttl", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.vary and "Accept-Encoding" in plain.vary
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    # the gzip variant revalidates with its own ETag
    again = client.get(
        f"{DOC}.ttl",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304


def test_gzip_refused_with_q0(client):
    response = client.get(f"{DOC}.ttl", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers


def test_each_representation_is_serialised_once(monkeypatch, app):
    calls = []
    original = Format.render

    def counting(self, source):
        calls.append(self.name)
        return original(self, source)

    monkeypatch.setattr(Format, "render", counting)
    client = app.test_client()
    for _ in range(3):
        assert client.get(f"{DOC}.ttl").status_code == 200
        assert client.get(DOC, headers={"Accept": "application/n-triples"}).status_code == 200
    assert calls == ["ttl", "nt"]


def test_a_browser_never_gets_turtle_from_the_cache(client):
    assert client.get(DOC).mimetype == "text/turtle"
    assert client.get(DOC, headers={"Accept": "text/html"}).mimetype == "text/html"
    assert client.get(DOC).mimetype == "text/turtle"


def test_languages_are_cached_apart(client):
    german = client.get(f"{DOC}.html").get_data(as_text=True)
    english = client.get(f"{DOC}.html?lang=en").get_data(as_text=True)
    assert '<html lang="de">' in german and '<html lang="en">' in english
    assert client.get(f"{DOC}.html").get_data(as_text=True) == german
