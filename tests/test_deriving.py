"""Re-publishing after a few office files changed derives the new version from the live
one (records, statistics, SPARQL store), and what it serves is what a full build of the
same files serves; bad input is refused as a full build refuses it."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from rdflib import Graph

from bench.generate import generate
from opendata import artefacts, search, statistics
from opendata.records import InvalidData, load_directory
from opendata.sparql import building
from opendata.sparql.engine import EXTENSION as SPARQL

from .conftest import copy_data, make_app

OFFICE = "bildungsbuero-dessau-rosslau.yaml"
# A sitemap index of parts of 20 pages, as one of 50,000 pages is at national scale.
SMALL_SITEMAPS = {"SITEMAP_MAX_URLS": 20}
SHARED = "stadt-dessau-rosslau.yaml"
# Searches of every kind: words in names and elsewhere, a prefix, filters, lists.
SEARCHES = [
    "q=bildung",
    "q=neustadt",
    "q=beispielstadt",
    "q=neu",
    "q=rosslau+bildung",
    "q=bildung&kind=programme",
    "q=bildung&place=dessau-rosslau",
    "kind=organization",
    "kind=person&page=2",
    "",
]


@pytest.fixture
def data(tmp_path):
    """The real office and the city's shared things, and four generated offices (each
    declaring all its things itself)."""
    directory = copy_data(tmp_path / "data")
    generate(4, directory)
    return directory


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.replace(temporary, path)


def rewrite(path: Path, change) -> None:
    """Change a file's YAML document with ``change(office)``."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document["organization"])
    temporary = path.with_suffix(".tmp")
    temporary.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    os.replace(temporary, path)


def republished(app) -> bool:
    return app.extensions["opendata"].refresh()


def derived(app):
    """(previous version, changed files) of the live version, or None if built whole."""
    return app.extensions["opendata"].store.archive.derived_from


def sparql(client, query: str, accept: str) -> bytes:
    response = client.get("/sparql?" + urlencode({"query": query}), headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


def tables(app) -> dict[str, list]:
    """Every row of the live version's archive (but what says it was derived)."""
    archive = app.extensions["opendata"].store.archive
    found = {}
    for (table,) in archive.rows("SELECT name FROM sqlite_master WHERE type = 'table'"):
        rows = archive.rows(f"SELECT * FROM {table}")
        if table == "meta":
            rows = [row for row in rows if row[0] not in ("derived_from", "changed")]
        if table in ("units", "retirements"):  # the records, not how pickle wrote them
            rows = [(*row[:-1], pickle.loads(row[-1])) for row in rows]
        found[table] = sorted(rows, key=repr)
    return found


def served(app) -> dict[str, object]:
    """What the service answers about the data: VoID, the SPARQL store, the catalogue,
    every organisation's document and dataset figures, the sitemap."""
    client = app.test_client()
    everything = sparql(client, "CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples")
    count = sparql(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv")
    answers: dict[str, object] = {
        "triples": Graph().parse(data=everything, format="nt"),
        "count": count,
    }
    store = app.extensions["opendata"].store
    slugs = [slug for (slug,) in store.archive.rows("SELECT slug FROM organizations")]
    paths = ["/.well-known/void", "/catalog.ttl", "/sitemap.xml", "/feed.atom"]
    paths += [f"/sitemaps/{part}.xml" for part in range(1, 6)]
    paths += [f"/doc/organization/{slug}.nt" for slug in slugs]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        answers[path] = response.get_data()
    answers["datasets"] = statistics.organization_triples(app, store)
    for query in SEARCHES:
        for language in ("de", "en"):
            response = client.get(f"/search?{query}", headers={"Accept-Language": language})
            assert response.status_code == 200, query
            answers[f"/search?{query} {language}"] = response.get_data()
    return answers


def search_changes(app) -> bool:
    """Whether the live version's search index was derived from the previous one's."""
    store = app.extensions["opendata"].store
    directory = artefacts.path_of(app, store.version, search.ARTEFACT) / search.FORMAT
    return (directory / search.deriving.CHANGES).exists()


def search_figures(app) -> dict:
    """What the search index counted: totals and top facet values of every list, and
    every count."""
    store = app.extensions["opendata"].store
    with app.app_context():
        path = search.index_path(app, store)
    index = search.Index(path)
    figures = {k: v for k, v in index.meta.items() if k.startswith(("facets/", "total/"))}
    with contextlib.closing(sqlite3.connect(path)) as connection:
        figures["counts"] = connection.execute("SELECT * FROM counts ORDER BY 1, 2, 3").fetchall()
    return figures


def assert_as_full_build(live, data: Path, tmp_path: Path) -> None:
    full = make_app(data, STATE_DIR=str(tmp_path / "full-build"), **SMALL_SITEMAPS)
    try:
        assert derived(full) is None
        version = live.extensions["opendata"].store.version
        assert full.extensions["opendata"].store.version == version
        assert tables(live) == tables(full)
        assert building.triples_in(live, version) == building.triples_in(full, version)
        assert search_figures(live) == search_figures(full)
        ours, theirs = served(live), served(full)
        assert ours.pop("triples").isomorphic(theirs.pop("triples"))
        assert ours == theirs
    finally:
        full.extensions[SPARQL].close()


@pytest.fixture
def live(data, tmp_path):
    app = make_app(data, STATE_DIR=str(tmp_path / "state"), **SMALL_SITEMAPS)
    app.test_client().get("/.well-known/void")  # the previous version's figures
    yield app
    app.extensions[SPARQL].close()


def test_a_changed_office_is_derived_and_serves_what_a_full_build_serves(live, data, tmp_path):
    before = live.extensions["opendata"].store.version
    edit(data / "org-00002.yaml", "Bildungsbüro Beispielstadt 2", "Bildungsbüro Neustadt 2")
    rewrite(data / "org-00003.yaml", lambda office: office["keywords"].append({"de": "Neu"}))
    # the sitemap's days: one page changed later than any, one earlier than it was
    edit(data / "org-00003.yaml", "modified: '2026-04-04'", "modified: '2026-11-30'")
    edit(data / "org-00002.yaml", "modified: '2026-03-03'", "modified: '2025-06-01'")
    assert republished(live)
    assert derived(live) == (before, ["org-00002.yaml", "org-00003.yaml"])
    page = live.test_client().get("/doc/organization/buero-n2.nt").get_data(as_text=True)
    assert "Bildungsbüro Neustadt 2" in page and "Bildungsbüro Beispielstadt 2" not in page
    store = live.extensions["opendata"].store
    assert artefacts.is_complete(artefacts.path_of(live, store.version, building.ARTEFACT))
    found = live.test_client().get("/search?q=neustadt").get_data(as_text=True)
    assert "/doc/organization/buero-n2" in found
    assert search_changes(live), "the search index was derived"
    assert_as_full_build(live, data, tmp_path)


def test_a_version_is_derived_from_a_derived_one(live, data, tmp_path):
    edit(data / "org-00002.yaml", "Bildungsbüro Beispielstadt 2", "Amt Neustadt 2")
    # a theme no other office has: one more value of the facet
    rewrite(data / "org-00002.yaml", lambda office: office["publication"]["themes"].append("ENVI"))
    assert republished(live) and derived(live)
    assert search_changes(live)
    assert_as_full_build(live, data, tmp_path)
    second = live.extensions["opendata"].store.version
    edit(data / "org-00003.yaml", "Bildungsbüro Beispielstadt 3", "Zentrum Neustadt 3")
    # one of the most frequent themes becomes less frequent
    rewrite(data / "org-00003.yaml", lambda office: office["publication"].update(themes=["EDUC"]))
    edit(data / "org-00002.yaml", "Amt Neustadt 2", "Bildungsbüro Beispielstadt 2")
    assert republished(live)
    assert derived(live) == (second, ["org-00002.yaml", "org-00003.yaml"])
    assert search_changes(live)
    found = live.test_client().get("/search?q=neustadt").get_data(as_text=True)
    assert "/doc/organization/buero-n3" in found and "/doc/organization/buero-n2" not in found
    assert_as_full_build(live, data, tmp_path)


def test_an_office_that_refers_to_shared_things_is_derived(live, data, tmp_path):
    before = live.extensions["opendata"].store.version
    edit(data / OFFICE, "Zerbster Straße 4", "Zerbster Straße 5")
    original = (data / "org-00001.yaml").read_bytes()
    rewrite(data / "org-00001.yaml", lambda office: office.pop("people"))
    assert not republished(live)  # the people of org-00001 are gone, not retired
    problems = live.extensions["opendata"].problems
    assert problems and all(p.startswith("org-00001.yaml: -: person/") for p in problems)
    assert "was published by the previous version and is gone" in problems[0]
    (data / "org-00001.yaml").write_bytes(original)  # the bytes of the live version
    assert republished(live)
    assert derived(live) == (before, [OFFICE])
    assert_as_full_build(live, data, tmp_path)


def test_offices_that_refer_to_a_changed_office_are_validated_again(data, tmp_path):
    # org-00001 came from the programme org-00000 declares: its records embed it
    rewrite(
        data / "org-00001.yaml", lambda office: office["origin"].update(programme="herkunft-n0")
    )
    live = make_app(data, STATE_DIR=str(tmp_path / "state"), **SMALL_SITEMAPS)
    try:
        before = live.extensions["opendata"].store.version
        rewrite(
            data / "org-00000.yaml",
            lambda office: office["origin"]["programme"]["name"].update(de="Neues Programm"),
        )
        assert republished(live)
        assert derived(live) == (before, ["org-00000.yaml", "org-00001.yaml"])
        assert_as_full_build(live, data, tmp_path)
    finally:
        live.extensions[SPARQL].close()


def test_a_changed_shared_file_is_built_whole(live, data, tmp_path, caplog):
    edit(data / SHARED, "Dessau-Roßlau", "Dessau-Rosslau")
    with caplog.at_level(logging.INFO, logger="opendata"):
        assert republished(live)
    assert derived(live) is None
    assert "is built whole: a shared file changed" in caplog.text
    assert_as_full_build(live, data, tmp_path)


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("org-00002.yaml", "email: ", "email: [kaputt"),  # YAML syntax
        ("org-00002.yaml", "bildung@n2.example", "bildung(at)n2.example"),  # the schema
        (OFFICE, "area_served: dessau-rosslau", "area_served: dessau-rosslaux"),  # unknown
        ("org-00003.yaml", "slug: buero-n3", "slug: buero-n2"),  # declared twice
    ],
)
def test_a_bad_change_is_refused_as_a_full_build_refuses_it(live, data, name, old, new):
    client = live.test_client()
    before = live.extensions["opendata"].store.version
    good = client.get("/doc/organization/buero-n2.nt").get_data()
    edit(data / name, old, new)
    assert not republished(live)
    with pytest.raises(InvalidData) as full:
        load_directory(data)
    backend = live.extensions["opendata"]
    assert backend.problems == [str(problem) for problem in full.value.problems]
    assert backend.problems[0].startswith(f"{name}: ")
    assert backend.store.version == before
    assert client.get("/doc/organization/buero-n2.nt").get_data() == good
