"""A server starts its SPARQL query processes before the first query, for every version.

Observed through ``/status`` (how many query processes of the answering process are
ready) and through the process tree, never through how long a query took.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import requests

from opendata.sparql.engine import QUERY_PROCESS, current_engine, start_eagerly

from .conftest import copy_data, make_app
from .servers import HTTP_TIMEOUT, gone, gunicorn_server, query_processes, wait_until
from .test_reload import edit

QUERY = "SELECT ?name WHERE { <https://example.org/nothing> ?p ?name }"


def status(url: str) -> dict:
    return requests.get(url + "/status", timeout=HTTP_TIMEOUT).json()


def test_a_server_has_its_query_processes_ready_before_the_first_query(tmp_path):
    data = copy_data(tmp_path / "data")
    env = {
        "OPENDATA_DATA_DIR": str(data),
        "OPENDATA_STATE_DIR": str(tmp_path / "state"),
        "OPENDATA_RELOAD_INTERVAL": "0.2",
    }
    with gunicorn_server(env=env, workers=1) as server:
        first = status(server.url)
        wait_until(lambda: status(server.url)["query_processes"] == 2, "2 ready query processes")
        started = query_processes(server.process.pid)
        assert len(started) == 2
        answer = requests.get(server.url + "/sparql", params={"query": QUERY}, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200
        # the query was answered by a process started before it: no other was started
        assert query_processes(server.process.pid) == started

        # a new version: its processes start once it is live, and the old ones end
        edit(data / "bildungsbuero-dessau-rosslau.yaml", "Zerbster Straße 4", "Zerbster Straße 5")
        wait_until(lambda: status(server.url)["version"] != first["version"], "the new version")
        wait_until(lambda: status(server.url)["query_processes"] == 2, "its query processes")
        renewed = query_processes(server.process.pid)
        assert len(renewed) == 2 and not renewed & started
        for pid in started:
            wait_until(lambda pid=pid: gone(pid), f"the old query process {pid} to end")


def test_workers_forked_from_a_preloaded_application_start_their_own(tmp_path):
    env = {"OPENDATA_STATE_DIR": str(tmp_path / "state")}
    with gunicorn_server(env=env, workers=2, args=["--preload"]) as server:
        master = server.process.pid

        def workers() -> list[int]:
            text = Path(f"/proc/{master}/task/{master}/children").read_text()
            return [int(pid) for pid in text.split()]

        def each_ready() -> bool:
            found = workers()
            return len(found) == 2 and all(len(query_processes(pid)) == 2 for pid in found)

        wait_until(each_ready, "two query processes below each worker")
        # the master closed the ones it started before it forked: its children are workers
        for pid in workers():
            assert QUERY_PROCESS.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        answer = requests.get(server.url + "/sparql", params={"query": QUERY}, timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200


def test_an_application_starts_them_with_its_first_query_unless_told_and_ends_them(tmp_path):
    data, state = copy_data(tmp_path / "data"), str(tmp_path / "state")
    pids = started_eagerly(make_app(data, STATE_DIR=state))
    assert len(pids) == 2 and set(pids) <= query_processes(os.getpid())
    # a new application (the rendering cache lets go of the previous one), no query yet
    lazy = make_app(data, STATE_DIR=state)
    assert lazy.test_client().get("/status").json["query_processes"] == 0
    gc.collect()  # the first application is gone: its engine is closed
    for pid in pids:
        wait_until(lambda pid=pid: gone(pid), f"query process {pid} to end with its application")


def started_eagerly(app) -> list[int]:
    """The query processes of app, started before any query."""
    start_eagerly(app)
    client = app.test_client()
    wait_until(lambda: client.get("/status").json["query_processes"] == 2, "2 ready processes")
    with app.app_context():
        return current_engine().pool.pids()
