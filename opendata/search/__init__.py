"""Full-text search over the published organisations, programmes and people.

* ``folding``: German as people type it (case, ß, umlauts and their spelled-out forms);
* ``documents``: records → the texts and facets of each thing;
* ``segments``: the FTS5 files of an index, each written by a process of its own;
* ``index``: the SQLite FTS5 file of a data version, built and opened read-only;
* ``query``: matching, ranking, paging and facet counts.

The index is an artefact of the data version (``opendata.artefacts``): built once per
host, off the request path, by the preparer ``init_app`` registers with the backend
(``on_new_version``), before the version goes live. Both backends hand it the same
records, so the SPARQL-store backend builds it per instance from what it reads.
Every process then opens the finished file read-only.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app
from rdflib import URIRef

from .. import artefacts
from ..backends import on_new_version
from ..records import DATA_THEMES
from ..store import PublishedStore
from ..vocabulary import EU_DATA_THEME, SKOS
from . import deriving
from .index import FILE_NAME, Index, build

EXTENSION = "opendata.search"
ARTEFACT = "search"
# The index's file format; a service that changes it builds its own next to the old.
FORMAT = "v4"
KEEP_OPEN = 3  # versions whose index a process keeps open


def init_app(app: Flask) -> None:
    """Build each version's index before it goes live (call before backends.init_app)."""
    app.extensions[EXTENSION] = {"open": {}, "lock": threading.Lock()}
    on_new_version(app, prepare)


def prepare(app: Flask, store: PublishedStore) -> None:
    """The preparer: build the version's index on disk unless it is there already."""
    index_path(app, store)


def index_path(app: Flask, store: PublishedStore) -> Path:
    directory = artefacts.path_of(app, store.version, ARTEFACT) / FORMAT
    artefacts.build_once(
        directory,
        lambda work: (
            _derived(app, store, work)
            or build(store.data, work, app.logger, {"theme": theme_labels()})
        ),
    )
    return directory / FILE_NAME


def _derived(app: Flask, store: PublishedStore, work: Path) -> Path | None:
    """The index derived from the previous version's, if the version was derived from
    one whose index this host has (``deriving``)."""
    found = store.derived_from()
    if found is None:
        return None
    previous, changed = found
    before = artefacts.path_of(app, previous.version, ARTEFACT) / FORMAT
    if not artefacts.is_complete(before):
        return None
    return deriving.derive(store, (previous, before / FILE_NAME), changed, work, app.logger)


def index_for(store: PublishedStore) -> Index:
    """The open index of a version (built first if no preparer has built it)."""
    app = current_app._get_current_object()
    state = app.extensions[EXTENSION]
    found = state["open"].get(store.version)
    if found is None:
        path = index_path(app, store)
        with state["lock"]:
            found = state["open"].get(store.version)
            if found is None:
                found = Index(path)
                opened = state["open"]
                opened[store.version] = found
                for old in list(opened)[:-KEEP_OPEN]:
                    del opened[old]
    return found


def theme_labels() -> dict[str, dict[str, str]]:
    """The EU data themes' official labels, German and English, by code."""
    from ..dcat import controlled_vocabulary

    vocabulary = controlled_vocabulary()
    labels = {}
    for code in DATA_THEMES:
        names = vocabulary.objects(URIRef(EU_DATA_THEME[code]), SKOS.prefLabel)
        labels[code] = {name.language: str(name) for name in names if name.language}
    return labels
