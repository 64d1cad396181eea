"""References between files, checked like a compiler checks names.

Every thing with a URI is declared once, in one file; offices refer to shared things
by slug. This module finds each declaration, reports slugs declared twice (naming
both files), unknown slugs (naming the nearest existing ones) and reference cycles
(a department that is its own parent, a section that is its own broader section),
and hands each office its references resolved into the declared records.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from . import Agency, Concept, DataProblem, Named, Organization, Origin, Ref, Shared, Unit


@dataclass(frozen=True)
class Declaration:
    record: object
    where: str  # "file (field)"


Registry = dict[tuple[str, str], Declaration]


def resolve(units: list[Unit], problems: list[DataProblem]) -> list[Unit]:
    """The units with every office's references resolved; problems are appended."""
    registry = _declarations(units, problems)
    retired: dict[tuple[str, str], str] = {}
    for unit in units:
        if isinstance(unit, Shared):
            _check_shared(unit, registry, problems)
            _check_retired(unit, registry, retired, problems)
    return [
        resolve_office(unit, registry, problems) if isinstance(unit, Organization) else unit
        for unit in units
    ]


def _declarations(units: list[Unit], problems: list[DataProblem]) -> Registry:
    """Each (kind, slug) names one thing across all files, since it becomes a URI."""
    registry: Registry = {}
    for unit in units:
        for kind, slug, field, record in unit.things():
            key = (kind, slug)
            if key in registry:
                message = f"slug {slug!r} is already used for a {kind} in {registry[key].where}"
                problems.append(DataProblem(unit.source, field, message))
            else:
                registry[key] = Declaration(record, f"{unit.source} ({field})")
    return registry


class _Resolver:
    """Looks up the references of one file, recording what it refers to and what fails."""

    def __init__(self, unit: Unit, registry: Registry, problems: list[DataProblem]):
        self.unit, self.registry, self.problems = unit, registry, problems
        self.references: set[tuple[str, str]] = set()

    def find(self, kind: str, thing: Named | Ref | None, field: str):
        if not isinstance(thing, Ref):
            return thing
        found = self.registry.get((kind, thing.slug))
        if found is None:
            self.problems.append(
                DataProblem(self.unit.source, field, self.unknown(kind, thing.slug))
            )
            return None
        self.references.add((kind, thing.slug))
        return found.record

    def unknown(self, kind: str, slug: str) -> str:
        known = [s for (k, s) in self.registry if k == kind]
        nearest = difflib.get_close_matches(slug, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(s) for s in nearest)}?" if nearest else ""
        return f"no {kind} {slug!r} is declared in any file{hint}"

    def chain(self, kind: str, slug: str, step, field: str) -> list:
        """[the thing, its broader/parent, …] up the chain; a cycle is reported."""
        chain: list = []
        seen: list[str] = []
        while slug is not None:
            if slug in seen:
                cycle = " → ".join([*seen[seen.index(slug) :], slug])
                self.problems.append(
                    DataProblem(self.unit.source, field, f"a reference cycle: {cycle}")
                )
                return chain
            seen.append(slug)
            found = self.find(kind, Ref(slug), field)
            if found is None:
                return chain
            chain.append(found)
            slug = step(found)
        return chain


def _check_shared(unit: Shared, registry: Registry, problems: list[DataProblem]) -> None:
    resolver = _Resolver(unit, registry, problems)
    for i, agency in enumerate(unit.organizations):
        if agency.parent:
            field = f"shared.organizations.{i}.parent"
            resolver.chain("organization", agency.parent, _parent, field)
            if agency.parent == agency.slug:
                problems.append(
                    DataProblem(unit.source, field, "an organisation is its own parent")
                )
    for i, concept in enumerate(unit.concepts):
        if concept.broader:
            resolver.chain("concept", concept.broader, _broader, f"shared.concepts.{i}.broader")


def _check_retired(
    unit: Shared,
    registry: Registry,
    retired: dict[tuple[str, str], str],
    problems: list[DataProblem],
) -> None:
    """A retired thing is declared nowhere, retired once, replaced by a published thing."""
    resolver = _Resolver(unit, registry, problems)
    for i, retirement in enumerate(unit.retired):
        key, field = (retirement.kind, retirement.slug), f"shared.retired.{i}"
        name = f"{retirement.kind}/{retirement.slug}"
        if key in registry:
            message = f"{name} is retired but still declared in {registry[key].where}"
            problems.append(DataProblem(unit.source, f"{field}.thing", message))
        if key in retired:
            message = f"{name} is already retired in {retired[key]}"
            problems.append(DataProblem(unit.source, f"{field}.thing", message))
        retired[key] = f"{unit.source} ({field})"
        if retirement.successor:
            resolver.find(
                retirement.successor[0], Ref(retirement.successor[1]), f"{field}.successor"
            )


def lost(previous, current) -> list[DataProblem]:
    """What the previous version published that the current one neither publishes nor
    retires: its URIs would simply vanish (persistent URIs are retired, not removed).

    Each version is anything with ``declarations()`` ((file, kind, slug) of every thing
    it declares) and ``retirements``: a data set just read, or one read from its archive.
    """
    now = {(kind, slug) for _, kind, slug in current.declarations()} | set(current.retirements)
    problems = []
    for source, kind, slug in previous.declarations():
        if (kind, slug) not in now:
            problems.append(gone(source, kind, slug))
    for kind, slug in previous.retirements:
        if (kind, slug) not in now:
            message = f"{kind}/{slug} was retired in the previous version: keep its retirement"
            problems.append(DataProblem("-", "retired", message))
    return problems


def gone(source: str, kind: str, slug: str) -> DataProblem:
    """The problem of a thing the previous version published and this one does not."""
    message = (
        f"{kind}/{slug} was published by the previous version and is gone: retire"
        " it (retired: in a shared file, with its successor) instead of removing it"
    )
    return DataProblem(source, "-", message)


def _parent(record) -> str | None:
    return record.parent if isinstance(record, Agency) else None


def _broader(record) -> str | None:
    return record.broader if isinstance(record, Concept) else None


def resolve_office(
    office: Organization, registry: Registry, problems: list[DataProblem]
) -> Organization:
    """One office with its references resolved in ``registry`` (anything with ``get``:
    the declarations of every file, or of a version being derived from another)."""
    r = _Resolver(office, registry, problems)
    base = "organization"
    changes: dict = {
        "parent_organization": r.find(
            "organization", office.parent_organization, f"{base}.parent_organization"
        ),
        "area_served": r.find("place", office.area_served, f"{base}.area_served"),
        "focus_areas": tuple(
            r.find("concept", concept, f"{base}.focus_areas.{i}")
            for i, concept in enumerate(office.focus_areas)
        ),
        "programmes": tuple(
            replace(p, owner=r.find("organization", p.owner, f"{base}.programmes.{i}.owner"))
            for i, p in enumerate(office.programmes)
        ),
    }
    if isinstance(office.classification, Ref):
        path = r.chain("concept", office.classification.slug, _broader, f"{base}.classification")
        changes["classification"] = tuple(reversed(path))
    if office.origin and isinstance(office.origin.programme, Ref):
        programme = r.find("programme", office.origin.programme, f"{base}.origin.programme")
        changes["origin"] = Origin(office.origin.description, programme)
    parent = changes["parent_organization"]
    if isinstance(parent, Agency) and parent.parent:
        r.chain("organization", parent.parent, _parent, f"{base}.parent_organization")
    return replace(office, **changes, references=frozenset(r.references))
