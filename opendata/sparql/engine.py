"""The query engine behind ``/sparql``, and the seam where another one can be plugged in.

The web layer speaks to a ``QueryEngine``: query text (in the internal base) and what
the client accepts in, an ``Answer`` or a ``QueryError`` back. The default engine,
``OxigraphEngine``, evaluates queries with Oxigraph in a few query processes that
share the version's on-disk store (``opendata.sparql.building``), under the
configured limits. An engine that forwards to a SPARQL 1.1 store (for data that
outgrows one machine) implements the same protocol and keeps the same guard and
limits.

The backend (``opendata.backends``) says which engine serves its data. One engine
serves one data version: when the data is republished, the next query
builds an engine for the new version and the old one is closed.
"""

from __future__ import annotations

import math
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

from ..publishing import current_store
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

    def close(self) -> None:
        self.pool.close()


EngineFactory = Callable[[PublishedStore, Limits], QueryEngine]


class Engines:
    """The engine of one application: built on first use, rebuilt for new data."""

    @classmethod
    def init_app(cls, app: Flask, factory: EngineFactory) -> None:
        """Engines made by ``factory`` (the backend's) under the configured limits."""
        engines = cls(Limits.from_config(app.config), factory)
        app.extensions[EXTENSION] = engines
        weakref.finalize(app, engines.close)

    def __init__(self, limits: Limits, factory: EngineFactory):
        self.limits = limits
        self._factory = factory
        self._engine: QueryEngine | None = None
        self._lock = threading.Lock()

    def for_store(self, store: PublishedStore) -> QueryEngine:
        with self._lock:
            engine = self._engine
            # A process forked from the one that built the engine must not share its pool.
            if engine is None or engine.pid != os.getpid() or engine.version != store.version:
                if engine is not None and engine.pid == os.getpid():
                    engine.close()
                engine = self._engine = self._factory(store, self.limits)
            return engine

    def close(self) -> None:
        with self._lock:
            if self._engine is not None and self._engine.pid == os.getpid():
                self._engine.close()
            self._engine = None


def current_engines() -> Engines:
    return current_app.extensions[EXTENSION]


def current_engine() -> QueryEngine:
    """The engine for the data version this request sees."""
    return current_engines().for_store(current_store())
