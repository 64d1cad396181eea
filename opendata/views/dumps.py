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
from werkzeug.wrappers import Response

from .. import catalog
from ..formats import Format
from ..http import send
from ..publishing import current_store, public_base
from ..records import Organization
from ..rendering import Representation, representation, serialize

bp = Blueprint("dumps", __name__)

GZIP_MEDIA_TYPE = "application/gzip"


@bp.get("/dumps/<name>")
def whole(name: str) -> Response:
    return send(dump(None, *parse(name, "all")))


@bp.get("/dumps/organization/<name>")
def part(name: str) -> Response:
    slug = name.partition(".")[0]
    organization = catalog.find_organization(current_store(), slug)
    if organization is None:
        abort(404, description=f"There is no organisation {slug!r}, so no dump of it.")
    return send(dump(organization, *parse(name, slug)))


def parse(name: str, expected: str) -> tuple[catalog.DumpFormat, bool]:
    """'all.ttl.gz' → (Turtle, gzipped); 404 listing the dumps for anything else."""
    stem, _, extension = name.partition(".")
    gzipped = extension.endswith(".gz")
    found = catalog.DUMPS_BY_EXTENSION.get(extension.removesuffix(".gz"))
    if stem != expected or found is None:
        names = ", ".join(
            f"{expected}.{d.format.name}{gz}" for d in catalog.DUMP_FORMATS for gz in ("", ".gz")
        )
        abort(404, description=f"No dump {name!r} here; there are: {names}.")
    return found, gzipped


def dump(organization: Organization | None, found: catalog.DumpFormat, gzipped: bool):
    plain = render(organization, found.format)
    if not gzipped:
        return plain
    store = current_store()
    compressed = Format(f"{found.format.name}.gz", GZIP_MEDIA_TYPE, None, "gzip")
    return representation(
        store.version,
        dump_key(organization),
        compressed,
        public_base(),
        # mtime=0: the same bytes in every process and every run.
        lambda: gzip.compress(plain.body, mtime=0),
        modified(organization),
        relocate=False,
    )


def render(organization: Organization | None, fmt: Format) -> Representation:
    store = current_store()

    def make() -> bytes:
        source = store.organization_graph(organization) if organization else store.union()
        return serialize(source, fmt)

    key = dump_key(organization)
    return representation(store.version, key, fmt, public_base(), make, modified(organization))


def dump_key(organization: Organization | None) -> str:
    return f"dump/{organization.slug if organization else 'all'}"


def modified(organization: Organization | None):
    return organization.publication.modified if organization else current_store().modified
