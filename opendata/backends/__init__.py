"""Where the published data comes from: one backend protocol, one registry.

``OPENDATA_STORE`` names the backend; nothing else in the service asks which one it
is. A backend holds one ``PublishedStore`` at a time and answers:

* ``current()``: the live version, for a request (loading it if needed);
* ``live_version()``: its id, cheaply and outside any request (the response cache);
* ``sequence()``: its publish sequence number, where the backend orders versions so;
* ``watch()`` / ``refresh()``: look for new versions, in the background;
* ``query_engine(store, limits)``: the SPARQL engine for a version;
* ``publish(app, directory)`` (a class method, for ``opendata publish``): make a data
  directory the live version.

Before a version goes live, every function registered with ``on_new_version`` builds
what it needs on disk (``opendata.artefacts``), off the request path.

A new version is built completely before it is swapped in with a single
assignment; invalid data leaves the last good version published.

Adding a backend is one class implementing ``Backend`` and one entry in ``BACKENDS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from flask import Flask

from .. import uris
from ..publishing import EXTENSION
from ..sparql.engine import Engines, Limits, QueryEngine
from ..store import PublishedStore
from .files import FileBackend
from .store import StoreBackend
from .watching import freeze_loaded_data, on_live, on_new_version

__all__ = ["BACKENDS", "Backend", "freeze_loaded_data", "init_app", "on_new_version"]


class Backend(Protocol):
    def current(self) -> PublishedStore: ...

    def live_version(self) -> str | None: ...

    def sequence(self) -> int | None: ...

    def watch(self) -> None: ...

    def refresh(self) -> bool: ...

    def query_engine(self, store: PublishedStore, limits: Limits) -> QueryEngine: ...

    @classmethod
    def publish(cls, app: Flask, directory: Path) -> str: ...


BACKENDS: dict[str, type[Backend]] = {"memory": FileBackend, "sparql": StoreBackend}


def backend_class(name: str) -> type[Backend]:
    if name not in BACKENDS:
        choices = " or ".join(repr(key) for key in BACKENDS)
        raise SystemExit(f"opendata: OPENDATA_STORE must be {choices}, not {name!r}")
    return BACKENDS[name]


def init_app(app: Flask) -> None:
    """Load the published data; on the file backend an app never starts on bad data."""
    if app.config["BASE_URI"]:
        app.config["BASE_URI"] = uris.normalise_base(app.config["BASE_URI"])
    backend = backend_class(app.config["STORE"])(app)
    app.extensions[EXTENSION] = backend
    engines = Engines.init_app(app, backend.query_engine)
    on_new_version(app, engines.prepare, here=True)  # after the SPARQL store is built
    on_live(app, engines.renew)
    backend.watch()
