"""Benchmark: the service against a bare-Flask baseline, and every route at 10, 10,000
and 100,000 organisations.

    .venv/bin/python bench/run.py --skip-sizes                 # baseline ratios (~3 minutes)
    .venv/bin/python bench/run.py --skip-comparison --sizes 10,10000   # ~15 minutes
    .venv/bin/python bench/generate.py 100000 /tmp/opendata-bench/data-100000 &&
        touch /tmp/opendata-bench/data-100000/.complete        # 100,000: its data first
    .venv/bin/python bench/run.py --skip-comparison --sizes 100000 --start-timeout 5400
    .venv/bin/python bench/run.py --skip-comparison --sizes 10,10000,100000  # tables of all
    .venv/bin/python bench/run.py --skip-comparison --sizes 100000 --restart-only  # routes again
    .venv/bin/python bench/run.py --quick                      # short smoke run

Needs ``wrk`` (Debian: ``apt-get install wrk``); the SPARQL comparison needs
rdflib-endpoint in a virtual environment outside this repository
(``python3 -m venv /tmp/rdflib-endpoint-venv && /tmp/rdflib-endpoint-venv/bin/pip
install rdflib-endpoint uvicorn``; ``--rdflib-endpoint`` names another one).

Part 1, the comparison: the service under gunicorn and, with the same gunicorn
settings, ``bench/baseline.py`` serving the very same bytes, both driven by wrk on
loopback in alternating one-second samples; the table gives requests/s, p50 and p99
of the median sample of each and the ratio service/baseline. ``--backend sparql``
measures the store backend (Oxigraph and Redis started on loopback).

Part 2, at each of ``--sizes`` (``bench/routes.py``): the README's gunicorn command
on ``bench/generate.py`` data, a first build and a restart on unchanged data
(seconds to the first document), every route's first request and warm latency and
throughput, memory of the whole process tree (sums of RSS and of PSS), and the
uncached SPARQL throughput against rdflib-endpoint (up to ``--compare-max``
organisations: rdflib holds the whole graph in memory). Data and results live in
``--work`` (default /tmp/opendata-bench): ``data-N/`` is generated once (or named with
``--data N=DIR``, read only), ``results/N.json`` is written when a size is done and
reused by later runs (``--fresh`` measures again), so a run can be resumed size by
size and the tables printed again without measuring (``--report``). A route that
fails or times out is recorded in the table, not raised.

Why one-second samples and their median: on shared virtual machines throughput
drops for a second or two now and then, for the baseline as much as for the
service (the CPUs go idle, so it is not work of either); a median of many short
samples measures the servers, not those seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
THREADS = 8
# Headers the server sets itself; the baseline sends all the others, as the service does.
HOP_HEADERS = {"date", "server", "connection", "content-length", "transfer-encoding"}
ROTATE_LUA = """
paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
"""
# A different query text each time (a numbered comment): nothing can come from a cache.
FRESH_QUERY_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "%0A%23" .. counter)
end
"""


@dataclass
class Scenario:
    name: str
    path: str
    headers: dict[str, str]
    target: float | None  # the ratio service/baseline it should reach
    script: str | None = None  # a wrk Lua script; such scenarios have no baseline


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextmanager
def gunicorn(app: str, env: dict[str, str], workers: int, threads: int = THREADS):
    """A gunicorn server on a free loopback port; yields (url, pid, start-up seconds).

    Threaded workers, as the README recommends: a request that waits for a slow
    SPARQL query then holds a thread, not a whole worker.
    """
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [
            GUNICORN,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "300",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited with {process.returncode}")
            try:
                fetch(url + "/vocab/context.jsonld")  # cheap: start-up, not a page
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        yield url, process.pid, time.monotonic() - started
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Terminate, and kill what does not stop within the graceful period."""
    process.terminate()
    try:
        process.wait(timeout=35)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for path in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in path.read_text().split()]
            except OSError:  # the thread or process ended meanwhile
                continue
    return found


def resident_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (gunicorn master, workers,
    query processes)."""
    total_kb = 0
    for each in process_tree(pid):
        status = Path(f"/proc/{each}/status").read_text()
        total_kb += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total_kb / 1024


def wrk(
    url: str,
    headers: dict[str, str],
    seconds: int,
    connections: int,
    paths_file: Path | None = None,
    script: str | None = None,
    timeout: float = 2,
) -> Load:
    """wrk on url; a request not answered within timeout seconds counts as an error."""
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", f"{timeout:g}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = dict(os.environ)
    if paths_file:
        env["BENCH_PATHS"] = str(paths_file)
        script = ROTATE_LUA
    if script:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
            file.write(script)
        command += ["-s", file.name]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, env=env, check=True
    ).stdout
    if script:
        os.unlink(file.name)
    return parse_wrk(output)


def parse_wrk(output: str) -> Load:
    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    count = int(errors.group(1)) if errors else 0
    if socket_errors:
        count += sum(int(n) for n in socket_errors.groups())
    return Load(
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        latency("50"),
        latency("99"),
        count,
    )


def scenarios(url: str) -> list[Scenario]:
    doc = "/doc/organization/bildungsbuero"
    found = [
        Scenario("HTML page", f"{doc}.html", {"Accept": "text/html"}, 0.85),
        Scenario("JSON-LD (negotiated)", doc, {"Accept": "application/ld+json"}, 0.85),
        Scenario("Turtle", f"{doc}.ttl", {}, 0.85),
        Scenario("Turtle, gzip", f"{doc}.ttl", {"Accept-Encoding": "gzip"}, 0.85),
    ]
    etag = fetch(url + f"{doc}.ttl")[1]["ETag"]
    found.append(Scenario("304 revalidation", f"{doc}.ttl", {"If-None-Match": etag}, 0.9))
    if fetch(url + "/catalog")[0] == 200:
        found.append(Scenario("catalogue", "/catalog", {}, 0.85))
    query = "SELECT ?s ?name WHERE { ?s <https://schema.org/name> ?name } LIMIT 20"
    sparql = "/sparql?" + urllib.parse.urlencode({"query": query})
    results = {"Accept": "application/sparql-results+json"}
    if fetch(url + sparql, results)[0] == 200:
        found.append(Scenario("SPARQL SELECT, repeated", sparql, results, None))
        found.append(
            Scenario("SPARQL SELECT, new text each time", sparql, results, None, FRESH_QUERY_LUA)
        )
    return found


@contextmanager
def sparql_backend():
    """A private Oxigraph server and Redis on loopback; yields the OPENDATA_* settings."""
    store_port, redis_port = free_port(), free_port()
    oxigraph = str(Path(sys.executable).with_name("oxigraph"))
    processes = [
        subprocess.Popen(
            [oxigraph, "serve", "--bind", f"127.0.0.1:{store_port}", "--timeout-s", "10"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        ),
    ]
    base = f"http://127.0.0.1:{store_port}"
    try:
        for port in (store_port, redis_port):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.05)
        yield {
            "OPENDATA_STORE": "sparql",
            "OPENDATA_STORE_QUERY_URL": f"{base}/query",
            "OPENDATA_STORE_UPDATE_URL": f"{base}/update",
            "OPENDATA_STORE_GRAPH_URL": f"{base}/store",
            "OPENDATA_CACHE_TYPE": "RedisCache",
            "OPENDATA_CACHE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "OPENDATA_BASE_URI": "https://opendata.example.de",
        }
    finally:
        for process in processes:
            stop(process)


def publish(env: dict[str, str], data: Path) -> float:
    """On the store backend, publish a data directory; returns the seconds it took."""
    if env.get("OPENDATA_STORE") != "sparql":
        return 0.0
    started = time.monotonic()
    subprocess.run(
        [str(Path(sys.executable).with_name("opendata")), "publish", str(data)],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def compare_with_baseline(args, env: dict[str, str]) -> list[tuple[Scenario, Load, Load]]:
    """Both servers run side by side; runs alternate, so background load hits both alike."""
    rows = []
    publish(env, ROOT / "data")
    with tempfile.TemporaryDirectory() as tmp, gunicorn("wsgi:app", env, args.workers) as served:
        url = served[0]
        found = scenarios(url)
        write_baseline(url, found, Path(tmp))
        with gunicorn("bench.baseline:app", {"BASELINE_DIR": tmp}, args.workers) as baseline:
            for scenario in found:
                servers = [url] if scenario.script else [url, baseline[0]]
                runs: dict[str, list[Load]] = {server: [] for server in servers}
                for _ in range(args.seconds):  # alternating, so a slow second hits both
                    for server in servers:
                        runs[server].append(
                            wrk(
                                server + scenario.path,
                                scenario.headers,
                                1,
                                args.connections,
                                script=scenario.script,
                            )
                        )
                baseline_load = None if scenario.script else median(runs[baseline[0]])
                rows.append((scenario, median(runs[url]), baseline_load))
    return rows


def write_baseline(url: str, found: list[Scenario], directory: Path) -> None:
    """The service's response (body and headers) for each scenario, for the baseline."""
    index = {}
    for i, scenario in enumerate(found):
        if scenario.script:
            continue
        without_validator = {k: v for k, v in scenario.headers.items() if k != "If-None-Match"}
        _, headers, body = fetch(url + scenario.path, without_validator)
        (directory / f"{i}.body").write_bytes(body)
        index[scenario.path] = {
            "file": f"{i}.body",
            "etag": headers.get("ETag", ""),
            "headers": [(k, v) for k, v in headers.items() if k.lower() not in HOP_HEADERS],
        }
    (directory / "index.json").write_text(json.dumps(index))


def median(loads: list[Load]) -> Load:
    """The run with the median throughput."""
    return sorted(loads, key=lambda load: load.requests_per_second)[len(loads) // 2]


def quotient(a: float, b: float) -> float | None:
    """a / b; None when b is 0 (a sample in which nothing was answered)."""
    return a / b if b else None


def figure(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}"


def print_comparison(rows) -> bool:
    print("\n## Service vs bare-Flask baseline (same bytes, same gunicorn settings)\n")
    print(
        "| scenario | service req/s | p50 ms | p99 ms | baseline req/s | p50 ms | p99 ms "
        "| ratio | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    ok = True
    for scenario, service, baseline in rows:
        ratio = baseline and quotient(service.requests_per_second, baseline.requests_per_second)
        met = scenario.target is None or (ratio is not None and ratio >= scenario.target)
        ok = ok and met and service.errors == 0
        print(
            f"| {scenario.name} | {service.requests_per_second:,.0f} | {service.p50_ms:.2f} | "
            f"{service.p99_ms:.2f} | "
            + (
                f"{baseline.requests_per_second:,.0f} | {baseline.p50_ms:.2f} | "
                f"{baseline.p99_ms:.2f} | {figure(ratio)} | "
                if baseline
                else "– | – | – | – | "
            )
            + f"{f'≥ {scenario.target}' if scenario.target else '–'}"
            + f"{'' if met else ' MISSED'} |"
        )
    return ok


def machine() -> str:
    """nproc, RAM, CPU model and load: the line docs/performance.md quotes."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M)
    return (
        f"{os.cpu_count()} CPUs ({model.group(1) if model else 'unknown'}),"
        f" {int(memory.group(1)) / 1024**2:.1f} GiB RAM, load {load()},"
        f" Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def load() -> str:
    """The load averages over 1, 5 and 15 minutes: how busy the machine was."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def sizes(args) -> None:
    """Part 2: each size measured (or its saved result reused), then every table."""
    from bench import routes

    results_dir = args.work / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    options = routes.Options(
        workers=args.workers,
        requests=args.requests,
        route_seconds=args.route_seconds,
        wrk_seconds=args.route_wrk_seconds,
        connections=args.connections,
        timeout=args.timeout,
        start_timeout=args.start_timeout,
        gunicorn_args=args.gunicorn_args.split(),
    )
    results = []
    for count in args.sizes:
        saved = results_dir / f"{count}.json"
        partial = results_dir / f"{count}.partial.json"
        earlier = None
        if args.restart_only:
            earlier = _earlier(args.work, count, saved, partial)
            if earlier is None:
                print(f"no state of {count:,} organisations to restart on", file=sys.stderr)
                continue
        elif saved.exists() and not args.fresh:
            results.append(json.loads(saved.read_text()))
            continue
        if args.report:
            if partial.exists():  # an interrupted run: how far it came
                results.append(json.loads(partial.read_text()))
            continue
        data = args.data.get(count) or sparql_bench().data_dir(args.work, count)
        print(f"# measuring {count:,} organisations ({data}) …", file=sys.stderr, flush=True)
        at_start = machine()

        def save(result: dict, partial: Path = partial, at_start: str = at_start) -> None:
            partial.write_text(json.dumps({**result, "machine": at_start}, indent=1))

        compare = comparison(args, count)
        result = routes.measure(count, data, args.work, options, compare, save, earlier)
        result["machine"] = f"{at_start}; load at the end {load()}"
        saved.write_text(json.dumps(result, indent=1))
        partial.unlink(missing_ok=True)
        results.append(result)
    print(report(results, args.start_timeout))
    (args.work / "results.md").write_text(report(results, args.start_timeout))


def _earlier(work: Path, count: int, saved: Path, partial: Path) -> dict | None:
    """The result of the run that built ``state-N`` (empty if none was saved), or None
    when there is no such state."""
    if not (work / f"state-{count}").is_dir():
        return None
    for path in (saved, partial):
        if path.exists():
            return json.loads(path.read_text())
    return {}


def sparql_bench():
    from bench import sparql

    return sparql


def comparison(args, count: int):
    """What measures SPARQL against rdflib-endpoint at this size, or None."""
    if count > args.compare_max:
        return None
    venv = args.rdflib_endpoint

    def compare(url: str, size: int):
        from bench.routes import PUBLIC_BASE

        if not (venv / "bin" / "rdflib-endpoint").exists():
            return f"not run: no rdflib-endpoint in {venv}"
        try:
            return sparql_bench().side_by_side(
                url, size, venv, args.samples, args.work, PUBLIC_BASE
            )
        except (OSError, RuntimeError, AssertionError, KeyError, ValueError) as error:
            return f"failed: {type(error).__name__}: {error}"

    return compare


def report(results: list[dict], start_timeout: float) -> str:
    from bench import routes

    lines = ["### Start-up and memory\n", *routes.summary_table(results, start_timeout)]
    growth = routes.growth_lines(results)
    if growth:
        lines += ["", *growth]
    for result in results:
        lines += ["", f"### {result['organisations']:,} organisations\n"]
        lines.append(f"Measured on {result.get('machine', 'an unrecorded machine')}.\n")
        if "failure" in result:
            lines.append(f"Not measured further: {result['failure']}.")
        if "incomplete" in result:
            lines.append(f"Interrupted during: {result['incomplete']}.")
        lines += routes.route_table(result)
        sparql = routes.sparql_table(result)
        if sparql:
            lines += ["", *sparql]
    return "\n".join(lines) + "\n"


def data_option(text: str) -> tuple[int, Path]:
    count, _, directory = text.partition("=")
    return int(count), Path(directory)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=15, help="one-second samples per comparison figure"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(n) for n in s.split(",") if n],
        default=[10, 10000],
        help="organisations, comma-separated (default 10,10000; add 100000 when its data is there)",
    )
    parser.add_argument("--quick", action="store_true", help="3 samples, sizes 10 and 100")
    parser.add_argument("--skip-sizes", action="store_true", help="only the comparison")
    parser.add_argument("--skip-comparison", action="store_true", help="only the sizes")
    parser.add_argument(
        "--backend",
        choices=["memory", "sparql"],
        default="memory",
        help="comparison: sparql starts Oxigraph and Redis and publishes into the store",
    )
    sizes_options = parser.add_argument_group("sizes")
    sizes_options.add_argument("--work", type=Path, default=Path("/tmp/opendata-bench"))
    sizes_options.add_argument(
        "--data",
        type=data_option,
        action="append",
        default=[],
        metavar="N=DIR",
        help="data of N organisations already generated in DIR (only read)",
    )
    sizes_options.add_argument("--fresh", action="store_true", help="measure saved sizes again")
    sizes_options.add_argument("--report", action="store_true", help="print saved results only")
    sizes_options.add_argument(
        "--restart-only",
        action="store_true",
        help="measure again from the restart on, on the state an earlier run built",
    )
    sizes_options.add_argument("--requests", type=int, default=200, help="warm, per route")
    sizes_options.add_argument("--route-seconds", type=float, default=10, help="warm, per route")
    sizes_options.add_argument(
        "--route-wrk-seconds", type=int, default=3, help="wrk per route; 0: none"
    )
    sizes_options.add_argument("--timeout", type=float, default=60, help="of one request, s")
    sizes_options.add_argument(
        "--start-timeout", type=float, default=1800, help="to the first document, s"
    )
    sizes_options.add_argument(
        "--gunicorn-args", default="", help="added to the README's gunicorn command"
    )
    sizes_options.add_argument(
        "--rdflib-endpoint", type=Path, default=Path("/tmp/rdflib-endpoint-venv")
    )
    sizes_options.add_argument(
        "--compare-max", type=int, default=10000, help="largest size compared with rdflib"
    )
    sizes_options.add_argument(
        "--samples", type=int, default=9, help="SPARQL comparison: samples per server"
    )
    args = parser.parse_args()
    args.data = dict(args.data)
    if args.quick:
        args.seconds, args.sizes, args.samples = 3, [10, 100], 3
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    env = {key: value for key, value in os.environ.items() if key.startswith("OPENDATA_")}
    print(f"# opendata benchmark on {machine()}", flush=True)
    backend = sparql_backend if args.backend == "sparql" else lambda: nullcontext({})
    ok = True
    if not args.skip_comparison:
        print(
            f"\n# comparison: {args.backend} backend, {args.workers} gunicorn workers ×"
            f" {THREADS} threads, {args.connections} connections, median of {args.seconds}"
            " one-second samples per figure",
            flush=True,
        )
        with backend() as settings:
            ok = print_comparison(compare_with_baseline(args, {**env, **settings}))
    if not args.skip_sizes and args.sizes:
        sizes(args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
