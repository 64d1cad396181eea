"""Citizens find their office: the search over HTTP, on both backends.

The data is a whole administration (tests/fixtures/administration beside the real
Bildungsbüro). Expectations name what the YAML files say, spelled as there.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import re
import sqlite3
import sys
from urllib.parse import quote

import pytest

from opendata import progress
from opendata.publishing import current_store
from opendata.records import load_directory
from opendata.search import documents, index, index_path, query, segments, tables
from opendata.search.folding import fold
from opendata.search.segments import sort_key
from opendata.sparql.engine import EXTENSION

from .conftest import STATE_DIR, copy_administration, make_app

BROWSER = {"Accept": "text/html"}


PAGE_SIZE = 8  # the administration's 20 things fill three pages


@pytest.fixture
def search(tmp_path, backend_store):
    data = copy_administration(tmp_path / "data")
    app = make_app(data, backend_store, SEARCH_PAGE_SIZE=PAGE_SIZE)
    yield app.test_client()
    if EXTENSION in app.extensions:
        app.extensions[EXTENSION].close()


def page_of(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == status, (path, response.get_data(as_text=True)[:500])
    return response.get_data(as_text=True)


def results(client, query: str, **filters) -> list[str]:
    """The /doc/ paths of the results, in order (first page)."""
    parameters = "&".join(f"{k}={quote(v)}" for k, v in {"q": query, **filters}.items())
    page = page_of(client, f"/search?{parameters}")
    listed = (
        page.split('<ol class="result-list"')[1].split("</ol>")[0] if "result-list" in page else ""
    )
    return re.findall(r'<li class="result">\s*<h3><a href="(/doc/[a-z]+/[a-z0-9-]+)', listed)


# ---------------------------------------------------------------------------
# Finding things as people type.


def test_spellings_of_umlauts_and_sharp_s_find_the_same(search):
    assert "/doc/organization/stadtverwaltung-dessau-rosslau" in results(search, "Rosslau")
    assert results(search, "Rosslau") == results(search, "Roßlau") == results(search, "ROSSLAU")
    buero = results(search, "Büro")
    assert "/doc/organization/bildungsbuero" in buero
    assert buero == results(search, "Buero") == results(search, "büro") == results(search, "Buro")
    assert results(search, "Qualitaet") == results(search, "Qualität")
    assert "/doc/programme/qualitaet-vor-ort" in results(search, "Qualitaet")


def test_prefixes_and_parts_of_compounds_are_found(search):
    assert results(search, "bildungsb")[0] == "/doc/organization/bildungsbuero"
    # "büro" inside the compound "Bildungsbüro", "hilfen" inside "Frühe Hilfen"
    assert "/doc/organization/bildungsbuero" in results(search, "buro")
    assert "/doc/organization/familienbuero" in results(search, "buro")


def test_every_field_is_searched_in_german_and_english(search):
    # English name, keyword, person's name and job title, address, place, description
    assert results(search, "education office")[0] == "/doc/organization/bildungsbuero"
    assert "/doc/organization/bildungsbuero" in results(search, "Lebenslanges Lernen")
    assert results(search, "Hinze")[0] == "/doc/person/kathrin-hinze"
    assert "/doc/person/kathrin-hinze" in results(search, "Leiterin")
    assert "/doc/organization/bildungsbuero" in results(search, "Zerbster Straße")
    assert "/doc/organization/bildungsbuero" in results(search, "06844")
    assert "/doc/organization/bildungsbuero" in results(search, "Koordinierungsstelle")
    # a focus area, a programme's supporting role
    assert "/doc/organization/bildungsbuero" in results(search, "Bildungsmonitorings")
    assert "/doc/programme/qualitaet-vor-ort" in results(search, "Prozessbegleiter")


def test_a_match_in_the_name_comes_before_one_in_other_fields(search):
    found = results(search, "Familienbüro")
    named = [path for path in found if path.startswith("/doc/organization/familienbuero")]
    assert named and found[: len(named)] == named
    # Marie Beispiel is "Leiterin Familienbüro": found through her job title, after
    assert "/doc/person/marie-beispiel" in found[len(named) :]


def test_a_result_shows_name_kind_parent_place_and_a_highlighted_snippet(search):
    page = page_of(search, "/search?q=Koordinierungsstelle")
    result = page.split('<li class="result">')[1].split("</li>\n</ol>")[0]
    assert '<a href="/doc/organization/bildungsbuero">Kommunales Bildungsbüro</a>' in result
    assert '<span class="kind">Organisation</span>' in result
    assert (
        'Teil von: <a href="/doc/organization/stadtverwaltung-dessau-rosslau">'
        "Stadtverwaltung Dessau-Roßlau</a>" in result
    )
    assert 'Ort: <a href="/doc/place/dessau-rosslau">Dessau-Roßlau</a>' in result
    assert "<mark>Koordinierungsstelle</mark>" in result
    assert '<h3><a href="/doc/organization/bildungsbuero">Kommunales <mark>Bildungsbüro' in (
        page_of(search, "/search?q=bildungsbuero")
    )


def test_the_results_page_is_in_the_readers_language(search):
    page = page_of(search, "/search?q=education&lang=en")
    assert '<html lang="en">' in page
    assert "Municipal <mark>Education</mark> Office" in page
    assert 'href="/doc/organization/bildungsbuero?lang=en"' in page
    assert '<input type="hidden" name="lang" value="en">' in page
    assert re.search(r"<h1[^>]*>\d+ results? for “<bdi>education</bdi>”</h1>", page)
    german = page_of(search, "/search?q=Bildung")
    assert re.search(r"<h1[^>]*>\d+ Treffer für „<bdi>Bildung</bdi>“</h1>", german)


def test_no_results_are_said_in_words(search):
    page = page_of(search, "/search?q=Zzyzxq")
    assert '<h1 class="results-heading">Keine Treffer für „<bdi>Zzyzxq</bdi>“</h1>' in page
    assert "Prüfen Sie die Schreibweise" in page
    assert results(search, "Zzyzxq") == []


# ---------------------------------------------------------------------------
# Browsing: facets and pages, each a plain link.


def test_facets_count_and_narrow_the_results(search):
    page = page_of(search, "/search?q=Dessau")
    link = re.search(
        r'<a href="(/search\?q=Dessau&amp;kind=person)">Person</a> <span class="count">\((\d+)\)',
        page,
    )
    assert link, "the kind facet links to the people among the results"
    people = results(search, "Dessau", kind="person")
    assert people and all(path.startswith("/doc/person/") for path in people)
    assert len(people) == int(link.group(2))
    selected = page_of(search, "/search?q=Dessau&kind=person")
    assert '<a href="/search?q=Dessau" aria-current="true" class="selected">' in selected
    assert "Filter entfernen" in selected


def test_every_facet_narrows_to_what_the_data_says(search):
    department = results(
        search, "", administration="stadtverwaltung-dessau-rosslau", kind="organization"
    )
    assert "/doc/organization/netzwerkstelle-fruehe-hilfen" in department  # via its department
    assert "/doc/organization/stadtverwaltung-dessau-rosslau" not in department  # no parent
    place = results(search, "", place="dessau-rosslau", kind="person")
    assert "/doc/person/kathrin-hinze" in place
    theme = results(search, "", theme="EDUC", kind="organization")
    assert theme == ["/doc/organization/bildungsbuero"]
    focus = results(search, "", focus="familienbildung")
    assert set(focus) == {
        "/doc/organization/familienbuero",
        "/doc/organization/netzwerkstelle-fruehe-hilfen",
    }


def test_facets_with_many_values_are_counted_for_narrower_searches_only(search, monkeypatch):
    monkeypatch.setattr(query, "FACET_SCAN_LIMIT", 3)
    page = page_of(search, "/search?q=Dessau")
    assert page.count("Gezählt bis 3 Treffer: Grenzen Sie die Suche zuerst ein.") == 3
    assert 'href="/search?q=Dessau&amp;kind=person">Person</a>' in page  # still counted
    narrow = page_of(search, "/search?q=Hinze")
    assert "Gezählt bis" not in narrow
    assert 'href="/search?q=Hinze&amp;place=dessau-rosslau">Dessau-Roßlau</a>' in narrow


def test_pages_are_linked_stable_and_bounded(search):
    first = page_of(search, "/search")
    total = int(re.search(r"<h1[^>]*>(\d+) Einträge</h1>", first).group(1))
    last = -(-total // PAGE_SIZE)
    assert last >= 3, "the fixture fills several pages"
    assert '<link rel="next" href="/search?page=2">' in first
    assert '<link rel="prev"' not in first
    assert first.count('<li class="result">') == PAGE_SIZE
    second = page_of(search, "/search?page=2")
    assert '<link rel="prev" href="/search">' in second
    assert '<link rel="next" href="/search?page=3">' in second
    assert f'<a href="/search?page={last}">Letzte Seite</a>' in second
    final = page_of(search, f"/search?page={last}")
    assert '<link rel="next"' not in final
    assert final.count('<li class="result">') == total - (last - 1) * PAGE_SIZE
    pages = [results(search, "", page=str(n)) for n in range(1, last + 1)]
    paths = [path for page in pages for path in page]
    assert len(set(paths)) == len(paths) == total, "every thing once, on one page"
    assert pages == [results(search, "", page=str(n)) for n in range(1, last + 1)], "stable"


def test_results_come_tier_by_tier_and_in_name_order_within_a_tier(search):
    # "Dessau" is in the names of some things and only in the places of the others
    titles = [
        title
        for n in (1, 2, 3)
        for title in re.findall(
            r'<li class="result">\s*<h3><a href="[^"]+">(.*?)</a>',
            page_of(search, f"/search?q=Dessau&page={n}"),
        )
    ]
    assert len(titles) > PAGE_SIZE
    named = [title for title in titles if "<mark>" in title]
    assert named and titles[: len(named)] == named, "the names that hold the word first"
    rest = [re.sub(r"<[^>]+>", "", title) for title in titles[len(named) :]]
    assert rest and rest == sorted(rest, key=lambda name: fold(name))


def test_with_several_words_a_name_holding_one_comes_before_names_holding_none(search):
    found = results(search, "rosslau bildung")
    # "Bildung…" is in these names, "Roßlau" only in their places
    assert set(found[:2]) == {
        "/doc/organization/bildungsbuero",
        "/doc/programme/bildungskoordination-fuer-neuzugewanderte",
    }
    assert "/doc/person/kathrin-hinze" in found[2:]


def test_only_the_first_results_can_be_paged_through_and_that_is_said(search, monkeypatch):
    monkeypatch.setattr(query, "DEPTH", 10)  # the 20 things of a place fill three pages
    total = int(re.search(r"(\d+) Treffer", page_of(search, "/search?q=Dessau")).group(1))
    assert total > 10, "more results than can be paged through"
    first = page_of(search, "/search?q=Dessau")
    assert f"{total} Treffer für" in first, "the count stays exact"
    assert "lassen sich durchblättern" not in first
    assert '<a href="/search?q=Dessau&amp;page=2">Letzte Seite</a>' in first
    last = page_of(search, "/search?q=Dessau&page=2")
    assert last.count('<li class="result">') == 2  # results 9 and 10
    assert '<link rel="next"' not in last
    note = (
        "Nur die ersten 10 Treffer lassen sich durchblättern: Ergänzen Sie Suchwörter"
        " oder wählen Sie einen Filter, um die übrigen zu erreichen."
    )
    assert note in last
    beyond = page_of(search, "/search?q=Dessau&page=3")
    assert '<li class="result">' not in beyond and note in beyond
    english = page_of(search, "/search?q=Dessau&page=3&lang=en")
    assert "Only the first 10 results can be paged through: add words or choose" in english
    json_ld = {"Accept": "application/ld+json"}
    view = search.get("/search?q=Dessau&page=2", headers=json_ld).get_json()
    paged = next(node for node in view["@graph"] if "hydra:first" in node)
    assert paged["hydra:last"] == {"@id": "http://localhost/search?q=Dessau&page=2"}
    assert "hydra:next" not in paged
    everything = page_of(search, "/search?page=3")  # the list of all things: every page
    assert everything.count('<li class="result">') > 0


def test_beyond_the_counting_limit_the_count_says_more_than(search, monkeypatch):
    monkeypatch.setattr(query, "COUNT_LIMIT", 3)
    page = page_of(search, "/search?q=Dessau")
    assert '<h1 class="results-heading">Mehr als 3 Treffer für „<bdi>Dessau</bdi>“</h1>' in page
    assert page.count("Gezählt bis 3 Treffer: Grenzen Sie die Suche zuerst ein.") == 2
    assert page.count('<li class="result">') == PAGE_SIZE, "a full page all the same"
    english = page_of(search, "/search?q=Dessau&lang=en")
    assert "More than 3 results for “<bdi>Dessau</bdi>”" in english
    data = search.get("/search.jsonld?q=Dessau").get_json()
    collection = next(node for node in data["@graph"] if node["@id"].endswith("?q=Dessau"))
    assert "hydra:totalItems" not in collection, "no count that is not the count"
    few = page_of(search, "/search?q=Hinze")  # up to the limit: counted exactly
    assert re.search(r"<h1[^>]*>[123] Treffer? für „<bdi>Hinze</bdi>“</h1>", few)


FILTERED = {  # filters, and which things have them
    "place=dessau-rosslau": lambda t: t.place == "dessau-rosslau",
    "kind=organization&theme=EDUC": lambda t: t.kind == "organization" and "EDUC" in t.themes,
    "focus=familienbildung": lambda t: "familienbildung" in t.focus,
    "administration=stadtverwaltung-dessau-rosslau&kind=person": lambda t: (
        t.administration == "stadtverwaltung-dessau-rosslau" and t.kind == "person"
    ),
}


@pytest.mark.parametrize("filters", FILTERED)
@pytest.mark.parametrize("words", ["", "Bildung", "Dessau Leiterin"])
def test_filters_keep_exactly_the_things_that_have_them_in_order(tmp_path, filters, words):
    """Filtered or not, a search lists things in the same order; the filters keep the
    things the records give those values, and only them."""
    data = copy_administration(tmp_path / "data")
    client = make_app(data, SEARCH_PAGE_SIZE=100).test_client()
    things = {f"/doc/{t.kind}/{t.slug}": t for t in documents.things(load_directory(data))}

    def listed(parameters: str) -> list[str]:
        page = page_of(client, f"/search?{parameters}")
        return re.findall(r'<li class="result">\s*<h3><a href="(/doc/[a-z]+/[a-z0-9-]+)', page)

    if words:
        unfiltered = listed(f"q={quote(words)}")
    else:
        unfiltered = [
            path
            for path, _ in sorted(
                things.items(), key=lambda t: sort_key(t[1].name.primary, t[1].slug)
            )
        ]
    expected = [path for path in unfiltered if FILTERED[filters](things[path])]
    found = listed(f"q={quote(words)}&{filters}" if words else filters)
    assert found == expected
    if not words:
        assert found, "every filter keeps some things"


def test_a_page_after_the_last_is_empty_and_says_so(search):
    page = page_of(search, "/search?q=Bildung&page=9")
    assert "Eine Seite 9 gibt es nicht; die letzte Seite ist 1." in page
    assert '<li class="result">' not in page
    assert '<a href="/search?q=Bildung">Erste Seite</a>' in page


def test_results_pages_are_not_indexed_but_have_a_canonical_url(search):
    page = page_of(search, "/search?kind=person&q=Leiterin&lang=en")
    assert '<meta name="robots" content="noindex">' in page
    assert (
        '<link rel="canonical" href="http://localhost/search?q=Leiterin&amp;kind=person&amp;lang=en">'
        in page
    )
    assert "noindex" not in page_of(search, "/")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/search?q=x&colour=red", "Unknown parameter 'colour'"),
        ("/search?kind=building", "kind must be one of organization, programme, person"),
        ("/search?theme=XXXX", "theme must be an EU data theme code"),
        ("/search?place=Not%20A%20Slug", "place must be an identifier"),
        ("/search?page=0", "page must be a page number"),
        ("/search?page=-1", "page must be a page number"),
        ("/search?page=two", "page must be a page number"),
        ("/search?q=a&q=b", "Give 'q' once"),
        ("/search?q=" + "x" * 201, "at most 200 are searched"),
    ],
)
def test_a_malformed_search_is_answered_400_saying_why(search, path, message):
    response = search.get(path, headers=BROWSER)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_a_value_nothing_is_published_under_gives_an_empty_page_saying_so(search):
    page = page_of(search, "/search?place=atlantis")
    assert "Unter „atlantis“ (Zuständig für den Ort) ist nichts veröffentlicht." in page
    assert '<li class="result">' not in page


# ---------------------------------------------------------------------------
# Bad input never reaches the index as syntax.

NASTY = [
    "",
    " ",
    '"',
    '"unbalanced',
    "Bildung*",
    "*",
    "NEAR(a b)",
    "a AND",
    "OR",
    "NOT x",
    "-bildung",
    "name:bildung",
    "{name}: x",
    "bildung^2",
    "'; DROP TABLE things; --",
    "1' OR '1'='1",
    "\x00\x01\x1f",
    "\u202eRTL override",
    "مكتب التعليم",
    "חינוך",
    "a" * 200,
    "𝔅𝔦𝔩𝔡𝔲𝔫𝔤",
    "Ǆ ǅ ǆ",
    "ﬁ ﬂ",
]


@pytest.mark.parametrize("text", NASTY)
def test_any_search_text_gets_a_results_page(search, text):
    response = search.get(f"/search?q={quote(text)}", headers=BROWSER)
    assert response.status_code == 200, text
    body = response.get_data(as_text=True)
    assert "sqlite" not in body.lower() and "fts5" not in body.lower()
    assert re.search(r'<h1 class="results-heading">', body)


def test_an_over_long_url_is_refused_with_a_message(search):
    response = search.get("/search?q=" + "x" * 10_000, headers=BROWSER)
    assert response.status_code == 414
    assert "The URL is longer than" in response.get_data(as_text=True)


def test_one_letter_words_are_not_searched_and_that_is_said(search):
    page = page_of(search, "/search?q=a")
    assert "Geben Sie zum Suchen mindestens zwei Buchstaben oder Ziffern ein." in page
    assert "Keine Treffer für „<bdi>a</bdi>“" in page, "not everything, as if nothing was typed"


# ---------------------------------------------------------------------------
# For programs: JSON-LD (hydra) and OpenSearch.


def test_the_search_as_json_ld_is_a_paged_hydra_collection(search):
    response = search.get("/search?page=2", headers={"Accept": "application/ld+json"})
    total = int(re.search(r"(\d+) Einträge", page_of(search, "/search")).group(1))
    last = -(-total // PAGE_SIZE)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Location"] == "/search.jsonld?page=2"
    assert 'rel="alternate"; type="text/html"' in response.headers["Link"]
    assert "Accept" in response.headers["Vary"]
    data = response.get_json()
    nodes = {node["@id"]: node for node in data["@graph"]}
    collection = nodes["http://localhost/search"]
    view = nodes["http://localhost/search?page=2"]
    assert collection["@type"] == "hydra:Collection"
    assert collection["hydra:view"] == {"@id": view["@id"]}
    assert set(view["@type"]) == {"hydra:PartialCollectionView", "ItemList"}
    assert view["hydra:first"] == {"@id": "http://localhost/search?page=1"}
    assert view["hydra:previous"] == {"@id": "http://localhost/search?page=1"}
    assert view["hydra:next"] == {"@id": "http://localhost/search?page=3"}
    assert view["hydra:last"] == {"@id": f"http://localhost/search?page={last}"}
    members = [m["@id"] for m in collection["hydra:member"]]
    ordered = [m["@id"] for m in view["itemListElement"]["@list"]]
    assert sorted(members) == sorted(ordered)
    assert collection["hydra:totalItems"] == total
    assert len(members) == PAGE_SIZE
    final = search.get(f"/search.jsonld?page={last}").get_json()
    assert not any("hydra:next" in node for node in final["@graph"]), "the last has no next"
    for member in ordered:
        node = nodes[member]
        assert node["@type"] in ("GovernmentOrganization", "Organization", "Project", "Person")
        assert node["name"]


def test_the_json_ld_keeps_the_order_of_the_results(search):
    html_order = results(search, "Familienbüro")
    data = search.get("/search.jsonld?q=Familienb%C3%BCro").get_json()
    view = next(n for n in data["@graph"] if "hydra:first" in n)
    ordered = [
        m["@id"].replace("http://localhost/id/", "/doc/") for m in view["itemListElement"]["@list"]
    ]
    assert ordered == html_order


def test_opensearch_describes_the_search_and_every_page_links_it(search):
    response = search.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.content_type == "application/opensearchdescription+xml; charset=utf-8"
    body = response.get_data(as_text=True)
    assert '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">' in body
    assert 'template="http://localhost/search?q={searchTerms}&amp;page={startPage?}"' in body
    assert 'type="application/ld+json"' in body
    assert "<ShortName>Offene Daten</ShortName>" in body
    # an OpenSearch client that leaves the optional page empty gets the first page
    assert page_of(search, "/search?q=Bildung&page=")
    for path in ("/", "/search?q=x", "/doc/organization/bildungsbuero", "/impressum"):
        page = page_of(search, path)
        head = page.split("</head>")[0]
        assert (
            '<link rel="search" type="application/opensearchdescription+xml"'
            ' href="/opensearch.xml" title="Offene Daten">' in head
        )
        assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom"' in head
        assert '<form class="site-search" role="search" method="get" action="/search"' in page


# ---------------------------------------------------------------------------
# The home page: the directory's entry, and the way into the data.


def test_the_home_page_is_the_directorys_entry(search):
    page = page_of(search, "/")
    assert '<form class="search-form" role="search"' in page
    assert '<nav class="facets"' in page
    assert 'href="/search?kind=programme"' in page and 'href="/search?kind=person"' in page
    assert '<a href="/search?kind=organization&amp;place=dessau-rosslau">Dessau-Roßlau</a>' in page
    for path, sentence in (
        ("/catalog", "Listet jeden Datensatz"),
        ("/api", "Erklärt, wie Programme"),
        ("/sparql", "Beantwortet Fragen"),
        ("/dumps/all.ttl.gz", "in einer komprimierten Datei"),
    ):
        main, footer = page.split("</main>")
        assert f'href="{path}"' in main and f'href="{path}"' in footer, path
        assert sentence in main and sentence in footer, path


def test_the_search_index_is_built_once_per_version_on_disk(search):
    search.get("/search?q=Bildung")
    versions = [p for p in (STATE_DIR / "versions").glob("*/search/*/.complete")]
    assert versions, "the index is an artefact of the data version"


def test_building_the_index_reports_its_progress(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(progress, "PROGRESS_SECONDS", 0.0)
    data = copy_administration(tmp_path / "data")
    with caplog.at_level(logging.INFO):
        make_app(data, STATE_DIR=str(tmp_path / "state")).test_client().get("/search?q=x")
    messages = [record.getMessage() for record in caplog.records]
    read = [m for m in messages if ", files read: " in m]
    written = [m for m in messages if ", things written: " in m]
    assert read and re.search(r"files read: \d+ of \d+ \(\d+/s\), .* s left", read[-1])
    assert written and re.search(r"things written: (\d+) of \1 \(\d+/s\), .* s left", written[-1])


def test_a_new_data_version_is_searchable_once_it_is_live(tmp_path):
    data = copy_administration(tmp_path / "data")
    app = make_app(data, RELOAD_INTERVAL=0)
    client = app.test_client()
    assert results(client, "Lesefoerderung") == []
    source = data / "bildungsbuero-dessau-rosslau.yaml"
    text = source.read_text(encoding="utf-8")
    changed = text.replace("de: Lebenslanges Lernen", "de: Leseförderung", 1)
    assert changed != text
    (data / "new.tmp").write_text(changed, encoding="utf-8")
    (data / "new.tmp").replace(source)
    assert app.extensions["opendata"].refresh(), "the new version went live"
    # its index was built before it went live: the first search finds the new keyword
    assert results(client, "Lesefoerderung") == ["/doc/organization/bildungsbuero"]
    assert results(client, "Lebenslanges") == []


def test_processes_write_the_index_the_building_process_writes(tmp_path, monkeypatch):
    """Large indexes are written by processes of their own, a segment each, small ones
    in place: the same things and words either way."""
    data = copy_administration(tmp_path / "data")

    def contents(state: str) -> tuple[int, list, list]:
        app = make_app(data, STATE_DIR=str(tmp_path / state), dumps_built=False)
        with app.app_context():
            path = index_path(app, current_store())
        files = sorted(path.parent.glob("segment-*.sqlite"))
        with contextlib.closing(sqlite3.connect(path)) as db:
            things = db.execute("SELECT * FROM things ORDER BY id").fetchall()
        words = []
        for file in files:
            with contextlib.closing(sqlite3.connect(file)) as db:
                db.execute("CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, text, instance)")
                words += db.execute("SELECT * FROM temp.words").fetchall()
        return len(files), things, sorted(words)

    here = contents("here")
    monkeypatch.setattr(segments, "PROCESSES_FROM", 0)
    monkeypatch.setattr(segments, "processes", lambda: 2)
    there = contents("processes")
    assert (here[0], there[0]) == (1, 2)
    assert there[1:] == here[1:]
    assert here[1] and here[2]


def test_a_segment_process_that_fails_fails_the_build(tmp_path, monkeypatch):
    """No index is made of what a failed process wrote: the build raises, saying so."""
    data = copy_administration(tmp_path / "data")
    app = make_app(data, STATE_DIR=str(tmp_path / "state"), dumps_built=False)
    monkeypatch.setattr(segments, "PROCESSES_FROM", 0)
    monkeypatch.setattr(segments, "processes", lambda: 2)
    monkeypatch.setattr(segments, "COMMAND", [sys.executable, "-c", "raise SystemExit(3)"])
    with app.app_context():
        store = current_store()
        with pytest.raises(RuntimeError, match=r"a search index process ended \(3\)"):
            index.build(store.data, tmp_path, app.logger, {})


def test_counts_moved_by_a_derived_version_give_the_top_values_of_all(tmp_path):
    """When one of the most frequent values becomes less frequent, a value that was not
    among them may take its place: the top values are those of every count."""
    path = tmp_path / "index.sqlite"
    built = tables.Tally()
    for i in range(15):  # place-00 … place-14, of 15 down to 1 things each
        for _ in range(15 - i):
            built.add_values("person", f"place-{i:02}", None, (), (), 1)
    with contextlib.closing(tables.create(path)) as connection:
        tables.insert_meta(connection, "v1", built, {})
        meta = {k: json.loads(v) for k, v in connection.execute("SELECT * FROM meta")}
        changes = tables.Tally()  # place-00 loses 14 things, place-14 gains 2
        for _ in range(14):
            changes.add_values("person", "place-00", None, (), (), -1)
            built.add_values("person", "place-00", None, (), (), -1)
        for _ in range(2):
            changes.add_values("person", "place-14", None, (), (), 1)
            built.add_values("person", "place-14", None, (), (), 1)
        changes.add_values("person", "place-15", None, (), (), 1)  # a new value
        built.add_values("person", "place-15", None, (), (), 1)
        found = tables.counted(connection, changes, meta)
    assert found["facets/-"]["place"] == built.facets("-")["place"]
    assert found["facets/-"]["place"]["distinct"] == 16
    assert "place-00" not in dict(found["facets/-"]["place"]["values"])
    assert found["total/person"] == built.total("person") == 120 - 14 + 2 + 1
