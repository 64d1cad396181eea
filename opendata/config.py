"""Configuration: safe defaults, overridden by ``OPENDATA_*`` environment variables.

``OPENDATA_BASE_URI=https://daten.example.de`` becomes ``app.config["BASE_URI"]``
(Flask's ``from_prefixed_env``; values are parsed as JSON where they are JSON, so
``OPENDATA_MAX_AGE=600`` is a number). See the README for every setting.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    # Where the publishers' YAML files live.
    DATA_DIR = str(ROOT / "data")
    # Base of every published URI; None: the scheme and host of each request.
    BASE_URI = None
    # Cache-Control max-age of documents, in seconds.
    MAX_AGE = 300
    # flask-caching: SimpleCache in this process, or RedisCache with CACHE_REDIS_URL.
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 0  # entries are keyed by data version; nothing goes stale
    CACHE_THRESHOLD = 50_000
    CACHE_KEY_PREFIX = "opendata:"
    # Request limits.
    MAX_CONTENT_LENGTH = 64 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    MAX_URL_LENGTH = 4096
    # SPARQL endpoint (see README): time limit of a query in seconds, rows (or triples)
    # in a result, size of the query text in bytes, query processes per web server
    # process, and the memory a query may add to its process, in MiB.
    SPARQL_TIMEOUT = 5
    SPARQL_MAX_ROWS = 10_000
    SPARQL_MAX_QUERY_BYTES = 16 * 1024
    SPARQL_WORKERS = 2
    SPARQL_MEMORY_MB = 512
