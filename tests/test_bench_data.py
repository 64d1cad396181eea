"""The benchmark's synthetic organisations are valid data of realistic shape, served by
the same code as the real ones."""

from __future__ import annotations

from bench.generate import generate
from opendata.records import load_directory

from .conftest import make_app


def test_generated_organisations_validate_and_are_served(tmp_path):
    data = generate(3, tmp_path / "data")
    dataset = load_directory(data)
    assert len(dataset.organizations) == 3
    first = dataset.organizations[0]
    assert len(first.programmes) == 2 and len(first.focus_areas) == 5 and first.people
    client = make_app(data).test_client()
    for i in range(3):
        page = client.get(f"/doc/organization/buero-n{i}.html")
        assert page.status_code == 200
        assert f"Beispielstadt {i}" in page.get_data(as_text=True)
    catalogue = client.get("/catalog.ttl").get_data(as_text=True)
    assert catalogue.count("a dcat:Dataset") == 3
