"""Paging of the catalogue (hydra:PartialCollectionView), ?modified_since=, and bad input."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, RDF

from .catalog_data import BASE, catalogue_pages, dataset_uris, write_organization
from .conftest import make_app, parse

HYDRA = "http://www.w3.org/ns/hydra/core#"
MODIFIED = {1: "2024-01-10", 2: "2024-02-10", 3: "2024-03-10", 4: "2024-04-10", 5: "2024-05-10"}


@pytest.fixture
def five(tmp_path):
    """Five generated organisations, modified a month apart; two datasets a page."""
    for number, modified in MODIFIED.items():
        write_organization(tmp_path, number, modified)
    return make_app(tmp_path, CATALOG_PAGE_SIZE=2).test_client()


def hydra(name: str) -> URIRef:
    return URIRef(HYDRA + name)


def view_of(graph):
    [view] = graph.subjects(RDF.type, hydra("PartialCollectionView"))
    return view


def test_pages_are_linked_and_every_dataset_is_on_exactly_one(five):
    pages = catalogue_pages(five)
    assert [url for url, _ in pages] == ["/catalog", "/catalog?page=2", "/catalog?page=3"]
    seen = []
    for number, (_, graph) in enumerate(pages, start=1):
        view = view_of(graph)
        assert view == URIRef(f"{BASE}/catalog?page={number}")
        assert graph.value(view, hydra("first")) == URIRef(f"{BASE}/catalog?page=1")
        assert graph.value(view, hydra("last")) == URIRef(f"{BASE}/catalog?page=3")
        assert graph.value(view, hydra("totalItems")) == Literal(5)
        datasets = dataset_uris(graph)
        assert len(datasets) == (2 if number < 3 else 1)
        catalogue = URIRef(f"{BASE}/catalog")
        assert set(graph.objects(catalogue, DCAT.dataset)) == datasets
        seen += datasets
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == {URIRef(f"{BASE}/catalog/dataset/buero-{n}") for n in MODIFIED}
    last = pages[-1][1]
    assert last.value(view_of(last), hydra("next")) is None
    assert last.value(view_of(last), hydra("previous")) == URIRef(f"{BASE}/catalog?page=2")


def test_links_keep_the_fixed_format_of_the_request(five):
    graph = parse(five.get("/catalog.ttl?page=2"), "ttl")
    view = view_of(graph)
    assert graph.value(view, hydra("next")) == URIRef(f"{BASE}/catalog.ttl?page=3")
    assert graph.value(view, hydra("previous")) == URIRef(f"{BASE}/catalog.ttl?page=1")


def test_one_page_when_everything_fits(client):
    graph = parse(client.get("/catalog"), "ttl")
    view = view_of(graph)
    assert graph.value(view, hydra("next")) is None
    assert graph.value(view, hydra("totalItems")) == Literal(1)


def test_html_pages_have_a_navigation(five):
    html = five.get("/catalog?page=2", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/catalog?page=1" rel="prev"' in html
    assert 'href="/catalog?page=3" rel="next"' in html
    assert "Seite 2 von 3" in html
    english = five.get("/catalog.html?page=2&lang=en").get_data(as_text=True)
    assert 'href="/catalog.html?lang=en&amp;page=3" rel="next"' in english


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2024-03-10", {3, 4, 5}),
        ("2024-03-11", {4, 5}),
        ("2024-03-10T23:00:00", {3, 4, 5}),
        # 01:00 on 11 March in Berlin is still 10 March in UTC.
        ("2024-03-11T01:00:00+02:00", {3, 4, 5}),
        ("2024-03-11T01:00:00%2B02:00", {3, 4, 5}),
        ("2024-03-10T12:00:00Z", {3, 4, 5}),
        ("2030-01-01", set()),
        ("2000-01-01", {1, 2, 3, 4, 5}),
    ],
)
def test_modified_since_keeps_only_changed_datasets(five, since, expected):
    pages = catalogue_pages(five, f"/catalog?modified_since={since}")
    found = set()
    for _, graph in pages:
        found |= dataset_uris(graph)
        total = graph.value(view_of(graph), hydra("totalItems"))
        assert total == Literal(len(expected))
    assert found == {URIRef(f"{BASE}/catalog/dataset/buero-{n}") for n in expected}


def test_modified_since_is_kept_on_the_page_links(five):
    graph = parse(five.get("/catalog?modified_since=2024-02-01"), "ttl")
    view = view_of(graph)
    assert view == URIRef(f"{BASE}/catalog?modified_since=2024-02-01&page=1")
    following = graph.value(view, hydra("next"))
    assert following == URIRef(f"{BASE}/catalog?modified_since=2024-02-01&page=2")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "%20", "1e3", "01", "9" * 40])
def test_malformed_page_is_400(five, page):
    response = five.get(f"/catalog?page={page}")
    assert response.status_code == 400
    assert "page" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["4", "999999999"])
def test_page_beyond_the_last_is_404(five, page):
    for method in (five.get, five.head):
        assert method(f"/catalog?page={page}").status_code == 404
    assert five.get(f"/catalog.ttl?page={page}").status_code == 404


@pytest.mark.parametrize(
    "since",
    [
        "",
        "yesterday",
        "2024-13-01",
        "2024-02-30",
        "10.03.2024",
        "2024-03-10T25:00",
        "x" * 200,
        # Valid syntax, but the UTC day falls outside the calendar.
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00%2B05:00",
    ],
)
def test_malformed_modified_since_is_400(five, since):
    for accept in ("text/html", "text/turtle", None):
        headers = {"Accept": accept} if accept else {}
        response = five.get(f"/catalog?modified_since={since}", headers=headers)
        assert response.status_code == 400
        assert "modified_since" in response.get_data(as_text=True)


def test_page_beyond_the_filtered_last_is_404(five):
    assert five.get("/catalog?modified_since=2024-05-01&page=1").status_code == 200
    assert five.get("/catalog?modified_since=2024-05-01&page=2").status_code == 404


def test_page_size_comes_from_the_environment(tmp_path, monkeypatch):
    for number in (1, 2, 3):
        write_organization(tmp_path, number, "2024-01-02")
    monkeypatch.setenv("OPENDATA_CATALOG_PAGE_SIZE", "1")
    pages = catalogue_pages(make_app(tmp_path).test_client())
    assert len(pages) == 3


@pytest.mark.parametrize("size", [0, -2, "ten", True])
def test_an_unusable_page_size_refuses_to_start(tmp_path, size):
    write_organization(tmp_path, 1, "2024-01-02")
    with pytest.raises(ValueError, match="CATALOG_PAGE_SIZE"):
        make_app(tmp_path, CATALOG_PAGE_SIZE=size)
