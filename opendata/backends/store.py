"""The SPARQL-store backend: what ``opendata publish`` made live in a shared SPARQL 1.1
store, read by any number of stateless instances (see ``opendata.sparql_store``)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .. import archive, rendering
from ..remote import SparqlClient, StoreEndpoints, StoreError, StoreUnavailable
from ..sparql.engine import Limits, QueryEngine
from ..sparql.remote_engine import RemoteEngine
from ..sparql_store import StoreReader
from ..sparql_store import publish as publish_to_store
from ..store import PublishedStore
from .watching import Watched, prepare, refreeze

VERSION_KEY = "published-version"


class StoreBackend(Watched):
    """Publishes what is live in a shared SPARQL store.

    ``opendata publish`` announces each new version in the shared cache, so every
    instance switches on its next request; without the cache (Redis down) the
    watcher finds it in the store within RELOAD_INTERVAL seconds. While the store
    cannot be reached, requests that need it get 503 and the instance recovers by
    itself when it is back.
    """

    def __init__(self, app: Flask):
        super().__init__(app, app.config["RELOAD_INTERVAL"])
        try:
            endpoints = StoreEndpoints.from_config(app.config)
        except ValueError as error:
            raise SystemExit(f"opendata: {error}") from None
        self.client = SparqlClient(endpoints, app.config["STORE_TIMEOUT"])
        self.shared_cache = app.extensions["cache"][rendering.cache]
        self.reader = StoreReader(self.client)
        self.store: PublishedStore | None = None
        self.outage: str | None = None
        try:
            self.refresh()
        except StoreError as error:
            self._report(error)

    def current(self) -> PublishedStore:
        announced = rendering.shared_get(VERSION_KEY)
        if self.store is None or (announced and announced != self.store.version):
            self.refresh()
        if self.store is None:
            raise StoreUnavailable(self.outage or "nothing has been published to the store yet")
        return self.store

    def live_version(self) -> str | None:
        """The version this instance serves, None while a newer one is announced.

        Runs outside the application context (before routing), so it reads the shared
        cache's backend directly; a failure to reach it is the application's to report.
        """
        store = self.store
        if store is None:
            return None
        announced = self.shared_cache.get(VERSION_KEY)
        return store.version if not announced or announced == store.version else None

    def refresh(self) -> bool:
        with self._lock:
            try:
                dataset = self.reader.dataset()
            except StoreError as error:
                self._report(error)
                raise
            if self.outage:
                self.app.logger.warning("the SPARQL store answers again")
                self.outage = None
            if dataset is None or (self.store and dataset.version == self.store.version):
                return False
            self.store = prepare(
                self.app,
                PublishedStore(
                    archive.ensure(self.app, dataset),
                    self.app.config["GRAPH_CACHE_SIZE"],
                    source=self.reader,
                    record_cache_size=self.app.config["RECORD_CACHE_SIZE"],
                ),
            )
            refreeze()
            self.app.logger.info("serving data version %s from the store", dataset.version)
            return True

    def _report(self, error: StoreError) -> None:
        if self.outage is None:
            self.app.logger.error(
                "OPENDATA_STORE_QUERY_URL %s: %s", self.client.endpoints.query, error
            )
        self.outage = str(error)

    def query_engine(self, store: PublishedStore, limits: Limits) -> QueryEngine:
        """The store itself evaluates the queries, behind the same guard and limits."""
        retry_after = self.app.config["STORE_RETRY_AFTER"]
        return RemoteEngine(self.client, store.version, limits, retry_after)

    @classmethod
    def publish(cls, app: Flask, directory: Path) -> str:
        """Validate the directory, make it live in the store, tell every instance."""
        client = SparqlClient(StoreEndpoints.from_config(app.config), app.config["STORE_TIMEOUT"])
        result = publish_to_store(directory, client)
        with app.app_context():
            announce(result.version)
        return (
            f"published version {result.version}: {len(result.changed)} organisation(s)"
            f" changed, {len(result.removed)} removed."
        )


def announce(version: str) -> None:
    """Tell every instance sharing the cache that a new version is live."""
    rendering.shared_set(VERSION_KEY, version)
