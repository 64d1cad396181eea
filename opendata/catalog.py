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
from .archive import dataset_languages
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


def datasets(
    store: PublishedStore, modified_since: dt.date | None = None
) -> Sequence[Organization]:
    """The organisations in catalogue order (by slug, stable across versions), optionally
    only those modified on or after a day: counted and paged in the version's archive."""
    return store.memo(
        ("datasets", modified_since), lambda: store.organizations_in("slug", modified_since)
    )


def find_organization(store: PublishedStore, slug: str) -> Organization | None:
    return store.organization(slug)


def publisher_of(organization: Organization) -> Agent:
    parent = organization.parent_organization
    return Agent(parent.slug, parent.name, organization.publication.publisher_type)


def catalog_publisher(store: PublishedStore, slug: str | None) -> Agent:
    """The organisation that publishes the catalogue: ``slug`` (an organisation or a parent
    in the data), or by default the parent organisation of the first data file."""
    return store.memo(("catalog_publisher", slug), lambda: _catalog_publisher(store, slug))


def _catalog_publisher(store: PublishedStore, slug: str | None) -> Agent:
    if slug is None:
        return publisher_of(store.organizations[0])
    organization = store.first_organization(slug)
    if organization is None:
        raise LookupError(f"CATALOG_PUBLISHER: no organisation {slug!r} in the published data")
    if organization.parent_organization.slug == slug:
        return publisher_of(organization)
    return Agent(organization.slug, organization.name, None)


def languages(organization: Organization) -> list[str]:
    """Language tags of the texts an organisation's dataset publishes (read from the
    record, so that a catalogue page does not build the graph of every organisation)."""
    return dataset_languages(organization)


def all_languages(store: PublishedStore) -> list[str]:
    """Language tags of every published text (counted when the version was archived)."""
    return store.archive.meta["languages"]


def all_themes(store: PublishedStore) -> list[str]:
    """The EU data themes of every dataset (collected when the version was archived)."""
    return store.archive.meta["themes"]


def common_licence(store: PublishedStore) -> str | None:
    """The licence code of every organisation, when they all have the same.

    A whole (the VoID dataset, the catalogue) is under a licence only when every part
    is under that licence.
    """
    licences = store.archive.meta["licences"]
    return licences[0] if len(licences) == 1 else None


def first_issued(store: PublishedStore) -> dt.date:
    """The day the first dataset was issued."""
    return dt.date.fromisoformat(store.archive.meta["issued"])


# ---------------------------------------------------------------------------
# Graphs.


def void_uri() -> URIRef:
    return uris.internal(".well-known/void")
