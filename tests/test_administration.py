"""A whole administration over HTTP, on both backends: the real Bildungsbüro beside the
fictional offices, department, section and focus area of tests/fixtures/administration.

What the data says is read here from the YAML files themselves (not through the
service's own loader), so the expectations are independent of the code under test:
which things each file declares, which shared things each office refers to, each
office's contact data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, ORG, RDF, SDO, SKOS

from opendata.cli import main
from opendata.sparql.engine import EXTENSION

from .catalog_data import BASE, catalogue_pages, dataset_uris, whole_catalogue
from .conftest import (
    ADMINISTRATION,
    DATA_DIR,
    RDF_EXTENSIONS,
    copy_administration,
    make_app,
    parse,
    resource_paths,
)
from .test_pages import check_vcard, trail

ADMIN = "stadtverwaltung-dessau-rosslau"
DEPARTMENT = "dezernat-jugend-familie-und-soziales"
DEPARTMENT_OFFICE = "netzwerkstelle-fruehe-hilfen"
# The offices the example is made of (the real one and the fictional ones).
EXAMPLE_OFFICES = ("bildungsbuero", "familienbuero", DEPARTMENT_OFFICE)
SECTION_KINDS = {"organizations": "organization", "places": "place"}
SECTION_KINDS |= {"concepts": "concept", "programmes": "programme"}
MEDIA_TYPES = {"nt": "application/n-triples", "ttl": "text/turtle", "jsonld": "application/ld+json"}


# ---------------------------------------------------------------------------
# The data, read from the files.


def read_sources() -> dict[str, dict]:
    paths = [*DATA_DIR.glob("*.yaml"), *ADMINISTRATION.glob("*.yaml")]
    return {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths}


SOURCES = read_sources()
OFFICE_FILES = {
    document["organization"]["slug"]: document["organization"]
    for document in SOURCES.values()
    if "organization" in document
}
SHARED = {
    (kind, thing["slug"]): thing
    for document in SOURCES.values()
    if "shared" in document
    for section, kind in SECTION_KINDS.items()
    for thing in document["shared"].get(section, [])
}


def declared_in_office(office: dict) -> Iterator[tuple[str, str]]:
    """(kind, slug) of everything an office file declares in place."""
    yield "organization", office["slug"]
    for field, kind in (("parent_organization", "organization"), ("area_served", "place")):
        if isinstance(office[field], dict):
            yield kind, office[field]["slug"]
    if isinstance(office.get("classification"), list):
        yield from (("concept", section["slug"]) for section in office["classification"])
    for area in office.get("focus_areas", []):
        if isinstance(area, dict):
            yield "concept", area["slug"]
    origin = office.get("origin", {}).get("programme")
    if isinstance(origin, dict):
        yield "programme", origin["slug"]
    for programme in office.get("programmes", []):
        yield "programme", programme["slug"]
        if isinstance(programme.get("owner"), dict):
            yield "organization", programme["owner"]["slug"]
    yield from (("person", person["slug"]) for person in office.get("people", []))


def references(office: dict) -> set[tuple[str, str]]:
    """(kind, slug) of the shared things an office refers to, with the sections above its
    section and the organisations above its parent."""
    found: set[tuple[str, str]] = set()

    def follow(kind: str, slug: str | None, step: str) -> None:
        while slug is not None and (kind, slug) not in found:
            found.add((kind, slug))
            slug = SHARED[(kind, slug)].get(step)

    if isinstance(office["parent_organization"], str):
        follow("organization", office["parent_organization"], "parent")
    if isinstance(office["area_served"], str):
        found.add(("place", office["area_served"]))
    if isinstance(office.get("classification"), str):
        follow("concept", office["classification"], "broader")
    found |= {("concept", a) for a in office.get("focus_areas", []) if isinstance(a, str)}
    origin = office.get("origin", {}).get("programme")
    if isinstance(origin, str):
        found.add(("programme", origin))
    for programme in office.get("programmes", []):
        if isinstance(programme.get("owner"), str):
            follow("organization", programme["owner"], "parent")
    return found


# Every office of the files; those directly under the administration.
OFFICES = tuple(sorted(OFFICE_FILES))
DIRECT_OFFICES = tuple(s for s in OFFICES if OFFICE_FILES[s]["parent_organization"] == ADMIN)
# ... and every office in the administration, directly or in one of its departments.
ADMIN_OFFICES = tuple(s for s in OFFICES if ("organization", ADMIN) in references(OFFICE_FILES[s]))
DECLARED = sorted(
    {*SHARED, *(thing for office in OFFICE_FILES.values() for thing in declared_in_office(office))}
)


def uri(kind: str, slug: str) -> URIRef:
    return URIRef(f"{BASE}/id/{kind}/{slug}")


def org(slug: str) -> URIRef:
    return uri("organization", slug)


def test_the_example_is_a_whole_administration():
    """The fixtures are what the tests below rely on (and the reader of the fixtures can
    check): three offices, one of them in a department, and what they share."""
    assert set(EXAMPLE_OFFICES) <= set(OFFICES)
    assert {"bildungsbuero", "familienbuero"} <= set(DIRECT_OFFICES)
    assert DEPARTMENT_OFFICE not in DIRECT_OFFICES
    assert set(EXAMPLE_OFFICES) <= set(ADMIN_OFFICES)
    assert SHARED[("organization", DEPARTMENT)]["type"] == "department"
    assert SHARED[("organization", DEPARTMENT)]["parent"] == ADMIN
    shared_by_all = set.intersection(*(references(OFFICE_FILES[o]) for o in EXAMPLE_OFFICES))
    assert {
        ("organization", ADMIN),
        ("place", "dessau-rosslau"),
        ("concept", "stadt-und-buerger"),
        ("organization", "deutsche-kinder-und-jugendstiftung"),
    } <= shared_by_all
    assert ("organization", DEPARTMENT) in references(OFFICE_FILES[DEPARTMENT_OFFICE])
    for path in ADMINISTRATION.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# FIKTIVES BEISPIEL / FICTIONAL EXAMPLE"), path.name
        assert "(fiktives Beispiel)" in text, path.name
        assert "dessau-rosslau.de" not in text, path.name  # addresses only on .example


# ---------------------------------------------------------------------------
# Fixtures.


@pytest.fixture
def admin_dir(tmp_path) -> Path:
    return copy_administration(tmp_path / "data")


@pytest.fixture
def serve(admin_dir, backend_store):
    """The administration served by the backend under test, with extra settings."""
    apps = []

    def start(**config):
        app = make_app(admin_dir, backend_store, **config)
        apps.append(app)
        return app.test_client()

    yield start
    for app in apps:
        if EXTENSION in app.extensions:
            app.extensions[EXTENSION].close()


@pytest.fixture
def admin(serve):
    return serve()


def graph_of(client, path: str, extension: str = "ttl") -> Graph:
    response = client.get(f"{path}.{extension}")
    assert response.status_code == 200, path
    return parse(response, extension, client)


def html_of(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------
# Documents and pages.


def test_every_document_answers_in_every_format_and_as_a_page(admin):
    for kind, slug in DECLARED:
        path = f"/doc/{kind}/{slug}"
        graphs = {ext: graph_of(admin, path, ext) for ext in RDF_EXTENSIONS}
        reference = graphs.pop("nt")
        assert (uri(kind, slug), RDF.type, None) in reference, path
        for extension, graph in graphs.items():
            assert isomorphic(graph, reference), f"{path}.{extension} differs from N-Triples"
        page = html_of(admin, path)
        assert f"<code>{uri(kind, slug)}</code>" in page, path
        assert admin.get(f"/id/{kind}/{slug}").status_code == 303, path


def test_every_document_is_reachable_from_the_home_page(admin):
    assert resource_paths(admin) == sorted(f"/doc/{kind}/{slug}" for kind, slug in DECLARED)


def test_the_sitemap_lists_the_page_of_every_document(admin):
    sitemap = admin.get("/sitemap.xml").get_data(as_text=True)
    pages = {loc for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap) if "/doc/" in loc}
    assert pages == {f"{BASE}/doc/{kind}/{slug}.html" for kind, slug in DECLARED}


def test_the_home_page_links_every_office(admin):
    home = html_of(admin, "/")
    for slug, office in OFFICE_FILES.items():
        assert f'href="/doc/organization/{slug}"' in home, slug
        assert office["name"]["de"] in home, slug


def test_the_administration_lists_every_unit(admin):
    graph = graph_of(admin, f"/doc/organization/{ADMIN}")
    units = {org(DEPARTMENT), *map(org, DIRECT_OFFICES)}
    assert set(graph.objects(org(ADMIN), ORG.hasUnit)) == units
    assert set(graph.objects(org(ADMIN), SDO.subOrganization)) == units
    assert (org(ADMIN), RDF.type, ORG.FormalOrganization) in graph
    page = html_of(admin, f"/doc/organization/{ADMIN}")
    listed = page.split('id="section-sub_organizations"')[1].split("</section>")[0]
    for unit in (DEPARTMENT, *DIRECT_OFFICES):
        assert f'href="/doc/organization/{unit}"' in listed, unit
    assert DEPARTMENT_OFFICE not in listed

    department = graph_of(admin, f"/doc/organization/{DEPARTMENT}")
    office = org(DEPARTMENT_OFFICE)
    assert set(department.objects(org(DEPARTMENT), ORG.hasUnit)) == {office}
    assert set(department.objects(org(DEPARTMENT), SDO.subOrganization)) == {office}


def test_an_office_in_a_department_is_part_of_the_department_and_it_of_the_administration(
    admin,
):
    office = graph_of(admin, f"/doc/organization/{DEPARTMENT_OFFICE}")
    subject = org(DEPARTMENT_OFFICE)
    assert set(office.objects(subject, SDO.parentOrganization)) == {org(DEPARTMENT)}
    assert set(office.objects(subject, ORG.unitOf)) == {org(DEPARTMENT)}
    department = graph_of(admin, f"/doc/organization/{DEPARTMENT}")
    assert set(department.objects(org(DEPARTMENT), SDO.parentOrganization)) == {org(ADMIN)}
    assert set(department.objects(org(DEPARTMENT), ORG.unitOf)) == {org(ADMIN)}
    assert (org(DEPARTMENT), RDF.type, ORG.OrganizationalUnit) in department
    for slug in DIRECT_OFFICES:
        graph = graph_of(admin, f"/doc/organization/{slug}")
        assert set(graph.objects(org(slug), SDO.parentOrganization)) == {org(ADMIN)}
    page = html_of(admin, f"/doc/organization/{DEPARTMENT_OFFICE}")
    part_of = page.split('id="section-parent_organization"')[1].split("</section>")[0]
    assert f'href="/doc/organization/{DEPARTMENT}"' in part_of


def test_a_shared_section_lists_the_offices_in_it(admin):
    offices_in = {
        section: {slug for slug in OFFICES if OFFICE_FILES[slug].get("classification") == section}
        for section in ("zielgruppen-und-projektfoerderung", "familie-und-soziales")
    }
    assert {"bildungsbuero", "familienbuero"} <= offices_in["zielgruppen-und-projektfoerderung"]
    assert offices_in["familie-und-soziales"] == {DEPARTMENT_OFFICE}
    for section, slugs in offices_in.items():
        graph = graph_of(admin, f"/doc/concept/{section}")
        concept = uri("concept", section)
        assert set(graph.subjects(ORG.classification, concept)) == set(map(org, slugs))
        page = html_of(admin, f"/doc/concept/{section}")
        listed = page.split('id="section-organizations_in_section"')[1].split("</section>")[0]
        for slug in slugs:
            assert f'href="/doc/organization/{slug}"' in listed, (section, slug)
    top = graph_of(admin, "/doc/concept/stadt-und-buerger")
    assert set(top.objects(uri("concept", "stadt-und-buerger"), SKOS.narrower)) == {
        uri("concept", section) for section in offices_in
    }
    focus = graph_of(admin, "/doc/concept/familienbildung")
    assert set(focus.subjects(ORG.purpose, uri("concept", "familienbildung"))) == {
        org("familienbuero"),
        org(DEPARTMENT_OFFICE),
    }


def test_the_partner_lists_the_programmes_of_every_office(admin):
    partner = "deutsche-kinder-und-jugendstiftung"
    expected = {
        uri("programme", programme["slug"])
        for office in OFFICE_FILES.values()
        for programme in office.get("programmes", [])
        if programme.get("owner") == partner
    }
    assert len(expected) >= 3
    graph = graph_of(admin, f"/doc/organization/{partner}")
    assert set(graph.objects(org(partner), SDO.subOrganization)) == expected


def test_breadcrumbs_follow_the_shared_section_path(admin):
    office = f"/doc/organization/{DEPARTMENT_OFFICE}"
    path = [
        ("Startseite", "/"),
        ("Stadt & Bürger", "/doc/concept/stadt-und-buerger"),
        ("Familie & Soziales", "/doc/concept/familie-und-soziales"),
    ]
    assert trail(admin, office) == [*path, ("Frühe Hilfen", office)]
    assert trail(admin, "/doc/person/anna-beispiel") == [
        *path,
        ("Frühe Hilfen", office),
        ("Anna Beispiel", "/doc/person/anna-beispiel"),
    ]
    assert [name for name, _ in trail(admin, "/doc/programme/willkommensbesuche")] == [
        *(name for name, _ in path),
        "Frühe Hilfen",
        "Willkommensbesuche",
    ]
    assert [name for name, _ in trail(admin, office + "?lang=en")] == [
        "Home",
        "City & citizens",
        "Family & social affairs",
        "Early support",
    ]
    assert trail(admin, "/doc/organization/familienbuero") == [
        ("Startseite", "/"),
        ("Stadt & Bürger", "/doc/concept/stadt-und-buerger"),
        ("Zielgruppen- und Projektförderung", "/doc/concept/zielgruppen-und-projektfoerderung"),
        ("Familienbüro", "/doc/organization/familienbuero"),
    ]


# ---------------------------------------------------------------------------
# Catalogue and dumps.


def test_the_catalogue_has_exactly_one_dataset_per_office(admin):
    graph = whole_catalogue(admin)
    datasets = dataset_uris(graph)
    assert datasets == {URIRef(f"{BASE}/catalog/dataset/{slug}") for slug in OFFICES}
    for slug in OFFICES:
        dataset = URIRef(f"{BASE}/catalog/dataset/{slug}")
        assert graph.value(dataset, DCAT.landingPage) == URIRef(
            f"{BASE}/doc/organization/{slug}.html"
        )
        downloads = {
            str(graph.value(distribution, DCAT.downloadURL))
            for distribution in graph.objects(dataset, DCAT.distribution)
        }
        assert downloads == {f"{BASE}/dumps/organization/{slug}.{ext}" for ext in MEDIA_TYPES}


def test_harvesting_follows_hydra_next_through_every_office(serve):
    client = serve(CATALOG_PAGE_SIZE=1)
    pages = catalogue_pages(client)
    assert [url for url, _ in pages] == [
        "/catalog",
        *(f"/catalog?page={number}" for number in range(2, len(OFFICES) + 1)),
    ]
    seen = [dataset for _, graph in pages for dataset in dataset_uris(graph)]
    assert sorted(seen) == sorted(URIRef(f"{BASE}/catalog/dataset/{slug}") for slug in OFFICES)
    for _, graph in pages:
        assert len(dataset_uris(graph)) == 1
        [total] = graph.objects(None, URIRef("http://www.w3.org/ns/hydra/core#totalItems"))
        assert total.toPython() == len(OFFICES)


# What a dump must say about each shared thing, as the thing's own document says it:
# its types and names, and the links up its own chain (a section's broader section, a
# department's administration); links down to units come from other files.
OWN_DESCRIPTION = (
    RDF.type,
    SDO.name,
    SDO.alternateName,
    SDO.description,
    SDO.identifier,
    SKOS.prefLabel,
    SKOS.definition,
    SKOS.broader,
    SDO.parentOrganization,
    ORG.unitOf,
)


@pytest.mark.parametrize("slug", OFFICES)
def test_each_office_dump_describes_the_shared_things_it_refers_to(admin, slug):
    expected = references(OFFICE_FILES[slug])
    assert expected, slug
    for extension, media_type in MEDIA_TYPES.items():
        response = admin.get(f"/dumps/organization/{slug}.{extension}")
        assert response.status_code == 200
        assert response.mimetype == media_type
    dump = graph_of(admin, f"/dumps/organization/{slug}", "nt")
    assert (org(slug), SDO.name, None) in dump
    for kind, thing in sorted(expected):
        subject = uri(kind, thing)
        document = graph_of(admin, f"/doc/{kind}/{thing}", "nt")
        for predicate in OWN_DESCRIPTION:
            stated = set(document.objects(subject, predicate))
            assert stated <= set(dump.objects(subject, predicate)), (slug, thing, predicate)
        assert (subject, RDF.type, None) in dump, (slug, thing)


def test_the_datasets_of_the_catalogue_together_are_the_whole_dump(admin):
    whole = graph_of(admin, "/dumps/all", "nt")
    union = Graph()
    for slug in OFFICES:
        union += graph_of(admin, f"/dumps/organization/{slug}", "nt")
    assert set(whole) - set(union) == set()
    assert isomorphic(whole, union)


# ---------------------------------------------------------------------------
# SPARQL.


def select(client, query: str) -> list[dict[str, str]]:
    prefixes = (
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX schema: <https://schema.org/> "
        f"PREFIX id: <{BASE}/id/organization/> "
    )
    response = client.get(
        "/sparql?" + urlencode({"query": prefixes + query}),
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return [
        {name: value["value"] for name, value in row.items()}
        for row in response.get_json()["results"]["bindings"]
    ]


def test_sparql_counts_the_offices_and_finds_the_units_of_the_administration(admin):
    [row] = select(
        admin,
        f"SELECT (COUNT(DISTINCT ?office) AS ?offices) WHERE {{ "
        f"?office org:unitOf+ id:{ADMIN} ; schema:contactPoint ?point }}",
    )
    assert row["offices"] == str(len(ADMIN_OFFICES))
    direct = select(admin, f"SELECT ?unit WHERE {{ id:{ADMIN} org:hasUnit ?unit }}")
    assert {row["unit"] for row in direct} == {
        str(org(slug)) for slug in (DEPARTMENT, *DIRECT_OFFICES)
    }
    every = select(admin, f"SELECT DISTINCT ?unit WHERE {{ id:{ADMIN} org:hasUnit+ ?unit }}")
    assert {row["unit"] for row in every} == {str(org(s)) for s in (DEPARTMENT, *ADMIN_OFFICES)}
    named = select(
        admin,
        f"SELECT ?name WHERE {{ id:{DEPARTMENT} schema:subOrganization/schema:name ?name "
        'FILTER(lang(?name) = "de") }',
    )
    assert [row["name"] for row in named] == [OFFICE_FILES[DEPARTMENT_OFFICE]["name"]["de"]]


# ---------------------------------------------------------------------------
# vCards.


def contacts() -> list[tuple[str, str, dict]]:
    """(kind, slug, office) for every office and person: all have contact data."""
    found = []
    for slug, office in OFFICE_FILES.items():
        found.append(("organization", slug, office))
        found += [("person", person["slug"], office) for person in office.get("people", [])]
    return found


def test_every_office_and_person_with_contact_data_has_a_vcard(admin):
    assert len(contacts()) >= len(OFFICES) + 4
    for kind, slug, office in contacts():
        path = f"/doc/{kind}/{slug}"
        fixed = admin.get(f"{path}.vcf")
        assert fixed.status_code == 200, path
        assert fixed.headers["Content-Type"] == "text/vcard; charset=utf-8"
        negotiated = admin.get(path, headers={"Accept": "text/vcard"})
        assert negotiated.status_code == 200, path
        assert negotiated.mimetype == "text/vcard"
        assert negotiated.get_data() == fixed.get_data()
        card = check_vcard(fixed.get_data())
        assert card["KIND"] == ["org" if kind == "organization" else "individual"]
        assert card["EMAIL;TYPE=work"] == [office["email"]]
        assert card["UID"] == [str(uri(kind, slug))]
        street = office["address"]["street_address"]
        assert any(street in value for value in card["ADR;TYPE=work"]), path
        if kind == "person":
            [person] = [p for p in office["people"] if p["slug"] == slug]
            assert card["FN"] == [person["name"]]


@pytest.mark.parametrize("slug", [ADMIN, DEPARTMENT])
def test_units_without_contact_data_have_no_vcard(admin, slug):
    assert admin.get(f"/doc/organization/{slug}.vcf").status_code == 404


@pytest.mark.parametrize(
    ("kind", "slug"), [("organization", DEPARTMENT_OFFICE), ("person", "anna-beispiel")]
)
def test_the_vcard_of_an_office_in_a_department_names_the_whole_administration(admin, kind, slug):
    card = check_vcard(admin.get(f"/doc/{kind}/{slug}.vcf").get_data())
    assert card["ORG;ALTID=1;LANGUAGE=de"] == [
        "Stadtverwaltung Dessau-Roßlau;Dezernat für Jugend\\, Familie und Soziales;"
        "Netzwerkstelle Frühe Hilfen"
    ]


# ---------------------------------------------------------------------------
# Validation.


def test_opendata_validate_accepts_the_combined_directory(admin_dir):
    result = CliRunner().invoke(main, ["validate", str(admin_dir)])
    assert result.exit_code == 0, result.output
    assert f"{len(OFFICES)} organisation(s) valid" in result.output
