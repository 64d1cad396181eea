"""A search's results as the page shows them and as the JSON-LD collection says them.

``Listing`` is what the reader asked for, as URL parameters: every link of a results
page (facet values, pages, removing a filter) is a plain GET URL built here, in one
order, so each result has one URL (bookmarkable, crawlable, cacheable).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from markupsafe import Markup
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from .. import uris
from ..graph import AGENCY_TYPES, new_graph
from ..i18n import gettext
from ..pages import Text
from ..presenter import number, text_in
from ..records import Agency, Organization
from ..records import Text as RecordText
from ..store import PublishedStore
from ..vocabulary import HYDRA, RDF, SDO
from . import documents
from .folding import Query, excerpt, highlight, matches
from .query import FACETS, Hit, Results

# Which relation names a result's parent, by kind (message keys of the resource pages).
PARENT_RELATION = {
    "organization": "section.parent_organization",
    "programme": "section.participants",
    "person": "section.works_for",
}
SNIPPET_LENGTH = 200


@dataclass(frozen=True)
class Listing:
    """A search as URL parameters: words, filters (facet, value) and page."""

    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    page: int = 1
    size: int = 20
    total: int = 0
    path: str = "search"
    reachable: int | None = None  # results that can be paged through (None: all)
    capped: bool = False  # more than ``total`` results

    @property
    def last(self) -> int:
        """The last page that can be reached."""
        shown = self.total if self.reachable is None else min(self.total, self.reachable)
        return max(1, -(-shown // self.size))

    @property
    def beyond_reach(self) -> bool:
        """Whether there are results after the last page that can be reached."""
        return self.capped or (self.reachable is not None and self.reachable < self.total)

    def parameters(self, page: int | None = None, filters=None) -> list[tuple[str, str]]:
        found = [("q", self.q)] if self.q else []
        chosen = dict(self.filters if filters is None else filters)
        found += [(facet, chosen[facet]) for facet in FACETS if facet in chosen]
        chosen_page = self.page if page is None else page
        return found + ([("page", str(chosen_page))] if chosen_page != 1 else [])

    def url(self, page: int | None = None, filters=None, path: str | None = None) -> str:
        query = urlencode(self.parameters(page, filters))
        return f"/{path or self.path}" + (f"?{query}" if query else "")

    def with_filter(self, facet: str, value: str) -> str:
        """The first page of this search with facet set to value."""
        chosen = dict(self.filters)
        chosen[facet] = value
        return self.url(page=1, filters=chosen.items())

    def without(self, facet: str) -> str:
        return self.url(page=1, filters=[(f, v) for f, v in self.filters if f != facet])

    def collection(self) -> str:
        """The collection's URL: every page of this search (no page number)."""
        return replace(self, page=1).url()

    def view_url(self, page: int) -> str:
        """A page of the collection, always with its number (hydra views)."""
        query = urlencode([*self.parameters(page=1), ("page", str(page))])
        return f"/{self.path}?{query}"


# ---------------------------------------------------------------------------
# The page.


def entries(store: PublishedStore, results: Results, query: Query, language: str) -> list[dict]:
    """What a results page shows of each hit."""
    return [entry(store, hit, results, query, language) for hit in results.hits]


def entry(store: PublishedStore, hit: Hit, results: Results, query: Query, language: str) -> dict:
    found = documents_thing(store, hit)
    name = Text(*text_in(found.name, language)) if found else Text(hit.slug, None)
    shown = {
        "href": f"/doc/{hit.kind}/{hit.slug}",
        "kind": hit.kind,
        "name": highlight(name.text, query),
        "name_lang": name.lang,
        "parent": None,
        "place": None,
        "snippet": None,
    }
    if hit.parent:
        label = results.labels.get(("organization", hit.parent))
        if label:
            shown["parent"] = {
                "relation": PARENT_RELATION[hit.kind],
                "href": f"/doc/organization/{hit.parent}",
                "label": Text(*text_in(RecordText(label), language)),
            }
    if hit.place:
        label = results.labels.get(("place", hit.place))
        if label:
            shown["place"] = {
                "href": f"/doc/place/{hit.place}",
                "label": Text(*text_in(RecordText(label), language)),
            }
    if found is not None:
        shown["snippet"] = snippet(found, query, language)
    return shown


def documents_thing(store: PublishedStore, hit: Hit) -> documents.Thing | None:
    """The thing as the index read it (from the records of the live version)."""
    resource = store.resource(hit.kind, hit.slug)
    if resource is None:
        return None
    record = documents.record_of(resource.unit, hit.kind, hit.slug)
    if record is None:
        return None
    return documents.thing(resource.unit, hit.kind, hit.slug, record)


def snippet(found: documents.Thing, query: Query, language: str) -> tuple[Markup, str] | None:
    """(text with the matches marked, its language): from the first field that matches,
    in the reader's language where it matches there; else the start of the description."""
    for field in documents.SNIPPET_FIELDS:
        texts = sorted(found.texts.get(field, ()), key=lambda t: t[0] not in (language, None))
        for lang, text in texts:
            if query and matches(text, query):
                return highlight(excerpt(text, query, SNIPPET_LENGTH), query), lang
    for lang, text in sorted(
        found.texts.get("description", ()), key=lambda t: t[0] not in (language, None)
    ):
        return Markup.escape(excerpt(text, query, SNIPPET_LENGTH)), lang
    return None


def facets(listing: Listing, results: Results, language: str) -> list[dict]:
    """Each facet with its values: label, count, the link that selects or removes it."""
    chosen = dict(listing.filters)
    shown = []
    for facet in FACETS:
        values = results.facets.get(facet, [])
        if not values:
            if facet in results.uncounted:  # too many results to count: narrow them first
                limit = results.uncounted[facet]
                shown.append({"key": facet, "values": [], "more": 0, "uncounted": limit})
            continue
        items = []
        for value, count in values:
            selected = chosen.get(facet) == value
            items.append(
                {
                    "label": facet_label(results, facet, value, language),
                    "count": count,
                    "selected": selected,
                    "href": listing.without(facet)
                    if selected
                    else listing.with_filter(facet, value),
                }
            )
        more = results.distinct.get(facet, len(values)) - sum(1 for v in items if v["count"])
        shown.append({"key": facet, "values": items, "more": max(0, more), "uncounted": None})
    return shown


def facet_label(results: Results, facet: str, value: str, language: str) -> Text:
    if facet == "kind":
        return Text(gettext(f"kind.{value}", language), language)
    label = results.label(facet, value)
    if not label:
        return Text(value, None)
    return Text(*text_in(RecordText(label), language))


def heading(listing: Listing, total: int, language: str) -> Markup:
    """The page's h1: how many results, for which words ("23 results for “Büro”")."""
    form = "none" if total == 0 else "one" if total == 1 else "many"
    form = "more" if listing.capped else form
    key = f"search.{'results_for' if listing.q.strip() else 'listed'}.{form}"
    template = Markup.escape(gettext(key, language))
    query = Markup("<bdi>{}</bdi>").format(listing.q.strip())
    return Markup(template.replace("{query}", query).replace("{count}", number(total, language)))


# ---------------------------------------------------------------------------
# The JSON-LD collection (hydra).


def collection_graph(store: PublishedStore, listing: Listing, results: Results) -> Graph:
    """A hydra:Collection of every matching thing, with this page as its
    hydra:PartialCollectionView; the view is also a schema:ItemList whose
    itemListElement keeps the members in their order (hydra:member is a set).
    hydra:totalItems is left out when there are more results than were counted, and
    hydra:last is the last page that can be reached (``query.DEPTH``)."""
    graph = new_graph()
    collection = uris.internal(listing.collection())
    view = uris.internal(listing.view_url(listing.page))
    graph.add((collection, RDF.type, HYDRA.Collection))
    if not results.capped:  # else there are more than were counted
        graph.add((collection, HYDRA.totalItems, Literal(results.total)))
    graph.add((collection, HYDRA.view, view))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, RDF.type, SDO.ItemList))
    links = {HYDRA.first: 1, HYDRA.last: listing.last}
    if listing.page > 1:
        links[HYDRA.previous] = min(listing.page - 1, listing.last)
    if listing.page < listing.last:
        links[HYDRA.next] = listing.page + 1
    for predicate, page in links.items():
        graph.add((view, predicate, uris.internal(listing.view_url(page))))
    members = []
    for hit in results.hits:
        member = uris.thing(hit.kind, hit.slug)
        members.append(member)
        graph.add((collection, HYDRA.member, member))
        graph.add((member, RDF.type, schema_type(store, hit)))
        found = documents_thing(store, hit)
        for language, name in found.name.items() if found else ():
            graph.add((member, SDO.name, Literal(name, lang=language)))
    graph.add((view, SDO.numberOfItems, Literal(len(members))))
    if members:
        head = BNode()  # an RDF list: JSON-LD gives it as an ordered @list
        Collection(graph, head, members)
        graph.add((view, SDO.itemListElement, head))
    return graph


def schema_type(store: PublishedStore, hit: Hit) -> URIRef:
    """The thing's schema.org type, as its own document states it (opendata.graph)."""
    if hit.kind == "person":
        return SDO.Person
    if hit.kind == "programme":
        return SDO.Project
    resource = store.resource(hit.kind, hit.slug)
    record = documents.record_of(resource.unit, hit.kind, hit.slug) if resource else None
    if isinstance(record, Organization):
        return SDO.GovernmentOrganization
    if isinstance(record, Agency):
        return AGENCY_TYPES[record.role][0]
    unit = resource.unit if resource else None
    if isinstance(unit, Organization) and unit.parent_organization.slug == hit.slug:
        return SDO.GovernmentOrganization  # an office's parent, declared in its file
    return SDO.Organization


__all__ = ["Listing", "collection_graph", "entries", "facets", "heading"]
