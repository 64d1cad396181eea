"""Data changes without loss: reload without restart, refuse invalid data, swap atomically."""

from __future__ import annotations

import gc
import logging
import os
import threading
import weakref

import pytest

from opendata import backends

from .conftest import DATA_DIR, copy_data, make_app
from .servers import wait_until

SOURCE = DATA_DIR / "bildungsbuero-dessau-rosslau.yaml"
DOC = "/doc/organization/bildungsbuero.nt"


@pytest.fixture
def data_dir(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    copy_data(directory)
    return directory


def edit(path, old: str, new: str) -> None:
    """Change a file the way an editor should: write a new file, then rename it."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text.replace(old, new), encoding="utf-8")
    os.replace(temporary, path)


def test_a_valid_change_is_published_without_a_restart(data_dir):
    client = make_app(data_dir, RELOAD_INTERVAL=0.1).test_client()
    before = client.get(DOC)
    edit(data_dir / SOURCE.name, "Zerbster Straße 4", "Zerbster Straße 5")
    wait_until(
        lambda: "Zerbster Straße 5" in client.get(DOC).get_data(as_text=True), "the new version"
    )
    assert client.get(DOC).headers["ETag"] != before.headers["ETag"]


def test_invalid_data_is_refused_and_the_last_good_version_stays(data_dir, caplog):
    app = make_app(data_dir, RELOAD_INTERVAL=0.1)
    client = app.test_client()
    good = client.get(DOC).get_data()
    path = data_dir / SOURCE.name
    edit(path, "email: bildungsbuero@dessau-rosslau.de", "email: [kaputt")
    written = path.read_bytes(), path.stat().st_mtime_ns
    with caplog.at_level(logging.ERROR):
        wait_until(lambda: "data not reloaded" in caplog.text, "the refusal in the log")
    assert "bildungsbuero-dessau-rosslau.yaml" in caplog.text
    assert client.get(DOC).get_data() == good
    # the service never writes to the data files
    assert (path.read_bytes(), path.stat().st_mtime_ns) == written


def test_a_fixed_file_is_published_after_a_refused_one(data_dir, caplog):
    client = make_app(data_dir, RELOAD_INTERVAL=0.1).test_client()
    client.get(DOC)
    path = data_dir / SOURCE.name
    with caplog.at_level(logging.ERROR):
        edit(path, 'postal_code: "06844"', "postal_code: [")
        wait_until(lambda: "data not reloaded" in caplog.text, "the refusal in the log")
    edit(path, "postal_code: [", "postal_code: '06846'")
    wait_until(lambda: "06846" in client.get(DOC).get_data(as_text=True), "the fixed version")


def test_no_request_sees_a_mix_of_versions(data_dir):
    """Every response is wholly one version: its body matches one of the two renderings."""
    app = make_app(data_dir, RELOAD_INTERVAL=0.05)
    client = app.test_client()
    old = client.get(DOC).get_data()
    path = data_dir / SOURCE.name
    seen: set[bytes] = set()
    stop = threading.Event()

    def read() -> None:
        local = app.test_client()
        while not stop.is_set():
            seen.add(local.get(DOC).get_data())

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        wait_until(lambda: old in seen, "the readers to read the old version")
        edit(path, "Zerbster Straße 4", "Zerbster Straße 6")
        wait_until(
            lambda: any("Straße 6".encode() in body for body in list(seen)),
            "the readers to read the new version",
        )
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    new = client.get(DOC).get_data()
    assert seen <= {old, new}, "a response mixed two versions"
    assert old in seen


def test_reloading_can_be_turned_off(data_dir):
    app = make_app(data_dir, RELOAD_INTERVAL=0)
    client = app.test_client()
    before = client.get(DOC).get_data()
    edit(data_dir / SOURCE.name, "Zerbster Straße 4", "Zerbster Straße 7")
    # the control: an app that watches the directory publishes the change
    watching = make_app(data_dir, RELOAD_INTERVAL=0.1).test_client()
    watching.get(DOC)
    edit(data_dir / SOURCE.name, "Zerbster Straße 7", "Zerbster Straße 8")
    wait_until(lambda: "Straße 8" in watching.get(DOC).get_data(as_text=True), "the control")
    # nothing watches for this app: no watcher thread exists that could reload it later
    assert app.extensions["opendata"]._watcher is None
    assert client.get(DOC).get_data() == before


def test_a_frozen_heap_lets_the_old_version_go(data_dir):
    """Servers freeze the loaded data (wsgi.py); a reload must still free the old one."""
    app = make_app(data_dir)
    publication = app.extensions["opendata"]
    backends.freeze_loaded_data()
    try:
        old = weakref.ref(publication.current())
        edit(data_dir / SOURCE.name, "Zerbster Straße 4", "Zerbster Straße 6")
        assert publication.refresh()
        assert old() is None  # a PublishedStore holds cycles: only the collector frees it
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
