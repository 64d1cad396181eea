"""The catalogue for open-data portals, the dumps, and what crawlers and feed readers find."""

from __future__ import annotations

from ..catalog import dump_path
from ..formats import ATOM, DOCUMENT_FORMATS, DUMP_FORMATS, GZIP, PLAIN, RDF_FORMATS, SITEMAP
from ..views.catalog import MAX_DATE_LENGTH
from ..views.dumps import RETRY_AFTER
from .bodies import get, served
from .parameters import LANG, SLUG, accept, extension, parameter, slug
from .service import Service

DOCUMENT_TYPES = [f.media_type for f in DOCUMENT_FORMATS]


def _catalogue_parameters(service: Service) -> list[dict]:
    return [
        parameter(
            "page",
            "query",
            f"Page of the catalogue, from 1 to the last; {service.page_size} datasets a page. "
            "Every page links the others (hydra:PartialCollectionView with hydra:first, "
            "hydra:previous, hydra:next, hydra:last).",
            1,
            type="integer",
            minimum=1,
            maximum=999_999_999,
        ),
        {
            "name": "modified_since",
            "in": "query",
            "required": False,
            "description": "Only the datasets changed on or after this day: an ISO 8601 date "
            "or date-time (a date-time counts as its UTC day). Kept on every page link.",
            "schema": {
                "type": "string",
                "maxLength": MAX_DATE_LENGTH,
                "anyOf": [{"format": "date"}, {"format": "date-time"}],
            },
            "example": service.newest.isoformat(),
        },
    ]


def _catalogue_responses(negotiated: bool) -> dict:
    errors = {
        "400": "page is not a page number, or modified_since is not an ISO 8601 date or date-time."
    }
    if negotiated:
        errors |= {"404": "A page after the last.", "406": "None of the formats is acceptable."}
    else:
        errors |= {"404": "No such format extension, or a page after the last."}
    return served(
        "The catalogue page (without Accept and without extension: Turtle).",
        DOCUMENT_TYPES,
        errors,
    )


def catalogue_paths(service: Service) -> dict[str, dict]:
    dataset = slug("name", "The dataset's slug (that of its organisation).", service.thing[1])
    paging = _catalogue_parameters(service)
    return {
        "/catalog": get(
            "The DCAT-AP.de catalogue for harvesting, negotiated (no Accept or */*: Turtle)",
            [*paging, accept(DOCUMENT_FORMATS, "The catalogue"), LANG],
            _catalogue_responses(negotiated=True),
        ),
        "/catalog.{extension}": get(
            "The DCAT-AP.de catalogue in one fixed format",
            [extension(), *paging, LANG],
            _catalogue_responses(negotiated=False),
        ),
        "/catalog/dataset/{name}": get(
            "One dataset of the catalogue with its distributions, negotiated on Accept",
            [dataset, accept(DOCUMENT_FORMATS, "The dataset"), LANG],
            served(
                "The dataset (Content-Location names its fixed-format URL).",
                DOCUMENT_TYPES,
                {"404": "No such dataset.", "406": "None of the formats is acceptable."},
            ),
        ),
        "/catalog/dataset/{name}.{extension}": get(
            "One dataset of the catalogue in one fixed format (the same route; Accept is ignored)",
            [dataset, extension(), LANG],
            served(
                "The dataset.",
                DOCUMENT_TYPES,
                {"404": "No such dataset, or no such format extension."},
            ),
        ),
    }


def dump_paths(service: Service) -> dict[str, dict]:
    extensions = "|".join(d.name for d in DUMP_FORMATS)
    media_types = [d.media_type for d in DUMP_FORMATS] + [GZIP.media_type]
    described = (
        "The dump; with .gz the gzip of the same bytes, as "
        + GZIP.media_type
        + ". "
        + ", ".join(f".{d.name} ({d.label})" for d in DUMP_FORMATS)
        + "."
    )
    whole = parameter(
        "name",
        "path",
        "The dump: all.{extension}, optionally gzipped (.gz).",
        dump_path(DUMP_FORMATS[0], gzipped=True).removeprefix("/dumps/"),
        enum=[
            dump_path(d, gzipped=gz).removeprefix("/dumps/")
            for d in DUMP_FORMATS
            for gz in (False, True)
        ],
    )
    part = parameter(
        "name",
        "path",
        "The organisation's slug with the dump's extension, optionally gzipped (.gz).",
        f"{service.thing[1]}.{DUMP_FORMATS[1].name}",
        pattern=rf"{SLUG.removesuffix('$')}\.({extensions})(\.gz)?$",
    )
    return {
        "/dumps/{name}": get(
            "Every published triple in one file",
            [whole],
            served(
                described + " Written once per data version: sent as a file (Range, If-Range"
                " where the service has its public base configured); while the first ones are"
                " written, 503.",
                media_types,
                {
                    "404": "No such dump.",
                    "503": f"The dumps are being written; retry after {RETRY_AFTER} seconds.",
                },
            ),
        ),
        "/dumps/organization/{name}": get(
            "One organisation's triples in one file (a distribution of its dataset)",
            [part],
            served(
                described + " Written once per data version, like the whole dumps (Range,"
                " If-Range); while they are written, the previous version's, or 503.",
                media_types,
                {
                    "404": "No such organisation, or no such dump.",
                    "503": f"The dumps are being written; retry after {RETRY_AFTER} seconds.",
                },
            ),
        ),
    }


def discovery_paths(service: Service) -> dict[str, dict]:
    return {
        "/.well-known/void": get(
            "The VoID description: size, dumps, SPARQL endpoint, vocabularies, licence",
            [accept(RDF_FORMATS, "The VoID description")],
            served(
                "VoID (Turtle without Accept).",
                [f.media_type for f in RDF_FORMATS],
                {"406": "None of the RDF formats is acceptable."},
            ),
        ),
        "/sitemap.xml": get(
            "Sitemap of every HTML page with the day it last changed (a sitemap index of"
            " /sitemaps/{number}.xml beyond 50,000 pages)",
            [],
            served("Sitemap or sitemap index", [SITEMAP.media_type]),
        ),
        "/sitemaps/{number}.xml": get(
            "One sitemap of the sitemap index (at most 50,000 pages)",
            [parameter("number", "path", "The sitemap's number, from 1.", 1, type="integer")],
            served("Sitemap", [SITEMAP.media_type], {"404": "No such sitemap."}),
        ),
        "/robots.txt": get(
            "Robots exclusion file pointing at the sitemap",
            [],
            served("robots.txt", [PLAIN.media_type]),
        ),
        "/feed.atom": get(
            f"Atom feed of the {service.feed_size} most recently changed things",
            [],
            served("Atom feed", [ATOM.media_type]),
        ),
    }
