"""WSGI entry point: ``gunicorn wsgi:app``."""

from opendata import backends, create_app

app = create_app()
backends.freeze_loaded_data()
