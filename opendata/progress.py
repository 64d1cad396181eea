"""Progress of a long job (loading the data, building an artefact) in the log.

A first build at national scale takes minutes; an operator watching the log sees
how far it is, how fast it goes and about how long it will take.
"""

from __future__ import annotations

import logging
import time

PROGRESS_SECONDS = 10.0


class Progress:
    """Logs how far a long job is, at most every ``every`` (PROGRESS_SECONDS) seconds."""

    def __init__(self, logger: logging.Logger, total: int, what: str, every: float | None = None):
        self.logger, self.total, self.what = logger, total, what
        self.every = PROGRESS_SECONDS if every is None else every
        self.started = self.last = time.monotonic()

    def __call__(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else float("inf")
        self.logger.info(
            "%s: %s of %s (%.0f/s), %.0f s so far, about %.0f s left",
            self.what,
            f"{done:,}",
            f"{self.total:,}",
            rate,
            elapsed,
            left,
        )
