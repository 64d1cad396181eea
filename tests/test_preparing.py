"""A large version's artefacts are built by a child process, never by a serving one.

``ARCHIVE_IN_CHILD_FILES=0`` makes the two files of the test data "large". The child's
log goes to its standard error, not to this process's log records: a step logged
here would have run here.
"""

from __future__ import annotations

import logging
import os
import signal

from opendata import artefacts, preparing
from opendata.backends.watching import PREPARERS
from opendata.records import content_version

from .conftest import copy_data, make_app
from .test_reload import edit

SAME = [
    "/dumps/all.nt",
    "/dumps/organization/bildungsbuero.ttl",
    "/.well-known/void",
    "/search?q=bildung",
    "/sitemap.xml",
    "/sparql?query=SELECT+(COUNT(*)+AS+?n)+WHERE+{+?s+?p+?o+}",
]
BUILT_HERE = ("building the SPARQL store", "search index of version", "counted data version")


def large_app(data, state, **config):
    app = make_app(data, STATE_DIR=str(state), ARCHIVE_IN_CHILD_FILES=0, **config)
    preparing.wait_until_built(app)
    return app


def test_a_child_builds_what_the_server_then_serves_as_if_built_here(tmp_path, caplog):
    data = copy_data(tmp_path / "data")
    with caplog.at_level(logging.INFO):
        child = large_app(data, tmp_path / "child").test_client()
    version = content_version(data)
    assert f"building the artefacts of data version {version} in a child process" in caplog.text
    assert f"the child process has built every artefact of data version {version}" in caplog.text
    for step in BUILT_HERE:
        assert step not in caplog.text
    here = make_app(data, STATE_DIR=str(tmp_path / "here")).test_client()
    for path in SAME:
        answer = child.get(path)
        assert answer.status_code == 200, path
        assert answer.get_data() == here.get(path).get_data(), path


def test_a_restart_on_a_built_version_starts_no_child(tmp_path, caplog):
    data = copy_data(tmp_path / "data")
    large_app(data, tmp_path / "state")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        client = large_app(data, tmp_path / "state").test_client()
    assert "child process" not in caplog.text
    assert client.get("/dumps/all.nt.gz").status_code == 200


def killed(app, store):
    """A preparer whose process is killed halfway through writing its artefact."""

    def half(directory):
        (directory / "half").write_text("half", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGKILL)

    artefacts.build_once(artefacts.path_of(app, store.version, "probe"), half)


def test_a_killed_child_leaves_the_previous_version_live_and_no_half_artefact(tmp_path, caplog):
    data = copy_data(tmp_path / "data")
    app = large_app(data, tmp_path / "state")
    client = app.test_client()
    old = client.get("/status").json["version"]
    app.extensions[PREPARERS].append((killed, False))
    edit(data / "bildungsbuero-dessau-rosslau.yaml", "Zerbster Straße 4", "Zerbster Straße 5")
    new = content_version(data)
    with caplog.at_level(logging.ERROR):
        app.extensions["opendata"].check()
    assert f"data version {new} in a child process failed (exit status -9)" in caplog.text
    assert client.get("/status").json["version"] == old
    directory = artefacts.versions_dir(app) / new
    assert not (directory / "probe").exists()
    for path in directory.rglob("*"):  # every file in view belongs to a complete artefact
        parts = path.relative_to(directory).parts
        if path.is_file() and not any(part.startswith(".") for part in parts):
            assert any(artefacts.is_complete(a) for a in path.parents if directory in a.parents)

    app.extensions[PREPARERS].remove((killed, False))
    app.extensions["opendata"].check()
    preparing.wait_until_built(app)
    assert client.get("/status").json["version"] == new
    assert "Zerbster Straße 5" in client.get("/doc/organization/bildungsbuero.nt").get_data(
        as_text=True
    )
