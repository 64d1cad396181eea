"""Publishes organisations, their programmes and contacts as Linked Open Data.

``create_app()`` is the application factory: it loads and validates the data
directory, builds the published store and registers one blueprint per concern.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import (
    artefacts,
    backends,
    cors,
    dumps,
    errors,
    rendering,
    response_cache,
    search,
    security,
    sitemaps,
    statistics,
)
from .catalog import dump_path
from .config import Defaults
from .formats import TURTLE
from .i18n import LANGUAGES, current_language, gettext, localized
from .presenter import number
from .uris import INTERNAL_BASE
from .views import BLUEPRINTS


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application; refuses to start (InvalidData) when the data is invalid."""
    app = Flask(__name__)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("OPENDATA")
    app.config.update(overrides or {})
    # Flask's logger has no level of its own: under gunicorn it would drop the progress
    # of builds and the published versions (INFO) that operators watch for.
    app.logger.setLevel(app.config["LOG_LEVEL"])
    rendering.init_app(app)
    search.init_app(app)  # before the backend: it builds each version's index first
    backends.on_new_version(app, statistics.prepare)  # VoID's figures, before going live
    backends.on_new_version(app, sitemaps.prepare)  # the sitemap index's days, likewise
    # old versions make room for the new; this process knows which one it serves
    backends.on_new_version(app, artefacts.prepare, here=True)
    backends.on_new_version(app, dumps.start_building)
    backends.init_app(app)
    errors.init_app(app)
    response_cache.init_app(app)  # innermost: what it keeps excludes the fixed headers
    security.init_app(app, cors.HEADERS)
    cors.init_app(app)
    # Functions, not filters: Jinja folds filters on constants at compile time, which
    # would freeze the first request's language into the template.
    app.jinja_env.globals.update(
        _=gettext,
        current_language=current_language,
        languages=LANGUAGES,
        internal_base=INTERNAL_BASE,
        localized=localized,
        all_dump=dump_path(TURTLE, gzipped=True),
        number=lambda value: number(value, current_language()),
    )
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
