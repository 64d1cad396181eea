"""Dumps under /dumps/: every format and its gzip, consistent with the per-resource
documents, with validators, and the same bytes from any worker process."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from .conftest import DATA_DIR, ROOT, make_app, parse, resource_paths
from .servers import WAIT

MEDIA_TYPES = {"nt": "application/n-triples", "ttl": "text/turtle", "jsonld": "application/ld+json"}
SLUGS = ("bildungsbuero", "familienbuero-musterstadt")


def dump_paths() -> list[str]:
    return [f"/dumps/all.{ext}" for ext in MEDIA_TYPES] + [
        f"/dumps/organization/{slug}.{ext}" for slug in SLUGS for ext in MEDIA_TYPES
    ]


@pytest.mark.parametrize("path", dump_paths())
def test_each_dump_and_its_gzip(multi_client, path):
    extension = path.rsplit(".", 1)[1]
    plain = multi_client.get(path)
    assert plain.status_code == 200
    assert plain.mimetype == MEDIA_TYPES[extension]
    assert plain.headers["ETag"]
    graph = parse(plain, extension, multi_client)
    assert len(graph) > 20
    packed = multi_client.get(path + ".gz")
    assert packed.status_code == 200
    assert packed.mimetype == "application/gzip"
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    for response in (plain, packed):
        again = multi_client.get(
            path + (".gz" if response is packed else ""),
            headers={"If-None-Match": response.headers["ETag"]},
        )
        assert again.status_code == 304
    head = multi_client.head(path + ".gz")
    assert head.status_code == 200 and head.headers["ETag"] == packed.headers["ETag"]


def test_all_formats_carry_the_same_graph(multi_client):
    graphs = {
        ext: parse(multi_client.get(f"/dumps/all.{ext}"), ext, multi_client) for ext in MEDIA_TYPES
    }
    assert isomorphic(graphs["nt"], graphs["ttl"])
    assert isomorphic(graphs["nt"], graphs["jsonld"])


def test_the_whole_dump_is_the_union_of_the_parts(multi_client):
    whole = parse(multi_client.get("/dumps/all.nt"), "nt")
    union = Graph()
    for slug in SLUGS:
        union += parse(multi_client.get(f"/dumps/organization/{slug}.nt"), "nt")
    assert isomorphic(whole, union)


def test_the_dump_agrees_with_every_document(multi_client):
    whole = parse(multi_client.get("/dumps/all.nt"), "nt")
    paths = resource_paths(multi_client)
    assert any("familienbuero" in p for p in paths) and any("bildungsbuero" in p for p in paths)
    subjects = set()
    for path in paths:
        document = parse(multi_client.get(f"{path}.nt"), "nt")
        ground = {t for t in document if not any(isinstance(term, BNode) for term in t)}
        assert ground <= set(whole), f"{path}: {ground - set(whole)}"
        subjects |= set(document.subjects())
    # And nothing in the dump is about a thing no document describes.
    assert {s for s in whole.subjects() if not isinstance(s, BNode)} <= subjects


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/all.xml",
        "/dumps/all",
        "/dumps/everything.ttl",
        "/dumps/all.ttl.zip",
        "/dumps/all.gz",
        "/dumps/organization/nobody.ttl",
        "/dumps/organization/bildungsbuero.csv",
        "/dumps/organization/bildungsbuero",
    ],
)
def test_unknown_dumps_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_dumps_use_the_configured_base():
    client = make_app(DATA_DIR, BASE_URI="https://daten.example.de").test_client()
    body = gzip.decompress(client.get("/dumps/all.ttl.gz").get_data()).decode()
    assert "https://daten.example.de/id/organization/bildungsbuero" in body
    assert "opendata.invalid" not in body


def test_every_process_sends_the_same_bytes():
    """Worker processes hash strings differently; dumps, documents and their ETags must not."""
    script = (
        "import json, sys, tempfile; from opendata import create_app; "
        "from opendata.dumps import wait_until_built; "
        "app = create_app({'TESTING': True, 'RELOAD_INTERVAL': 0, "
        "'STATE_DIR': tempfile.mkdtemp()}); wait_until_built(app); c = app.test_client(); "
        "paths = ['/dumps/all.' + e for e in ('nt', 'ttl', 'jsonld', 'nt.gz', 'jsonld.gz')]; "
        "paths += [d + e for d in ('/doc/organization/bildungsbuero.', "
        "'/doc/programme/qualitaet-vor-ort.', '/doc/person/kathrin-hinze.') "
        "for e in ('nt', 'ttl', 'jsonld', 'rdf', 'html')]; "
        "paths += ['/', '/catalog', '/catalog.jsonld']; "
        "print(json.dumps([(p, c.get(p).headers['ETag']) for p in paths]))"
    )
    etags = []
    for seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
            timeout=2 * WAIT,
        )
        etags.append(json.loads(result.stdout))
    assert etags[0] == etags[1]
