"""Looking for new versions in the background, and keeping loaded versions out of the
garbage collector's way."""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref
from collections.abc import Callable

from flask import Flask

from .. import preparing
from ..preparing import Preparer
from ..remote import StoreError
from ..store import PublishedStore

# Functions (app, store) that build what a new data version needs on disk before it
# goes live (its search index, its dumps, …): see ``prepare`` and opendata.artefacts.
PREPARERS = "opendata.preparers"
# Functions (store) run once a new version went live in this process (``Watched.check``).
LIVE_HOOKS = "opendata.went_live"


def on_new_version(app: Flask, prepare: Preparer, here: bool = False) -> None:
    """Register ``prepare(app, store)``, run for every version before it goes live.

    ``here``: always in this process (it concerns this process, not the version's
    artefacts); the others may run in a child process (``opendata.preparing``).
    """
    app.extensions.setdefault(PREPARERS, []).append((prepare, here))


def on_live(app: Flask, hook: Callable[[PublishedStore], None]) -> None:
    """Register ``hook(store)``, run in the watcher once a new version went live."""
    app.extensions.setdefault(LIVE_HOOKS, []).append(hook)


def prepare(app: Flask, store: PublishedStore) -> PublishedStore:
    """Run every registered preparer for a version that is about to go live.

    Off the request path: at start-up, or in the thread that found the new version.
    A large version's artefacts are built by a child process, so that this one never
    reads every record (``opendata.preparing``).
    """
    registered = app.extensions.get(PREPARERS, ())
    movable = [preparer for preparer, here in registered if not here]
    if preparing.in_child(app, store, movable):
        preparing.build_in_child(app, store, movable)
        registered = [(preparer, here) for preparer, here in registered if here]
    for preparer, _ in registered:
        preparer(app, store)
    return store


class Watched:
    """A backend that looks for a new version every RELOAD_INTERVAL seconds.

    The watcher is a thread of each process, so no request waits for a reload. Threads
    do not survive a fork, so a process forked after start-up (gunicorn --preload)
    starts its own.
    """

    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self._watcher: threading.Thread | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        raise NotImplementedError

    def watch(self) -> None:
        if not self.interval:
            return
        self._start()
        me = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (found := me()) and found._start())

    def _start(self) -> None:
        self._lock = threading.Lock()  # a lock held at fork time would stay held
        self._watcher = threading.Thread(
            target=Watched._poll, args=(weakref.ref(self),), name="data-watcher", daemon=True
        )
        self._watcher.start()

    @staticmethod
    def _poll(reference: weakref.ref) -> None:
        """Runs while its backend exists (tests create and drop many applications)."""
        while (backend := reference()) is not None:
            interval = backend.interval
            del backend  # hold no reference while asleep
            time.sleep(interval)
            if (backend := reference()) is not None:
                backend.check()

    def check(self) -> None:
        """Look for a new version; failures are logged, never end the watcher."""
        try:
            if self.refresh():
                self.went_live()
        except StoreError:
            pass  # reported once per outage by the backend itself
        except Exception:
            self.app.logger.exception("looking for new data failed")

    def went_live(self) -> None:
        """Run the hooks of ``on_live`` for the version this process serves now."""
        store = self.current()
        for hook in self.app.extensions.get(LIVE_HOOKS, ()):
            hook(store)


def freeze_loaded_data() -> None:
    """Keep what is loaded now out of the garbage collector's full passes (for servers).

    A full collection walks every tracked object while no request of the process
    runs: about 0.65 s at 10,000 organisations, and building graphs for pages read
    for the first time triggers one now and then. The published data live until a
    new version replaces them, so walking them finds nothing; ``gc.freeze()`` moves
    them out of the collector's sight. Call it once the application is created.
    """
    gc.freeze()


def refreeze() -> None:
    """After a new version went live: let the old one's cycles go, freeze the new one."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
        gc.freeze()
