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
    # Seconds between checks of the data directory for changes; 0 turns reloading off.
    RELOAD_INTERVAL = 5
    # What the service logs: INFO says which version is published and how far a build
    # of a new version is (minutes at national scale); WARNING keeps only problems.
    LOG_LEVEL = "INFO"
    # Where what is built once per data version is kept (dumps, the SPARQL store, the
    # search index); None: the application's instance folder (instance/ of the checkout).
    STATE_DIR = None
    # Data versions whose artefacts stay on disk: the newest and the ones before it
    # (older ones are removed when a new version is prepared).
    KEEP_VERSIONS = 2
    # Where the published data lives: "memory" (the YAML files of DATA_DIR) or
    # "sparql" (a SPARQL 1.1 store that `opendata publish` writes to).
    STORE = "memory"
    STORE_QUERY_URL = None  # e.g. http://127.0.0.1:7878/query
    STORE_UPDATE_URL = None  # e.g. http://127.0.0.1:7878/update
    STORE_GRAPH_URL = None  # Graph Store Protocol, e.g. http://127.0.0.1:7878/store
    STORE_TIMEOUT = 10  # seconds for one request to the store
    STORE_RETRY_AFTER = 10  # seconds clients are asked to wait while the store is down
    # Seconds `opendata publish` waits for one request to the store (going live copies
    # every changed triple) and for every instance to confirm it serves the new version
    # (loading it includes building its search index).
    PUBLISH_TIMEOUT = 300
    # Organisation graphs each process keeps built (memory) or fetched (sparql).
    GRAPH_CACHE_SIZE = 2048
    # Files' validated records each process keeps read from the version's archive.
    RECORD_CACHE_SIZE = 1024
    # A data directory of more files is validated and archived by a child process, so
    # that no serving process ever holds every record (see opendata.archiving).
    ARCHIVE_IN_CHILD_FILES = 1000
    # Base of every published URI; None: the scheme and host of each request.
    BASE_URI = None
    # Cache-Control max-age of documents, in seconds.
    MAX_AGE = 300
    # flask-caching: SimpleCache in this process, or RedisCache with CACHE_REDIS_URL.
    CACHE_TYPE = "SimpleCache"
    # Entries are keyed by data version, so none goes stale; a day lets the entries of
    # old versions leave a shared Redis (current ones are simply rendered again).
    CACHE_DEFAULT_TIMEOUT = 86_400
    CACHE_THRESHOLD = 50_000
    CACHE_KEY_PREFIX = "opendata:"
    # Rendered documents each process also keeps unpickled, most recently used first.
    LOCAL_CACHE_SIZE = 1024
    # Finished responses each process answers again without running the framework:
    # at most this many, holding at most this many bytes (0 entries: off).
    RESPONSE_CACHE_SIZE = 4096
    RESPONSE_CACHE_BYTES = 64 * 1024 * 1024
    # Request limits.
    MAX_CONTENT_LENGTH = 64 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    MAX_URL_LENGTH = 4096
    MAX_HEADER_BYTES = 16 * 1024
    # Strict-Transport-Security max-age; set it (e.g. 31536000) when served over HTTPS only.
    HSTS_SECONDS = 0
    # DCAT catalogue: datasets per page (harvesters follow hydra:next), and the slug of
    # the organisation that publishes the catalogue (None: the parent organisation of
    # the first data file, e.g. the city administration).
    CATALOG_PAGE_SIZE = 100
    CATALOG_PUBLISHER = None
    # GovData's id of the system that delivers the catalogue to it, an IRI of the
    # dcat-ap.de contributors list (http://dcat-ap.de/def/contributors/…), given as
    # dcatde:contributorID on every dataset; None: none is given.
    DCATDE_CONTRIBUTOR_ID = None
    # Pages in one sitemap; beyond, /sitemap.xml is an index. sitemaps.org allows 50,000,
    # but a part of 50,000 is 6 MB, written on its first request and sent on every one.
    SITEMAP_MAX_URLS = 10_000
    # Organisations whose datasets VoID describes as subsets, one by one; with more, VoID
    # describes the whole and leaves the parts to the paged catalogue, where each
    # dataset is described (a VoID of 100,000 subsets would be millions of triples).
    VOID_MAX_SUBSETS = 1_000
    # Search and the directory: results a page (1 to 100; pages stay small whatever
    # the data: at most this many results and a few values per facet).
    SEARCH_PAGE_SIZE = 20
    # Publishers on one page of the legal pages (Impressum, …), by name.
    LEGAL_PAGE_SIZE = 50
    # Entries in the Atom change feed, newest first.
    FEED_SIZE = 100
    # SPARQL endpoint (see README): time limit of a query in seconds, rows (or triples)
    # in a result, size of the query text in bytes, query processes per web server
    # process, and the memory a query may add to its process, in MiB.
    SPARQL_TIMEOUT = 5
    SPARQL_MAX_ROWS = 10_000
    SPARQL_MAX_QUERY_BYTES = 16 * 1024
    SPARQL_WORKERS = 2
    SPARQL_MEMORY_MB = 512
