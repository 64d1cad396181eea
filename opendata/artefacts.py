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
* old versions are removed when a newer one is prepared (``remove_old_versions``):
  all but the ``KEEP_VERSIONS`` newest, never the one a process of this application
  serves, nor one being built. A version directory is first renamed out of the way in
  one step, then deleted in the background: a process never finds a half-deleted
  version, and files it has open stay readable until it closes them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from .publishing import EXTENSION

if TYPE_CHECKING:
    from .store import PublishedStore

COMPLETE = ".complete"
CREATED = ".created"  # written when a version's directory is made: the order of versions
TRASH = ".trash-"  # a version being deleted; never read


def state_dir(app: Flask) -> Path:
    """Where artefacts are kept: OPENDATA_STATE_DIR, else the application's instance folder."""
    return Path(app.config["STATE_DIR"] or app.instance_path)


def versions_dir(app: Flask) -> Path:
    return state_dir(app) / "versions"


def path_of(app: Flask, version: str, name: str) -> Path:
    return versions_dir(app) / version / name


def is_complete(path: Path) -> bool:
    return (path / COMPLETE).is_file()


def version_dirs(app: Flask) -> list[Path]:
    """The directories of every version on disk, oldest first (none being deleted)."""
    root = versions_dir(app)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if not p.name.startswith(".") and p.is_dir()]
    return sorted(found, key=_created)


def _created(directory: Path) -> int:
    try:
        return (directory / CREATED).stat().st_mtime_ns
    except OSError:  # a version left by a service without the marker, or being removed
        try:
            return directory.stat().st_mtime_ns
        except OSError:
            return 0


def _make_version_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(directory / CREATED, os.O_CREAT | os.O_EXCL | os.O_WRONLY))


def build_once(path: Path, build: Callable[[Path], None]) -> Path:
    """The complete artefact at ``path``, built by ``build(directory)`` if it is not there.

    ``build`` fills an empty directory; only when it returns is the directory marked
    complete and moved into place. Concurrent callers (threads or processes) wait for
    the one that builds.
    """
    if is_complete(path):
        return path
    _make_version_dir(path.parent)
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


def remove_old_versions(app: Flask, new: str, live: str | None) -> list[str]:
    """Remove all versions older than the ``KEEP_VERSIONS`` newest up to ``new``.

    Called while ``new`` is prepared to replace ``live`` (this process's version, kept
    whatever its age). Versions newer than ``new`` and versions with an artefact being
    built are left alone. Returns the versions removed.
    """
    keep = max(int(app.config["KEEP_VERSIONS"]), 1)
    for leftover in versions_dir(app).glob(TRASH + "*"):  # of a removal cut short
        shutil.rmtree(leftover, ignore_errors=True)
    directories = version_dirs(app)
    names = [d.name for d in directories]
    if new not in names:
        return []
    older = directories[: names.index(new) + 1][:-keep]
    removed = []
    for directory in older:
        if directory.name != live and _remove(directory):
            removed.append(directory.name)
    return removed


def prepare(app: Flask, store: PublishedStore) -> None:
    """The preparer: make room for a new version (see ``remove_old_versions``)."""
    # The version this process serves until the new one is live: the backend's store
    # (there is none while the first version loads; ``live_version()`` would not do, as
    # it says None on the store backend while a newer version is announced).
    serving = getattr(app.extensions.get(EXTENSION), "store", None)
    removed = remove_old_versions(app, store.version, serving.version if serving else None)
    if removed:
        app.logger.info("removed the artefacts of old data versions: %s", ", ".join(removed))


def _remove(directory: Path) -> bool:
    """Rename the version out of the way while no build holds its locks, then delete it."""
    with contextlib.ExitStack() as held:
        for lock in directory.glob(".*.lock"):
            try:
                held.enter_context(_locked(lock, wait=False))
            except BlockingIOError:
                return False  # a process is building an artefact of it
        trash = Path(tempfile.mkdtemp(prefix=TRASH, dir=directory.parent))
        try:
            os.replace(directory, trash / directory.name)
        except OSError:
            trash.rmdir()
            return False
    # Deleting gigabytes takes seconds that a new version need not wait for; what a
    # process leaves when it ends is removed with the next old version.
    threading.Thread(
        target=shutil.rmtree, args=(trash, True), name="removing an old version", daemon=True
    ).start()
    return True


@contextlib.contextmanager
def _locked(lock_path: Path, wait: bool = True) -> Iterator[None]:
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
