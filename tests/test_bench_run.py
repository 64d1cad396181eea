"""The benchmark runs end to end at a tiny size and prints its tables in shape.

Its figures are for docs/performance.md, measured on a quiet machine: samples on a
busy one say nothing, so only the shape of the output is checked here (every table,
column, scenario and route is there, every figure is a number, every route answered
with the status it should), that a saved size is reported again without being
measured, and that a size is measured again from its restart on the state it left.
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
SUMMARY_COLUMNS = [
    "organisations",
    "first build: first document s",
    "artefacts ready s",
    "peak RSS / PSS MB",
    "restart: first document s",
    "processes",
    "RSS MB after start",
    "PSS MB after start",
    "RSS MB after load",
    "PSS MB after load",
    "documents req/s",
]
ROUTE_COLUMNS = [
    "route",
    "path",
    "status",
    "bytes",
    "cold ms",
    "warm p50 ms",
    "warm p99 ms",
    "requests",
    "req/s (wrk)",
]
# Every route and the status it answers with at three organisations (too few pages
# for a sitemap index, so there is no part 1).
ROUTES = {
    "home": "200",
    "document, JSON-LD": "200",
    "document, Turtle": "200",
    "document, RDF/XML": "200",
    "document, N-Triples": "200",
    "document, HTML de": "200",
    "document, HTML en": "200",
    "document, negotiated (Accept)": "200",
    "vCard": "200",
    "catalogue, first page": "200",
    "catalogue, last page": "200",
    "catalogue, ?modified_since": "200",
    "VoID": "200",
    "sitemap": "200",
    "sitemap, a part": "404",
    "feed": "200",
    "dump, whole (all.nt.gz)": "200",
    "dump, one organisation": "200",
    "404": "404",
    "SPARQL small SELECT, repeated": "200",
    "SPARQL small SELECT, new text each time": "200",
    "search": "200",
}
NUMBER = re.compile(r"\d[\d,]*(\.\d+)?")
DASH = "–"


def cells(line: str) -> list[str]:
    assert line.startswith("|") and line.endswith("|"), line
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line[1:-1])]


def table(output: str, first_column: str, after: str = "") -> tuple[list[str], list[list[str]]]:
    """The header and rows of the first markdown table whose first column is
    first_column, after the line after."""
    lines = output.splitlines()
    begin = lines.index(after) if after else -1
    start = next(
        i for i, line in enumerate(lines) if i > begin and line.startswith(f"| {first_column} |")
    )
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


def run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "bench/run.py", *arguments],
        cwd=ROOT,
        # no time limit of the service may cut a query short on a busy machine
        env={**os.environ, "OPENDATA_SPARQL_TIMEOUT": str(WAIT)},
        capture_output=True,
        text=True,
        timeout=20 * WAIT,
    )


def test_the_benchmark_prints_every_table_in_shape(tmp_path):
    need("wrk", "apt-get install wrk")  # skips without it; fails under CI=true
    sizes = [
        *("--sizes", "3", "--work", str(tmp_path)),
        *("--requests", "3", "--route-seconds", "0", "--route-wrk-seconds", "0"),
        *("--timeout", str(WAIT), "--start-timeout", str(5 * WAIT)),
        *("--rdflib-endpoint", str(tmp_path / "no-venv")),
    ]
    measured = run("--seconds", "1", *sizes)
    # 1: a target missed, which one-second samples on a busy machine may well do
    assert measured.returncode in (0, 1), measured.stderr
    output = measured.stdout

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
    assert header == SUMMARY_COLUMNS
    [row] = rows
    assert row[0] == "3", output
    peak_rss, peak_pss = row[3].split(" / ")
    assert all(is_number(cell) for cell in [*row[1:3], peak_rss, peak_pss, *row[4:-1]]), output
    assert row[-1] == DASH, output  # no wrk at --route-wrk-seconds 0
    first_build = row[1:4]

    header, rows = table(output, "route", after="### 3 organisations")
    assert header == ROUTE_COLUMNS
    assert {row[0]: row[2] for row in rows} == ROUTES, output
    assert [row[0] for row in rows] == list(ROUTES), output
    for name, path, _, size, *figures, requests, rate in rows:
        assert path.startswith("`/"), (name, output)
        assert all(is_number(cell) for cell in (size, *figures)), (name, output)
        assert requests == "3", (name, output)
        assert rate == DASH, (name, output)
    assert "SPARQL against rdflib-endpoint: not run: no rdflib-endpoint in" in output

    # the size was saved: a report prints it again, measuring nothing
    again = run("--skip-comparison", "--report", *sizes)
    assert again.returncode == 0, again.stderr
    assert table(again.stdout, "route")[1] == rows
    assert "# measuring" not in again.stderr

    # --restart-only measures again on the state that run built: the first build's
    # figures are kept, the restart and every route measured anew
    restarted = run("--skip-comparison", "--restart-only", *sizes)
    assert restarted.returncode == 0, restarted.stderr
    assert "# measuring 3 organisations" in restarted.stderr
    [summary] = table(restarted.stdout, "organisations")[1]
    assert summary[1:4] == first_build, restarted.stdout
    assert is_number(summary[4]), restarted.stdout
    routes = table(restarted.stdout, "route", after="### 3 organisations")[1]
    assert {row[0]: row[2] for row in routes} == ROUTES, restarted.stdout
