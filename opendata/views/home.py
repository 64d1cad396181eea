"""The home page: the directory's entry.

A search box, the first page of organisations (in name order, with the programmes and
contacts of each office), the facets of all organisations, and the ways into the data
for re-use. Its size does not grow with the data: one page of organisations and at
most ``FACET_LIMIT`` values per facet, whatever is published; the rest is a link away
(``/search``).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from .. import records, uris
from ..formats import HTML
from ..i18n import current_language
from ..pages import Link, Text
from ..presenter import text_in
from ..publishing import current_store
from ..records import Organization
from ..search import index_for
from ..search.documents import SEARCHED_KINDS
from ..search.folding import Query
from ..search.listing import Listing, entries, facets
from ..search.query import Search, run
from ..serving import serve_one
from .search import page_size

bp = Blueprint("home", __name__)

ORGANISATIONS = (("kind", "organization"),)


@bp.get("/")
def index() -> Response:
    store = current_store()

    def make() -> str:
        language = current_language()
        found_index = index_for(store)
        size = page_size()
        found = run(found_index, Search(Query(""), ORGANISATIONS, 1, size))
        listing = Listing(filters=ORGANISATIONS, size=size, total=found.total)
        shown = entries(store, found, Query(""), language)
        for hit, shown_entry in zip(found.hits, shown, strict=True):
            office = store.organization(hit.slug) if hit.kind == "organization" else None
            if office is not None:
                shown_entry.update(details(office, language))
        return render_template(
            "home.html",
            listing=listing,
            entries=shown,
            facets=[f for f in facets(listing, found, language) if f["key"] != "kind"],
            totals={kind: found_index.meta[f"total/{kind}"] for kind in SEARCHED_KINDS},
            page_path="/",
        )

    return serve_one("home", HTML, make)


def details(organization: Organization, language: str) -> dict:
    """What the home page shows of an office besides its result: programmes and contacts,
    read from its record (records, not graphs: a page must not build graphs)."""

    def link(kind: str, slug: str, name: records.Text) -> Link:
        return Link(href(kind, slug), in_language(name, language))

    return {
        "programmes": sorted(
            (link("programme", p.slug, p.name) for p in organization.programmes),
            key=lambda found: found.label.text,
        ),
        "people": sorted(
            (
                (
                    Link(
                        uris.href(str(uris.thing("person", person.slug))), Text(person.name, None)
                    ),
                    in_language(person.job_title, language),
                )
                for person in organization.people
            ),
            key=lambda found: found[0].label.text,
        ),
    }


def href(kind: str, slug: str) -> str:
    return uris.href(str(uris.thing(kind, slug)))


def in_language(text: records.Text, language: str) -> Text:
    """The reader's language where the publisher gave it, else the German original."""
    return Text(*text_in(text, language))
