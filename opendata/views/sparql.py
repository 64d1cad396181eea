"""``/sparql``: the read-only SPARQL 1.1 Protocol endpoint.

A query comes as ``GET ?query=``, as a ``POST`` form (``application/x-www-form-urlencoded``)
or as a ``POST`` body (``application/sparql-query``). Without a query, ``/sparql``
describes itself: a SPARQL Service Description (Turtle unless asked otherwise) or,
for browsers, a page with a query form and examples that works without JavaScript.

Clients write queries with the public URIs; the query text is moved to the internal
base before it runs and the results are moved back (``opendata.uris``). Every
refusal is a 4xx with a message; a query that overruns the time limit is stopped and
answered 503 (see the README for every status).
"""

from __future__ import annotations

import json
from typing import NoReturn

from flask import Blueprint, abort, current_app, render_template, request, url_for
from rdflib import Graph
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from .. import statistics, uris
from ..formats import DOCUMENT_FORMATS, HTML
from ..i18n import current_language
from ..publishing import current_store, public_base
from ..rendering import Representation
from ..serving import NEGOTIATED_VARY, not_acceptable, send, serve
from ..sparql.description import service_description
from ..sparql.engine import current_engine, current_engines
from ..sparql.examples import EXAMPLES
from ..sparql.results import (
    ALL_FORMATS,
    GRAPH_FORMATS,
    OFFERS,
    READ_ONLY,
    SOLUTION_FORMATS,
    TRUNCATED_HEADER,
    Accepted,
    Answer,
    QueryError,
    acceptable_at_all,
    unknown_format_names,
)

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
DATASET_PARAMETERS = ("default-graph-uri", "named-graph-uri")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    text, params = query_and_parameters()
    names = tuple(params.getlist("format"))
    check_format_names(names)
    if text is None:
        return description()
    check_request(text, params, names)
    base = public_base()
    accepted = Accepted(request.headers.get("Accept"), names)
    try:
        answer = current_engine().query(uris.to_internal(text, base), accepted)
    except QueryError as error:
        refuse(error)
    body = uris.relocate(answer.body, base)
    if answer.format is HTML:
        page = uris.relocate(results_page(text, answer, body), base)
        return respond(page, answer, language=current_language())
    return respond(body, answer)


def refuse(error: QueryError) -> NoReturn:
    if error.retry_after:
        raise ServiceUnavailable(description=error.message, retry_after=error.retry_after)
    abort(error.status, description=error.message)


def query_and_parameters() -> tuple[str | None, MultiDict]:
    """The query text (None when there is none: describe the service) and the parameters."""
    if request.method != "POST":
        params, texts = request.args, request.args.getlist("query")
        if "update" in params:
            abort(400, description=READ_ONLY)
        if not texts:
            return None, params
    elif request.mimetype == FORM:
        params, texts = request.form, request.form.getlist("query")
        if "update" in params:
            abort(400, description=READ_ONLY)
        if not texts:
            abort(400, description="No query: send it in the form field 'query'.")
    elif request.mimetype == DIRECT:
        if "query" in request.args:
            abort(400, description="Send the query either in the body or in the URL, not both.")
        params, texts = request.args, [body_text()]
    elif request.mimetype == UPDATE:
        abort(400, description=READ_ONLY)
    else:
        abort(
            415,
            description=f"Send a query as {FORM} (field 'query') or as {DIRECT}; "
            f"got {request.mimetype or 'no Content-Type'}.",
        )
    if len(texts) > 1:
        abort(400, description="Send one query at a time.")
    return texts[0], params


def body_text() -> str:
    charset = request.mimetype_params.get("charset", "utf-8")
    try:
        return request.get_data(cache=False).decode(charset)
    except LookupError:
        abort(415, description=f"Unknown charset {charset!r}; send the query as UTF-8.")
    except UnicodeDecodeError:
        abort(400, description=f"The query is not valid {charset}.")


def check_format_names(names: tuple[str, ...]) -> None:
    """400 for a ``format`` that names no format (with or without a query)."""
    if unknown_format_names(names):
        known = ", ".join(f.name for f in ALL_FORMATS)
        abort(400, description=f"Unknown result format {names[0]!r}; known formats: {known}.")


def check_request(text: str, params: MultiDict, names: tuple[str, ...]) -> None:
    """Refuse what needs no query process to refuse."""
    limit = current_engines().limits.max_query_bytes
    size = len(text.encode("utf-8"))
    if not text.strip():
        abort(400, description="The query is empty.")
    if size > limit:
        abort(413, description=f"The query is {size} bytes long; the limit is {limit} bytes.")
    for name in DATASET_PARAMETERS:
        if name in params:
            abort(
                400,
                description=f"'{name}' is not supported: every query runs against "
                "the published data, which is the default graph.",
            )
    if not names and not acceptable_at_all(request.headers.get("Accept")):
        not_acceptable(ALL_FORMATS, "Query results")


def respond(body: bytes, answer: Answer, language: str | None = None) -> Response:
    """GET answers carry validators and may be cached; POST answers are not cached."""
    fmt = answer.format
    if request.method != "POST":
        # the results of a query change only with the data
        rep = Representation.of(body, fmt, current_store().modified, language, gzip=False)
        response = send(rep, vary=NEGOTIATED_VARY)
    else:
        response = Response(body, content_type=fmt.content_type)
        response.headers["Vary"] = NEGOTIATED_VARY
        if language:
            response.content_language.add(language)
    if answer.truncated:
        response.headers[TRUNCATED_HEADER] = "true"
    return response


def results_page(text: str, answer: Answer, body: bytes) -> bytes:
    """Results as a page: a table of solutions, a yes or no, or a graph in Turtle."""
    data = json.loads(body) if answer.form in ("SELECT", "ASK") else None
    downloads = [
        (fmt, url_for("sparql.endpoint", query=text, format=fmt.name))
        for fmt in OFFERS[answer.form]
        if fmt is not HTML
    ]
    return render_template(
        "sparql.html",
        query=text,
        form=answer.form,
        variables=data["head"].get("vars", []) if data else [],
        rows=data.get("results", {}).get("bindings", []) if data else [],
        boolean=data.get("boolean") if data else None,
        turtle=None if data else body.decode("utf-8"),
        truncated=answer.truncated,
        downloads=downloads,
        **page_context(),
    ).encode("utf-8")


def description() -> Response:
    """The Service Description, or the query page for browsers."""
    store = current_store()
    return serve(
        ServiceDescription(store),
        key="sparql",
        modified=store.modified,
        offers=DOCUMENT_FORMATS,
        what="The service description",
    )


class ServiceDescription:
    def __init__(self, store):
        self.store = store

    def graph(self) -> Graph:
        triples = statistics.of(current_app, self.store).triples  # counted once per version
        return service_description(triples, current_engines().limits)

    def page(self) -> str:
        return render_template("sparql.html", query=EXAMPLES[0].text, **page_context())


def page_context() -> dict:
    return {
        "examples": EXAMPLES,
        "limits": current_engines().limits,
        "solution_formats": SOLUTION_FORMATS,
        "graph_formats": GRAPH_FORMATS,
        "internal_base": uris.INTERNAL_BASE,
    }
