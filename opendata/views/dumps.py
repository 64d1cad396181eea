"""Dumps of the published graph for bulk download.

``/dumps/all.{nt,ttl,jsonld}`` is every published triple, a file built once per data
version (``opendata.dumps``): sent with ``sendfile``, ``Range`` and ``If-Range``, or,
while the version's files are still being written, the newest complete ones of the
version before, or 503 with ``Retry-After``. ``/dumps/organization/{slug}.…`` is one
organisation's part (the distributions of its catalogue dataset), a document-sized
rendering served like the documents. Each is also served gzipped under the same name
plus ``.gz``; the ``.gz`` is the gzip of exactly the plain bytes.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

from flask import Blueprint, abort, current_app, request, send_file
from rdflib import Graph
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from .. import catalog, dumps, uris
from ..formats import DUMP_FORMATS, GZIP, Format, by_extension
from ..publishing import current_store, public_base
from ..records import Organization
from ..rendering import representation
from ..serving import cache_control, fixed_vary, send, serve
from ..store import PublishedStore

bp = Blueprint("dumps", __name__)

DUMPS_BY_EXTENSION = by_extension(DUMP_FORMATS)
# Seconds a client is asked to wait while the first dumps of the service are written.
RETRY_AFTER = 30


@bp.get("/dumps/<name>")
def whole(name: str) -> Response:
    fmt, gzipped = parse(name, "all")
    store = current_store()
    found = dumps.find(current_app, store.version, fmt, gzipped)
    if found is None:
        raise ServiceUnavailable(
            description="The dumps of the published data are being written; please try again"
            " shortly.",
            retry_after=RETRY_AFTER,
        )
    modified = store.modified if found.version == store.version else None
    if found.base == public_base():
        return _file(found, fmt, gzipped, modified)
    return _relocated(found, fmt, gzipped, modified)


def _file(found: dumps.DumpFile, fmt: Format, gzipped: bool, modified) -> Response:
    """The file as it is: sendfile, Range and If-Range, validators."""
    response = send_file(
        found.path,
        mimetype=GZIP.media_type if gzipped else fmt.media_type,
        conditional=True,
        etag=found.etag,
        last_modified=modified,
        max_age=current_app.config["MAX_AGE"],
    )
    _headers(response, fmt, gzipped)
    return response


def _relocated(found: dumps.DumpFile, fmt: Format, gzipped: bool, modified) -> Response:
    """The file moved to the request's base while it streams (no OPENDATA_BASE_URI)."""
    base = public_base()
    plain = found.path.with_name(found.path.name.removesuffix(".gz"))
    lines = (uris.relocate(line, base) for line in _lines(plain))
    body = _gzipped(lines) if gzipped else lines
    response = Response(body, mimetype=GZIP.media_type if gzipped else fmt.media_type)
    response.set_etag(uris.digest(f"{found.etag}|{base}"))
    if modified:
        response.last_modified = modified
    _headers(response, fmt, gzipped)
    return response.make_conditional(request)


def _headers(response: Response, fmt: Format, gzipped: bool) -> None:
    response.headers["Content-Type"] = GZIP.content_type if gzipped else fmt.content_type
    response.headers["Vary"] = fixed_vary(GZIP if gzipped else fmt)
    response.headers["Cache-Control"] = cache_control()


def _lines(path) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while lines := file.readlines(256 * 1024):
            yield b"".join(lines)


def _gzipped(chunks: Iterator[bytes]) -> Iterator[bytes]:
    # mtime 0, as the files: the same bytes on every request
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        yield compressor.compress(chunk)
    yield compressor.flush()


@bp.get("/dumps/organization/<name>")
def part(name: str) -> Response:
    slug = name.partition(".")[0]
    organization = catalog.find_organization(current_store(), slug)
    if organization is None:
        abort(404, description=f"There is no organisation {slug!r}, so no dump of it.")
    return organization_dump(organization, *parse(name, slug))


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
    """One organisation's dataset."""

    def __init__(self, store: PublishedStore, organization: Organization):
        self.store, self.organization = store, organization

    def graph(self) -> Graph:
        return self.store.dataset_graph(self.organization)


def organization_dump(organization: Organization, fmt: Format, gzipped: bool) -> Response:
    store = current_store()
    key = f"dump/{organization.slug}"
    modified = organization.publication.modified
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
