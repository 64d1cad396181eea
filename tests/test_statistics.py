"""VoID and the SPARQL service description state sizes counted once per data version,
off the request path: no request builds the whole graph."""

from __future__ import annotations

import logging

from rdflib import Graph
from rdflib.namespace import VOID

from opendata.store import PublishedStore

from .conftest import make_app


def test_sizes_are_read_not_counted_in_a_request(multi_data_dir, tmp_path, monkeypatch):
    app = make_app(multi_data_dir, STATE_DIR=str(tmp_path / "state"))

    def whole_graph(store):
        raise AssertionError("a request built the whole graph")

    monkeypatch.setattr(PublishedStore, "union", whole_graph)
    client = app.test_client()
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    description = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert void.status_code == 200 and description.status_code == 200
    stated = {
        int(n)
        for response in (void, description)
        for n in Graph().parse(data=response.get_data(as_text=True)).objects(None, VOID.triples)
    }
    rows = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    counted = int(rows.get_json()["results"]["bindings"][0]["n"]["value"])
    assert counted in stated  # the whole graph, as the SPARQL store holds it


def test_a_version_is_counted_once(multi_data_dir, tmp_path, caplog):
    state = str(tmp_path / "state")
    with caplog.at_level(logging.INFO):
        make_app(multi_data_dir, STATE_DIR=state)
        assert caplog.text.count("counted data version") == 1
        again = make_app(multi_data_dir, STATE_DIR=state).test_client()
    assert caplog.text.count("counted data version") == 1
    assert again.get("/.well-known/void").status_code == 200
