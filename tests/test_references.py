"""Bad input in files that refer to one another: every mistake a publisher can make in
the references between offices and shared files is reported as ``file: field: message``
naming what to fix, by ``opendata validate``, by the service refusing to start and by
a reload that keeps the last good version; and an office that declares its shared
things in place publishes the same graph as one that refers to them."""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rdflib.compare import isomorphic

from opendata.cli import main
from opendata.records import InvalidData

from .conftest import DATA_DIR, copy_administration, copy_data, make_app, parse
from .test_store_backend import env_for

OFFICE = "bildungsbuero-dessau-rosslau.yaml"
CITY = "stadt-dessau-rosslau.yaml"
FAMILY = "familienbuero-dessau-rosslau.yaml"
NETWORK = "netzwerkstelle-fruehe-hilfen-dessau-rosslau.yaml"
EXAMPLE = "verwaltung-dessau-rosslau-beispiel.yaml"
DEPARTMENT = "dezernat-jugend-familie-und-soziales"
DOC = "/doc/organization/bildungsbuero.nt"

Edit = Callable[[dict], "dict | None"]


@dataclass(frozen=True)
class Mistake:
    """A change to one file and the problem it must be reported as: a line
    ``file: field: message`` whose message has every fragment and, where the mistake
    involves a second file (a slug declared twice), names that file too."""

    id: str
    edits: str  # the file the publisher changes
    edit: Edit
    file: str  # the file the problem is reported for
    field: str
    fragments: tuple[str, ...]
    other_file: str | None = None

    def matches(self, line: str) -> bool:
        prefix = f"{self.file}: {self.field}: "
        if not line.startswith(prefix):
            return False
        message = line[len(prefix) :]
        if self.other_file is not None and self.other_file not in message:
            return False
        return all(fragment in message for fragment in self.fragments)


def office(change: Callable[[dict], object]) -> Edit:
    """An edit of the office in a file."""

    def edit(document: dict) -> None:
        change(document["organization"])

    return edit


def shared(change: Callable[[dict], object]) -> Edit:
    """An edit of the shared things in a file."""

    def edit(document: dict) -> None:
        change(document["shared"])

    return edit


def unknown(kind: str, slug: str, nearest: str) -> tuple[str, ...]:
    """An unknown slug: the message names it and suggests the nearest declared slug first."""
    return (f"no {kind} {slug!r} is declared in any file", f"did you mean {nearest!r}")


def add_department_b(document: dict) -> None:
    """Two departments, each the other's parent."""
    organizations = document["shared"]["organizations"]
    organizations[0]["parent"] = "dezernat-b"
    organizations.append(
        {"slug": "dezernat-b", "type": "department", "parent": DEPARTMENT, "name": {"de": "B"}}
    )


def add_section_cycle(document: dict) -> None:
    """Two sections, each the other's broader section."""
    concepts = document["shared"]["concepts"]
    concepts[0]["broader"] = "unterbereich"
    concepts.append(
        {"slug": "unterbereich", "broader": "familie-und-soziales", "name": {"de": "Unter"}}
    )


def both_sections(document: dict) -> dict:
    source = yaml.safe_load((DATA_DIR / OFFICE).read_text(encoding="utf-8"))
    return {**document, "organization": source["organization"]}


FOCUS_AREA = {"slug": "familienbildung", "name": {"de": "Familienbildung"}}
ADMINISTRATION = {"slug": "stadtverwaltung-dessau-rosslau", "name": {"de": "Stadtverwaltung"}}
PLACE = {"slug": "dessau-rosslau", "name": {"de": "Dessau-Roßlau"}}

MISTAKES = [
    # An unknown slug in each field that refers to a shared thing.
    Mistake(
        "unknown-parent-organization",
        OFFICE,
        office(lambda o: o.update(parent_organization="stadtverwaltung-dessau-roslau")),
        OFFICE,
        "organization.parent_organization",
        unknown("organization", "stadtverwaltung-dessau-roslau", "stadtverwaltung-dessau-rosslau"),
    ),
    Mistake(
        "unknown-area-served",
        FAMILY,
        office(lambda o: o.update(area_served="dessau-roslau")),
        FAMILY,
        "organization.area_served",
        unknown("place", "dessau-roslau", "dessau-rosslau"),
    ),
    Mistake(
        "unknown-classification",
        OFFICE,
        office(lambda o: o.update(classification="zielgruppen-und-projektforderung")),
        OFFICE,
        "organization.classification",
        unknown("concept", "zielgruppen-und-projektforderung", "zielgruppen-und-projektfoerderung"),
    ),
    Mistake(
        "unknown-focus-area",
        NETWORK,
        office(lambda o: o["focus_areas"].__setitem__(0, "familienbildungg")),
        NETWORK,
        "organization.focus_areas.0",
        unknown("concept", "familienbildungg", "familienbildung"),
    ),
    Mistake(
        "unknown-origin-programme",
        NETWORK,
        office(lambda o: o["origin"].update(programme="landesprogramm-familienzentrum")),
        NETWORK,
        "organization.origin.programme",
        unknown("programme", "landesprogramm-familienzentrum", "landesprogramm-familienzentren"),
    ),
    Mistake(
        "unknown-programme-owner",
        FAMILY,
        office(lambda o: o["programmes"][1].update(owner="deutsche-kinder-und-jugendstiftun")),
        FAMILY,
        "organization.programmes.1.owner",
        unknown(
            "organization",
            "deutsche-kinder-und-jugendstiftun",
            "deutsche-kinder-und-jugendstiftung",
        ),
    ),
    Mistake(
        "unknown-department-parent",
        EXAMPLE,
        shared(lambda s: s["organizations"][0].update(parent="stadtverwaltung-dessau-roslau")),
        EXAMPLE,
        "shared.organizations.0.parent",
        unknown("organization", "stadtverwaltung-dessau-roslau", "stadtverwaltung-dessau-rosslau"),
    ),
    Mistake(
        "unknown-broader-section",
        EXAMPLE,
        shared(lambda s: s["concepts"][0].update(broader="stadt-und-burger")),
        EXAMPLE,
        "shared.concepts.0.broader",
        unknown("concept", "stadt-und-burger", "stadt-und-buerger"),
    ),
    Mistake(
        "unknown-slug-without-a-near-one",
        OFFICE,
        office(lambda o: o.update(parent_organization="rathaus")),
        OFFICE,
        "organization.parent_organization",
        ("no organization 'rathaus' is declared in any file",),
    ),
    # A slug declared twice.
    Mistake(
        "declared-in-a-shared-file-and-an-office",
        NETWORK,
        office(lambda o: o["focus_areas"].__setitem__(0, FOCUS_AREA)),
        EXAMPLE,
        "shared.concepts.1.slug",
        ("slug 'familienbildung' is already used for a",),
        NETWORK,
    ),
    Mistake(
        "parent-declared-in-an-office-and-a-shared-file",
        OFFICE,
        office(lambda o: o.update(parent_organization=ADMINISTRATION)),
        CITY,
        "shared.organizations.0.slug",
        ("slug 'stadtverwaltung-dessau-rosslau' is already used for a",),
        OFFICE,
    ),
    Mistake(
        "declared-in-two-shared-files",
        EXAMPLE,
        shared(lambda s: s.update(places=[PLACE])),
        EXAMPLE,
        "shared.places.0.slug",
        ("slug 'dessau-rosslau' is already used for a",),
        CITY,
    ),
    # Cycles.
    Mistake(
        "department-is-its-own-parent",
        EXAMPLE,
        shared(lambda s: s["organizations"][0].update(parent=DEPARTMENT)),
        EXAMPLE,
        "shared.organizations.0.parent",
        ("its own parent",),
    ),
    Mistake(
        "department-cycle-names-its-path",
        EXAMPLE,
        add_department_b,
        EXAMPLE,
        "shared.organizations.0.parent",
        ("reference cycle", f"dezernat-b → {DEPARTMENT} → dezernat-b"),
    ),
    Mistake(
        "section-is-its-own-broader-section",
        EXAMPLE,
        shared(lambda s: s["concepts"][0].update(broader="familie-und-soziales")),
        EXAMPLE,
        "shared.concepts.0.broader",
        ("reference cycle", "familie-und-soziales → familie-und-soziales"),
    ),
    Mistake(
        "section-cycle-names-its-path",
        EXAMPLE,
        add_section_cycle,
        EXAMPLE,
        "shared.concepts.0.broader",
        ("reference cycle", "unterbereich → familie-und-soziales → unterbereich"),
    ),
    # The structure of shared organisations.
    Mistake(
        "department-without-parent",
        EXAMPLE,
        shared(lambda s: s["organizations"][0].pop("parent")),
        EXAMPLE,
        "shared.organizations.0.parent",
        ("a department needs the slug of its parent",),
    ),
    Mistake(
        "parent-of-a-partner",
        CITY,
        shared(lambda s: s["organizations"][1].update(parent="stadtverwaltung-dessau-rosslau")),
        CITY,
        "shared.organizations.1.parent",
        ("only a department has a parent",),
    ),
    Mistake(
        "parent-of-an-administration",
        EXAMPLE,
        shared(lambda s: s["organizations"][0].update(type="administration")),
        EXAMPLE,
        "shared.organizations.0.parent",
        ("only a department has a parent",),
    ),
    Mistake(
        "unknown-type",
        EXAMPLE,
        shared(lambda s: s["organizations"][0].update(type="dezernat")),
        EXAMPLE,
        "shared.organizations.0.type",
        ("must be one of: administration, department, partner",),
    ),
    # The sections of a file.
    Mistake(
        "both-sections",
        EXAMPLE,
        both_sections,
        EXAMPLE,
        "-",
        ("'organization:'", "'shared:'"),
    ),
    Mistake(
        "neither-section",
        EXAMPLE,
        lambda document: {"organisation": document["shared"]},
        EXAMPLE,
        "-",
        ("the file must have an 'organization:' or a 'shared:' section",),
    ),
    Mistake(
        "empty-file",
        EXAMPLE,
        lambda document: {},
        EXAMPLE,
        "-",
        ("the file must have an 'organization:' or a 'shared:' section",),
    ),
    Mistake(
        "shared-file-without-publication",
        EXAMPLE,
        shared(lambda s: s.pop("publication")),
        EXAMPLE,
        "shared.publication",
        ("Missing data for required field",),
    ),
]


def apply(directory: Path, mistake: Mistake) -> None:
    """Make the mistake in the copy, writing the file as an editor should (replace)."""
    path = directory / mistake.edits
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    changed = mistake.edit(document)
    text = yaml.safe_dump(document if changed is None else changed, allow_unicode=True)
    temporary = path.with_suffix(".tmp")
    # an edit that empties the document leaves an empty file
    temporary.write_text("" if changed == {} else text, encoding="utf-8")
    os.replace(temporary, path)


def problems_for(directory: Path) -> list[str]:
    result = CliRunner().invoke(main, ["validate", str(directory)])
    assert result.exit_code == 1, result.output
    return result.output.splitlines()


def reported(mistake: Mistake, lines: list[str]) -> None:
    assert any(mistake.matches(line) for line in lines), "\n".join(lines)


@pytest.fixture
def administration(tmp_path) -> Path:
    return copy_administration(tmp_path / "data")


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_validate_names_the_file_the_field_and_what_to_fix(administration, mistake):
    apply(administration, mistake)
    reported(mistake, problems_for(administration))


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_the_service_refuses_to_start(administration, mistake):
    apply(administration, mistake)
    with pytest.raises(InvalidData) as raised:
        make_app(administration)
    reported(mistake, str(raised.value).splitlines())


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_a_reload_keeps_the_last_good_version(administration, mistake, caplog):
    app = make_app(administration)
    client = app.test_client()
    good = client.get(DOC)
    assert good.status_code == 200
    original = (administration / mistake.edits).read_bytes()
    apply(administration, mistake)
    backend = app.extensions["opendata"]
    with caplog.at_level(logging.ERROR):
        assert backend.refresh() is False
    logged = [record.getMessage().removeprefix("data not reloaded: ") for record in caplog.records]
    reported(mistake, logged)
    again = client.get(DOC)
    assert again.get_data() == good.get_data()
    assert again.headers["ETag"] == good.headers["ETag"]
    # Once the file is put right, the next reload publishes it.
    (administration / mistake.edits).write_bytes(original + b"\n")
    assert backend.refresh() is True
    assert client.get(DOC).status_code == 200


# ---------------------------------------------------------------------------
# Messages that mislead (see the reasons).

BROKEN_SHARED = [m for m in MISTAKES if m.edits == EXAMPLE and m.id in {
    "department-without-parent", "unknown-type", "shared-file-without-publication"
}]  # fmt: skip


@pytest.mark.parametrize("mistake", BROKEN_SHARED, ids=[m.id for m in BROKEN_SHARED])
def test_a_mistake_in_a_shared_file_does_not_make_its_things_unknown(administration, mistake):
    apply(administration, mistake)
    lines = problems_for(administration)
    reported(mistake, lines)
    declared_there = ("'familienbildung'", f"'{DEPARTMENT}'", "'familie-und-soziales'")
    misleading = [
        line
        for line in lines
        if "is declared in any file" in line and any(slug in line for slug in declared_there)
    ]
    assert misleading == []


def test_a_file_with_both_sections_is_told_to_keep_one(administration):
    apply(administration, next(m for m in MISTAKES if m.id == "both-sections"))
    [line] = [line for line in problems_for(administration) if line.startswith(EXAMPLE)]
    assert "both" in line


# ---------------------------------------------------------------------------
# In place or by reference: the same graph.

NAMED_FIELDS = ("slug", "name", "alternate_name", "description", "identifiers")
PLACE_FIELDS = ("slug", "name", "identifiers")


def declarations(directory: Path) -> dict[tuple[str, str], dict]:
    """(kind, slug) → the declaration, from every shared file of a directory."""
    kinds = {"organizations": "organization", "places": "place"}
    kinds |= {"concepts": "concept", "programmes": "programme"}
    found = {}
    for path in directory.glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section, kind in kinds.items():
            for thing in document.get("shared", {}).get(section, []):
                found[(kind, thing["slug"])] = thing
    return found


def in_place(office: dict, shared_things: dict[tuple[str, str], dict]) -> dict:
    """The office with each reference replaced by the shared declaration, as the
    self-contained form declares it (a path of sections instead of ``broader``)."""

    def declared(kind: str, slug: str, fields=NAMED_FIELDS) -> dict:
        return {k: v for k, v in shared_things[(kind, slug)].items() if k in fields}

    result = copy.deepcopy(office)
    result["parent_organization"] = declared("organization", office["parent_organization"])
    result["area_served"] = declared("place", office["area_served"], PLACE_FIELDS)
    path, section = [], office["classification"]
    while section is not None:
        path.insert(0, declared("concept", section))
        section = shared_things[("concept", section)].get("broader")
    result["classification"] = path
    result["focus_areas"] = [
        declared("concept", area) if isinstance(area, str) else area
        for area in office.get("focus_areas", [])
    ]
    if isinstance(office.get("origin", {}).get("programme"), str):
        result["origin"]["programme"] = declared("programme", office["origin"]["programme"])
    for programme in result.get("programmes", []):
        if isinstance(programme.get("owner"), str):
            programme["owner"] = declared("organization", programme["owner"])
    return result


def test_an_office_declaring_its_shared_things_in_place_publishes_the_same_graph(
    tmp_path, backend_store
):
    by_reference = copy_data(tmp_path / "by-reference")
    source = yaml.safe_load((DATA_DIR / OFFICE).read_text(encoding="utf-8"))
    document = {"organization": in_place(source["organization"], declarations(DATA_DIR))}
    alone = tmp_path / "in-place"
    alone.mkdir()
    (alone / OFFICE).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    # Nothing refers to a shared file any more: the office stands alone.
    assert CliRunner().invoke(main, ["validate", str(alone)]).exit_code == 0
    assert not any(
        isinstance(value, str)
        for value in (
            document["organization"]["parent_organization"],
            document["organization"]["area_served"],
            document["organization"]["classification"],
            document["organization"]["origin"]["programme"],
            *(p.get("owner", {}) for p in document["organization"]["programmes"]),
            *document["organization"]["focus_areas"],
        )
    )

    dumps = {}
    for name, directory in (("by reference", by_reference), ("in place", alone)):
        client = make_app(directory, backend_store).test_client()
        dumps[name] = {
            path: parse(client.get(path), "nt")
            for path in ("/dumps/all.nt", "/dumps/organization/bildungsbuero.nt")
        }
    for path, graph in dumps["by reference"].items():
        assert len(graph) > 50, path
        assert isomorphic(graph, dumps["in place"][path]), path


@pytest.mark.parametrize("mistake", MISTAKES[:1] + MISTAKES[-1:], ids=lambda m: m.id)
def test_a_refused_publish_keeps_the_last_good_version_in_the_store(
    administration, store_url, mistake
):
    client = make_app(administration, store_url).test_client()  # published
    good = client.get(DOC)
    assert good.status_code == 200
    apply(administration, mistake)
    result = CliRunner().invoke(main, ["publish", str(administration)], env=env_for(store_url))
    assert result.exit_code == 1
    reported(mistake, result.output.splitlines())
    again = client.get(DOC)
    assert again.get_data() == good.get_data()
    assert again.headers["ETag"] == good.headers["ETag"]
