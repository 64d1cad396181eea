"""Source files → validated records.

Publishers edit one YAML file per organisation in the data directory. This package
reads those files (``loading``), validates them with marshmallow schemas
(``schemas``) and returns the plain, immutable records defined here. Every problem
is reported as (file, field, message) so that a person can fix the file without
reading code. Nothing here knows about RDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DATA_SUFFIXES = (".yaml", ".yml")
# The first language is the one the publisher writes in; every text needs it.
PRIMARY_LANGUAGE = "de"
# The EU data themes (publications.europa.eu/resource/authority/data-theme) and the
# ADMS publisher types (purl.org/adms/publishertype), by code: closed lists, so a
# misspelt code is caught here rather than published.
DATA_THEMES = (
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL",
    "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN",
)  # fmt: skip
PUBLISHER_TYPES = (
    "Academia-ScientificOrganisation", "Company", "IndustryConsortium", "LocalAuthority",
    "NationalAuthority", "NonGovernmentalOrganisation", "NonProfitOrganisation",
    "PrivateIndividual(s)", "RegionalAuthority", "StandardisationBody",
    "SupraNationalAuthority",
)  # fmt: skip


# ---------------------------------------------------------------------------
# Records: what the rest of the service consumes.


@dataclass(frozen=True)
class Text:
    """A text in several languages: {"de": "...", "en": "..."}."""

    values: Mapping[str, str]

    def __getitem__(self, language: str) -> str:
        return self.values[language]

    def get(self, language: str) -> str | None:
        return self.values.get(language)

    @property
    def primary(self) -> str:
        return self.values[PRIMARY_LANGUAGE]

    def items(self) -> Iterable[tuple[str, str]]:
        return self.values.items()


@dataclass(frozen=True)
class Named:
    """Anything with a URI slug and a name: a place, a concept, a partner."""

    slug: str
    name: Text
    alternate_name: str | None = None
    description: Text | None = None


@dataclass(frozen=True)
class Place:
    slug: str
    name: Text
    municipality_key: str | None = None
    wikidata: str | None = None


@dataclass(frozen=True)
class Address:
    street_address: str
    postal_code: str
    locality: str
    country: str


@dataclass(frozen=True)
class Telephone:
    local: str
    international: str


@dataclass(frozen=True)
class Person:
    slug: str
    name: str
    job_title: Text
    head_of_organization: bool = False


@dataclass(frozen=True)
class ContactPoint:
    name: Text
    contact_type: Text | None = None


@dataclass(frozen=True)
class Origin:
    description: Text
    programme: Named | None = None


@dataclass(frozen=True)
class Programme:
    slug: str
    name: Text
    description: Text
    owner: Named | None = None
    supporting_roles: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Publication:
    """Metadata about the published record itself (set by the publisher, never the clock)."""

    issued: dt.date
    modified: dt.date
    license: str = "dl-by-de/2.0"
    themes: tuple[str, ...] = ()
    publisher_type: str | None = None


@dataclass(frozen=True)
class LegalText:
    """A legal text of the publisher: written out here, or kept on its own site, or both."""

    text: Text | None = None
    url: str | None = None


@dataclass(frozen=True)
class Legal:
    """The texts German public bodies must publish; each is optional in the data."""

    impressum: LegalText | None = None
    privacy: LegalText | None = None
    accessibility: LegalText | None = None


@dataclass(frozen=True)
class Organization:
    """One source file: an organisation with everything it publishes."""

    source: str
    slug: str
    name: Text
    parent_organization: Named
    area_served: Place
    address: Address
    telephone: Telephone
    email: str
    contact_point: ContactPoint
    publication: Publication
    alternate_name: Text | None = None
    keywords: tuple[Text, ...] = ()
    description: Text | None = None
    origin: Origin | None = None
    classification: tuple[Named, ...] = ()
    focus_areas: tuple[Named, ...] = ()
    programmes: tuple[Programme, ...] = ()
    people: tuple[Person, ...] = ()
    legal: Legal = Legal()

    def things(self) -> Iterable[tuple[str, str, str]]:
        """(kind, slug, field) for every thing of the file that gets a URI of its own."""
        base = "organization"
        yield "organization", self.slug, f"{base}.slug"
        yield "organization", self.parent_organization.slug, f"{base}.parent_organization.slug"
        yield "place", self.area_served.slug, f"{base}.area_served.slug"
        for i, concept in enumerate(self.classification):
            yield "concept", concept.slug, f"{base}.classification.{i}.slug"
        for i, concept in enumerate(self.focus_areas):
            yield "concept", concept.slug, f"{base}.focus_areas.{i}.slug"
        if self.origin and self.origin.programme:
            yield "programme", self.origin.programme.slug, f"{base}.origin.programme.slug"
        for i, programme in enumerate(self.programmes):
            yield "programme", programme.slug, f"{base}.programmes.{i}.slug"
            if programme.owner:
                yield "organization", programme.owner.slug, f"{base}.programmes.{i}.owner.slug"
        for i, person in enumerate(self.people):
            yield "person", person.slug, f"{base}.people.{i}.slug"


@dataclass(frozen=True)
class DataProblem:
    """One thing wrong in a source file, phrased for the person who edits it."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class InvalidData(Exception):
    """The data directory cannot be published; carries every problem found."""

    def __init__(self, problems: list[DataProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class DataSet:
    """All organisations of a data directory, with a version that changes with any byte."""

    organizations: tuple[Organization, ...]
    version: str


from .loading import (  # noqa: E402 - the loaders build the records above
    load_directory,
    load_directory_with_documents,
    organization_from_document,
    read_yaml,
)

__all__ = [
    "DATA_SUFFIXES",
    "DATA_THEMES",
    "PRIMARY_LANGUAGE",
    "PUBLISHER_TYPES",
    "Address",
    "ContactPoint",
    "DataProblem",
    "DataSet",
    "InvalidData",
    "Legal",
    "LegalText",
    "Named",
    "Organization",
    "Origin",
    "Person",
    "Place",
    "Programme",
    "Publication",
    "Telephone",
    "Text",
    "load_directory",
    "load_directory_with_documents",
    "organization_from_document",
    "read_yaml",
]
