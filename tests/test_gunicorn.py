"""Smoke test: the WSGI entry point under a real gunicorn, over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/", timeout=5)
            break
        except (requests.ConnectionError, requests.Timeout):
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode()) from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_gunicorn_serves_negotiated_documents(server):
    response = requests.get(
        server + "/id/organization/bildungsbuero",
        timeout=5,
        headers={"Accept": "application/ld+json"},
    )
    assert response.history[0].status_code == 303
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert response.json()["@context"] == server + "/vocab/context.jsonld"


def test_gunicorn_serves_html_and_404(server):
    page = requests.get(server + "/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    missing = requests.get(
        server + "/doc/person/nobody", headers={"Accept": "text/html"}, timeout=5
    )
    assert missing.status_code == 404


def test_gunicorn_uses_the_request_host_as_base(server):
    body = requests.get(server + "/doc/person/kathrin-hinze.nt", timeout=5).text
    assert f"<{server}/id/person/kathrin-hinze>" in body
