"""The home page: every published organisation with its programmes and contacts."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from .. import records, uris
from ..formats import HTML
from ..i18n import current_language
from ..pages import Link, Text
from ..presenter import text_in
from ..publishing import current_store
from ..records import Organization
from ..serving import serve_one

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    store = current_store()

    def make() -> str:
        language = current_language()
        entries = [
            entry(organization, language)
            for organization in sorted(store.organizations, key=lambda o: o.name.primary)
        ]
        return render_template("home.html", entries=entries, page_path="/")

    return serve_one("home", HTML, make)


def entry(organization: Organization, language: str) -> dict:
    """What the home page shows of an organisation, read from its record.

    Records, not graphs: with thousands of organisations the page must not build
    thousands of graphs.
    """

    def link(kind: str, slug: str, name: records.Text) -> Link:
        return Link(href(kind, slug), in_language(name, language))

    parent = organization.parent_organization
    return {
        "link": link("organization", organization.slug, organization.name),
        "keywords": sorted(
            (in_language(keyword, language) for keyword in organization.keywords),
            key=lambda text: text.text,
        ),
        "parent": [link("organization", parent.slug, parent.name)],
        "programmes": sorted(
            (link("programme", p.slug, p.name) for p in organization.programmes),
            key=lambda found: found.label.text,
        ),
        "people": sorted(
            (
                (
                    Link(
                        uris.href(str(uris.thing("person", person.slug))), Text(person.name, None)
                    ),
                    in_language(person.job_title, language),
                )
                for person in organization.people
            ),
            key=lambda found: found[0].label.text,
        ),
    }


def href(kind: str, slug: str) -> str:
    return uris.href(str(uris.thing(kind, slug)))


def in_language(text: records.Text, language: str) -> Text:
    """The reader's language where the publisher gave it, else the German original."""
    return Text(*text_in(text, language))
