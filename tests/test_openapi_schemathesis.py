"""Schemathesis against /openapi.json of a live server: the description matches the service.

Generated clients and API gateways trust the description. Schemathesis sends requests
the description calls valid (they must be answered) and invalid (they must be refused),
and checks every answer against it: a documented status, media type, body schema and
headers, never a server error. The run is bounded and seeded, so it sends the same
requests every time; tests/schemathesis.toml holds its settings, with the reason for
each.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .servers import ROOT, gunicorn

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CONFIG = ROOT / "tests" / "schemathesis.toml"
# Per operation and phase; every operation is still tried with its examples, the
# coverage phase's boundary values and a few random and stateful sequences.
MAX_EXAMPLES = 10


def run_schemathesis(url: str, report_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            # The same requests on every run: a fixed seed and derandomised generation
            # (which also replays nothing from a database of earlier runs).
            "--seed",
            "20261201",
            "--generation-deterministic",
            "--workers",
            "1",
            # Hypothesis's too_slow health check measures how long generating data took:
            # on a loaded machine it would fail the run for the machine's sake.
            "--suppress-health-check",
            "too_slow",
            # Schemathesis gives up on a response after 10 seconds by default; slowness of
            # a loaded machine is not what this test is about.
            "--request-timeout",
            "300",
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(report_dir / "schemathesis.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_schemathesis_finds_nothing_the_description_does_not_say(tmp_path):
    with gunicorn() as url:
        finished = run_schemathesis(url, tmp_path)
    output = finished.stdout + finished.stderr
    assert (tmp_path / "schemathesis.json").exists(), output
    report = json.loads((tmp_path / "schemathesis.json").read_text(encoding="utf-8"))
    assert report["complete"], output
    assert report["failures"] == [], output
    assert report["errors"] == [], output
    assert report["test_cases"]["generated"] > 0, output
    assert finished.returncode == 0, output
