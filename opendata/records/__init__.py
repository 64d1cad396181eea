"""Source files → validated records.

Publishers edit YAML files in the data directory: one per office (``organization:``)
and any number of files of things many offices share (``shared:``: the city
administration and its departments, places, section and focus-area concepts,
partner organisations, federal programmes). An office refers to a shared thing by
its slug, or declares a thing of its own in place. This package reads the files
(``loading``), validates each with marshmallow schemas (``schemas``), checks the
references between them like a compiler checks names (``references``) and returns
the plain, immutable records defined here. Every problem is reported as (file,
field, message) so that a person can fix the file without reading code. Nothing
here knows about RDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

DATA_SUFFIXES = (".yaml", ".yml")
# The kinds of things with a URI (opendata.kinds says how each is published).
THING_KINDS = ("organization", "programme", "person", "place", "concept")
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
class Identifiers:
    """What others call a thing: a Wikidata item, a GND record, the official municipality
    key (AGS) and regional key (ARS). Only what the publisher knows for certain."""

    wikidata: str | None = None  # Q64
    gnd: str | None = None  # 2008469-1
    ags: str | None = None  # 15001000
    ars: str | None = None  # 150010000000

    def items(self) -> Iterable[tuple[str, str]]:
        """(scheme, value) of every identifier given."""
        return ((k, v) for k, v in vars(self).items() if v)


@dataclass(frozen=True)
class Ref:
    """A thing named by its slug, declared in another file (resolved after loading)."""

    slug: str


@dataclass(frozen=True)
class Named:
    """Anything with a URI slug and a name: a place, a concept, a partner."""

    slug: str
    name: Text
    alternate_name: str | None = None
    description: Text | None = None
    identifiers: Identifiers = Identifiers()


# What an organisation declared in a shared file is to the others.
AGENCY_ROLES = ("administration", "department", "partner")


@dataclass(frozen=True)
class Agency(Named):
    """An organisation that many offices refer to: an administration, one of its
    departments (a unit of ``parent``), or a partner organisation."""

    role: str = "administration"
    parent: str | None = None


@dataclass(frozen=True)
class Concept(Named):
    """A section of the administration's site structure or a focus area."""

    broader: str | None = None


@dataclass(frozen=True)
class Place:
    slug: str
    name: Text
    identifiers: Identifiers = Identifiers()


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
    identifiers: Identifiers = Identifiers()


@dataclass(frozen=True)
class ContactPoint:
    name: Text
    contact_type: Text | None = None


@dataclass(frozen=True)
class Origin:
    description: Text
    programme: Named | Ref | None = None


@dataclass(frozen=True)
class Programme:
    slug: str
    name: Text
    description: Text
    owner: Named | Ref | None = None
    supporting_roles: tuple[Text, ...] = ()
    identifiers: Identifiers = Identifiers()


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
    parent_organization: Named | Ref
    area_served: Place | Ref
    address: Address
    telephone: Telephone
    email: str
    contact_point: ContactPoint
    publication: Publication
    alternate_name: Text | None = None
    keywords: tuple[Text, ...] = ()
    description: Text | None = None
    origin: Origin | None = None
    # the section path, broadest first (a Ref to the section until resolved)
    classification: tuple[Named, ...] | Ref = ()
    focus_areas: tuple[Named | Ref, ...] = ()
    programmes: tuple[Programme, ...] = ()
    people: tuple[Person, ...] = ()
    legal: Legal = Legal()
    identifiers: Identifiers = Identifiers()
    # (kind, slug) of the things the file refers to but does not declare
    references: frozenset[tuple[str, str]] = frozenset()

    def declares(self, kind: str, thing) -> bool:
        """Whether the file declares ``thing`` itself (rather than referring to it)."""
        return (
            thing is not None
            and not isinstance(thing, Ref)
            and (kind, thing.slug) not in self.references
        )

    def things(self) -> Iterable[tuple[str, str, str, object]]:
        """(kind, slug, field, record) for every thing the file declares."""
        base = "organization"
        candidates = [
            ("organization", self, "slug"),
            ("organization", self.parent_organization, "parent_organization"),
            ("place", self.area_served, "area_served"),
        ]
        if isinstance(self.classification, tuple):
            candidates += [
                ("concept", concept, f"classification.{i}")
                for i, concept in enumerate(self.classification)
            ]
        candidates += [
            ("concept", concept, f"focus_areas.{i}") for i, concept in enumerate(self.focus_areas)
        ]
        if self.origin:
            candidates.append(("programme", self.origin.programme, "origin.programme"))
        for i, programme in enumerate(self.programmes):
            candidates.append(("programme", programme, f"programmes.{i}"))
            candidates.append(("organization", programme.owner, f"programmes.{i}.owner"))
        candidates += [("person", person, f"people.{i}") for i, person in enumerate(self.people)]
        for kind, thing, where in candidates:
            if thing is self or self.declares(kind, thing):
                field = f"{base}.slug" if thing is self else f"{base}.{where}.slug"
                yield kind, thing.slug, field, thing


@dataclass(frozen=True)
class Retirement:
    """A thing that is no longer published, and what replaces it, if anything.

    Its URIs keep answering (410 Gone, naming the successor), so that links to an
    office that was merged, renamed or closed do not simply break.
    """

    kind: str
    slug: str
    date: dt.date
    successor: tuple[str, str] | None = None  # (kind, slug) of a published thing
    name: Text | None = None  # what it was called
    note: Text | None = None  # why, in a sentence


@dataclass(frozen=True)
class Shared:
    """One file of things that many offices share, declared once."""

    source: str
    publication: Publication
    organizations: tuple[Agency, ...] = ()
    places: tuple[Place, ...] = ()
    concepts: tuple[Concept, ...] = ()
    programmes: tuple[Named, ...] = ()
    retired: tuple[Retirement, ...] = ()

    @property
    def slug(self) -> str:
        """The file's name without its suffix: it names the file, not a thing."""
        return self.source.rsplit(".", 1)[0]

    def things(self) -> Iterable[tuple[str, str, str, object]]:
        """(kind, slug, field, record) for every thing the file declares."""
        for kind, section, things in (
            ("organization", "organizations", self.organizations),
            ("place", "places", self.places),
            ("concept", "concepts", self.concepts),
            ("programme", "programmes", self.programmes),
        ):
            for i, thing in enumerate(things):
                yield kind, thing.slug, f"shared.{section}.{i}.slug", thing


# One source file's records.
Unit = Organization | Shared


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
class Source:
    """A data file as it was read: its size and modification time (taken before it was
    read) and the digest of its bytes, so that a later version can tell which files
    changed by a ``stat`` and read only those."""

    name: str
    size: int
    mtime_ns: int
    digest: str


@dataclass(frozen=True)
class DataSet:
    """All files of a data directory, with a version that changes with any byte."""

    organizations: tuple[Organization, ...]
    version: str
    shared: tuple[Shared, ...] = ()
    sources: tuple[Source, ...] = ()  # the files read, when read from a directory

    @property
    def units(self) -> tuple[Unit, ...]:
        """Every file's records: shared files first, as offices build on them."""
        return (*self.shared, *self.organizations)

    @property
    def retirements(self) -> dict[tuple[str, str], Retirement]:
        """(kind, slug) → the retirement of a thing no longer published."""
        return {(r.kind, r.slug): r for unit in self.shared for r in unit.retired}

    def declarations(self) -> Iterator[tuple[str, str, str]]:
        """(file, kind, slug) of every thing the files declare."""
        for unit in self.units:
            for kind, slug, _, _ in unit.things():
                yield unit.source, kind, slug


from .loading import (  # noqa: E402 - the loaders build the records above
    content_version,
    data_paths,
    load_directory,
    load_directory_with_documents,
    load_documents,
    read_yaml,
    version_of,
)

__all__ = [
    "AGENCY_ROLES",
    "DATA_SUFFIXES",
    "DATA_THEMES",
    "PRIMARY_LANGUAGE",
    "PUBLISHER_TYPES",
    "THING_KINDS",
    "Address",
    "Agency",
    "Concept",
    "ContactPoint",
    "DataProblem",
    "DataSet",
    "Identifiers",
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
    "Ref",
    "Retirement",
    "Shared",
    "Source",
    "Telephone",
    "Text",
    "Unit",
    "content_version",
    "data_paths",
    "load_directory",
    "load_directory_with_documents",
    "load_documents",
    "read_yaml",
    "version_of",
]
