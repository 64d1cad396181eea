"""Self-description and discovery: VoID, sitemap.xml, robots.txt and the Atom change feed."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID

from .catalog_data import BASE, write_organization
from .conftest import DATA_DIR, FIXTURES, make_app, parse, resource_paths

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
WHOLE = URIRef(f"{BASE}/.well-known/void#dataset")


def modified_dates() -> dict[str, dt.date]:
    """Organisation slug → publication.modified, read from the data files themselves."""
    found = {}
    for path in [*DATA_DIR.glob("*.yaml"), *(FIXTURES / "data").glob("*.yaml")]:
        organization = yaml.safe_load(path.read_text(encoding="utf-8")).get("organization")
        if organization:  # offices, not files of shared things
            found[organization["slug"]] = organization["publication"]["modified"]
    return found


# --- VoID -----------------------------------------------------------------------------


def test_void_describes_the_published_data(multi_client):
    response = multi_client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    void = parse(response, "ttl")
    dump = parse(multi_client.get("/dumps/all.nt"), "nt")
    assert void.value(WHOLE, VOID.triples) == Literal(len(dump))
    documents = resource_paths(multi_client)
    assert void.value(WHOLE, VOID.entities) == Literal(len(documents))
    assert void.value(WHOLE, VOID.uriSpace) == Literal(f"{BASE}/id/")
    vocabularies = set(void.objects(WHOLE, VOID.vocabulary))
    assert URIRef("https://schema.org/") in vocabularies
    assert URIRef("http://www.w3.org/ns/org#") in vocabularies
    licence = URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    assert void.value(WHOLE, DCTERMS.license) == licence


def test_void_dumps_answer_and_subsets_add_up(multi_client):
    void = parse(multi_client.get("/.well-known/void"), "ttl")
    dumps = set(void.objects(WHOLE, VOID.dataDump))
    assert len(dumps) == 6
    for dump in dumps:
        response = multi_client.head(str(dump).removeprefix(BASE))
        assert response.status_code == 200, dump
    subsets = set(void.objects(WHOLE, VOID.subset))
    assert subsets == {
        URIRef(f"{BASE}/catalog/dataset/bildungsbuero"),
        URIRef(f"{BASE}/catalog/dataset/familienbuero-musterstadt"),
    }
    total = sum(void.value(subset, VOID.triples).toPython() for subset in subsets)
    assert total == void.value(WHOLE, VOID.triples).toPython()
    for subset in subsets:
        [part] = [d for d in void.objects(subset, VOID.dataDump) if str(d).endswith(".nt")]
        graph = parse(multi_client.get(str(part).removeprefix(BASE)), "nt")
        assert void.value(subset, VOID.triples) == Literal(len(graph))


def test_void_leaves_the_parts_to_the_catalogue_beyond_its_limit(multi_data_dir):
    """With more organisations than VOID_MAX_SUBSETS, VoID stays small: the whole with
    its figures, and the catalogue (which pages the datasets) instead of the subsets."""
    client = make_app(multi_data_dir, VOID_MAX_SUBSETS=1).test_client()
    void = parse(client.get("/.well-known/void"), "ttl")
    assert set(void.objects(WHOLE, VOID.subset)) == set()
    assert void.value(WHOLE, RDFS.seeAlso) == URIRef(f"{BASE}/catalog")
    dump = parse(client.get("/dumps/all.nt"), "nt")
    assert void.value(WHOLE, VOID.triples) == Literal(len(dump))
    catalog = parse(client.get("/catalog.ttl"), "ttl")
    assert len(set(catalog.subjects(RDF.type, DCAT.Dataset))) == 2


def test_void_licence_only_when_every_part_shares_it(tmp_path):
    write_organization(tmp_path, 1, "2024-01-02", license="cc-by/4.0")
    write_organization(tmp_path, 2, "2024-01-02")
    void = parse(make_app(tmp_path).test_client().get("/.well-known/void"), "ttl")
    assert void.value(WHOLE, DCTERMS.license) is None
    licences = {str(void.value(s, DCTERMS.license)) for s in void.objects(WHOLE, VOID.subset)}
    assert licences == {
        "http://dcat-ap.de/def/licenses/cc-by/4.0",
        "http://dcat-ap.de/def/licenses/dl-by-de/2.0",
    }


def test_void_sparql_endpoint_only_when_registered(app):
    void = parse(app.test_client().get("/.well-known/void"), "ttl")
    endpoints = set(void.objects(WHOLE, VOID.sparqlEndpoint))
    assert bool(endpoints) == ("sparql" in app.blueprints)


def test_void_negotiates_rdf_formats(client):
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert (WHOLE, None, None) in parse(response, "jsonld", client)
    assert "Accept" in response.vary
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


# --- sitemap and robots ---------------------------------------------------------------


def test_sitemap_lists_every_html_page_with_lastmod(multi_client):
    response = multi_client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.get_data())
    entries = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.iter(f"{SITEMAP}url")
    }
    expected = {f"{BASE}{path}.html" for path in resource_paths(multi_client)}
    expected |= {f"{BASE}/", f"{BASE}/catalog.html"}
    expected |= {f"{BASE}/catalog/dataset/{slug}.html" for slug in modified_dates()}
    assert set(entries) == expected
    dates = modified_dates()
    assert entries[f"{BASE}/doc/person/erika-mustermann.html"] == str(
        dates["familienbuero-musterstadt"]
    )
    assert entries[f"{BASE}/doc/person/kathrin-hinze.html"] == str(dates["bildungsbuero"])
    for url in entries:
        page = multi_client.get(url.removeprefix(BASE), headers={"Accept": "text/html"})
        assert page.status_code == 200, url
        assert page.mimetype == "text/html", url


def test_robots_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


# --- the Atom change feed -------------------------------------------------------------


def feed_entries(client) -> tuple[ET.Element, list[ET.Element]]:
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    return root, root.findall(f"{ATOM}entry")


def test_feed_lists_resources_newest_first(tmp_path):
    for number, modified in ((1, "2024-01-05"), (2, "2024-03-05"), (3, "2024-02-05")):
        write_organization(tmp_path, number, modified)
    root, entries = feed_entries(make_app(tmp_path).test_client())
    assert root.findtext(f"{ATOM}updated") == "2024-03-05T00:00:00Z"
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == f"{BASE}/feed.atom"
    assert root.findtext(f"{ATOM}author/{ATOM}name")
    updated = [entry.findtext(f"{ATOM}updated") for entry in entries]
    assert updated == sorted(updated, reverse=True)
    assert updated[0] == "2024-03-05T00:00:00Z" and updated[-1] == "2024-01-05T00:00:00Z"
    first = {
        entry.findtext(f"{ATOM}id")
        for entry in entries
        if "03-05" in entry.findtext(f"{ATOM}updated")
    }
    assert f"{BASE}/id/organization/buero-2" in first


def test_feed_entries_link_to_pages_that_answer(multi_client):
    _, entries = feed_entries(multi_client)
    assert len(entries) == len(resource_paths(multi_client))
    for entry in entries:
        assert entry.findtext(f"{ATOM}title")
        links = {link.get("type"): link.get("href") for link in entry.findall(f"{ATOM}link")}
        for media_type, href in links.items():
            response = multi_client.get(href.removeprefix(BASE))
            assert response.status_code == 200, href
            assert response.mimetype == media_type, href


def test_feed_size_is_configurable(multi_data_dir):
    _, entries = feed_entries(make_app(multi_data_dir, FEED_SIZE=3).test_client())
    assert len(entries) == 3
    assert all(e.findtext(f"{ATOM}updated").startswith("2026-11-26") for e in entries)


@pytest.mark.parametrize("path", ["/.well-known/void", "/sitemap.xml", "/robots.txt", "/feed.atom"])
def test_discovery_documents_are_conditional_and_answer_head(client, path):
    first = client.get(path)
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    head = client.head(path)
    assert head.status_code == 200 and head.headers["ETag"] == first.headers["ETag"]


def test_beyond_the_limit_the_sitemap_is_an_index_of_sitemaps(multi_data_dir):
    client = make_app(multi_data_dir, SITEMAP_MAX_URLS=5).test_client()
    index = ET.fromstring(client.get("/sitemap.xml").get_data())
    assert index.tag == f"{{{SITEMAP_NS}}}sitemapindex"
    parts = [loc.text for loc in index.iter(f"{{{SITEMAP_NS}}}loc")]
    newest = [day.text for day in index.iter(f"{{{SITEMAP_NS}}}lastmod")]
    assert parts[0] == "http://localhost/sitemaps/1.xml" and len(newest) == len(parts)
    pages = []
    for url, day in zip(parts, newest, strict=True):
        part = ET.fromstring(client.get(url.removeprefix("http://localhost")).get_data())
        assert part.tag == f"{{{SITEMAP_NS}}}urlset"
        found = [loc.text for loc in part.iter(f"{{{SITEMAP_NS}}}loc")]
        assert 1 <= len(found) <= 5
        # each sitemap of the index changed when its most recently changed page did
        assert day == max(lastmod.text for lastmod in part.iter(f"{{{SITEMAP_NS}}}lastmod"))
        pages += found
    whole = make_app(multi_data_dir).test_client().get("/sitemap.xml").get_data()
    assert pages == [loc.text for loc in ET.fromstring(whole).iter(f"{{{SITEMAP_NS}}}loc")]
    assert client.get(f"/sitemaps/{len(parts) + 1}.xml").status_code == 404
    assert client.get("/sitemaps/0.xml").status_code == 404


def test_the_sitemap_index_is_made_before_the_version_goes_live(multi_data_dir, tmp_path):
    """Its days take a pass over every thing: done once per version, never in a request."""
    state = tmp_path / "state"
    app = make_app(multi_data_dir, SITEMAP_MAX_URLS=3, STATE_DIR=str(state))
    [made] = state.glob("versions/*/sitemaps-3/newest.json")
    days = ET.fromstring(app.test_client().get("/sitemap.xml").get_data())
    lastmods = [day.text for day in days.iter(f"{{{SITEMAP_NS}}}lastmod")]
    assert lastmods == json.loads(made.read_text(encoding="utf-8"))
