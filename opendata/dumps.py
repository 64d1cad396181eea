"""Dumps as files: built once per data version, off the request path.

``/dumps/all.{nt,ttl,jsonld}`` and their ``.gz`` are files of a version's artefact
(``opendata.artefacts``), written in a background thread once the version is live and
served with ``sendfile`` and ``Range``/``If-Range``, so a portal can resume a large
download. Until a version's files exist, the newest complete ones of an earlier version
are served; until there are any, the answer is 503 with ``Retry-After``. No request
ever builds a dump.

Each organisation's dump (``/dumps/organization/{slug}.…``) is written by the same
thread, after the whole dumps, into a second artefact: not a file per organisation and
format (600,000 small files at 100,000 organisations), but one *pack* per format, the
gzip members of every organisation one after the other, and an SQLite index of where
each member lies with the ETags of its gzip and plain bytes. A ``.gz`` is sent straight
from the pack (``sendfile`` of its byte range); the plain bytes are its member
decompressed, a few kilobytes. An organisation whose N-Triples did not change since
the previous version keeps its members, copied from that version's packs instead of
being rendered again.

The files are written for the configured public base (``OPENDATA_BASE_URI``); without
one, for the internal base, and each response moves them to the request's base while it
streams (then without ``Range``). They are written file by file of the data (each
file's statements in a stable order), so every build of a version gives the same bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from logging import Logger
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
from .progress import Progress
from .records import Organization
from .rendering import compress
from .store import PublishedStore

ETAGS = "etags.json"
INDEX = "index.sqlite"  # of an organisations' artefact: where each member lies


@dataclass(frozen=True)
class DumpFile:
    """A complete dump file of some version, and what to say about it."""

    path: Path
    etag: str
    version: str
    base: str  # the base its IRIs are in


@dataclass(frozen=True)
class Part:
    """One organisation's dump in one format: a gzip member inside a pack file."""

    path: Path
    offset: int
    length: int
    etag: str  # of the gzip member
    plain_etag: str  # of the bytes it holds
    version: str
    base: str

    def read(self) -> bytes:
        """The plain bytes (a few kilobytes: one organisation's dataset)."""
        with open(self.path, "rb") as pack:
            return gzip.decompress(os.pread(pack.fileno(), self.length, self.offset))

    def member(self) -> Member:
        return Member(self.path, self.offset, self.length)


def _base(app: Flask) -> str:
    return app.config["BASE_URI"] or uris.INTERNAL_BASE


def artefact_name(app: Flask, kind: str = "dumps") -> str:
    """Dumps are per public base: the configured one, or the internal one."""
    return f"{kind}-" + hashlib.sha256(_base(app).encode()).hexdigest()[:12]


# The packs' layout and renderings: a service that changes them (or how a format is
# rendered) names a new one, so no member of the old is copied into it.
PARTS_FORMAT = "v2"


def parts_name(app: Flask) -> str:
    return artefact_name(app, f"organizations-{PARTS_FORMAT}")


BUILDERS = "opendata.dump_builders"


def start_building(app: Flask, store: PublishedStore) -> None:
    """Build the version's dumps in the background (a preparer: returns at once)."""
    whole = artefacts.path_of(app, store.version, artefact_name(app))
    parts = artefacts.path_of(app, store.version, parts_name(app))
    if artefacts.is_complete(whole) and artefacts.is_complete(parts):
        return
    base = _base(app)

    def run() -> None:
        try:
            artefacts.build_once(
                whole, lambda directory: write_all(store, directory, base, app.logger)
            )
            app.logger.info("dumps of data version %s are ready", store.version)
            previous = _complete(app, store.version, parts_name(app))
            artefacts.build_once(
                parts,
                lambda directory: write_parts(store, directory, base, previous, app.logger),
            )
            app.logger.info("organisation dumps of data version %s are ready", store.version)
        except Exception:
            app.logger.exception("building the dumps of data version %s failed", store.version)

    builder = threading.Thread(target=run, name=f"dumps-{store.version}", daemon=True)
    app.extensions.setdefault(BUILDERS, []).append(builder)
    builder.start()


def wait_until_built(app: Flask) -> None:
    """Wait for the dumps being built by this application (for tools and tests)."""
    for builder in app.extensions.get(BUILDERS, ()):
        builder.join()


def _candidates(app: Flask, version: str, name: str) -> Iterator[Path]:
    """The complete artefacts ``name`` of this version, then of earlier ones, newest first."""
    own = artefacts.path_of(app, version, name)
    if artefacts.is_complete(own):
        yield own
    for directory in reversed(artefacts.version_dirs(app)):
        if directory.name != version and artefacts.is_complete(directory / name):
            yield directory / name


def _complete(app: Flask, version: str, name: str) -> Path | None:
    """The newest complete artefact ``name`` of a version other than this one."""
    for directory in _candidates(app, version, name):
        if directory.parent.name != version:
            return directory
    return None


def find(app: Flask, version: str, fmt: Format, gzipped: bool) -> DumpFile | None:
    """The file of this version, else of the newest earlier version that has one."""
    file_name = f"all.{fmt.name}" + (".gz" if gzipped else "")
    for directory in _candidates(app, version, artefact_name(app)):
        try:
            etag = _etags(directory)[file_name]
        except OSError:  # removed since: an older version
            continue
        return DumpFile(directory / file_name, etag, directory.parent.name, _base(app))
    return None


def find_part(app: Flask, version: str, slug: str, fmt: Format) -> Part | None:
    """An organisation's dump in this version, else in the newest earlier version that
    has the organisations' dumps (None when that one does not have it)."""
    for directory in _candidates(app, version, parts_name(app)):
        try:
            row = _index(directory).lookup(slug, fmt.name)
        except (OSError, sqlite3.Error):  # removed since: an older version
            continue
        if row is None:
            return None
        offset, length, etag, plain_etag = row
        path = directory / f"{fmt.name}.gz"
        return Part(path, offset, length, etag, plain_etag, directory.parent.name, _base(app))
    return None


@lru_cache(maxsize=64)
def _etags(directory: Path) -> dict[str, str]:
    """The ETags of a complete (so never changing) dump directory, read once."""
    return json.loads((directory / ETAGS).read_text(encoding="utf-8"))


class _Index:
    """The index of a complete organisations' artefact, opened read-only once."""

    def __init__(self, path: Path):
        if not path.is_file():
            raise FileNotFoundError(path)
        self.connection = sqlite3.connect(
            f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self.lock = threading.Lock()

    def lookup(self, slug: str, fmt: str) -> tuple[int, int, str, str] | None:
        with self.lock:
            return self.connection.execute(
                "SELECT offset, length, etag, plain_etag FROM parts WHERE slug = ? AND format = ?",
                (slug, fmt),
            ).fetchone()


@lru_cache(maxsize=8)
def _index(directory: Path) -> _Index:
    return _Index(directory / INDEX)


class Member(io.RawIOBase):
    """A byte range of a file as a file of its own.

    Reads stop at its end, and the operating system's file position starts at its
    beginning: a server that sends a file with ``sendfile`` from the current position,
    for Content-Length bytes (gunicorn), sends exactly this range.
    """

    def __init__(self, path: Path, offset: int, length: int):
        self._fd = os.open(path, os.O_RDONLY)
        self._offset, self._length, self._position = offset, length, 0
        os.lseek(self._fd, offset, os.SEEK_SET)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self._length - self._position)
        if size <= 0:
            return 0
        data = os.pread(self._fd, size, self._offset + self._position)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, position: int, whence: int = io.SEEK_SET) -> int:
        start = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}
        self._position = max(0, start[whence] + position)
        os.lseek(self._fd, self._offset + min(self._position, self._length), os.SEEK_SET)
        return self._position

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def write_all(store: PublishedStore, directory: Path, base: str, log: Logger) -> None:
    """Every dump format and its gzip, and the ETag of each file.

    One pass over the files of the data: each file's graph is built once and written
    in every format.
    """
    progress = Progress(log, store.archive.meta["units"], f"dumps of version {store.version}")
    plain = {fmt: directory / f"all.{fmt.name}" for fmt in DUMP_FORMATS}
    with contextlib.ExitStack() as stack:
        out = {fmt: stack.enter_context(open(path, "wb")) for fmt, path in plain.items()}
        # the Turtle statements wait in a scratch file: every prefix comes first
        turtle = stack.enter_context(open(directory / "turtle.part", "w+b"))
        prefixes: set[bytes] = set()
        out[JSONLD].write(uris.relocate(_JSONLD_START.encode("utf-8"), base))
        first = True
        units = store.archive.units_by_source()  # read as written, never all at once
        for done, unit in enumerate(units, 1):
            progress(done)
            graph = store.passing_graph(unit)
            out[NTRIPLES].write(uris.relocate(serialize(graph, NTRIPLES), base))
            lines = serialize(graph, TURTLE).splitlines(keepends=True)
            prefixes.update(line for line in lines if line.startswith(b"@prefix"))
            turtle.write(b"".join(line for line in lines if not line.startswith(b"@prefix")))
            for node in _jsonld_nodes(graph):
                out[JSONLD].write((b"\n    " if first else b",\n    ") + uris.relocate(node, base))
                first = False
        out[JSONLD].write(b"\n  ]\n}\n")
        out[TURTLE].write(uris.relocate(b"".join(sorted(prefixes)), base))
        turtle.seek(0)
        # whole lines at a time: an IRI to relocate must not be cut
        while lines := turtle.readlines(1024 * 1024):
            out[TURTLE].write(uris.relocate(b"".join(lines), base))
    (directory / "turtle.part").unlink()
    etags = {}
    for path in plain.values():
        packed = path.with_name(path.name + ".gz")
        with open(path, "rb") as source, gzip.GzipFile(packed, "wb", mtime=0) as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        for written in (path, packed):
            etags[written.name] = _digest(written)
    (directory / ETAGS).write_text(json.dumps(etags, indent=1), encoding="utf-8")


# One JSON-LD document: the service's context and every file's nodes in @graph.
_JSONLD_START = f'{{\n  "@context": "{uris.INTERNAL_BASE}{CONTEXT_PATH}",\n  "@graph": ['


def _jsonld_nodes(graph) -> Iterator[bytes]:
    """The nodes of a file's graph, compacted with the service's context."""
    data = compacted(graph)
    for node in data.get("@graph", [data]):
        node = {key: value for key, value in node.items() if key != "@context"}
        yield json.dumps(node, ensure_ascii=False, sort_keys=True).encode("utf-8")


def write_parts(
    store: PublishedStore, directory: Path, base: str, previous: Path | None, log: Logger
) -> None:
    """Each organisation's dataset in every dump format: packs of gzip members and their
    index. Members of an organisation whose N-Triples are those of ``previous`` (the
    organisations' artefact of an earlier version) are copied from it."""
    organizations = store.organizations_in("slug")  # read a page at a time, never all at once
    progress = Progress(log, len(organizations), f"organisation dumps of version {store.version}")
    copied = 0
    with contextlib.ExitStack() as stack:
        earlier = stack.enter_context(_Earlier(previous))
        index = sqlite3.connect(directory / INDEX)
        stack.callback(index.close)
        index.execute(
            "CREATE TABLE parts (slug TEXT, format TEXT, offset INTEGER, length INTEGER,"
            " etag TEXT, plain_etag TEXT, PRIMARY KEY (slug, format)) WITHOUT ROWID"
        )
        packs = {
            fmt: stack.enter_context(open(directory / f"{fmt.name}.gz", "wb"))
            for fmt in DUMP_FORMATS
        }
        for done, organization in enumerate(organizations, 1):
            kept, members = _members(store, organization, base, earlier)
            copied += kept
            rows = []
            for fmt, (member, etag, plain_etag) in zip(DUMP_FORMATS, members, strict=True):
                offset = packs[fmt].tell()
                packs[fmt].write(member)
                rows.append((organization.slug, fmt.name, offset, len(member), etag, plain_etag))
            index.executemany("INSERT INTO parts VALUES (?, ?, ?, ?, ?, ?)", rows)
            progress(done)
        index.commit()
    log.info(
        "organisation dumps of version %s: %d rendered, %d unchanged since the version"
        " before, in %.1f s",
        store.version,
        len(organizations) - copied,
        copied,
        time.monotonic() - progress.started,
    )


Packed = tuple[bytes, str, str]  # a gzip member, its ETag, the ETag of its plain bytes


def _members(
    store: PublishedStore, organization: Organization, base: str, earlier: _Earlier
) -> tuple[bool, list[Packed]]:
    """(copied from the earlier version?, the members of each dump format, in order)."""
    # an office that refers to no shared thing: its dataset is its file's graph (uncopied)
    references = organization.references
    graph = store.dataset_graph(organization) if references else store.unit_graph(organization)
    ntriples = uris.relocate(serialize(graph, NTRIPLES), base)
    found = earlier.members(organization.slug, _hash(ntriples))
    if found is not None:
        return True, found
    members = []
    for fmt in DUMP_FORMATS:
        plain = ntriples if fmt is NTRIPLES else uris.relocate(serialize(graph, fmt), base)
        member = compress(plain)
        members.append((member, _hash(member), _hash(plain)))
    return False, members


class _Earlier(contextlib.ExitStack):
    """The organisations' artefact of an earlier version, to copy unchanged members from.

    The same N-Triples are the same graph, so its other formats are the same bytes too.
    """

    def __init__(self, directory: Path | None):
        super().__init__()
        self.index: sqlite3.Connection | None = None
        self.packs: dict[str, int] = {}
        if directory is None:
            return
        try:
            for fmt in DUMP_FORMATS:
                self.packs[fmt.name] = os.open(directory / f"{fmt.name}.gz", os.O_RDONLY)
                self.callback(os.close, self.packs[fmt.name])
            self.index = sqlite3.connect(f"file:{directory / INDEX}?mode=ro", uri=True)
            self.callback(self.index.close)
        except (OSError, sqlite3.Error):  # removed meanwhile: render everything
            self.close()
            self.index = None

    def members(self, slug: str, ntriples: str) -> list[Packed] | None:
        """The members of ``slug`` if its N-Triples had the ETag ``ntriples``."""
        if self.index is None:
            return None
        rows = {
            row[0]: row[1:]
            for row in self.index.execute(
                "SELECT format, offset, length, etag, plain_etag FROM parts WHERE slug = ?",
                (slug,),
            )
        }
        if NTRIPLES.name not in rows or rows[NTRIPLES.name][3] != ntriples:
            return None
        found = []
        for fmt in DUMP_FORMATS:
            offset, length, etag, plain_etag = rows[fmt.name]
            found.append((os.pread(self.packs[fmt.name], length, offset), etag, plain_etag))
        return found


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()[:32]
