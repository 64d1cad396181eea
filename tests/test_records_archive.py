"""Each data version's validated records are archived once on disk and read from there:
a restart with unchanged files validates nothing, a damaged archive is never read,
and files edited while a version is read lead to a new version, never a mixed one."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from opendata.publishing import EXTENSION
from opendata.records import loading

from .conftest import DATA_DIR, copy_data, make_app
from .servers import wait_until

SOURCE = DATA_DIR / "bildungsbuero-dessau-rosslau.yaml"
DOC = "/doc/organization/bildungsbuero.nt"
REUSED = "its records are already on this host"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return copy_data(tmp_path / "data")


def archives(state: Path) -> list[Path]:
    """The complete records archives of every version under a state directory."""
    return sorted(
        path / "records.sqlite"
        for path in state.glob("versions/*/records-*")
        if (path / ".complete").is_file()
    )


def identity(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns


def test_a_restart_with_unchanged_files_reads_the_archive(data_dir, tmp_path, caplog):
    state = tmp_path / "state"
    first = make_app(data_dir, STATE_DIR=str(state)).test_client().get(DOC)
    [archive] = archives(state)
    built = identity(archive)
    with caplog.at_level(logging.INFO, logger="opendata"):
        again = make_app(data_dir, STATE_DIR=str(state)).test_client().get(DOC)
    assert REUSED in caplog.text
    assert again.status_code == 200
    assert (again.get_data(), again.headers["ETag"]) == (first.get_data(), first.headers["ETag"])
    assert archives(state) == [archive] and identity(archive) == built


def test_touched_files_with_the_same_bytes_are_not_validated_again(data_dir, tmp_path, caplog):
    state = tmp_path / "state"
    first = make_app(data_dir, STATE_DIR=str(state)).test_client().get(DOC)
    [archive] = archives(state)
    built = identity(archive)
    for path in data_dir.iterdir():
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    with caplog.at_level(logging.INFO, logger="opendata"):
        again = make_app(data_dir, STATE_DIR=str(state)).test_client().get(DOC)
    assert REUSED in caplog.text
    assert again.headers["ETag"] == first.headers["ETag"]
    assert identity(archive) == built


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"not a database" * 100), id="overwritten"),
        pytest.param(lambda path: os.truncate(path, path.stat().st_size // 2), id="truncated"),
        pytest.param(lambda path: path.unlink(), id="missing"),
    ],
)
def test_a_damaged_archive_is_never_read_and_is_built_again(data_dir, tmp_path, caplog, damage):
    state = tmp_path / "state"
    first = make_app(data_dir, STATE_DIR=str(state)).test_client().get(DOC)
    [archive] = archives(state)
    damage(archive)
    with caplog.at_level(logging.INFO, logger="opendata"):
        again = make_app(data_dir, STATE_DIR=str(state)).test_client().get(DOC)
    assert "damaged" in caplog.text and REUSED not in caplog.text
    assert again.status_code == 200
    assert (again.get_data(), again.headers["ETag"]) == (first.get_data(), first.headers["ETag"])
    [rebuilt] = archives(state)
    assert rebuilt == archive and rebuilt.stat().st_size > 0


def test_a_file_edited_while_the_files_are_read_leads_to_a_new_version(
    data_dir, tmp_path, monkeypatch
):
    """The edit lands after the office's file was read: that version is served until the
    next check, which reads the files again; the mix is never taken for the new files."""
    state = tmp_path / "state"
    office = data_dir / SOURCE.name
    read_yaml = loading.read_yaml

    def edit_after_reading_the_office(name, raw, problems):
        if name > office.name and b"Zerbster Stra\xc3\x9fe 5" not in office.read_bytes():
            text = office.read_text(encoding="utf-8")
            office.write_text(text.replace("Zerbster Straße 4", "Zerbster Straße 5"), "utf-8")
        return read_yaml(name, raw, problems)

    monkeypatch.setattr(loading, "read_yaml", edit_after_reading_the_office)
    app = make_app(data_dir, STATE_DIR=str(state))
    client = app.test_client()
    assert "Zerbster Straße 4" in client.get(DOC).get_data(as_text=True)
    monkeypatch.undo()

    assert app.extensions[EXTENSION].refresh()
    assert "Zerbster Straße 5" in client.get(DOC).get_data(as_text=True)
    restarted = make_app(data_dir, STATE_DIR=str(state)).test_client()
    assert "Zerbster Straße 5" in restarted.get(DOC).get_data(as_text=True)


def test_archiving_logs_how_far_it_is(data_dir, tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="opendata"):
        make_app(data_dir, STATE_DIR=str(tmp_path / "state"))
    files = len(list(data_dir.glob("*.yaml")))
    assert "archiving the records of version" in caplog.text
    assert f": {files} of {files} (" in caplog.text


def test_a_large_directory_is_validated_and_archived_by_a_child_process(data_dir, tmp_path, caplog):
    state = tmp_path / "state"
    with caplog.at_level(logging.INFO, logger="opendata"):
        app = make_app(data_dir, STATE_DIR=str(state), ARCHIVE_IN_CHILD_FILES=0)
    assert "in a child process" in caplog.text
    assert app.test_client().get(DOC).status_code == 200
    assert len(archives(state)) == 1


def test_problems_found_by_the_child_process_name_file_field_and_problem(
    data_dir, tmp_path, caplog
):
    app = make_app(data_dir, STATE_DIR=str(tmp_path / "state"), ARCHIVE_IN_CHILD_FILES=0)
    client = app.test_client()
    good = client.get(DOC).get_data()
    office = data_dir / SOURCE.name
    text = office.read_text(encoding="utf-8")
    office.write_text(text.replace("bildungsbuero@dessau-rosslau.de", "kaputt"), "utf-8")
    with caplog.at_level(logging.ERROR, logger="opendata"):
        assert not app.extensions[EXTENSION].refresh()
    assert f"data not reloaded: {SOURCE.name}: organization.email: " in caplog.text
    assert client.get(DOC).get_data() == good


def test_a_restart_on_new_files_serves_the_last_version_until_the_new_one_is_built(
    data_dir, tmp_path, caplog
):
    state = tmp_path / "state"
    before = make_app(data_dir, STATE_DIR=str(state)).test_client().get(DOC)
    office = data_dir / SOURCE.name
    text = office.read_text(encoding="utf-8")
    office.write_text(text.replace("Zerbster Straße 4", "Zerbster Straße 9"), "utf-8")
    with caplog.at_level(logging.INFO, logger="opendata"):
        client = make_app(data_dir, STATE_DIR=str(state), RELOAD_INTERVAL=0.1).test_client()
        first = client.get(DOC)
    assert "the last one published from" in caplog.text
    assert (first.get_data(), first.headers["ETag"]) == (before.get_data(), before.headers["ETag"])
    wait_until(
        lambda: "Zerbster Straße 9" in client.get(DOC).get_data(as_text=True), "the new version"
    )


def test_without_a_watcher_a_restart_on_new_files_serves_them_at_once(data_dir, tmp_path):
    state = tmp_path / "state"
    make_app(data_dir, STATE_DIR=str(state))
    office = data_dir / SOURCE.name
    text = office.read_text(encoding="utf-8")
    office.write_text(text.replace("Zerbster Straße 4", "Zerbster Straße 9"), "utf-8")
    client = make_app(data_dir, STATE_DIR=str(state)).test_client()
    assert "Zerbster Straße 9" in client.get(DOC).get_data(as_text=True)
