"""Announcing a published version to every instance of the store backend, through Redis.

``opendata publish`` records the announcement (publish sequence number and version)
under one key and publishes it on a channel, in one step and only when no newer one is
recorded (a Lua script, which Redis runs atomically). Every process of every instance
subscribes to the channel (``Listener``): on a message it loads the version if it is
newer than its own, then says on a second channel which version it serves now. The
publisher waits for as many of these confirmations as Redis delivered the message to,
so once ``opendata publish`` has returned, every subscribed process serves the new
version. Requests never read Redis to learn the version.

A notification can be missed (Redis restarted, the network broke). Whenever the
listener (re)connects, the process asks the store itself, then compares the recorded
announcement with what it serves: an older one (a snapshot restored after a publish
while Redis was down) is replaced by the newer, so it misleads nobody.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import weakref
from dataclasses import dataclass, field
from logging import Logger
from typing import Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .sparql_store import Published

# Sets the announcement and publishes it, unless a newer one is recorded (then -1);
# returns the number of subscribers the message reached.
ANNOUNCE = """
local recorded = string.match(redis.call('GET', KEYS[1]) or '', '^(%d+) ')
if recorded and tonumber(recorded) > tonumber(ARGV[1]) then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
return redis.call('PUBLISH', KEYS[2], ARGV[2])
"""
# Seconds a blocked read waits before the listener looks whether its backend still exists.
POLL = 1.0
# Seconds between attempts to reach Redis again (doubling), and to connect.
RECONNECT = (0.5, 10.0)
CONNECT_TIMEOUT = 2.0


class NotAnnounced(Exception):
    """The version is live in the store, but not every instance is known to serve it."""


@dataclass(frozen=True)
class Channel:
    """Where announcements are kept and sent in one Redis, under the cache's key prefix."""

    url: str
    prefix: str

    @classmethod
    def from_config(cls, config) -> Channel | None:
        """The shared cache's Redis, or None when instances share no Redis."""
        if "Redis" not in config["CACHE_TYPE"] or not config.get("CACHE_REDIS_URL"):
            return None
        return cls(config["CACHE_REDIS_URL"], config["CACHE_KEY_PREFIX"] or "")

    @property
    def key(self) -> str:
        return f"{self.prefix}announced-version"

    @property
    def announcements(self) -> str:
        return f"{self.prefix}announcements"

    @property
    def confirmations(self) -> str:
        return f"{self.prefix}announcements:confirmed"

    def client(self, timeout: float | None) -> redis.Redis:
        return redis.Redis.from_url(
            self.url,
            socket_connect_timeout=CONNECT_TIMEOUT,
            socket_timeout=timeout,
            socket_keepalive=True,
            health_check_interval=30,  # a dead connection is noticed by a PING
            # no silent reconnection: the listener must know, to catch up with the store
            retry=Retry(NoBackoff(), 0),
        )

    def recorded(self, client: redis.Redis) -> Published | None:
        return parse(client.get(self.key))

    def announce(self, client: redis.Redis, published: Published) -> int:
        """Record and send it; the subscribers reached, or -1 if a newer one is recorded."""
        return client.eval(
            ANNOUNCE, 2, self.key, self.announcements, published.sequence, text(published)
        )


def text(published: Published) -> str:
    """An announcement as sent and recorded: "{sequence} {version}"."""
    return f"{published.sequence} {published.version}"


def parse(raw: bytes | str | None) -> Published | None:
    """An announcement's text; None for anything else (nothing, or left by other software)."""
    if raw is None:
        return None
    value = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    sequence, _, version = value.partition(" ")
    if not sequence.isdigit() or not version:
        return None
    return Published(int(sequence), version)


# ---------------------------------------------------------------------------
# The publisher


@dataclass
class Confirmation:
    """What the processes the announcement reached answered."""

    receivers: int
    confirmed: set[str] = field(default_factory=set)
    behind: dict[str, str] = field(default_factory=dict)  # process → the version it serves

    @property
    def answered(self) -> int:
        return len(self.confirmed) + len(self.behind)


def announce_and_confirm(channel: Channel, published: Published, timeout: float) -> Confirmation:
    """Announce a live version; wait until every process it reached says what it serves.

    Raises redis.RedisError when Redis cannot be reached. An announcement that a newer
    one has overtaken reaches nobody (receivers 0): the newer one is what counts.
    """
    client = channel.client(timeout)
    replies = client.pubsub(ignore_subscribe_messages=True)
    try:
        replies.subscribe(channel.confirmations)  # before announcing: no reply is missed
        found = Confirmation(max(channel.announce(client, published), 0))
        deadline = time.monotonic() + timeout
        while found.answered < found.receivers and (left := deadline - time.monotonic()) > 0:
            message = replies.get_message(timeout=left)
            reply = parse(message["data"]) if message else None
            if reply is None:
                continue
            version, _, process = reply.version.partition(" ")
            if reply.sequence >= published.sequence:
                found.confirmed.add(process)
                found.behind.pop(process, None)
            elif process not in found.confirmed:
                found.behind[process] = version
        return found
    finally:
        replies.close()
        client.close()


# ---------------------------------------------------------------------------
# Every process of every instance


class Subscriber(Protocol):
    """What a listener serves: the backend of one application."""

    def announced(self, announcement: Published | None) -> Published | None:
        """Load the announced version if newer (None: ask the store); the one served now."""


class Listener:
    """A thread of each process that follows the announcements of one channel.

    The first subscription is made before ``start`` returns, so a process serves no
    request before it can hear of a publish. Threads and connections do not survive a
    fork: a process forked after start (gunicorn --preload) starts its own.
    """

    def __init__(self, channel: Channel, logger: Logger):
        self.channel = channel
        self.logger = logger
        self.failing = False

    def start(self, subscriber: Subscriber) -> None:
        reference = weakref.ref(subscriber)
        self._begin(reference)
        os.register_at_fork(
            after_in_child=lambda: (
                reference() and Listener(self.channel, self.logger)._begin(reference)
            )
        )

    def _begin(self, reference: weakref.ref) -> None:
        self.process = f"{socket.gethostname()}:{os.getpid()}"
        self.client = self.channel.client(RECONNECT[1])
        subscription = self._subscribe(reference)
        threading.Thread(
            target=self._run, args=(reference, subscription), name="announcements", daemon=True
        ).start()

    def _subscribe(self, reference: weakref.ref) -> redis.client.PubSub | None:
        """Subscribe, then catch up with what may have been missed; None if Redis is down."""
        client = self.client
        subscription = client.pubsub(ignore_subscribe_messages=True)
        try:
            subscription.subscribe(self.channel.announcements)
            own = _announced(reference, None)
            recorded = self.channel.recorded(client)
            if own is not None and own.is_newer_than(recorded):
                if recorded is not None:
                    self.logger.warning(
                        "the announced version %s is older than %s in the store;"
                        " announcing that one",
                        recorded,
                        own,
                    )
                self.channel.announce(client, own)
            elif recorded is not None and recorded.is_newer_than(own):
                _announced(reference, recorded)
        except redis.RedisError as error:
            subscription.close()
            if not self.failing:
                self.logger.error(
                    "OPENDATA_CACHE_REDIS_URL=%s: cannot hear of new versions (%s); until it"
                    " answers, only the watcher (OPENDATA_RELOAD_INTERVAL) finds them",
                    self.channel.url,
                    error,
                )
            self.failing = True
            return None
        if self.failing:
            self.logger.warning("Redis answers again: hearing of new versions")
            self.failing = False
        return subscription

    def _run(self, reference: weakref.ref, subscription: redis.client.PubSub | None) -> None:
        """Runs while its subscriber exists (tests create and drop many applications)."""
        delay = RECONNECT[0]
        while reference() is not None:
            if subscription is None:
                time.sleep(delay)
                delay = min(2 * delay, RECONNECT[1])
                subscription = self._subscribe(reference) if reference() else None
                continue
            delay = RECONNECT[0]
            try:
                message = subscription.get_message(timeout=POLL)
                if message is not None:
                    self._answer(reference, message["data"])
            except redis.RedisError:
                subscription.close()
                subscription = None
        if subscription is not None:
            subscription.close()

    def _answer(self, reference: weakref.ref, data: bytes) -> None:
        """Catch up with an announcement, then say which version this process serves."""
        announcement = parse(data)
        if announcement is None:
            return
        own = _announced(reference, announcement)
        if own is None:
            return
        self.client.publish(self.channel.confirmations, f"{text(own)} {self.process}")
        if own.is_newer_than(announcement):  # an older one (restored, or sent by hand)
            self.channel.announce(self.client, own)


def _announced(reference: weakref.ref, announcement: Published | None) -> Published | None:
    subscriber = reference()
    return subscriber.announced(announcement) if subscriber is not None else None
