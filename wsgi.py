"""WSGI entry point: ``gunicorn wsgi:app``."""

from opendata import create_app, publishing

app = create_app()
publishing.freeze_loaded_data()
