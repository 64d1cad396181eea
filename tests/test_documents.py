"""The published graph: the same triples in every RDF format, a JSON-LD context the
service serves itself, only terms that exist, and the base URI."""

from __future__ import annotations

import re

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS

from opendata.vocabulary import DCATDE, DCATDE_TERMS

from .conftest import DATA_DIR, RDF_EXTENSIONS, ROOT, SHARED, make_app, parse, resource_paths

CLOSED_NAMESPACES = [SDO, ORG, SKOS, PROV, FOAF, DCTERMS, RDF, RDFS, OWL, DCATDE]


def test_every_resource_is_reachable_from_the_home_page(client):
    paths = resource_paths(client)
    kinds = {path.split("/")[2] for path in paths}
    assert kinds == {"organization", "programme", "person", "place", "concept"}
    assert "/doc/organization/bildungsbuero" in paths
    assert "/doc/person/kathrin-hinze" in paths
    assert len(paths) >= 15


def test_all_rdf_formats_carry_the_same_graph_for_every_resource(client):
    for path in resource_paths(client):
        graphs = {ext: parse(client.get(f"{path}.{ext}"), ext, client) for ext in RDF_EXTENSIONS}
        reference = graphs.pop("nt")
        assert len(reference) > 0, path
        for extension, graph in graphs.items():
            assert isomorphic(graph, reference), f"{path}.{extension} differs from N-Triples"


def test_jsonld_uses_the_context_the_service_publishes(client):
    body = client.get("/doc/organization/bildungsbuero.jsonld").get_json()
    assert body["@context"] == "http://localhost/vocab/context.jsonld"
    context = client.get("/vocab/context.jsonld")
    assert context.status_code == 200
    assert context.mimetype == "application/ld+json"
    # compacted: schema.org terms appear without a prefix
    assert any("name" in node for node in body["@graph"])


def test_every_class_and_property_exists_in_its_vocabulary(client):
    for path in resource_paths(client):
        graph = parse(client.get(f"{path}.nt"), "nt")
        terms = set(graph.predicates()) | set(graph.objects(None, RDF.type))
        for term in terms:
            namespace = next(
                (ns for ns in CLOSED_NAMESPACES if str(term).startswith(str(ns))), None
            )
            assert namespace is not None, f"{term} is in no known vocabulary"
            assert term in namespace, f"{term} does not exist in {namespace}"


def test_the_dcat_ap_de_terms_the_service_knows_are_those_of_the_specification():
    shapes = SHARED / "shacl" / "dcat-ap.de-3.0"
    if not shapes.is_dir():
        pytest.skip(f"DCAT-AP.de shapes not found at {shapes} (../shared/ is not beside the repo)")
    text = "".join(path.read_text(encoding="utf-8") for path in shapes.glob("*.ttl"))
    named = set(re.findall(r"dcatde:([A-Za-z]+)", text))
    assert set(DCATDE_TERMS) <= named


def test_text_is_language_tagged_and_the_telephone_international(client):
    graph = parse(client.get("/doc/organization/bildungsbuero.ttl"), "ttl")
    office = URIRef("http://localhost/id/organization/bildungsbuero")
    assert Literal("Kommunales Bildungsbüro", lang="de") in set(graph.objects(office, SDO.name))
    assert Literal("Municipal Education Office", lang="en") in set(graph.objects(office, SDO.name))
    phones = {str(p) for p in graph.objects(office, SDO.telephone)}
    assert phones == {"0340 204-1305", "+49 340 204-1305"}
    assert (office, RDF.type, SDO.GovernmentOrganization) in graph


def test_the_city_and_its_administration_are_kept_apart(client):
    graph = parse(client.get("/doc/organization/bildungsbuero.ttl"), "ttl")
    office = URIRef("http://localhost/id/organization/bildungsbuero")
    [place] = graph.objects(office, SDO.areaServed)
    [parent] = graph.objects(office, SDO.parentOrganization)
    assert (place, RDF.type, SDO.City) in graph
    assert (parent, RDF.type, SDO.GovernmentOrganization) in graph
    assert place != parent


def test_the_head_of_office_is_a_person_with_job_title(client):
    graph = parse(client.get("/doc/person/kathrin-hinze.ttl"), "ttl")
    person = URIRef("http://localhost/id/person/kathrin-hinze")
    assert (person, RDF.type, SDO.Person) in graph
    assert Literal("Leiterin Bildungsbüro", lang="de") in set(graph.objects(person, SDO.jobTitle))
    assert (person, ORG.headOf, URIRef("http://localhost/id/organization/bildungsbuero")) in graph


def test_uris_follow_the_host_that_serves_the_request(client):
    body = client.get(
        "/doc/person/kathrin-hinze.nt", base_url="https://daten.example:8443"
    ).get_data(as_text=True)
    assert "<https://daten.example:8443/id/person/kathrin-hinze>" in body
    assert "opendata.invalid" not in body


def test_the_configured_base_uri_wins_over_the_host():
    client = make_app(DATA_DIR, BASE_URI="https://opendata.dessau-rosslau.de").test_client()
    for extension in ("nt", "ttl", "jsonld", "rdf", "html"):
        body = client.get(f"/doc/person/kathrin-hinze.{extension}").get_data(as_text=True)
        assert "https://opendata.dessau-rosslau.de/id/person/kathrin-hinze" in body
        assert "http://localhost" not in body
    location = client.get("/doc/person/kathrin-hinze").headers["Link"]
    assert "<https://opendata.dessau-rosslau.de/doc/person/kathrin-hinze.ttl>" in location


def test_an_invalid_host_header_is_400(client):
    response = client.get("/doc/person/kathrin-hinze.ttl", headers={"Host": 'evil"<x>'})
    assert response.status_code == 400


def test_no_organisation_is_named_in_the_code():
    for path in (ROOT / "opendata").rglob("*"):
        if path.is_file() and path.suffix in {".py", ".html", ".css", ".txt"}:
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"dessau|roßlau|rosslau|bildungsb", text, re.IGNORECASE), path


@pytest.mark.parametrize("extension", ["ttl", "jsonld"])
def test_a_second_organisation_is_served_by_the_same_code(multi_client, extension):
    paths = resource_paths(multi_client)
    assert "/doc/organization/familienbuero-musterstadt" in paths
    assert "/doc/organization/bildungsbuero" in paths
    graph = parse(
        multi_client.get(f"/doc/programme/familienpaten.{extension}"), extension, multi_client
    )
    programme = URIRef("http://localhost/id/programme/familienpaten")
    assert Literal("Familienpaten", lang="de") in set(graph.objects(programme, SDO.name))
    assert (
        programme,
        SDO.member,
        URIRef("http://localhost/id/organization/familienbuero-musterstadt"),
    ) in graph
