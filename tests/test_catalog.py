"""The DCAT-AP.de catalogue over HTTP: negotiation for harvesters and browsers, and what
it says about each organisation's dataset, checked against the data files."""

from __future__ import annotations

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, VOID, XSD

from opendata.dcat import controlled_vocabulary
from opendata.records import DATA_THEMES, InvalidData

from .catalog_data import (
    BASE,
    dataset_uris,
    whole_catalogue,
    with_sparql,
    write_organization,
)
from .conftest import DATA_DIR, FIXTURES, SHARED, copy_data, make_app, parse

VCARD = "http://www.w3.org/2006/vcard/ns#"
DCATDE = "http://dcat-ap.de/def/dcatde/"
IANA = "http://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"
OFFICE_DATASET = URIRef(f"{BASE}/catalog/dataset/bildungsbuero")
FIXTURE_DATASET = URIRef(f"{BASE}/catalog/dataset/familienbuero-musterstadt")
CITY = URIRef(f"{BASE}/id/organization/stadtverwaltung-dessau-rosslau")


def publication(path) -> dict:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document.get("organization") or document["shared"]


# --- negotiation and HTTP --------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/turtle", "text/turtle"),
        ("application/rdf+xml, text/html;q=0.6, */*;q=0.1", "application/rdf+xml"),
    ],
)
def test_the_catalogue_negotiates_and_harvesters_get_turtle(client, accept, media_type):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/catalog", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary
    extension = {
        "text/turtle": "ttl",
        "text/html": "html",
        "application/ld+json": "jsonld",
        "application/rdf+xml": "rdf",
    }[media_type]
    assert response.headers["Content-Location"] == f"/catalog.{extension}?page=1"


def test_head_answers_like_get_with_no_accept_header(client):
    head = client.head("/catalog")
    get = client.get("/catalog")
    assert head.status_code == get.status_code == 200
    assert head.mimetype == "text/turtle"
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.get_data() == b""


def test_the_catalogue_is_conditional(client):
    first = client.get("/catalog")
    again = client.get("/catalog", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert first.last_modified is not None


@pytest.mark.parametrize("extension", ["ttl", "jsonld", "rdf", "nt"])
def test_every_extension_carries_the_same_catalogue(client, extension):
    reference = parse(client.get("/catalog.ttl"), "ttl")
    response = client.get(f"/catalog.{extension}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    graph = parse(response, extension, client)
    assert len(graph) == len(reference)
    assert dataset_uris(graph) == dataset_uris(reference) == {OFFICE_DATASET}


def test_unknown_extension_and_unacceptable_accept(client):
    assert client.get("/catalog.xlsx").status_code == 404
    refused = client.get("/catalog", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.get_data(as_text=True)


def test_responses_link_every_format(client):
    links = client.get("/catalog").headers["Link"]
    for extension in ("ttl", "jsonld", "rdf", "nt", "html"):
        assert f"<http://localhost/catalog.{extension}?page=1>" in links


def test_the_catalogue_uses_the_configured_base(tmp_path):
    client = make_app(DATA_DIR, BASE_URI="https://daten.example.de").test_client()
    body = client.get("/catalog").get_data(as_text=True)
    assert "https://daten.example.de/catalog/dataset/bildungsbuero" in body
    assert "opendata.invalid" not in body and "localhost" not in body


# --- content: one dataset per organisation, facts from the data ----------------------


def test_one_dataset_per_organisation(multi_client):
    graph = whole_catalogue(multi_client)
    catalogue = URIRef(f"{BASE}/catalog")
    assert (catalogue, RDF.type, DCAT.Catalog) in graph
    assert set(graph.objects(catalogue, DCAT.dataset)) == {OFFICE_DATASET, FIXTURE_DATASET}
    for dataset in (OFFICE_DATASET, FIXTURE_DATASET):
        titles = {t.language for t in graph.objects(dataset, DCTERMS.title)}
        assert titles == {"de", "en"}
        assert any(graph.objects(dataset, DCTERMS.description))
        assert (dataset, DCTERMS.identifier, Literal(str(dataset))) in graph


def test_dates_licence_and_themes_come_from_the_data_file(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    source = publication(DATA_DIR / "bildungsbuero-dessau-rosslau.yaml")["publication"]
    issued = graph.value(OFFICE_DATASET, DCTERMS.issued)
    modified = graph.value(OFFICE_DATASET, DCTERMS.modified)
    assert issued == Literal(source["issued"].isoformat(), datatype=XSD.date)
    assert modified == Literal(source["modified"].isoformat(), datatype=XSD.date)
    themes = set(graph.objects(OFFICE_DATASET, DCAT.theme))
    assert themes == {URIRef(f"{EU}data-theme/{code}") for code in source["themes"]}
    for theme in themes:
        assert (theme, RDF.type, SKOS.Concept) in graph
        assert {label.language for label in graph.objects(theme, SKOS.prefLabel)} == {"de", "en"}
    education = set(graph.objects(URIRef(f"{EU}data-theme/EDUC"), SKOS.prefLabel))
    assert Literal("Bildung, Kultur und Sport", lang="de") in education
    licence = URIRef(f"http://dcat-ap.de/def/licenses/{source['license']}")
    distributions = set(graph.objects(OFFICE_DATASET, DCAT.distribution))
    assert len(distributions) == 3
    for distribution in distributions:
        assert set(graph.objects(distribution, DCTERMS.license)) == {licence}


def test_publisher_is_the_city_administration_as_foaf_agent(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    assert graph.value(OFFICE_DATASET, DCTERMS.publisher) == CITY
    assert graph.value(URIRef(f"{BASE}/catalog"), DCTERMS.publisher) == CITY
    assert (CITY, RDF.type, FOAF.Agent) in graph
    assert Literal("Stadtverwaltung Dessau-Roßlau", lang="de") in set(
        graph.objects(CITY, FOAF.name)
    )
    kind = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
    assert graph.value(CITY, DCTERMS.type) == kind


def test_contact_point_has_email_and_telephone_as_iris(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    point = graph.value(OFFICE_DATASET, DCAT.contactPoint)
    assert (point, RDF.type, URIRef(VCARD + "Kind")) in graph
    assert graph.value(point, URIRef(VCARD + "hasEmail")) == URIRef(
        "mailto:bildungsbuero@dessau-rosslau.de"
    )
    assert graph.value(point, URIRef(VCARD + "hasTelephone")) == URIRef("tel:+493402041305")
    names = list(graph.objects(point, URIRef(VCARD + "fn")))
    assert names == [Literal("Kommunales Bildungsbüro", lang="de")]


def test_place_and_political_geocoding_of_dessau_rosslau(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    key = URIRef("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/15001000")
    assert graph.value(OFFICE_DATASET, DCTERMS.spatial) == key
    assert (key, RDF.type, DCTERMS.Location) in graph
    level = graph.value(OFFICE_DATASET, URIRef(DCATDE + "politicalGeocodingLevelURI"))
    assert level == URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/municipality")


def test_keywords_and_languages(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    keywords = set(graph.objects(OFFICE_DATASET, DCAT.keyword))
    assert Literal("Lebenslanges Lernen", lang="de") in keywords
    # In the catalogue's language only: German portals make a tag of every keyword.
    assert {keyword.language for keyword in keywords} == {"de"}
    languages = set(graph.objects(OFFICE_DATASET, DCTERMS.language))
    assert languages == {URIRef(f"{EU}language/DEU"), URIRef(f"{EU}language/ENG")}


def test_distributions_declare_formats_from_the_vocabularies(client):
    graph = parse(client.get("/catalog.ttl"), "ttl")
    found = {}
    for distribution in graph.objects(OFFICE_DATASET, DCAT.distribution):
        url = graph.value(distribution, DCAT.downloadURL)
        assert graph.value(distribution, DCAT.accessURL) == url
        found[str(graph.value(distribution, DCAT.mediaType))] = str(
            graph.value(distribution, DCTERMS.format)
        )
    assert found == {
        IANA + "text/turtle": EU + "file-type/RDF_TURTLE",
        IANA + "application/n-triples": EU + "file-type/RDF_N_TRIPLES",
        IANA + "application/ld+json": EU + "file-type/JSON_LD",
    }
    landing = graph.value(OFFICE_DATASET, DCAT.landingPage)
    assert landing == URIRef(f"{BASE}/doc/organization/bildungsbuero.html")


def test_what_the_data_lacks_is_left_out(multi_client):
    """The fictional organisation has no themes, keywords, publisher type or key."""
    graph = whole_catalogue(multi_client)
    assert not list(graph.objects(FIXTURE_DATASET, DCAT.theme))
    assert not list(graph.objects(FIXTURE_DATASET, DCAT.keyword))
    assert not list(graph.objects(FIXTURE_DATASET, URIRef(DCATDE + "politicalGeocodingLevelURI")))
    assert graph.value(FIXTURE_DATASET, DCTERMS.spatial) == URIRef(f"{BASE}/id/place/musterstadt")
    parent = URIRef(f"{BASE}/id/organization/stadtverwaltung-musterstadt")
    assert graph.value(FIXTURE_DATASET, DCTERMS.publisher) == parent
    assert graph.value(parent, DCTERMS.type) is None
    assert graph.value(FIXTURE_DATASET, DCTERMS.language) == URIRef(f"{EU}language/DEU")
    assert not list(graph.subject_objects(URIRef(DCATDE + "contributorID")))
    source = publication(FIXTURES / "data" / "familienbuero-musterstadt.yaml")["publication"]
    modified = graph.value(FIXTURE_DATASET, DCTERMS.modified)
    assert modified.toPython() == source["modified"]


def test_licence_is_configurable_per_organisation(tmp_path):
    write_organization(tmp_path, 1, "2024-02-01", license="cc-by/4.0")
    write_organization(tmp_path, 2, "2024-02-01")
    graph = whole_catalogue(make_app(tmp_path).test_client())
    for number, expected in ((1, "cc-by/4.0"), (2, "dl-by-de/2.0")):
        dataset = URIRef(f"{BASE}/catalog/dataset/buero-{number}")
        for distribution in graph.objects(dataset, DCAT.distribution):
            licence = graph.value(distribution, DCTERMS.license)
            assert licence == URIRef(f"http://dcat-ap.de/def/licenses/{expected}")


def test_catalogue_publisher_is_configurable(multi_data_dir):
    client = make_app(multi_data_dir, CATALOG_PUBLISHER="stadtverwaltung-musterstadt").test_client()
    graph = whole_catalogue(client)
    publisher = graph.value(URIRef(f"{BASE}/catalog"), DCTERMS.publisher)
    assert publisher == URIRef(f"{BASE}/id/organization/stadtverwaltung-musterstadt")
    with pytest.raises(LookupError, match="CATALOG_PUBLISHER"):
        make_app(multi_data_dir, CATALOG_PUBLISHER="nobody")


# --- the SPARQL endpoint as a data service --------------------------------------------


def test_data_service_appears_exactly_when_sparql_is_registered(app):
    graph = parse(app.test_client().get("/catalog.ttl"), "ttl")
    services = set(graph.subjects(RDF.type, DCAT.DataService))
    assert bool(services) == ("sparql" in app.blueprints)


def test_data_service_describes_the_sparql_endpoint(multi_data_dir):
    client = with_sparql(make_app(multi_data_dir, CATALOG_PAGE_SIZE=1)).test_client()
    graph = whole_catalogue(client)
    [service] = set(graph.subjects(RDF.type, DCAT.DataService))
    assert (URIRef(f"{BASE}/catalog"), DCAT.service, service) in graph
    assert graph.value(service, DCAT.endpointURL) == URIRef(f"{BASE}/sparql")
    served = set(graph.objects(service, DCAT.servesDataset))
    assert served == {OFFICE_DATASET, FIXTURE_DATASET}
    assert {t.language for t in graph.objects(service, DCTERMS.title)} == {"de", "en"}
    void = parse(client.get("/.well-known/void"), "ttl")
    assert URIRef(f"{BASE}/sparql") in set(void.objects(None, VOID.sparqlEndpoint))


# --- dataset URIs dereference ---------------------------------------------------------


def test_each_dataset_uri_answers_with_its_description(multi_client):
    for dataset in (OFFICE_DATASET, FIXTURE_DATASET):
        path = str(dataset).removeprefix(BASE)
        response = multi_client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "text/turtle"
        graph = parse(response, "ttl")
        assert dataset_uris(graph) == {dataset}
        assert len(set(graph.objects(dataset, DCAT.distribution))) == 3
        page = multi_client.get(path, headers={"Accept": "text/html"})
        assert page.mimetype == "text/html"
    assert multi_client.get("/catalog/dataset/nobody").status_code == 404
    assert multi_client.get("/catalog/dataset/bildungsbuero.pdf").status_code == 404


# --- every URL in the catalogue answers -----------------------------------------------


def test_every_access_and_download_url_answers_with_its_media_type(multi_data_dir):
    client = with_sparql(make_app(multi_data_dir, CATALOG_PAGE_SIZE=1)).test_client()
    graph = whole_catalogue(client)
    distributions = set(graph.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) == 6
    checked = 0
    for distribution in distributions:
        media_type = str(graph.value(distribution, DCAT.mediaType)).removeprefix(IANA)
        urls = set(graph.objects(distribution, DCAT.accessURL))
        urls |= set(graph.objects(distribution, DCAT.downloadURL))
        assert urls
        for url in urls:
            path = str(url).removeprefix(BASE)
            for method in (client.head, client.get):
                response = method(path)
                assert response.status_code == 200, (method, path)
                assert response.mimetype == media_type, path
            checked += 1
    for landing in graph.objects(None, DCAT.landingPage):
        response = client.get(str(landing).removeprefix(BASE))
        assert response.status_code == 200
        assert response.mimetype == "text/html"
    assert checked == 6


# --- the HTML page ----------------------------------------------------------------------


def test_html_catalogue_for_citizens(multi_client):
    response = multi_client.get("/catalog", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert '<html lang="de">' in html
    assert 'class="skip-link"' in html
    assert "<h1>Offene Daten: Datenkatalog</h1>" in html
    assert "Kommunales Bildungsbüro: Organisation, Programme und Kontakt" in html
    assert "Bildung, Kultur und Sport" in html
    assert 'href="/dumps/organization/bildungsbuero.ttl"' in html
    assert 'href="/doc/organization/bildungsbuero.html"' in html
    assert 'href="mailto:bildungsbuero@dessau-rosslau.de"' in html
    assert 'href="tel:+493402041305"' in html
    assert '<link rel="alternate" type="text/turtle" href="/catalog.ttl?page=1">' in html


def test_html_catalogue_in_english(client):
    html = client.get("/catalog.html?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Open data: data catalogue" in html
    assert "Municipal Education Office: organisation, programmes and contact" in html
    assert "Education, culture and sport" in html


# --- the reviewed vocabulary file ------------------------------------------------------


def test_vocabulary_file_describes_every_code_the_data_may_use():
    described = set(controlled_vocabulary().subjects(SKOS.inScheme, None))
    for code in DATA_THEMES:
        theme = URIRef(f"{EU}data-theme/{code}")
        assert theme in described
        labels = {
            label.language for label in controlled_vocabulary().objects(theme, SKOS.prefLabel)
        }
        assert labels == {"de", "en"}, code
    for path in [*DATA_DIR.glob("*.yaml"), *(FIXTURES / "data").glob("*.yaml")]:
        kind = publication(path)["publication"].get("publisher_type")
        if kind:
            assert URIRef(f"http://purl.org/adms/publishertype/{kind}") in described, path


def test_catalogue_terms_exist_in_their_vocabularies(multi_data_dir):
    client = with_sparql(make_app(multi_data_dir)).test_client()
    graph = whole_catalogue(client)
    terms = set(graph.predicates()) | set(graph.objects(None, RDF.type))
    closed = [DCAT, DCTERMS, FOAF, SKOS, RDF]
    for term in terms:
        namespace = next((ns for ns in closed if str(term).startswith(str(ns))), None)
        if namespace is not None:
            assert term in namespace, term
    vcard_terms = {t for t in terms if str(t).startswith(VCARD)}
    assert vcard_terms
    mirror = SHARED / "shacl" / "govdata-mirror" / "vcard.ttl"
    if not mirror.exists():
        pytest.skip(f"vCard ontology not found at {mirror} (../shared/ is absent)")
    defined = set(Graph().parse(mirror).subjects())
    assert vcard_terms <= defined, vcard_terms - defined


@pytest.mark.parametrize(
    ("field", "message"),
    [("themes: [EDUK]", "EU data theme"), ("publisher_type: Town", "ADMS publisher type")],
)
def test_misspelt_vocabulary_codes_are_refused(tmp_path, field, message):
    key, value = field.split(": ")
    write_organization(tmp_path, 1, "2024-01-02", **{key: value})
    with pytest.raises(InvalidData, match=message):
        make_app(tmp_path)


def test_an_email_address_is_a_valid_mailto_iri_in_every_format(tmp_path):
    """An address may hold characters an IRI may not (``|``): they are percent-encoded
    in the contact point's mailto: IRI, and every format of the dataset answers."""
    data = copy_data(tmp_path / "data")
    office = data / "bildungsbuero-dessau-rosslau.yaml"
    text = office.read_text(encoding="utf-8")
    office.write_text(text.replace("email: bildungsbuero@", "email: bildungs|buero@"), "utf-8")
    client = make_app(data).test_client()
    for extension in ("ttl", "nt", "rdf", "jsonld"):
        response = client.get(f"/catalog/dataset/bildungsbuero.{extension}")
        assert response.status_code == 200, extension
        graph = parse(response, extension, client)
        emails = set(graph.objects(None, URIRef(VCARD + "hasEmail")))
        assert emails == {URIRef("mailto:bildungs%7Cbuero@dessau-rosslau.de")}, extension
