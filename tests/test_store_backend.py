"""The SPARQL store backend: publishing, atomic versions, shared cache, faults.

Against real servers: Oxigraph (SPARQL 1.1) and Redis, started by .ci/run or by the
fixtures; the fault tests start private ones to stop and restart them.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from opendata.cli import main
from opendata.remote import SparqlClient, StoreEndpoints
from opendata.sparql_store import DOCUMENT, read_version

from . import servers
from .conftest import DATA_DIR, make_app
from .conftest import copy_data as copy_data_files
from .servers import HTTP_TIMEOUT, WAIT, gunicorn, store_config, wait_until

SOURCE = DATA_DIR / "bildungsbuero-dessau-rosslau.yaml"
DOC = "/doc/organization/bildungsbuero.nt"


def publish_in_a_process(data: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``opendata publish`` as an operator runs it: its own process, its exit status."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("opendata")), "publish", str(data)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=2 * WAIT,
    )


def env_for(store_url: str, **extra) -> dict[str, str]:
    settings = {f"OPENDATA_{k}": str(v) for k, v in store_config(store_url).items()}
    return {**settings, **{f"OPENDATA_{k}": str(v) for k, v in extra.items()}}


def copy_data(tmp_path: Path, name: str = "data") -> Path:
    return copy_data_files(tmp_path / name)


def edit(directory: Path, old: str, new: str) -> None:
    path = directory / SOURCE.name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def client_for(store_url: str) -> SparqlClient:
    return SparqlClient(StoreEndpoints.from_config(store_config(store_url)), HTTP_TIMEOUT)


_prefixes = itertools.count()


def cache_prefix(name: str) -> str:
    """A key prefix of this test's own in a Redis that other tests and runs share."""
    return f"{name}{os.getpid()}-{next(_prefixes)}:"


def test_publish_reports_what_changed(store_url, tmp_path):
    data = copy_data(tmp_path)
    runner = CliRunner()
    first = runner.invoke(main, ["publish", str(data)], env=env_for(store_url))
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["publish", str(data)], env=env_for(store_url))
    assert "0 organisation(s) changed" in again.output
    edit(data, "Zerbster Straße 4", "Zerbster Straße 8")
    changed = runner.invoke(main, ["publish", str(data)], env=env_for(store_url))
    assert "1 organisation(s) changed" in changed.output
    body = make_app(data, store_url=None, **store_config(store_url)).test_client().get(DOC)
    assert "Zerbster Straße 8" in body.get_data(as_text=True)


def test_invalid_data_is_not_published(store_url, tmp_path):
    data = copy_data(tmp_path)
    assert CliRunner().invoke(main, ["publish", str(data)], env=env_for(store_url)).exit_code == 0
    before = read_version(client_for(store_url))
    edit(data, "email: bildungsbuero@dessau-rosslau.de", "email: nonsense")
    result = CliRunner().invoke(main, ["publish", str(data)], env=env_for(store_url))
    assert result.exit_code == 1
    assert "bildungsbuero-dessau-rosslau.yaml: organization.email" in result.output
    assert read_version(client_for(store_url)) == before


def test_a_half_failed_publish_leaves_the_previous_version(store_url, tmp_path):
    data = copy_data(tmp_path)
    assert CliRunner().invoke(main, ["publish", str(data)], env=env_for(store_url)).exit_code == 0
    before = read_version(client_for(store_url))
    edit(data, "Zerbster Straße 4", "Zerbster Straße 9")
    # the uploads go to a graph store that refuses them: nothing may go live
    broken = env_for(store_url, STORE_GRAPH_URL=f"{store_url}/no-such-endpoint")
    result = CliRunner().invoke(main, ["publish", str(data)], env=broken)
    assert result.exit_code == 1
    assert "previous version stays live" in result.output
    assert read_version(client_for(store_url)) == before
    body = make_app(data, **store_config(store_url)).test_client().get(DOC).get_data(as_text=True)
    assert "Zerbster Straße 4" in body and "Straße 9" not in body


def test_an_instance_opens_the_records_its_host_has_without_fetching_them(
    store_url, tmp_path, caplog
):
    data = copy_data(tmp_path)
    state = tmp_path / "state"
    first = make_app(data, store_url=store_url, STATE_DIR=str(state))  # publishes, archives
    served = first.test_client().get(DOC)
    # without the source documents in the store, an instance on a new host cannot start
    client = client_for(store_url)
    client.update(f"DELETE WHERE {{ GRAPH ?g {{ ?s <{DOCUMENT}> ?o }} }}")
    try:
        elsewhere = make_app(data, STATE_DIR=str(tmp_path / "other"), **store_config(store_url))
        assert elsewhere.test_client().get(DOC).status_code == 503
        # one on the first instance's host opens the records that are there
        with caplog.at_level(logging.INFO):
            second = make_app(data, STATE_DIR=str(state), **store_config(store_url))
        response = second.test_client().get(DOC)
    finally:
        client.update("DROP ALL")  # a store that others can publish to again
    assert "its records are already on this host" in caplog.text
    assert response.status_code == 200
    assert response.headers["ETag"] == served.headers["ETag"]


def test_a_malformed_store_url_names_the_setting():
    with pytest.raises(SystemExit, match="OPENDATA_STORE_QUERY_URL"):
        make_app(
            DATA_DIR,
            STORE="sparql",
            STORE_QUERY_URL="localhost:7878",
            STORE_UPDATE_URL="http://127.0.0.1:7878/update",
        )


def test_an_unreachable_store_at_start_up_is_logged_and_answered_with_503(caplog):
    port = servers.free_port()
    with caplog.at_level(logging.ERROR):
        app = make_app(DATA_DIR, **store_config(f"http://127.0.0.1:{port}"))
    assert "OPENDATA_STORE_QUERY_URL" in caplog.text
    response = app.test_client().get(DOC, headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.mimetype == "text/html"


# ---------------------------------------------------------------------------
# Several instances over real HTTP


def test_a_publish_through_one_instance_is_read_through_another(store_url, redis_url, tmp_path):
    data = copy_data(tmp_path)
    env = env_for(
        store_url,
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=cache_prefix("t"),
        # the shared cache is no fault here: a loaded machine may answer slowly
        CACHE_OPTIONS=json.dumps({"socket_timeout": WAIT, "socket_connect_timeout": WAIT}),
        DATA_DIR=data,
        RELOAD_INTERVAL=60,
        BASE_URI="https://daten.example.de",
    )
    assert CliRunner().invoke(main, ["publish", str(data)], env=env).exit_code == 0
    with gunicorn(env) as url_a, gunicorn(env) as url_b:
        a = requests.get(url_a + DOC, timeout=HTTP_TIMEOUT)
        b = requests.get(url_b + DOC, timeout=HTTP_TIMEOUT)
        assert a.status_code == b.status_code == 200
        # behind one base URI, both instances send the same bytes from the shared cache
        assert a.headers["ETag"] == b.headers["ETag"]
        edit(data, "Zerbster Straße 4", "Zerbster Straße 10")
        published = publish_in_a_process(data, env)
        assert published.returncode == 0, published.stderr
        # no waiting: the next request through the other instance sees the new version
        for url in (url_b, url_a, url_b):
            body = requests.get(url + DOC, timeout=HTTP_TIMEOUT).text
            assert "Zerbster Straße 10" in body and "Zerbster Straße 4" not in body


# ---------------------------------------------------------------------------
# Faults: the real servers stop and come back


def test_the_service_keeps_serving_while_redis_is_down(store_url, tmp_path, caplog):
    redis = servers.redis().start()
    config = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "CACHE_KEY_PREFIX": cache_prefix("f"),
    }
    app = make_app(copy_data(tmp_path), store_url, **config)
    client = app.test_client()
    try:
        assert client.get(DOC).status_code == 200
        redis.stop()
        with caplog.at_level(logging.ERROR):
            response = client.get("/doc/person/kathrin-hinze.ttl")
        assert response.status_code == 200
        assert "shared cache unreachable" in caplog.text
        redis.start()
        assert client.get("/doc/organization/bildungsbuero.jsonld").status_code == 200
    finally:
        redis.stop()


def test_503_while_the_store_is_down_and_recovery_after(tmp_path):
    store = servers.oxigraph(location=tmp_path / "oxigraph").start()
    url = f"http://127.0.0.1:{store.port}"
    try:
        app = make_app(copy_data(tmp_path), url)
        client = app.test_client()
        assert client.get(DOC).status_code == 200
        store.stop()
        # rendered, or built from a graph fetched before: still served
        assert client.get(DOC).status_code == 200
        assert client.get("/doc/person/kathrin-hinze.ttl").status_code == 200
        # the whole dump is a file of the version: still served
        assert client.get("/dumps/all.ttl").status_code == 200
        # a query needs the store: 503, with the configured Retry-After
        query = "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
        down = client.get(query, headers={"Accept": "text/turtle, */*;q=0.1"})
        assert down.status_code == 503
        assert down.headers["Retry-After"] == "7"
        store.start()
        wait_until(lambda: client.get(query).status_code == 200, "the service to recover")
    finally:
        store.stop()


# ---------------------------------------------------------------------------
# /sparql forwarded to the store: the same guard and limits


def sparql(client, query: str, **headers):
    return client.get("/sparql", query_string={"query": query}, headers=headers)


def test_forwarded_queries_see_only_the_published_data(store_url):
    client = make_app(DATA_DIR, store_url).test_client()
    graphs = sparql(client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert graphs.status_code == 200
    assert graphs.get_json()["results"]["bindings"] == []  # no meta or source graphs
    count = sparql(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").get_json()
    dump = client.get("/dumps/all.nt").get_data(as_text=True)
    assert int(count["results"]["bindings"][0]["n"]["value"]) == len(dump.splitlines())


def test_forwarded_service_queries_are_refused_before_the_store_sees_them(store_url):
    client = make_app(DATA_DIR, store_url).test_client()
    with servers.listener() as outside:
        for query in (
            f"SELECT * WHERE {{ SERVICE <{outside.url}> {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <{outside.url}> WHERE {{ ?s ?p ?o }}",
            f"LOAD <{outside.url}>",
        ):
            assert sparql(client, query).status_code == 400, query
        assert outside.connections_so_far() == []


def test_a_runaway_query_in_the_store_is_cut_off(store_url):
    app = make_app(DATA_DIR, store_url, SPARQL_TIMEOUT=1.5)
    runaway = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    )
    response = sparql(app.test_client(), runaway)
    assert response.status_code == 503
    assert "1.5 seconds" in response.get_data(as_text=True)
    # the store still answers (asked without the short limit: it may be busy a while)
    patient = make_app(DATA_DIR, store_url).test_client()
    assert sparql(patient, "ASK { ?s ?p ?o }").get_json()["boolean"] is True
