"""What German portals need from the catalogue, over HTTP as GovData's harvester reads it.

GovData harvests with ckanext-dcatde: it finds a licence by its ``dct:title``, imports
every ``dcat:keyword`` as a tag, keeps ``dcatde:licenseAttributionByText`` per resource
and the contact's address, and its quality checks want ``dcatde:contributorID``.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SDO, SKOS

from opendata.dcat import controlled_vocabulary

from .catalog_data import BASE, CONTRIBUTOR, whole_catalogue, with_sparql, write_organization
from .conftest import SHARED, make_app, parse

VCARD = "http://www.w3.org/2006/vcard/ns#"
DCATDE = "http://dcat-ap.de/def/dcatde/"
DCATAP_AVAILABILITY = URIRef("http://data.europa.eu/r5r/availability")
LICENCES = "http://dcat-ap.de/def/licenses/"
DL_BY_DE = URIRef(f"{LICENCES}dl-by-de/2.0")
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
STABLE = URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")
ATTRIBUTION_TEXT = URIRef(DCATDE + "licenseAttributionByText")
CONTRIBUTOR_ID = URIRef(DCATDE + "contributorID")
OFFICE_DATASET = URIRef(f"{BASE}/catalog/dataset/bildungsbuero")
FIXTURE_DATASET = URIRef(f"{BASE}/catalog/dataset/familienbuero-musterstadt")
CATALOGUE = URIRef(f"{BASE}/catalog")
SERVICE = URIRef(f"{BASE}/sparql#service")
OFFICIAL_LICENCES = SHARED / "shacl" / "govdata-dashboard" / "dcat-ap-de-licenses-open.rdf"


def distributions(graph: Graph, dataset: URIRef) -> set:
    found = set(graph.objects(dataset, DCAT.distribution))
    assert len(found) == 3
    return found


# --- licence: official title, ADMS type, and on the catalogue too ---------------------


def test_the_licence_has_its_official_title_and_type(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    for distribution in distributions(graph, OFFICE_DATASET):
        assert graph.value(distribution, DCTERMS.license) == DL_BY_DE
    # Exactly one title: ckanext-dcat matches it against the portal's licence register.
    titles = list(graph.objects(DL_BY_DE, DCTERMS.title))
    assert titles == [Literal("Datenlizenz Deutschland Namensnennung 2.0", lang="de")]
    assert (DL_BY_DE, RDF.type, DCTERMS.LicenseDocument) in graph
    assert list(graph.objects(DL_BY_DE, DCTERMS.type)) == [ATTRIBUTION]
    assert (ATTRIBUTION, RDF.type, SKOS.Concept) in graph
    assert Literal("Attribution", lang="en") in set(graph.objects(ATTRIBUTION, SKOS.prefLabel))


def test_the_catalogue_is_under_the_licence_all_its_datasets_share(multi_client):
    graph = whole_catalogue(multi_client)
    assert list(graph.objects(CATALOGUE, DCTERMS.license)) == [DL_BY_DE]


def test_other_licences_have_their_own_title_and_no_common_catalogue_licence(tmp_path):
    write_organization(tmp_path, 1, "2024-02-01", license="cc-by/4.0")
    write_organization(tmp_path, 2, "2024-02-01", license="dl-zero-de/2.0")
    graph = whole_catalogue(make_app(tmp_path).test_client())
    cc_by, dl_zero = URIRef(f"{LICENCES}cc-by/4.0"), URIRef(f"{LICENCES}dl-zero-de/2.0")
    assert graph.value(cc_by, DCTERMS.title) == Literal(
        "Creative Commons Namensnennung – 4.0 International (CC BY 4.0)", lang="de"
    )
    assert graph.value(dl_zero, DCTERMS.title) == Literal(
        "Datenlizenz Deutschland – Zero – Version 2.0", lang="de"
    )
    assert graph.value(cc_by, DCTERMS.type) == ATTRIBUTION
    # DL-DE Zero needs no attribution; its name states no other ADMS type either.
    assert graph.value(dl_zero, DCTERMS.type) is None
    assert graph.value(CATALOGUE, DCTERMS.license) is None


def test_licence_titles_are_the_official_labels():
    """The titles in vocab/ are the labels of GovData's RDF of the licence list."""
    if not OFFICIAL_LICENCES.exists():
        pytest.skip(f"licence list not found at {OFFICIAL_LICENCES} (../shared/ is absent)")
    official = Graph().parse(OFFICIAL_LICENCES)
    scheme = URIRef(LICENCES.rstrip("/"))
    listed = set(official.subjects(SKOS.inScheme, scheme))
    ours = controlled_vocabulary()
    assert set(ours.subjects(SKOS.inScheme, scheme)) == listed
    for licence in listed:
        assert list(ours.objects(licence, DCTERMS.title)) == list(
            official.objects(licence, SKOS.prefLabel)
        ), licence


# --- attribution text -----------------------------------------------------------------


def test_each_distribution_states_the_attribution_in_german_and_english(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    expected = {
        Literal(
            "Stadtverwaltung Dessau-Roßlau, „Kommunales Bildungsbüro: Organisation,"
            " Programme und Kontakt“",
            lang="de",
        ),
        Literal(
            "City administration of Dessau-Roßlau, “Municipal Education Office:"
            " organisation, programmes and contact”",
            lang="en",
        ),
    }
    for distribution in distributions(graph, OFFICE_DATASET):
        assert set(graph.objects(distribution, ATTRIBUTION_TEXT)) == expected
    # On the distributions (where DCAT-AP.de puts it), not on the dataset.
    assert not list(graph.objects(OFFICE_DATASET, ATTRIBUTION_TEXT))


def test_the_attribution_names_publisher_and_title_of_each_dataset(multi_client):
    graph = whole_catalogue(multi_client)
    for distribution in distributions(graph, FIXTURE_DATASET):
        texts = {t.language: str(t) for t in graph.objects(distribution, ATTRIBUTION_TEXT)}
        # The fictional organisation's names are German only: English falls back to them.
        assert texts == {
            "de": "Stadtverwaltung Musterstadt, „Familienbüro Musterstadt: Organisation,"
            " Programme und Kontakt“",
            "en": "Stadtverwaltung Musterstadt, “Familienbüro Musterstadt: organisation,"
            " programmes and contact”",
        }


@pytest.mark.parametrize("licence", ["dl-zero-de/2.0", "cc-zero"])
def test_no_attribution_where_the_licence_requires_none(tmp_path, licence):
    write_organization(tmp_path, 1, "2024-02-01", license=licence)
    graph = whole_catalogue(make_app(tmp_path).test_client())
    assert not list(graph.subject_objects(ATTRIBUTION_TEXT))


# --- contributor id ---------------------------------------------------------------------


def test_the_contributor_id_is_on_every_dataset_when_set(multi_data_dir):
    app = make_app(multi_data_dir, CATALOG_PAGE_SIZE=1, DCATDE_CONTRIBUTOR_ID=CONTRIBUTOR)
    client = app.test_client()
    graph = whole_catalogue(client)
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert datasets == {OFFICE_DATASET, FIXTURE_DATASET}
    for dataset in datasets:
        assert list(graph.objects(dataset, CONTRIBUTOR_ID)) == [URIRef(CONTRIBUTOR)]
        own = parse(client.get(str(dataset).removeprefix(BASE)), "ttl")
        assert list(own.objects(dataset, CONTRIBUTOR_ID)) == [URIRef(CONTRIBUTOR)]
    # Datasets only: not on the catalogue or the data service.
    assert set(graph.subjects(CONTRIBUTOR_ID, None)) == datasets


def test_the_contributor_id_comes_from_the_environment(tmp_path, monkeypatch):
    write_organization(tmp_path, 1, "2024-01-02")
    monkeypatch.setenv("OPENDATA_DCATDE_CONTRIBUTOR_ID", CONTRIBUTOR)
    graph = whole_catalogue(make_app(tmp_path).test_client())
    dataset = URIRef(f"{BASE}/catalog/dataset/buero-1")
    assert graph.value(dataset, CONTRIBUTOR_ID) == URIRef(CONTRIBUTOR)


@pytest.mark.parametrize(
    "value",
    [
        "https://dcat-ap.de/def/contributors/stadtOldenburg",  # not the list's IRI
        "http://dcat-ap.de/def/contributors/stadtOldenburg/",
        "http://dcat-ap.de/def/contributors/",
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
        "stadtOldenburg",
        " http://dcat-ap.de/def/contributors/stadtOldenburg",
        "",
        42,
    ],
)
def test_a_contributor_id_not_of_the_list_refuses_to_start(tmp_path, value):
    write_organization(tmp_path, 1, "2024-01-02")
    with pytest.raises(ValueError, match=r"DCATDE_CONTRIBUTOR_ID .* contributors list"):
        make_app(tmp_path, DCATDE_CONTRIBUTOR_ID=value)


# --- contact point: the country -------------------------------------------------------


def test_the_contact_address_gives_the_country_code_of_the_data(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    point = graph.value(OFFICE_DATASET, DCAT.contactPoint)
    address = graph.value(point, URIRef(VCARD + "hasAddress"))
    assert list(graph.objects(address, URIRef(VCARD + "country-name"))) == [Literal("DE")]
    assert graph.value(address, URIRef(VCARD + "locality")) == Literal("Dessau-Roßlau")
    # The same value as the organisation's own linked data gives.
    office = parse(client.get("/doc/organization/bildungsbuero.ttl"), "ttl")
    assert set(office.objects(None, SDO.addressCountry)) == {Literal("DE")}


# --- keywords: the catalogue's language only ------------------------------------------


def test_keywords_are_german_only_and_english_stays_in_the_linked_data(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    assert set(graph.objects(OFFICE_DATASET, DCAT.keyword)) == {
        Literal("Kommunale Bildungslandschaft", lang="de"),
        Literal("Lebenslanges Lernen", lang="de"),
    }
    office = parse(client.get("/doc/organization/bildungsbuero.ttl"), "ttl")
    keywords = set(office.objects(None, SDO.keywords))
    assert Literal("Lifelong learning", lang="en") in keywords
    assert Literal("Lebenslanges Lernen", lang="de") in keywords


# --- distributions: planned availability ----------------------------------------------


def test_every_distribution_is_planned_to_stay_available(multi_client):
    graph = whole_catalogue(multi_client)
    found = list(graph.subjects(RDF.type, DCAT.Distribution))
    assert len(found) == 6
    for distribution in found:
        assert list(graph.objects(distribution, DCATAP_AVAILABILITY)) == [STABLE]
    assert (STABLE, RDF.type, SKOS.Concept) in graph


# --- the SPARQL endpoint as data service ----------------------------------------------


def test_the_data_service_has_description_contact_keywords_and_themes(multi_data_dir):
    client = with_sparql(make_app(multi_data_dir, CATALOG_PAGE_SIZE=1)).test_client()
    graph = whole_catalogue(client)
    endpoint = graph.value(SERVICE, DCAT.endpointURL)
    assert graph.value(SERVICE, DCAT.endpointDescription) == endpoint
    point = graph.value(SERVICE, DCAT.contactPoint)
    # The default publisher (the city administration) has no contact in the data: the
    # service names the contact of the organisation it publishes first.
    assert graph.value(point, URIRef(VCARD + "hasEmail")) == URIRef(
        "mailto:bildungsbuero@dessau-rosslau.de"
    )
    assert graph.value(point, URIRef(VCARD + "hasTelephone")) == URIRef("tel:+493402041305")
    assert graph.value(point, URIRef(VCARD + "fn")) == Literal("Kommunales Bildungsbüro", lang="de")
    assert (point, RDF.type, URIRef(VCARD + "Kind")) in graph
    assert {str(k) for k in graph.objects(SERVICE, DCAT.keyword)} == {
        "SPARQL",
        "Linked Open Data",
        "RDF",
    }
    # The themes of every dataset it serves (the fictional organisation has none).
    eu = "http://publications.europa.eu/resource/authority/data-theme/"
    assert set(graph.objects(SERVICE, DCAT.theme)) == {URIRef(eu + "EDUC"), URIRef(eu + "GOVE")}
    # Every page describes the service alike.
    first = parse(client.get("/catalog.ttl?page=1"), "ttl")
    second = parse(client.get("/catalog.ttl?page=2"), "ttl")
    assert set(first.predicate_objects(point)) == set(second.predicate_objects(point))


def test_the_endpoint_description_is_the_sparql_service_description(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    description = graph.value(SERVICE, DCAT.endpointDescription)
    response = client.get(str(description).removeprefix(BASE), headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    sd = parse(response, "ttl")
    service_description = URIRef("http://www.w3.org/ns/sparql-service-description#")
    assert (description, RDF.type, URIRef(f"{service_description}Service")) in sd
    assert (description, URIRef(f"{service_description}endpoint"), description) in sd


def test_the_data_service_contact_follows_the_catalogue_publisher(multi_data_dir):
    app = make_app(multi_data_dir, CATALOG_PUBLISHER="stadtverwaltung-musterstadt")
    graph = whole_catalogue(app.test_client())
    point = graph.value(SERVICE, DCAT.contactPoint)
    assert graph.value(point, URIRef(VCARD + "hasEmail")) == URIRef(
        "mailto:familienbuero@musterstadt.example"
    )


def test_the_datasets_contact_is_unchanged_by_the_service(multi_client):
    graph = whole_catalogue(multi_client)
    point = graph.value(FIXTURE_DATASET, DCAT.contactPoint)
    assert point == URIRef(f"{FIXTURE_DATASET}#contact-point")
    assert graph.value(point, URIRef(VCARD + "hasEmail")) == URIRef(
        "mailto:familienbuero@musterstadt.example"
    )
