"""URIs and HTTP: 303 from things to documents, content negotiation, fixed-format
URLs, 406 and 404, HEAD, and the headers that make negotiation cache-safe."""

from __future__ import annotations

import pytest

DOC = "/doc/organization/bildungsbuero"
THING = "/id/organization/bildungsbuero"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("", "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/html", "text/html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/ld+json", "application/ld+json"),
        (
            'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
            "application/ld+json",
        ),
        ("application/json", "application/ld+json"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/n-triples", "application/n-triples"),
        # rapper and other RDF tools: RDF/XML first, HTML as a fallback.
        ("application/rdf+xml, text/html;q=0.6, */*;q=0.1", "application/rdf+xml"),
        # zazuko/trifid#362: a list with a format we do not have and a wildcard.
        (
            "application/ld+json, application/trig, text/turtle;q=0.9, */*;q=0.1",
            "application/ld+json",
        ),
        ("text/turtle;q=0.5, application/n-triples;q=0.9", "application/n-triples"),
        ("text/*", "text/turtle"),
        ("text/*;q=0.5, text/html", "text/html"),
        ("application/*", "application/ld+json"),
        ("text/turtle;q=0, */*", "application/ld+json"),
        ("TEXT/TURTLE", "text/turtle"),
    ],
)
def test_the_document_negotiates_its_format(client, accept, media_type):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get(DOC, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary
    extension = {
        "text/turtle": "ttl",
        "text/html": "html",
        "application/ld+json": "jsonld",
        "application/rdf+xml": "rdf",
        "application/n-triples": "nt",
    }[media_type]
    assert response.headers["Content-Location"] == f"{DOC}.{extension}"


def test_negotiated_responses_link_every_format(client):
    response = client.get(DOC)
    link = response.headers["Link"]
    for extension, media_type in [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ]:
        assert f'<http://localhost{DOC}.{extension}>; rel="alternate"; type="{media_type}"' in link


@pytest.mark.parametrize(
    ("extension", "media_type"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ],
)
def test_an_extension_fixes_the_format_whatever_the_accept(client, extension, media_type):
    response = client.get(f"{DOC}.{extension}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" not in response.vary


@pytest.mark.parametrize(
    "accept", ["image/png", "application/pdf, image/*", "text/turtle;q=0", "foo", ";;;"]
)
def test_an_unsatisfiable_accept_gets_406_listing_the_alternatives(client, accept):
    response = client.get(DOC, headers={"Accept": accept})
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    for media_type in (
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/n-triples",
        "text/html",
    ):
        assert media_type in body
    assert f"{DOC}.ttl" in body


@pytest.mark.parametrize("accept", ["text/turtle", "text/html", None])
def test_the_thing_answers_303_to_its_document(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get(THING, headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == DOC
    assert "Accept" in response.vary
    followed = client.get(THING, headers=headers, follow_redirects=True)
    assert followed.status_code == 200
    assert followed.mimetype == (accept or "text/turtle")


def test_the_redirect_keeps_the_query_string(client):
    response = client.get(THING + "?lang=en", headers={"Accept": "text/html"})
    assert response.headers["Location"] == DOC + "?lang=en"


def test_the_thing_of_an_unknown_resource_is_404(client):
    assert client.get("/id/organization/nobody").status_code == 404


def test_an_unknown_resource_is_404_in_html_for_browsers(client):
    response = client.get("/doc/organization/nobody", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)


def test_an_unknown_resource_is_404_as_rdf_for_rdf_clients(client):
    from rdflib import Graph
    from rdflib.namespace import Namespace

    hydra = Namespace("http://www.w3.org/ns/hydra/core#")
    response = client.get("/doc/organization/nobody", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (None, hydra.statusCode, None) in graph


@pytest.mark.parametrize(
    "path",
    [
        "/doc/organisation/bildungsbuero",
        "/doc/organization/bildungsbuero.pdf",
        "/doc/organization/bildungsbuero.ttl.ttl",
        "/doc/organization/BILDUNGSBUERO",
        "/doc/organization/%00",
        "/doc/organization/..%2F..%2Fetc",
        "/id/organization/%E2%80%AE",
        "/doc/organization/bildungsbuero%0d%0aSet-Cookie:x",
        "/doc//",
        "/doc/organization/",
        "/id/<script>/x",
    ],
)
def test_odd_paths_get_a_short_4xx(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert 400 <= response.status_code < 500
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "path", ["/", DOC, f"{DOC}.ttl", THING, "/vocab/context.jsonld", "/doc/organization/nobody"]
)
def test_head_answers_like_get_without_a_body(client, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code
    assert head.headers.get("Content-Type") == get.headers.get("Content-Type")
    assert head.get_data() == b""


def test_a_post_to_a_document_is_405_with_allow(client):
    response = client.post(DOC, headers={"Accept": "text/html"})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
