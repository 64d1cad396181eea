"""The harvested catalogue passes the official SHACL shapes of DCAT-AP.de 3.0 and of SEMIC
DCAT-AP 3.0.1 (copies in ../shared/shacl/, offline recipe in its README).

The catalogue is fetched over HTTP as a harvester does (every page, following
hydra:next) from the real data plus the fictional second organisation, with the SPARQL
endpoint registered, so datasets with and without optional facts, paging and the data
service are all validated. Background knowledge is added to the data graph exactly as
the README says: the ``skos:inScheme`` and ``rdfs:subClassOf`` statements of GovData's
mirrors and vocabularies, and the ``skos:inScheme`` statements of
``vocab/eu-vocabulary-memberships.ttl``.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from opendata.dcat import CONTROLLED_VOCABULARY_FILE

from .catalog_data import BASE, whole_catalogue, with_sparql
from .conftest import DATA_DIR, FIXTURES, SHARED, make_app

pyshacl = pytest.importorskip("pyshacl")

SHACL_DIR = SHARED / "shacl"
SH = Namespace("http://www.w3.org/ns/shacl#")
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


@pytest.fixture(scope="module")
def shapes() -> dict[str, Graph]:
    """Each profile's shapes, loaded once for the module."""
    if not SHACL_DIR.is_dir():
        pytest.skip(f"SHACL shapes not found at {SHACL_DIR} (../shared/ is not beside the repo)")
    loaded = {}
    for profile, files in PROFILES.items():
        graph = Graph()
        for name in files:
            graph.parse(SHACL_DIR / name)
        loaded[profile] = graph
    return loaded


@pytest.fixture(scope="module")
def background() -> Graph:
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
    client = with_sparql(make_app(directory, CATALOG_PAGE_SIZE=1)).test_client()
    return whole_catalogue(client)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_catalogue_conforms_to_the_profile(
    profile, shapes, background, harvested, record_property
):
    violations, warnings = validate(harvested + background, shapes[profile])
    assert violations == [], "\n".join(violations)
    # The warnings are recommended properties the data does not have (see the README).
    record_property(f"shacl warnings ({profile})", len(warnings))
    print(f"\n{profile}: 0 violations, {len(warnings)} warnings")
    for warning in warnings:
        print("  ", warning)


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


def validate(data: Graph, shapes: Graph) -> tuple[list, list]:
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    by_severity = {SH.Violation: [], SH.Warning: [], SH.Info: []}
    for result in results:
        by_severity[report.value(result, SH.resultSeverity)].append(describe(report, result))
    return by_severity[SH.Violation], by_severity[SH.Warning]


def describe(report: Graph, result) -> str:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    return f"{focus} {path}: {report.value(result, SH.resultMessage)}"
