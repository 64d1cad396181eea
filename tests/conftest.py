"""Shared fixtures: applications over the real data, over several organisations, and
helpers to read responses as RDF."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from rdflib import Graph

from opendata import create_app
from opendata.dumps import wait_until_built
from opendata.remote import SparqlClient, StoreEndpoints
from opendata.sparql_store import publish

from . import servers
from .servers import WAIT, store_config

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "bildungsbuero-dessau-rosslau.txt"

# What the applications of a test run build per data version, kept out of the checkout.
STATE_DIR = Path(tempfile.mkdtemp(prefix="opendata-state-"))
RDF_EXTENSIONS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}


def make_app(data_dir: Path, store_url: str | None = None, dumps_built: bool = True, **config):
    """An app over data_dir: read from the files, or published into a SPARQL store first;
    with its dumps written (unless ``dumps_built`` is false)."""
    settings = {
        "DATA_DIR": str(data_dir),
        "TESTING": True,
        # No watcher threads unless a test is about reloading.
        "RELOAD_INTERVAL": 0,
        # A loaded machine may be slow: only tests of the time limit set a short one.
        "SPARQL_TIMEOUT": WAIT,
        "STATE_DIR": str(STATE_DIR),
    }
    if store_url:
        settings.update(store_config(store_url))
        client = SparqlClient(StoreEndpoints.from_config(settings), WAIT)
        client.update("DROP ALL")  # each test publishes its own data, not a next version
        publish(data_dir, client)
    app = create_app({**settings, **config})
    if dumps_built:
        wait_until_built(app)  # the dumps of its data, written in the background
    return app


def pytest_generate_tests(metafunc):
    """The HTTP tests run against both backends: the files and a SPARQL store."""
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["memory", "sparql"])


@pytest.fixture(scope="session")
def store_url():
    """An Oxigraph server: the one .ci/run started, or one of our own."""
    if os.environ.get("OPENDATA_TEST_STORE_URL"):
        yield os.environ["OPENDATA_TEST_STORE_URL"].rstrip("/")
        return
    server = servers.oxigraph().start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture(scope="module")
def redis_url():
    """A Redis server: the one .ci/run started, or one of our own."""
    if os.environ.get("OPENDATA_TEST_REDIS_URL"):
        yield os.environ["OPENDATA_TEST_REDIS_URL"]
        return
    server = servers.redis().start()
    yield f"redis://127.0.0.1:{server.port}/0"
    server.stop()


@pytest.fixture
def backend_store(backend, request):
    """The store URL for the sparql backend, None for the files."""
    return request.getfixturevalue("store_url") if backend == "sparql" else None


@pytest.fixture
def app(backend_store):
    return make_app(DATA_DIR, backend_store)


@pytest.fixture
def client(app):
    return app.test_client()


def retire(directory: Path, *things: str, successor: str | None = None) -> Path:
    """Write a shared file retiring things ("kind/slug") as of 2026-11-30."""
    entries = [
        {"thing": thing, "date": "2026-11-30", **({"successor": successor} if successor else {})}
        for thing in things
    ]
    document = {
        "shared": {
            "retired": entries,
            "publication": {"issued": "2026-11-30", "modified": "2026-11-30"},
        }
    }
    path = directory / "retired.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def copy_data(directory: Path) -> Path:
    """A copy of the real data files (the office and the city's shared things)."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in DATA_DIR.glob("*.yaml"):
        shutil.copy(source, directory / source.name)
    return directory


@pytest.fixture
def multi_data_dir(tmp_path: Path) -> Path:
    """The real data plus the fictional second organisation of the fixtures."""
    directory = tmp_path / "data"
    directory.mkdir()
    for source in [*DATA_DIR.glob("*.yaml"), *(FIXTURES / "data").glob("*.yaml")]:
        shutil.copy(source, directory / source.name)
    return directory


@pytest.fixture
def multi_client(multi_data_dir, backend_store):
    return make_app(multi_data_dir, backend_store).test_client()


@pytest.fixture
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"seed page not found at {SEED} (../shared/ is not beside the repository)")
    return SEED.read_text(encoding="utf-8")


def parse(response, extension: str, client=None) -> Graph:
    """A response body as a graph; JSON-LD gets the context the service itself serves."""
    graph = Graph()
    body = response.get_data(as_text=True)
    if extension == "jsonld":
        document = json.loads(body)
        assert client is not None, "JSON-LD needs the client to fetch the service's context"
        context_url = document["@context"]
        context_path = "/" + context_url.split("/", 3)[3]
        served = client.get(context_path)
        assert served.status_code == 200, context_url
        document["@context"] = served.get_json()["@context"]
        body = json.dumps(document)
    graph.parse(data=body, format=RDF_EXTENSIONS[extension])
    return graph


def resource_paths(client) -> list[str]:
    """Every /doc/ path, discovered by following links from the home page."""
    seen: set[str] = set()
    queue = ["/"]
    while queue:
        page = client.get(queue.pop(), headers={"Accept": "text/html"})
        for path in re.findall(r'href="(/doc/[a-z]+/[a-z0-9-]+)"', page.get_data(as_text=True)):
            if path not in seen:
                seen.add(path)
                queue.append(path)
    return sorted(seen)


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


ADMINISTRATION = FIXTURES / "administration"


def copy_administration(directory: Path) -> Path:
    """The real data plus the fictional offices, department and sections of the same city
    administration (tests/fixtures/administration): a whole administration."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in [*DATA_DIR.glob("*.yaml"), *ADMINISTRATION.glob("*.yaml")]:
        shutil.copy(source, directory / source.name)
    return directory
