"""The benchmark runs end to end at a tiny size (its figures are for docs/performance.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)


def test_the_benchmark_prints_both_tables():
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--seconds", "1", "--sizes", "2,3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # 1: a target missed, which one-second samples on a busy machine may do
    assert run.returncode in (0, 1), run.stderr
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([\d,]+) \|", run.stdout, re.M))
    scenarios = [
        "HTML page",
        "JSON-LD (negotiated)",
        "Turtle",
        "Turtle, gzip",
        "304 revalidation",
        "catalogue",
        "SPARQL SELECT, repeated",
        "SPARQL SELECT, new text each time",
    ]
    for name in scenarios:
        assert int(rows[name].replace(",", "")) > 0, (name, run.stdout)
    for size in ("2", "3"):  # start-up, memory, first rendering, documents, catalogue
        cells = re.search(rf"^\| {size} \|(.*)\|$", run.stdout, re.M).group(1).split("|")
        assert all(float(cell.replace(",", "")) > 0 for cell in cells[1:5] + cells[6:7]), cells
    assert re.search(r"^documents req/s at 3 / at 2: \d+\.\d\d", run.stdout, re.M)
