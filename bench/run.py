"""Benchmark: the service against a bare-Flask baseline, and growth with the data.

    .venv/bin/python bench/run.py                 # full run (a few minutes)
    .venv/bin/python bench/run.py --quick         # short smoke run

Needs ``wrk`` (Debian: ``apt-get install wrk``). Part 1 starts the service under
gunicorn and, with the same gunicorn settings, ``bench/baseline.py`` serving the very
same bytes; both are driven by wrk on loopback in alternating one-second samples, and
the table gives requests/s, p50 and p99 of the median sample of each and the ratio
service/baseline. Part 2 writes N synthetic organisations (``bench/generate.py``)
and measures start-up time, resident memory, the first rendering of a page and
requests/s at each N. Set ``OPENDATA_*`` variables to benchmark another
configuration (e.g. a Redis cache or a SPARQL store backend).

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
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import generate  # noqa: E402

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
COLD_PAGES = 10  # first renderings timed at each size
SETTLE_SAMPLES = 3  # untimed one-second samples per server before each growth measurement


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


def resident_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (gunicorn master, workers,
    query processes)."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        for path in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(child) for child in path.read_text().split()]
    total_kb = 0
    for each in pids:
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
) -> Load:
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
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


def warm(url: str, rotation: Path, args) -> None:
    """Until every page of the rotation is rendered in every worker: throughput stops rising."""
    previous = 0.0
    for _ in range(8):
        load = wrk(url, {}, 2, args.connections, rotation)
        if load.requests_per_second < previous * 1.1:
            break
        previous = load.requests_per_second
    wrk(url + "/catalog", {}, 2, args.connections)


def first_renderings(url: str, paths: list[str]) -> float:
    """Median milliseconds of a page's first request: built, rendered and sent."""
    times = []
    for path in paths:
        started = time.monotonic()
        status = fetch(url + path)[0]
        times.append((time.monotonic() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{path}: {status}")
    return sorted(times)[len(times) // 2]


def growth(args, env: dict[str, str], backend) -> list[dict]:
    """Each size serves the same workload, so only the size of the data differs.

    All sizes are served at once and sampled in turn, one second each, so the
    machine's slow seconds fall on every size alike. Documents: as many pages as the
    smallest size has, spread over the data. Catalogue: pages of that many datasets,
    so a page holds as much at every size. "500 pages" shows what a larger working
    set costs; it is not compared across sizes.
    """
    smallest = min(args.sizes)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        served = []
        for count in args.sizes:
            directory = Path(tmp) / str(count)
            data = generate(count, directory / "data")
            run_env = {
                **env,
                **stack.enter_context(backend()),  # a store of its own per size
                "OPENDATA_DATA_DIR": str(data),
                "OPENDATA_CATALOG_PAGE_SIZE": str(smallest),
            }
            row = {"n": count, "publish_s": publish(run_env, data)}
            url, pid, row["startup_s"] = stack.enter_context(
                gunicorn("wsgi:app", run_env, args.workers)
            )
            cold = [p.replace(".html", ".ttl") for p in spread(count, COLD_PAGES)]
            row["first_ms"] = first_renderings(url, cold)  # before anything is rendered
            rotations = {
                "documents": paths_file(directory / "same.txt", spread(count, smallest)),
                "catalogue": None,
                "many": paths_file(directory / "many.txt", spread(count, 500))
                if count >= 500
                else None,
            }
            for rotation in rotations.values():
                if rotation:
                    warm(url, rotation, args)
            served.append((row, url, pid, rotations))
        for name in ("documents", "catalogue", "many"):
            runs = {
                row["n"]: (row, url + ("/catalog" if name == "catalogue" else ""), rotations[name])
                for row, url, _, rotations in served
                if name == "catalogue" or rotations[name]
            }
            loads: dict[int, list[Load]] = {n: [] for n in runs}
            # untimed rounds first: the servers settle after the warm-up's renderings
            for _ in range(SETTLE_SAMPLES + args.seconds):
                for n, (_, url, rotation) in runs.items():
                    loads[n].append(wrk(url, {}, 1, args.connections, rotation))
            for n, (row, _, _) in runs.items():
                row[name] = median(loads[n][SETTLE_SAMPLES:])
        for row, _, pid, _ in served:
            row["rss_mb"] = resident_mb(pid)
        return [row for row, *_ in served]


def spread(count: int, pages: int) -> list[str]:
    """Paths of `pages` organisation pages spread evenly over `count` organisations."""
    step = max(1, count // pages)
    return [f"/doc/organization/buero-n{i}.html" for i in range(0, count, step)][:pages]


def paths_file(path: Path, paths: list[str]) -> Path:
    path.write_text("\n".join(paths) + "\n")
    return path


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


GROWTH_TARGET = 0.9  # requests/s at the largest size against the smallest


def print_growth(rows) -> bool:
    print("\n## Growth with the number of organisations\n")
    print(
        "| organisations | publish s | start-up s | RSS MB | first rendering ms"
        " | documents req/s | p99 ms | catalogue req/s | 500 pages req/s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        many = row.get("many")
        print(
            f"| {row['n']:,} | {row['publish_s']:.1f} | {row['startup_s']:.1f} |"
            f" {row['rss_mb']:.0f} | {row['first_ms']:.1f} | "
            f"{row['documents'].requests_per_second:,.0f} | {row['documents'].p99_ms:.2f} | "
            f"{row['catalogue'].requests_per_second:,.0f} | "
            f"{f'{many.requests_per_second:,.0f}' if many else '–'} |"
        )
    ok = True
    first, last = rows[0], rows[-1]
    for name in ("documents", "catalogue"):
        if len(rows) > 1:
            ratio = quotient(last[name].requests_per_second, first[name].requests_per_second)
            met = ratio is not None and ratio >= GROWTH_TARGET
            ok = ok and met
            print(
                f"\n{name} req/s at {last['n']:,} / at {first['n']:,}: {figure(ratio)}"
                f" (target ≥ {GROWTH_TARGET}){'' if met else ' MISSED'}",
                end="",
            )
    print()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=int, default=15, help="one-second samples per measurement"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both apps)")
    parser.add_argument(
        "--sizes", type=lambda s: [int(n) for n in s.split(",")], default=[10, 1000, 10000]
    )
    parser.add_argument("--quick", action="store_true", help="3 samples, sizes 10 and 100")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--skip-comparison", action="store_true")
    parser.add_argument(
        "--backend",
        choices=["memory", "sparql"],
        default="memory",
        help="sparql: start Oxigraph and Redis and publish into the store",
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.sizes = 3, [10, 100]
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    env = {key: value for key, value in os.environ.items() if key.startswith("OPENDATA_")}
    print(
        f"# opendata benchmark: {args.backend} backend, {os.cpu_count()} CPUs, {args.workers}"
        f" gunicorn workers × {THREADS} threads, {args.connections} connections,"
        f" median of {args.seconds} one-second samples per figure",
        flush=True,
    )
    backend = sparql_backend if args.backend == "sparql" else lambda: nullcontext({})
    ok = True
    if not args.skip_comparison:
        with backend() as settings:
            ok = print_comparison(compare_with_baseline(args, {**env, **settings}))
    if not args.skip_growth:
        ok = print_growth(growth(args, env, backend)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
