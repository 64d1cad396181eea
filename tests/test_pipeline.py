"""One document pipeline: the vCard as a negotiated format, one Vary per URL, cacheable
redirects and refusals, validators on query results, one tel: IRI everywhere, and a
reload that misses no edit."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from werkzeug.http import parse_date

from opendata.kinds import KINDS
from opendata.records import THING_KINDS
from opendata.vocabulary import VCARD

from .conftest import copy_data, make_app, parse

OFFICE = "/doc/organization/bildungsbuero"
PERSON = "/doc/person/kathrin-hinze"
CONCEPT = "/doc/concept/stadt-und-buerger"
QUERY = "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20%3Fo%20%7D%20LIMIT%201"


@pytest.mark.parametrize("path", [OFFICE, PERSON])
def test_a_vcard_is_a_negotiated_format_of_things_with_contact_data(client, path):
    negotiated = client.get(path, headers={"Accept": "text/vcard"})
    fixed = client.get(f"{path}.vcf")
    assert negotiated.status_code == 200
    assert negotiated.mimetype == "text/vcard"
    assert negotiated.headers["Content-Location"] == f"{path}.vcf"
    assert negotiated.get_data() == fixed.get_data()
    assert negotiated.get_data(as_text=True).startswith("BEGIN:VCARD\r\n")
    assert f'{path}.vcf>; rel="alternate"; type="text/vcard"' in negotiated.headers["Link"]


def test_things_without_contact_data_do_not_offer_a_vcard(client):
    refused = client.get(CONCEPT, headers={"Accept": "text/vcard"})
    assert refused.status_code == 406
    body = refused.get_data(as_text=True)
    assert "text/turtle" in body and "text/html" in body
    assert "text/vcard" not in body
    assert "text/vcard" not in client.get(CONCEPT).headers["Link"]


@pytest.mark.parametrize("path", [OFFICE, CONCEPT, "/catalog", "/sparql", "/.well-known/void"])
def test_every_response_of_a_negotiated_url_says_the_same_vary(client, path):
    accepts = ["text/turtle", "text/html", "application/ld+json", "text/vcard", "image/png"]
    varies = {
        client.get(path, headers={"Accept": accept, "Accept-Language": language}).headers["Vary"]
        for accept in accepts
        for language in ("de", "en")
    }
    assert len(varies) == 1, varies
    assert {"Accept", "Accept-Encoding", "Accept-Language"} <= {
        part.strip() for part in varies.pop().split(",")
    }


def test_redirects_and_refusals_may_be_cached_like_the_documents(client):
    max_age = client.get(OFFICE).headers["Cache-Control"]
    redirect = client.get("/id/organization/bildungsbuero")
    refused = client.get(OFFICE, headers={"Accept": "image/png"})
    assert redirect.status_code == 303 and refused.status_code == 406
    assert redirect.headers["Cache-Control"] == max_age
    assert refused.headers["Cache-Control"] == max_age
    assert redirect.headers["Vary"] == refused.headers["Vary"] == client.get(OFFICE).headers["Vary"]


def test_query_results_carry_a_valid_last_modified(client):
    response = client.get(QUERY)
    assert response.status_code == 200
    assert parse_date(response.headers["Last-Modified"]) is not None
    again = client.get(QUERY, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert again.status_code == 304


def test_the_telephone_is_one_tel_iri_in_catalogue_page_and_vcard(client):
    catalogue = parse(client.get("/catalog.ttl"), "ttl")
    in_catalogue = {str(o) for o in catalogue.objects(None, URIRef(VCARD + "hasTelephone"))}
    page = client.get(f"{OFFICE}.html").get_data(as_text=True)
    card = client.get(f"{OFFICE}.vcf").get_data(as_text=True)
    assert len(in_catalogue) == 1
    tel = in_catalogue.pop()
    assert f'href="{tel}"' in page
    assert f":{tel}\r\n" in card


def test_an_edit_landing_while_the_first_version_loads_is_not_missed(tmp_path, monkeypatch):
    """The directory is fingerprinted before it is read: an edit made during the read
    leaves a newer fingerprint behind, so the next check loads the edit."""
    data = copy_data(tmp_path / "data")
    source = data / "bildungsbuero-dessau-rosslau.yaml"
    backend_class = type(make_app(data).extensions["opendata"])
    load = backend_class._load

    def load_then_edit(backend, *arguments):
        store = load(backend, *arguments)
        # a longer text: the size changes, whatever the clock's resolution
        text = source.read_text(encoding="utf-8").replace("Zerbster Straße 4", "Zerbster Straße 45")
        source.write_text(text, encoding="utf-8")
        return store

    monkeypatch.setattr(backend_class, "_load", load_then_edit)
    app = make_app(data)
    monkeypatch.setattr(backend_class, "_load", load)
    client = app.test_client()
    assert "Zerbster Straße 45" not in client.get(f"{OFFICE}.nt").get_data(as_text=True)
    assert app.extensions["opendata"].refresh()
    assert "Zerbster Straße 45" in client.get(f"{OFFICE}.nt").get_data(as_text=True)


def test_the_kind_registry_publishes_every_kind_the_records_declare():
    assert tuple(KINDS) == THING_KINDS
