"""Error responses in the format the client negotiated.

Browsers get an HTML page in the site's layout, RDF clients a ``hydra:Error``
resource in the RDF format they asked for (so their parser does not choke), JSON
clients ``application/problem+json`` (RFC 9457), everyone else plain text.
"""

from __future__ import annotations

import json

from flask import Flask, Response, current_app, render_template, request
from rdflib import BNode, Graph, Literal
from werkzeug.exceptions import Gone as HTTPGone
from werkzeug.exceptions import HTTPException, InternalServerError

from . import uris
from .formats import ERROR_FORMATS, HTML, JSONLD, PLAIN, PROBLEM_JSON, Format
from .graph import new_graph, retirement_graph
from .i18n import MESSAGES, current_language, gettext
from .negotiation import NotAcceptable, negotiate
from .publishing import public_base
from .records import Retirement
from .remote import StoreError
from .serving import NEGOTIATED_VARY, cache_control
from .vocabulary import HYDRA, RDF, XSD

# Errors a shared cache may keep like the documents: they change only with the data.
CACHEABLE_STATUSES = (406, 410)


class Gone(HTTPGone):
    """A thing that was published and is retired: 410, saying when and what replaces it."""

    def __init__(self, retirement: Retirement):
        name = f"{retirement.kind}/{retirement.slug}"
        successor = retirement.successor
        replaced = f"; it is replaced by {'/'.join(successor)}" if successor else ""
        super().__init__(
            f"{name} is no longer published: it was retired on {retirement.date}{replaced}."
        )
        self.retirement = retirement

    def successor_path(self) -> str | None:
        """The path of the successor's document, for links."""
        successor = self.retirement.successor
        return f"/doc/{successor[0]}/{successor[1]}" if successor else None

    def successor_uri(self) -> str | None:
        successor = self.retirement.successor
        return uris.relocate_text(str(uris.thing(*successor)), public_base()) if successor else None


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


def error_response(status: int, title: str, detail: str, gone: Gone | None = None) -> Response:
    fmt = error_format()
    successor = gone.successor_uri() if gone else None
    if fmt is HTML:
        body = render_template(
            "error.html",
            status=status,
            title=title,
            explanation=_message(f"error.{status}.explanation"),
            detail=detail,
            successor=gone.successor_path() if gone else None,
        )
    elif fmt is PROBLEM_JSON:
        problem = {"status": status, "title": title, "detail": detail}
        if successor:
            problem["successor"] = successor
        body = json.dumps(problem, ensure_ascii=False)
    elif fmt.is_rdf:
        graph = _error_graph(status, title, detail)
        if gone is not None:
            graph += retirement_graph(gone.retirement)
        body = uris.relocate(
            graph.serialize(format=fmt.rdflib_name, encoding="utf-8"), public_base()
        )
    else:
        body = f"{status} {title}\n\n{detail}\n"
    response = Response(body, status=status, content_type=fmt.content_type)
    # the same Vary as the documents of the URL (see opendata.serving)
    response.headers["Vary"] = NEGOTIATED_VARY
    if fmt is HTML:  # the page for people is in their language, like every other page
        response.content_language.add(current_language())
    if status in CACHEABLE_STATUSES:
        response.headers["Cache-Control"] = cache_control()
    if successor:
        response.headers["Link"] = f'<{successor}>; rel="successor-version"'
    return response


def http_error(error: HTTPException) -> Response:
    status = error.code or 500
    title = _message(f"error.{status}") or error.name
    gone = error if isinstance(error, Gone) else None
    response = error_response(status, title, error.description or error.name, gone)
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


def _message(key: str) -> str | None:
    """The message of a composed key in the reader's language; None for a status that
    has none."""
    return gettext(key) if key in MESSAGES else None


def _error_graph(status: int, title: str, detail: str) -> Graph:
    graph = new_graph()
    node = BNode()
    graph.add((node, RDF.type, HYDRA.Error))
    graph.add((node, HYDRA.statusCode, Literal(status, datatype=XSD.integer)))
    graph.add((node, HYDRA.title, Literal(title)))
    graph.add((node, HYDRA.description, Literal(detail)))
    return graph
