"""What the engine and its query processes say to each other (kept free of heavy imports:
the web process needs these, not the SPARQL parser)."""

from __future__ import annotations

from dataclasses import dataclass

from .results import Accepted

READY = "ready"


@dataclass(frozen=True)
class Setup:
    """What a query process is started with."""

    ntriples: bytes  # the published graph, internal base
    memory_mb: int  # memory a query may add to the process
    timeout: float  # the pool kills an overrunning process after this many seconds


@dataclass(frozen=True)
class Task:
    """One query for a query process: its text (internal base), formats, row limit."""

    text: str
    accepted: Accepted
    max_rows: int
