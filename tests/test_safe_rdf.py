"""RDF from outside never reaches rdflib unguarded: no entity expansion, no fetching."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph

from opendata.safe_rdf import UnsafeRDF, parse_rdf

from .servers import listener

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/">
<rdf:Description rdf:about="http://ex/a"><ex:p>&lol3;</ex:p></rdf:Description></rdf:RDF>"""


PLAIN = b'<?xml version="1.0"?>' + BILLION_LAUGHS.split(b"]>", 1)[1].replace(b"&lol3;", b"x")


def test_xml_with_entities_is_refused_before_parsing(monkeypatch):
    parsed = []
    monkeypatch.setattr(Graph, "parse", lambda *args, **kwargs: parsed.append(kwargs))
    with pytest.raises(UnsafeRDF, match="DOCTYPE or ENTITY"):
        parse_rdf(BILLION_LAUGHS, "xml")
    assert parsed == []  # rdflib never saw it, so it expanded nothing
    parse_rdf(PLAIN, "xml")
    assert len(parsed) == 1  # the control: a parse is seen


def test_plain_rdf_xml_still_parses():
    assert len(parse_rdf(PLAIN, "xml")) == 1


@pytest.mark.parametrize("shape", ["string", "list", "import", "nested"])
def test_json_ld_with_a_remote_context_is_refused_and_nothing_is_fetched(shape):
    with listener() as server:
        refused_without_fetching(server.url + "context.jsonld", shape)
        assert server.connections_so_far() == []


def refused_without_fetching(url: str, shape: str) -> None:
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


def test_json_ld_with_an_inline_context_parses():
    document = {"@context": {"ex": "http://ex/"}, "@id": "ex:a", "ex:p": "x"}
    assert len(parse_rdf(json.dumps(document).encode(), "json-ld")) == 1
