"""``opendata build``: what a service serves a version from, built before it starts."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from opendata.cli import main

from .conftest import copy_data, make_app


@pytest.mark.parametrize("in_child", [False, True], ids=["here", "in a child process"])
def test_build_makes_every_artefact_that_a_starting_service_then_opens(tmp_path, caplog, in_child):
    data, state = copy_data(tmp_path / "data"), tmp_path / "state"
    env = {"OPENDATA_STATE_DIR": str(state)}
    if in_child:
        env["OPENDATA_ARCHIVE_IN_CHILD_FILES"] = "0"
    result = CliRunner().invoke(main, ["build", str(data)], env=env)
    assert result.exit_code == 0, result.output
    [version] = [path.name for path in (state / "versions").iterdir()]
    assert f"built data version {version}" in result.output
    built = {path.parent.relative_to(state / "versions" / version).parts[0]
             for path in (state / "versions" / version).glob("**/.complete")}  # fmt: skip
    for artefact in ("records-", "search", "sparql", "statistics", "dumps-", "organizations-"):
        assert any(name.startswith(artefact) for name in built), (artefact, built)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        client = make_app(data, STATE_DIR=str(state)).test_client()
    assert "its records are already on this host" in caplog.text
    assert "building the SPARQL store" not in caplog.text
    assert client.get("/dumps/all.nt.gz").status_code == 200


def test_build_refuses_invalid_data_and_names_the_problem(tmp_path):
    data, state = copy_data(tmp_path / "data"), tmp_path / "state"
    office = data / "bildungsbuero-dessau-rosslau.yaml"
    office.write_text(office.read_text(encoding="utf-8").replace("slug:", "slug: [", 1))
    result = CliRunner().invoke(main, ["build", str(data)], env={"OPENDATA_STATE_DIR": str(state)})
    assert result.exit_code == 1
    assert "bildungsbuero-dessau-rosslau.yaml" in result.output
    assert "nothing can be published" in result.output


def test_a_build_in_child_processes_tells_the_operator_its_progress_and_nothing_else(tmp_path):
    """What an operator reads on the console: the steps, no warning of the interpreter."""
    data, state = copy_data(tmp_path / "data"), tmp_path / "state"
    env = {**os.environ, "OPENDATA_STATE_DIR": str(state), "OPENDATA_ARCHIVE_IN_CHILD_FILES": "0"}
    command = [str(Path(sys.executable).with_name("opendata")), "build", str(data)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "validating and archiving" in result.stderr  # the records' child ran
    assert "in a child process" in result.stderr
    assert "Warning" not in result.stderr, result.stderr
