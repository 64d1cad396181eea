"""Source files → validated records.

Publishers edit one YAML file per organisation in the data directory. This module
reads those files, validates them with marshmallow schemas and returns plain,
immutable records. Every problem is reported as (file, field, message) so that a
person can fix the file without reading code. Nothing here knows about RDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="must be lower-case a-z, 0-9 and '-'")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
DATA_SUFFIXES = (".yaml", ".yml")
# The first language is the one the publisher writes in; every text needs it.
PRIMARY_LANGUAGE = "de"
# libyaml's loader is ~10x faster than the pure-Python one; both are "safe" loaders.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Calling codes for deriving the international form of a local telephone number.
CALLING_CODES = {"DE": "49", "AT": "43", "CH": "41"}
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

    @property
    def uri(self) -> str:
        """RFC 3966 form, e.g. tel:+49-340-204-1305."""
        return "tel:" + re.sub(r"[\s/]+", "-", self.international.strip()).replace("--", "-")


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


# ---------------------------------------------------------------------------
# Schemas: the file format, as publishers write it.


class TextField(fields.Field):
    """{"de": "...", "en": "..."}: language code → non-empty string; German required."""

    def _deserialize(self, value, attr, data, **kwargs) -> Text:
        if not isinstance(value, dict):
            raise ValidationError('must be a mapping of language to text, e.g. {de: "…"}')
        for language, text in value.items():
            if not isinstance(language, str) or not LANGUAGE.match(language):
                raise ValidationError(f"{language!r} is not a language code such as 'de' or 'en'")
            if not isinstance(text, str) or not text.strip():
                raise ValidationError(f"text in {language!r} must be a non-empty string")
        if PRIMARY_LANGUAGE not in value:
            raise ValidationError(f"a text in {PRIMARY_LANGUAGE!r} is required")
        return Text(dict(value))


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class NamedSchema(StrictSchema):
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    alternate_name = fields.String()
    description = TextField()

    @post_load
    def make(self, data, **kwargs) -> Named:
        return Named(**data)


class PlaceSchema(StrictSchema):
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    municipality_key = fields.String(
        validate=validate.Regexp(r"^\d{8}$", error="must be the 8-digit official key")
    )
    wikidata = fields.String(validate=validate.Regexp(r"^Q\d+$", error="must look like Q1234"))

    @post_load
    def make(self, data, **kwargs) -> Place:
        return Place(**data)


class AddressSchema(StrictSchema):
    street_address = fields.String(required=True, validate=validate.Length(min=1))
    postal_code = fields.String(required=True, validate=validate.Length(min=1))
    locality = fields.String(required=True, validate=validate.Length(min=1))
    country = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Z]{2}$", error="must be ISO 3166 alpha-2")
    )

    @post_load
    def make(self, data, **kwargs) -> Address:
        return Address(**data)


class PersonSchema(StrictSchema):
    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(min=1))
    job_title = TextField(required=True)
    head_of_organization = fields.Boolean(load_default=False)

    @post_load
    def make(self, data, **kwargs) -> Person:
        return Person(**data)


class ContactPointSchema(StrictSchema):
    name = TextField(required=True)
    contact_type = TextField()

    @post_load
    def make(self, data, **kwargs) -> ContactPoint:
        return ContactPoint(**data)


class OriginSchema(StrictSchema):
    description = TextField(required=True)
    programme = fields.Nested(NamedSchema)

    @post_load
    def make(self, data, **kwargs) -> Origin:
        return Origin(**data)


class ProgrammeSchema(StrictSchema):
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    description = TextField(required=True)
    owner = fields.Nested(NamedSchema)
    supporting_roles = fields.List(TextField(), load_default=())

    @post_load
    def make(self, data, **kwargs) -> Programme:
        data["supporting_roles"] = tuple(data["supporting_roles"])
        return Programme(**data)


class PublicationSchema(StrictSchema):
    issued = fields.Date(required=True)
    modified = fields.Date(required=True)
    license = fields.String(
        load_default="dl-by-de/2.0",
        validate=validate.Regexp(
            r"^[a-z0-9.\-]+(/[0-9.]+)?$", error="must be a dcat-ap.de licence id"
        ),
    )
    themes = fields.List(
        fields.String(
            validate=validate.OneOf(DATA_THEMES, error="must be an EU data theme: {choices}")
        ),
        load_default=(),
    )
    publisher_type = fields.String(
        validate=validate.OneOf(PUBLISHER_TYPES, error="must be an ADMS publisher type: {choices}")
    )

    @validates_schema
    def modified_not_before_issued(self, data, **kwargs):
        if "issued" in data and "modified" in data and data["modified"] < data["issued"]:
            raise ValidationError("must not be earlier than issued", "modified")

    @post_load
    def make(self, data, **kwargs) -> Publication:
        data["themes"] = tuple(data["themes"])
        return Publication(**data)


class LegalTextSchema(StrictSchema):
    text = TextField()
    url = fields.Url(schemes={"http", "https"})

    @validates_schema
    def text_or_url(self, data, **kwargs):
        if not data:
            raise ValidationError("give the text, the url of the publisher's own page, or both")

    @post_load
    def make(self, data, **kwargs) -> LegalText:
        return LegalText(**data)


class LegalSchema(StrictSchema):
    impressum = fields.Nested(LegalTextSchema)
    privacy = fields.Nested(LegalTextSchema)
    accessibility = fields.Nested(LegalTextSchema)

    @post_load
    def make(self, data, **kwargs) -> Legal:
        return Legal(**data)


class OrganizationSchema(StrictSchema):
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    alternate_name = TextField()
    keywords = fields.List(TextField(), load_default=())
    description = TextField()
    origin = fields.Nested(OriginSchema)
    parent_organization = fields.Nested(NamedSchema, required=True)
    classification = fields.List(fields.Nested(NamedSchema), load_default=())
    area_served = fields.Nested(PlaceSchema, required=True)
    address = fields.Nested(AddressSchema, required=True)
    telephone = fields.String(
        required=True,
        validate=validate.Regexp(r"^\+?[0-9][0-9 /\-()]{3,}$", error="is not a telephone number"),
    )
    telephone_international = fields.String(
        validate=validate.Regexp(
            r"^\+[1-9][0-9 \-]{3,}$", error="must start with + and a country code"
        )
    )
    email = fields.Email(required=True)
    contact_point = fields.Nested(ContactPointSchema, required=True)
    focus_areas = fields.List(fields.Nested(NamedSchema), load_default=())
    programmes = fields.List(fields.Nested(ProgrammeSchema), load_default=())
    people = fields.List(fields.Nested(PersonSchema), load_default=())
    publication = fields.Nested(PublicationSchema, required=True)
    legal = fields.Nested(LegalSchema)

    @validates_schema
    def telephone_is_convertible(self, data, **kwargs):
        address = data.get("address")
        if "telephone_international" in data or address is None:
            return
        if address.country not in CALLING_CODES:
            raise ValidationError(
                f"give telephone_international: no calling code known for {address.country}",
                "telephone_international",
            )

    @post_load
    def make(self, data, **kwargs) -> dict:
        local = data.pop("telephone")
        international = data.pop("telephone_international", None) or _international(
            local, data["address"].country
        )
        data["telephone"] = Telephone(local=local, international=international)
        for name in ("keywords", "classification", "focus_areas", "programmes", "people"):
            data[name] = tuple(data[name])
        return data


# One instance: building a schema (and its nested schemas) costs more than a load.
_ORGANIZATION_SCHEMA = OrganizationSchema()


def _international(local: str, country: str) -> str:
    """'0340 204-1305' in DE → '+49 340 204-1305' (the trunk prefix 0 is dropped)."""
    number = local.strip()
    if number.startswith("+"):
        return number
    return f"+{CALLING_CODES[country]} {number.removeprefix('0')}"


# ---------------------------------------------------------------------------
# Loading a directory.


def load_directory(directory: Path) -> DataSet:
    """Read and validate every organisation file; raise InvalidData listing all problems."""
    return load_directory_with_documents(directory)[0]


def load_directory_with_documents(directory: Path) -> tuple[DataSet, dict[str, dict]]:
    """The validated data set, and each file's parsed document by file name (for
    publishing the sources as they were validated)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidData([DataProblem(str(directory), "-", "data directory does not exist")])
    paths = sorted(p for p in directory.iterdir() if p.suffix in DATA_SUFFIXES and p.is_file())
    problems: list[DataProblem] = []
    organizations: list[Organization] = []
    documents: dict[str, dict] = {}
    digest = hashlib.sha256()
    for path in paths:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        document = read_yaml(path.name, raw, problems)
        organization = None if document is None else _validate(path.name, document, problems)
        if organization is not None:
            organizations.append(organization)
            documents[path.name] = document
    if not paths:
        problems.append(DataProblem(str(directory), "-", "no *.yaml files to publish"))
    problems.extend(_duplicate_slugs(organizations))
    if problems:
        raise InvalidData(problems)
    return DataSet(tuple(organizations), digest.hexdigest()[:16]), documents


def read_yaml(name: str, raw: bytes, problems: list[DataProblem]) -> dict | None:
    """The YAML document of a file, or None with the syntax problem recorded."""
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_SafeLoader)
    except UnicodeDecodeError as error:
        problems.append(DataProblem(name, "-", f"not UTF-8 text ({error.reason})"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
        problems.append(
            DataProblem(name, where, f"YAML syntax: {getattr(error, 'problem', error)}")
        )
    return None


def organization_from_document(name: str, document: Any) -> Organization:
    """Validate one organisation document (as parsed from YAML or JSON)."""
    problems: list[DataProblem] = []
    organization = _validate(name, document, problems)
    if organization is None:
        raise InvalidData(problems)
    return organization


def _validate(name: str, document: Any, problems: list[DataProblem]) -> Organization | None:
    if not isinstance(document, dict) or "organization" not in document:
        problems.append(DataProblem(name, "organization", "the file must have an 'organization:'"))
        return None
    extra = sorted(set(document) - {"organization"})
    if extra:
        problems.append(DataProblem(name, extra[0], "unknown field"))
        return None
    try:
        data = _ORGANIZATION_SCHEMA.load(document["organization"])
    except ValidationError as error:
        problems.extend(
            DataProblem(name, "organization." + path, message)
            for path, message in _flatten(error.messages)
        )
        return None
    return Organization(source=name, **data)


def _flatten(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """marshmallow's nested error dict → ('programmes.0.name', 'Missing data …') pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, path)
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, prefix)
    else:
        yield prefix or "-", str(messages)


def _duplicate_slugs(organizations: list[Organization]) -> list[DataProblem]:
    """Each (kind, slug) names one thing across all files, since it becomes a URI."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for organization in organizations:
        for kind, slug, where in declared_slugs(organization):
            key = (kind, slug)
            if key in seen:
                problems.append(
                    DataProblem(
                        organization.source,
                        where,
                        f"slug {slug!r} is already used for a {kind} in {seen[key]}",
                    )
                )
            else:
                seen[key] = f"{organization.source} ({where})"
    return problems


def declared_slugs(organization: Organization) -> Iterable[tuple[str, str, str]]:
    """(kind, slug, field) for every thing that gets a URI of its own."""
    base = "organization"
    yield "organization", organization.slug, f"{base}.slug"
    yield "organization", organization.parent_organization.slug, f"{base}.parent_organization.slug"
    yield "place", organization.area_served.slug, f"{base}.area_served.slug"
    for i, concept in enumerate(organization.classification):
        yield "concept", concept.slug, f"{base}.classification.{i}.slug"
    for i, concept in enumerate(organization.focus_areas):
        yield "concept", concept.slug, f"{base}.focus_areas.{i}.slug"
    if organization.origin and organization.origin.programme:
        yield "programme", organization.origin.programme.slug, f"{base}.origin.programme.slug"
    for i, programme in enumerate(organization.programmes):
        yield "programme", programme.slug, f"{base}.programmes.{i}.slug"
        if programme.owner:
            yield "organization", programme.owner.slug, f"{base}.programmes.{i}.owner.slug"
    for i, person in enumerate(organization.people):
        yield "person", person.slug, f"{base}.people.{i}.slug"
