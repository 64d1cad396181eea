"""Helpers for the catalogue tests: generated organisations and reading catalogue pages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF

from .conftest import parse

HYDRA_NEXT = URIRef("http://www.w3.org/ns/hydra/core#next")
BASE = "http://localhost"
# An entry of the dcat-ap.de contributors list, for the tests only: which system
# delivers a deployment's metadata to GovData is that deployment's setting, not a fact
# of the data.
CONTRIBUTOR = "http://dcat-ap.de/def/contributors/stadtOldenburg"


def write_organization(directory: Path, number: int, modified: str, **publication: str) -> str:
    """A small fictional organisation file (no real data); returns its slug."""
    slug = f"buero-{number}"
    extra = "".join(f"\n    {key}: {value}" for key, value in publication.items())
    (directory / f"{slug}.yaml").write_text(
        f"""organization:
  slug: {slug}
  name:
    de: Büro {number}
  parent_organization:
    slug: verwaltung-{number}
    name:
      de: Verwaltung {number}
  area_served:
    slug: ort-{number}
    name:
      de: Ort {number}
  contact_point:
    name:
      de: Büro {number}
  address:
    street_address: Weg {number}
    postal_code: "1000{number}"
    locality: Ort {number}
    country: DE
  telephone: 0300 100-{number}
  email: buero{number}@example.org
  publication:
    issued: 2024-01-01
    modified: {modified}{extra}
""",
        encoding="utf-8",
    )
    return slug


def catalogue_pages(client, start: str = "/catalog", headers=None) -> list[tuple[str, Graph]]:
    """Every page of the catalogue, following hydra:next as a harvester does."""
    pages, url = [], start
    while url is not None:
        assert len(pages) < 50, "hydra:next never ends"
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, (url, response.get_data(as_text=True))
        graph = parse(response, "ttl")
        pages.append((url, graph))
        following = list(graph.objects(None, HYDRA_NEXT))
        assert len(following) <= 1
        url = str(following[0]).removeprefix(BASE) if following else None
    return pages


def whole_catalogue(client) -> Graph:
    graph = Graph()
    for _, page in catalogue_pages(client):
        graph += page
    return graph


def dataset_uris(graph: Graph) -> set[URIRef]:
    return set(graph.subjects(RDF.type, DCAT.Dataset))


def with_sparql(app):
    """The app as it is once the SPARQL endpoint (a blueprint named "sparql") is registered."""
    if "sparql" not in app.blueprints:
        app.register_blueprint(Blueprint("sparql", __name__))
    return app
