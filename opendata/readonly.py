"""Immutable SQLite files of a data version (its records, its search index), read by
every thread of every process.

Each is built once and never written again, so it is opened ``mode=ro&immutable=1``
(no locks, no journal; pages shared through the OS cache), with one connection per
thread, and anew in a forked child: a connection must never cross a fork.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path


class ReadOnlyConnections:
    """A connection per thread of this process to one immutable SQLite file."""

    def __init__(self, path: Path, cache_kib: int, attached: dict[str, Path] | None = None):
        self.uri = uri(path)
        self.cache_kib = cache_kib  # SQLite's own page cache; the OS caches the file too
        self.attached = attached or {}  # schema name → another such file
        self._local = threading.local()
        self._pid = os.getpid()

    def get(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:  # forked: never share a connection with the parent
            self._local, self._pid = threading.local(), os.getpid()
        found = getattr(self._local, "connection", None)
        if found is None:
            found = sqlite3.connect(self.uri, uri=True, isolation_level=None)
            found.execute(f"PRAGMA cache_size=-{int(self.cache_kib)}")
            for name, path in self.attached.items():
                found.execute(f"ATTACH DATABASE ? AS {name}", (uri(path),))
            self._local.connection = found
        return found


def uri(path: Path) -> str:
    """The URI that opens an immutable file read-only."""
    return f"file:{path}?mode=ro&immutable=1"
