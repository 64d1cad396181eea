"""Smoke test: the WSGI entry point under a real gunicorn, over real HTTP."""

from __future__ import annotations

import pytest
import requests

from .servers import HTTP_TIMEOUT, gunicorn, gunicorn_server


@pytest.fixture(scope="module")
def server():
    with gunicorn() as url:
        yield url


def test_gunicorn_serves_negotiated_documents(server):
    response = requests.get(
        server + "/id/organization/bildungsbuero",
        timeout=HTTP_TIMEOUT,
        headers={"Accept": "application/ld+json"},
    )
    assert response.history[0].status_code == 303
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert response.json()["@context"] == server + "/vocab/context.jsonld"


def test_gunicorn_serves_html_and_404(server):
    page = requests.get(server + "/", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    missing = requests.get(
        server + "/doc/person/nobody", headers={"Accept": "text/html"}, timeout=HTTP_TIMEOUT
    )
    assert missing.status_code == 404


def test_gunicorn_uses_the_request_host_as_base(server):
    body = requests.get(server + "/doc/person/kathrin-hinze.nt", timeout=HTTP_TIMEOUT).text
    assert f"<{server}/id/person/kathrin-hinze>" in body


def test_gunicorn_logs_the_build_of_a_new_version(tmp_path):
    """Operators watch a first build at national scale in the log: its steps are INFO."""
    env = {"OPENDATA_STATE_DIR": str(tmp_path / "state")}
    with gunicorn_server(env=env, workers=1) as server:
        server.wait_for_log(r"INFO.*SPARQL store of version \w+ built")
        server.wait_for_log(r"INFO.*search index of version \w+")
