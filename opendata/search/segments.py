"""The segments of a search index: FTS5 files, each written by a process of its own.

Reading records and folding their texts (``folding``) is most of the work of building
an index, and Python does it on one core per process. So the files of a version are
cut into as many ranges as the build may use cores, and each range's things are read,
folded and written into an FTS5 file of its own, a *segment*, by a fresh interpreter
(``python -c``, as the SPARQL query processes are: not a fork of a threaded server,
which can copy a lock another thread holds). A query reads every segment of a version
(``index.Index``). A small index is one segment written in the building process
(``PROCESSES_FROM``).

A segment is built in three steps, because a thing's id is its place in name order
among the things of every segment, and its administration is the top of a chain of
parents that may run through other segments' files:

1. ``Segment.order``: read the records (``read``), fold each thing's texts and keep
   them; answer with each thing's sort key and where its chain of parents starts,
   and the chain links (``Order``);
2. ``Segment.rows``: given each thing's id and administration, write the rows
   ``index.sqlite`` holds of them into a file the building process copies them from
   (``rows_file``), and answer their counts;
3. ``Segment.write``: write the FTS5 rows in id order, merge them and list the words
   (``terms``).

A process answers over a pipe (``multiprocessing.connection`` framing), each request
in turn, with ``("done", n)`` messages meanwhile to say how far it is.
"""

from __future__ import annotations

import gc
import os
import sqlite3
import subprocess
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial
from multiprocessing import Pipe
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, NamedTuple

from ..progress import Progress
from ..records import DataSet, Unit
from . import documents, tables
from .folding import folded_text, inner_parts
from .tables import FACETS

# The directory that holds the ``opendata`` package, so that a child can import it.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
MOST_PROCESSES = 4  # segments written at once at most (one per core the build may use)
# Below this many files an index is one segment written in the building process:
# starting a process (an interpreter importing the package) costs more than the rest.
PROCESSES_FROM = 1_000
STOP_SECONDS = 10.0
TELL_SECONDS = 0.5  # how often a process says how far it is
BATCH = 2_000  # rows written at a time
NICENESS = 5  # how much a segment's process yields to the others
COMMAND = [sys.executable, "-c", f"import sys; from {__name__} import serve; serve(sys.argv[1])"]

SCHEMA = f"""
CREATE VIRTUAL TABLE text USING fts5(
    {", ".join(name for name, *_ in documents.FIELDS)}, facets,
    content='', tokenize='unicode61 remove_diacritics 2', prefix='2 3',
    detail=column, columnsize=0
);
CREATE TABLE terms (term TEXT PRIMARY KEY, fields INTEGER NOT NULL) WITHOUT ROWID;
"""
# The first character of the words of ``facets``: a private-use character, which
# ``folding`` never leaves in a word, so no word of a search can match one of them.
FACET_MARK = "\ue000"


@lru_cache(maxsize=1 << 16)  # places, themes and kinds repeat
def facet_word(facet: str, value: str) -> str:
    """The word of ``text.facets`` that says a thing has this facet value (letters and
    digits after the mark, as FTS5's tokenizer keeps them whole)."""
    return f"{FACET_MARK}{FACETS.index(facet)}{value.encode().hex()}"


def sort_key(name: str, slug: str) -> str:
    """Where a thing goes in name order: its folded name (else its slug)."""
    return folded_text([name]) or slug


def fold_thing(texts: documents.Texts) -> list[str]:
    """The folded text of each field of ``documents.FIELDS``."""
    columns = []
    for field, _ in documents.FIELDS:
        if field in documents.PARTS_OF:
            sources = documents.PARTS_OF[field]
            columns.append(inner_parts(t for key in sources for _, t in texts.get(key, ())))
        else:
            columns.append(folded_text(t for _, t in texts.get(field, ())))
    return columns


class Described(NamedTuple):
    """What the index keeps of a thing besides its words."""

    key: str  # ``sort_key``
    kind: str
    slug: str
    parent: str | None
    place: str | None
    chain_start: str | None  # ``documents.Thing.chain_start``
    themes: tuple[str, ...]
    focus: tuple[str, ...]
    source: str  # the file that declares it


def described(thing: documents.Thing, source: str) -> Described:
    return Described(
        sort_key(thing.name.primary, thing.slug),
        thing.kind,
        thing.slug,
        thing.parent,
        thing.place,
        thing.chain_start,
        tuple(thing.themes),
        tuple(thing.focus),
        source,
    )


@dataclass
class Read:
    """What a segment's files hold for the index."""

    things: list[Described]
    links: list[tuple[str, str, str]]  # (organisation, its parent, file)
    named: dict[tuple[str, str], dict[str, str]]  # (facet, slug) → {language: name}


@dataclass
class Order:
    """What the building process needs to number a segment's things and find their
    administrations: each thing's sort key and ``chain_start``, and the chain links."""

    things: list[tuple[str, str | None]]
    links: list[tuple[str, str, str]]


class Segment:
    """One segment: its files' things, read and folded, then written."""

    def __init__(self, path: Path, units: Callable[[], Iterable[Unit]]):
        self.path, self.units = path, units
        self.rows_path = rows_file(path)
        self._read: Read | None = None
        self._texts: list[list[str]] = []
        self._ids: list[int] = []
        self._administrations: list[str | None] = []
        self._order: list[int] = []  # the things' places, in id order

    def read(self, told: Callable[[int], None]) -> Read:
        things, links, named = [], [], {}
        for done, unit in enumerate(self.units(), start=1):
            links += [(slug, parent, unit.source) for slug, parent in documents.parents_of(unit)]
            for kind, slug, _, record in unit.things():
                facet = tables.LABELLED.get(kind)
                if facet is not None:
                    named[(facet, slug)] = record.name.values
                if kind in documents.SEARCHED_KINDS:
                    found = documents.thing(unit, kind, slug, record)
                    things.append(described(found, unit.source))
                    self._texts.append(fold_thing(found.texts))
            told(done)
        self._read = Read(things, links, named)
        return self._read

    def order(self, told: Callable[[int], None]) -> Order:
        """``read``, answering only what numbering the things needs."""
        read = self.read(told)
        return Order([(thing.key, thing.chain_start) for thing in read.things], read.links)

    def write(self, told: Callable[[int], None]) -> None:
        """Write the things read under the ids ``rows`` was given, in id order (FTS5
        appends rows in rowid order to one segment of its own; out of order it starts
        new ones)."""
        things, ids, administrations = self._read.things, self._ids, self._administrations
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-262144"):
                connection.execute(f"PRAGMA {pragma}")
            connection.executescript(SCHEMA)
            # no merging while rows are added: ``optimize`` merges everything once, below
            for option, value in (("automerge", 0), ("crisismerge", 64)):
                connection.execute(f"INSERT INTO text(text, rank) VALUES ('{option}', {value})")
            connection.execute("BEGIN")
            marks = ", ?" * (len(documents.FIELDS) + 1)
            insert = f"INSERT INTO text (rowid, {_columns()}) VALUES (?{marks})"
            order = self._order
            for start in range(0, len(order), BATCH):
                connection.executemany(
                    insert,
                    [
                        (ids[i], *self._texts[i], facet_words(things[i], administrations[i]))
                        for i in order[start : start + BATCH]
                    ],
                )
                told(min(start + BATCH, len(order)))
            connection.execute("COMMIT")
            connection.execute("INSERT INTO text(text) VALUES ('optimize')")
            insert_terms(connection)
        finally:
            connection.close()

    def rows(
        self, ids: list[int], administrations: list[str | None], told: Callable[[int], None]
    ) -> dict:
        """Write the rows ``index.sqlite`` holds of the things read, under these ids and
        with these administrations (and the names of what the files declare), into a
        file of their own (``rows_file``), in id order; answer their counts
        (``tables.Tally.counts``)."""
        self.assign(ids, administrations)
        tally = tables.Tally()
        things = self._read.things
        with closing(tables.create(self.rows_path)) as connection:
            rows = ((ids[i], things[i], administrations[i]) for i in self._order)
            tables.insert_things(connection, rows, tally)
            tables.insert_labels(connection, self._read.named)
            connection.execute("COMMIT")
        told(len(ids))
        return tally.counts

    def assign(self, ids: list[int], administrations: list[str | None]) -> None:
        """The id and administration of each thing read."""
        self._ids, self._administrations = ids, administrations
        self._order = sorted(range(len(ids)), key=ids.__getitem__)


def _columns() -> str:
    return ", ".join([*(name for name, _ in documents.FIELDS), "facets"])


def facet_words(thing: Described, administration: str | None) -> str:
    """The ``facets`` column of a thing: a word for each of its facet values."""
    values = [("kind", thing.kind), ("place", thing.place), ("administration", administration)]
    values += [("theme", theme) for theme in dict.fromkeys(thing.themes)]
    values += [("focus", focus) for focus in thing.focus]
    return " ".join(facet_word(facet, value) for facet, value in values if value)


def insert_terms(connection: sqlite3.Connection) -> None:
    """Every word of ``text`` as FTS5's tokenizer wrote it, with the fields it is found
    in (bit i: ``documents.FIELDS[i]``)."""
    bits = " ".join(f"WHEN '{name}' THEN {1 << i}" for i, (name, _) in enumerate(documents.FIELDS))
    connection.execute("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, text, col)")
    connection.execute(
        f"INSERT INTO terms SELECT term, sum(CASE col {bits} END) FROM temp.vocabulary"
        " WHERE col != 'facets' GROUP BY term"
    )
    connection.execute("DROP TABLE temp.vocabulary")


class _Here:
    """A segment written in this process: each request is answered when gathered."""

    def __init__(self, segment: Segment):
        self.segment = segment
        self.rows_path = segment.rows_path
        self._asked: deque[tuple[str, tuple]] = deque()

    def ask(self, method: str, *arguments: Any) -> None:
        self._asked.append((method, arguments))

    def answer(self, told: Callable[[int], None]) -> Any:
        method, arguments = self._asked.popleft()
        return getattr(self.segment, method)(*arguments, told=told)


class _Child:
    """A segment written by a process of its own, over its archive's files at
    ``positions``."""

    def __init__(self, path: Path, archive: Path, version: str, positions: range):
        ours, theirs = Pipe()
        try:
            self.process = subprocess.Popen(
                [*COMMAND, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                cwd=PACKAGE_ROOT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        self.connection = ours
        self.rows_path = rows_file(path)
        self.ask("open", str(path), str(archive), version, positions.start, positions.stop)

    def ask(self, method: str, *arguments: Any) -> None:
        try:
            self.connection.send((method, arguments))
        except OSError:
            raise self._ended() from None

    def receive(self) -> tuple[str, Any]:
        try:
            what, value = self.connection.recv()
        except (EOFError, OSError):
            raise self._ended() from None
        if what == "error":
            raise RuntimeError(f"a search index process failed:\n{value}")
        return what, value

    def _ended(self) -> RuntimeError:
        try:
            status = self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            status = None
        return RuntimeError(f"a search index process ended ({status})")

    def stop(self) -> None:
        """Wait for the process to exit once its pipe is closed (``close``)."""
        try:
            self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


Part = _Here | _Child


@contextmanager
def started(data: DataSet, directory: Path) -> Iterator[list[Part]]:
    """The segments of an index of ``data``, to be written into ``directory``: one per
    core (at most MOST_PROCESSES) from PROCESSES_FROM files of an archived version on,
    else one written here."""
    units = len(data.units)
    archive = getattr(data, "archive", None)
    count = min(processes(), units)
    if archive is None or units < PROCESSES_FROM or count < 2:
        yield [_Here(Segment(directory / segment_name(0), lambda: data.units))]
        return
    bounds = [units * i // count for i in range(count + 1)]
    parts: list[Part] = []
    try:
        for i in range(count):
            positions = range(bounds[i], bounds[i + 1])
            parts.append(
                _Child(directory / segment_name(i), archive.path.parent, data.version, positions)
            )
        for part in parts:
            part.receive()  # opened
        yield parts
    finally:
        for part in parts:
            part.connection.close()  # the process exits when its pipe closes
        for part in parts:
            part.stop()


def rows_file(path: Path) -> Path:
    """Where a segment's process writes the rows of ``index.sqlite`` it has read."""
    return path.with_name(f"{path.stem}-rows.sqlite")


def processes() -> int:
    """How many segments a large index is cut into: one per core, at most MOST_PROCESSES."""
    return min(MOST_PROCESSES, len(os.sched_getaffinity(0)))


def segment_name(number: int) -> str:
    return f"segment-{number}.sqlite"


def gather(parts: list[Part], progress: Progress) -> list:
    """The answer of each part to what it was asked, in order; ``progress`` is told
    the sum of what they have done meanwhile."""
    done = [0] * len(parts)
    answers: list = [None] * len(parts)

    def told(i: int) -> Callable[[int], None]:
        def tell(count: int) -> None:
            done[i] = count
            progress(sum(done))

        return tell

    waiting = {}
    for i, part in enumerate(parts):
        if isinstance(part, _Here):
            answers[i] = part.answer(told(i))
        else:
            waiting[part.connection] = i
    while waiting:
        for connection in wait(list(waiting)):
            i = waiting[connection]
            what, value = parts[i].receive()
            if what == "done":
                told(i)(value)
            else:
                answers[i] = value
                del waiting[connection]
    return answers


def serve(descriptor: str) -> None:
    """Answer the requests the pipe (a file descriptor) brings until it closes."""
    from ..archive import Archive

    # below the building process, whose own share of the work is the one everything
    # waits for once the records are read (and below the serving processes)
    os.nice(NICENESS)
    # what a segment reads stays until the process exits, and holds no cycles to
    # collect: the collector would only walk it again and again
    gc.disable()
    connection = Connection(int(descriptor))
    segment = None
    last = 0.0

    def told(count: int) -> None:
        nonlocal last
        if time.monotonic() - last >= TELL_SECONDS:
            last = time.monotonic()
            connection.send(("done", count))

    while True:
        try:
            method, arguments = connection.recv()
        except EOFError:
            os._exit(0)  # nothing left to write: skip freeing what was read, object by object
        try:
            if method == "open":
                path, directory, version, start, stop = arguments
                units = partial(Archive(Path(directory), version).units, range(start, stop))
                segment = Segment(Path(path), units)
                answer = None
            else:
                answer = getattr(segment, method)(*arguments, told=told)
        except Exception:
            connection.send(("error", traceback.format_exc()))
            return
        connection.send(("answer", answer))
