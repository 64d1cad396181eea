"""Schemathesis hooks for the run against a live server (tests/schemathesis.toml).

A SPARQL query sent as the body of a POST (``application/sparql-query``) is UTF-8 text;
Schemathesis has no serialiser for that media type, so it sends it as ``text/plain``
does, under the declared type.
"""

import schemathesis

schemathesis.serializer.alias("application/sparql-query", "text/plain")
