"""The search of the directory: results as a page or a JSON-LD ``hydra:Collection``,
and its OpenSearch description."""

from __future__ import annotations

from ..formats import HTML, JSONLD, OPENSEARCH
from ..records import DATA_THEMES
from ..search.query import COUNT_LIMIT, DEPTH, FACETS
from ..views.search import MAX_QUERY_LENGTH, SEARCHED_KINDS
from .bodies import get, served
from .parameters import LANG, SLUG, accept, extension, parameter

OFFERS = (HTML, JSONLD)
TYPES = [f.media_type for f in OFFERS]
ERRORS = {"400": "Unknown parameter, a parameter given twice, a page that is not a number."}


def facet(name: str) -> dict:
    """A facet: the kinds searched, an EU data theme code, or a slug as in the addresses."""
    values = {"kind": SEARCHED_KINDS, "theme": DATA_THEMES}.get(name)
    described = f"Only results with this {name} (a value the facets of a result offer)."
    if values:
        return parameter(name, "query", described, values[0], enum=list(values))
    return parameter(name, "query", described, "beispiel", pattern=SLUG)


def search_paths() -> dict[str, dict]:
    query = [
        parameter(
            "q",
            "query",
            "What to look for: words, folded as people type them (ss finds ß, ue finds ü), each"
            " also as the start of a word. Empty: every organisation.",
            "schule",
            maxLength=MAX_QUERY_LENGTH,
        ),
        parameter(
            "page",
            "query",
            "The page of results (1, 2, …); empty: the first (as OpenSearch clients send it)."
            f" A search with words or filters pages through its first {DEPTH:,} results;"
            f" it counts up to {COUNT_LIMIT:,} (beyond that the collection has no"
            " hydra:totalItems). The lists without words page through everything.",
            "1",
            pattern="^([1-9][0-9]{0,8})?$",
        ),
        *(facet(name) for name in FACETS),
        LANG,
    ]
    return {
        "/search": get(
            "Search the directory: a page for people, a hydra:Collection for programs",
            [*query, accept(OFFERS, "The results")],
            served(
                "Results with facets and paging links.",
                TYPES,
                {**ERRORS, "406": "None of the formats is acceptable."},
            ),
        ),
        "/search.{extension}": get(
            "Search the directory in one fixed format (the same route; Accept is ignored)",
            [*query, extension(OFFERS)],
            served(
                "Results with facets and paging links.",
                TYPES,
                {**ERRORS, "404": "No such format extension."},
            ),
        ),
        "/opensearch.xml": get(
            "The OpenSearch 1.1 description of the search",
            [],
            served("OpenSearch description", [OPENSEARCH.media_type]),
        ),
    }
