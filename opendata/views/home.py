"""The home page: every published organisation with its programmes and contacts."""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from .. import uris
from ..formats import HTML
from ..http import send
from ..i18n import current_language
from ..pages import Reader
from ..publishing import current_store, public_base
from ..rendering import representation
from ..vocabulary import SDO

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    store = current_store()
    language = current_language()

    def make() -> bytes:
        entries = []
        for organization in sorted(store.organizations, key=lambda o: o.name.primary):
            read = Reader(store.organization_graph(organization), language)
            uri = uris.thing("organization", organization.slug)
            entries.append(
                {
                    "link": read.link(uri),
                    "keywords": read.texts(uri, SDO.keywords),
                    "parent": read.links(uri, SDO.parentOrganization),
                    "programmes": read.links(uri, SDO.memberOf),
                    "people": sorted(
                        (
                            (read.link(person), read.text(person, SDO.jobTitle))
                            for person in read.graph.objects(uri, SDO.employee)
                        ),
                        key=lambda entry: entry[0].label.text,
                    ),
                }
            )
        return render_template("home.html", entries=entries, page_path="/").encode("utf-8")

    rep = representation(store.version, "home", HTML, public_base(), make, store.modified, language)
    return send(rep)
