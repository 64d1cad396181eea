"""The store backend learns of a publish by notification, never moves backwards, and
tells which version it serves: against real Redis and Oxigraph servers, as an
operator runs them (a Redis restarted from an old snapshot, a store that goes away).

Every wait here is for an event (a key in Redis changes, a log line, a process
answers), never for time to pass.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis as redis_client
import requests
from click.testing import CliRunner

from opendata.announcements import Channel, parse
from opendata.cli import main
from opendata.dumps import wait_until_built

from . import servers
from .conftest import DATA_DIR, make_app
from .servers import HTTP_TIMEOUT, WAIT, gunicorn_server, store_config, wait_until
from .test_store_backend import (
    DOC,
    cache_prefix,
    copy_data,
    edit,
    env_for,
    publish_in_a_process,
)


def snapshotting_redis(directory: Path) -> servers.ServerProcess:
    """A Redis that keeps its snapshot in directory (taken with SAVE, read at start)."""
    binary = servers.need("redis-server", "apt-get install redis-server")
    port = servers.free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    # no automatic snapshots and none at shutdown: the test says when one is taken
    return servers.ServerProcess([*command, "--save", "", "--appendonly", "no"], port)


def shared_cache(url: str, prefix: str) -> dict[str, str]:
    return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_KEY_PREFIX": prefix}


def publish(data: Path, env: dict[str, str]):
    return CliRunner().invoke(main, ["publish", str(data)], env=env)


def test_an_instance_never_goes_back_to_a_restored_announcement(tmp_path, caplog):
    """Publish v1; snapshot; Redis down; publish v2; Redis back with v1's announcement."""
    store = servers.oxigraph(location=tmp_path / "oxigraph").start()
    redis = snapshotting_redis(tmp_path).start()
    store_url = f"http://127.0.0.1:{store.port}"
    redis_url = f"redis://127.0.0.1:{redis.port}/0"
    channel = Channel(redis_url, "operator:")
    settings = {**store_config(store_url), **shared_cache(redis_url, channel.prefix)}
    env = env_for(store_url, **shared_cache(redis_url, channel.prefix))
    data = copy_data(tmp_path)
    try:
        assert publish(data, env).exit_code == 0
        app = make_app(data, **settings)
        instance = app.test_client()
        first = instance.get(DOC)
        assert first.status_code == 200
        cache = redis_client.Redis.from_url(redis_url)
        v1 = channel.recorded(cache)
        assert v1 is not None and v1.sequence >= 1
        cache.save()  # the snapshot Redis restores at its next start
        redis.stop()

        edit(data, "Zerbster Straße 4", "Zerbster Straße 11")
        unannounced = publish(data, env)
        assert unannounced.exit_code == 3, unannounced.output
        assert "live in the store" in unannounced.output
        assert "not announced" in unannounced.output

        with caplog.at_level(logging.WARNING):
            redis.start()  # with v1's announcement from the snapshot
            # the instance reconnects, asks the store, and replaces the older announcement
            v2 = wait_until(
                lambda: (
                    (found := channel.recorded(cache)) and found.sequence > v1.sequence and found
                ),
                "the restored announcement to be replaced",
            )
        assert "older than" in caplog.text
        second = instance.get(DOC)
        assert second.headers["ETag"] != first.headers["ETag"]
        assert "Zerbster Straße 11" in second.get_data(as_text=True)
        assert instance.get("/status").get_json()["sequence"] == v2.sequence

        # served from what the instance holds: not a single request to the store
        wait_until_built(app)  # (v2's dumps are written from the store, in the background)
        with caplog.at_level(logging.DEBUG, logger="opendata.remote"):
            asked = len(caplog.records)
            for _ in range(5):
                assert instance.get(DOC).headers["ETag"] == second.headers["ETag"]
            assert len(caplog.records) == asked
        # nor when the store is down
        store.stop()
        down = instance.get(DOC)
        assert down.status_code == 200
        assert down.headers["ETag"] == second.headers["ETag"]
    finally:
        store.stop()
        redis.stop()


def test_an_older_announcement_is_answered_with_the_newer_one(store_url, redis_url, tmp_path):
    channel = Channel(redis_url, cache_prefix("older"))
    settings = shared_cache(redis_url, channel.prefix)
    instance = make_app(copy_data(tmp_path), store_url, **settings).test_client()
    cache = redis_client.Redis.from_url(redis_url)
    served = channel.recorded(cache)
    etag = instance.get(DOC).headers["ETag"]
    replies = cache.pubsub(ignore_subscribe_messages=True)
    replies.subscribe(channel.confirmations)
    try:
        # what a snapshot taken before the last publish would bring back, sent as well
        stale = f"{served.sequence - 1} an-older-version"
        cache.set(channel.key, stale)
        assert cache.publish(channel.announcements, stale) == 1
        reply = wait_until(lambda: replies.get_message(timeout=1), "the instance's reply")
        assert parse(reply["data"]).sequence == served.sequence
        wait_until(lambda: channel.recorded(cache) == served, "the announcement to be repaired")
        assert instance.get(DOC).headers["ETag"] == etag
    finally:
        replies.close()


@pytest.mark.parametrize("preload", [False, True], ids=["workers", "preload"])
def test_publish_returns_once_every_process_serves_the_new_version(
    store_url, redis_url, tmp_path, preload
):
    """Two instances of two workers each (forked from a loaded master with --preload)."""
    data = copy_data(tmp_path)
    channel = Channel(redis_url, cache_prefix("p"))
    env = env_for(
        store_url,
        **shared_cache(redis_url, channel.prefix),
        DATA_DIR=data,
        RELOAD_INTERVAL=0,  # no watcher: only the notification can tell them
        BASE_URI="https://daten.example.de",
        PUBLISH_TIMEOUT=WAIT,
    )
    assert publish(data, env).exit_code == 0
    args = ["--preload"] if preload else []
    # every worker subscribes, and with --preload the master too
    processes = 6 if preload else 4
    cache = redis_client.Redis.from_url(redis_url)
    with (
        gunicorn_server(env, workers=2, args=args) as a,
        gunicorn_server(env, workers=2, args=args) as b,
    ):
        # one worker answering is not all of them started: wait for every subscription
        wait_until(
            lambda: (
                dict(cache.pubsub_numsub(channel.announcements))[channel.announcements.encode()]
                == processes
            ),
            "every process to subscribe",
        )
        before = {requests.get(s.url + DOC, timeout=HTTP_TIMEOUT).headers["ETag"] for s in (a, b)}
        edit(data, "Zerbster Straße 4", "Zerbster Straße 12")
        published = publish_in_a_process(data, env)
        assert published.returncode == 0, published.stderr
        assert f"{processes} instance process(es) serve it now" in published.stdout
        # no waiting: every worker of both already serves it
        for server in (a, b, a, b, a, b):
            response = requests.get(server.url + DOC, timeout=HTTP_TIMEOUT)
            assert "Zerbster Straße 12" in response.text
            assert response.headers["ETag"] not in before
            status = requests.get(server.url + "/status", timeout=HTTP_TIMEOUT).json()
            assert status["backend"] == "sparql" and status["sequence"] >= 2


def test_publish_without_redis_says_what_happens_next(store_url, tmp_path):
    data = copy_data(tmp_path)
    nowhere = f"redis://127.0.0.1:{servers.free_port()}/0"
    result = publish(data, env_for(store_url, **shared_cache(nowhere, "gone:")))
    assert result.exit_code == 3
    assert "live in the store" in result.output
    assert "OPENDATA_RELOAD_INTERVAL" in result.output
    assert "Traceback" not in result.output
    # it is live: an instance started now serves it
    app = make_app(data, **store_config(store_url))
    assert app.test_client().get("/status").get_json()["version"] in result.output


def test_republishing_one_changed_organisation_uploads_only_it(store_url, tmp_path, caplog):
    data = copy_data(tmp_path)
    make_app(data, store_url, dumps_built=False)  # an empty store, then this data
    edit(data, "Zerbster Straße 4", "Zerbster Straße 13")
    with caplog.at_level(logging.DEBUG, logger="opendata.remote"):
        result = publish(data, env_for(store_url))
    assert result.exit_code == 0, result.output
    assert "1 organisation(s) changed" in result.output
    assert "uploading changed files: 1 of 1" in result.output
    uploads = [r for r in caplog.records if r.getMessage().startswith("PUT ")]
    assert len(uploads) == 2  # its graph and its validated document


def test_status_names_the_backend_and_version(backend, backend_store):
    client = make_app(DATA_DIR, backend_store).test_client()
    status = client.get("/status")
    assert status.status_code == 200
    assert status.headers["Cache-Control"] == "no-store"
    body = status.get_json()
    assert body["backend"] == backend
    assert body["version"]
    assert (body["sequence"] is None) == (backend == "memory")
