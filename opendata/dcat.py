"""Published organisations → a DCAT-AP.de catalogue (and, through ``opendata.void``, VoID).

``opendata.graph`` says what an organisation is; this module says how the service
offers it to open-data portals. Each organisation is one ``dcat:Dataset`` (its
linked-data description) with a distribution per dump format and its HTML page as
landing page; its parent organisation (the city administration) is the publisher, a
``foaf:Agent``; its contact is a ``vcard:Kind`` with e-mail and telephone as IRIs.
Dates, licence, themes and publisher type come from the file's ``publication`` block,
the place from ``area_served``. What a file does not say is left out, never filled in.

For German portals (GovData harvests with ckanext-dcatde): keywords in the catalogue's
language only (each ``dcat:keyword`` becomes a tag there); licences with their official
title (harvesters find the licence by it) and, where they require attribution, the
attribution text on each distribution; ``DCATDE_CONTRIBUTOR_ID`` on every dataset.

Values from controlled vocabularies (EU data themes, file types, languages and planned
availability, ADMS publisher and licence types, dcat-ap.de licences and geocoding) are
the vocabularies' IRIs, typed with the classes DCAT-AP gives as ranges and labelled
from ``vocab/eu-vocabulary-memberships.ttl``. Like every graph, this one is built in
the internal base and relocated when rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache as memoize

from flask import current_app
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from . import uris, void
from .catalog import (
    Agent,
    PageView,
    all_languages,
    all_themes,
    catalog_uri,
    common_licence,
    dataset_uri,
    dump_path,
    first_issued,
    landing_page_path,
    languages,
    media_type_iri,
    publisher_of,
    sparql_endpoint,
)
from .formats import DUMP_FORMATS, VOCAB_DIR, Format
from .graph import new_graph, texts
from .i18n import LANGUAGES, gettext
from .presenter import mailto_iri, tel_iri, text_in
from .records import PRIMARY_LANGUAGE, Organization, Place, Text
from .store import PublishedStore
from .vocabulary import (
    ADMS_PUBLISHER_TYPE,
    DCAT,
    DCATAP,
    DCATDE,
    DCATDE_GEOCODING,
    DCATDE_LICENSE,
    DCTERMS,
    EU_DATA_THEME,
    EU_LANGUAGE,
    FOAF,
    HYDRA,
    LOCN,
    RDF,
    SKOS,
    VCARD,
)

CONTROLLED_VOCABULARY_FILE = VOCAB_DIR / "eu-vocabulary-memberships.ttl"
DATA_THEME_SCHEME = URIRef(str(EU_DATA_THEME).rstrip("/"))
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
MAX_CATALOG_PLACES = 20
# Language tags of the data files → EU language authority codes.
EU_LANGUAGE_CODES = {"de": "DEU", "en": "ENG"}
EU_PLANNED_AVAILABILITY = Namespace(
    "http://publications.europa.eu/resource/authority/planned-availability/"
)
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
# The dumps are at persistent URLs (made of the slugs the data files keep stable):
# planned for the long term.
DUMP_AVAILABILITY = EU_PLANNED_AVAILABILITY.STABLE
# What the SPARQL endpoint is, as keywords (the same words in German and English).
SERVICE_KEYWORDS = ("SPARQL", "Linked Open Data", "RDF")
CONTRIBUTORS = "http://dcat-ap.de/def/contributors/"
_CONTRIBUTOR_ID = re.compile(rf"^{re.escape(CONTRIBUTORS)}[A-Za-z0-9][A-Za-z0-9._-]*$")


def catalog_graph(
    store: PublishedStore,
    page: Iterable[Organization],
    view: PageView,
    publisher: Agent,
    sparql: bool,
) -> Graph:
    """One page of the catalogue: the catalogue, the page's datasets, the SPARQL service
    (when there is one) and the paging links."""
    builder = DcatBuilder(store)
    on_page = [builder.dataset(organization) for organization in page]
    builder.catalog(publisher, on_page)
    if sparql:
        builder.add(catalog_uri(), DCAT.service, builder.sparql_service(publisher, on_page))
    builder.page_view(view)
    return builder.graph


def dataset_graph(store: PublishedStore, organization: Organization) -> Graph:
    """The description of one dataset, served at its own URI."""
    builder = DcatBuilder(store)
    builder.dataset(organization)
    return builder.graph


def void_graph(store: PublishedStore, publisher: Agent, sparql: bool) -> Graph:
    """The VoID description of the published data: the whole graph and one subset per
    organisation (the catalogue's datasets), with sizes, dumps and vocabularies."""
    builder = DcatBuilder(store)
    void.describe(builder, publisher, sparql)
    return builder.graph


def contributor_id(value: object) -> URIRef | None:
    """The ``DCATDE_CONTRIBUTOR_ID`` setting as an IRI (None: not set).

    Raises ValueError unless it is an IRI of the dcat-ap.de contributors list. The list
    itself is not checked: it grows, and the service reads nothing from the network.
    """
    if value is None:
        return None
    if not isinstance(value, str) or not _CONTRIBUTOR_ID.match(value):
        raise ValueError(
            "DCATDE_CONTRIBUTOR_ID (environment: OPENDATA_DCATDE_CONTRIBUTOR_ID) must be an"
            f" IRI of the dcat-ap.de contributors list, {CONTRIBUTORS}<id>, not {value!r}"
        )
    return URIRef(value)


def _message(key: str, language: str, **values: str) -> str:
    return gettext(key, language).format(**values)


def _name(value: Text | str, language: str) -> str:
    """A name from the data in the given language (the publisher's language if missing)."""
    return value if isinstance(value, str) else text_in(value, language)[0]


@memoize
def controlled_vocabulary() -> Graph:
    """The reviewed memberships and labels of the vocabulary concepts the catalogue uses."""
    return Graph().parse(CONTROLLED_VOCABULARY_FILE, format="turtle")


class DcatBuilder:
    """Adds catalogue, dataset and VoID descriptions to one graph."""

    def __init__(self, store: PublishedStore):
        self.store = store
        self.graph = new_graph()
        self.contributor = contributor_id(current_app.config.get("DCATDE_CONTRIBUTOR_ID"))
        self._labelled: set[tuple[URIRef, URIRef]] = set()  # a page names each concept often

    def add(self, subject: Node, predicate: URIRef, *objects: Node | None) -> None:
        for value in objects:
            if value is not None:
                self.graph.add((subject, predicate, value))

    def add_messages(self, subject: Node, predicate: URIRef, key: str, **names: Text | str):
        """A text of the service in every interface language, naming things from the data."""
        for language in LANGUAGES:
            values = {field: _name(text, language) for field, text in names.items()}
            self.add(subject, predicate, Literal(_message(key, language, **values), lang=language))

    def typed(self, node: URIRef, rdf_type: URIRef) -> URIRef:
        self.add(node, RDF.type, rdf_type)
        return node

    def labelled(self, node: URIRef, rdf_type: URIRef) -> URIRef:
        """A concept from a controlled vocabulary, typed and with its official labels."""
        if (node, rdf_type) in self._labelled:
            return node
        self._labelled.add((node, rdf_type))
        known = controlled_vocabulary()
        for predicate in (SKOS.prefLabel, DCTERMS.title):
            for label in known.objects(node, predicate):
                self.add(node, predicate, label)
        if (node, None, None) in known:
            self.typed(node, rdf_type)
        return node

    def catalog(self, publisher: Agent, on_page: list[URIRef]) -> None:
        catalog = catalog_uri()
        self.typed(catalog, DCAT.Catalog)
        self.add_messages(catalog, DCTERMS.title, "catalog.title")
        self.add_messages(catalog, DCTERMS.description, "catalog.description")
        self.add(catalog, DCTERMS.publisher, self.agent(publisher))
        self.add(catalog, FOAF.homepage, self.typed(uris.internal(""), FOAF.Document))
        self.add(catalog, DCTERMS.issued, Literal(first_issued(self.store)))
        self.add(catalog, DCTERMS.modified, Literal(self.store.modified))
        self.add(catalog, DCTERMS.language, *self.languages(all_languages(self.store)))
        # The catalogue's coverage is named while it is a handful of places; a national
        # catalogue would repeat thousands of places on every page (each dataset keeps its own).
        for place in self.store.places(MAX_CATALOG_PLACES) or ():
            self.spatial(catalog, place, with_level=False)
        self.add(catalog, DCAT.themeTaxonomy, self.labelled(DATA_THEME_SCHEME, SKOS.ConceptScheme))
        # The catalogue is made of the datasets' descriptions: under their licence when
        # they all have the same one (as the VoID description of the whole).
        licence = common_licence(self.store)
        if licence:
            self.add(catalog, DCTERMS.license, self.licence(licence))
        self.add(catalog, DCAT.dataset, *on_page)

    def dataset(self, organization: Organization) -> URIRef:
        dataset, publication = dataset_uri(organization.slug), organization.publication
        names = {"name": organization.name, "parent": organization.parent_organization.name}
        self.typed(dataset, DCAT.Dataset)
        self.add_messages(dataset, DCTERMS.title, "dataset.title", **names)
        self.add_messages(dataset, DCTERMS.description, "dataset.description", **names)
        self.add(dataset, DCTERMS.identifier, Literal(str(dataset)))
        # German portals turn every dcat:keyword into a tag, so keywords are given in the
        # catalogue's language only; the organisation's own linked data keeps every
        # language (schema:keywords).
        for keyword in organization.keywords:
            self.add(dataset, DCAT.keyword, Literal(keyword.primary, lang=PRIMARY_LANGUAGE))
        self.add(dataset, DCTERMS.issued, Literal(publication.issued))
        self.add(dataset, DCTERMS.modified, Literal(publication.modified))
        self.add(dataset, DCTERMS.publisher, self.agent(publisher_of(organization)))
        self.add(dataset, DCAT.contactPoint, self.contact_point(organization, dataset))
        self.add(dataset, DCATDE.contributorID, self.contributor)
        for theme in publication.themes:
            self.add(dataset, DCAT.theme, self.labelled(EU_DATA_THEME[theme], SKOS.Concept))
        self.add(dataset, DCTERMS.language, *self.languages(languages(organization)))
        self.spatial(dataset, organization.area_served, with_level=True)
        landing_page = uris.internal(landing_page_path(organization.slug))
        self.add(dataset, DCAT.landingPage, self.typed(landing_page, FOAF.Document))
        for fmt in DUMP_FORMATS:
            self.add(dataset, DCAT.distribution, self.distribution(organization, dataset, fmt))
        return dataset

    def distribution(self, organization: Organization, dataset: URIRef, fmt: Format):
        # A fragment of the dataset's URI: described wherever the dataset is.
        distribution = URIRef(f"{dataset}#{fmt.name}")
        url = uris.internal(dump_path(fmt, organization.slug))
        label = fmt.label
        self.typed(distribution, DCAT.Distribution)
        self.add_messages(
            distribution, DCTERMS.title, "distribution.title", name=organization.name, format=label
        )
        self.add_messages(
            distribution, DCTERMS.description, "distribution.description", format=label
        )
        self.add(distribution, DCAT.accessURL, url)
        self.add(distribution, DCAT.downloadURL, url)
        self.add(distribution, DCTERMS.format, self.typed(fmt.file_type, DCTERMS.MediaTypeOrExtent))
        self.add(distribution, DCAT.mediaType, self.typed(media_type_iri(fmt), DCTERMS.MediaType))
        licence = self.licence(organization.publication.license)
        self.add(distribution, DCTERMS.license, licence)
        if requires_attribution(licence):
            self.attribution(distribution, organization)
        self.add(distribution, DCATAP.availability, self.labelled(DUMP_AVAILABILITY, SKOS.Concept))
        self.add(distribution, DCTERMS.modified, Literal(organization.publication.modified))
        return distribution

    def licence(self, code: str) -> URIRef:
        """A dcat-ap.de licence: its official title and its ADMS licence types."""
        licence = self.typed(DCATDE_LICENSE[code], DCTERMS.LicenseDocument)
        self.labelled(licence, DCTERMS.LicenseDocument)
        for kind in sorted(controlled_vocabulary().objects(licence, DCTERMS.type)):
            self.add(licence, DCTERMS.type, self.labelled(kind, SKOS.Concept))
        return licence

    def attribution(self, distribution: URIRef, organization: Organization) -> None:
        """The attribution text (DCAT-AP.de: on each distribution, one per language):
        the publisher and the dataset's title."""
        publisher = publisher_of(organization).name
        for language in LANGUAGES:
            title = _message("dataset.title", language, name=_name(organization.name, language))
            text = _message(
                "licence.attribution", language, publisher=_name(publisher, language), title=title
            )
            self.add(distribution, DCATDE.licenseAttributionByText, Literal(text, lang=language))

    def agent(self, agent: Agent) -> URIRef:
        uri = agent.uri
        self.typed(uri, FOAF.Agent)
        self.typed(uri, FOAF.Organization)
        self.add(uri, FOAF.name, *texts(agent.name))
        if agent.publisher_type:
            kind = self.labelled(ADMS_PUBLISHER_TYPE[agent.publisher_type], SKOS.Concept)
            self.add(uri, DCTERMS.type, kind)
        return uri

    def contact_point(self, organization: Organization, owner: URIRef) -> URIRef:
        """The organisation's contact, described as a part of ``owner`` (a dataset, the
        data service), so that every page that names it describes it."""
        point, address = URIRef(f"{owner}#contact-point"), URIRef(f"{owner}#address")
        self.typed(point, VCARD.Kind)
        self.typed(point, VCARD.Organization)
        # DCAT-AP.de allows one vcard:fn: the name in the publisher's language.
        self.add(point, VCARD.fn, texts(organization.contact_point.name)[0])
        self.add(point, VCARD.hasEmail, URIRef(mailto_iri(organization.email)))
        self.add(point, VCARD.hasTelephone, URIRef(tel_iri(organization.telephone.international)))
        self.typed(address, VCARD.Address)
        self.add(address, VCARD["street-address"], Literal(organization.address.street_address))
        self.add(address, VCARD["postal-code"], Literal(organization.address.postal_code))
        self.add(address, VCARD.locality, Literal(organization.address.locality))
        # The ISO 3166 code of the data, as schema:addressCountry and the vCards give it.
        self.add(address, VCARD["country-name"], Literal(organization.address.country))
        self.add(point, VCARD.hasAddress, address)
        return point

    def languages(self, tags: Iterable[str]) -> list[URIRef]:
        return [
            self.typed(EU_LANGUAGE[EU_LANGUAGE_CODES[tag]], DCTERMS.LinguisticSystem)
            for tag in sorted(tags)
            if tag in EU_LANGUAGE_CODES
        ]

    def spatial(self, subject: URIRef, place: Place, with_level: bool) -> None:
        """The place served: its official municipality key where the data has one."""
        if place.identifiers.ags:
            location = DCATDE_GEOCODING[f"municipalityKey/{place.identifiers.ags}"]
            if with_level:
                level = DCATDE_GEOCODING["Level/municipality"]
                self.add(subject, DCATDE.politicalGeocodingLevelURI, level)
        else:
            location = uris.thing("place", place.slug)
        self.add(subject, DCTERMS.spatial, self.typed(location, DCTERMS.Location))
        self.add(location, LOCN.geographicName, *texts(place.name))

    def sparql_service(self, publisher: Agent, on_page: list[URIRef]) -> URIRef:
        endpoint = sparql_endpoint()
        service = URIRef(f"{endpoint}#service")
        self.typed(service, DCAT.DataService)
        self.add_messages(service, DCTERMS.title, "dataservice.title")
        self.add_messages(service, DCTERMS.description, "dataservice.description")
        self.add(service, DCAT.endpointURL, endpoint)
        # The endpoint answers a request without a query with its SPARQL 1.1 Service
        # Description: what it speaks, holds and limits.
        self.add(service, DCAT.endpointDescription, endpoint)
        self.add(service, DCTERMS.conformsTo, self.typed(SPARQL_PROTOCOL, DCTERMS.Standard))
        self.add(service, DCTERMS.publisher, self.agent(publisher))
        contact = service_contact(self.store, publisher)
        self.add(service, DCAT.contactPoint, self.contact_point(contact, endpoint))
        for keyword in SERVICE_KEYWORDS:
            self.add(service, DCAT.keyword, Literal(keyword, lang=PRIMARY_LANGUAGE))
        # It serves every dataset: the themes of them all.
        for theme in all_themes(self.store):
            self.add(service, DCAT.theme, self.labelled(EU_DATA_THEME[theme], SKOS.Concept))
        # The datasets of this page; the pages together list them all.
        self.add(service, DCAT.servesDataset, *on_page)
        return service

    def page_view(self, view: PageView) -> None:
        """Paging links as ckanext-dcat reads them: it follows hydra:next until there is none."""
        page = uris.internal(view.url(view.number))
        self.typed(page, HYDRA.PartialCollectionView)
        self.add(catalog_uri(), HYDRA.view, page)
        self.add(page, HYDRA.totalItems, Literal(view.total))
        self.add(page, HYDRA.first, uris.internal(view.url(1)))
        self.add(page, HYDRA.last, uris.internal(view.url(view.last)))
        if view.number > 1:
            self.add(page, HYDRA.previous, uris.internal(view.url(view.number - 1)))
        if view.number < view.last:
            self.add(page, HYDRA.next, uris.internal(view.url(view.number + 1)))


def requires_attribution(licence: URIRef) -> bool:
    """Whether the licence is of the ADMS type Attribution (see the vocabulary file)."""
    return (licence, DCTERMS.type, ADMS_LICENCE_TYPE.Attribution) in controlled_vocabulary()


def service_contact(store: PublishedStore, publisher: Agent) -> Organization:
    """Whom the data service names as contact: the catalogue's publisher where it is an
    organisation of the data, else the first organisation it publishes (the data gives
    no contact of a parent organisation)."""

    def compute() -> Organization:
        found = store.organization(publisher.slug) or store.first_organization(publisher.slug)
        return found or store.organizations[0]

    return store.memo(("service_contact", publisher.slug), compute)
