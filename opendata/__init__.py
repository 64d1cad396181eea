"""Publishes organisations, their programmes and contacts as Linked Open Data.

``create_app()`` is the application factory: it loads and validates the data
directory, builds the published store and registers one blueprint per concern.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import cors, errors, publishing
from .config import Defaults
from .i18n import current_language, gettext
from .rendering import cache
from .sparql import engine
from .views import api, home, resources, sparql, vocab


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application; refuses to start (InvalidData) when the data is invalid."""
    app = Flask(__name__)
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("OPENDATA")
    app.config.update(overrides or {})
    cache.init_app(app)
    publishing.init_app(app)
    errors.init_app(app)
    cors.init_app(app)
    engine.init_app(app)
    app.jinja_env.globals.update(_=gettext, current_language=current_language)
    for blueprint in (home.bp, resources.bp, vocab.bp, sparql.bp, api.bp):
        app.register_blueprint(blueprint)
    return app
