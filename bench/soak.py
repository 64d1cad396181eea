"""Soak test: the running service under mixed, concurrent load for a bounded time.

    .venv/bin/python bench/soak.py                 # about 2 minutes
    .venv/bin/python bench/soak.py --seconds 20    # a short run

Starts the service under gunicorn on loopback and drives it with concurrent clients:
documents in every format, 304 revalidations, the catalogue, SPARQL queries and
404s, mixed. Then a burst of slow SPARQL queries (each runs into the time limit)
while the same clients keep fetching pages. It reports the error count (target 0),
p99 latency, resident memory of all the service's processes at start and end
(target: growth under 10 %), and the p99 of page requests during the burst against
its quiet value (target: within 3x). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import gunicorn, resident_mb  # noqa: E402

DOCUMENTS = [
    "/doc/organization/bildungsbuero",
    "/doc/programme/qualitaet-vor-ort",
    "/doc/programme/bildungskoordination-fuer-neuzugewanderte",
    "/doc/person/kathrin-hinze",
    "/doc/place/dessau-rosslau",
    "/doc/concept/bildungsberatung",
]
FORMATS = ["html", "ttl", "jsonld", "rdf", "nt"]
QUICK_QUERY = "SELECT ?s ?name WHERE { ?s <https://schema.org/name> ?name } LIMIT 20"
SLOW_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
)


@dataclass
class Tally:
    """Latencies per kind of request, and everything that went wrong."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, problem: str | None = None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if problem:
                self.errors.append(f"{kind}: {problem}")


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[98]


class Client:
    """One keep-alive connection, like a crawler or a browser."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.etags: dict[tuple[str, str], str] = {}  # (path, Accept-Encoding) → ETag

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict]:
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            raise

    def one_request(self, tally: Tally, rng: random.Random) -> None:
        kind, path, headers, expected = self.pick(rng)
        started = time.monotonic()
        try:
            status, _, response_headers = self.get(path, headers)
        except (OSError, http.client.HTTPException) as error:
            tally.record(kind, time.monotonic() - started, f"{path}: {error!r}")
            return
        seconds = time.monotonic() - started
        if "ETag" in response_headers:
            self.etags[path, headers.get("Accept-Encoding", "")] = response_headers["ETag"]
        problem = None if status in expected else f"{path}: status {status}"
        tally.record(kind, seconds, problem)

    def pick(self, rng: random.Random):
        roll = rng.random()
        document = f"{rng.choice(DOCUMENTS)}.{rng.choice(FORMATS)}"
        encoding = rng.choice(["gzip", "identity"])
        if roll < 0.45:
            return "page", document, {"Accept-Encoding": encoding}, {200}
        if roll < 0.65 and (document, encoding) in self.etags:
            etag = self.etags[document, encoding]
            return "304", document, {"Accept-Encoding": encoding, "If-None-Match": etag}, {304}
        if roll < 0.75:
            return "catalogue", "/catalog", {}, {200}
        if roll < 0.85:
            query = "/sparql?" + urllib.parse.urlencode({"query": QUICK_QUERY})
            headers = {"Accept": "application/sparql-results+json"}
            return "sparql", query, headers, {200, 503}  # 503: every query process busy
        if roll < 0.95:
            return "404", f"/doc/person/nobody-{rng.randrange(10**6)}", {}, {404}
        return "page", "/doc/organization/bildungsbuero", {"Accept": "text/html"}, {200}


def drive(port: int, clients: int, seconds: float, tally: Tally, seed: int) -> None:
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client("127.0.0.1", port)
        while time.monotonic() < stop:
            client.one_request(tally, rng)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def slow_queries(port: int, seconds: float, parallel: int, tally: Tally) -> None:
    """Clients that send slow queries back to back: each runs into the time limit."""
    stop = time.monotonic() + seconds
    path = "/sparql?" + urllib.parse.urlencode({"query": SLOW_QUERY})

    def loop() -> None:
        client = Client("127.0.0.1", port)
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status, _, _ = client.get(path, {"Accept": "application/sparql-results+json"})
            except (OSError, http.client.HTTPException) as error:
                tally.record("slow sparql", time.monotonic() - started, repr(error))
                continue
            problem = None if status == 503 else f"slow query answered {status}"
            tally.record("slow sparql", time.monotonic() - started, problem)

    threads = [threading.Thread(target=loop) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=120, help="total, both phases")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--slow", type=int, default=4, help="parallel slow-query clients")
    args = parser.parse_args()
    env = {"OPENDATA_SPARQL_TIMEOUT": "3", "OPENDATA_RELOAD_INTERVAL": "0"}
    quiet_seconds = args.seconds * 0.6
    burst_seconds = args.seconds - quiet_seconds
    with gunicorn("wsgi:app", env, args.workers) as (url, pid, _):
        port = int(url.rsplit(":", 1)[1])
        drive(port, args.clients, 5, Tally(), seed=0)  # warm up: render everything once
        memory_start = resident_mb(pid)
        quiet = Tally()
        drive(port, args.clients, quiet_seconds, quiet, seed=1)
        burst = Tally()
        slow = threading.Thread(target=slow_queries, args=(port, burst_seconds, args.slow, burst))
        slow.start()
        drive(port, args.clients, burst_seconds, burst, seed=2)
        slow.join()
        memory_end = resident_mb(pid)
    return report(quiet, burst, memory_start, memory_end, args)


def report(quiet: Tally, burst: Tally, memory_start: float, memory_end: float, args) -> int:
    print(
        f"# soak: {args.seconds} s, {args.clients} clients, {args.workers} gunicorn workers,"
        f" {args.slow} slow-query clients in the burst\n"
    )
    print("| phase | kind | requests | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|")
    for name, tally in (("quiet", quiet), ("burst", burst)):
        for kind, values in sorted(tally.latencies.items()):
            print(
                f"| {name} | {kind} | {len(values):,} | {statistics.median(values) * 1000:.1f} |"
                f" {p99(values) * 1000:.1f} |"
            )
    errors = quiet.errors + burst.errors
    growth = (memory_end - memory_start) / memory_start
    ratio = p99(burst.latencies["page"]) / p99(quiet.latencies["page"])
    all_requests = sum(len(v) for t in (quiet, burst) for v in t.latencies.values())
    print(f"\nrequests: {all_requests:,}; errors: {len(errors)} (target 0)")
    for error in errors[:10]:
        print(f"  {error}")
    print(
        f"resident memory: {memory_start:.0f} MB at start, {memory_end:.0f} MB at end"
        f" ({growth:+.1%}; target < +10%)"
    )
    print(f"page p99 during the slow-query burst / quiet: {ratio:.2f} (target ≤ 3)")
    return 0 if not errors and growth < 0.10 and ratio <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
