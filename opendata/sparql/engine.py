"""The query engine behind ``/sparql``, and the seam where another one can be plugged in.

The web layer speaks to a ``QueryEngine``: query text (in the internal base) and what
the client accepts in, an ``Answer`` or a ``QueryError`` back. The default engine,
``OxigraphEngine``, evaluates queries with Oxigraph in a few query processes that
share the version's on-disk store (``opendata.sparql.building``), under the
configured limits. An engine that forwards to a SPARQL 1.1 store (for data that
outgrows one machine) implements the same protocol and keeps the same guard and
limits.

The backend (``opendata.backends``) says which engine serves its data. One engine
serves one data version: when the data is republished, the engine of the new
version replaces the old one, which is closed. A server starts the engine of the
live version eagerly (``start_eagerly``): when a worker starts, and for a new version
before it goes live (``Engines.prepare``), so that no query waits for query processes
to start; elsewhere
(tools, tests) an engine is built by the first query that needs it.
"""

from __future__ import annotations

import inspect
import math
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

from ..publishing import EXTENSION as PUBLICATION
from ..publishing import current_store
from ..remote import StoreError
from ..store import PublishedStore
from .results import Accepted, Answer, QueryError
from .tasks import READY, Setup, Task
from .workers import Busy, Crashed, Overrun, WorkerPool

EXTENSION = "opendata.sparql"
# The module a query process runs; only query processes import Oxigraph and the parser.
QUERY_PROCESS = "opendata.sparql.evaluation"
# A freshly started engine may need this long to start its processes.
START_ALLOWANCE = 15.0


@dataclass(frozen=True)
class Limits:
    """What one query may take: seconds, result rows, extra memory; how many run at once."""

    timeout: float
    max_rows: int
    max_query_bytes: int
    workers: int
    memory_mb: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(
            timeout=float(config["SPARQL_TIMEOUT"]),
            max_rows=int(config["SPARQL_MAX_ROWS"]),
            max_query_bytes=int(config["SPARQL_MAX_QUERY_BYTES"]),
            workers=max(1, int(config["SPARQL_WORKERS"])),
            memory_mb=int(config["SPARQL_MEMORY_MB"]),
        )


class QueryEngine(Protocol):
    """Answers read-only SPARQL queries over one version of the published data."""

    version: str
    pid: int

    def query(self, text: str, accepted: Accepted) -> Answer:
        """The answer, serialised in the internal base; raises QueryError."""
        ...

    def close(self) -> None: ...


class OxigraphEngine:
    """Oxigraph evaluation in query processes that are killed when they overrun.

    ``store`` is the directory of the version's Oxigraph store; each process opens it
    read-only.
    """

    def __init__(self, store: Path, version: str, limits: Limits):
        self.version = version
        self.limits = limits
        self.pid = os.getpid()
        setup = Setup(str(store), limits.memory_mb, limits.timeout)
        self.pool = WorkerPool(QUERY_PROCESS, setup, READY, limits.workers)

    def query(self, text: str, accepted: Accepted) -> Answer:
        timeout = self.limits.timeout
        task = Task(text, accepted, self.limits.max_rows)
        try:
            reply = self.pool.run(task, timeout=timeout, wait=timeout + START_ALLOWANCE)
        except Overrun:
            raise QueryError(
                503,
                f"The query ran longer than the time limit of {timeout:g} seconds and was "
                "stopped. Narrow it down (fewer patterns, a LIMIT, simpler filters).",
            ) from None
        except Busy:
            raise QueryError(
                503,
                "Every query process is busy. Please try again shortly.",
                retry_after=math.ceil(timeout),
            ) from None
        except Crashed:
            raise QueryError(
                503,
                "The query process stopped while answering; the query may need too much memory.",
            ) from None
        if isinstance(reply, QueryError):
            raise reply
        return reply

    def ready(self) -> int:
        """How many query processes wait for a query now."""
        return self.pool.ready()

    def wait_until_ready(self) -> None:
        """Wait until every query process has opened the store (or START_ALLOWANCE)."""
        self.pool.wait_until_ready(START_ALLOWANCE)

    def close(self) -> None:
        self.pool.close()


EngineFactory = Callable[[PublishedStore, Limits], QueryEngine]


class Engines:
    """The engine of one application: built on first use, rebuilt for new data."""

    @classmethod
    def init_app(cls, app: Flask, factory: EngineFactory) -> Engines:
        """Engines made by ``factory`` (the backend's) under the configured limits."""
        engines = cls(Limits.from_config(app.config), _weakly(factory))
        app.extensions[EXTENSION] = engines
        # the finaliser holds the engines: they must not hold the application
        weakref.finalize(app, engines.close)
        return engines

    def __init__(self, limits: Limits, factory: EngineFactory):
        self.limits = limits
        self._factory = factory
        self._engine: QueryEngine | None = None
        self._next: QueryEngine | None = None  # of the version about to go live
        self._lock = threading.Lock()
        self.eager = False  # a server: the live version's engine is started before queries

    def for_store(self, store: PublishedStore) -> QueryEngine:
        with self._lock:
            engine = self._engine
            # A process forked from the one that built the engine must not share its pool.
            if engine is None or engine.pid != os.getpid() or engine.version != store.version:
                self._close(engine)
                engine, self._next = self._next, None
                if engine is None or engine.pid != os.getpid() or engine.version != store.version:
                    self._close(engine)
                    engine = self._factory(store, self.limits)
                self._engine = engine
            return engine

    def prepare(self, app: Flask, store: PublishedStore) -> None:
        """A preparer, last of all: in a server, start the engine of a version about to
        go live and wait until its processes are ready (on a busy machine a process
        may take seconds to start), so that its first query does not wait."""
        if not self.eager:
            return
        with self._lock:
            if self._next is None or self._next.version != store.version:
                self._close(self._next)
                self._next = self._factory(store, self.limits)
            engine = self._next
        wait = getattr(engine, "wait_until_ready", None)
        if wait is not None:
            wait()

    def renew(self, store: PublishedStore) -> None:
        """A new version went live: start its engine now in a server, or wherever the
        old version's engine was started, so that its first query does not wait."""
        with self._lock:
            engine = self._engine
            started = engine is not None and engine.pid == os.getpid()
        if self.eager or started:
            self.for_store(store)

    def ready(self, store: PublishedStore) -> int | None:
        """Query processes of this process ready for the store's version (None: the
        engine has none, the store evaluates queries)."""
        engine = self._engine
        if engine is None or engine.pid != os.getpid() or engine.version != store.version:
            return 0
        ready = getattr(engine, "ready", None)
        return ready() if ready is not None else None

    def close(self) -> None:
        with self._lock:
            self._close(self._engine)
            self._close(self._next)
            self._engine = self._next = None

    @staticmethod
    def _close(engine: QueryEngine | None) -> None:
        """Close an engine of this process (one inherited through a fork is its parent's)."""
        if engine is not None and engine.pid == os.getpid():
            engine.close()

    def _after_fork(self) -> None:
        self._lock = threading.Lock()  # a lock held at fork time would stay held


def _weakly(factory: EngineFactory) -> EngineFactory:
    """The factory, without keeping its object (the backend, and so the application) alive."""
    if not inspect.ismethod(factory):
        return factory
    method = weakref.WeakMethod(factory)

    def make(store: PublishedStore, limits: Limits) -> QueryEngine:
        found = method()
        if found is None:
            raise RuntimeError("the application of this engine is gone")
        return found(store, limits)

    return make


def current_engines() -> Engines:
    return current_app.extensions[EXTENSION]


def current_engine() -> QueryEngine:
    """The engine for the data version this request sees."""
    return current_engines().for_store(current_store())


def start_eagerly(app: Flask) -> None:
    """For servers: start the live version's query processes now, not with the first
    query, and for every version that goes live later (``Engines.renew``).

    A process that forks (gunicorn's master with ``--preload``) closes its engine
    first: its children answer the queries, and each starts its own engine.
    """
    engines: Engines = app.extensions[EXTENSION]
    engines.eager = True
    application = weakref.ref(app)  # tests create and drop many applications
    _start_live(app)

    def after_in_child() -> None:
        if (found := application()) is not None:
            found.extensions[EXTENSION]._after_fork()
            threading.Thread(target=_start_live, args=(found,), daemon=True).start()

    def before() -> None:
        if (found := application()) is not None:
            found.extensions[EXTENSION].close()

    os.register_at_fork(before=before, after_in_child=after_in_child)


def _start_live(app: Flask) -> None:
    """Start the engine of the live version (not yet when there is none: the first
    version to go live, or the first query, starts it)."""
    try:
        store = app.extensions[PUBLICATION].current()
    except StoreError:
        return
    app.extensions[EXTENSION].for_store(store)
