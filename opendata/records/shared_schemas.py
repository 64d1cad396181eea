"""The file format of shared things (``shared:``): organisations many offices refer to,
places, concepts, programmes, retired things, and the file's publication dates."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from . import AGENCY_ROLES, THING_KINDS, Agency, Concept, Publication, Retirement
from .schemas import (
    SLUG,
    SLUG_PATTERN,
    NamedSchema,
    PlaceSchema,
    StrictSchema,
    TextField,
    check_dates,
)


class AgencySchema(NamedSchema):
    type = fields.String(
        load_default="administration",
        validate=validate.OneOf(AGENCY_ROLES, error="must be one of: {choices}"),
    )
    parent = fields.String(validate=SLUG)

    @validates_schema
    def departments_have_a_parent(self, data, **kwargs):
        if data.get("type") == "department" and "parent" not in data:
            raise ValidationError("a department needs the slug of its parent", "parent")
        if data.get("type") != "department" and "parent" in data:
            raise ValidationError("only a department has a parent", "parent")

    @post_load
    def make(self, data, **kwargs) -> Agency:
        data["role"] = data.pop("type")
        return Agency(**data)


class ConceptSchema(NamedSchema):
    broader = fields.String(validate=SLUG)

    @post_load
    def make(self, data, **kwargs) -> Concept:
        return Concept(**data)


class SharedPublicationSchema(StrictSchema):
    issued = fields.Date(required=True)
    modified = fields.Date(required=True)

    @validates_schema
    def modified_not_before_issued(self, data, **kwargs):
        check_dates(data)

    @post_load
    def make(self, data, **kwargs) -> Publication:
        return Publication(**data)


class ThingField(fields.String):
    """A thing by kind and slug, as in its URI: ``organization/altes-amt``."""

    def _deserialize(self, value, attr, data, **kwargs) -> tuple[str, str]:
        text = super()._deserialize(value, attr, data, **kwargs)
        kind, _, slug = text.partition("/")
        if kind not in THING_KINDS or not SLUG_PATTERN.match(slug):
            kinds = ", ".join(THING_KINDS)
            raise ValidationError(
                f"must be kind/slug, e.g. organization/altes-amt (kinds: {kinds})"
            )
        return kind, slug


class RetirementSchema(StrictSchema):
    thing = ThingField(required=True)
    date = fields.Date(required=True)
    successor = ThingField()
    name = TextField()
    note = TextField()

    @post_load
    def make(self, data, **kwargs) -> Retirement:
        kind, slug = data.pop("thing")
        return Retirement(kind, slug, **data)


class SharedSchema(StrictSchema):
    organizations = fields.List(fields.Nested(AgencySchema), load_default=())
    places = fields.List(fields.Nested(PlaceSchema), load_default=())
    concepts = fields.List(fields.Nested(ConceptSchema), load_default=())
    programmes = fields.List(fields.Nested(NamedSchema), load_default=())
    retired = fields.List(fields.Nested(RetirementSchema), load_default=())
    publication = fields.Nested(SharedPublicationSchema, required=True)

    @post_load
    def make(self, data, **kwargs) -> dict:
        for name in ("organizations", "places", "concepts", "programmes", "retired"):
            data[name] = tuple(data[name])
        return data


# One instance each: building a schema (and its nested schemas) costs more than a load.


# One instance: building a schema (and its nested schemas) costs more than a load.
SHARED_SCHEMA = SharedSchema()
