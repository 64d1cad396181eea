"""Search at scale: index build time, search latency (cold and warm) and page sizes.

    python bench/search.py                        # 100,000 organisations (minutes, GBs)
    python bench/search.py --count 1000           # a quick run
    python bench/search.py --data /tmp/data-100k  # reuse generated files

Writes ``--count`` synthetic organisations (``bench/generate.py``) unless ``--data``
names a directory that has them, loads them, builds the search index as a new data
version would (``opendata.artefacts``; its progress is logged every 10 s: things done,
rate, time left) and starts the service on it with the response caches off, so every
request below really runs. Then it prints

* the index build: things, seconds, size on disk;
* cold latency: the first searches after start (few results, and most things), and
  the first home page;
* warm latency of ``--queries`` different searches through the Flask test client
  (words, prefixes, parts of compounds, names, places, several words, facets, later
  pages), as p50/p90/p99/max, and the slowest ones; and the same for the searches
  asked for the first time (another page or language of a search already asked is
  a slice of what the process found for it);
* the size of the home page and of the largest results and faceted pages seen, in
  both languages (every HTML page must stay under 200 KB).

Generated data and state go under /tmp (``--state``), never into the checkout;
``--state`` may name one built before (``bench/run.py`` leaves ``state-100000``), and
``--no-dumps`` leaves out the dumps a state without them would start writing.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import WORDS, generate
from opendata import archive, artefacts, create_app, dumps
from opendata.archive import ArchivedData
from opendata.records import load_directory
from opendata.search import ARTEFACT, FORMAT, theme_labels
from opendata.search.index import build

PAGE_LIMIT = 200 * 1024


def queries(count: int, organisations: int, rng: random.Random) -> list[str]:
    """Different search URLs of every shape a reader makes."""
    town = lambda: rng.randrange(organisations)  # noqa: E731
    shapes = [
        lambda: f"q={rng.choice(WORDS)}",
        lambda: f"q={rng.choice(WORDS)[:4]}",
        lambda: f"q={rng.choice(WORDS)}+{rng.choice(WORDS)}",
        lambda: "q=buero" if rng.random() < 0.5 else "q=b%C3%BCro",
        lambda: "q=bildungsb",
        lambda: f"q=Vorname{town()}",
        lambda: f"q=Beispielstadt+{town()}",
        lambda: f"q=Nachname{town()}+Leiterin",
        lambda: f"q={rng.choice(WORDS)}&kind=programme",
        lambda: f"q={rng.choice(WORDS)}&theme=EDUC&kind=organization",
        lambda: f"kind=organization&place=ort-n{town()}",
        lambda: f"q={rng.choice(WORDS)}&place=ort-n{town()}",
        lambda: f"q={rng.choice(WORDS)}&page={rng.randrange(2, 50)}",
        lambda: f"kind=person&page={rng.randrange(1, 5000)}",
        lambda: f"q=Zzyzx{town()}",
    ]
    found: dict[str, None] = {}
    while len(found) < count:
        found.setdefault(rng.choice(shapes)() + rng.choice(["", "&lang=en"]), None)
    return list(found)


CPU: list[float] = []  # the CPU time of each request timed, in order


def timed(client, url: str) -> tuple[float, int, int]:
    """(wall-clock seconds, status, bytes); the CPU seconds go to CPU (on a shared machine
    the wall clock also counts other processes' turns)."""
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url, headers={"Accept": "text/html"})
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started, response.status_code, len(response.data)


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes): other work shares the cores."""
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


def children_cpu() -> float:
    """CPU seconds of the ended child processes (the processes that write segments)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def build_index(
    data_dir: Path, state: Path, log: logging.Logger
) -> tuple[float, float, float, float, int]:
    """Load and archive the records and build their index as a new version would:
    (seconds to load and archive, seconds to build, CPU seconds to build in this
    process and in its segments' processes, bytes on disk)."""
    started = time.perf_counter()
    data = load_directory(data_dir)
    version = state / "versions" / data.version
    records = version / archive.ARTEFACT  # where the service finds them
    artefacts.build_once(records, lambda work: archive.build(data, work, log))
    archived = ArchivedData(archive.Archive(records, data.version))
    loaded = time.perf_counter() - started
    log.info("loaded and archived the records in %.0f s", loaded)
    directory = version / ARTEFACT / FORMAT
    started, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
    artefacts.build_once(
        directory, lambda work: build(archived, work, log, {"theme": theme_labels()})
    )
    built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
    size = sum(p.stat().st_size for p in directory.iterdir() if p.is_file())
    return loaded, built, built_cpu, children_cpu() - children, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--state", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--no-dumps", action="store_true", help="write no dumps (they would compete for the CPU)"
    )
    arguments = parser.parse_args()
    if arguments.no_dumps:
        dumps.start_building = lambda app, store: None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    log = logging.getLogger("bench.search")

    data_dir = arguments.data or Path(f"/tmp/opendata-search-{arguments.count}")
    if len(list(data_dir.glob("*.yaml"))) < arguments.count:
        started = time.perf_counter()
        generate(arguments.count, data_dir)
        log.info(
            "generated %s organisations in %.0f s", arguments.count, time.perf_counter() - started
        )
    state = arguments.state or Path(tempfile.mkdtemp(prefix="opendata-search-state-"))

    loaded, built, built_cpu, segments_cpu, index_bytes = build_index(data_dir, state, log)
    built_load = load_average()

    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "STATE_DIR": str(state),
            "RELOAD_INTERVAL": 0,
            "RESPONSE_CACHE_SIZE": 0,  # measure the search, not the caches in front of it
            "LOCAL_CACHE_SIZE": 1,
            "CACHE_TYPE": "NullCache",
        }
    )
    client = app.test_client()
    cold = {  # the first requests after start, each of its kind
        "search, few results (q=Vorname4711)": timed(client, "/search?q=Vorname4711"),
        "search, most things (q=bildung)": timed(client, "/search?q=bildung"),
        "home page": timed(client, "/"),
    }
    cold_cpu = CPU[:]
    rng = random.Random(7)
    urls = queries(arguments.queries, arguments.count, rng)
    samples, first, asked = [], [], set()
    CPU.clear()
    for url in urls:
        seconds, status, size = timed(client, f"/search?{url}")
        assert status == 200, (url, status)
        samples.append((seconds, size, url))
        search = tuple(p for p in url.split("&") if not p.startswith(("page=", "lang=")))
        if search not in asked:
            asked.add(search)
            first.append(seconds)
    cpu_times = sorted(CPU)
    sizes = {
        "home (de)": timed(client, "/")[2],
        "home (en)": timed(client, "/?lang=en")[2],
        "results, q=bildung (de)": timed(client, "/search?q=bildung")[2],
        "results, q=stadt (en)": timed(client, "/search?q=stadt&lang=en")[2],
        "faceted, kind+theme+q": timed(client, "/search?q=bildung&kind=organization&theme=EDUC")[2],
        "faceted, kind=person": timed(client, "/search?kind=person")[2],
        "organisation page": timed(client, "/doc/organization/buero-n1")[2],
    }
    times = sorted(s[0] for s in samples)

    def quantile(q: float, values: list[float] = times) -> float:
        return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    warm_load = load_average()
    print(f"\nsearch at {arguments.count:,} organisations ({data_dir})")
    print(f"  records loaded:        {loaded:8.1f} s")
    print(f"  index built:           {built:8.1f} s (CPU {built_cpu:.0f} s", end="")
    print(f" + {segments_cpu:.0f} s in its segments' processes),", end=" ")
    print(f"{index_bytes / 1e6:.0f} MB on disk, load average after {built_load}")
    for (name, (seconds, _, _)), cpu_seconds in zip(cold.items(), cold_cpu, strict=True):
        print(f"  cold, first {name}: {seconds * 1000:.1f} ms (CPU {cpu_seconds * 1000:.0f} ms)")
    print(
        f"  warm, {len(times)} searches:  p50 {quantile(0.5):.1f} ms, p90 {quantile(0.9):.1f} ms,"
        f" p99 {quantile(0.99):.1f} ms, max {times[-1] * 1000:.1f} ms,"
        f" mean {statistics.mean(times) * 1000:.1f} ms (load average after {warm_load})"
    )
    first.sort()
    print(
        f"    {len(first)} asked first:  p50 {quantile(0.5, first):.1f} ms,"
        f" p90 {quantile(0.9, first):.1f} ms, p99 {quantile(0.99, first):.1f} ms,"
        f" max {first[-1] * 1000:.1f} ms"
    )
    print(
        f"    CPU time of each:    p50 {quantile(0.5, cpu_times):.1f} ms,"
        f" p90 {quantile(0.9, cpu_times):.1f} ms, p99 {quantile(0.99, cpu_times):.1f} ms,"
        f" max {cpu_times[-1] * 1000:.1f} ms"
    )
    print("  slowest:")
    for seconds, _, url in sorted(samples, reverse=True)[:5]:
        print(f"    {seconds * 1000:8.1f} ms  /search?{url}")
    largest = max(samples, key=lambda s: s[1])
    print(f"  largest results page:  {largest[1] / 1024:8.1f} KB  /search?{largest[2]}")
    for name, size in sizes.items():
        print(f"  {name + ':':22} {size / 1024:8.1f} KB")
    print(f"  peak memory (RSS):     {rss:8.0f} MB")
    too_big = [name for name, size in sizes.items() if size > PAGE_LIMIT]
    if largest[1] > PAGE_LIMIT or too_big:
        print(f"  OVER 200 KB: {too_big or largest[2]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
