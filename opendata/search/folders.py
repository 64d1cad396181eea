"""Folding the texts of the index on every core: a few processes of their own.

Folding (``folding``) is most of the work of building an index, and it is Python: one
process folds on one core. The builder hands batches of things' texts to fresh
interpreters (``python -c``, as the SPARQL query processes are; not forks of a server:
forking a threaded server can copy a lock another thread holds) and goes on reading records
while they fold. Each process answers the batches it is given in order, over a pipe
with ``multiprocessing.connection`` framing, and exits when its pipe closes.

A batch is a task (``TASKS``) and the arguments of each of its calls; the answer, what
each call returned: things' places in name order (``sort_key``), or their folded texts
(``fold_thing``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from collections.abc import Hashable
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path

from . import documents
from .folding import folded_text, inner_parts

# The directory that holds the ``opendata`` package, so that a child can import it.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
MOST_PROCESSES = 4  # folding processes at most (one per core the build may use)
# Below this many things an index is folded in the building process: starting a
# process (an interpreter importing the package) costs more than folding them.
PROCESSES_FROM = 10_000
STOP_SECONDS = 10.0
COMMAND = [sys.executable, "-c", f"import sys; from {__name__} import serve; serve(sys.argv[1])"]


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


TASKS = {"sort_key": sort_key, "fold_thing": fold_thing}  # what a process can be asked


class Folders:
    """The folding processes of one build. ``submit`` hands a batch of work to the next
    process and gives back the answers of the batches finished meanwhile, ``finish``
    the rest; each answer with the tag it was submitted with. Use as a context manager.
    """

    def __init__(self, processes: int | None = None):
        count = processes or min(MOST_PROCESSES, len(os.sched_getaffinity(0)))
        self._workers: list[tuple[subprocess.Popen, Connection]] = []
        self._pending: list[deque[Hashable]] = []
        self._next = 0
        for _ in range(count):
            ours, theirs = Pipe()
            try:
                process = subprocess.Popen(
                    [*COMMAND, str(theirs.fileno())],
                    pass_fds=(theirs.fileno(),),
                    cwd=PACKAGE_ROOT,
                    stdin=subprocess.DEVNULL,
                )
            finally:
                theirs.close()
            self._workers.append((process, ours))
            self._pending.append(deque())

    def __enter__(self) -> Folders:
        return self

    def __exit__(self, *_) -> None:
        for _, connection in self._workers:
            connection.close()  # the process exits when its pipe closes
        for process, _ in self._workers:
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def submit(self, tag: Hashable, task: str, items: list[tuple]) -> list[tuple[Hashable, list]]:
        """Hand ``TASKS[task]`` of each item to the next process, once it has answered
        its last batch (a process only writes while it is not being written to: no
        pipe fills up both ways). The answers received meanwhile."""
        worker = self._next
        self._next = (worker + 1) % len(self._workers)
        answers = self._receive(worker)
        self._pending[worker].append(tag)
        self._workers[worker][1].send((task, items))
        return answers

    def finish(self) -> list[tuple[Hashable, list]]:
        """The answers of every batch not answered yet."""
        return [answer for worker in range(len(self._workers)) for answer in self._receive(worker)]

    def _receive(self, worker: int) -> list[tuple[Hashable, list]]:
        process, connection = self._workers[worker]
        answers = []
        while self._pending[worker]:
            try:
                answer = connection.recv()
            except EOFError:
                raise RuntimeError(f"a folding process ended ({process.poll()})") from None
            answers.append((self._pending[worker].popleft(), answer))
        return answers


class InProcess:
    """What ``Folders`` does, done here: each batch is answered when it is submitted."""

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *_) -> None:
        pass

    def submit(self, tag: Hashable, task: str, items: list[tuple]) -> list[tuple[Hashable, list]]:
        return [(tag, [TASKS[task](*item) for item in items])]

    def finish(self) -> list[tuple[Hashable, list]]:
        return []


def for_things(count: int) -> Folders | InProcess:
    """Folding processes for an index of ``count`` things, or none for a small one."""
    return Folders() if count >= PROCESSES_FROM else InProcess()


def serve(descriptor: str) -> None:
    """Fold every batch the pipe (a file descriptor) brings until it closes."""
    connection = Connection(int(descriptor))
    while True:
        try:
            batch = connection.recv()
        except EOFError:
            return
        task, items = batch
        connection.send([TASKS[task](*item) for item in items])
