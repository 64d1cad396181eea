"""Persistent URIs: a retired thing answers 410 Gone with its successor, leaves the
catalogue and the sitemap, shows in the change feed; removing instead of retiring is
refused."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, XSD

from opendata.cli import main

from .catalog_data import whole_catalogue
from .conftest import copy_data, make_app, parse, retire

BASE = "http://localhost"
GONE = "organization/familienbuero-musterstadt"
SUCCESSOR = "organization/bildungsbuero"
FICTIONAL_THINGS = (
    GONE,
    "organization/stadtverwaltung-musterstadt",
    "place/musterstadt",
    "programme/familienpaten",
    "person/erika-mustermann",
)


@pytest.fixture
def retired_dir(multi_data_dir):
    (multi_data_dir / "familienbuero-musterstadt.yaml").unlink()
    retire(multi_data_dir, *FICTIONAL_THINGS, successor=SUCCESSOR)
    return multi_data_dir


@pytest.fixture
def retired_client(retired_dir, backend_store):
    return make_app(retired_dir, backend_store).test_client()


@pytest.mark.parametrize("path", [f"/id/{GONE}", f"/doc/{GONE}", f"/doc/{GONE}.ttl"])
def test_a_retired_thing_answers_410_naming_its_successor(retired_client, path):
    response = retired_client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 410
    assert response.headers["Link"] == f'<{BASE}/id/{SUCCESSOR}>; rel="successor-version"'
    assert "max-age" in response.headers["Cache-Control"]
    graph = parse(response, "ttl")
    thing = URIRef(f"{BASE}/id/{GONE}")
    assert (thing, DCTERMS.isReplacedBy, URIRef(f"{BASE}/id/{SUCCESSOR}")) in graph
    retired_on = Literal("2026-11-30T00:00:00Z", datatype=XSD.dateTime)
    assert (thing, PROV.invalidatedAtTime, retired_on) in graph


def test_browsers_get_a_page_linking_the_successor(retired_client):
    response = retired_client.get(f"/doc/{GONE}", headers={"Accept": "text/html"})
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert f'href="/doc/{SUCCESSOR}" rel="successor-version"' in page
    english = retired_client.get(f"/doc/{GONE}?lang=en", headers={"Accept": "text/html"})
    assert "No longer published" in english.get_data(as_text=True)


def test_json_clients_get_a_problem_naming_the_successor(retired_client):
    response = retired_client.get(f"/doc/{GONE}", headers={"Accept": "application/json"})
    assert response.status_code == 410
    assert json.loads(response.get_data())["successor"] == f"{BASE}/id/{SUCCESSOR}"


def test_the_catalogue_sitemap_and_feed_follow_the_retirement(retired_client):
    datasets = {str(d) for d in whole_catalogue(retired_client).subjects() if "/dataset/" in d}
    assert not any("familienbuero" in d for d in datasets)
    assert any("bildungsbuero" in d for d in datasets)
    sitemap = retired_client.get("/sitemap.xml").get_data(as_text=True)
    assert "familienbuero" not in sitemap
    feed = retired_client.get("/feed.atom").get_data(as_text=True)
    entry = feed[feed.index(f"<id>{BASE}/id/{GONE}</id>") :]
    entry = entry[: entry.index("</entry>")]
    assert "<updated>2026-11-30T00:00:00Z</updated>" in entry
    assert f'rel="successor-version" type="text/html" href="{BASE}/doc/{SUCCESSOR}.html"' in entry


def test_removing_instead_of_retiring_keeps_the_last_good_version(multi_data_dir, caplog):
    app = make_app(multi_data_dir)
    client = app.test_client()
    (multi_data_dir / "familienbuero-musterstadt.yaml").unlink()
    with caplog.at_level(logging.ERROR):
        assert not app.extensions["opendata"].refresh()
    assert f"{GONE} was published by the previous version and is gone" in caplog.text
    assert client.get(f"/doc/{GONE}").status_code == 200
    retire(multi_data_dir, *FICTIONAL_THINGS, successor=SUCCESSOR)
    assert app.extensions["opendata"].refresh()
    assert client.get(f"/doc/{GONE}").status_code == 410


def test_validate_refuses_to_drop_what_the_previous_version_published(tmp_path, multi_data_dir):
    current = copy_data(tmp_path / "current")
    refused = CliRunner().invoke(
        main, ["validate", str(current), "--previous", str(multi_data_dir)]
    )
    assert refused.exit_code == 1
    assert f"{GONE} was published by the previous version" in refused.output
    retire(current, *FICTIONAL_THINGS, successor=SUCCESSOR)
    accepted = CliRunner().invoke(
        main, ["validate", str(current), "--previous", str(multi_data_dir)]
    )
    assert accepted.exit_code == 0, accepted.output


@pytest.mark.parametrize(
    ("things", "successor", "message"),
    [
        (("organization/bildungsbuero",), None, "is retired but still declared in"),
        ((GONE,), "organization/bildungsbuero-dessau", "no organization 'bildungsbuero-dessau'"),
        ((GONE, GONE), None, "is already retired in retired.yaml"),
    ],
)
def test_a_retirement_that_cannot_hold_is_refused(tmp_path, things, successor, message):
    data = copy_data(tmp_path / "data")
    retire(data, *things, successor=successor)
    result = CliRunner().invoke(main, ["validate", str(data)])
    assert result.exit_code == 1
    assert any(
        line.startswith("retired.yaml: shared.retired.") and message in line
        for line in result.output.splitlines()
    ), result.output


def test_publishing_to_the_store_refuses_to_drop_what_is_live(multi_data_dir, store_url):
    make_app(multi_data_dir, store_url)
    (multi_data_dir / "familienbuero-musterstadt.yaml").unlink()
    environment = {
        "OPENDATA_STORE": "sparql",
        "OPENDATA_STORE_QUERY_URL": f"{store_url}/query",
        "OPENDATA_STORE_UPDATE_URL": f"{store_url}/update",
    }
    result = CliRunner().invoke(main, ["publish", str(multi_data_dir)], env=environment)
    assert result.exit_code == 1
    assert f"{GONE} was published by the previous version" in result.output
