"""Real servers for the tests, all on loopback.

- the service under gunicorn;
- Oxigraph (SPARQL 1.1) and Redis: .ci/run starts one of each and names them in
  OPENDATA_TEST_STORE_URL and OPENDATA_TEST_REDIS_URL; without those, the fixtures
  start their own from the installed binaries. Tests of faults start private ones,
  to stop and restart them;
- a TCP listener that records every connection it is offered (to prove that
  nothing connects to it).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str] | None = None, workers: int = 2) -> Iterator[str]:
    """The service under gunicorn on a free port; yields its base URL."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


class Listener:
    """A TCP server on 127.0.0.1 that accepts and records connections."""

    def __init__(self):
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections: list[tuple[str, int]] = []
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
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[0]} exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.command[0]} did not listen on {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


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
        "STORE_TIMEOUT": 5,
        "STORE_RETRY_AFTER": 7,
    }
