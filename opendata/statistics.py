"""How large a data version is and which vocabularies it uses: counted once, off requests.

VoID and the SPARQL service description state the number of triples and things the
data holds, the vocabularies its statements use and, per organisation, the triples of
its dataset. Counting them takes every file's graph, which no request may build, so a
preparer (``opendata.backends.on_new_version``) counts them once per version, before
the version goes live, into a small artefact (``opendata.artefacts``) that requests
read: ``whole.json`` (a few hundred bytes) and ``organizations.json`` (slug → triples).

The whole graph's size is the sum of the files' graphs: every statement belongs to the
file that declares its subject, so no two files state the same triple.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache, partial
from logging import Logger
from pathlib import Path

from flask import Flask
from rdflib import URIRef

from . import artefacts
from .records import Organization
from .store import PublishedStore
from .vocabulary import PREFIXES, RDF

ARTEFACT = "statistics"
WHOLE = "whole.json"
PARTS = "organizations.json"
PROGRESS_SECONDS = 10.0


@dataclass(frozen=True)
class Statistics:
    """The whole published graph: triples, things with a URI, vocabularies used."""

    triples: int
    entities: int
    vocabularies: tuple[URIRef, ...]


def prepare(app: Flask, store: PublishedStore) -> None:
    """The preparer: count the version unless this host has counted it already."""
    ensure(app, store)


def ensure(app: Flask, store: PublishedStore) -> Path:
    """The directory of the version's statistics, counted first if need be (a version
    whose preparer failed: better slow once than a wrong number)."""
    path = artefacts.path_of(app, store.version, ARTEFACT)
    return artefacts.build_once(path, partial(count, store, app.logger))


def of(app: Flask, store: PublishedStore) -> Statistics:
    """The statistics of the store's version."""
    return _whole(ensure(app, store))


def organization_triples(app: Flask, store: PublishedStore) -> dict[str, int]:
    """Slug → the number of triples in that organisation's dataset."""
    return _parts(ensure(app, store))


@lru_cache(maxsize=8)
def _whole(directory: Path) -> Statistics:
    data = json.loads((directory / WHOLE).read_text(encoding="utf-8"))
    vocabularies = tuple(URIRef(v) for v in data["vocabularies"])
    return Statistics(data["triples"], data["entities"], vocabularies)


@lru_cache(maxsize=2)
def _parts(directory: Path) -> dict[str, int]:
    return json.loads((directory / PARTS).read_text(encoding="utf-8"))


def count(store: PublishedStore, log: Logger, directory: Path) -> None:
    """Count every file's graph and every organisation's dataset into ``directory``."""
    started = reported = time.monotonic()
    units = store.data.units
    triples = entities = 0
    terms: set[str] = set()
    parts: dict[str, int] = {}
    for done, unit in enumerate(units, 1):
        graph = store.passing_graph(unit)
        triples += len(graph)
        entities += len({(kind, slug) for kind, slug, _, _ in unit.things()})
        terms.update(str(p) for p in graph.predicates(unique=True))
        terms.update(str(t) for t in graph.objects(None, RDF.type))
        if isinstance(unit, Organization):
            # an office that refers to no shared thing: its dataset is its file's graph
            parts[unit.slug] = len(store.dataset_graph(unit)) if unit.references else len(graph)
        if time.monotonic() - reported >= PROGRESS_SECONDS:
            reported = time.monotonic()
            log.info(
                "counting data version %s: %d of %d files, %.0f files/s",
                store.version,
                done,
                len(units),
                done / (reported - started),
            )
    whole = {"triples": triples, "entities": entities, "vocabularies": vocabularies(terms)}
    (directory / WHOLE).write_text(json.dumps(whole, indent=1), encoding="utf-8")
    (directory / PARTS).write_text(json.dumps(parts, separators=(",", ":")), encoding="utf-8")
    log.info(
        "counted data version %s: %d triples, %d things in %.1f s",
        store.version,
        triples,
        entities,
        time.monotonic() - started,
    )


def vocabularies(terms: Iterable[str]) -> list[str]:
    """The vocabularies (of those the service declares) that the terms belong to."""
    terms = set(terms)
    namespaces = {str(namespace) for prefix, namespace in PREFIXES.items() if prefix != "rdf"}
    return sorted(n for n in namespaces if any(term.startswith(n) for term in terms))
