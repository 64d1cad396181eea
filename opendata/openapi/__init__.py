"""The OpenAPI 3.1 description of the service, served at ``/openapi.json``.

Media types, body schemas and the values parameters may take come from the tables the
service negotiates and checks with, so the description cannot drift from what is
served. Tests check that every route of the application is described here, that every
path described answers as documented, and run Schemathesis against a live server: a
new route needs its entry in ``paths()``.
"""

from __future__ import annotations

from ..formats import RDF_FORMATS
from .bodies import OPENAPI
from .data import catalogue_paths, discovery_paths, dump_paths
from .search import search_paths
from .service import Service
from .sparql import sparql_path
from .status import status_paths
from .things import file_paths, page_paths, thing_paths

VERSION = "3.1.0"

__all__ = ["OPENAPI", "VERSION", "Service", "document", "paths"]


def paths(service: Service) -> dict[str, dict]:
    """Every route of the service, as OpenAPI path items."""
    return {
        **thing_paths(service),
        **search_paths(),
        **sparql_path(service),
        **catalogue_paths(service),
        **dump_paths(service),
        **discovery_paths(service),
        **page_paths(),
        **file_paths(),
        **status_paths(),
    }


def document(base: str, service: Service) -> dict:
    """The OpenAPI document of a service for a base URI."""
    rdf = ", ".join(f.label for f in RDF_FORMATS)
    return {
        "openapi": VERSION,
        "info": {
            "title": "Open data: organisations, programmes and contacts as Linked Open Data",
            "version": "1",
            "summary": "Linked Open Data (schema.org) with content negotiation, a DCAT-AP.de "
            "catalogue with dumps, and a read-only SPARQL 1.1 endpoint.",
            "description": f"Every thing has a URI /id/{{kind}}/{{slug}} and a document in "
            f"{rdf} and HTML. Every GET route also answers HEAD. Every response allows "
            "cross-origin access (Access-Control-Allow-Origin: *). When the data store "
            "cannot be reached, any route answers 503 with Retry-After. Errors come in the "
            "format the client accepts: an HTML page, Problem Details (application/problem+"
            "json), a hydra:Error in the RDF format asked for, or plain text. "
            f"Documentation for people: {base}api",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": base.rstrip("/")}],
        "paths": paths(service),
    }
