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

from flask import Blueprint, abort, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from rdflib import Graph, URIRef
from werkzeug.wrappers import Response

from .. import catalog, dcat, uris
from ..formats import DOCUMENT_FORMATS, DUMP_FORMATS, RDF_FORMATS, Format
from ..i18n import DEFAULT_LANGUAGE, current_language
from ..pages import Reader
from ..publishing import current_store
from ..remote import StoreUnavailable
from ..serving import fixed_format, serve
from ..vocabulary import DCAT, DCTERMS, FOAF, LOCN, SKOS, VCARD

bp = Blueprint("catalog", __name__)

_PAGE = re.compile(r"^[1-9][0-9]{0,8}$")
_SLUG = re.compile(rf"^{uris.SLUG_PATTERN}$")
MAX_DATE_LENGTH = 40
DUMP_FORMAT_BY_MEDIA_TYPE = {str(catalog.media_type_iri(f)): f for f in DUMP_FORMATS}


@bp.record_once
def check_configuration(state: BlueprintSetupState) -> None:
    """Refuse to start with a page size, catalogue publisher or contributor id that cannot
    work."""
    size = state.app.config["CATALOG_PAGE_SIZE"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"CATALOG_PAGE_SIZE must be a positive integer, not {size!r}")
    dcat.contributor_id(state.app.config["DCATDE_CONTRIBUTOR_ID"])
    # A store that cannot be reached yet is checked on the first request instead.
    with state.app.app_context(), contextlib.suppress(StoreUnavailable):
        catalog.catalog_publisher(current_store(), state.app.config["CATALOG_PUBLISHER"])


@bp.get("/catalog")
@bp.get("/catalog.<extension>")
def catalogue(extension: str | None = None) -> Response:
    if extension is not None:
        fixed_format(extension, DOCUMENT_FORMATS)
    since = modified_since()
    store = current_store()
    selected = catalog.datasets(store, since)
    view = requested_page(extension, since, len(selected))
    sparql = "sparql" in current_app.blueprints
    key = f"catalog|{view.path}|{view.number}|{since or '-'}|{'sparql' if sparql else '-'}"
    formats_view = replace(view, path="catalog")
    return serve(
        CataloguePage(store, view, list(view.items(selected)), since, sparql),
        key=key,
        modified=store.modified,
        offers=DOCUMENT_FORMATS,
        extension=extension,
        url=lambda fmt: with_extension(formats_view, fmt),
        what="The catalogue",
    )


@bp.get("/catalog/dataset/<name>")
def dataset(name: str) -> Response:
    slug, dot, extension = name.partition(".")
    store = current_store()
    organization = catalog.find_organization(store, slug) if _SLUG.match(slug) else None
    if organization is None:
        abort(404, description=f"There is no dataset called {slug!r} in the catalogue.")
    path = catalog.dataset_path(slug)
    return serve(
        DatasetPage(store, organization),
        key=f"catalog/dataset/{slug}",
        modified=organization.publication.modified,
        offers=DOCUMENT_FORMATS,
        extension=extension if dot else None,
        url=lambda fmt: f"{path}.{fmt.name}",
        what="The dataset description",
    )


class CataloguePage:
    """One page of the catalogue, for the formats to render."""

    def __init__(self, store, view, on_page: list, since: dt.date | None, sparql: bool):
        self.store, self.view, self.on_page = store, view, on_page
        self.since, self.sparql = since, sparql

    def graph(self) -> Graph:
        publisher = catalog.catalog_publisher(self.store, current_app.config["CATALOG_PUBLISHER"])
        return dcat.catalog_graph(self.store, self.on_page, self.view, publisher, self.sparql)

    def page(self) -> str:
        return catalogue_page(self.graph(), self.on_page, self.view, self.since, current_language())


class DatasetPage:
    """One dataset's description, for the formats to render."""

    def __init__(self, store, organization):
        self.store, self.organization = store, organization

    def graph(self) -> Graph:
        return dcat.dataset_graph(self.store, self.organization)

    def page(self) -> str:
        return catalogue_page(self.graph(), [self.organization], None, None, current_language())


# ---------------------------------------------------------------------------
# Request parameters.


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


def with_extension(view: catalog.PageView, fmt: Format) -> str:
    return replace(view, path=f"{view.path}.{fmt.name}").url(view.number)


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
        formats=RDF_FORMATS,
        format_links=format_links(view, organizations),
        dumps=[(fmt, catalog.dump_path(fmt)) for fmt in DUMP_FORMATS],
    )


def format_links(view: catalog.PageView | None, organizations: list) -> list[tuple[Format, str]]:
    if view is None:
        path = catalog.dataset_path(organizations[0].slug)
        return [(f, f"{path}.{f.name}") for f in RDF_FORMATS]
    return [(f, with_extension(replace(view, path="catalog"), f)) for f in RDF_FORMATS]


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
