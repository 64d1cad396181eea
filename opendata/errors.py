"""Error responses in the format the client negotiated.

Browsers get an HTML page in the site's layout, RDF clients a ``hydra:Error``
resource in the RDF format they asked for (so their parser does not choke), JSON
clients ``application/problem+json`` (RFC 9457), everyone else plain text.
"""

from __future__ import annotations

import json

from flask import Flask, Response, current_app, render_template, request
from rdflib import BNode, Graph, Literal
from werkzeug.exceptions import HTTPException, InternalServerError

from .formats import ERROR_FORMATS, HTML, JSONLD, PLAIN, PROBLEM_JSON, Format
from .graph import new_graph
from .i18n import MESSAGES, current_language, gettext
from .negotiation import NotAcceptable, negotiate
from .remote import StoreError
from .serving import NEGOTIATED_VARY, cache_control
from .vocabulary import HYDRA, RDF, XSD

# Errors a shared cache may keep like the documents: they change only with the data.
CACHEABLE_STATUSES = (406,)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(StoreError, store_unavailable)
    app.register_error_handler(Exception, unexpected_error)


def store_unavailable(error: StoreError) -> Response:
    """The shared store is down or failing: ask clients to come back, never a 500."""
    current_app.logger.warning("503 for %s: %s", request.path, error)
    response = error_response(
        503, gettext("error.503"), "The data store cannot be reached; please try again shortly."
    )
    response.headers["Retry-After"] = str(current_app.config["STORE_RETRY_AFTER"])
    return response


def error_format() -> Format:
    try:
        chosen = negotiate(request.headers.get("Accept"), ERROR_FORMATS)
    except NotAcceptable:
        return PLAIN
    # application/json asked plainly gets problem+json rather than JSON-LD.
    if chosen is JSONLD and "ld+json" not in request.headers.get("Accept", ""):
        return PROBLEM_JSON
    return chosen


def error_response(status: int, title: str, detail: str) -> Response:
    fmt = error_format()
    if fmt is HTML:
        body = render_template("error.html", status=status, title=title, detail=detail)
    elif fmt is PROBLEM_JSON:
        body = json.dumps({"status": status, "title": title, "detail": detail}, ensure_ascii=False)
    elif fmt.is_rdf:
        body = _error_graph(status, title, detail).serialize(format=fmt.rdflib_name)
    else:
        body = f"{status} {title}\n\n{detail}\n"
    response = Response(body, status=status, content_type=fmt.content_type)
    # the same Vary as the documents of the URL (see opendata.serving)
    response.headers["Vary"] = NEGOTIATED_VARY
    if fmt is HTML:  # the page for people is in their language, like every other page
        response.content_language.add(current_language())
    if status in CACHEABLE_STATUSES:
        response.headers["Cache-Control"] = cache_control()
    return response


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    key = f"error.{status}"
    title = gettext(key) if key in MESSAGES else error.name
    response = error_response(status, title, error.description or error.name)
    # Keep what the exception says about retrying and allowed methods.
    for header, value in error.get_headers():
        if header in ("Allow", "Retry-After"):
            response.headers[header] = value
    return response


def unexpected_error(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_error(error)
    # Logged with the traceback; the client learns nothing about the internals.
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return http_error(InternalServerError())


def _error_graph(status: int, title: str, detail: str) -> Graph:
    graph = new_graph()
    node = BNode()
    graph.add((node, RDF.type, HYDRA.Error))
    graph.add((node, HYDRA.statusCode, Literal(status, datatype=XSD.integer)))
    graph.add((node, HYDRA.title, Literal(title)))
    graph.add((node, HYDRA.description, Literal(detail)))
    return graph
