"""Dumps of the published graph for bulk download.

``/dumps/all.{nt,ttl,jsonld}`` is every published triple, ``/dumps/organization/{slug}.…``
one organisation's part (the distributions of its catalogue dataset). Both are built
once per data version (``opendata.dumps``) and sent with ``Range`` and ``If-Range``
(and ``sendfile`` for files and the gzip of a part); while the version's dumps are
still being written, the newest complete ones of an earlier version are sent, or,
before there are any, 503 with ``Retry-After``. Each is also served gzipped under the
same name plus ``.gz``; the ``.gz`` is the gzip of exactly the plain bytes.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import IO, NoReturn

from flask import Blueprint, abort, current_app, request, send_file
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from .. import catalog, dumps, uris
from ..formats import DUMP_FORMATS, GZIP, Format, by_extension
from ..publishing import current_store, public_base
from ..rendering import compress
from ..serving import cache_control, fixed_vary

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
        being_written()
    modified = store.modified if found.version == store.version else None
    if found.base == public_base():
        return _file(found, fmt, gzipped, modified)
    return _relocated(found, fmt, gzipped, modified)


def _file(found: dumps.DumpFile, fmt: Format, gzipped: bool, modified) -> Response:
    """The file as it is: sendfile, Range and If-Range, validators."""
    try:
        response = send_file(
            found.path,
            mimetype=GZIP.media_type if gzipped else fmt.media_type,
            conditional=True,
            etag=found.etag,
            last_modified=modified,
            max_age=current_app.config["MAX_AGE"],
        )
    except FileNotFoundError:  # an old version, removed since it was found
        being_written()
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
    # mtime 0, as the files: the same bytes on every request; level 1, as this is done
    # for every download (three times faster than the files' level 6)
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    for chunk in chunks:
        yield compressor.compress(chunk)
    yield compressor.flush()


@bp.get("/dumps/organization/<name>")
def part(name: str) -> Response:
    slug = name.partition(".")[0]
    store = current_store()
    organization = catalog.find_organization(store, slug)
    if organization is None:
        abort(404, description=f"There is no organisation {slug!r}, so no dump of it.")
    fmt, gzipped = parse(name, slug)
    found = dumps.find_part(current_app, store.version, slug, fmt)
    if found is None:
        being_written()
    modified = organization.publication.modified if found.version == store.version else None
    try:
        return _part(found, fmt, gzipped, modified)
    except FileNotFoundError:  # an old version, removed since it was found
        being_written()


def _part(found: dumps.Part, fmt: Format, gzipped: bool, modified) -> Response:
    base = public_base()
    if found.base == base and gzipped:  # the member as it lies in the pack
        return _ranged(found.member(), found.length, found.etag, fmt, gzipped, modified)
    plain, etag = found.read(), found.plain_etag
    if found.base != base:
        plain, etag = uris.relocate(plain, base), uris.digest(f"{found.plain_etag}|{base}")
    if gzipped:  # relocated: gzipped again, the same bytes every time
        body, etag = compress(plain), uris.digest(f"{found.etag}|{base}")
    else:
        body = plain
    return _ranged(io.BytesIO(body), len(body), etag, fmt, gzipped, modified)


def being_written() -> NoReturn:
    raise ServiceUnavailable(
        description="The dumps of the published data are being written; please try again shortly.",
        retry_after=RETRY_AFTER,
    )


def _ranged(
    body: IO[bytes], size: int, etag: str, fmt: Format, gzipped: bool, modified
) -> Response:
    """Bytes with validators, answering Range and If-Range (``send_file`` for a part)."""
    response = Response(
        wrap_file(request.environ, body),
        mimetype=GZIP.media_type if gzipped else fmt.media_type,
        direct_passthrough=True,
    )
    response.content_length = size
    response.set_etag(etag)
    if modified:
        response.last_modified = modified
    _headers(response, fmt, gzipped)
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=size)


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
