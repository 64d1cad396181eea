"""Published organisations → VoID: the size, dumps, vocabularies and licence of the data.

The whole published graph is one ``void:Dataset`` and each organisation's part a subset
of it (the catalogue's datasets, at the same URIs). ``opendata.dcat`` owns the builder
these statements are written with (``dcat.void_graph``); this module only says what
VoID states about the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from rdflib import Literal, URIRef

from . import statistics, uris
from .catalog import (
    Agent,
    catalog_uri,
    common_licence,
    dataset_uri,
    datasets,
    dump_path,
    sparql_endpoint,
    void_uri,
)
from .formats import DUMP_FORMATS, RDF_FORMATS
from .records import Organization
from .vocabulary import DCATDE_LICENSE, DCTERMS, FOAF, RDFS, VOID

if TYPE_CHECKING:
    from .dcat import DcatBuilder


def describe(builder: DcatBuilder, publisher: Agent, sparql: bool) -> None:
    """The VoID description of the published data: the whole graph and one subset per
    organisation (the catalogue's datasets), with sizes, dumps and vocabularies, as the
    version's statistics give them (``opendata.statistics``: counted once per version)."""
    store, description = builder.store, void_uri()
    counted = statistics.of(current_app, store)
    whole = URIRef(f"{description}#dataset")
    builder.typed(description, VOID.DatasetDescription)
    builder.add_messages(description, DCTERMS.title, "void.title")
    builder.add(description, FOAF.primaryTopic, whole)
    builder.typed(whole, VOID.Dataset)
    builder.add_messages(whole, DCTERMS.title, "void.title")
    builder.add_messages(whole, DCTERMS.description, "catalog.description")
    builder.add(whole, DCTERMS.publisher, builder.agent(publisher))
    builder.add(whole, DCTERMS.modified, Literal(store.modified))
    builder.add(whole, FOAF.homepage, uris.internal(""))
    builder.add(whole, VOID.uriSpace, Literal(uris.internal("id/")))
    builder.add(whole, VOID.triples, Literal(counted.triples))
    builder.add(whole, VOID.entities, Literal(counted.entities))
    dumps(builder, whole, None)
    if sparql:
        builder.add(whole, VOID.sparqlEndpoint, sparql_endpoint())
    builder.add(whole, VOID.vocabulary, *counted.vocabularies)
    builder.add(whole, VOID.feature, *(fmt.w3c for fmt in RDF_FORMATS))
    first = datasets(store)[0]
    builder.add(whole, VOID.exampleResource, uris.thing("organization", first.slug))
    licence = common_licence(store)
    if licence:
        builder.add(whole, DCTERMS.license, DCATDE_LICENSE[licence])
    organizations = datasets(store)
    if len(organizations) > current_app.config["VOID_MAX_SUBSETS"]:
        # each dataset is described in the catalogue, which pages them
        builder.add(whole, RDFS.seeAlso, catalog_uri())
        return
    parts = statistics.organization_triples(current_app, store)
    for organization in organizations:
        builder.add(whole, VOID.subset, subset(builder, organization, parts[organization.slug]))


def subset(builder: DcatBuilder, organization: Organization, triples: int) -> URIRef:
    part = dataset_uri(organization.slug)
    # its own things, and the shared things its dataset describes
    entities = len({(kind, slug) for kind, slug, _, _ in organization.things()})
    entities += len(organization.references)
    builder.typed(part, VOID.Dataset)
    names = {"name": organization.name, "parent": organization.parent_organization.name}
    builder.add_messages(part, DCTERMS.title, "dataset.title", **names)
    builder.add(part, DCTERMS.modified, Literal(organization.publication.modified))
    builder.add(part, DCTERMS.license, DCATDE_LICENSE[organization.publication.license])
    builder.add(part, VOID.triples, Literal(triples))
    builder.add(part, VOID.entities, Literal(entities))
    builder.add(part, VOID.rootResource, uris.thing("organization", organization.slug))
    dumps(builder, part, organization.slug)
    return part


def dumps(builder: DcatBuilder, subject: URIRef, slug: str | None) -> None:
    for fmt in DUMP_FORMATS:
        for gzipped in (False, True):
            builder.add(subject, VOID.dataDump, uris.internal(dump_path(fmt, slug, gzipped)))
