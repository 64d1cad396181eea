"""The benchmark runs end to end at a tiny size and prints its tables in shape.

Its figures are for docs/performance.md, measured on a quiet machine: one-second
samples on a busy one say nothing, so only the shape of the output is checked here
(every table, column and row is there, and every figure is a number).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .conftest import ROOT
from .servers import WAIT, need

SCENARIOS = [
    "HTML page",
    "JSON-LD (negotiated)",
    "Turtle",
    "Turtle, gzip",
    "304 revalidation",
    "catalogue",
    "SPARQL SELECT, repeated",
    "SPARQL SELECT, new text each time",
]
NO_BASELINE = {"SPARQL SELECT, new text each time"}  # a new text each time: nothing to copy
COMPARISON_COLUMNS = [
    "scenario",
    "service req/s",
    "p50 ms",
    "p99 ms",
    "baseline req/s",
    "p50 ms",
    "p99 ms",
    "ratio",
    "target",
]
GROWTH_COLUMNS = [
    "organisations",
    "publish s",
    "start-up s",
    "RSS MB",
    "first rendering ms",
    "documents req/s",
    "p99 ms",
    "catalogue req/s",
    "500 pages req/s",
]
NUMBER = re.compile(r"\d[\d,]*(\.\d+)?")
DASH = "–"


def cells(line: str) -> list[str]:
    assert line.startswith("|") and line.endswith("|"), line
    return [cell.strip() for cell in line[1:-1].split("|")]


def table(output: str, first_column: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the markdown table whose first column is first_column."""
    lines = output.splitlines()
    [start] = [i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |")]
    header = cells(lines[start])
    assert re.fullmatch(r"\|(-+:?\|)+", lines[start + 1]), lines[start + 1]
    assert len(cells(lines[start + 1])) == len(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        row = cells(line)
        assert len(row) == len(header), line
        rows.append(row)
    return header, rows


def is_number(cell: str) -> bool:
    if not NUMBER.fullmatch(cell):
        return False
    float(cell.replace(",", ""))
    return True


def is_ratio(cell: str) -> bool:
    """A ratio, or a dash where the baseline answered nothing to compare with."""
    return cell == DASH or is_number(cell)


def test_the_benchmark_prints_both_tables_in_shape():
    need("wrk", "apt-get install wrk")  # skips without it; fails under CI=true
    run = subprocess.run(
        [sys.executable, "bench/run.py", "--seconds", "1", "--sizes", "2,3"],
        cwd=ROOT,
        # no time limit of the service may cut a query short on a busy machine
        env={**os.environ, "OPENDATA_SPARQL_TIMEOUT": str(WAIT)},
        capture_output=True,
        text=True,
        timeout=10 * WAIT,
    )
    # 1: a target missed, which one-second samples on a busy machine may well do
    assert run.returncode in (0, 1), run.stderr
    output = run.stdout

    header, rows = table(output, "scenario")
    assert header == COMPARISON_COLUMNS
    assert [row[0] for row in rows] == SCENARIOS, output
    for name, *service, baseline, p50, p99, ratio, target in rows:
        assert all(is_number(cell) for cell in service), (name, output)
        if name in NO_BASELINE:
            assert [baseline, p50, p99, ratio, target] == [DASH] * 5, (name, output)
        else:
            assert all(is_number(cell) for cell in (baseline, p50, p99)), (name, output)
            assert is_ratio(ratio), (name, output)
            assert re.fullmatch(r"(≥ \d+(\.\d+)?|–)( MISSED)?", target), (name, output)

    header, rows = table(output, "organisations")
    assert header == GROWTH_COLUMNS
    assert [row[0] for row in rows] == ["2", "3"], output
    for row in rows:
        assert all(is_number(cell) for cell in row[:-1]), (row, output)
        assert row[-1] == DASH, (row, output)  # 500 pages: only from 500 organisations on
    for name in ("documents", "catalogue"):
        assert re.search(
            rf"^{name} req/s at 3 / at 2: (\d+\.\d\d|–) \(target ≥ [\d.]+\)( MISSED)?$",
            output,
            re.M,
        ), output
