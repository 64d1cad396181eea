"""Real servers for the tests: Oxigraph (SPARQL 1.1) and Redis, on loopback.

.ci/run starts one of each and names them in OPENDATA_TEST_STORE_URL and
OPENDATA_TEST_REDIS_URL; without those, the fixtures start their own from the
installed binaries. Tests of faults start private ones, to stop and restart them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    command = [binary, "serve", "--bind", f"127.0.0.1:{port}"]
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
