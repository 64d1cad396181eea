"""Time re-publishing after one office's file changed, stage by stage.

Opens the service on DATA with its state in STATE (building the version first if this
host has none: minutes at national scale), changes one office's name in its file (and
back again on the next run), and times what the file backend's watcher does when it
finds the change: from looking at the files until the new version is live. Writes to
DATA: run it on a copy.

    .venv/bin/python bench/republish.py /tmp/data-copy /tmp/state [--file org-00042.yaml]

``--without STAGE`` leaves a stage out of the re-publish (``search.prepare``: to time
the rest while a slow stage is measured elsewhere); ``--no-dumps`` writes no dumps,
which the service writes in the background and which would compete with the stages
for the interpreter on a machine whose data has none yet.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from opendata import create_app, deriving, dumps, preparing
from opendata.backends.watching import PREPARERS
from opendata.publishing import EXTENSION

MARK = " (geändert)"


def timed(name: str, function: Callable, stages: list[tuple[str, float]]) -> Callable:
    @wraps(function)
    def run(*args, **kwargs):
        started = time.monotonic()
        try:
            return function(*args, **kwargs)
        finally:
            stages.append((name, time.monotonic() - started))

    return run


def change(path: Path) -> None:
    """Add a mark to the office's name, or take it away again (written, then renamed,
    as an editor does)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("    de: ") and lines[i - 1].strip() == "name:":
            stripped = line.rstrip("\n")
            lines[i] = (
                stripped[: -len(MARK)] if stripped.endswith(MARK) else stripped + MARK
            ) + "\n"
            break
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(lines), encoding="utf-8")
    os.replace(temporary, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("state", type=Path)
    parser.add_argument("--file", help="the office file to change (default: the middle one)")
    parser.add_argument("--without", action="append", default=[], help="a stage to leave out")
    parser.add_argument("--no-dumps", action="store_true", help="write no dumps")
    arguments = parser.parse_args()
    if arguments.no_dumps:
        dumps.start_building = lambda app, store: None
    started = time.monotonic()
    app = create_app(
        {"DATA_DIR": str(arguments.data), "STATE_DIR": str(arguments.state), "RELOAD_INTERVAL": 0}
    )
    backend = app.extensions[EXTENSION]
    print(f"opened version {backend.store.version} in {time.monotonic() - started:.1f} s")
    stages: list[tuple[str, float]] = []
    named = [
        (f"{p.__module__.removeprefix('opendata.')}.{p.__name__}", p, here)
        for p, here in app.extensions[PREPARERS]
    ]
    app.extensions[PREPARERS] = [
        (timed(stage, p, stages), here)
        for stage, p, here in named
        if stage not in arguments.without
    ]
    # beyond OPENDATA_ARCHIVE_IN_CHILD_FILES files a child runs the preparers: one stage
    preparing.build_in_child = timed(
        "preparing.build_in_child (the preparers)", preparing.build_in_child, stages
    )
    deriving.look = timed("deriving.look (stat, read changed files)", deriving.look, stages)
    deriving.derive = timed("deriving.derive (validate, archive)", deriving.derive, stages)
    names = sorted(p.name for p in arguments.data.glob("*.yaml"))
    name = arguments.file or names[len(names) // 2]
    change(arguments.data / name)
    started = time.monotonic()
    published = backend.refresh()
    total = time.monotonic() - started
    for stage, seconds in stages:
        print(f"{stage:<50} {seconds:8.2f} s")
    print(f"{'changed file on disk → new version live':<50} {total:8.2f} s")
    print(f"{name} changed: version {backend.store.version} live: {published}")
    print(f"derived from: {backend.store.archive.derived_from}")
    if backend.problems:
        print("\n".join(backend.problems))


if __name__ == "__main__":
    main()
