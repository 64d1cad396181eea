"""The validated records of a data version, in one SQLite file every process reads.

Validating every data file takes minutes at national scale and holding every record
takes gigabytes, in each process. So the records of a version are validated once and
written to an artefact of the version (``opendata.artefacts``: built once per host,
atomically, with a completion marker): ``{STATE_DIR}/versions/{version}/records-{code}``.
Every process opens it read-only (``mode=ro&immutable=1``: no locks, pages shared
through the OS cache) and reads the records it needs, when it needs them.

Tables:

* ``units(position, source, shared, record)``: each file's validated records, pickled
  (an internal file of one version, read only by the code that wrote it: ``code``,
  a digest of the record classes and of this module, is part of the artefact's name,
  so changed code never unpickles records of another shape);
* ``things(kind, slug, source, modified)``: where each published thing is declared;
* ``referrers(kind, slug, source, shared)``: the files that refer to a thing they do
  not declare;
* ``organizations(position, slug, source, name, parent, place, modified, …)``: what
  lists of organisations sort, filter and count by;
* ``sources(source, size, mtime_ns, digest, modified, issued, languages, themes,
  licence)``: each file as it was read (what tells a later look at the directory which
  files changed, without reading the others) and what the meta table sums up of it;
* ``retirements(kind, slug, record)`` and ``meta`` (version, counts, newest date, …;
  for a version derived from another, ``derived_from`` and the files whose records
  ``changed``, so that what is built per version can be derived too).

A version that differs from an archived one in a few files is *derived* from it
(``derive``): the file is copied, those files' rows replaced and the meta table
summed up again, which gives the very tables a full build of the same files gives.

A damaged file is never read: ``seal.json`` records the file's size and modification
time when it was complete, and opening checks them, SQLite's header and the meta
table. A damaged artefact is moved aside (and logged), and the version built again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import pickle
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

from flask import Flask

from . import artefacts
from .progress import Progress
from .readonly import ReadOnlyConnections
from .records import DataSet, Organization, Retirement, Shared, Source, Text, Unit

FILE_NAME = "records.sqlite"
SEAL = "seal.json"
BATCH = 500  # records read at a time when every record is wanted


def _code() -> str:
    """A digest of the code that shapes the pickled records and the tables."""
    digest = hashlib.sha256()
    records = Path(__file__).parent / "records"
    for path in [*sorted(records.glob("*.py")), Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE = _code()
ARTEFACT = f"records-{CODE}"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE units (
    position INTEGER PRIMARY KEY, source TEXT NOT NULL, shared INTEGER NOT NULL,
    record BLOB NOT NULL
);
CREATE TABLE things (
    kind TEXT NOT NULL, slug TEXT NOT NULL, source TEXT NOT NULL, modified TEXT NOT NULL,
    PRIMARY KEY (kind, slug)
) WITHOUT ROWID;
CREATE TABLE referrers (
    kind TEXT NOT NULL, slug TEXT NOT NULL, source TEXT NOT NULL, shared INTEGER NOT NULL,
    PRIMARY KEY (kind, slug, source)
) WITHOUT ROWID;
CREATE TABLE organizations (
    position INTEGER PRIMARY KEY, slug TEXT NOT NULL, source TEXT NOT NULL,
    name TEXT NOT NULL, parent TEXT NOT NULL, place TEXT NOT NULL, modified TEXT NOT NULL
);
CREATE TABLE retirements (kind TEXT NOT NULL, slug TEXT NOT NULL, record BLOB NOT NULL);
CREATE TABLE sources (
    source TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, digest TEXT,
    modified TEXT NOT NULL, issued TEXT, languages TEXT, themes TEXT, licence TEXT
) WITHOUT ROWID;
"""
INDEXES = """
CREATE UNIQUE INDEX units_by_source ON units (source);
CREATE INDEX things_by_source ON things (source);
CREATE INDEX things_by_modified ON things (modified DESC, kind, slug);
CREATE UNIQUE INDEX organizations_by_slug ON organizations (slug);
CREATE INDEX organizations_by_name ON organizations (name, position);
CREATE INDEX organizations_by_modified ON organizations (modified, slug);
CREATE INDEX organizations_by_parent ON organizations (parent, position);
"""


class DamagedArchive(Exception):
    """The file is not the complete archive its seal describes."""


# ---------------------------------------------------------------------------
# Building


def ensure(app: Flask, data: DataSet) -> Archive:
    """The archive of a validated data set, written first if this host has none."""
    path = artefacts.path_of(app, data.version, ARTEFACT)
    found = open_version(app, data.version)
    if found is not None:
        return found
    artefacts.build_once(path, lambda work: build(data, work, app.logger))
    return Archive(path, data.version)


def open_version(app: Flask, version: str) -> Archive | None:
    """The complete, sound archive of a version on this host, or None.

    A damaged one is moved aside (a process may still read it) so that it is built anew.
    """
    path = artefacts.path_of(app, version, ARTEFACT)
    if not artefacts.is_complete(path):
        return None
    try:
        return Archive(path, version)
    except DamagedArchive as error:
        aside = path.with_name(f".{path.name}-damaged-{uuid.uuid4().hex[:8]}")
        app.logger.error(
            "the records of data version %s are damaged (%s): moved to %s, building them again",
            version,
            error,
            aside.name,
        )
        os.replace(path, aside)
        return None


def build(data: DataSet, directory: Path, logger: logging.Logger) -> None:
    """Write the archive of ``data`` into the empty directory ``directory``."""
    path = directory / FILE_NAME
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")  # a new file: nothing to roll back
        connection.execute("PRAGMA synchronous=OFF")  # made durable once, below
        connection.executescript(SCHEMA)
        connection.execute("BEGIN")
        units = data.units
        sources = {source.name: source for source in data.sources}
        progress = Progress(logger, len(units), f"archiving the records of version {data.version}")
        for position, unit in enumerate(units):
            _insert(connection, position, unit, sources.get(unit.source))
            progress(position + 1)
        connection.executemany(
            "INSERT INTO retirements VALUES (?, ?, ?)",
            [(kind, slug, _pickle(r)) for (kind, slug), r in data.retirements.items()],
        )
        _write_meta(connection, data.version, {})
        connection.execute("COMMIT")
        connection.executescript(INDEXES)
        progress(len(units), force=True)
    finally:
        connection.close()
    _seal(directory, data.version)


def derive(
    app: Flask, previous: Archive, version: str, units: list[Unit], sources: list[Source]
) -> Archive:
    """The archive of ``version``: ``previous`` with the records of ``units`` replaced
    (files ``previous`` has, each in its place) and the ``sources`` rows of files
    whose bytes or ``stat`` changed updated."""
    path = artefacts.path_of(app, version, ARTEFACT)
    found = open_version(app, version)
    if found is not None:
        return found
    artefacts.build_once(path, lambda work: _derive(previous, version, units, sources, work))
    return Archive(path, version)


def _derive(
    previous: Archive, version: str, units: list[Unit], sources: list[Source], directory: Path
) -> None:
    path = directory / FILE_NAME
    shutil.copyfile(previous.path, path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")  # a copy: a failure discards it
        connection.execute("PRAGMA synchronous=OFF")  # made durable once, below
        connection.execute("BEGIN")
        by_name = {source.name: source for source in sources}
        for unit in units:
            (position,) = connection.execute(
                "SELECT position FROM units WHERE source = ?", (unit.source,)
            ).fetchone()
            row = connection.execute(
                "SELECT size, mtime_ns, digest FROM sources WHERE source = ?", (unit.source,)
            ).fetchone()
            source = by_name.pop(unit.source, None) or Source(unit.source, *row)
            for table in ("units", "things", "referrers", "organizations", "sources"):
                connection.execute(f"DELETE FROM {table} WHERE source = ?", (unit.source,))
            _insert(connection, position, unit, source)
        connection.executemany(
            "UPDATE sources SET size = ?, mtime_ns = ?, digest = ? WHERE source = ?",
            [(s.size, s.mtime_ns, s.digest, s.name) for s in by_name.values()],
        )
        changed = sorted(unit.source for unit in units)
        connection.execute("DELETE FROM meta")
        _write_meta(connection, version, {"derived_from": previous.version, "changed": changed})
        connection.execute("COMMIT")
    finally:
        connection.close()
    _seal(directory, version)


def _seal(directory: Path, version: str) -> None:
    """Make the file durable and record what it looks like complete."""
    path = directory / FILE_NAME
    with open(path, "rb+") as written:
        os.fsync(written.fileno())
    stat = path.stat()
    seal = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "version": version}
    (directory / SEAL).write_text(json.dumps(seal), encoding="utf-8")


def _insert(
    connection: sqlite3.Connection, position: int, unit: Unit, source: Source | None
) -> None:
    shared = isinstance(unit, Shared)
    modified = unit.publication.modified.isoformat()
    office = unit if isinstance(unit, Organization) else None
    connection.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            unit.source,
            source.size if source else None,
            source.mtime_ns if source else None,
            source.digest if source else None,
            modified,
            office.publication.issued.isoformat() if office else None,
            json.dumps(dataset_languages(office)) if office else None,
            json.dumps(sorted(set(office.publication.themes))) if office else None,
            office.publication.license if office else None,
        ),
    )
    connection.execute(
        "INSERT INTO units VALUES (?, ?, ?, ?)", (position, unit.source, shared, _pickle(unit))
    )
    connection.executemany(
        "INSERT INTO things VALUES (?, ?, ?, ?)",
        [(kind, slug, unit.source, modified) for kind, slug, _, _ in unit.things()],
    )
    connection.executemany(
        "INSERT INTO referrers VALUES (?, ?, ?, ?)",
        [(kind, slug, unit.source, shared) for kind, slug in references_of(unit)],
    )
    if isinstance(unit, Organization):
        connection.execute(
            "INSERT INTO organizations VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                position,
                unit.slug,
                unit.source,
                unit.name.primary,
                unit.parent_organization.slug,
                unit.area_served.slug,
                modified,
            ),
        )


def _write_meta(connection: sqlite3.Connection, version: str, more: dict) -> None:
    """The meta table, summed up from the other tables (so a derived archive's is the
    one a full build of the same files writes)."""

    def one(sql: str):
        return connection.execute(sql).fetchone()[0]

    def distinct(sql: str) -> list[str]:
        return [row[0] for row in connection.execute(sql)]

    meta = {
        "version": version,
        "code": CODE,
        "units": one("SELECT count(*) FROM units"),
        "organizations": one("SELECT count(*) FROM organizations"),
        "modified": one("SELECT max(modified) FROM sources"),
        "issued": one("SELECT min(issued) FROM sources"),
        "languages": distinct(
            "SELECT DISTINCT j.value FROM sources, json_each(sources.languages) AS j"
            " ORDER BY j.value"
        ),
        "themes": distinct(
            "SELECT DISTINCT j.value FROM sources, json_each(sources.themes) AS j ORDER BY j.value"
        ),
        "licences": distinct(
            "SELECT DISTINCT licence FROM sources WHERE licence IS NOT NULL ORDER BY licence"
        ),
        **more,
    }
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)", [(key, json.dumps(value)) for key, value in meta.items()]
    )


def _pickle(record: object) -> bytes:
    return pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)


def references_of(unit: Unit) -> list[tuple[str, str]]:
    """(kind, slug) of the things a file refers to but does not declare."""
    if isinstance(unit, Organization):
        return sorted(unit.references)
    found = {("organization", a.parent) for a in unit.organizations if a.parent}
    return sorted(found | {("concept", c.broader) for c in unit.concepts if c.broader})


def dataset_languages(organization: Organization) -> list[str]:
    """Language tags of the texts an organisation's dataset publishes (its legal texts
    are pages of the site, not part of the dataset)."""
    found: set[str] = set()
    pending = [value for name, value in vars(organization).items() if name != "legal"]
    while pending:
        value = pending.pop()
        kind = type(value)
        if kind is Text:
            found.update(value.values)
        elif kind is tuple:
            pending.extend(value)
        elif _is_record(kind):
            pending.extend(vars(value).values())
    return sorted(found)


@functools.cache
def _is_record(kind: type) -> bool:
    return dataclasses.is_dataclass(kind)


# ---------------------------------------------------------------------------
# Reading


class Archive:
    """A version's archive opened read-only: one connection per thread of each process."""

    def __init__(self, directory: Path, version: str):
        self.path = directory / FILE_NAME
        self.version = version
        self._connections = ReadOnlyConnections(self.path, cache_kib=4096)
        self._check_seal(directory / SEAL)
        try:
            rows = self.rows("SELECT key, value FROM meta")
            self.meta = {key: json.loads(value) for key, value in rows}
            last = self.rows("SELECT max(position) FROM units")[0][0]
        except (sqlite3.DatabaseError, ValueError) as error:
            raise DamagedArchive(str(error)) from None
        if self.meta.get("version") != version or self.meta.get("code") != CODE:
            raise DamagedArchive("its meta table names another version")
        if last != self.meta["units"] - 1:
            raise DamagedArchive("records are missing")

    def _check_seal(self, seal_path: Path) -> None:
        try:
            seal = json.loads(seal_path.read_text(encoding="utf-8"))
            stat = self.path.stat()
        except (OSError, ValueError) as error:
            raise DamagedArchive(f"no seal or no file: {error}") from None
        if (stat.st_size, stat.st_mtime_ns) != (seal.get("size"), seal.get("mtime_ns")):
            raise DamagedArchive("the file was changed after it was built")

    def connection(self) -> sqlite3.Connection:
        return self._connections.get()

    def rows(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        return self.connection().execute(sql, parameters).fetchall()

    def unit(self, source: str) -> Unit:
        """One file's records (KeyError if the version has no such file)."""
        rows = self.rows("SELECT record FROM units WHERE source = ?", (source,))
        if not rows:
            raise KeyError(source)
        return pickle.loads(rows[0][0])

    def units(self, positions: range | None = None) -> Iterator[Unit]:
        """Every file's records in order (shared files first), or those of the files
        at ``positions``, a batch at a time."""
        last, end = (-1, 1 << 62) if positions is None else (positions.start - 1, positions.stop)
        while rows := self.rows(
            "SELECT position, record FROM units WHERE position > ? AND position < ?"
            f" ORDER BY position LIMIT {BATCH}",
            (last, end),
        ):
            for _, record in rows:
                yield pickle.loads(record)
            last = rows[-1][0]

    def units_by_source(self) -> Iterator[Unit]:
        """Every file's records in the order of the files' names, a batch at a time
        (the dumps' order: stable from version to version)."""
        last = ""
        while rows := self.rows(
            f"SELECT source, record FROM units WHERE source > ? ORDER BY source LIMIT {BATCH}",
            (last,),
        ):
            for _, record in rows:
                yield pickle.loads(record)
            last = rows[-1][0]

    def retirements(self) -> dict[tuple[str, str], Retirement]:
        rows = self.rows("SELECT kind, slug, record FROM retirements ORDER BY rowid")
        return {(kind, slug): pickle.loads(record) for kind, slug, record in rows}

    def declarations(self) -> Iterator[tuple[str, str, str]]:
        """(file, kind, slug) of every thing the version declares."""
        cursor = self.connection().execute("SELECT source, kind, slug FROM things")
        while batch := cursor.fetchmany(10_000):
            yield from batch

    def digests(self, names: list[str]) -> dict[str, str | None]:
        """File name → the digest of its bytes, for the named files the version has."""
        marks = ", ".join("?" * len(names))
        rows = self.rows(f"SELECT source, digest FROM sources WHERE source IN ({marks})", names)
        return dict(rows)

    def sources(self) -> dict[str, tuple[int, int, str]]:
        """File name → (size, mtime_ns, digest) of every file as it was read (the
        values are None for records that were not read from a directory)."""
        rows = self.rows("SELECT source, size, mtime_ns, digest FROM sources")
        return {source: (size, mtime_ns, digest) for source, size, mtime_ns, digest in rows}

    @property
    def derived_from(self) -> tuple[str, list[str]] | None:
        """(the version this one was derived from, the files whose records differ),
        or None for a version built from all its files."""
        previous = self.meta.get("derived_from")
        return (previous, self.meta["changed"]) if previous else None

    @property
    def modified(self) -> dt.date:
        return dt.date.fromisoformat(self.meta["modified"])


class ArchivedData:
    """A version's data set as the build-time consumers read it (dumps, indexes):
    ``units`` are read from the archive as they are iterated."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self.version = archive.version

    @property
    def units(self) -> Records:
        return Records(self.archive, self.archive.meta["units"])

    @property
    def retirements(self) -> dict[tuple[str, str], Retirement]:
        return self.archive.retirements()

    def declarations(self) -> Iterator[tuple[str, str, str]]:
        return self.archive.declarations()


class Records:
    """Records of an archive, read as they are iterated (and counted without reading)."""

    def __init__(self, archive: Archive, count: int):
        self.archive, self.count = archive, count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Unit]:
        return self.archive.units()
