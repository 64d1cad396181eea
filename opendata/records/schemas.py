"""The file format, as publishers write it: marshmallow schemas that build the records.

An office's file (``organization:``) is read by ``OrganizationSchema``; the parts every
file shares (texts, identifiers, named things, publication dates) are here too.
``shared_schemas`` reads files of shared things (``shared:``).
"""

from __future__ import annotations

import re

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from . import (
    DATA_THEMES,
    PRIMARY_LANGUAGE,
    PUBLISHER_TYPES,
    Address,
    ContactPoint,
    Identifiers,
    Legal,
    LegalText,
    Named,
    Origin,
    Person,
    Place,
    Programme,
    Publication,
    Ref,
    Telephone,
    Text,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG = validate.Regexp(SLUG_PATTERN, error="must be lower-case a-z, 0-9 and '-'")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# Calling codes for deriving the international form of a local telephone number.
CALLING_CODES = {"DE": "49", "AT": "43", "CH": "41"}


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


GND_URI = re.compile(r"^https?://d-nb\.info/gnd/")


class GndField(fields.String):
    """A GND identifier, or its d-nb.info URI (kept as the identifier)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return GND_URI.sub("", super()._deserialize(value, attr, data, **kwargs))


class IdentifiersSchema(StrictSchema):
    wikidata = fields.String(
        validate=validate.Regexp(r"^Q[1-9][0-9]*$", error="must be a Wikidata item, e.g. Q1234")
    )
    # the forms of GND identifiers (Wikidata's format constraint of property P227)
    gnd = GndField(
        validate=validate.Regexp(
            r"^(1[012]?\d{7}[0-9X]|[47]\d{6}-\d|[1-9]\d{0,7}-[0-9X]|3\d{7}[0-9X])$",
            error="must be a GND identifier (e.g. 2008469-1) or its https://d-nb.info/gnd/ URI",
        )
    )
    ags = fields.String(
        validate=validate.Regexp(
            r"^\d{8}$", error="must be the 8-digit Amtlicher Gemeindeschlüssel"
        )
    )
    ars = fields.String(
        validate=validate.Regexp(
            r"^\d{12}$", error="must be the 12-digit Amtlicher Regionalschlüssel"
        )
    )

    @post_load
    def make(self, data, **kwargs) -> Identifiers:
        return Identifiers(**data)


def identifiers_field() -> fields.Nested:
    return fields.Nested(IdentifiersSchema, load_default=Identifiers())


class NamedSchema(StrictSchema):
    identifiers = identifiers_field()
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    alternate_name = fields.String()
    description = TextField()

    @post_load
    def make(self, data, **kwargs) -> Named:
        return Named(**data)


class RefOr(fields.Field):
    """The slug of a thing declared in a shared file, or the thing itself, declared here."""

    def __init__(self, schema: Schema, **kwargs):
        super().__init__(**kwargs)
        self.schema = schema

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return _ref(value)
        if not isinstance(value, dict):
            raise ValidationError("give the slug of a shared thing, or declare the thing here")
        return self.schema.load(value)


class SectionField(fields.Field):
    """The office's section: the slug of a shared concept (its path follows ``broader``),
    or the whole path declared here, broadest first."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return _ref(value)
        if not isinstance(value, list):
            raise ValidationError("give the slug of a shared section, or a list of sections")
        return tuple(NAMED_SCHEMA.load(value, many=True))


def check_dates(data: dict) -> None:
    if "issued" in data and "modified" in data and data["modified"] < data["issued"]:
        raise ValidationError("must not be earlier than issued", "modified")


def _ref(slug: str) -> Ref:
    if not SLUG_PATTERN.match(slug):
        raise ValidationError(f"{slug!r} is not a slug (lower-case a-z, 0-9 and '-')")
    return Ref(slug)


class PlaceSchema(StrictSchema):
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    identifiers = identifiers_field()

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
    identifiers = identifiers_field()
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


NAMED_SCHEMA = NamedSchema()


class OriginSchema(StrictSchema):
    description = TextField(required=True)
    programme = RefOr(NAMED_SCHEMA)

    @post_load
    def make(self, data, **kwargs) -> Origin:
        return Origin(**data)


class ProgrammeSchema(StrictSchema):
    identifiers = identifiers_field()
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    description = TextField(required=True)
    owner = RefOr(NAMED_SCHEMA)
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
        check_dates(data)

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
    identifiers = identifiers_field()
    slug = fields.String(required=True, validate=SLUG)
    name = TextField(required=True)
    alternate_name = TextField()
    keywords = fields.List(TextField(), load_default=())
    description = TextField()
    origin = fields.Nested(OriginSchema)
    parent_organization = RefOr(NAMED_SCHEMA, required=True)
    classification = SectionField(load_default=())
    area_served = RefOr(PlaceSchema(), required=True)
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
    focus_areas = fields.List(RefOr(NAMED_SCHEMA), load_default=())
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
        for name in ("keywords", "focus_areas", "programmes", "people"):
            data[name] = tuple(data[name])
        return data


ORGANIZATION_SCHEMA = OrganizationSchema()


def _international(local: str, country: str) -> str:
    """'0340 204-1305' in DE → '+49 340 204-1305' (the trunk prefix 0 is dropped)."""
    number = local.strip()
    if number.startswith("+"):
        return number
    return f"+{CALLING_CODES[country]} {number.removeprefix('0')}"
