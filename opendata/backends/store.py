"""The SPARQL-store backend: what ``opendata publish`` made live in a shared SPARQL 1.1
store, read by any number of stateless instances (see ``opendata.sparql_store``)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import redis
from flask import Flask

from .. import archive, archiving
from ..announcements import Channel, Listener, NotAnnounced, announce_and_confirm
from ..archive import Archive
from ..remote import SparqlClient, StoreEndpoints, StoreError, StoreUnavailable
from ..sparql.engine import Limits, QueryEngine
from ..sparql.remote_engine import RemoteEngine
from ..sparql_store import Published, PublishResult, StoreReader
from ..sparql_store import publish as publish_to_store
from ..store import PublishedStore
from .watching import Watched, prepare, refreeze


class StoreBackend(Watched):
    """Publishes what is live in a shared SPARQL store.

    ``opendata publish`` announces each new version through Redis
    (``opendata.announcements``) and returns once every process serves it; the
    watcher also asks the store every RELOAD_INTERVAL seconds (one small query), for
    a publish it could not hear of. Versions are ordered by their publish sequence
    number: a process never switches to an older one. While the store cannot be
    reached, what is rendered is still served, requests that need the store get 503,
    and the instance recovers by itself when it is back.
    """

    def __init__(self, app: Flask):
        super().__init__(app, app.config["RELOAD_INTERVAL"])
        try:
            endpoints = StoreEndpoints.from_config(app.config)
        except ValueError as error:
            raise SystemExit(f"opendata: {error}") from None
        self.client = SparqlClient(endpoints, app.config["STORE_TIMEOUT"])
        self.reader = StoreReader(self.client)
        self.store: PublishedStore | None = None
        self.published: Published | None = None  # the version of self.store, numbered
        self.outage: str | None = None
        self.ignored: Published | None = None  # an older version the store came back with
        channel = Channel.from_config(app.config)
        self.listener = Listener(channel, app.logger) if channel else None
        try:
            self.refresh()
        except StoreError as error:
            self._report(error)

    def current(self) -> PublishedStore:
        """What this process serves; a publish reaches it by notification, not per request."""
        if self.store is None:
            with contextlib.suppress(StoreError):  # reported by refresh; a 503 below
                self.refresh()
        if self.store is None:
            raise StoreUnavailable(self.outage or "nothing has been published to the store yet")
        return self.store

    def live_version(self) -> str | None:
        """The version this instance serves (None before there is any): no I/O."""
        store = self.store
        return store.version if store is not None else None

    def sequence(self) -> int | None:
        """The publish sequence number of the served version: versions are ordered by it."""
        published = self.published
        return published.sequence if published is not None else None

    def watch(self) -> None:
        me = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (found := me()) and found._after_fork())
        super().watch()
        if self.listener is not None:
            self.listener.start(self)

    def _after_fork(self) -> None:
        # a lock held by another thread at fork time would stay held in the child, and
        # the parent's connections to the store are the parent's
        self._lock = threading.Lock()
        self.client.reconnect()

    def announced(self, announcement: Published | None) -> Published | None:
        """Catch up with an announced version (None: with the store); the one served now."""
        if announcement is None or announcement.is_newer_than(self.published):
            self.check()
        return self.published

    def refresh(self) -> bool:
        """Switch to the store's live version if it is newer than the one served."""
        with self._lock:
            try:
                found = self._newer()
            except StoreError as error:
                self._report(error)
                raise
            if self.outage:
                self.app.logger.warning("the SPARQL store answers again")
                self.outage = None
            if found is None:
                return False
            published, records = found
            self.store = prepare(
                self.app,
                PublishedStore(
                    records,
                    self.app.config["GRAPH_CACHE_SIZE"],
                    source=self.reader,
                    record_cache_size=self.app.config["RECORD_CACHE_SIZE"],
                ),
            )
            self.published = published
            refreeze()
            self.app.logger.info("serving data version %s from the store", published)
            return True

    def _newer(self) -> tuple[Published, Archive] | None:
        """The store's live version and its records if newer than ours: one small query
        if not."""
        live = self.reader.published()
        if live is None or not live.is_newer_than(self.published):
            self._ignore(live)
            return None
        found = self.reader.live()
        if found is None or not found.is_newer_than(self.published):
            return None
        return found, self._records(found)

    def _records(self, published: Published) -> Archive:
        """The version's records: those this host has archived, else fetched from the
        store, validated and archived, by one process of the host at a time (the
        others then find them)."""
        with archiving.validating(self.app, published.version):
            records = archive.open_version(self.app, published.version)
            if records is not None:
                self.app.logger.info(
                    "data version %s: its records are already on this host", published.version
                )
                return records
            return archive.ensure(self.app, self.reader.dataset(published))

    def _ignore(self, live: Published | None) -> None:
        """A store restored from an older backup: keep serving, say so once."""
        if live and self.published and live.sequence < self.published.sequence:
            if live != self.ignored:
                self.app.logger.warning(
                    "the store's live version %s is older than %s, served here; keeping it",
                    live,
                    self.published,
                )
            self.ignored = live

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
        """Validate the directory, make it live in the store, tell every instance.

        Raises NotAnnounced when the version went live in the store but not every
        instance is known to serve it (the message says what happens next).
        """
        # no request waits for a publish: its update that goes live copies every
        # changed triple, which takes longer than a request may
        timeout = max(app.config["STORE_TIMEOUT"], app.config["PUBLISH_TIMEOUT"])
        client = SparqlClient(StoreEndpoints.from_config(app.config), timeout)
        with _progress_to_stderr() as logger:
            result = publish_to_store(directory, client, logger)
        return _announce(app, result)


@contextlib.contextmanager
def _progress_to_stderr() -> Iterator[logging.Logger]:
    """Where ``opendata publish`` says how far it is: reading, validating, uploading."""
    logger = logging.getLogger("opendata.publish")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.removeHandler(handler)


def _announce(app: Flask, result: PublishResult) -> str:
    done = (
        f"published version {result.published}: {len(result.changed)} organisation(s)"
        f" changed, {len(result.removed)} removed."
    )
    interval = f"within their OPENDATA_RELOAD_INTERVAL (here {app.config['RELOAD_INTERVAL']} s)"
    channel = Channel.from_config(app.config)
    if channel is None:
        return f"{done} No shared Redis to announce it: instances switch {interval}."
    try:
        found = announce_and_confirm(channel, result.published, app.config["PUBLISH_TIMEOUT"])
    except redis.RedisError as error:
        raise NotAnnounced(
            f"{done} It is live in the store, but Redis at {channel.url} did not answer"
            f" ({error}), so it was not announced: instances switch {interval}, when their"
            " watchers find it in the store, or when they reconnect to Redis. Run"
            " `opendata publish` again once Redis answers to announce it (nothing is"
            " uploaded twice)."
        ) from None
    if found.answered < found.receivers or found.behind:
        behind = ", ".join(f"{name} serves {version}" for name, version in found.behind.items())
        silent = found.receivers - found.answered
        raise NotAnnounced(
            f"{done} Announced, but only {len(found.confirmed)} of {found.receivers} instance"
            f" process(es) confirmed within {app.config['PUBLISH_TIMEOUT']} s"
            f"{'; ' + behind if behind else ''}"
            f"{f'; {silent} did not answer' if silent else ''}. They switch {interval}."
        )
    return f"{done} {found.receivers} instance process(es) serve it now."
