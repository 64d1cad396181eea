"""The search index of one data version: an SQLite file with an FTS5 table.

Why SQLite FTS5: it is in Python's standard library (no new dependency, no service
to run), one file that is built once per data version and then opened read-only by
every process (``mode=ro``, ``immutable=1``: no locks, pages shared through the OS
cache), and answers matching, facet counts and pages in the same SQL. tantivy (via
tantivy-py) would build faster, but is a compiled dependency with its own index
directory format and no SQL for facets and paging; at 100,000 organisations FTS5
answers in milliseconds, so it wins on simplicity.

Schema:

* ``things(id, kind, slug, parent, place, administration, themes)``: one row per
  organisation, programme and person, numbered in name order (the folded German name,
  then the order of the files): reading matches in ``id`` order is reading them by
  name, so a page of a result is found without sorting every match. ``themes`` holds
  the EU data themes as bits;
* ``topics(thing, facet, value)``: the many-valued facets (``theme``, ``focus``);
* ``labels(facet, value, de, en)``: what facet values and parents are called;
* ``terms(term, fields)``: every word the ``text`` table holds and the fields it is
  in (as bits), so a query word becomes the words it begins (``query``; FTS5 would
  otherwise merge the postings of every such word before giving the first match),
  and a tier of fields that cannot hold every word of a search is not read;
* ``text``: a contentless FTS5 table (``unicode61``, prefix indexes of 2 and 3
  characters) whose columns are ``documents.FIELDS``, filled with folded text
  (``folding``), and ``facets``, its rowids the ids of ``things``; the original texts
  stay in the records, where snippets are cut. ``facets`` holds a word for each facet
  value of the thing (``facet_word``), so a search with filters is one FTS5 query
  whose words include the filters': FTS5 skips from one match of the rarest word to
  the next instead of reading every match of the others;
* ``meta``: counts and the facet counts of the lists without words, computed once.

Building puts the things in name order first (their names only), then reads each
thing's texts, has folding processes fold them (``folders``: every core) and writes
them under their ids on a thread of its own, logging its progress every
``PROGRESS_SECONDS``: files read and things written, each with the rate and the time
left.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..progress import Progress
from ..readonly import ReadOnlyConnections
from ..records import DATA_THEMES, DataSet
from . import documents
from .folders import Folders, InProcess
from .folders import for_things as folders_for

FILE_NAME = "index.sqlite"
BATCH = 2_000  # things folded and written at a time
SORT_BATCH = 50_000  # names folded at a time, to put things in name order
FACETS = ("kind", "place", "administration", "theme", "focus")
THEMES = DATA_THEMES  # bit i of ``things.themes``: the thing has theme THEMES[i]
FACET_LIMIT = 10  # facet values a list shows (the most frequent; the selected one too)
# The lists without search text whose facet counts are computed when the index is
# built: everything ("-") and each kind.
LISTS = ("-", *documents.SEARCHED_KINDS)
# The kinds of things whose names the labels table holds, and the facet of each.
LABELLED = {"place": "place", "organization": "organization", "concept": "focus"}
REMEMBERED = 256  # searches a process keeps the ordered results of, per version

SCHEMA = f"""
CREATE TABLE things (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL,
    parent TEXT, place TEXT, administration TEXT, themes INTEGER NOT NULL
);
CREATE TABLE topics (thing INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE labels (
    facet TEXT NOT NULL, value TEXT NOT NULL, de TEXT, en TEXT, PRIMARY KEY (facet, value)
) WITHOUT ROWID;
CREATE TABLE terms (term TEXT PRIMARY KEY, fields INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE text USING fts5(
    {", ".join(name for name, *_ in documents.FIELDS)}, facets,
    content='', tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
"""
INDEXES = """
CREATE INDEX things_by_kind ON things (kind);
CREATE INDEX topics_by_thing ON topics (thing, facet, value);
"""
# The first character of the words of ``facets``: a private-use character, which
# ``folding`` never leaves in a word, so no word of a search can match one of them.
FACET_MARK = "\ue000"


@lru_cache(maxsize=1 << 16)  # places, themes and kinds repeat
def facet_word(facet: str, value: str) -> str:
    """The word of ``text.facets`` that says a thing has this facet value (letters and
    digits after the mark, as FTS5's tokenizer keeps them whole)."""
    return f"{FACET_MARK}{FACETS.index(facet)}{value.encode().hex()}"


def build(data: DataSet, directory: Path, logger: logging.Logger, labels: dict) -> Path:
    """Write the index of ``data`` into ``directory`` (an artefact's work directory).

    ``labels`` names the facet values the records do not (the EU data themes):
    facet → value → {language: label}.
    """
    path = directory / FILE_NAME
    what = f"search index of version {data.version}"
    started = time.monotonic()
    names, named = _names(data)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
            connection.execute(f"PRAGMA {pragma}")
        connection.executescript(SCHEMA)
        connection.execute("BEGIN")
        with folders_for(len(names)) as folders:
            ids = _numbered(folders, names)
            reading = Progress(logger, len(data.units), f"{what}, files read")
            progress = Progress(logger, len(ids), f"{what}, things written")
            tally = _insert_things(connection, data, folders, ids, (reading, progress))
        _insert_labels(connection, named, labels)
        connection.execute("COMMIT")
        progress(len(ids), force=True)
        logger.info("%s: merging the index", what)
        connection.executescript(INDEXES)
        connection.execute("INSERT INTO text(text) VALUES ('optimize')")
        _insert_terms(connection)
        connection.execute("BEGIN")
        _insert_meta(connection, data, tally)
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        connection.close()
    logger.info(
        "%s: %s things in %.1f s, %.1f MB",
        what,
        f"{len(ids):,}",
        _since(started),
        path.stat().st_size / 1e6,
    )
    return path


def _since(started: float) -> float:
    return time.monotonic() - started


def _names(data: DataSet) -> tuple[list[tuple[str, str]], dict[tuple[str, str], dict]]:
    """The name and slug of each indexed thing, in the order ``documents.things`` gives
    them; and the names of places, organisations and focus areas, by (facet, slug)."""
    names, named = [], {}
    for unit in data.units:
        for kind, slug, _, record in unit.things():
            if kind in documents.SEARCHED_KINDS:
                names.append((documents.sort_name(record), slug))
            facet = LABELLED.get(kind)
            if facet is not None:
                named[(facet, slug)] = record.name.values
    return names, named


def _numbered(folders: Folders | InProcess, names: list[tuple[str, str]]) -> list[int]:
    """The id of each thing: its place in name order (among equal names, in the order of
    the files), counted from 1."""
    keys: list[str] = []
    answers = []
    for start in range(0, len(names), SORT_BATCH):
        answers += folders.submit(start, "sort_key", names[start : start + SORT_BATCH])
    for _, found in sorted([*answers, *folders.finish()], key=lambda answer: answer[0]):
        keys += found
    ids = [0] * len(keys)
    for place, i in enumerate(sorted(range(len(keys)), key=keys.__getitem__), start=1):
        ids[i] = place  # sorted() is stable
    return ids


class Tally:
    """The facet counts of the lists without words (``LISTS``), counted while the
    things are written: facet → value → how many things have it."""

    def __init__(self) -> None:
        self.counts = {key: {facet: Counter() for facet in FACETS} for key in LISTS}

    def add(self, thing: documents.Thing) -> None:
        for key in ("-", thing.kind):
            counts = self.counts[key]
            counts["kind"][thing.kind] += 1
            counts["theme"].update(set(thing.themes))
            if thing.place:
                counts["place"][thing.place] += 1
            if thing.administration:
                counts["administration"][thing.administration] += 1
            if thing.kind == "organization":
                counts["focus"].update(thing.focus)

    def facets(self, key: str) -> dict:
        """facet → {"values": [[value, count], …] (most frequent first), "distinct": n}."""
        if not self.total(key):
            return {}
        return {facet: ranked(counts.items()) for facet, counts in self.counts[key].items()}

    def total(self, key: str) -> int:
        return sum(self.counts[key]["kind"].values())


def ranked(pairs: Iterable[tuple[str, int]]) -> dict:
    """The FACET_LIMIT most frequent values (then in alphabetical order), and how many
    values have any things at all."""
    found = sorted(((value, n) for value, n in pairs if n), key=lambda v: (-v[1], v[0]))
    return {"values": [list(v) for v in found[:FACET_LIMIT]], "distinct": len(found)}


def _insert_things(
    connection: sqlite3.Connection,
    data: DataSet,
    folders: Folders | InProcess,
    ids: list[int],
    progress: tuple[Progress, Progress],
) -> Tally:
    """Read the things, have them folded and write them under their ids: each batch
    goes to a folding process while the next is read, and its rows to the writer."""
    tally = Tally()
    reading, written = progress
    writer = _Writer(connection, written)
    writer.start()
    batch: list[documents.Thing] = []
    read = 0

    def write(answers: list) -> None:
        for (first, things), folded in answers:
            writer.put(_rows(ids[first : first + len(things)], things, folded))

    try:
        for read, thing in enumerate(documents.things(data, reading), start=1):
            batch.append(thing)
            tally.add(thing)
            if len(batch) == BATCH:
                write(folders.submit((read - BATCH, batch), "fold_thing", _texts(batch)))
                batch = []
        write(folders.submit((read - len(batch), batch), "fold_thing", _texts(batch)))
        write(folders.finish())
    finally:
        writer.close()
    if read != len(ids):  # the names were read from the same records
        raise RuntimeError(f"{read} things read, {len(ids)} named")
    return tally


def _texts(batch: list[documents.Thing]) -> list[tuple[documents.Texts]]:
    return [(thing.texts,) for thing in batch]


class _Writer(threading.Thread):
    """Writes the rows of each batch on a thread of its own: SQLite works without
    Python's lock, so it writes while the next batch is read. Rowids out of order make
    FTS5 start a new segment; ``optimize`` merges them all."""

    def __init__(self, connection: sqlite3.Connection, progress: Progress):
        super().__init__(name="search index writer", daemon=True)
        self.connection, self.progress = connection, progress
        self.batches: queue.Queue = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.written = 0
        columns = [name for name, *_ in documents.FIELDS]
        self.text = (
            f"INSERT INTO text (rowid, {', '.join(columns)}, facets)"
            f" VALUES (?{', ?' * (len(columns) + 1)})"
        )

    def run(self) -> None:
        while (rows := self.batches.get()) is not None:
            if self.error is None:
                try:
                    self._write(*rows)
                except BaseException as error:  # raised again in the reading thread
                    self.error = error

    def _write(self, things: list, texts: list, topics: list) -> None:
        self.connection.executemany("INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?)", things)
        self.connection.executemany(self.text, texts)
        self.connection.executemany("INSERT INTO topics VALUES (?, ?, ?)", topics)
        self.written += len(things)
        self.progress(self.written)

    def put(self, rows: tuple[list, list, list]) -> None:
        if self.error is not None:
            raise self.error
        self.batches.put(rows)

    def close(self) -> None:
        """Wait until every batch is written; raise what writing raised."""
        self.batches.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def _rows(ids: list[int], things: list[documents.Thing], folded: list[list[str]]) -> tuple:
    """The rows of ``things``, ``text`` and ``topics`` of a batch, in id order."""
    rows, texts, topics = [], [], []
    for id_, thing, columns in sorted(zip(ids, things, folded, strict=True), key=lambda r: r[0]):
        themes = sum(1 << THEMES.index(theme) for theme in set(thing.themes))
        rows.append(
            (id_, thing.kind, thing.slug, thing.parent, thing.place, thing.administration, themes)
        )
        texts.append((id_, *columns, _facet_words(thing)))
        topics += [(id_, "theme", theme) for theme in thing.themes]
        topics += [(id_, "focus", focus) for focus in thing.focus]
    return rows, texts, topics


def _facet_words(thing: documents.Thing) -> str:
    values = [("kind", thing.kind), ("place", thing.place)]
    values += [("administration", thing.administration)]
    values += [("theme", theme) for theme in set(thing.themes)]
    values += [("focus", focus) for focus in thing.focus]
    return " ".join(facet_word(facet, value) for facet, value in values if value)


def _insert_labels(
    connection: sqlite3.Connection, named: dict[tuple[str, str], dict], labels: dict
) -> None:
    """The names of places, organisations and focus areas (each as its file says), and
    of the facet values ``labels`` names."""
    found = dict(named)
    for facet, values in labels.items():
        for value, names in values.items():
            found[(facet, value)] = names
    connection.executemany(
        "INSERT INTO labels VALUES (?, ?, ?, ?)",
        [(f, v, names.get("de"), names.get("en")) for (f, v), names in sorted(found.items())],
    )


def _insert_terms(connection: sqlite3.Connection) -> None:
    """Every word of ``text`` as FTS5's tokenizer wrote it, with the fields it is found
    in (bit i: ``documents.FIELDS[i]``)."""
    bits = " ".join(f"WHEN '{name}' THEN {1 << i}" for i, (name, _) in enumerate(documents.FIELDS))
    connection.execute("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, text, col)")
    connection.execute(
        f"INSERT INTO terms SELECT term, sum(CASE col {bits} END) FROM temp.vocabulary"
        " WHERE col != 'facets' GROUP BY term"
    )
    connection.execute("DROP TABLE temp.vocabulary")


def _insert_meta(connection: sqlite3.Connection, data: DataSet, tally: Tally) -> None:
    meta = {"version": data.version, "things": tally.total("-")}
    for key in LISTS:
        meta[f"facets/{key}"] = tally.facets(key)
        meta[f"total/{key}"] = tally.total(key)
    connection.executemany(
        "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
    )


class Index:
    """An index opened read-only: one connection per thread of each process, and the
    searches the process answered last (``remembered``)."""

    def __init__(self, path: Path):
        self.path = path
        self._connections = ReadOnlyConnections(path, cache_kib=8192)
        self._remembered: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        meta = dict(self.connection().execute("SELECT key, value FROM meta").fetchall())
        self.meta = {key: json.loads(value) for key, value in meta.items()}

    def connection(self) -> sqlite3.Connection:
        return self._connections.get()

    def remembered(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """What ``compute`` gives for ``key``, computed once for the last REMEMBERED
        keys: the further pages of a search are slices of what its first one found."""
        with self._lock:
            found = self._remembered.get(key)
            if found is not None:
                self._remembered.move_to_end(key)
                return found
        found = compute()
        with self._lock:
            self._remembered[key] = found
            while len(self._remembered) > REMEMBERED:
                self._remembered.popitem(last=False)
        return found
