"""Citizens find their office: ``/search`` and the OpenSearch description.

``/search?q=…`` with optional facets (``kind``, ``place``, ``administration``,
``theme``, ``focus``: one value each) and ``page``. Browsers get a results page (no
JavaScript: every facet value and page is a plain link); programs get the same search
as a JSON-LD ``hydra:Collection`` by content negotiation, or at ``/search.jsonld``.
``/opensearch.xml`` lets browsers add the search to their search bar.

Whatever the words, the answer is a results page, possibly empty: they are folded into
letters and digits before they reach the index (``opendata.search.folding``). A
malformed page number, an unknown parameter or facet, or a value that cannot be an
identifier is answered ``400`` saying what is wrong; a page after the last and a
facet value that nothing is published under give an empty page that says so. A search
with words or filters pages through its first ``query.DEPTH`` results, and its last
page says that there are more.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property

from flask import Blueprint, abort, current_app, render_template, request
from flask.blueprints import BlueprintSetupState
from rdflib import Graph
from werkzeug.wrappers import Response

from .. import uris
from ..formats import HTML, JSONLD, OPENSEARCH
from ..i18n import current_language, gettext
from ..presenter import number
from ..publishing import current_store
from ..records import DATA_THEMES
from ..search import index_for
from ..search.documents import SEARCHED_KINDS
from ..search.folding import Query
from ..search.listing import Listing, collection_graph, entries, facets, heading
from ..search.query import FACETS, Results, Search, SearchFailed, run
from ..serving import serve, serve_one

bp = Blueprint("search", __name__)

OFFERS = (HTML, JSONLD)
MAX_QUERY_LENGTH = 200
_PAGE = re.compile(r"^[1-9][0-9]{0,8}$")
_SLUG = re.compile(rf"^{uris.SLUG_PATTERN}$")
PARAMETERS = ("q", "page", "lang", *FACETS)


@bp.record_once
def check_configuration(state: BlueprintSetupState) -> None:
    size = state.app.config["SEARCH_PAGE_SIZE"]
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 100:
        raise ValueError(f"SEARCH_PAGE_SIZE must be a whole number from 1 to 100, not {size!r}")


def page_size() -> int:
    return current_app.config["SEARCH_PAGE_SIZE"]


@bp.get("/search")
@bp.get("/search.<extension>")
def results(extension: str | None = None) -> Response:
    listing = requested(extension)
    store = current_store()
    page = ResultsPage(store, listing)
    return serve(
        page,
        key=f"search|{listing.url()}",
        modified=store.modified,
        offers=OFFERS,
        extension=extension,
        url=lambda fmt: listing.url(path=f"search.{fmt.name}"),
        what="The search",
    )


class ResultsPage:
    """One page of a search, for the formats to render (the search runs once)."""

    def __init__(self, store, listing: Listing):
        self.store, self.listing = store, listing

    @cached_property
    def results(self) -> Results:
        return search(self.store, self.listing)

    @cached_property
    def counted(self) -> Listing:
        found = self.results
        return replace(
            self.listing, total=found.total, reachable=found.reachable, capped=found.capped
        )

    def graph(self) -> Graph:
        return collection_graph(self.store, self.counted, self.results)

    def page(self) -> str:
        language = current_language()
        listing, found = self.counted, self.results
        return render_template(
            "search.html",
            listing=listing,
            heading=heading(listing, found.total, language),
            entries=entries(self.store, found, Query(listing.q), language),
            facets=facets(listing, found, language),
            notes=notes(listing, found),
            page_path=listing.url(),
            jsonld_path=listing.url(path="search.jsonld"),
        )


def search(store, listing: Listing) -> Results:
    query = Query(listing.q)
    asked = Search(query, listing.filters, listing.page, listing.size)
    try:
        return run(index_for(store), asked)
    except SearchFailed:
        abort(400, description="The search text could not be searched; please rephrase it.")


def notes(listing: Listing, found: Results) -> list[str]:
    """What the page says about the request itself, in the reader's language."""
    query, said = Query(listing.q), []
    if query.short_only:
        said.append(gettext("search.note.short"))
    if query.dropped:
        said.append(gettext("search.note.dropped").format(count=len(query.words)))
    for facet, value in found.unknown:
        facet_name = gettext(f"search.facet.{facet}")
        said.append(gettext("search.note.unknown").format(value=value, facet=facet_name))
    if listing.beyond_reach and listing.page >= listing.last:
        reachable = number(listing.reachable or listing.total, current_language())
        said.append(gettext("search.note.depth").format(count=reachable))
    elif listing.page > listing.last:
        said.append(gettext("search.note.no_page").format(number=listing.page, last=listing.last))
    return said


def requested(extension: str | None) -> Listing:
    """The search the URL asks for; 400 for anything that cannot be one."""
    if extension is not None and extension not in (f.name for f in OFFERS):
        names = ", ".join(f"search.{f.name}" for f in OFFERS)
        abort(404, description=f"No format '.{extension}'; try one of: {names}.")
    args = request.args
    for name in args:
        if name not in PARAMETERS:
            allowed = ", ".join(PARAMETERS)
            abort(400, description=f"Unknown parameter {name[:40]!r}; the search takes {allowed}.")
        if len(args.getlist(name)) > 1:
            abort(400, description=f"Give {name!r} once; each facet takes one value.")
    q = args.get("q", "")
    if len(q) > MAX_QUERY_LENGTH:
        abort(
            400,
            description=f"The search text has {len(q)} characters; at most"
            f" {MAX_QUERY_LENGTH} are searched. Please shorten it.",
        )
    filters = tuple((facet, checked(facet, args[facet])) for facet in FACETS if facet in args)
    page = args.get("page") or "1"  # OpenSearch clients may leave {startPage?} empty
    if not _PAGE.match(page):
        abort(400, description=f"page must be a page number (1, 2, …), not {page[:40]!r}.")
    path = f"search.{extension}" if extension else "search"
    return Listing(q=q, filters=filters, page=int(page), size=page_size(), path=path)


def checked(facet: str, value: str) -> str:
    if facet == "kind" and value not in SEARCHED_KINDS:
        abort(
            400, description=f"kind must be one of {', '.join(SEARCHED_KINDS)}, not {value[:40]!r}."
        )
    if facet == "theme" and value not in DATA_THEMES:
        codes = ", ".join(DATA_THEMES)
        abort(
            400, description=f"theme must be an EU data theme code ({codes}), not {value[:40]!r}."
        )
    if not _SLUG.match(value) and facet not in ("kind", "theme"):
        abort(
            400,
            description=f"{facet} must be an identifier (lower-case letters, digits and"
            f" hyphens, as in the page addresses), not {value[:40]!r}.",
        )
    return value


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """The OpenSearch 1.1 description: the results page and the JSON-LD collection."""

    def make() -> bytes:
        return render_template("opensearch.xml").encode("utf-8")

    return serve_one("opensearch", OPENSEARCH, make)
