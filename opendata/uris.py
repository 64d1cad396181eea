"""The URI scheme: ``{base}/id/{kind}/{slug}`` for things, ``{base}/doc/{kind}/{slug}`` for
documents about them.

The published graph is built once against a fixed internal base that can never
occur in real data (the ``.invalid`` top-level domain is reserved by RFC 2606). A
representation is rendered once against that base and *relocated* to the public base
(``OPENDATA_BASE_URI``, or the scheme and host of the request) by replacing the
prefix in its bytes. So the same rendering serves every host name, and the graph
never has to be rebuilt for a new base.
"""

from __future__ import annotations

import hashlib
import re

from rdflib import URIRef

INTERNAL_BASE = "https://opendata.invalid/"
SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_BASE_PATTERN = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~\-/]*)?$")


def thing(kind: str, slug: str) -> URIRef:
    """The URI of a thing in the internal base."""
    return URIRef(f"{INTERNAL_BASE}id/{kind}/{slug}")


def part(owner: URIRef, name: str) -> URIRef:
    """A node described only as part of its owner's description: ``{owner}#{name}``."""
    return URIRef(f"{owner}#{name}")


def is_part(uri: str) -> bool:
    return uri.startswith(INTERNAL_BASE) and "#" in uri


def internal(path: str) -> URIRef:
    """Any other published URI (catalogue, dataset, …) in the internal base."""
    return URIRef(INTERNAL_BASE + path.lstrip("/"))


def path_of(uri: str) -> str | None:
    """'/id/person/x' for an internal URI; None for URIs outside the service."""
    if uri.startswith(INTERNAL_BASE):
        return "/" + uri[len(INTERNAL_BASE) :]
    return None


def href(uri: str) -> str:
    """Where a page links to for a URI: the document of an internal thing, else the URI."""
    found = kind_and_slug(uri)
    if found:
        return "/doc/{}/{}".format(*found)
    return path_of(uri) or uri


def kind_and_slug(uri: str) -> tuple[str, str] | None:
    """(kind, slug) of an internal thing URI, or None."""
    path = path_of(uri)
    if path is None:
        return None
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "id" and parts[2] and parts[3]:
        return parts[2], parts[3]
    return None


def normalise_base(base: str) -> str:
    """Validate a public base URI and give it exactly one trailing slash."""
    base = base.strip().rstrip("/") + "/"
    if not _BASE_PATTERN.match(base):
        raise ValueError(f"not an http(s) base URI: {base!r}")
    return base


def relocate(data: bytes, base: str) -> bytes:
    """Move rendered bytes from the internal base to the public one."""
    return data.replace(INTERNAL_BASE.encode(), base.encode())


def digest(text: str) -> str:
    """A short, stable hash of a text (for ETags of things relocated to a base)."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def relocate_text(text: str, base: str) -> str:
    return text.replace(INTERNAL_BASE, base)


def to_internal(text: str, base: str) -> str:
    """Move a client's text (a SPARQL query, say) from the public base to the internal one."""
    return text.replace(base, INTERNAL_BASE)
