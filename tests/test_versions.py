"""Old data versions leave the disk: once a newer version is prepared, all but the
newest KEEP_VERSIONS are removed, never one that is being built, and the service keeps
answering from the live one."""

from __future__ import annotations

import fcntl
import logging

from opendata import dumps

from .conftest import copy_data, make_app
from .servers import wait_until
from .test_reload import edit

SOURCE = "bildungsbuero-dessau-rosslau.yaml"
ADDRESSES = ("Zerbster Straße 4", "Zerbster Straße 5", "Zerbster Straße 6", "Zerbster Straße 7")


def publish_next(app, data, number: int) -> str:
    """Change the data file (address number → number + 1) and publish it: the new version."""
    edit(data / SOURCE, ADDRESSES[number], ADDRESSES[number + 1])
    assert app.extensions["opendata"].refresh()
    dumps.wait_until_built(app)  # no build of the test's own still holds a version
    return app.extensions["opendata"].current().version


def on_disk(state) -> set[str]:
    return {p.name for p in (state / "versions").iterdir() if not p.name.startswith(".")}


def test_versions_older_than_the_live_one_and_the_one_before_are_removed(tmp_path, caplog):
    data, state = copy_data(tmp_path / "data"), tmp_path / "state"
    app = make_app(data, STATE_DIR=str(state), BASE_URI="https://daten.example.de")
    client = app.test_client()
    first = app.extensions["opendata"].current().version
    second = publish_next(app, data, 0)
    assert on_disk(state) == {first, second}
    with caplog.at_level(logging.INFO):
        third = publish_next(app, data, 1)
    assert on_disk(state) == {second, third}
    assert f"removed the artefacts of old data versions: {first}" in caplog.text
    versions = state / "versions"  # the old one is deleted in the background
    wait_until(lambda: not list(versions.glob(".trash-*")), "the old version to be deleted")
    doc = client.get("/doc/organization/bildungsbuero.ttl").get_data(as_text=True)
    assert ADDRESSES[2] in doc
    for path in ("/dumps/all.nt", "/dumps/organization/bildungsbuero.nt", "/.well-known/void"):
        assert client.get(path).status_code == 200, path
    query = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert query.status_code == 200 and query.get_json()["boolean"] is True


def test_a_version_being_built_is_not_removed(tmp_path):
    data, state = copy_data(tmp_path / "data"), tmp_path / "state"
    app = make_app(data, STATE_DIR=str(state), KEEP_VERSIONS=1)
    first = app.extensions["opendata"].current().version
    locks = sorted((state / "versions" / first).glob(".*.lock"))
    assert locks
    with open(locks[0], "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a process building one of its artefacts
        second = publish_next(app, data, 0)
        assert on_disk(state) == {first, second}
        fcntl.flock(lock, fcntl.LOCK_UN)
    third = publish_next(app, data, 1)
    # the version this process served while the third was prepared stays too
    assert on_disk(state) == {second, third}
    assert client_answers(app)


def client_answers(app) -> bool:
    client = app.test_client()
    return all(
        client.get(path).status_code == 200
        for path in ("/doc/organization/bildungsbuero.nt", "/dumps/all.ttl.gz", "/sparql")
    )
