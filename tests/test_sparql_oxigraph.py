"""The embedded engine: one on-disk Oxigraph store per data version, built before the
version goes live and opened read-only by every query process."""

from __future__ import annotations

import logging
import shutil
from urllib.parse import urlencode

import pytest
from rdflib import Graph

from opendata import artefacts
from opendata.sparql import building
from opendata.sparql.engine import EXTENSION

from .conftest import copy_data, make_app


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


@pytest.fixture
def data(tmp_path):
    return copy_data(tmp_path / "data")


def get(client, query: str, **headers):
    return client.get("/sparql?" + urlencode({"query": query}), headers=headers)


def engine_of(app):
    return app.extensions[EXTENSION].for_store(app.extensions["opendata"].store)


def test_the_store_is_built_before_the_version_goes_live(data, state):
    app = make_app(data, STATE_DIR=str(state))
    store = app.extensions["opendata"].store
    artefact = artefacts.path_of(app, store.version, building.ARTEFACT)
    assert artefacts.is_complete(artefact)
    assert building.triples_in(app, store.version) == len(store.union())
    try:
        engine = engine_of(app)
        # the query processes get the store's place, not the data
        assert engine.pool._setup.store == str(artefact / building.STORE)
        response = get(app.test_client(), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert int(response.get_json()["results"]["bindings"][0]["n"]["value"]) == len(
            store.union()
        )
    finally:
        app.extensions[EXTENSION].close()


def test_the_store_is_built_once_per_version_and_host(data, state, monkeypatch):
    builds = []
    original = building.build
    monkeypatch.setattr(
        building, "build", lambda *args: builds.append(1) or original(*args), raising=True
    )
    first = make_app(data, STATE_DIR=str(state))
    second = make_app(data, STATE_DIR=str(state))
    assert first.extensions["opendata"].store.version == second.extensions["opendata"].store.version
    assert len(builds) == 1


def test_a_store_left_half_built_is_never_opened(data, state):
    app = make_app(data, STATE_DIR=str(state))
    version = app.extensions["opendata"].store.version
    artefact = artefacts.path_of(app, version, building.ARTEFACT)
    (artefact / artefacts.COMPLETE).unlink()  # as if the build had been killed
    shutil.rmtree(artefact / building.STORE)
    again = make_app(data, STATE_DIR=str(state))
    try:
        assert artefacts.is_complete(artefact)
        assert get(again.test_client(), "ASK { ?s ?p ?o }").get_json()["boolean"] is True
    finally:
        again.extensions[EXTENSION].close()


def test_a_long_build_reports_its_progress(data, state, monkeypatch, caplog):
    monkeypatch.setattr(building, "PROGRESS_SECONDS", 0.0)
    with caplog.at_level(logging.INFO):
        make_app(data, STATE_DIR=str(state))
    messages = [r.getMessage() for r in caplog.records]
    assert any("building the SPARQL store" in m for m in messages)
    assert any("files/s" in m and "left" in m for m in messages)
    assert any(m.startswith("SPARQL store of version") and "built:" in m for m in messages)


@pytest.fixture(scope="module")
def app():
    from .conftest import DATA_DIR

    app = make_app(DATA_DIR, SPARQL_MAX_ROWS=5)
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture
def client(app):
    return app.test_client()


def test_construct_where_with_a_limit_is_answered(client):
    response = get(client, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 3")
    assert response.status_code == 200
    assert "SPARQL-Results-Truncated" not in response.headers
    assert len(Graph().parse(data=response.data, format="turtle")) == 3


def test_a_result_cut_at_the_row_limit_keeps_distinct_triples(client):
    response = get(client, "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t . ?x ?y ?z }")
    assert response.headers["SPARQL-Results-Truncated"] == "true"
    assert len(Graph().parse(data=response.data, format="turtle")) == 5


def test_oxigraphs_own_syntax_errors_say_where(client):
    # rdflib's parser takes this one; Oxigraph refuses to rebind ?x
    response = get(client, "SELECT (?x AS ?x) WHERE { BIND(1 AS ?x) }")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Syntax error" in text and "line:1" in text


def test_triple_terms_in_results_are_refused_with_a_reason(client):
    response = get(client, "SELECT ?t WHERE { BIND(<<( <urn:a> <urn:b> <urn:c> )>> AS ?t) }")
    assert response.status_code == 400
    assert "triple terms" in response.get_data(as_text=True)


def test_an_ask_in_an_unacceptable_format_is_refused_without_running(client):
    response = get(client, "ASK { ?s ?p ?o }", Accept="text/csv")
    assert response.status_code == 406
    broken = get(client, "ASK { ?s ?p }", Accept="text/csv")
    assert broken.status_code == 400
