"""RDF from outside never reaches rdflib unguarded: no entity expansion, no fetching."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from opendata.safe_rdf import UnsafeRDF, parse_rdf

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/">
<rdf:Description rdf:about="http://ex/a"><ex:p>&lol3;</ex:p></rdf:Description></rdf:RDF>"""


def test_xml_with_entities_is_refused_before_parsing():
    started = time.monotonic()
    with pytest.raises(UnsafeRDF, match="DOCTYPE or ENTITY"):
        parse_rdf(BILLION_LAUGHS, "xml")
    assert time.monotonic() - started < 0.5


def test_plain_rdf_xml_still_parses():
    data = BILLION_LAUGHS.split(b"]>", 1)[1].replace(b"&lol3;", b"x")
    graph = parse_rdf(b'<?xml version="1.0"?>' + data, "xml")
    assert len(graph) == 1


@pytest.fixture
def listener():
    """A local TCP listener that records whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                connections.append(connection)
                connection.close()
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/context.jsonld", connections
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize("shape", ["string", "list", "import", "nested"])
def test_json_ld_with_a_remote_context_is_refused_and_nothing_is_fetched(listener, shape):
    url, connections = listener
    context = {
        "string": url,
        "list": [url],
        "import": {"@import": url},
        "nested": {"ex": "http://ex/"},
    }[shape]
    document = {"@context": context, "@id": "http://ex/a", "http://ex/p": "x"}
    if shape == "nested":
        document["http://ex/q"] = {"@context": url, "@id": "http://ex/b"}
    with pytest.raises(UnsafeRDF, match="remote @context"):
        parse_rdf(json.dumps(document).encode(), "json-ld")
    time.sleep(0.3)
    assert connections == []


def test_json_ld_with_an_inline_context_parses():
    document = {"@context": {"ex": "http://ex/"}, "@id": "ex:a", "ex:p": "x"}
    assert len(parse_rdf(json.dumps(document).encode(), "json-ld")) == 1
