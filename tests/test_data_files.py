"""Source files: validation problems name the file and the field; nothing is published
from invalid data; the CLI and the service report the same problems."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from opendata.cli import main
from opendata.records import InvalidData

from .conftest import DATA_DIR, make_app

SOURCE = DATA_DIR / "bildungsbuero-dessau-rosslau.yaml"
SHARED_FILE = DATA_DIR / "stadt-dessau-rosslau.yaml"


def write_variant(directory: Path, change) -> Path:
    shutil.copy(SHARED_FILE, directory / SHARED_FILE.name)
    document = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    change(document["organization"])
    path = directory / "office.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def problems_for(directory: Path) -> list[str]:
    result = CliRunner().invoke(main, ["validate", str(directory)])
    assert result.exit_code == 1, result.output
    return result.output.splitlines()


def test_the_real_data_is_valid():
    result = CliRunner().invoke(main, ["validate", str(DATA_DIR)])
    assert result.exit_code == 0, result.output
    assert "1 organisation(s) valid" in result.output


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda o: o.pop("email"), "organization.email", "Missing data"),
        (lambda o: o.update(telephone=["0340"]), "organization.telephone", "Not a valid string"),
        (lambda o: o.update(homepage="x"), "organization.homepage", "Unknown field"),
        (lambda o: o["name"].pop("de"), "organization.name", "'de' is required"),
        (lambda o: o["people"][0].pop("job_title"), "organization.people.0.job_title", "Missing"),
        (lambda o: o.update(slug="Bildungs Büro"), "organization.slug", "lower-case"),
        (
            lambda o: o["publication"].update(modified="2020-01-01"),
            "publication.modified",
            "earlier",
        ),
        (lambda o: o.update(email="not-an-address"), "organization.email", "email"),
    ],
)
def test_a_bad_field_is_named_with_its_file(tmp_path, change, field, message):
    write_variant(tmp_path, change)
    lines = problems_for(tmp_path)
    assert any(
        line.startswith("office.yaml: ") and field in line and message.lower() in line.lower()
        for line in lines
    ), lines


def test_broken_yaml_syntax_names_the_line(tmp_path):
    (tmp_path / "broken.yaml").write_text("organization:\n  slug: [unclosed\n", encoding="utf-8")
    lines = problems_for(tmp_path)
    assert lines[0].startswith("broken.yaml: line 3"), lines
    assert "YAML syntax" in lines[0]


def test_a_duplicate_slug_across_files_is_refused(tmp_path):
    shutil.copy(SOURCE, tmp_path / "a.yaml")
    write_variant(tmp_path, lambda o: o.update(slug="anderes-buero"))
    lines = problems_for(tmp_path)
    assert any(
        "slug 'kathrin-hinze' is already used for a person in a.yaml" in line for line in lines
    )


def test_the_service_refuses_to_start_on_invalid_data(tmp_path):
    write_variant(tmp_path, lambda o: o.pop("address"))
    with pytest.raises(InvalidData) as raised:
        make_app(tmp_path)
    assert "office.yaml: organization.address: Missing data" in str(raised.value)


def test_an_empty_directory_publishes_nothing(tmp_path):
    lines = problems_for(tmp_path)
    assert "no *.yaml files" in lines[0]
