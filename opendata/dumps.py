"""The whole published graph as files: built once per data version, off the request path.

``/dumps/all.{nt,ttl,jsonld}`` and their ``.gz`` are files of a version's artefact
(``opendata.artefacts``), written in a background thread once the version is live and
served with ``sendfile`` and ``Range``/``If-Range``, so a portal can resume a large
download. Until a version's files exist, the newest complete ones of an earlier version
are served; until there are any, the answer is 503 with ``Retry-After``. No request
ever builds a dump.

The files are written for the configured public base (``OPENDATA_BASE_URI``); without
one, for the internal base, and each response moves them to the request's base while it
streams (then without ``Range``). They are written file by file of the data (each
file's statements in a stable order), so every build of a version gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Flask

from . import artefacts, uris
from .formats import (
    CONTEXT_PATH,
    DUMP_FORMATS,
    JSONLD,
    NTRIPLES,
    TURTLE,
    Format,
    compacted,
    serialize,
)
from .store import PublishedStore

ETAGS = "etags.json"


@dataclass(frozen=True)
class DumpFile:
    """A complete dump file of some version, and what to say about it."""

    path: Path
    etag: str
    version: str
    base: str  # the base its IRIs are in


def artefact_name(app: Flask) -> str:
    """Dumps are per public base: the configured one, or the internal one."""
    base = app.config["BASE_URI"] or uris.INTERNAL_BASE
    return "dumps-" + hashlib.sha256(base.encode()).hexdigest()[:12]


BUILDERS = "opendata.dump_builders"


def start_building(app: Flask, store: PublishedStore) -> None:
    """Build the version's dumps in the background (a preparer: returns at once)."""
    path = artefacts.path_of(app, store.version, artefact_name(app))
    if artefacts.is_complete(path):
        return
    base = app.config["BASE_URI"] or uris.INTERNAL_BASE

    def run() -> None:
        try:
            artefacts.build_once(path, lambda directory: write_all(store, directory, base))
            app.logger.info("dumps of data version %s are ready", store.version)
        except Exception:
            app.logger.exception("building the dumps of data version %s failed", store.version)

    builder = threading.Thread(target=run, name=f"dumps-{store.version}", daemon=True)
    app.extensions.setdefault(BUILDERS, []).append(builder)
    builder.start()


def wait_until_built(app: Flask) -> None:
    """Wait for the dumps being built by this application (for tools and tests)."""
    for builder in app.extensions.get(BUILDERS, ()):
        builder.join()


def find(app: Flask, version: str, fmt: Format, gzipped: bool) -> DumpFile | None:
    """The file of this version, else of the newest earlier version that has one."""
    name = artefact_name(app)
    root = artefacts.state_dir(app) / "versions"
    candidates = [root / version / name]
    if root.is_dir():
        others = [p / name for p in root.iterdir() if p.name != version]
        candidates += sorted(others, key=_built_at, reverse=True)
    for directory in candidates:
        if artefacts.is_complete(directory):
            file_name = f"all.{fmt.name}" + (".gz" if gzipped else "")
            etags = _etags(directory)
            base = app.config["BASE_URI"] or uris.INTERNAL_BASE
            return DumpFile(directory / file_name, etags[file_name], directory.parent.name, base)
    return None


@lru_cache(maxsize=64)
def _etags(directory: Path) -> dict[str, str]:
    """The ETags of a complete (so never changing) dump directory, read once."""
    return json.loads((directory / ETAGS).read_text(encoding="utf-8"))


def _built_at(directory: Path) -> float:
    marker = directory / artefacts.COMPLETE
    return marker.stat().st_mtime if marker.exists() else 0.0


def write_all(store: PublishedStore, directory: Path, base: str) -> None:
    """Every dump format and its gzip, and the ETag of each file."""
    etags = {}
    for fmt in DUMP_FORMATS:
        plain = directory / f"all.{fmt.name}"
        with open(plain, "wb") as out:
            for chunk in _chunks(store, fmt, directory):
                out.write(uris.relocate(chunk, base))
        packed = plain.with_name(plain.name + ".gz")
        with open(plain, "rb") as source, gzip.GzipFile(packed, "wb", mtime=0) as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        for path in (plain, packed):
            etags[path.name] = _digest(path)
    (directory / ETAGS).write_text(json.dumps(etags, indent=1), encoding="utf-8")


def _chunks(store: PublishedStore, fmt: Format, directory: Path) -> Iterator[bytes]:
    units = sorted(store.data.units, key=lambda unit: unit.source)
    if fmt is NTRIPLES:
        for unit in units:
            yield serialize(store.unit_graph(unit), NTRIPLES)
    elif fmt is TURTLE:
        yield from _turtle(store, units, directory / "turtle.part")
    elif fmt is JSONLD:
        yield from _jsonld(store, units)


def _turtle(store: PublishedStore, units: list, scratch: Path) -> Iterator[bytes]:
    """One Turtle document: every prefix the files use, then each file's statements
    (kept in a scratch file meanwhile, as the prefixes come first)."""
    prefixes: set[bytes] = set()
    with open(scratch, "w+b") as bodies:
        for unit in units:
            lines = serialize(store.unit_graph(unit), TURTLE).splitlines(keepends=True)
            prefixes.update(line for line in lines if line.startswith(b"@prefix"))
            bodies.write(b"".join(line for line in lines if not line.startswith(b"@prefix")))
        yield b"".join(sorted(prefixes))
        bodies.seek(0)
        # whole lines at a time: the caller relocates IRIs, which must not be cut
        while lines := bodies.readlines(1024 * 1024):
            yield b"".join(lines)
    scratch.unlink()


def _jsonld(store: PublishedStore, units: list) -> Iterator[bytes]:
    """One JSON-LD document: the service's context and every file's nodes in @graph."""
    yield f'{{\n  "@context": "{uris.INTERNAL_BASE}{CONTEXT_PATH}",\n  "@graph": ['.encode()
    first = True
    for unit in units:
        data = compacted(store.unit_graph(unit))
        nodes = data.get("@graph", [data])
        for node in nodes:
            node = {key: value for key, value in node.items() if key != "@context"}
            text = json.dumps(node, ensure_ascii=False, sort_keys=True)
            yield (b"\n    " if first else b",\n    ") + text.encode("utf-8")
            first = False
    yield b"\n  ]\n}\n"


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()[:32]
