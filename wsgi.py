"""WSGI entry point: ``gunicorn wsgi:app``."""

from opendata import create_app

app = create_app()
