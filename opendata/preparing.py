"""Building a large version's artefacts in a child process.

The preparers of a version (search index, statistics, sitemap index, SPARQL store,
dumps) read every record and build graphs from them: at national scale a long-lived
process would keep gigabytes of fragmented heap after they are done. A version of
more than ARCHIVE_IN_CHILD_FILES files (the threshold of ``opendata.archiving``) is
therefore prepared by a child process (``opendata.preparing.run``) with the
application's configuration, which opens the version's archive and runs the same
preparers; the serving process only opens the finished artefacts.

The child says ``prepared`` on its standard output once every preparer has returned:
the version may go live. Then it goes on with what preparers left running in the
background (the dumps) and exits. Its log goes to the same place as the server's (its
standard error). A child that fails or is killed leaves no half artefact (each is
marked complete last, ``opendata.artefacts``): the version does not go live, or its
dumps are missing until the next start, and the log says so. Once everything is
built the child leaves a marker for the configuration it was given, so a restart with
unchanged data starts no child at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from flask import Flask

from . import artefacts, dumps
from .archive import open_version
from .store import PublishedStore, RecordGraphs

Preparer = Callable[[Flask, PublishedStore], None]
PREPARED = "prepared"
CHILDREN = "opendata.preparing"  # the threads that follow this application's children
# Settings that concern serving only, not what is built: a server and ``opendata build``
# that differ in them share the marker.
SERVING_ONLY = frozenset({"DATA_DIR", "RELOAD_INTERVAL", "LOG_LEVEL", "TESTING"})


def in_child(app: Flask, store: PublishedStore, preparers: list[Preparer]) -> bool:
    """Whether the version is large enough to be prepared by a child process.

    Only a store whose graphs are built from its records: the child rebuilds the
    store from the archive alone.
    """
    return (
        bool(preparers)
        and all(_name(preparer) for preparer in preparers)
        and isinstance(store.source, RecordGraphs)
        and len(store.data.units) > app.config["ARCHIVE_IN_CHILD_FILES"]
    )


def build_in_child(app: Flask, store: PublishedStore, preparers: list[Preparer]) -> None:
    """Run ``preparers`` for the version in a child; return once it may go live.

    Raises RuntimeError when the child fails before that (the version stays out).
    """
    names = [_name(preparer) for preparer in preparers]
    config = _settings(app)
    marker = _marker(app, store.version, names, config)
    if marker.is_file():
        return
    app.logger.info("building the artefacts of data version %s in a child process", store.version)
    child = subprocess.Popen(
        [sys.executable, "-c", "from opendata.preparing import run; run()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    request = {"config": config, "version": store.version, "preparers": names}
    child.stdin.write(json.dumps(request))
    child.stdin.close()  # the settings may hold passwords: never on the command line
    said = child.stdout.readline().strip()
    if said != PREPARED:
        child.stdout.close()
        status = child.wait()
        raise RuntimeError(
            f"building the artefacts of data version {store.version} in a child process"
            f" failed (exit status {status}); the version does not go live"
        )
    follower = threading.Thread(
        target=_follow, args=(child, store.version, app.logger), daemon=True
    )
    app.extensions.setdefault(CHILDREN, []).append(follower)
    follower.start()


def wait_until_built(app: Flask) -> None:
    """Wait for this application's children to finish (for ``opendata build`` and tests)."""
    for follower in app.extensions.get(CHILDREN, ()):
        follower.join()


def _follow(child: subprocess.Popen, version: str, log: logging.Logger) -> None:
    """Reap the child once it has finished the background work; say how it ended."""
    child.stdout.read()
    status = child.wait()
    if status:
        log.error(
            "the child process building the dumps of data version %s ended with exit"
            " status %s; they are built again at the next start",
            version,
            status,
        )
    else:
        log.info("the child process has built every artefact of data version %s", version)


def _name(preparer: Preparer) -> str | None:
    """``module:function``, by which the child finds a preparer (None: it cannot)."""
    name = getattr(preparer, "__qualname__", "<")
    return None if "<" in name or "." in name else f"{preparer.__module__}:{name}"


def _settings(app: Flask) -> dict:
    """What of the configuration a child can be given (it makes no requests)."""
    found = {}
    for key, value in app.config.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        found[key] = value
    found["STATE_DIR"] = str(artefacts.state_dir(app))
    return found


def _marker(app: Flask, version: str, names: Iterable[str], config: dict) -> Path:
    built = {key: value for key, value in config.items() if key not in SERVING_ONLY}
    text = json.dumps({"preparers": list(names), "config": built}, sort_keys=True)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return artefacts.path_of(app, version, f".prepared-{key}")


def main(request: dict) -> int:
    """The child: run the preparers, say ``prepared``, finish the background work."""
    app = Flask("opendata")  # logs as the server's application does, to standard error
    app.config.update(request["config"])
    app.logger.setLevel(app.config.get("LOG_LEVEL") or logging.INFO)
    version = request["version"]
    archive = open_version(app, version)
    if archive is None:
        app.logger.error("the records of data version %s are not on this host", version)
        return 1
    store = PublishedStore(
        archive,
        app.config["GRAPH_CACHE_SIZE"],
        record_cache_size=app.config["RECORD_CACHE_SIZE"],
    )
    with app.app_context():
        for name in request["preparers"]:
            module, function = name.split(":")
            getattr(importlib.import_module(module), function)(app, store)
    # a server that stopped meanwhile closed the pipe: finish the work all the same
    with contextlib.suppress(BrokenPipeError):
        print(PREPARED, flush=True)
    dumps.wait_until_built(app)
    if _name(dumps.start_building) in request["preparers"] and not all(
        artefacts.is_complete(artefacts.path_of(app, version, name))
        for name in (dumps.artefact_name(app), dumps.parts_name(app))
    ):
        return 1  # the dumps thread has logged why
    _marker(app, version, request["preparers"], request["config"]).touch()
    return 0


def run() -> None:
    """The child's entry point: its request comes on standard input."""
    sys.exit(main(json.loads(sys.stdin.read())))
