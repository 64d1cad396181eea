"""A version's search index derived from the previous version's, when the version
was derived from it (``opendata.deriving``: a few office files changed).

Building an index reads every record of the version. A version that differs from
the previous one in a few files gets the previous index with those files' things
replaced:

* the segments of the last full build are kept as they are (hard links, no copy),
  and the rows they hold of every file changed since that build are ``deleted``;
* the things of every file changed since that build are written into a segment of
  their own, ``CHANGES``, anew each time (a few files: milliseconds);
* the index file is the previous one's, copied, with the changed files' rows of
  ``things``, ``topics``, ``links`` and ``labels`` replaced and the counts of the
  lists without words updated. A thing keeps its id unless its new name moves it in
  name order; then it takes an id between its new neighbours (ids are ``GAP`` apart).

Among things of equal names, a changed one comes after the others (a full build
orders them by file). The index is built whole instead (``derive`` answers None and
the log says why) when the previous version's index is not on this host, when more
than MOST_FILES files have changed since the last full build, when an office's
parent changed and another file's organisations have it as their parent, or when no
id is left between two neighbours.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path

from ..readonly import uri
from ..store import PublishedStore
from . import documents
from .index import FILE_NAME, GAP
from .segments import Read, Segment
from .tables import (
    LABELLED,
    THEMES,
    Tally,
    counted,
    insert_labels,
    insert_things,
    write_meta,
)

CHANGES = "changes.sqlite"
# Beyond this many files changed since the last full build, build the index whole.
MOST_FILES = 1_000


class _Whole(Exception):
    """Why the index is built whole."""


def derive(
    store: PublishedStore,
    previous: tuple[PublishedStore, Path],
    changed: list[str],
    directory: Path,
    logger: logging.Logger,
) -> Path | None:
    """Write the index of ``store``'s version into ``directory`` from ``previous``
    (its version's store and index file), whose version differs in the files
    ``changed``; None when it must be built whole (logged)."""
    started = time.monotonic()
    try:
        files = _derive(store, previous, changed, directory)
    except _Whole as reason:
        logger.info("search index of version %s is built whole: %s", store.version, reason)
        for leftover in directory.iterdir():
            leftover.unlink()
        return None
    logger.info(
        "search index of version %s derived from version %s: %d file(s) changed, %d since"
        " the last full build, in %.1f s",
        store.version,
        previous[0].version,
        len(changed),
        len(files),
        time.monotonic() - started,
    )
    return directory / FILE_NAME


def _derive(
    store: PublishedStore,
    previous: tuple[PublishedStore, Path],
    changed: list[str],
    directory: Path,
) -> list[str]:
    """The files changed since the last full build, once the index is written."""
    before, before_path = previous
    meta = _meta(before_path)
    files = sorted({*((meta.get("changes") or {}).get("files", ())), *changed})
    if len(files) > MOST_FILES:
        raise _Whole(f"more than {MOST_FILES} files changed since the last full build")
    for name in meta["segments"]:
        try:
            os.link(before_path.parent / name, directory / name)
        except OSError as error:  # a file system without hard links
            raise _Whole(f"the segments cannot be linked: {error}") from None
    path = directory / FILE_NAME
    shutil.copyfile(before_path, path)
    segment = Segment(directory / CHANGES, lambda: (store.unit(name) for name in files))
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        for pragma in ("journal_mode=OFF", "synchronous=OFF"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("BEGIN")
        changes = Tally()  # how the counts go up and down
        was = _remove(connection, before, changed, changes)
        read = segment.read(lambda done: None)
        ids, administrations = _replace(connection, read, set(changed), was, changes)
        meta.update(counted(connection, changes, meta))
        meta.update(version=store.version, changes={"segment": CHANGES, "files": files})
        write_meta(connection, meta)
        connection.execute("COMMIT")
    segment.assign(ids, administrations)
    segment.write(lambda done: None)
    return files


def _meta(path: Path) -> dict:
    with closing(sqlite3.connect(uri(path), uri=True)) as connection:
        rows = connection.execute("SELECT key, value FROM meta").fetchall()
    meta = {key: json.loads(value) for key, value in rows}
    if "segments" not in meta:
        raise _Whole("the previous index is of another kind")
    return meta


class _Was:
    """What the index held of the changed files' things: their ids by (kind, slug),
    and their chain links."""

    def __init__(self, ids: dict[tuple[str, str], int], links: set[tuple[str, str]]):
        self.ids, self.links = ids, links


def _remove(
    connection: sqlite3.Connection, before: PublishedStore, changed: list[str], tally: Tally
) -> _Was:
    """Take the changed files' rows out of the index (and out of ``tally``); their
    rows in the segments of the last full build are ``deleted`` from now on."""
    marks = ", ".join("?" * len(changed))
    things = connection.execute(
        "SELECT id, kind, slug, place, administration, themes FROM things"
        f" WHERE source IN ({marks})",
        changed,
    ).fetchall()
    for id_, kind, _, place, administration, themes in things:
        focus = [
            value
            for (value,) in connection.execute(
                "SELECT value FROM topics WHERE thing = ? AND facet = 'focus'", (id_,)
            )
        ]
        codes = [theme for i, theme in enumerate(THEMES) if themes >> i & 1]
        tally.add_values(kind, place, administration, codes, focus, -1)
    ids = [(id_,) for id_, *_ in things]
    connection.executemany("DELETE FROM topics WHERE thing = ?", ids)
    connection.executemany("DELETE FROM things WHERE id = ?", ids)
    connection.executemany("INSERT OR IGNORE INTO deleted VALUES (?)", ids)
    links = connection.execute(
        f"SELECT slug, parent FROM links WHERE source IN ({marks})", changed
    ).fetchall()
    connection.execute(f"DELETE FROM links WHERE source IN ({marks})", changed)
    labelled = [
        (LABELLED[kind], slug)
        for name in changed
        for kind, slug, _, _ in before.unit(name).things()
        if kind in LABELLED
    ]
    connection.executemany("DELETE FROM labels WHERE facet = ? AND value = ?", labelled)
    return _Was({(kind, slug): id_ for id_, kind, slug, *_ in things}, set(links))


def _replace(
    connection: sqlite3.Connection, read: Read, changed: set[str], was: _Was, tally: Tally
) -> tuple[list[int], list[str | None]]:
    """Put the changed files' things back as they are now; the id and administration
    of every thing ``read`` (of every file changed since the last full build)."""
    links = [link for link in read.links if link[2] in changed]
    _check_chains(connection, was.links, {(slug, parent) for slug, parent, _ in links})
    connection.executemany("INSERT INTO links VALUES (?, ?, ?)", links)
    top = documents.top_of(_Links(connection))
    ids, administrations = [], []
    for thing in read.things:
        administration = thing.chain_start and top(thing.chain_start)
        if thing.source in changed:
            id_ = _place(connection, thing.key, was.ids.get((thing.kind, thing.slug)))
            insert_things(connection, [(id_, thing, administration)], tally)
        else:
            (id_,) = connection.execute(
                "SELECT id FROM things WHERE kind = ? AND slug = ?", (thing.kind, thing.slug)
            ).fetchone()
        ids.append(id_)
        administrations.append(administration)
    insert_labels(connection, read.named)
    return ids, administrations


def _check_chains(
    connection: sqlite3.Connection, before: set[tuple[str, str]], now: set[tuple[str, str]]
) -> None:
    """An organisation whose parent changed must not be the parent of another file's
    organisations (whose administration would change too)."""
    moved = sorted({slug for slug, _ in before ^ now})
    if not moved:
        return
    marks = ", ".join("?" * len(moved))
    if connection.execute(
        f"SELECT 1 FROM links WHERE parent IN ({marks}) LIMIT 1", moved
    ).fetchone():
        raise _Whole("the chain of parents of another file's organisations changed")


def _place(connection: sqlite3.Connection, key: str, was: int | None) -> int:
    """The id of a thing of this sort key: the one it had if that is still between its
    neighbours in name order, else one between them."""
    before = connection.execute(
        "SELECT id FROM things WHERE key <= ? ORDER BY key DESC, id DESC LIMIT 1", (key,)
    ).fetchone()
    after = connection.execute(
        "SELECT id FROM things WHERE key > ? ORDER BY key, id LIMIT 1", (key,)
    ).fetchone()
    low = before[0] if before else 0
    high = after[0] if after else low + 2 * GAP
    if was is not None and low < was < high:
        return was
    if high - low < 2:
        raise _Whole("no id is left between two things in name order")
    return (low + high) // 2


class _Links(Mapping):
    """The chain links of the index, looked up as ``documents.top_of`` asks."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __getitem__(self, slug: str) -> str:
        row = self.connection.execute(
            "SELECT parent FROM links WHERE slug = ? ORDER BY rowid DESC LIMIT 1", (slug,)
        ).fetchone()
        if row is None:
            raise KeyError(slug)
        return row[0]

    def __iter__(self) -> Iterator[str]:
        return (slug for (slug,) in self.connection.execute("SELECT DISTINCT slug FROM links"))

    def __len__(self) -> int:
        return self.connection.execute("SELECT count(DISTINCT slug) FROM links").fetchone()[0]
