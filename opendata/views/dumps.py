"""Dumps of the published graph for bulk download.

``/dumps/all.{nt,ttl,jsonld}`` is every published triple; ``/dumps/organization/{slug}.…``
is one organisation's part (the distributions of its catalogue dataset). Each is also
served gzipped under the same name plus ``.gz``.

A dump is serialised once per data version, in the same stable order in every process
(see ``rendering.serialize``), so every worker sends the same bytes and the same ETag.
The ``.gz`` variant is the gzip of exactly those bytes, sent as ``application/gzip``.
"""

from __future__ import annotations

import gzip

from flask import Blueprint, abort
from rdflib import Graph
from werkzeug.wrappers import Response

from .. import catalog
from ..formats import DUMP_FORMATS, GZIP, Format, by_extension
from ..publishing import current_store, public_base
from ..records import Organization
from ..rendering import representation
from ..serving import fixed_vary, send, serve
from ..store import PublishedStore

bp = Blueprint("dumps", __name__)

DUMPS_BY_EXTENSION = by_extension(DUMP_FORMATS)


@bp.get("/dumps/<name>")
def whole(name: str) -> Response:
    return dump(None, *parse(name, "all"))


@bp.get("/dumps/organization/<name>")
def part(name: str) -> Response:
    slug = name.partition(".")[0]
    organization = catalog.find_organization(current_store(), slug)
    if organization is None:
        abort(404, description=f"There is no organisation {slug!r}, so no dump of it.")
    return dump(organization, *parse(name, slug))


def parse(name: str, expected: str) -> tuple[Format, bool]:
    """'all.ttl.gz' → (Turtle, gzipped); 404 listing the dumps for anything else."""
    stem, _, extension = name.partition(".")
    gzipped = extension.endswith(".gz")
    found = DUMPS_BY_EXTENSION.get(extension.removesuffix(".gz"))
    if stem != expected or found is None:
        names = ", ".join(
            f"{expected}.{fmt.name}{gz}" for fmt in DUMP_FORMATS for gz in ("", ".gz")
        )
        abort(404, description=f"No dump {name!r} here; there are: {names}.")
    return found, gzipped


class Dump:
    """Every published triple, or one organisation's."""

    def __init__(self, store: PublishedStore, organization: Organization | None):
        self.store, self.organization = store, organization

    def graph(self) -> Graph:
        if self.organization is None:
            return self.store.union()
        return self.store.dataset_graph(self.organization)


def dump(organization: Organization | None, fmt: Format, gzipped: bool) -> Response:
    store = current_store()
    key = f"dump/{organization.slug if organization else 'all'}"
    modified = organization.publication.modified if organization else store.modified
    source = Dump(store, organization)
    if not gzipped:
        return serve(source, key=key, modified=modified, offers=(fmt,), negotiated=False)
    base = public_base()
    plain = representation(store.version, key, fmt, base, lambda: fmt.render(source), modified)
    packed = representation(
        store.version,
        f"{key}.{fmt.name}",
        GZIP,
        base,
        # mtime=0: the same bytes in every process and every run.
        lambda: gzip.compress(plain.body, mtime=0),
        modified,
        relocate=False,
    )
    return send(packed, vary=fixed_vary(GZIP))
