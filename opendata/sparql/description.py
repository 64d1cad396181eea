"""The SPARQL 1.1 Service Description of ``/sparql``, in the internal base."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal

from .. import uris
from ..formats import RDF_FORMATS, SOLUTION_FORMATS
from ..graph import new_graph
from ..vocabulary import DCTERMS, RDF, RDFS, SD, VOID, W3C_FORMATS, XSD
from .engine import Limits

ENDPOINT = uris.internal("sparql")


def service_description(triples: int, limits: Limits) -> Graph:
    """What the endpoint is, speaks and holds, and the limits every query runs under."""
    graph = new_graph()
    graph.bind("formats", W3C_FORMATS)
    graph.add((ENDPOINT, RDF.type, SD.Service))
    graph.add((ENDPOINT, SD.endpoint, ENDPOINT))
    graph.add((ENDPOINT, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*SOLUTION_FORMATS, *RDF_FORMATS):
        graph.add((ENDPOINT, SD.resultFormat, fmt.w3c))
    graph.add((ENDPOINT, DCTERMS.title, Literal("SPARQL-Endpunkt", lang="de")))
    graph.add((ENDPOINT, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    graph.add((ENDPOINT, RDFS.comment, Literal(_limits_text(limits), lang="en")))
    graph.add((ENDPOINT, RDFS.seeAlso, uris.internal("api")))
    graph.add((ENDPOINT, RDFS.seeAlso, uris.internal("openapi.json")))
    dataset, default_graph = BNode(), BNode()
    graph.add((ENDPOINT, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    graph.add((default_graph, VOID.triples, Literal(triples, datatype=XSD.integer)))
    return graph


def _limits_text(limits: Limits) -> str:
    return (
        "Read-only: updates, SERVICE, FROM and FROM NAMED are refused. "
        f"Each query may run {limits.timeout:g} seconds and return {limits.max_rows} rows "
        f"(or triples); query text is limited to {limits.max_query_bytes} bytes."
    )
