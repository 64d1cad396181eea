"""The SPARQL benchmark runs end to end at a tiny size and prints its tables in shape.

As for ``bench/run.py`` (``tests/test_bench_run.py``), its figures are for
docs/performance.md: only the output's shape is checked here, every figure a number.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .conftest import ROOT
from .servers import WAIT, need
from .test_bench_run import DASH, is_number, table


def test_the_sparql_benchmark_measures_a_store_and_the_cost_of_a_lookup(tmp_path):
    need("wrk", "apt-get install wrk")
    arguments = ["--data-root", str(tmp_path), "--sizes", "3", "--repeats", "1"]
    arguments += ["--cost", "3", "--cost-seconds", "3"]
    result = subprocess.run(
        [sys.executable, "bench/sparql.py", *arguments],
        cwd=ROOT,
        env={**os.environ, "OPENDATA_SPARQL_TIMEOUT": str(WAIT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout

    header, [row] = table(output, "organisations")
    assert header[:2] == ["organisations", "triples"]
    assert row[0] == "3" and int(row[1].replace(",", "")) > 0
    assert all(is_number(cell) for cell in row), row

    assert "Uncached lookups at 3 organisations" in output
    header, rows = table(output, "processes")
    assert header == ["processes", "CPU ms", "context switches"]
    assert [r[0] for r in rows] == ["web", "query", "wrk"]
    # a dash where the busy machine answered no lookup within the seconds given
    answered = int(re.search(r"organisations: ([\d,]+) answered", output)[1].replace(",", ""))
    for kind, cpu, switches in rows:
        assert is_number(cpu) if answered else cpu == DASH, (kind, cpu)
        assert is_number(switches) if answered and kind != "wrk" else switches == DASH
