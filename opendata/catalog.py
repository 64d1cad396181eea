"""Published organisations as a catalogue: which datasets, in which order, at which URLs.

Each organisation is one ``dcat:Dataset`` of the catalogue (its linked-data
description) with a distribution per dump format and its HTML page as landing page;
its parent organisation (the city administration) is the publisher. This module
selects and pages the datasets and names their URLs; ``opendata.dcat`` builds the
DCAT-AP.de and VoID graphs from them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from rdflib import URIRef

from . import uris
from .formats import Format
from .records import Organization, Text
from .store import PublishedStore
from .vocabulary import IANA_MEDIA_TYPE


@dataclass(frozen=True)
class Agent:
    """An organisation acting as publisher."""

    slug: str
    name: Text
    publisher_type: str | None

    @property
    def uri(self) -> URIRef:
        return uris.thing("organization", self.slug)


@dataclass(frozen=True)
class PageView:
    """One page of the catalogue and the links to the others (hydra:PartialCollectionView).

    ``path`` is the path the client asked for (``catalog`` or ``catalog.ttl``), so the
    links keep its format; ``query`` is kept on every link (``modified_since``).
    """

    number: int
    size: int
    total: int
    path: str = "catalog"
    query: tuple[tuple[str, str], ...] = ()

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    def items(self, sequence: Sequence) -> Sequence:
        start = (self.number - 1) * self.size
        return sequence[start : start + self.size]

    def url(self, number: int) -> str:
        """The path and query of page ``number``."""
        return f"/{self.path}?" + urlencode([*self.query, ("page", str(number))])


# ---------------------------------------------------------------------------
# URLs of what the catalogue describes.


def media_type_iri(fmt: Format) -> URIRef:
    """The IANA media-type IRI, for dcat:mediaType (equal to the served Content-Type)."""
    return IANA_MEDIA_TYPE[fmt.media_type]


def catalog_uri() -> URIRef:
    return uris.internal("catalog")


def dataset_path(slug: str) -> str:
    return f"/catalog/dataset/{slug}"


def dataset_uri(slug: str) -> URIRef:
    return uris.internal(dataset_path(slug))


def dump_path(fmt: Format, slug: str | None = None, gzipped: bool = False) -> str:
    """``/dumps/all.ttl`` for the whole graph, ``/dumps/organization/{slug}.ttl`` for a part."""
    name = f"organization/{slug}" if slug else "all"
    return f"/dumps/{name}.{fmt.name}" + (".gz" if gzipped else "")


def landing_page_path(slug: str) -> str:
    return f"/doc/organization/{slug}.html"


def sparql_endpoint() -> URIRef:
    return uris.internal("sparql")


# ---------------------------------------------------------------------------
# Selection.


def datasets(store: PublishedStore, modified_since: dt.date | None = None) -> list[Organization]:
    """The organisations in catalogue order (by slug, stable across versions), optionally
    only those modified on or after a day. Computed once per version and day."""

    def compute() -> list[Organization]:
        chosen = [
            organization
            for organization in store.organizations
            if modified_since is None or organization.publication.modified >= modified_since
        ]
        return sorted(chosen, key=lambda organization: organization.slug)

    return store.memo(("datasets", modified_since), compute)


def find_organization(store: PublishedStore, slug: str) -> Organization | None:
    return store.organizations_by_slug.get(slug)


def publisher_of(organization: Organization) -> Agent:
    parent = organization.parent_organization
    return Agent(parent.slug, parent.name, organization.publication.publisher_type)


def catalog_publisher(store: PublishedStore, slug: str | None) -> Agent:
    """The organisation that publishes the catalogue: ``slug`` (an organisation or a parent
    in the data), or by default the parent organisation of the first data file."""
    return store.memo(("catalog_publisher", slug), lambda: _catalog_publisher(store, slug))


def _catalog_publisher(store: PublishedStore, slug: str | None) -> Agent:
    first = store.organizations[0]
    if slug is None:
        return publisher_of(first)
    for organization in store.organizations:
        if organization.parent_organization.slug == slug:
            return publisher_of(organization)
        if organization.slug == slug:
            return Agent(organization.slug, organization.name, None)
    raise LookupError(f"CATALOG_PUBLISHER: no organisation {slug!r} in the published data")


def languages(organization: Organization) -> list[str]:
    """Language tags of the texts an organisation's dataset publishes (read from the
    record, so that a catalogue page does not build the graph of every organisation)."""
    found: set[str] = set()
    for name, value in vars(organization).items():
        if name != "legal":  # legal texts are pages of the site, not part of the dataset
            _collect_languages(value, found)
    return sorted(found)


def _collect_languages(value, found: set[str]) -> None:
    if isinstance(value, Text):
        found.update(value.values)
    elif isinstance(value, tuple):
        for item in value:
            _collect_languages(item, found)
    elif hasattr(value, "__dataclass_fields__"):
        for item in vars(value).values():
            _collect_languages(item, found)


def all_languages(store: PublishedStore) -> list[str]:
    """Language tags of every published text, once per version."""
    return store.memo(
        "languages", lambda: sorted({t for o in store.organizations for t in languages(o)})
    )


# ---------------------------------------------------------------------------
# Graphs.


def void_uri() -> URIRef:
    return uris.internal(".well-known/void")
