"""How crawlers, portals and feed readers find the data.

* ``/.well-known/void``: the VoID description (RFC 8615 well-known location, VoID §7):
  size, dumps, SPARQL endpoint, vocabularies and licence of the published data;
* ``/sitemap.xml``: every HTML page with the day it last changed;
* ``/robots.txt``: points at the sitemap;
* ``/feed.atom``: an Atom feed of resources, most recently modified first.
"""

from __future__ import annotations

import datetime as dt
import math
from xml.etree import ElementTree as ET

from flask import Blueprint, abort, current_app
from rdflib import Graph
from werkzeug.wrappers import Response

from .. import catalog, dcat, uris
from ..formats import ATOM, PLAIN, RDF_FORMATS, SITEMAP
from ..i18n import DEFAULT_LANGUAGE, gettext
from ..pages import Reader
from ..publishing import current_store
from ..records import Retirement
from ..serving import serve, serve_one
from ..sitemaps import SitemapPages
from ..store import PublishedStore, Resource

bp = Blueprint("discovery", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@bp.get("/.well-known/void")
def void() -> Response:
    store = current_store()
    sparql = "sparql" in current_app.blueprints
    return serve(
        Void(store, sparql),
        key=f"void|{'sparql' if sparql else '-'}",
        modified=store.modified,
        offers=RDF_FORMATS,
        what="The VoID description",
    )


class Void:
    def __init__(self, store: PublishedStore, sparql: bool):
        self.store, self.sparql = store, sparql

    def graph(self) -> Graph:
        publisher = catalog.catalog_publisher(self.store, current_app.config["CATALOG_PUBLISHER"])
        return dcat.void_graph(self.store, publisher, self.sparql)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every page with the day it changed; beyond SITEMAP_MAX_URLS pages (sitemaps.org:
    50,000), a sitemap index of sitemaps of at most that many pages each."""
    store = current_store()
    size = current_app.config["SITEMAP_MAX_URLS"]
    pages = SitemapPages(store)
    if len(pages) <= size:
        return serve_one("sitemap", SITEMAP, lambda: urlset(pages.part(0, size)))

    def make() -> bytes:
        root = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
        for number, newest in enumerate(pages.newest_by_part(current_app, size), 1):
            part = ET.SubElement(root, "sitemap")
            ET.SubElement(part, "loc").text = uris.internal(f"sitemaps/{number}.xml")
            ET.SubElement(part, "lastmod").text = newest.isoformat()
        return xml_bytes(root)

    return serve_one(f"sitemap|{size}", SITEMAP, make)


@bp.get("/sitemaps/<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """One sitemap of the index: pages (number - 1) × size + 1 … number × size."""
    store = current_store()
    size = current_app.config["SITEMAP_MAX_URLS"]
    pages = SitemapPages(store)
    if len(pages) <= size or not 1 <= number <= math.ceil(len(pages) / size):
        abort(404, description="There is no such sitemap; /sitemap.xml lists them.")
    start = (number - 1) * size
    return serve_one(
        f"sitemap|{size}|{number}", SITEMAP, lambda: urlset(pages.part(start, start + size))
    )


def urlset(pages: list[tuple[str, dt.date]]) -> bytes:
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for path, modified in pages:
        url = ET.SubElement(root, "url")
        ET.SubElement(url, "loc").text = uris.internal(path)
        ET.SubElement(url, "lastmod").text = modified.isoformat()
    return xml_bytes(root)


@bp.get("/robots.txt")
def robots() -> Response:
    def make() -> bytes:
        return f"User-agent: *\nAllow: /\nSitemap: {uris.internal('sitemap.xml')}\n".encode()

    return serve_one("robots", PLAIN, make)


@bp.get("/feed.atom")
def feed() -> Response:
    store = current_store()
    size = current_app.config["FEED_SIZE"]
    publisher = catalog.catalog_publisher(store, current_app.config["CATALOG_PUBLISHER"])

    def make() -> bytes:
        newest = newest_changes(store, size)
        root = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: DEFAULT_LANGUAGE})
        ET.SubElement(root, "id").text = uris.internal("feed.atom")
        ET.SubElement(root, "title").text = gettext("feed.title", DEFAULT_LANGUAGE)
        ET.SubElement(root, "updated").text = timestamp(store.modified)
        link(root, "self", ATOM.media_type, uris.internal("feed.atom"))
        link(root, "alternate", "text/html", uris.internal("catalog.html"))
        ET.SubElement(ET.SubElement(root, "author"), "name").text = publisher.name.primary
        for change in newest:
            if isinstance(change, Retirement):
                retired_entry(root, change)
            else:
                entry(root, store, change)
        return xml_bytes(root)

    return serve_one("feed", ATOM, make)


def entry(root: ET.Element, store: PublishedStore, resource: Resource) -> None:
    label = Reader(store.unit_graph(resource.unit), DEFAULT_LANGUAGE)
    element = ET.SubElement(root, "entry")
    ET.SubElement(element, "id").text = str(resource.uri)
    ET.SubElement(element, "title").text = label.label(resource.uri).text
    ET.SubElement(element, "updated").text = timestamp(resource.modified)
    ET.SubElement(
        element,
        "category",
        term=resource.kind,
        label=gettext(f"kind.{resource.kind}", DEFAULT_LANGUAGE),
    )
    document = uris.internal(f"doc/{resource.key}")
    link(element, "alternate", "text/html", f"{document}.html")
    for fmt in RDF_FORMATS:
        link(element, "alternate", fmt.media_type, f"{document}.{fmt.name}")


def newest_changes(store: PublishedStore, size: int) -> list[Resource | Retirement]:
    """The ``size`` most recently changed published and retired things (then by kind,
    slug)."""
    changes = [(r.modified, r.kind, r.slug, r) for r in store.newest_things(size)]
    changes += [(r.date, r.kind, r.slug, r) for r in store.retirements.values()]
    changes.sort(key=lambda change: (-change[0].toordinal(), change[1], change[2]))
    return [change[-1] for change in changes[:size]]


def retired_entry(root: ET.Element, retirement: Retirement) -> None:
    """A thing no longer published: when it was retired and what replaces it."""
    element = ET.SubElement(root, "entry")
    ET.SubElement(element, "id").text = str(uris.thing(retirement.kind, retirement.slug))
    name = retirement.name.primary if retirement.name else f"{retirement.kind}/{retirement.slug}"
    ET.SubElement(element, "title").text = name
    ET.SubElement(element, "updated").text = timestamp(retirement.date)
    summary = gettext("feed.retired", DEFAULT_LANGUAGE).format(date=retirement.date.isoformat())
    ET.SubElement(element, "summary").text = summary
    ET.SubElement(
        element,
        "category",
        term=retirement.kind,
        label=gettext(f"kind.{retirement.kind}", DEFAULT_LANGUAGE),
    )
    if retirement.successor:
        successor = uris.internal("doc/{}/{}.html".format(*retirement.successor))
        link(element, "successor-version", "text/html", successor)


def link(parent: ET.Element, rel: str, media_type: str, href: str) -> None:
    ET.SubElement(parent, "link", rel=rel, type=media_type, href=href)


def timestamp(day: dt.date) -> str:
    """An RFC 3339 time for a day: the data records days, so its first moment (UTC)."""
    return f"{day.isoformat()}T00:00:00Z"


def xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
