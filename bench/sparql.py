"""Benchmark of the SPARQL endpoint: its cost at scale, and its throughput against
rdflib-endpoint on the same data.

    .venv/bin/python bench/sparql.py --sizes 1000 10000 100000
    .venv/bin/python bench/sparql.py --sizes 1000 --compare /tmp/rdflib-endpoint-venv

Part 1, at each size (``bench/generate.py`` organisations, written to ``--data-root``
if not there yet): the time to build the version's Oxigraph store and its size on
disk (kept in ``--data-root`` with its figures, and reused by later runs: delete
``state-N`` to build again); then the service under gunicorn (2 workers × 8 threads,
2 query processes each): resident memory of a query process, ``COUNT(*)`` over every
triple and a small SELECT, each the median of several requests with a new query text
(POST: nothing comes from a cache).

``--cost N``: where the CPU of an uncached lookup goes, at N organisations. The
service runs the lookups of part 2 for ``--cost-seconds``; the table gives CPU
milliseconds and context switches per request in the gunicorn processes, the query
processes and wrk (read from ``/proc`` before and after).

Part 2 (``--compare VENV``, a virtual environment outside this repository with
``pip install rdflib-endpoint uvicorn``): rdflib-endpoint serves the service's own
N-Triples dump of the same data (``/dumps/all.nt``, so the URIs are the same), and
wrk drives both on loopback with a new query text on every request, in alternating
samples (one second for lookups, three longer ones for heavier queries); the table
gives the medians and the ratio. ``bench/run.py --sizes`` runs the same comparison
(``side_by_side``) against its service at each size. Nothing here asserts a
duration: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402
from bench.run import GUNICORN, Load, fetch, free_port, process_tree, stop, wrk  # noqa: E402
from opendata.sparql.examples import EXAMPLES  # noqa: E402

SCHEMA = "https://schema.org/"
QUERY_PROCESS = "opendata.sparql.evaluation"
WORKERS = 2
# wrk: each request a new query text (a random organisation and a numbered comment).
FRESH_LUA = """
counter = 0
templates = {}
for line in io.lines(os.getenv("BENCH_TEMPLATES")) do templates[#templates + 1] = line end
organisations = tonumber(os.getenv("BENCH_ORGANISATIONS"))
math.randomseed(os.time())
local function encode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
request = function()
  counter = counter + 1
  local template = templates[(counter % #templates) + 1]
  local query = template:gsub("{n}", tostring(math.random(0, organisations - 1)))
  query = query .. "\\n#" .. counter
  return wrk.format("GET", wrk.path .. "?query=" .. encode(query))
end
"""
# One line each; {base} is the base of the service's IRIs, {n} an organisation.
ORG = "<{base}/id/organization/buero-n{n}>"
LOOKUPS = [
    f"SELECT ?name WHERE {{ {ORG} <{SCHEMA}name> ?name }}",
    f"SELECT ?telephone ?email WHERE {{ {ORG} <{SCHEMA}contactPoint> ?p ."
    f" OPTIONAL {{ ?p <{SCHEMA}telephone> ?telephone }}"
    f" OPTIONAL {{ ?p <{SCHEMA}email> ?email }} }}",
    f'SELECT ?o WHERE {{ ?o <{SCHEMA}name> "Bildungsbüro Beispielstadt {{n}}"@de }}',
]
# The example queries of the query page, as people would first try them.
EXAMPLE_QUERIES = [" ".join(example.text.split()) + " #{n}" for example in EXAMPLES]
AGGREGATE = ["SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type #{n}"]
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
# Seconds wrk waits for an answer: longer than the service's time limit (5 s), so that
# slow queries are counted when answered, not dropped as timeouts.
QUERY_WAIT = 30


def data_dir(root: Path, size: int) -> Path:
    directory = root / f"data-{size}"
    if not (directory / ".complete").exists():
        shutil.rmtree(directory, ignore_errors=True)
        generate(size, directory)
        (directory / ".complete").touch()
    return directory


def build_store(directory: Path, state: Path) -> dict:
    """Build the version's store (records loaded first, not timed): seconds, MB, triples.

    Kept in ``state`` with its figures, so that a later run at the same size reuses it.
    """
    from flask import Flask

    from opendata import archive, artefacts
    from opendata.records import load_directory
    from opendata.sparql import building
    from opendata.store import PublishedStore

    figures = state / "build.json"
    if figures.exists():
        return json.loads(figures.read_text())
    data = load_directory(directory)
    records = state / "versions" / data.version / archive.ARTEFACT  # where the service looks
    artefacts.build_once(records, lambda work: archive.build(data, work, logging.getLogger()))
    published = PublishedStore(archive.Archive(records, data.version))
    app = Flask("bench")
    app.config["STATE_DIR"] = str(state)
    started = time.monotonic()
    path = building.ensure(app, published)
    seconds = time.monotonic() - started
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    found = {
        "build_s": seconds,
        "store_mb": size / 1e6,
        "triples": building.triples_in(app, published.version) or 0,
    }
    figures.write_text(json.dumps(found))
    return found


def query(url: str, text: str, endpoint: str = "/sparql") -> tuple[float, dict]:
    """Seconds for one POST (never cached), and the SPARQL JSON answer."""
    body = urllib.parse.urlencode({"query": text}).encode()
    request = urllib.request.Request(
        url + endpoint,
        data=body,
        headers={"Accept": "application/sparql-results+json"},
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=120) as response:
        data = response.read()
    return time.monotonic() - started, json.loads(data)


def count_in_process(state: Path, repeats: int) -> float:
    """COUNT(*) in Oxigraph alone, in this process (no HTTP, no niceness): the fastest."""
    import pyoxigraph

    [path] = state.glob("versions/*/sparql/store")
    store = pyoxigraph.Store.read_only(str(path))
    timings = []
    for _ in range(repeats):
        started = time.monotonic()
        list(store.query(COUNT_ALL))
        timings.append(time.monotonic() - started)
    return min(timings)


def cost(size: int, root: Path, seconds: int, workers: int, extra: tuple[str, ...]) -> dict:
    """How many lookups were answered in ``seconds``, and the CPU seconds and context
    switches per lookup by process kind (``web``: gunicorn, ``query``: query processes,
    ``wrk``)."""
    directory = data_dir(root, size)
    state = root / f"state-{size}"
    build_store(directory, state)
    with service(directory, state, workers, extra) as (url, pid):
        # a first start writes the dumps in a child process: not while measuring
        while "other" in usage(pid):
            time.sleep(1)
        throughput(url + "/sparql", url, LOOKUPS, size, 2)  # every query process warm
        before, wrk_before = usage(pid), os.times()
        load = throughput(url + "/sparql", url, LOOKUPS, size, seconds)
        after, wrk_after = usage(pid), os.times()
    requests = round(load.requests_per_second * seconds)
    found = {"organisations": size, "seconds": seconds, "requests": requests}

    def per_request(value: float) -> float | None:
        # on a machine busy enough, no lookup is answered in time: nothing to divide by
        return value / requests if requests else None

    for kind in after:
        cpu, switches = (a - b for a, b in zip(after[kind], before.get(kind, (0, 0)), strict=True))
        found[kind] = {"cpu_s": per_request(cpu), "switches": per_request(switches)}
    wrk_cpu = sum(wrk_after[2:4]) - sum(wrk_before[2:4])  # children's user and system time
    found["wrk"] = {"cpu_s": per_request(wrk_cpu), "switches": None}
    return found


def usage(pid: int) -> dict[str, tuple[float, int]]:
    """CPU seconds and context switches of the process tree under pid, by kind."""
    found: dict[str, tuple[float, int]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for process in process_tree(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        arguments = command(process)
        if QUERY_PROCESS.encode() in arguments:
            kind = "query"
        elif b"gunicorn" in arguments:
            kind = "web"
        else:
            kind = "other"  # a child building artefacts
        cpu, count = found.get(kind, (0.0, 0))
        cpu += (int(fields[11]) + int(fields[12])) / tick  # user and system time
        found[kind] = (cpu, count + context_switches(process))
    return found


def context_switches(pid: int) -> int:
    """Voluntary and involuntary context switches of every thread of a process."""
    found = 0
    for task in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            lines = task.read_text().splitlines()
        except OSError:  # the thread ended meanwhile
            continue
        found += sum(int(line.split()[1]) for line in lines if "ctxt_switches:" in line)
    return found


def query_processes(pid: int) -> list[int]:
    return [process for process in process_tree(pid) if QUERY_PROCESS.encode() in command(process)]


def command(pid: int) -> bytes:
    """The command line of a process (empty when it has ended)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def service(directory: Path, state: Path, workers: int = WORKERS, extra: tuple[str, ...] = ()):
    """The service under gunicorn, loading the data once before forking (``--preload``:
    at 100,000 organisations loading takes minutes, longer than a worker may take to
    boot); yields its URL and the master's pid."""
    port = free_port()
    env = {
        **os.environ,
        "OPENDATA_DATA_DIR": str(directory),
        "OPENDATA_STATE_DIR": str(state),
        "OPENDATA_RELOAD_INTERVAL": "0",
    }
    command = [GUNICORN, "--preload", "--workers", str(workers), "--threads", "8", *extra]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "600"]
    process = subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        while fetch_status(url + "/vocab/context.jsonld") != 200:
            if process.poll() is not None:
                raise RuntimeError(f"the service exited with {process.returncode}")
            time.sleep(0.5)
        yield url, process.pid
    finally:
        stop(process)


def scale(size: int, root: Path, repeats: int, workers: int, extra: tuple[str, ...]) -> dict:
    directory = data_dir(root, size)
    state = root / f"state-{size}"
    built = build_store(directory, state)
    with service(directory, state, workers, extra) as (url, pid):
        query(url, "ASK {}")
        for _ in range(2 * workers):  # every query process opened and warm
            query(url, "ASK { ?s ?p ?o }")
        counts = [query(url, f"{COUNT_ALL}\n#{i}") for i in range(repeats)]
        small = [
            query(url, LOOKUPS[0].replace("{base}", url).replace("{n}", str(i)) + f"\n#{i}")
            for i in range(0, size, max(1, size // (10 * repeats)))
        ]
        rss = max(rss_mb(p) for p in query_processes(pid))
    return {
        "count_oxigraph_s": count_in_process(state, repeats),
        "organisations": size,
        **built,
        "query_process_mb": rss,
        "count_s": statistics.median(s for s, _ in counts),
        "count": int(counts[0][1]["results"]["bindings"][0]["n"]["value"]),
        "select_ms": statistics.median(s for s, _ in small) * 1000,
    }


@contextmanager
def rdflib_endpoint(venv: Path, ntriples: Path):
    port = free_port()
    process = subprocess.Popen(
        [
            str(venv / "bin" / "rdflib-endpoint"),
            *("serve", "--host", "127.0.0.1", "--port", str(port), str(ntriples)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while fetch_status(url + "/?query=ASK%7B%7D") != 200:  # its endpoint is /
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("rdflib-endpoint did not start")
            time.sleep(0.5)
        yield url
    finally:
        stop(process)


def fetch_status(url: str) -> int | None:
    try:
        return fetch(url, {"Accept": "application/sparql-results+json"})[0]
    except OSError:
        return None


def throughput(endpoint: str, base: str, templates: list[str], size: int, seconds: float) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as file:
        file.write("\n".join(t.replace("{base}", base) for t in templates) + "\n")
    os.environ.update(BENCH_TEMPLATES=file.name, BENCH_ORGANISATIONS=str(size))
    try:
        return wrk(
            endpoint,
            # solutions in SPARQL JSON, graphs (CONSTRUCT, DESCRIBE) in Turtle
            {"Accept": "application/sparql-results+json, text/turtle;q=0.9"},
            int(seconds),
            16,
            script=FRESH_LUA,
            timeout=QUERY_WAIT,
        )
    finally:
        os.unlink(file.name)


def compare(size: int, root: Path, venv: Path, samples: int, extra: tuple[str, ...]) -> list[dict]:
    directory = data_dir(root, size)
    state = root / f"state-{size}"
    build_store(directory, state)
    with service(directory, state, extra=extra) as (url, _):
        return side_by_side(url, size, venv, samples, state)["rows"]


def side_by_side(
    url: str, size: int, venv: Path, samples: int, work: Path, base: str | None = None
) -> dict:
    """The running service at url and rdflib-endpoint on its N-Triples dump, driven in
    alternating samples: rows of requests/s per query mix, and rdflib-endpoint's start.
    ``base`` is the service's public base, in which its IRIs are (default: url)."""
    dump = work / "all.nt"
    rows = []
    try:
        dump.write_bytes(fetch(url + "/dumps/all.nt")[2])
        started = time.monotonic()
        with rdflib_endpoint(venv, dump) as other:
            loading = time.monotonic() - started
            for name, templates, seconds in MIXES:
                rows.append(mix(url, other, name, templates, seconds, size, samples, base))
        return {
            "rows": rows,
            "rdflib_endpoint_start_s": loading,
            "triples_mb": dump.stat().st_size / 1e6,
        }
    finally:
        dump.unlink(missing_ok=True)


# (name, templates, seconds per sample): heavier queries need longer samples, or a
# sample ends before any of them is answered
MIXES = (
    ("lookups", LOOKUPS, 1),
    ("query page examples", EXAMPLE_QUERIES, 10),
    ("GROUP BY type", AGGREGATE, 5),
)


def mix(
    url: str,
    other: str,
    name: str,
    templates: list[str],
    seconds: int,
    size: int,
    samples: int,
    base: str | None = None,
) -> dict:
    base = base or url
    check = templates[0].replace("{base}", base).replace("{n}", "1")
    answers = []
    for label, target, endpoint in (("service", url, "/sparql"), ("rdflib-endpoint", other, "/")):
        try:
            answers.append(query(target, check, endpoint)[1]["results"]["bindings"])
        except urllib.error.HTTPError as error:  # e.g. 503: over the service's time limit
            return {"queries": name, "failure": f"{label} answered {error.code} to {check[:40]}…"}
    ours, theirs = answers
    assert len(ours) == len(theirs), (name, ours, theirs)
    loads: dict[str, list[Load]] = {"service": [], "rdflib-endpoint": []}
    for _ in range(samples if seconds == 1 else 3):
        for label, target in (("service", url + "/sparql"), ("rdflib-endpoint", other + "/")):
            loads[label].append(throughput(target, base, templates, size, seconds))
    service_rps = statistics.median(x.requests_per_second for x in loads["service"])
    other_rps = statistics.median(x.requests_per_second for x in loads["rdflib-endpoint"])
    return {
        "queries": name,
        "service": service_rps,
        "rdflib-endpoint": other_rps,
        "ratio": service_rps / other_rps if other_rps else None,
        "errors": sum(x.errors for values in loads.values() for x in values),
    }


def ratio(row: dict) -> str:
    """service / rdflib-endpoint, or why there is none."""
    if not row["rdflib-endpoint"]:
        return "– (rdflib-endpoint answered none)"
    return f"{row['service'] / row['rdflib-endpoint']:.1f}×"


def print_cost(found: dict) -> None:
    print(
        f"\nUncached lookups at {found['organisations']:,} organisations:"
        f" {found['requests']:,} answered in {found['seconds']} s"
        f" ({found['requests'] / found['seconds']:,.0f}/s); per request:"
    )
    print("| processes | CPU ms | context switches |")
    print("|---|---:|---:|")
    for kind in ("web", "query", "other", "wrk"):
        if kind in found:
            cpu, switches = found[kind]["cpu_s"], found[kind]["switches"]
            cpu_ms = "–" if cpu is None else f"{cpu * 1000:.2f}"
            print(f"| {kind} | {cpu_ms} | {'–' if switches is None else f'{switches:.1f}'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/opendata-bench"))
    parser.add_argument("--repeats", type=int, default=5, help="COUNT(*) requests per size")
    parser.add_argument("--compare", type=Path, help="a virtual environment with rdflib-endpoint")
    parser.add_argument("--compare-size", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=9, help="one-second samples per server")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers (part 1)")
    parser.add_argument("--cost", type=int, metavar="N", help="CPU per lookup at N organisations")
    parser.add_argument("--cost-seconds", type=int, default=10)
    parser.add_argument("--gunicorn-args", default="", help="added to gunicorn's command")
    args = parser.parse_args()
    args.data_root.mkdir(parents=True, exist_ok=True)
    extra = tuple(args.gunicorn_args.split())
    if args.sizes:
        print(
            "| organisations | triples | store build s | store MB on disk | query process RSS MB"
            " | COUNT(*) s | COUNT(*) in Oxigraph s | small SELECT ms |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size in args.sizes:
            row = scale(size, args.data_root, args.repeats, args.workers, extra)
            print(
                f"| {row['organisations']:,} | {row['triples']:,} | {row['build_s']:.1f}"
                f" | {row['store_mb']:.0f} | {row['query_process_mb']:.0f}"
                f" | {row['count_s']:.2f} | {row['count_oxigraph_s']:.2f}"
                f" | {row['select_ms']:.1f} |",
                flush=True,
            )
    if args.cost:
        print_cost(cost(args.cost, args.data_root, args.cost_seconds, args.workers, extra))
    if args.compare:
        rows = compare(args.compare_size, args.data_root, args.compare, args.samples, extra)
        print(f"\nUncached queries at {args.compare_size:,} organisations, requests/s (median):")
        print("| queries | service | rdflib-endpoint | ratio | errors |")
        print("|---|---:|---:|---:|---:|")
        for row in rows:
            if "failure" in row:
                print(f"| {row['queries']} | {row['failure']} | – | – | – |")
                continue
            print(
                f"| {row['queries']} | {row['service']:,.0f} | {row['rdflib-endpoint']:,.1f}"
                f" | {ratio(row)} | {row['errors']} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
