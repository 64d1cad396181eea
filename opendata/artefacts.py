"""What is built once per data version, on disk, and only read afterwards.

Dumps, the SPARQL store of a version, its search index: each is an *artefact* of
one data version, built off the request path by the first process that needs it and
shared by every process on the host (Datasette's immutable databases, static-site
builds). An artefact lives in ``{STATE_DIR}/versions/{version}/{name}``:

* it is built into a temporary directory beside it and renamed into place when
  complete, with a completion marker written last, so a build that is killed halfway
  (or a full disk) is never opened: an artefact without its marker does not exist;
* one process builds it while the others wait for it (an exclusive file lock), so
  the work is done once per host, not once per worker;
* old versions stay on disk until an operator removes them (a process may still
  read them; see the README).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from flask import Flask

COMPLETE = ".complete"


def state_dir(app: Flask) -> Path:
    """Where artefacts are kept: OPENDATA_STATE_DIR, else the application's instance folder."""
    return Path(app.config["STATE_DIR"] or app.instance_path)


def path_of(app: Flask, version: str, name: str) -> Path:
    return state_dir(app) / "versions" / version / name


def is_complete(path: Path) -> bool:
    return (path / COMPLETE).is_file()


def build_once(path: Path, build: Callable[[Path], None]) -> Path:
    """The complete artefact at ``path``, built by ``build(directory)`` if it is not there.

    ``build`` fills an empty directory; only when it returns is the directory marked
    complete and moved into place. Concurrent callers (threads or processes) wait for
    the one that builds.
    """
    if is_complete(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent / f".{path.name}.lock"):
        if is_complete(path):
            return path
        if path.exists():  # left behind by a build that did not finish
            shutil.rmtree(path)
        work = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
        try:
            build(work)
            (work / COMPLETE).touch()
            os.replace(work, path)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return path


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
