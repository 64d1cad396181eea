"""WSGI entry point: ``gunicorn wsgi:app``."""

from opendata import backends, create_app
from opendata.sparql.engine import start_eagerly

app = create_app()
backends.freeze_loaded_data()
start_eagerly(app)  # the first query finds its query processes ready
