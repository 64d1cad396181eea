"""Every format the service speaks: one registry entry each, with its renderer.

An entry carries everything about its format: media type and the aliases a client
may ask for it by, file extension, charset, what it is rendered from (a ``graph``, a
``page``, a ``vcard``, query ``solutions``) and the function that renders it, and the
W3C format IRI and EU file-type IRI that the catalogue, VoID and the SPARQL service
description state. Adding a format is one entry and its renderer, here; views offer
whole tables of entries (``DOCUMENT_FORMATS``, ``SOLUTION_FORMATS``, …) and
``opendata.serving`` negotiates between them.

Every RDF renderer gives the same bytes in every process for the same graph: a graph
iterates in hash order, which differs between processes, so statements, lines,
arrays and blank-node labels are put in a canonical order here; equal bytes give
equal ETags across workers and instances. Turtle and N-Triples are written by
Oxigraph, RDF/XML and JSON-LD by rdflib. Graphs are rendered in the
internal base and relocated afterwards (``opendata.uris``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.jsonld import from_rdf
from rdflib.query import Result
from rdflib.term import Node

from . import uris
from .vocabulary import EU_FILE_TYPE, RDF, W3C_FORMATS, XSD

VOCAB_DIR = Path(__file__).resolve().parent.parent / "vocab"
CONTEXT_PATH = "vocab/context.jsonld"

Writer = Callable[["Format", Any], bytes]


@dataclass(frozen=True)
class Format:
    """One format: how to ask for it, how to name it, and how to render it."""

    name: str  # the file extension, and the value of ``format=`` parameters
    media_type: str  # what the response's Content-Type says
    label: str
    reads: str  # what its renderer takes from a source: graph, page, vcard, solutions, …
    write: Writer | None = None  # renders what it reads into bytes
    aliases: tuple[str, ...] = ()  # media types that select it only when named exactly
    charset: bool = False  # the Content-Type names charset=utf-8
    w3c: URIRef | None = None  # W3C's IRI of the format (www.w3.org/ns/formats/)
    file_type: URIRef | None = None  # the EU file type (for dct:format)
    rdflib_name: str | None = None  # rdflib's serialiser
    localized: bool = False  # its bytes depend on the reader's language
    download: bool = False  # sent as an attachment named after the thing

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def is_rdf(self) -> bool:
        return self.reads == "graph"

    def render(self, source: Any) -> bytes:
        """The bytes of ``source`` in this format (``source`` gives what the format reads)."""
        if self.write is None:
            raise TypeError(f"{self.label} is not rendered from a source")
        return self.write(self, getattr(source, self.reads)())


# ---------------------------------------------------------------------------
# Renderers.


def serialize(graph: Graph, fmt: Format) -> bytes:
    """An RDF serialisation in the internal base, the same bytes in every process."""
    if fmt.write is None or not fmt.is_rdf:
        raise TypeError(f"{fmt.label} is not an RDF format")
    return fmt.write(fmt, _canonical(graph))


def _graph(fmt: Format, graph: Graph) -> bytes:
    return serialize(graph, fmt)


def _rdflib(fmt: Format, graph: Graph) -> bytes:
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")


def _ntriples(fmt: Format, graph: Graph) -> bytes:
    return b"".join(sorted(_oxigraph(fmt, graph).splitlines(keepends=True)))


def _turtle(fmt: Format, graph: Graph) -> bytes:
    return _oxigraph(fmt, graph, abbreviated=True)


# Oxigraph writes Turtle and N-Triples some twenty times faster than rdflib (a catalogue
# page of 8,500 statements: 1.3 s in rdflib), so it writes them, from the statements in
# a canonical order: by subject, its type first, then by predicate and object.
_OXIGRAPH_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES}
_RDF_TYPE, _STRING = ox.NamedNode(RDF.type), ox.NamedNode(XSD.string)


def _oxigraph(fmt: Format, graph: Graph, abbreviated: bool = False) -> bytes:
    triples = _ox_triples(graph)
    prefixes = _used_prefixes(graph, triples) if abbreviated else None
    # an empty graph is an empty line, not an empty body (as rdflib writes it)
    return ox.serialize(triples, format=_OXIGRAPH_FORMATS[fmt.name], prefixes=prefixes) or b"\n"


def _ox_triples(graph: Graph) -> list[ox.Triple]:
    terms: dict[Node, ox.NamedNode | ox.BlankNode | ox.Literal] = {}

    def term(node: Node):
        found = terms.get(node)
        if found is None:
            found = terms[node] = _ox_term(node)
        return found

    rows = [(term(s), term(p), term(o)) for s, p, o in graph]
    rows.sort(key=lambda row: (str(row[0]), row[1] != _RDF_TYPE, str(row[1]), str(row[2])))
    return [ox.Triple(*row) for row in rows]


def _ox_term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(node)
    if isinstance(node, BNode):
        return ox.BlankNode(node)
    if node.language:
        return ox.Literal(node, language=node.language)
    if node.datatype:
        return ox.Literal(node, datatype=ox.NamedNode(node.datatype))
    return ox.Literal(node)


def _used_prefixes(graph: Graph, triples: list[ox.Triple]) -> dict[str, str]:
    """The graph's prefixes that some IRI written in full would start with (rdf:type is
    written ``a``, plain and language-tagged literals without their datatype)."""
    iris = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    iris.update(t.predicate.value for t in triples if t.predicate != _RDF_TYPE)
    for triple in triples:
        node = triple.object
        if isinstance(node, ox.NamedNode):
            iris.add(node.value)
        elif isinstance(node, ox.Literal) and not node.language and node.datatype != _STRING:
            iris.add(node.datatype.value)
    return {
        prefix: str(namespace)
        for prefix, namespace in sorted(graph.namespace_manager.namespaces())
        if prefix and any(iri.startswith(namespace) for iri in iris)
    }


# rdflib's flat RDF/XML: one rdf:Description per subject, with one property element per
# statement, in the order the statements were added; subjects in hash order.
_DESCRIPTION = re.compile(rb"^  <rdf:Description .*?^  </rdf:Description>\n", re.M | re.S)
# A property element starts a line; a literal's text cannot, since it escapes "<".
_PROPERTY = re.compile(rb"(?m)^(?=    <)")


def _rdfxml(fmt: Format, graph: Graph) -> bytes:
    body = _rdflib(fmt, graph)
    descriptions = _DESCRIPTION.findall(body)
    if not descriptions:
        return body
    start = body.index(descriptions[0])
    end = body.rindex(b"</rdf:Description>\n") + len(b"</rdf:Description>\n")
    return body[:start] + b"".join(sorted(map(_sorted_properties, descriptions))) + body[end:]


def _sorted_properties(description: bytes) -> bytes:
    """A description with its property elements in a canonical order."""
    if b"rdf:parseType" in description:  # nested XML: keep it as it is
        return description
    opening, _, rest = description.partition(b"\n")
    inner, _, closing = rest.rpartition(b"  </rdf:Description>")
    properties = [p for p in _PROPERTY.split(inner) if p]
    return opening + b"\n" + b"".join(sorted(properties)) + b"  </rdf:Description>" + closing


def _jsonld(fmt: Format, graph: Graph) -> bytes:
    """Compacted with the service's own context, passed as a dict (rdflib would fetch a
    remote one), then pointing at the context the service publishes, so any JSON-LD
    processor can expand it from this service alone."""
    data = compacted(graph)
    data["@context"] = uris.INTERNAL_BASE + CONTEXT_PATH
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _text(fmt: Format, text: str) -> bytes:
    return text.encode("utf-8")


def _as_is(fmt: Format, body: bytes) -> bytes:
    return body


def _solutions(fmt: Format, result: Result) -> bytes:
    return result.serialize(format=fmt.name, encoding="utf-8")


def _tsv(fmt: Format, result: Result) -> bytes:
    """SPARQL 1.1 TSV (rdflib has no serialiser for it): terms in SPARQL syntax."""
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    for row in result.bindings:
        lines.append("\t".join(_tsv_term(row.get(v)) for v in result.vars))
    return ("\n".join(lines) + "\n").encode("utf-8")


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_TSV_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    if isinstance(term, BNode):
        return f"_:{term}"
    return f"<{term}>"


def _problem(fmt: Format, problem: dict) -> bytes:
    return json.dumps(problem, ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------
# The registry.

TURTLE = Format(
    "ttl", "text/turtle", "Turtle", "graph", _turtle, ("application/x-turtle",), True,
    W3C_FORMATS.Turtle, EU_FILE_TYPE.RDF_TURTLE, "turtle",
)  # fmt: skip
JSONLD = Format(
    "jsonld", "application/ld+json", "JSON-LD", "graph", _jsonld, ("application/json",), True,
    W3C_FORMATS["JSON-LD"], EU_FILE_TYPE.JSON_LD, "json-ld",
)  # fmt: skip
RDFXML = Format(
    "rdf", "application/rdf+xml", "RDF/XML", "graph", _rdfxml, (), False,
    W3C_FORMATS.RDF_XML, EU_FILE_TYPE.RDF_XML, "xml",
)  # fmt: skip
NTRIPLES = Format(
    "nt", "application/n-triples", "N-Triples", "graph", _ntriples, (), False,
    W3C_FORMATS["N-Triples"], EU_FILE_TYPE.RDF_N_TRIPLES, "nt",
)  # fmt: skip
HTML = Format(
    "html", "text/html", "HTML", "page", _text, ("application/xhtml+xml",), True,
    file_type=EU_FILE_TYPE.HTML, localized=True,
)  # fmt: skip
VCARD = Format("vcf", "text/vcard", "vCard", "vcard", _as_is, charset=True, download=True)

SPARQL_JSON = Format(
    "json", "application/sparql-results+json", "SPARQL JSON", "solutions", _solutions,
    ("application/json",), w3c=W3C_FORMATS.SPARQL_Results_JSON,
)  # fmt: skip
SPARQL_XML = Format(
    "xml", "application/sparql-results+xml", "SPARQL XML", "solutions", _solutions,
    ("application/xml", "text/xml"), w3c=W3C_FORMATS.SPARQL_Results_XML,
)  # fmt: skip
CSV = Format(
    "csv", "text/csv", "CSV", "solutions", _solutions, charset=True,
    w3c=W3C_FORMATS.SPARQL_Results_CSV, file_type=EU_FILE_TYPE.CSV,
)  # fmt: skip
TSV = Format(
    "tsv", "text/tab-separated-values", "TSV", "solutions", _tsv, charset=True,
    w3c=W3C_FORMATS.SPARQL_Results_TSV, file_type=EU_FILE_TYPE.TSV,
)  # fmt: skip

PLAIN = Format("txt", "text/plain", "Text", "body", _as_is, charset=True)
PROBLEM_JSON = Format("json", "application/problem+json", "JSON", "problem", _problem)
ATOM = Format("atom", "application/atom+xml", "Atom", "body", _as_is)
OPENSEARCH = Format(
    "xml", "application/opensearchdescription+xml", "OpenSearch description", "body", _as_is,
    charset=True,
)  # fmt: skip
SITEMAP = Format("xml", "application/xml", "Sitemap", "body", _as_is)
OPENAPI_JSON = Format("json", "application/json", "OpenAPI (JSON)", "body", _as_is)
JSONLD_CONTEXT = Format(
    "jsonld", "application/ld+json", "JSON-LD context", "body", _as_is, charset=True
)
GZIP = Format("gz", "application/gzip", "gzip", "body", _as_is)

# The formats of every document, in the server's order of preference: RDF clients and
# harvesters that send */* or nothing get Turtle. Things with contact data also offer
# VCARD (see opendata.kinds).
RDF_FORMATS = (TURTLE, JSONLD, RDFXML, NTRIPLES)
DOCUMENT_FORMATS = (*RDF_FORMATS, HTML)
# Bulk downloads and the distributions that describe them.
DUMP_FORMATS = (NTRIPLES, TURTLE, JSONLD)
# SELECT and ASK answer in the SPARQL 1.1 results formats.
SOLUTION_FORMATS = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
# Errors: plain text for clients that say nothing, then pages, problems and RDF.
ERROR_FORMATS = (PLAIN, HTML, PROBLEM_JSON, *RDF_FORMATS)


def by_extension(formats: tuple[Format, ...]) -> dict[str, Format]:
    return {fmt.name: fmt for fmt in formats}


# ---------------------------------------------------------------------------
# JSON-LD.


@cache
def jsonld_context() -> dict:
    """The JSON-LD context published at /vocab/context.jsonld, loaded from vocab/."""
    return json.loads((VOCAB_DIR / "context.jsonld").read_text(encoding="utf-8"))


def compacted(graph: Graph) -> dict:
    # rdflib's JSON-LD conversion itself: its serialiser would write the result as JSON
    # text only for it to be read again here. Native types, as that serialiser uses them.
    data = from_rdf(graph, jsonld_context()["@context"], use_native_types=True, auto_compact=True)
    return _ordered(data)


def _canonical(graph: Graph) -> Graph:
    """The graph with canonical blank-node labels (published data has none; parsed data may)."""
    if not any(isinstance(node, BNode) for triple in graph for node in triple):
        return graph
    copy = Graph(namespace_manager=graph.namespace_manager)
    copy += to_canonical_graph(graph)
    return copy


def _ordered(value, keep_order: bool = False):
    """JSON-LD with its arrays sorted; only @list arrays carry an order of their own."""
    if isinstance(value, dict):
        return {key: _ordered(item, keep_order=key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_ordered(item) for item in value]
        if keep_order:
            return items
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value
