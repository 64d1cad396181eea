"""Links to the world: identifiers that others publish (Wikidata, GND, the official
keys), validated by pattern, published as IRIs and property values, shown on pages."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, SDO

from opendata.cli import main
from opendata.vocabulary import DCATDE

from .conftest import copy_data, make_app, parse

BASE = "http://localhost"
PLACE = URIRef(f"{BASE}/id/place/dessau-rosslau")
OFFICE = URIRef(f"{BASE}/id/organization/bildungsbuero")
GEOCODING = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/15001000")
SHARED_FILE = "stadt-dessau-rosslau.yaml"
OFFICE_FILE = "bildungsbuero-dessau-rosslau.yaml"


def with_identifiers(directory, office: dict | None = None, place: dict | None = None):
    """The real data, with identifiers added to the office and the city (fictional ones:
    tests only; the real files carry only what is certain)."""
    for name, section, change in (
        (OFFICE_FILE, "organization", office),
        (SHARED_FILE, "shared", place),
    ):
        if change is None:
            continue
        path = directory / name
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        target = document[section] if section == "organization" else document[section]["places"][0]
        target.setdefault("identifiers", {}).update(change)
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return directory


def test_the_city_links_its_official_key_and_its_geocoding(client):
    graph = parse(client.get("/doc/place/dessau-rosslau.ttl"), "ttl")
    assert (PLACE, DCATDE.politicalGeocodingURI, GEOCODING) in graph
    key = graph.value(PLACE, SDO.identifier)
    assert (key, RDF.type, SDO.PropertyValue) in graph
    assert graph.value(key, SDO.propertyID) == Literal("AGS")
    assert graph.value(key, SDO.value) == Literal("15001000")
    page = client.get("/doc/place/dessau-rosslau.html").get_data(as_text=True)
    assert f'href="{GEOCODING}"' in page
    assert "15001000" in page


def test_wikidata_and_gnd_become_same_as_links_and_property_values(tmp_path):
    data = with_identifiers(
        copy_data(tmp_path / "data"),
        office={"wikidata": "Q1", "gnd": "https://d-nb.info/gnd/2008469-1"},
    )
    client = make_app(data).test_client()
    graph = parse(client.get("/doc/organization/bildungsbuero.nt"), "nt")
    wikidata = URIRef("http://www.wikidata.org/entity/Q1")
    gnd = URIRef("https://d-nb.info/gnd/2008469-1")
    for iri in (wikidata, gnd):
        assert (OFFICE, SDO.sameAs, iri) in graph
        assert (OFFICE, OWL.sameAs, iri) in graph
    values = {
        (str(graph.value(node, SDO.propertyID)), str(graph.value(node, SDO.value)))
        for node in graph.objects(OFFICE, SDO.identifier)
    }
    assert values == {("Wikidata", "Q1"), ("GND", "2008469-1")}
    page = client.get("/doc/organization/bildungsbuero.html?lang=en").get_data(as_text=True)
    elsewhere = page[page.index('id="section-elsewhere"') :]
    elsewhere = elsewhere[: elsewhere.index("</section>")]
    assert "Elsewhere" in elsewhere
    assert f'href="{wikidata}"' in elsewhere and f'href="{gnd}"' in elsewhere


def test_an_office_without_identifiers_shows_no_links_elsewhere(client):
    page = client.get("/doc/organization/bildungsbuero.html").get_data(as_text=True)
    assert "section-elsewhere" not in page


@pytest.mark.parametrize(
    ("identifiers", "field", "message"),
    [
        ({"wikidata": "1234"}, "identifiers.wikidata", "Wikidata item"),
        ({"wikidata": "Q01"}, "identifiers.wikidata", "Wikidata item"),
        ({"gnd": "not-a-gnd"}, "identifiers.gnd", "GND identifier"),
        ({"ags": "1500100"}, "identifiers.ags", "8-digit"),
        ({"ars": "15001000"}, "identifiers.ars", "12-digit"),
        ({"isni": "0000"}, "identifiers.isni", "Unknown field"),
    ],
)
def test_an_identifier_of_the_wrong_form_is_refused(tmp_path, identifiers, field, message):
    data = with_identifiers(copy_data(tmp_path / "data"), office=identifiers)
    result = CliRunner().invoke(main, ["validate", str(data)])
    assert result.exit_code == 1
    assert any(
        line.startswith(f"{OFFICE_FILE}: organization.{field}: ") and message in line
        for line in result.output.splitlines()
    ), result.output
