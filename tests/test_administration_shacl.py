"""The catalogue of a whole administration (offices directly under it and in a
department, see tests/fixtures/administration) passes the SHACL shapes of DCAT-AP.de
3.0 and SEMIC DCAT-AP 3.0.1, harvested page by page as test_catalog_shacl does."""

from __future__ import annotations

import pytest
from rdflib import Graph

from .catalog_data import dataset_uris, whole_catalogue, with_sparql
from .conftest import copy_administration, make_app
from .test_catalog_shacl import PROFILES, background, shapes, validate

__all__ = ["background", "shapes"]  # the shapes and background knowledge, loaded once


@pytest.fixture(scope="module")
def harvested(tmp_path_factory) -> Graph:
    directory = copy_administration(tmp_path_factory.mktemp("administration"))
    client = with_sparql(make_app(directory, CATALOG_PAGE_SIZE=1)).test_client()
    return whole_catalogue(client)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_administrations_catalogue_conforms_to_the_profile(
    profile, shapes, background, harvested
):
    assert len(dataset_uris(harvested)) >= 3  # one per office, the department's too
    violations, _ = validate(harvested + background, shapes[profile])
    assert violations == [], "\n".join(violations)
