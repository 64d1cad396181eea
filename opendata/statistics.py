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
from dataclasses import dataclass, field
from functools import lru_cache, partial
from logging import Logger
from pathlib import Path

from flask import Flask
from rdflib import URIRef

from . import artefacts
from .progress import Progress
from .records import Organization, Unit
from .store import PublishedStore
from .vocabulary import PREFIXES, RDF

ARTEFACT = "statistics"
WHOLE = "whole.json"
PARTS = "organizations.json"


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
    return artefacts.build_once(path, partial(count, app, store))


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


def count(app: Flask, store: PublishedStore, directory: Path) -> None:
    """Count every file's graph and every organisation's dataset into ``directory``:
    from the previous version's figures and the files that changed, when the version
    was derived from one whose figures this host has (``opendata.deriving``)."""
    if not _derive(app, store, directory):
        _count(store, app.logger, directory)


def _count(store: PublishedStore, log: Logger, directory: Path) -> None:
    units = store.data.units
    progress = Progress(log, len(units), f"counting data version {store.version}, files")
    totals = Totals()
    parts: dict[str, int] = {}
    for done, unit in enumerate(units, 1):
        figures = _figures(store, unit)
        totals.add(figures, 1)
        if figures.part:
            parts[figures.part[0]] = figures.part[1]
        progress(done)
    _write(directory, totals, parts)
    log.info(
        "counted data version %s: %d triples, %d things in %.1f s",
        store.version,
        totals.triples,
        totals.entities,
        time.monotonic() - progress.started,
    )


@dataclass(frozen=True)
class _Figures:
    """What one file adds to the whole: triples, things, vocabularies, and the size of
    its organisation's dataset (slug, triples) if it is an office."""

    triples: int
    entities: int
    vocabularies: list[str]
    part: tuple[str, int] | None


def _figures(store: PublishedStore, unit: Unit) -> _Figures:
    graph = store.passing_graph(unit)
    terms = {str(p) for p in graph.predicates(unique=True)}
    terms.update(str(t) for t in graph.objects(None, RDF.type))
    part = None
    if isinstance(unit, Organization):
        # an office that refers to no shared thing: its dataset is its file's graph
        part = (unit.slug, len(store.dataset_graph(unit)) if unit.references else len(graph))
    things = len({(kind, slug) for kind, slug, _, _ in unit.things()})
    return _Figures(len(graph), things, vocabularies(terms), part)


@dataclass
class Totals:
    """The sums over every file; per vocabulary, how many files use it (so that the
    figures of a derived version can take a file's away)."""

    triples: int = 0
    entities: int = 0
    files_by_vocabulary: dict[str, int] = field(default_factory=dict)

    def add(self, figures: _Figures, sign: int) -> None:
        self.triples += sign * figures.triples
        self.entities += sign * figures.entities
        for namespace in figures.vocabularies:
            files = self.files_by_vocabulary.get(namespace, 0) + sign
            if files:
                self.files_by_vocabulary[namespace] = files
            else:
                del self.files_by_vocabulary[namespace]


def _write(directory: Path, totals: Totals, parts: dict[str, int]) -> None:
    by_vocabulary = dict(sorted(totals.files_by_vocabulary.items()))
    whole = {
        "triples": totals.triples,
        "entities": totals.entities,
        "vocabularies": list(by_vocabulary),
        "files_by_vocabulary": by_vocabulary,
    }
    (directory / WHOLE).write_text(json.dumps(whole, indent=1), encoding="utf-8")
    (directory / PARTS).write_text(json.dumps(parts, separators=(",", ":")), encoding="utf-8")


def _derive(app: Flask, store: PublishedStore, directory: Path) -> bool:
    """The figures of a derived version from its previous version's: the changed
    files' old figures taken away, their new ones added. False when there is nothing
    to derive from on this host."""
    found = store.derived_from()
    if found is None:
        return False
    previous, changed = found
    before = artefacts.path_of(app, previous.version, ARTEFACT)
    if not artefacts.is_complete(before):
        return False
    whole = json.loads((before / WHOLE).read_text(encoding="utf-8"))
    if "files_by_vocabulary" not in whole:
        return False
    started = time.monotonic()
    totals = Totals(whole["triples"], whole["entities"], dict(whole["files_by_vocabulary"]))
    parts = json.loads((before / PARTS).read_text(encoding="utf-8"))
    for name in changed:
        old = _figures(previous, previous.unit(name))
        new = _figures(store, store.unit(name))
        totals.add(old, -1)
        totals.add(new, 1)
        if old.part and (not new.part or new.part[0] != old.part[0]):
            del parts[old.part[0]]
        if new.part:
            parts[new.part[0]] = new.part[1]
    _write(directory, totals, parts)
    app.logger.info(
        "counted data version %s from version %s: %d file(s) changed, %.1f s",
        store.version,
        previous.version,
        len(changed),
        time.monotonic() - started,
    )
    return True


def vocabularies(terms: Iterable[str]) -> list[str]:
    """The vocabularies (of those the service declares) that the terms belong to."""
    terms = set(terms)
    namespaces = {str(namespace) for prefix, namespace in PREFIXES.items() if prefix != "rdf"}
    return sorted(n for n in namespaces if any(term.startswith(n) for term in terms))
