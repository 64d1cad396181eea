"""The legal pages every German public body publishes: Impressum, Datenschutzerklärung
and Erklärung zur Barrierefreiheit.

Their texts come from each publisher's data file (``legal:``), never from the code.
Where a publisher has not given a text, the page names whom to ask: the publisher's
own contact from the data. Publishers are listed by name, ``LEGAL_PAGE_SIZE`` a page
(``?page=``), so that a page stays small however many offices publish.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template
from werkzeug.wrappers import Response

from .. import uris
from ..catalog import PageView
from ..formats import HTML
from ..i18n import current_language, gettext
from ..pages import ContactCard, Link, Reader, Text, contact_card
from ..presenter import text_in
from ..publishing import current_store
from ..records import LegalText, Organization
from ..records import Text as TextRecord
from ..serving import serve_one
from ..store import PublishedStore
from .catalog import page_number

bp = Blueprint("legal", __name__)


@dataclass(frozen=True)
class PublisherSection:
    publisher: Link
    paragraphs: list[list[Text]]  # paragraphs of lines, from the publisher's text
    url: str | None  # the publisher's own page with the full text
    contact: ContactCard | None  # whom to ask when the data gives neither text nor url


@bp.get("/impressum")
def impressum() -> Response:
    return legal_page("/impressum", "impressum")


@bp.get("/datenschutz")
def privacy() -> Response:
    return legal_page("/datenschutz", "privacy")


@bp.get("/barrierefreiheit")
def accessibility() -> Response:
    return legal_page("/barrierefreiheit", "accessibility")


def legal_page(path: str, field: str) -> Response:
    """The page for one field of ``legal:`` (its title is the message ``legal.<field>``)."""
    store = current_store()
    publishers = store.organizations_in("name")
    number = page_number()
    view = PageView(number, current_app.config["LEGAL_PAGE_SIZE"], len(publishers), path[1:])
    if number > view.last:
        abort(404, description=f"This page has {view.last} part(s); there is no part {number}.")

    def make() -> str:
        language = current_language()
        title = Text(gettext(f"legal.{field}"), language)
        return render_template(
            "legal.html",
            field=field,
            sections=sections(store, view.items(publishers), field, language),
            view=view,
            page_path=path if number == 1 else view.url(number),
            crumbs=[Link(path, title)],
        )

    return serve_one(f"legal/{field}/{number}", HTML, make)


def sections(
    store: PublishedStore, publishers: Iterable[Organization], field: str, language: str
) -> list[PublisherSection]:
    """One section per publisher, in the order given (that of their names)."""
    found = []
    for organization in publishers:
        read = Reader(store.unit_graph(organization), language)
        uri = uris.thing("organization", organization.slug)
        legal: LegalText | None = getattr(organization.legal, field)
        text = legal.text if legal else None
        found.append(
            PublisherSection(
                publisher=read.link(uri),
                paragraphs=_paragraphs(text, language) if text else [],
                url=legal.url if legal else None,
                contact=None if legal else contact_card(read, "organization", uri),
            )
        )
    return found


def _paragraphs(text: TextRecord, language: str) -> list[list[Text]]:
    """The text in the reader's language (else the publisher's), as paragraphs of lines."""
    chosen, tag = text_in(text, language)
    return [
        [Text(line, tag) for line in block.splitlines() if line.strip()]
        for block in chosen.split("\n\n")
        if block.strip()
    ]
