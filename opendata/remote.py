"""A client for any SPARQL 1.1 server: the Protocol for queries and updates, the Graph
Store Protocol for uploading graphs.

Every call has a timeout; a server that cannot be reached or answers 5xx raises
``StoreUnavailable`` (the service answers 503 and retries later), a 4xx raises
``StoreError`` with the server's message.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .safe_rdf import parse_ntriples

# Every request to the store at DEBUG: what an operator (or a test) reads to see how
# often the service asks the store.
log = logging.getLogger(__name__)


class StoreError(Exception):
    """The store refused a request (a bug in what we sent, or its configuration)."""


class StoreUnavailable(StoreError):
    """The store did not answer; the same request may succeed later."""


class TooLarge(StoreError):
    """The store's answer is larger than the caller will read."""


@dataclass(frozen=True)
class StoreEndpoints:
    query: str
    update: str
    graph_store: str | None = None  # SPARQL 1.1 Graph Store Protocol, optional

    @classmethod
    def from_config(cls, config) -> StoreEndpoints:
        """The endpoints of OPENDATA_STORE_*; a malformed URL names its setting."""
        endpoints = cls(
            query=config["STORE_QUERY_URL"] or "",
            update=config["STORE_UPDATE_URL"] or "",
            graph_store=config["STORE_GRAPH_URL"] or None,
        )
        for setting, url in (
            ("OPENDATA_STORE_QUERY_URL", endpoints.query),
            ("OPENDATA_STORE_UPDATE_URL", endpoints.update),
            ("OPENDATA_STORE_GRAPH_URL", endpoints.graph_store or "http://unused/"),
        ):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"{setting} must be an http(s) URL of the store, not {url!r}")
        return endpoints


class SparqlClient:
    """Talks to one SPARQL 1.1 server over keep-alive HTTP connections."""

    def __init__(self, endpoints: StoreEndpoints, timeout: float):
        self.endpoints = endpoints
        self.timeout = timeout
        self.session = requests.Session()

    def reconnect(self) -> None:
        """New connections: a forked process must not share its parent's sockets."""
        self.session = requests.Session()

    def query(
        self,
        text: str,
        accept: str,
        default_graph: str | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> bytes:
        """The raw result of a query, in the media type asked for.

        ``default_graph`` makes that graph the whole dataset of the query (the SPARQL
        Protocol's default-graph-uri: no other graph, no named graphs).
        """
        data = {"query": text}
        if default_graph:
            data["default-graph-uri"] = default_graph
        response = self._send(
            "POST",
            self.endpoints.query,
            data=data,
            headers={"Accept": accept},
            timeout=timeout,
            stream=max_bytes is not None,
        )
        if max_bytes is None:
            return response.content
        return _read_at_most(response, max_bytes)

    def select(self, text: str) -> list[dict[str, str]]:
        """SELECT rows as {variable: value} (values as plain strings)."""
        raw = self.query(text, "application/sparql-results+json")
        try:
            bindings = json.loads(raw)["results"]["bindings"]
        except (ValueError, KeyError) as error:
            raise StoreError(f"the store answered a SELECT with no JSON results: {error}") from None
        return [{name: cell["value"] for name, cell in row.items()} for row in bindings]

    def construct(self, text: str):
        """A CONSTRUCT result as an rdflib graph (fetched as N-Triples: no XML to parse)."""
        return parse_ntriples(self.query(text, "application/n-triples"))

    def update(self, text: str) -> None:
        """One update request; a SPARQL 1.1 store applies all its operations or none."""
        self._send(
            "POST",
            self.endpoints.update,
            data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    def put_graph(self, graph_iri: str, ntriples: bytes) -> None:
        """Replace one named graph: Graph Store Protocol PUT, else a SPARQL update."""
        if self.endpoints.graph_store:
            self._send(
                "PUT",
                self.endpoints.graph_store,
                params={"graph": graph_iri},
                data=ntriples,
                headers={"Content-Type": "application/n-triples"},
            )
        else:
            body = ntriples.decode("utf-8")
            self.update(
                f"DROP SILENT GRAPH <{graph_iri}> ;\n"
                f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{body}\n}} }}"
            )

    def _send(
        self, method: str, url: str, timeout: float | None = None, **kwargs
    ) -> requests.Response:
        log.debug("%s %s", method, url)
        try:
            response = self.session.request(method, url, timeout=timeout or self.timeout, **kwargs)
        except requests.RequestException as error:
            raise StoreUnavailable(f"the SPARQL store at {url} did not answer: {error}") from None
        if response.status_code in (502, 503, 504):
            raise StoreUnavailable(
                f"the SPARQL store at {url} is unavailable ({response.status_code})"
            )
        if response.status_code >= 500:
            raise StoreError(
                f"the SPARQL store at {url} failed ({response.status_code}): {response.text[:300]}"
            )
        if response.status_code >= 400:
            raise StoreError(
                f"the SPARQL store at {url} refused ({response.status_code}): {response.text[:300]}"
            )
        return response


def _read_at_most(response: requests.Response, max_bytes: int) -> bytes:
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"the answer is larger than {max_bytes} bytes")
            chunks.append(chunk)
    except requests.RequestException as error:
        raise StoreUnavailable(f"the SPARQL store stopped answering: {error}") from None
    finally:
        response.close()
    return b"".join(chunks)
