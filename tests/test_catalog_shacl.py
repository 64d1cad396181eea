"""The harvested catalogue passes the official SHACL shapes of DCAT-AP.de 3.0 and of SEMIC
DCAT-AP 3.0.1 (copies in ../shared/shacl/, offline recipe in its README).

The catalogue is fetched over HTTP as a harvester does (every page, following
hydra:next) from the real data plus the fictional second organisation, with the SPARQL
endpoint registered and a GovData contributor id set, so datasets with and without
optional facts, paging and the data service are all validated. Background knowledge is
added to the data graph exactly as the README says: the ``skos:inScheme`` and
``rdfs:subClassOf`` statements of GovData's mirrors and vocabularies, and the
``skos:inScheme`` statements of ``vocab/eu-vocabulary-memberships.ttl``.

Recommendations (warnings) are answered wherever the data can honestly answer them;
the test pins the ones that remain. GovData's own quality checks (the dashboard's
shapes) run too.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from opendata.dcat import CONTROLLED_VOCABULARY_FILE

from .catalog_data import BASE, CONTRIBUTOR, whole_catalogue, with_sparql
from .conftest import DATA_DIR, FIXTURES, SHARED, make_app

pyshacl = pytest.importorskip("pyshacl")

SHACL_DIR = SHARED / "shacl"
SH = Namespace("http://www.w3.org/ns/shacl#")
GOVDATA = Namespace("http://govdata.de/mqa/#")
PROFILES = {
    "DCAT-AP.de 3.0": [
        "semic-dcat-ap-3.0.0/dcat-ap-SHACL.ttl",
        "dcat-ap.de-3.0/dcat-ap-SHACL-DE.ttl",
        "dcat-ap.de-3.0/dcat-ap-de-deprecated.ttl",
        "dcat-ap.de-3.0/dcat-ap-spec-german-additions.ttl",
        "dcat-ap.de-3.0/dcat-ap-de-controlledvocabularies.ttl",
    ],
    "SEMIC DCAT-AP 3.0.1": [
        "semic-dcat-ap-3.0.1/html-shacl/shapes.ttl",
        "semic-dcat-ap-3.0.1/html-shacl/shapes_recommended.ttl",
        "semic-dcat-ap-3.0.1/html-shacl/range.ttl",
    ],
}
# The recommendations the data cannot honestly answer, as (focus class, path): count.
# Everything else that the shapes recommend, the catalogue states.
REMAINING_WARNINGS = {
    "DCAT-AP.de 3.0": Counter(),
    "SEMIC DCAT-AP 3.0.1": Counter(
        {
            # A temporal coverage: the datasets describe organisations, not a period.
            (DCAT.Dataset, DCTERMS.temporal): 2,
            # A bounding box and centroid: places are named by key or URI, the data
            # has no geometry (both datasets' places).
            (DCTERMS.Location, DCAT.bbox): 2,
            (DCTERMS.Location, DCAT.centroid): 2,
            # The fictional organisation gives no keywords, themes or publisher type.
            (DCAT.Dataset, DCAT.keyword): 1,
            (DCAT.Dataset, DCAT.theme): 1,
            (FOAF.Agent, DCTERMS.type): 1,
        }
    ),
}
# The DCAT-AP classes a warning's focus node is named by.
FOCUS_CLASSES = (
    DCAT.Catalog,
    DCAT.Dataset,
    DCAT.Distribution,
    DCAT.DataService,
    DCTERMS.LicenseDocument,
    DCTERMS.Location,
    DCTERMS.PeriodOfTime,
    FOAF.Agent,
)


class Result(NamedTuple):
    severity: Node
    focus: Node
    path: Node | None
    message: str

    def __str__(self) -> str:
        return f"{self.focus} {self.path}: {self.message}"


def require_shapes() -> None:
    if not SHACL_DIR.is_dir():
        pytest.skip(f"SHACL shapes not found at {SHACL_DIR} (../shared/ is not beside the repo)")


@pytest.fixture(scope="module")
def shapes() -> dict[str, Graph]:
    """Each profile's shapes, loaded once for the module."""
    require_shapes()
    loaded = {}
    for profile, files in PROFILES.items():
        graph = Graph()
        for name in files:
            graph.parse(SHACL_DIR / name)
        loaded[profile] = graph
    return loaded


@pytest.fixture(scope="module")
def background() -> Graph:
    require_shapes()
    graph = Graph()
    sources = [
        *(SHACL_DIR / "govdata-mirror").iterdir(),
        *(SHACL_DIR / "govdata-dashboard").glob("*.rdf"),
    ]
    for path in sources:
        source = Graph().parse(path)
        for predicate in (SKOS.inScheme, RDFS.subClassOf):
            for triple in source.triples((None, predicate, None)):
                graph.add(triple)
    memberships = Graph().parse(CONTROLLED_VOCABULARY_FILE)
    for triple in memberships.triples((None, SKOS.inScheme, None)):
        graph.add(triple)
    return graph


@pytest.fixture(scope="module")
def harvested(tmp_path_factory) -> Graph:
    """Every page of the catalogue (one dataset a page), as a harvester collects them."""
    directory = tmp_path_factory.mktemp("data")
    for source in [*DATA_DIR.glob("*.yaml"), *(FIXTURES / "data").glob("*.yaml")]:
        directory.joinpath(source.name).write_bytes(source.read_bytes())
    app = make_app(directory, CATALOG_PAGE_SIZE=1, DCATDE_CONTRIBUTOR_ID=CONTRIBUTOR)
    return whole_catalogue(with_sparql(app).test_client())


@pytest.mark.parametrize("profile", PROFILES)
def test_the_catalogue_conforms_to_the_profile(
    profile, shapes, background, harvested, record_property
):
    violations, warnings = validate(harvested + background, shapes[profile])
    assert violations == [], "\n".join(violations)
    record_property(f"shacl warnings ({profile})", len(warnings))
    print(f"\n{profile}: 0 violations, {len(warnings)} warnings")
    for warning in warnings:
        print("  ", warning)


@pytest.mark.parametrize("profile", PROFILES)
def test_only_what_the_data_cannot_say_is_left_unrecommended(
    profile, shapes, background, harvested
):
    found = results(harvested + background, shapes[profile])
    warnings = [result for result in found if result.severity == SH.Warning]
    assert (
        Counter((focus_class(harvested, w.focus), w.path) for w in warnings)
        == (REMAINING_WARNINGS[profile])
    ), "\n".join(map(str, warnings))


def test_govdata_quality_checks_pass_with_a_contributor_id(harvested):
    """GovData's dashboard shapes: every dataset has exactly one contributor id of the
    list and a keyword (but the fictional organisation, which has none), every
    distribution one licence of the list, and an open one. Its count_* rules fire for
    every distribution by design."""
    found = dashboard(harvested)
    assert set(found) == {
        GOVDATA.count_Distributions,
        GOVDATA.count_Distributions_Licenses,
        GOVDATA.no_literal_keyword,
    }, found
    fixture = URIRef(f"{BASE}/catalog/dataset/familienbuero-musterstadt")
    assert found[GOVDATA.no_literal_keyword] == [fixture]


def test_govdata_quality_checks_miss_the_contributor_id_when_unset(harvested):
    unset = Graph() + harvested
    unset.remove((None, URIRef("http://dcat-ap.de/def/dcatde/contributorID"), None))
    found = dashboard(unset)
    assert len(found[GOVDATA.no_correct_contributorID]) == 2


def test_controlled_vocabulary_values_conform_to_the_eu_vocabulary_shapes(background, harvested):
    """SEMIC's shapes for the EU vocabularies (themes, file types, languages, planned
    availability, licence types …): no violation. Its warnings only point at values
    from other vocabularies (publishers, dcat-ap.de geocoding)."""
    shapes = Graph().parse(SHACL_DIR / "semic-dcat-ap-3.0.1/html-shacl/mdr-vocabularies.shape.ttl")
    found = results(harvested + background, shapes)
    assert not [r for r in found if r.severity == SH.Violation]
    assert {r.path for r in found} <= {DCTERMS.publisher, DCTERMS.spatial}, found


@pytest.mark.parametrize("profile", PROFILES)
def test_the_validation_would_catch_a_broken_catalogue(profile, shapes, background, harvested):
    broken = Graph() + harvested
    dataset = URIRef(f"{BASE}/catalog/dataset/bildungsbuero")
    broken.remove((dataset, DCTERMS.title, None))
    violations, _ = validate(broken + background, shapes[profile])
    assert any(str(dataset) in v and "title" in v for v in violations), violations


def test_the_vocabulary_memberships_are_needed(shapes, harvested):
    """Without the reviewed memberships, the German controlled-vocabulary shapes fail."""
    violations, _ = validate(harvested, shapes["DCAT-AP.de 3.0"])
    assert any("data-theme" in v for v in violations), violations


def validate(data: Graph, shapes: Graph) -> tuple[list[str], list[str]]:
    """Violations and warnings, described."""
    found = results(data, shapes)
    by_severity = {SH.Violation: [], SH.Warning: [], SH.Info: []}
    for result in found:
        by_severity[result.severity].append(str(result))
    return by_severity[SH.Violation], by_severity[SH.Warning]


def results(data: Graph, shapes: Graph) -> list[Result]:
    """The top-level results of a validation (not the details of sh:node results)."""
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return [
        Result(
            report.value(result, SH.resultSeverity),
            report.value(result, SH.focusNode),
            report.value(result, SH.resultPath),
            str(report.value(result, SH.resultMessage)),
        )
        for result in report.subjects(RDF.type, SH.ValidationResult)
        if (None, SH.detail, result) not in report
    ]


def focus_class(data: Graph, focus: Node) -> URIRef | None:
    return next((c for c in FOCUS_CLASSES if (focus, RDF.type, c) in data), None)


def dashboard(data: Graph) -> dict[URIRef, list[Node]]:
    """GovData's dashboard checks, run as its README says: the shapes with the licence and
    contributor lists beside the data. Severity (one per check) → focus nodes."""
    require_shapes()
    directory = SHACL_DIR / "govdata-dashboard"
    lists = Graph()
    for name in ("dcat-ap-de-licenses-open.rdf", "dcat-ap-de-contributors.rdf"):
        lists.parse(directory / name)
    shapes = Graph().parse(directory / "db-shapes.ttl")
    found: dict[URIRef, list[Node]] = {}
    for result in results(data + lists, shapes):
        found.setdefault(result.severity, []).append(result.focus)
    return found
