"""A new data version derived from the live one when only a few office files changed.

A full build reads and validates every file (minutes at national scale) although one
office's file changed. The live version's archive knows each file's size,
modification time and digest (``opendata.archive``), so ``look`` finds the files that
changed by a ``stat`` of each and reads only those; ``derive`` validates them and
the files that refer to what they declare, against the declarations the archive
holds, and writes the new archive as the old one with those files' rows replaced.

Validation stays exactly as strict as a full build: a changed file whose own syntax
or schema is wrong is refused with the problems a full build reports; anything whose
problems depend on other files (an unknown or duplicate slug, a retired thing
declared again) and anything the derivation does not handle (a file added, removed,
or shared by many offices; too many files to revalidate) is left to the full build
(``derive`` answers None and logs why), as is a file that changes while it is read.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from . import archive
from .archive import Archive
from .records import DATA_SUFFIXES, DataProblem, InvalidData, Organization, Source, Unit
from .records.loading import UNREADABLE, parse, read_source, validate_file, version_of
from .records.references import Declaration, gone, resolve_office

# Beyond this many files to revalidate, a full build is about as quick and simpler.
MOST_FILES = 1000


@dataclass(frozen=True)
class Changes:
    """How the files of a directory differ from those an archive was built from."""

    version: str  # of the files as they are now
    changed: dict[str, tuple[Source, bytes]]  # name → new identity and bytes
    touched: list[Source]  # same bytes, another size or modification time
    added: list[str]
    removed: list[str]

    @property
    def sources(self) -> list[Source]:
        return [*(source for source, _ in self.changed.values()), *self.touched]


def look(directory: Path, archive: Archive) -> Changes | None:
    """The files that differ from ``archive``'s, by a ``stat`` of each and a read of
    those whose ``stat`` differs; None when the archive does not know its files' bytes
    or the directory has no data files (a full build says what is wrong)."""
    known = archive.sources()
    if not known or any(digest is None for _, _, digest in known.values()):
        return None
    try:
        with os.scandir(directory) as entries:  # the file type comes without a stat
            names = sorted(
                e.name
                for e in entries
                if os.path.splitext(e.name)[1] in DATA_SUFFIXES and e.is_file()
            )
    except OSError:
        return None
    if not names:
        return None
    sources, changed, touched = [], {}, []
    for name in names:
        was = known.get(name)
        try:
            stat = os.stat(os.path.join(directory, name))
            if was and (stat.st_size, stat.st_mtime_ns) == was[:2]:
                sources.append(Source(name, *was))
                continue
            source, raw = read_source(directory / name)
        except OSError:
            return None  # removed meanwhile: the next look sees it
        sources.append(source)
        if was and source.digest == was[2]:
            touched.append(source)
        else:
            changed[name] = (source, raw)
    added = [name for name in names if name not in known]
    removed = sorted(set(known) - set(names))
    return Changes(version_of(sources), changed, touched, added, removed)


def derive(app: Flask, directory: Path, previous: Archive, changes: Changes) -> Archive | None:
    """The archive of the files as they are now, derived from ``previous``; InvalidData
    with the problems a full build reports; None when a full build must decide (the
    log says why)."""
    started = time.monotonic()
    try:
        resolved = _resolved(directory, previous, changes)
    except _Whole as reason:
        app.logger.info("data version %s is built whole: %s", changes.version, reason)
        return None
    derived = archive.derive(app, previous, changes.version, resolved, changes.sources)
    app.logger.info(
        "data version %s derived from %s: %d file(s) changed, %d revalidated, in %.1f s",
        changes.version,
        previous.version,
        len(changes.changed),
        len(resolved),
        time.monotonic() - started,
    )
    return derived


def _resolved(directory: Path, previous: Archive, changes: Changes) -> list[Organization]:
    """The records of every file to revalidate, resolved, and checked to lose nothing."""
    if changes.added or changes.removed or not changes.changed:
        raise _Whole("files were added or removed, or none changed")
    if len(changes.changed) > MOST_FILES:
        raise _Whole(f"more than {MOST_FILES} files changed")
    derivation = _Derivation(directory, previous, _validated(previous, changes))
    resolved = derivation.resolve()
    problems = derivation.lost()
    if problems:
        raise InvalidData(problems)
    return resolved


def _validated(previous: Archive, changes: Changes) -> dict[str, Organization]:
    """The changed files' records, references unresolved; InvalidData with their
    problems, in the order a full build reports them: syntax first, then each file's
    schema."""
    problems: list[DataProblem] = []
    documents = {}
    for name, (_, raw) in sorted(changes.changed.items()):
        document = parse(name, raw, problems)
        if document is not UNREADABLE:
            documents[name] = document
    units = {}
    for name, document in documents.items():
        unit = validate_file(name, document, problems)
        if unit is not None:
            units[name] = unit
    if problems:
        raise InvalidData(problems)
    marks = ", ".join("?" * len(units))
    before = previous.rows(f"SELECT shared FROM units WHERE source IN ({marks})", tuple(units))
    shared = any(shared for (shared,) in before)
    if shared or not all(isinstance(unit, Organization) for unit in units.values()):
        raise _Whole("a shared file changed")
    return units


class _Derivation:
    """The files to revalidate and the declarations they are resolved against: those
    of the changed files as they are now, the rest as ``previous`` has them."""

    def __init__(self, directory: Path, previous: Archive, units: dict[str, Organization]):
        self.directory, self.previous, self.units = directory, previous, units
        self.declared: dict[tuple[str, str], Declaration] = {}
        self._read: dict[str, Unit] = {}

    def resolve(self) -> list[Organization]:
        """Every file to revalidate, resolved."""
        self._declare(self.units.values())
        referrers = self._referrers()
        if len(self.units) + len(referrers) > MOST_FILES:
            raise _Whole(f"more than {MOST_FILES} files refer to what changed")
        others = {name: self._unchanged(name) for name in referrers}
        self._declare(others.values())
        problems: list[DataProblem] = []
        resolved = [
            resolve_office(unit, self, problems)
            for _, unit in sorted({**self.units, **others}.items())
        ]
        if problems:  # a full build names the nearest slugs, or the cycle
            raise _Whole("a reference is not resolved")
        return resolved

    def _declare(self, units) -> None:
        """Add the declarations of files being revalidated (a slug declared twice or
        retired goes to a full build, which names both places)."""
        retired = {
            (kind, slug) for kind, slug in self.previous.rows("SELECT kind, slug FROM retirements")
        }
        for unit in units:
            for kind, slug, field, record in unit.things():
                key = (kind, slug)
                if key in self.declared or key in retired:
                    raise _Whole(f"{kind} {slug!r} is declared twice or retired")
                rows = self.previous.rows(
                    "SELECT source FROM things WHERE kind = ? AND slug = ?", key
                )
                if rows and rows[0][0] not in self.units and rows[0][0] != unit.source:
                    raise _Whole(f"{kind} {slug!r} is declared twice")
                self.declared[key] = Declaration(record, f"{unit.source} ({field})")

    def _referrers(self) -> list[str]:
        """The unchanged files that refer to what the changed files declared before or
        declare now (their resolved records embed it)."""
        marks = ", ".join("?" * len(self.units))
        names = tuple(self.units)
        before = self.previous.rows(
            f"SELECT kind, slug FROM things WHERE source IN ({marks})", names
        )
        found: set[str] = set()
        for key in {*before, *self.declared}:
            for source, shared in self.previous.rows(
                "SELECT source, shared FROM referrers WHERE kind = ? AND slug = ?", key
            ):
                if source in self.units:
                    continue
                if shared:
                    raise _Whole("a shared file refers to what changed")
                found.add(source)
        return sorted(found)

    def _unchanged(self, name: str) -> Organization:
        """An unchanged office's records as validated before resolving, read again."""
        if name in self._read:
            return self._read[name]
        try:
            source, raw = read_source(self.directory / name)
        except OSError:
            source, raw = None, b""
        problems: list[DataProblem] = []
        document = parse(name, raw, problems)
        unit = None if problems else validate_file(name, document, problems)
        if source is None or source.digest != self.previous.digests([name]).get(name):
            raise _Whole(f"{name} changed meanwhile")
        if problems or not isinstance(unit, Organization):
            raise _Whole(f"{name} is not the office it was")
        self._read[name] = unit
        return unit

    def _shared(self, name: str) -> Unit:
        if name not in self._read:
            self._read[name] = self.previous.unit(name)
        return self._read[name]

    def get(self, key: tuple[str, str]) -> Declaration | None:
        """The declaration of a thing, as resolving an office looks it up."""
        found = self.declared.get(key)
        if found is not None:
            return found
        rows = self.previous.rows(
            "SELECT source, shared FROM units WHERE source ="
            " (SELECT source FROM things WHERE kind = ? AND slug = ?)",
            key,
        )
        if not rows or rows[0][0] in self.units:
            return None  # not declared, or no longer declared by a changed file
        source, shared = rows[0]
        # a shared file's records are the same resolved or not; an office's embed what
        # they refer to, so its declarations are taken from the file itself
        unit = self._shared(source) if shared else self._unchanged(source)
        for kind, slug, field, record in unit.things():
            if (kind, slug) == key:
                found = Declaration(record, f"{source} ({field})")
                self.declared[key] = found
                return found
        return None

    def __iter__(self):
        """Only for the hint of an unknown slug, whose problem sends the version to a
        full build, which finds the hint among every declaration."""
        return iter(())

    def lost(self) -> list[DataProblem]:
        """What the changed files published before and no file publishes or retires now
        (``records.references.lost``, in its order)."""
        marks = ", ".join("?" * len(self.units))
        rows = self.previous.rows(
            f"SELECT source, kind, slug FROM things WHERE source IN ({marks}) ORDER BY kind, slug",
            tuple(self.units),
        )
        problems = []
        for source, kind, slug in rows:
            if (kind, slug) not in self.declared:
                problems.append(gone(source, kind, slug))
        return problems


class _Whole(Exception):
    """Why the version is left to a full build."""
