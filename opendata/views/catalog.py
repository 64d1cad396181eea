"""The DCAT-AP.de catalogue for open-data portals: ``/catalog`` and ``/catalog/dataset/{slug}``.

``/catalog`` negotiates on Accept like every document; harvesters send no Accept (or
``*/*``) and get Turtle, browsers get HTML. ``/catalog.{ttl,rdf,jsonld,nt,html}`` is one
fixed format. Large catalogues are paged (``?page=``, ``CATALOG_PAGE_SIZE`` datasets a
page) and linked with a ``hydra:PartialCollectionView``; ``?modified_since=`` (ISO date
or date-time) keeps only the datasets changed on or after that day.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import replace
from functools import lru_cache

from flask import Blueprint, abort, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from rdflib import Graph, URIRef
from werkzeug.wrappers import Response

from .. import catalog, uris
from ..formats import BY_EXTENSION, DOCUMENT_FORMATS, HTML, Format, NotAcceptable, negotiate
from ..http import link_header, send
from ..i18n import DEFAULT_LANGUAGE, current_language
from ..pages import Reader
from ..publishing import current_store, public_base
from ..remote import StoreUnavailable
from ..rendering import representation, serialize
from ..vocabulary import DCAT, DCTERMS, FOAF, LOCN, SKOS, VCARD

bp = Blueprint("catalog", __name__)

_PAGE = re.compile(r"^[1-9][0-9]{0,8}$")
_SLUG = re.compile(rf"^{uris.SLUG_PATTERN}$")
MAX_DATE_LENGTH = 40
DUMP_FORMAT_BY_MEDIA_TYPE = {str(dump.media_type): dump.format for dump in catalog.DUMP_FORMATS}


@bp.record_once
def check_configuration(state: BlueprintSetupState) -> None:
    """Refuse to start with a page size or catalogue publisher that cannot work."""
    size = state.app.config["CATALOG_PAGE_SIZE"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"CATALOG_PAGE_SIZE must be a positive integer, not {size!r}")
    # A store that cannot be reached yet is checked on the first request instead.
    with state.app.app_context(), contextlib.suppress(StoreUnavailable):
        catalog.catalog_publisher(current_store(), state.app.config["CATALOG_PUBLISHER"])


@bp.get("/catalog")
@bp.get("/catalog.<extension>")
def catalogue(extension: str | None = None) -> Response:
    fixed = fixed_format(extension)
    since = modified_since()
    store = current_store()
    selected = catalog.datasets(store, since)
    view = requested_page(extension, since, len(selected))
    fmt = fixed or negotiate_or_406()
    sparql = "sparql" in current_app.blueprints
    language = current_language() if fmt is HTML else None

    def make() -> bytes:
        publisher = catalog.catalog_publisher(store, current_app.config["CATALOG_PUBLISHER"])
        on_page = list(view.items(selected))
        graph = catalog.catalog_graph(store, on_page, view, publisher, sparql)
        if fmt is HTML:
            return catalogue_page(graph, on_page, view, since, language).encode("utf-8")
        return serialize(graph, fmt)

    key = f"catalog|{view.path}|{view.number}|{since or '-'}|{'sparql' if sparql else '-'}"
    base = public_base()
    rep = representation(store.version, key, fmt, base, make, store.modified, language)
    formats_view = replace(view, path="catalog")
    return send(
        rep,
        negotiated=fixed is None,
        content_location=None if fixed else with_extension(formats_view, fmt),
        alternates=catalogue_links(base, formats_view),
    )


@bp.get("/catalog/dataset/<name>")
def dataset(name: str) -> Response:
    slug, dot, extension = name.partition(".")
    fixed = fixed_format(extension) if dot else None
    store = current_store()
    organization = catalog.find_organization(store, slug) if _SLUG.match(slug) else None
    if organization is None:
        abort(404, description=f"There is no dataset called {slug!r} in the catalogue.")
    fmt = fixed or negotiate_or_406()
    language = current_language() if fmt is HTML else None

    def make() -> bytes:
        graph = catalog.dataset_graph(store, organization)
        if fmt is HTML:
            return catalogue_page(graph, [organization], None, None, language).encode("utf-8")
        return serialize(graph, fmt)

    key = f"catalog/dataset/{slug}"
    modified = organization.publication.modified
    rep = representation(store.version, key, fmt, public_base(), make, modified, language)
    path = catalog.dataset_path(slug)
    return send(
        rep,
        negotiated=fixed is None,
        content_location=None if fixed else f"{path}.{fmt.name}",
        alternates=[(public(f"{path}.{f.name}"), f) for f in DOCUMENT_FORMATS],
    )


# ---------------------------------------------------------------------------
# Request parameters.


def fixed_format(extension: str | None) -> Format | None:
    if extension is None:
        return None
    fmt = BY_EXTENSION.get(extension)
    if fmt is None:
        offered = ", ".join(f".{f.name}" for f in DOCUMENT_FORMATS)
        abort(404, description=f"No format '.{extension}'; try one of: {offered}.")
    return fmt


def negotiate_or_406() -> Format:
    try:
        return negotiate(request.headers.get("Accept"), DOCUMENT_FORMATS)
    except NotAcceptable:
        offered = ", ".join(f.media_type for f in DOCUMENT_FORMATS)
        abort(406, description=f"The catalogue is available as: {offered}.")


def page_number() -> int:
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not _PAGE.match(raw):
        abort(400, description=f"page must be a page number (1, 2, …), not {raw[:40]!r}.")
    return int(raw)


def requested_page(extension: str | None, since: dt.date | None, total: int) -> catalog.PageView:
    """The page asked for, with the path and query its links keep; 404 beyond the last."""
    number = page_number()
    query = (("modified_since", since.isoformat()),) if since else ()
    path = f"catalog.{extension}" if extension else "catalog"
    view = catalog.PageView(number, current_app.config["CATALOG_PAGE_SIZE"], total, path, query)
    if number > view.last:
        abort(404, description=f"The catalogue has {view.last} page(s); there is no page {number}.")
    return view


def modified_since() -> dt.date | None:
    """The day from ``?modified_since=``: an ISO 8601 date or date-time (then its UTC day)."""
    raw = request.args.get("modified_since")
    if raw is None:
        return None
    value = raw.strip()
    day, separator, time = value.partition("T")
    if separator and " " in time:
        # A '+' of a UTC offset that the client did not percent-encode arrives as a space.
        value = f"{day}T{time.replace(' ', '+')}"
    try:
        if len(value) > MAX_DATE_LENGTH:
            raise ValueError
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        abort(
            400,
            description="modified_since must be an ISO 8601 date or date-time, e.g. 2025-03-01"
            f" or 2025-03-01T12:00:00Z, not {raw[:MAX_DATE_LENGTH]!r}.",
        )
    return moment.date()


@lru_cache(maxsize=1024)
def catalogue_links(base: str, view: catalog.PageView) -> str:
    """The Link header naming every format of a catalogue page."""
    root = base.rstrip("/")
    return link_header((root + with_extension(view, fmt), fmt) for fmt in DOCUMENT_FORMATS)


def with_extension(view: catalog.PageView, fmt: Format) -> str:
    return replace(view, path=f"{view.path}.{fmt.name}").url(view.number)


def public(path: str) -> str:
    return public_base().rstrip("/") + path


# ---------------------------------------------------------------------------
# The HTML page: read from the same graph the RDF formats serialise.


def catalogue_page(
    graph: Graph,
    organizations: list,
    view: catalog.PageView | None,
    since: dt.date | None,
    language: str,
) -> str:
    read = Reader(graph, language)
    entries = [dataset_entry(read, catalog.dataset_uri(o.slug)) for o in organizations]
    html_view = view
    if view is not None and language != DEFAULT_LANGUAGE:
        html_view = replace(view, query=(*view.query, ("lang", language)))
    return render_template(
        "catalog.html",
        title=read.text(catalog.catalog_uri(), DCTERMS.title) if view else entries[0]["title"],
        description=read.text(catalog.catalog_uri(), DCTERMS.description) if view else None,
        entries=entries,
        view=html_view,
        since=since,
        formats=[f for f in DOCUMENT_FORMATS if f.is_rdf],
        format_links=format_links(view, organizations),
        dumps=[(d.format, catalog.dump_path(d.format)) for d in catalog.DUMP_FORMATS],
    )


def format_links(view: catalog.PageView | None, organizations: list) -> list[tuple[Format, str]]:
    rdf = [f for f in DOCUMENT_FORMATS if f.is_rdf]
    if view is None:
        path = catalog.dataset_path(organizations[0].slug)
        return [(f, f"{path}.{f.name}") for f in rdf]
    return [(f, with_extension(replace(view, path="catalog"), f)) for f in rdf]


def dataset_entry(read: Reader, dataset: URIRef) -> dict:
    graph = read.graph
    point = graph.value(dataset, DCAT.contactPoint)
    publisher = graph.value(dataset, DCTERMS.publisher)
    return {
        "title": read.text(dataset, DCTERMS.title),
        "description": read.text(dataset, DCTERMS.description),
        "landing_page": path_of(graph.value(dataset, DCAT.landingPage)),
        "publisher": read.text(publisher, FOAF.name) if publisher else None,
        "themes": [
            read.text(t, SKOS.prefLabel) for t in sorted(graph.objects(dataset, DCAT.theme))
        ],
        "keywords": read.texts(dataset, DCAT.keyword),
        "spatial": [
            read.text(place, LOCN.geographicName)
            for place in sorted(graph.objects(dataset, DCTERMS.spatial))
        ],
        "issued": graph.value(dataset, DCTERMS.issued),
        "modified": graph.value(dataset, DCTERMS.modified),
        "distributions": distributions(read, dataset),
        "email": graph.value(point, VCARD.hasEmail) if point else None,
        "telephone": graph.value(point, VCARD.hasTelephone) if point else None,
    }


def distributions(read: Reader, dataset: URIRef) -> list[dict]:
    graph = read.graph
    found = []
    for distribution in sorted(graph.objects(dataset, DCAT.distribution)):
        media_type = str(graph.value(distribution, DCAT.mediaType))
        fmt = DUMP_FORMAT_BY_MEDIA_TYPE[media_type]
        found.append(
            {
                "label": fmt.label,
                "media_type": fmt.media_type,
                "href": path_of(graph.value(distribution, DCAT.downloadURL)),
                "licence": str(graph.value(distribution, DCTERMS.license)),
            }
        )
    return found


def path_of(uri) -> str | None:
    return uris.path_of(str(uri)) if uri is not None else None
