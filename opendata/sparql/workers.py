"""A small pool of query processes, and the time limit that holds.

Oxigraph's Python binding has no timeout and a thread cannot be stopped, so every
query runs in a process of its own: the pool hands a query to an idle process and
waits for the answer at most the time limit. A process that overruns is killed
(SIGKILL: code running in Rust, or anywhere outside the interpreter's loop, never
gets to run a signal handler) and a fresh one takes its place, while the other
processes go on answering. A process opens the data in milliseconds (the store is
on disk), so a replacement is ready almost at once.

The processes are fresh interpreters (``python -c``), not forks of the web server:
forking a threaded server can copy a lock another thread holds, and multiprocessing's
spawn and forkserver methods re-import the server's main module in every child. The
pool talks to each process over a socket pair with ``multiprocessing.connection``
framing; a process exits when the pool's end closes. The pool belongs to the process
that made it; after a fork (gunicorn with ``--preload``) the engine builds a new one.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0  # seconds a new process may take to open the data and warm up
RESTART_DELAY = 1.0
START_ATTEMPTS = 5  # a process that keeps failing to start points at a broken installation
# The directory that holds the ``opendata`` package, so that a child can import it.
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class Overrun(Exception):
    """The process did not answer within the time limit and was killed."""


class Busy(Exception):
    """No process became free in time."""


class Crashed(Exception):
    """The process died while answering (killed from outside, out of memory, …)."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen
    connection: Connection

    def stop(self) -> None:
        self.connection.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class WorkerPool:
    """``size`` processes running ``entry(connection)`` from ``module``; one task each.

    A process first receives ``setup``, answers ``ready`` once it can take tasks, and
    then answers each object it receives with one object.
    """

    def __init__(self, module: str, setup: object, ready: object, size: int):
        self.pid = os.getpid()
        self._command = [
            sys.executable,
            "-c",
            f"import sys; from {module} import main; main(int(sys.argv[1]))",
        ]
        self._setup = setup
        self._ready = ready
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = threading.Condition(self._lock)  # a process became idle
        self._size = size
        self._closed = False
        for _ in range(size):
            self._replace()

    def run(self, task: object, timeout: float, wait: float) -> object:
        """The answer to task; Busy, Overrun or Crashed when there is none in time."""
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise Busy() from None
        log.debug("query process %d takes a query", worker.process.pid)
        healthy = False
        try:
            worker.connection.send(task)
            if not worker.connection.poll(timeout):
                raise Overrun()
            answer = worker.connection.recv()
            healthy = True
            return answer
        except (EOFError, OSError):
            raise Crashed() from None
        finally:
            self._release(worker, healthy)

    def pids(self) -> list[int]:
        """Process ids of the idle processes (for monitoring and tests)."""
        return [worker.process.pid for worker in list(self._idle.queue)]

    def ready(self) -> int:
        """How many processes wait for a task now."""
        return self._idle.qsize()

    def wait_until_ready(self, timeout: float) -> bool:
        """Wait (at most timeout seconds) until every process of the pool waits for a task."""
        with self._started:
            return self._started.wait_for(
                lambda: self._closed or self._idle.qsize() >= self._size, timeout
            )

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._started.notify_all()
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                return

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            keep = healthy and not self._closed and worker.process.poll() is None
            if keep:
                self._idle.put(worker)
        if not keep:
            worker.stop()
            self._replace()

    def _replace(self) -> None:
        threading.Thread(target=self._start_one, daemon=True).start()

    def _start_one(self) -> None:
        """Start a process and put it in the idle queue once it says it is ready."""
        for _ in range(START_ATTEMPTS):
            if self._closed:
                return
            worker = self._launch()
            if worker is not None:
                with self._lock:
                    if not self._closed:
                        self._idle.put(worker)
                        self._started.notify_all()
                        return
                worker.stop()
                return
            time.sleep(RESTART_DELAY)
        log.error("gave up starting a query process after %d attempts", START_ATTEMPTS)

    def _launch(self) -> _Worker | None:
        ours, theirs = Pipe()
        try:
            process = subprocess.Popen(
                [*self._command, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                cwd=PACKAGE_ROOT,
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            log.exception("could not start a query process")
            ours.close()
            return None
        finally:
            theirs.close()
        worker = _Worker(process, ours)
        try:
            ours.send(self._setup)
            if ours.poll(START_TIMEOUT) and ours.recv() == self._ready:
                return worker
        except (EOFError, OSError):
            pass
        worker.stop()
        log.error("a query process did not start (exit status %s)", process.returncode)
        return None
