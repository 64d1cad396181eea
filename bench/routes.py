"""Every route at one data size: start-up, first and warm requests, memory, SPARQL.

Used by ``bench/run.py --sizes``. For one size it runs the service as the README
runs it (``gunicorn --workers 2 --threads 8 … wsgi:app``, each worker loading the
data itself) with a state directory of its own, and records:

- the first build: seconds from starting gunicorn to the first ``200`` of a
  document, then until the dumps (whole and an organisation's), search and SPARQL
  answer (what is built once per version), and the peak memory of the process tree
  meanwhile;
- a restart on the unchanged data and state: seconds to the first ``200`` of a
  document;
- every route's first request after that restart (cold), then its warm latency
  (p50/p99 of sequential requests on one keep-alive connection, for at most
  ``requests`` requests or ``route_seconds`` seconds) and its throughput (wrk);
- memory of the whole process tree (master, workers, query processes): the sum of
  RSS and the sum of PSS (``/proc/<pid>/smaps_rollup``: a page shared after fork
  counts once, split between its sharers), after start and after the load;
- optionally the uncached SPARQL throughput against rdflib-endpoint (``bench/sparql.py``).

A route that fails or times out is recorded as such; nothing here raises for a slow
or broken route. The result is a dictionary, saved as JSON by ``bench/run.py``.
"""

from __future__ import annotations

import http.client
import itertools
import math
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.run import FRESH_QUERY_LUA, GUNICORN, ROOT, free_port, process_tree, stop, wrk
from bench.sparql import ratio as sparql_ratio

SCHEMA = "https://schema.org/"
# The day from which ?modified_since= selects: about a twelfth of the generated data.
SINCE = "2026-12-01"
SEARCH_WORDS = "bildung"
# The public base, set as a deployment sets it (docs/deploy.md): documents and dumps
# are written for it once, and sent as they are. Without one, every download of a dump
# is moved to the request's base and compressed again while it streams.
PUBLIC_BASE = "https://opendata.example.de"


@dataclass
class Route:
    name: str
    path: str
    headers: dict[str, str]
    fresh_text: bool = False  # SPARQL: a new query text on every request (never cached)
    throughput: bool = True  # measured with wrk too (not the whole dump: it is too big)


@dataclass
class Options:
    workers: int
    requests: int  # warm requests per route, at most
    route_seconds: float  # warm seconds per route, at most
    wrk_seconds: int  # wrk per route; 0: none
    connections: int
    timeout: float  # of one request
    start_timeout: float  # to the first document, and to the artefacts of a first build
    gunicorn_args: list[str]


def organisation(count: int, index: int) -> str:
    """The slug of an organisation spread over the data (bench/generate.py's names)."""
    return f"buero-n{(index * 7919) % count}"


def routes(url: str, count: int) -> list[Route]:
    """Every route of the benchmark; each document route has an organisation of its own,
    so that its first request builds that organisation's graph."""
    doc = [f"/doc/organization/{organisation(count, i)}" for i in range(8)]
    ident = f"<{PUBLIC_BASE}/id/organization/{organisation(count, 8)}>"
    query = f"SELECT ?name WHERE {{ {ident} <{SCHEMA}name> ?name }}"
    sparql = "/sparql?" + urllib.parse.urlencode({"query": query})
    solutions = {"Accept": "application/sparql-results+json"}
    html = {"Accept": "text/html"}
    return [
        Route("home", "/", html),
        Route("document, JSON-LD", f"{doc[0]}.jsonld", {}),
        Route("document, Turtle", f"{doc[1]}.ttl", {}),
        Route("document, RDF/XML", f"{doc[2]}.rdf", {}),
        Route("document, N-Triples", f"{doc[3]}.nt", {}),
        Route("document, HTML de", f"{doc[4]}.html?lang=de", {}),
        Route("document, HTML en", f"{doc[5]}.html?lang=en", {}),
        Route("document, negotiated (Accept)", doc[6], {"Accept": "application/ld+json"}),
        Route("vCard", f"{doc[7]}.vcf", {}),
        Route("catalogue, first page", "/catalog", {}),
        Route("catalogue, last page", "/catalog?page={last}", {}),
        Route("catalogue, ?modified_since", f"/catalog?modified_since={SINCE}", {}),
        Route("VoID", "/.well-known/void", {}),
        Route("sitemap", "/sitemap.xml", {}),
        Route("sitemap, a part", "/sitemaps/1.xml", {}),
        Route("feed", "/feed.atom", {}),
        Route("dump, whole (all.nt.gz)", "/dumps/all.nt.gz", {}, throughput=False),
        Route(
            "dump, one organisation",
            f"/dumps/organization/{organisation(count, 9)}.ttl",
            {},
        ),
        Route("404", "/doc/organization/no-such-office", {}),
        Route("SPARQL small SELECT, repeated", sparql, solutions),
        Route("SPARQL small SELECT, new text each time", sparql, solutions, fresh_text=True),
        Route("search", f"/search?q={SEARCH_WORDS}", html),
    ]


# ---- HTTP ------------------------------------------------------------------------


class Client:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self, url: str, timeout: float):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port, self.timeout = parsed.hostname, parsed.port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, int, float]:
        """(status, body bytes, seconds); raises OSError or http.client errors."""
        reused = self.connection is not None
        try:
            return self._get(path, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # the server closed the idle keep-alive connection: once more on a new one
            if not reused:
                raise
            return self._get(path, headers)

    def _get(self, path: str, headers: dict[str, str]) -> tuple[int, int, float]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, self.timeout)
        started = time.monotonic()
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            size = 0
            while chunk := response.read(1 << 20):
                size += len(chunk)
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        return response.status, size, time.monotonic() - started

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def attempt(client: Client, path: str, headers: dict[str, str]) -> dict:
    """One request as a record: status, bytes, ms; or the failure."""
    try:
        status, size, seconds = client.get(path, headers)
    except TimeoutError:
        return {"failure": f"timeout > {client.timeout:g} s"}
    except (OSError, http.client.HTTPException) as error:
        return {"failure": f"error: {type(error).__name__}"}
    return {"status": status, "bytes": size, "ms": seconds * 1000}


# ---- processes and memory ----------------------------------------------------------


def memory(pid: int) -> dict:
    """Sum of RSS and of PSS over the process tree, in MB, and the number of processes."""
    rss = pss = processes = 0
    for each in process_tree(pid):
        try:
            rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M))
        rss += int(fields.get("Rss", 0))
        pss += int(fields.get("Pss", 0))
        processes += 1
    return {"rss_mb": rss / 1024, "pss_mb": pss / 1024, "processes": processes}


class PeakMemory:
    """The largest memory() of a process tree, sampled every second in a thread."""

    def __init__(self, pid: int):
        self.pid, self.peak = pid, {"rss_mb": 0.0, "pss_mb": 0.0, "processes": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            now = memory(self.pid)
            if now["pss_mb"] > self.peak["pss_mb"]:
                self.peak = now

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        return self.peak


@contextmanager
def service(data: Path, state: Path, options: Options, log: Path) -> Iterator[tuple]:
    """The README's gunicorn command on a free port; yields (url, process, started).

    ``--no-control-socket``: the control socket's one path is shared by every gunicorn
    of the user on the machine. Its log goes to ``log``.
    """
    port = free_port()
    command = [GUNICORN, "--workers", str(options.workers), "--threads", "8"]
    command += ["--bind", f"127.0.0.1:{port}", "--no-control-socket", *options.gunicorn_args]
    env = {**os.environ, "OPENDATA_DATA_DIR": str(data), "OPENDATA_STATE_DIR": str(state)}
    env["OPENDATA_BASE_URI"] = PUBLIC_BASE
    with log.open("a") as output:
        started = time.monotonic()
        process = subprocess.Popen(
            [*command, "wsgi:app"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        yield f"http://127.0.0.1:{port}", process, started
    finally:
        stop(process)


def until_200(
    url: str, path: str, process, started: float, options: Options, log: Path
) -> float | str:
    """Seconds from started to the first 200 for path, or why there was none: the time
    limit passed, gunicorn exited, or it killed workers that were still loading (its
    ``--timeout``: they would only be started again, to load again)."""
    client = Client(url, options.timeout)
    seen = log.stat().st_size
    try:
        while time.monotonic() - started < options.start_timeout:
            if process.poll() is not None:
                return f"gunicorn exited with {process.returncode} (its log: {log})"
            if "WORKER TIMEOUT" in log.read_text(errors="replace")[seen:]:
                return "gunicorn killed the workers while they loaded (WORKER TIMEOUT)"
            result = attempt(client, path, {})
            if result.get("status") == 200:
                return time.monotonic() - started
            time.sleep(0.1)
        return f"no document within {options.start_timeout:g} s"
    finally:
        client.close()


# ---- one size ------------------------------------------------------------------------


# What a first build measures: kept by a run on the state it left (``earlier``).
FIRST_BUILD = ("first_build_s", "artefacts_s", "first_build_peak")


def measure(
    count: int, data: Path, work: Path, options: Options, compare, save, earlier: dict | None
) -> dict:
    """Every figure of one size. ``compare(url, count)`` runs the SPARQL comparison (or
    is None); ``save(result)`` keeps what is measured so far, after each phase, so that
    an interrupted run still shows how far it came. With ``earlier`` (the result of the
    run that built the state), the state is kept and the first build not measured."""
    state = work / f"state-{count}"
    document = f"/doc/organization/{organisation(count, 10)}.ttl"
    log = work / f"gunicorn-{count}.log"
    if earlier is None:
        result = first_build(count, data, state, document, options, log, save)
    else:
        kept = {key: earlier[key] for key in FIRST_BUILD if key in earlier}
        result = {"organisations": count, "data": str(data), **kept}
    if "failure" in result:
        return result
    result["incomplete"] = "restart"
    save(result)
    with service(data, state, options, log) as (url, process, started):
        restart = until_200(url, document, process, started, options, log)
        if isinstance(restart, str):
            result["failure"] = f"restart: {restart}"
            return finished(result)
        result["restart_s"] = restart
        result["memory_start"] = memory(process.pid)
        result["incomplete"] = "first requests"
        save(result)
        found = routes(url, count)
        result["routes"] = cold(url, found, options)
        result["incomplete"] = "warm requests"
        save(result)
        warm(url, found, result["routes"], options)
        result["memory_loaded"] = memory(process.pid)
        result["documents"] = documents_throughput(url, count, work, options)
        if compare is not None:
            result["incomplete"] = "SPARQL comparison"
            save(result)
            result["sparql_comparison"] = compare(url, count)
    return finished(result)


def first_build(
    count: int, data: Path, state: Path, document: str, options: Options, log: Path, save
) -> dict:
    """The first build on an empty state directory: until the first document, then
    until the artefacts, and the peak memory meanwhile."""
    shutil.rmtree(state, ignore_errors=True)
    result: dict = {"organisations": count, "data": str(data), "incomplete": "first build"}
    log.unlink(missing_ok=True)
    log.touch()
    save(result)
    with service(data, state, options, log) as (url, process, started):
        peak = PeakMemory(process.pid)
        first = until_200(url, document, process, started, options, log)
        if isinstance(first, str):
            result["failure"] = f"first build: {first}"
        else:
            result["first_build_s"] = first
            result["incomplete"] = "first build, waiting for its artefacts"
            save(result)
            result["artefacts_s"] = artefacts_ready(url, count, started, options)
        result["first_build_peak"] = peak.stop()
    return finished(result) if "failure" in result else result


def finished(result: dict) -> dict:
    del result["incomplete"]
    return result


def artefacts_ready(url: str, count: int, started: float, options: Options) -> float | None:
    """Seconds from start until the dumps (whole and an organisation's), search and
    SPARQL answer 200: what a first build writes once per version. None if not within
    start_timeout."""
    client = Client(url, options.timeout)
    ident = f"<{PUBLIC_BASE}/id/organization/{organisation(count, 10)}>"
    probes = [
        ("/dumps/all.nt.gz", {"Range": "bytes=0-0"}),
        (f"/dumps/organization/{organisation(count, 9)}.ttl", {}),
        (f"/search?q={SEARCH_WORDS}", {}),
        ("/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ {ident} ?p ?o }}"}), {}),
    ]
    try:
        while time.monotonic() - started < options.start_timeout:
            statuses = [attempt(client, path, headers).get("status") for path, headers in probes]
            if all(status in (200, 206) for status in statuses):
                return time.monotonic() - started
            time.sleep(1.0)
        return None
    finally:
        client.close()


def cold(url: str, found: list[Route], options: Options) -> list[dict]:
    """The first request of each route, in turn."""
    client = Client(url, options.timeout)
    rows = []
    last = None
    for route in found:
        if "{last}" in route.path:
            if last is None:
                rows.append({"name": route.name, "path": route.path, "skipped": "no first page"})
                continue
            route.path = route.path.format(last=last)
        # a new query text: its first request cannot come from the repeated one's cache
        suffix = "%0A%23first" if route.fresh_text else ""
        result = attempt(client, route.path + suffix, route.headers)
        if route.path == "/catalog" and result.get("status") == 200:
            last = last_page(url, options)
        rows.append({"name": route.name, "path": route.path, "cold": result})
    client.close()
    return rows


def last_page(url: str, options: Options) -> int:
    """The catalogue's last page, from the first page's links (hydra:last)."""
    client = Client(url, options.timeout)
    try:
        client.connection = http.client.HTTPConnection(client.host, client.port, client.timeout)
        client.connection.request("GET", "/catalog")
        body = client.connection.getresponse().read().decode()
    finally:
        client.close()
    pages = [int(n) for n in re.findall(r"[?&]page=(\d+)", body)]
    return max(pages, default=1)


def warm(url: str, found: list[Route], rows: list[dict], options: Options) -> None:
    """Latency of sequential requests, then wrk's throughput, for every route that
    answered its first request in time (a route that timed out is not tried again)."""
    client = Client(url, options.timeout)
    for route, row in zip(found, rows, strict=True):
        first = row.get("cold", {})
        if "status" not in first:
            continue
        times, statuses, failure = [], set(), None
        begun = time.monotonic()
        while len(times) < options.requests and (
            time.monotonic() - begun < options.route_seconds or len(times) < 5
        ):
            path = route.path + (f"%0A%23{len(times)}" if route.fresh_text else "")
            result = attempt(client, path, route.headers)
            if "failure" in result:
                failure = result["failure"]
                break
            statuses.add(result["status"])
            times.append(result["ms"])
        row["warm"] = {
            "requests": len(times),
            "statuses": sorted(statuses),
            "p50_ms": percentile(times, 50),
            "p99_ms": percentile(times, 99),
            "failure": failure,
        }
        if options.wrk_seconds and route.throughput and failure is None:
            row["wrk"] = throughput(
                url + route.path,
                route.headers,
                options,
                script=FRESH_QUERY_LUA if route.fresh_text else None,
            )
    client.close()


def documents_throughput(url: str, count: int, work: Path, options: Options) -> dict | None:
    """wrk rotating over 10 organisation pages (Turtle) spread over the data: the
    figure earlier benchmarks compared across sizes."""
    if not options.wrk_seconds:
        return None
    paths = work / f"documents-{count}.txt"
    slugs = sorted({organisation(count, i) for i in range(10)})
    paths.write_text("".join(f"/doc/organization/{slug}.ttl\n" for slug in slugs))
    throughput(url, {}, options, paths)  # until every worker has rendered them
    return throughput(url, {}, options, paths)


def throughput(url: str, headers: dict[str, str], options: Options, *args, **kwargs) -> dict:
    """wrk's requests/s, p99 and errors; or why wrk gave none."""
    try:
        load = wrk(url, headers, options.wrk_seconds, options.connections, *args, **kwargs)
    except (subprocess.CalledProcessError, AttributeError) as error:
        return {"failure": f"wrk: {type(error).__name__}"}
    return {
        "requests_per_second": load.requests_per_second,
        "p99_ms": load.p99_ms,
        "errors": load.errors,
    }


def percentile(values: list[float], percent: float) -> float | None:
    """Nearest-rank percentile; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


# ---- tables --------------------------------------------------------------------------

DASH = "–"


def ms(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def seconds(value: float | None, limit: float | None = None) -> str:
    if value is None:
        return f"> {limit:g} s" if limit else DASH
    return f"{value:,.1f}"


def route_table(result: dict) -> list[str]:
    lines = [
        "| route | path | status | bytes | cold ms | warm p50 ms | warm p99 ms | requests"
        " | req/s (wrk) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result.get("routes", []):
        path = row["path"].replace("|", "\\|")
        if len(path) > 48:
            path = path[:45] + "…"
        first = row.get("cold")
        if first is None:
            lines.append(f"| {row['name']} | `{path}` | {row['skipped']} |" + f" {DASH} |" * 6)
            continue
        if "failure" in first:
            lines.append(f"| {row['name']} | `{path}` | {first['failure']} |" + f" {DASH} |" * 6)
            continue
        warmed = row.get("warm", {})
        statuses = sorted({first["status"], *warmed.get("statuses", [])})
        failure = warmed.get("failure")
        rate = row.get("wrk")
        lines.append(
            f"| {row['name']} | `{path}` | {'/'.join(map(str, statuses))} | {first['bytes']:,}"
            f" | {ms(first['ms'])} | {ms(warmed.get('p50_ms'))}"
            f" | {ms(warmed.get('p99_ms'))}{f' ({failure} after)' if failure else ''}"
            f" | {warmed.get('requests', 0)}"
            f" | {rate_of(rate)} |"
        )
    return lines


def summary_table(results: list[dict], start_timeout: float) -> list[str]:
    lines = [
        "| organisations | first build: first document s | artefacts ready s"
        " | peak RSS / PSS MB | restart: first document s | processes"
        " | RSS MB after start | PSS MB after start | RSS MB after load | PSS MB after load"
        " | documents req/s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        peak = result.get("first_build_peak") or {}
        start = result.get("memory_start") or {}
        loaded = result.get("memory_loaded") or {}
        documents = result.get("documents")

        def mb(figures: dict, key: str) -> str:
            return f"{figures[key]:,.0f}" if key in figures else DASH

        failure = result.get("failure", "")
        first = (
            seconds(result["first_build_s"])
            if "first_build_s" in result
            else failure.removeprefix("first build: ") or DASH
        )
        artefacts = (
            seconds(result["artefacts_s"], start_timeout) if "artefacts_s" in result else DASH
        )
        restart = (
            seconds(result["restart_s"])
            if "restart_s" in result
            else failure.removeprefix("restart: ")
            if failure.startswith("restart")
            else DASH
        )
        lines.append(
            f"| {result['organisations']:,} | {first} | {artefacts}"
            f" | {mb(peak, 'rss_mb')} / {mb(peak, 'pss_mb')}"
            f" | {restart}"
            f" | {loaded.get('processes', DASH)}"
            f" | {mb(start, 'rss_mb')} | {mb(start, 'pss_mb')}"
            f" | {mb(loaded, 'rss_mb')} | {mb(loaded, 'pss_mb')}"
            f" | {rate_of(documents)} |"
        )
    return lines


def growth_lines(results: list[dict]) -> list[str]:
    """Memory and document throughput of the largest size against the next smaller."""
    measured = [r for r in results if r.get("memory_loaded")]
    lines = []
    for smaller, larger in itertools.pairwise(measured):
        a, b = smaller["memory_loaded"], larger["memory_loaded"]
        lines.append(
            f"- memory after load, {larger['organisations']:,} / {smaller['organisations']:,}"
            f" organisations: RSS {ratio(b['rss_mb'], a['rss_mb'])}×,"
            f" PSS {ratio(b['pss_mb'], a['pss_mb'])}×"
        )
        if all("requests_per_second" in (r.get("documents") or {}) for r in (smaller, larger)):
            lines.append(
                f"- documents req/s, {larger['organisations']:,} / {smaller['organisations']:,}:"
                f" {ratio(rps(larger), rps(smaller))}"
            )
    return lines


def rps(result: dict) -> float:
    return result["documents"]["requests_per_second"]


def rate_of(load: dict | None) -> str:
    if not load:
        return DASH
    return load["failure"] if "failure" in load else f"{load['requests_per_second']:,.0f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else DASH


def sparql_table(result: dict) -> list[str]:
    comparison = result.get("sparql_comparison")
    if comparison is None:
        return []
    if isinstance(comparison, str):
        return [f"SPARQL against rdflib-endpoint: {comparison}"]
    lines = [
        "| uncached queries | service req/s | rdflib-endpoint req/s | ratio | errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in comparison["rows"]:
        if "failure" in row:
            lines.append(f"| {row['queries']} | {row['failure']} | {DASH} | {DASH} | {DASH} |")
            continue
        lines.append(
            f"| {row['queries']} | {row['service']:,.1f} | {row['rdflib-endpoint']:,.1f}"
            f" | {sparql_ratio(row)} | {row['errors']} |"
        )
    lines.append(
        f"\nrdflib-endpoint loaded the dump ({comparison['triples_mb']:,.1f} MB of N-Triples)"
        f" in {comparison['rdflib_endpoint_start_s']:.0f} s."
    )
    return lines
