"""Validating a data directory and archiving its records, here or in a child process.

Validating holds every record of the version at once: gigabytes at national scale,
which a long-lived process would keep as a fragmented heap after the records are
archived. A directory of more than ARCHIVE_IN_CHILD_FILES files is therefore
validated and archived by a child process (``python -m opendata.archiving``) that
exits when the archive is complete; the serving process then opens the archive like
any other. The child's progress goes to the same log (its standard error); its
verdict comes back as one line of JSON on its standard output.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

from . import archive, artefacts
from .archive import Archive, ArchivedData
from .records import DataProblem, InvalidData, data_paths, load_directory
from .records.references import lost


def archive_directory(
    app: Flask, directory: Path, expected: str, previous: Archive | None
) -> Archive:
    """Validate the files, refuse them if they drop a thing ``previous`` publishes, and
    write their archive; InvalidData with every problem otherwise.

    ``expected`` is the version their bytes had a moment ago: the processes of a host
    that find the same new files validate them once, one after the other (the others
    then find the archive).
    """
    with validating(app, expected):
        found = archive.open_version(app, expected)
        if found is not None:
            return found
        if len(data_paths(directory)) <= app.config["ARCHIVE_IN_CHILD_FILES"]:
            version = validate_and_archive(app, directory, previous, app.logger)
        else:
            version = _in_child(app, directory, previous)
    found = archive.open_version(app, version)
    if found is None:
        raise RuntimeError(f"the records of data version {version} were not written")
    return found


@contextlib.contextmanager
def validating(app: Flask, version: str) -> Iterator[None]:
    """Held while one process of the host validates and archives a version's records."""
    lock = artefacts.path_of(app, version, f".{archive.ARTEFACT}.validating")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield


def validate_and_archive(
    app: Flask, directory: Path, previous: Archive | None, logger: logging.Logger
) -> str:
    """The version of the files, archived; InvalidData with every problem otherwise."""
    with collector_paused():
        data = load_directory(directory, logger)
        problems = lost(ArchivedData(previous), data) if previous else []
        if problems:
            raise InvalidData(problems)
        archive.ensure(app, data)
    return data.version


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while a version's records are read and archived.

    Reading makes millions of records that all live until the job ends, so every full
    pass of the collector walks them all for nothing: at 10,000 files that doubles
    the time. Records hold no reference cycles; what the job leaves is freed after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _in_child(app: Flask, directory: Path, previous: Archive | None) -> str:
    request = {
        "directory": str(directory),
        "state": str(artefacts.state_dir(app)),
        "previous": [str(previous.path.parent), previous.version] if previous else None,
    }
    app.logger.info("validating and archiving %s in a child process", directory)
    finished = subprocess.run(
        # not ``-m opendata.archiving``: the package imports this module first, and
        # Python warns that it then runs it a second time
        [sys.executable, "-c", "from opendata.archiving import run; run()", json.dumps(request)],
        stdout=subprocess.PIPE,
        check=False,
    )
    try:
        verdict = json.loads(finished.stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(
            f"validating and archiving {directory} failed (exit code {finished.returncode})"
        ) from None
    if "problems" in verdict:
        raise InvalidData([DataProblem(*problem) for problem in verdict["problems"]])
    return verdict["version"]


def main(request: dict) -> dict:
    """The child: validate and archive, answer with the version or the problems."""
    logger = logging.getLogger("opendata")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    app = Flask("opendata.archiving")
    app.config["STATE_DIR"] = request["state"]
    known = request["previous"]
    previous = Archive(Path(known[0]), known[1]) if known else None
    try:
        version = validate_and_archive(app, Path(request["directory"]), previous, logger)
    except InvalidData as error:
        return {"problems": [[p.file, p.field, p.message] for p in error.problems]}
    return {"version": version}


def run() -> None:
    """The child's entry point: its request is its one argument, its answer one line."""
    print(json.dumps(main(json.loads(sys.argv[1]))), flush=True)
