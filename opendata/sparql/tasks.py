"""What the engine and its query processes say to each other (kept free of heavy imports:
the web process needs these, not Oxigraph or the SPARQL parser)."""

from __future__ import annotations

from dataclasses import dataclass

from .results import Accepted

READY = "ready"


@dataclass(frozen=True)
class Setup:
    """What a query process is started with."""

    store: str  # directory of the version's Oxigraph store (internal base), opened read-only
    memory_mb: int  # memory a query may add to the process
    timeout: float  # the pool kills an overrunning process after this many seconds


@dataclass(frozen=True)
class Task:
    """One query for a query process: its text (internal base), formats, row limit."""

    text: str
    accepted: Accepted
    max_rows: int
