"""Real servers for the tests, all on loopback.

- the service under gunicorn, its log (stderr) read as it is written;
- Oxigraph (SPARQL 1.1) and Redis: .ci/run starts one of each and names them in
  OPENDATA_TEST_STORE_URL and OPENDATA_TEST_REDIS_URL; without those, the fixtures
  start their own from the installed binaries. Tests of faults start private ones,
  to stop and restart them;
- a TCP listener that records every connection it is offered (to prove that
  nothing connects to it).

Tests wait for events (a server listens, a log line appears, a process is gone, a
listener has seen everything offered to it) and never measure how long anything
took: on a loaded, shared machine anything may take long. WAIT is only the point
at which a wait that never ends is reported as a failure.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import requests

from opendata.sparql.engine import QUERY_PROCESS

ROOT = Path(__file__).resolve().parent.parent
# Seconds after which a wait for an event fails the test, and the timeout of every
# request a test makes: failure guards for a stuck test, never measurements.
WAIT = 60.0
HTTP_TIMEOUT = 60.0

T = TypeVar("T")


def wait_until(condition: Callable[[], T], what: str, seconds: float = WAIT) -> T:
    """Poll condition until it returns something true and return that; fail, naming
    what was awaited, if it never does."""
    deadline = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds:g} s waiting for {what}")
        time.sleep(0.05)


def _ephemeral_ports() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


_ports = random.Random()  # its own generator: a test's random.seed() does not repeat ports


def free_port() -> int:
    """A free loopback port below the kernel's range for outgoing connections: between
    this check and the server binding it, no client connection can be given it."""
    low = _ephemeral_ports()[0]
    for _ in range(200):
        port = _ports.randrange(10000, low) if low > 11000 else 0
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free loopback port")


def descendants(pid: int) -> list[int]:
    """Process ids of every process below pid (Linux /proc)."""
    found, queue = [], [pid]
    while queue:
        for path in Path(f"/proc/{queue.pop()}/task").glob("*/children"):
            try:
                children = [int(child) for child in path.read_text().split()]
            except OSError:
                continue
            found += children
            queue += children
    return found


def query_processes(pid: int) -> set[int]:
    """The SPARQL query processes below process pid."""
    found = set()
    for child in descendants(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if QUERY_PROCESS.encode() in command:
            found.add(child)
    return found


def gone(pid: int) -> bool:
    """True when no process pid exists any more (ended and reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Gunicorn:
    """The service under gunicorn on a free port. Its stderr (gunicorn's log and the
    service's) is read as it is written, so the pipe never fills up and a test can
    wait for a line; debug names loggers whose debug lines are wanted there."""

    def __init__(self, env: dict[str, str], workers: int, args: list[str], debug: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            # the limits are failure guards here: only tests of the time limit set one
            "--timeout",
            str(int(2 * WAIT)),
            # no control socket: the one path of it is shared by every gunicorn of the user
            "--no-control-socket",
            *args,
        ]
        env = {"OPENDATA_SPARQL_TIMEOUT": str(WAIT), **env}
        self._log_config = None
        if debug:
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
                json.dump(
                    {
                        "root": {"level": "WARNING", "handlers": ["error_console"]},
                        "loggers": {name: {"level": "DEBUG"} for name in debug},
                    },
                    file,
                )
            self._log_config = file.name
            command += ["--log-config-json", file.name]
        self.process = subprocess.Popen(
            [*command, "wsgi:app"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)

    def log(self, since: int = 0) -> str:
        return "".join(self.lines[since:])

    def wait_for_log(self, pattern: str, since: int = 0) -> re.Match:
        """The first match of pattern in the log lines from number since on."""

        def found() -> re.Match | None:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            return re.search(pattern, self.log(since))

        return wait_until(found, f"{pattern!r} in gunicorn's log")

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
        try:
            requests.get(self.url + "/", timeout=HTTP_TIMEOUT)
        except (requests.ConnectionError, requests.Timeout):
            return False
        return True

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(WAIT)  # a query process still running keeps the pipe open
        if self._log_config:
            os.unlink(self._log_config)


@contextmanager
def gunicorn_server(
    env: dict[str, str] | None = None,
    workers: int = 2,
    args: list[str] | None = None,
    debug: list[str] | None = None,
) -> Iterator[Gunicorn]:
    """The service under gunicorn, once it answers; stopped afterwards."""
    server = Gunicorn(env or {}, workers, args or [], debug or [])
    try:
        wait_until(server.answers, f"gunicorn to answer at {server.url}")
        yield server
    finally:
        server.stop()


@contextmanager
def gunicorn(env: dict[str, str] | None = None, workers: int = 2) -> Iterator[str]:
    """The service under gunicorn on a free port; yields its base URL."""
    with gunicorn_server(env, workers) as server:
        yield server.url


class Listener:
    """A TCP server on 127.0.0.1 that accepts and records connections."""

    def __init__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections: list[tuple[str, int]] = []
        self._markers: set[tuple[str, int]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, peer = self._socket.accept()
            except TimeoutError:
                continue
            self.connections.append(peer)
            connection.close()

    def connections_so_far(self) -> list[tuple[str, int]]:
        """Every connection made before this call, once the listener has taken them all.

        The kernel queues connections in the order they are made: a marker connection
        made now is taken after every earlier one, so once the listener has taken the
        marker it has seen them all. No waiting for something that might still come.
        """
        with socket.create_connection(("127.0.0.1", self.port)) as marker:
            peer = marker.getsockname()
        self._markers.add(peer)
        wait_until(lambda: peer in self.connections, "the listener to take its marker")
        earlier = self.connections[: self.connections.index(peer)]
        return [each for each in earlier if each not in self._markers]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


@contextmanager
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.close()


def need(binary: str, how: str) -> str:
    """The path of a server binary; skip (fail under CI) when it is not installed."""
    found = shutil.which(binary) or shutil.which(binary, path=str(Path(sys.executable).parent))
    if found is None:
        message = f"{binary} is not installed ({how})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


class ServerProcess:
    """A server on a fixed loopback port that a test can stop and start again."""

    def __init__(self, command: list[str], port: int):
        self.command = command
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

        def listening() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[0]} exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=WAIT).close()
            except OSError:
                return False
            return True

        wait_until(listening, f"{self.command[0]} to listen on {self.port}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT)


def oxigraph(location: Path | None = None) -> ServerProcess:
    binary = need("oxigraph", "pip install oxigraph")
    port = free_port()
    # the store stops long queries itself, as in production (docs/deploy.md)
    command = [binary, "serve", "--bind", f"127.0.0.1:{port}", "--timeout-s", "10"]
    if location is not None:
        command += ["--location", str(location)]
    return ServerProcess(command, port)


def redis(port: int | None = None) -> ServerProcess:
    binary = need("redis-server", "apt-get install redis-server")
    port = port or free_port()
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    return ServerProcess(command, port)


def store_config(base_url: str) -> dict:
    """The OPENDATA_STORE_* settings for an Oxigraph server."""
    return {
        "STORE": "sparql",
        "STORE_QUERY_URL": f"{base_url}/query",
        "STORE_UPDATE_URL": f"{base_url}/update",
        "STORE_GRAPH_URL": f"{base_url}/store",
        "STORE_TIMEOUT": HTTP_TIMEOUT,  # a slow answer from a loaded machine is no fault
        "STORE_RETRY_AFTER": 7,
    }
