"""Benchmark: the service against a bare-Flask baseline, and growth with the data.

    .venv/bin/python bench/run.py                 # full run (a few minutes)
    .venv/bin/python bench/run.py --quick         # short smoke run

Needs ``wrk`` (Debian: ``apt-get install wrk``). Part 1 starts the service under
gunicorn and, with the same gunicorn settings, ``bench/baseline.py`` serving the very
same bytes; both are driven by wrk on loopback, one after the other, and the table
gives requests/s, p50 and p99 for each and the ratio service/baseline. Part 2 writes
N synthetic organisations (``bench/generate.py``) and measures start-up time,
resident memory and requests/s at each N. Set ``OPENDATA_*`` variables to benchmark
another configuration (e.g. a Redis cache or a SPARQL store backend).
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


@dataclass
class Scenario:
    name: str
    path: str
    headers: dict[str, str]
    target: float | None  # the ratio service/baseline it should reach


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
) -> Load:
    command = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = dict(os.environ)
    if paths_file:
        script = paths_file.with_suffix(".lua")
        script.write_text(ROTATE_LUA)
        command += ["-s", str(script)]
        env["BENCH_PATHS"] = str(paths_file)
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, env=env, check=True
    ).stdout
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
    if fetch(url + sparql, {"Accept": "application/sparql-results+json"})[0] == 200:
        found.append(
            Scenario("SPARQL SELECT", sparql, {"Accept": "application/sparql-results+json"}, None)
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
                runs = {url: [], baseline[0]: []}
                for _ in range(args.rounds):
                    for server, loads in runs.items():
                        loads.append(
                            wrk(
                                server + scenario.path,
                                scenario.headers,
                                args.seconds,
                                args.connections,
                            )
                        )
                rows.append((scenario, median(runs[url]), median(runs[baseline[0]])))
    return rows


def write_baseline(url: str, found: list[Scenario], directory: Path) -> None:
    """The service's response (body and headers) for each scenario, for the baseline."""
    index = {}
    for i, scenario in enumerate(found):
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


def warm(url: str, paths_file: Path, args) -> None:
    """Until every sampled page is rendered in every worker: throughput stops rising."""
    previous = 0.0
    for _ in range(8):
        load = wrk(url, {}, max(2, args.seconds // 2), args.connections, paths_file)
        if load.requests_per_second < previous * 1.1:
            break
        previous = load.requests_per_second
    wrk(url + "/catalog", {}, 5, args.connections)


def growth(args, env: dict[str, str]) -> list[dict]:
    rows = []
    for count in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data = generate(count, Path(tmp) / "data")
            paths = [
                f"/doc/organization/buero-n{i}.html" for i in range(0, count, max(1, count // 500))
            ]
            paths_file = Path(tmp) / "paths.txt"
            paths_file.write_text("\n".join(paths) + "\n")
            run_env = {**env, "OPENDATA_DATA_DIR": str(data)}
            published = publish(run_env, data)
            with gunicorn("wsgi:app", run_env, args.workers) as (url, pid, startup):
                warm(url, paths_file, args)
                # the median of several runs: this kind of machine has sudden slow seconds
                documents = median(
                    [
                        wrk(url, {}, args.seconds, args.connections, paths_file)
                        for _ in range(args.rounds)
                    ]
                )
                catalogue = None
                if fetch(url + "/catalog")[0] == 200:
                    catalogue = median(
                        [
                            wrk(url + "/catalog", {}, args.seconds, args.connections)
                            for _ in range(args.rounds)
                        ]
                    )
                rows.append(
                    {
                        "n": count,
                        "publish_s": published,
                        "startup_s": startup,
                        "rss_mb": resident_mb(pid),
                        "documents": documents,
                        "catalogue": catalogue,
                    }
                )
    return rows


def print_comparison(rows) -> bool:
    print("\n## Service vs bare-Flask baseline (same bytes, same gunicorn settings)\n")
    print(
        "| scenario | service req/s | p50 ms | p99 ms | baseline req/s | p50 ms | p99 ms "
        "| ratio | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    ok = True
    for scenario, service, baseline in rows:
        ratio = service.requests_per_second / baseline.requests_per_second
        target = f"≥ {scenario.target}" if scenario.target else "–"
        met = scenario.target is None or ratio >= scenario.target
        ok = ok and met and service.errors == 0
        print(
            f"| {scenario.name} | {service.requests_per_second:,.0f} | {service.p50_ms:.2f} | "
            f"{service.p99_ms:.2f} | {baseline.requests_per_second:,.0f} | "
            f"{baseline.p50_ms:.2f} | {baseline.p99_ms:.2f} | {ratio:.2f} | "
            f"{target}{'' if met else ' MISSED'} |"
        )
    return ok


def print_growth(rows) -> None:
    print("\n## Growth with the number of organisations\n")
    print(
        "| organisations | publish s | start-up s | RSS MB | documents req/s | p99 ms"
        " | catalogue req/s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        catalogue = row["catalogue"]
        print(
            f"| {row['n']:,} | {row['publish_s']:.1f} | {row['startup_s']:.1f} |"
            f" {row['rss_mb']:.0f} | "
            f"{row['documents'].requests_per_second:,.0f} | {row['documents'].p99_ms:.2f} | "
            f"{f'{catalogue.requests_per_second:,.0f}' if catalogue else '–'} |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        ratio = last["documents"].requests_per_second / first["documents"].requests_per_second
        print(f"\ndocuments req/s at {last['n']:,} / at {first['n']:,}: {ratio:.2f} (target ≥ 0.9)")
        if first["catalogue"] and last["catalogue"]:
            c = last["catalogue"].requests_per_second / first["catalogue"].requests_per_second
            print(f"catalogue req/s at {last['n']:,} / at {first['n']:,}: {c:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both apps)")
    parser.add_argument(
        "--sizes", type=lambda s: [int(n) for n in s.split(",")], default=[10, 1000, 10000]
    )
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs per scenario")
    parser.add_argument("--quick", action="store_true", help="2 s runs, sizes 10 and 100")
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
        args.seconds, args.sizes, args.rounds = 2, [10, 100], 1
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    env = {key: value for key, value in os.environ.items() if key.startswith("OPENDATA_")}
    print(
        f"# opendata benchmark: {args.backend} backend, {os.cpu_count()} CPUs, {args.workers}"
        f" gunicorn workers × {THREADS} threads, {args.connections} connections,"
        f" {args.seconds} s per run",
        flush=True,
    )
    with sparql_backend() if args.backend == "sparql" else nullcontext({}) as backend:
        env.update(backend)
        ok = args.skip_comparison or print_comparison(compare_with_baseline(args, env))
        if not args.skip_growth:
            print_growth(growth(args, env))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
