"""Records → what the search index holds about each thing with a page of its own.

The indexed things are organisations, programmes and people. Each is read from the
records (never from graphs: building graphs for 100,000 organisations would take
longer than the whole index), with

* its texts by field, in every language the data gives (``FIELDS``; the order is the
  ranking: a match in the name counts for more than one in the description);
* its facets: the place it serves, the administration at the top of its parent
  chain, the EU data themes of its dataset and its focus areas. Programmes and people
  are an office's: they share its place, administration and themes;
* what a result shows besides its name: the parent organisation (or the office a
  programme or person belongs to) and the place.

The same functions give the texts of a result's snippet when a page is shown, so
what is highlighted is what was indexed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..records import Agency, DataSet, Named, Organization, Person, Place, Programme, Text, Unit

SEARCHED_KINDS = ("organization", "programme", "person")

# The indexed fields, best first, each with its tier: a thing whose name holds every
# word of a search comes first, then one whose names or the words inside them do (the
# other names, and the endings of the words of its names), then one whose keywords or
# job titles do too, then the rest (``query``). "name_parts" and "keyword_parts" hold
# the endings of the words of names and keywords, for parts of compounds (PARTS_OF).
FIELDS = (
    ("name", 1),
    ("alternate", 2),
    ("name_parts", 2),
    ("keywords", 3),
    ("keyword_parts", 3),
    ("topics", 4),
    ("people", 4),
    ("places", 4),
    ("description", 4),
)
# Fields whose word endings are indexed: field of the endings → fields they come from.
PARTS_OF = {"name_parts": ("name", "alternate"), "keyword_parts": ("keywords",)}
# Where a result's snippet comes from, in this order: the first field that matches.
SNIPPET_FIELDS = ("description", "keywords", "alternate", "topics", "people", "places")

Texts = dict[str, list[tuple[str | None, str]]]  # field → [(language, text)]


@dataclass
class Thing:
    """One indexed thing: its texts, facets and what its result shows."""

    kind: str
    slug: str
    name: Text
    texts: Texts
    parent: str | None = None  # slug of the organisation shown as its parent
    place: str | None = None
    # the administration is the top of the chain of parents above this organisation
    # (``parent_chain``: the chain may run through other files)
    chain_start: str | None = None
    administration: str | None = None
    themes: tuple[str, ...] = ()
    focus: tuple[str, ...] = field(default_factory=tuple)


def _all(*texts: Text | str | None) -> list[tuple[str | None, str]]:
    """(language, text) for every language of every text given (plain strings have none)."""
    found: list[tuple[str | None, str]] = []
    for text in texts:
        if isinstance(text, str):
            found.append((None, text))
        elif text is not None:
            found.extend(text.values.items())
    return found


def things(data: DataSet, read: Callable[[int], None] = lambda files: None) -> Iterator[Thing]:
    """Every organisation, programme and person the data declares, each once; ``read``
    is told how many files are done after each."""
    parents = parent_chain(data)
    for done, unit in enumerate(data.units, start=1):
        for kind, slug, _, record in unit.things():
            if kind in SEARCHED_KINDS:
                found = thing(unit, kind, slug, record)
                found.administration = found.chain_start and parents(found.chain_start)
                yield found
        read(done)


def parent_chain(data: DataSet) -> Callable[[str], str | None]:
    """slug → the organisation at the top of the chain of parents above it (None when it
    has no parent). Offices, departments and administrations are all on it."""
    return top_of(dict(link for unit in data.units for link in parents_of(unit)))


def parents_of(unit: Unit) -> list[tuple[str, str]]:
    """(organisation, its parent) for each link of the chains a file declares."""
    if isinstance(unit, Organization):
        return [(unit.slug, unit.parent_organization.slug)]
    return [(a.slug, a.parent) for a in unit.organizations if a.parent]


def top_of(parent: dict[str, str]) -> Callable[[str], str | None]:
    """``parent_chain`` over the links given (organisation → parent)."""

    def top(slug: str) -> str | None:
        seen, current = {slug}, parent.get(slug)
        while current is not None and current in parent and parent[current] not in seen:
            seen.add(current)
            current = parent[current]
        return current

    return top


def thing(unit: Unit, kind: str, slug: str, record) -> Thing:
    """What the index holds about one declared thing of a file (its administration
    not yet looked up: ``chain_start``)."""
    if isinstance(unit, Organization):
        if record is unit:
            return _office(unit)
        if kind == "programme" and isinstance(record, Programme):
            return _of_office(unit, _programme(record))
        if kind == "person":
            return _of_office(unit, _person(record))
    return _named(kind, record, unit)


def _office(office: Organization) -> Thing:
    address = office.address
    people = [t for p in office.people for t in _all(p.name, p.job_title)]
    topics = [t for f in office.focus_areas for t in _all(f.name)]
    topics += [t for p in office.programmes for t in _all(p.name)]
    topics += _all(office.contact_point.name, office.contact_point.contact_type)
    return Thing(
        kind="organization",
        slug=office.slug,
        name=office.name,
        texts={
            "name": _all(office.name),
            "alternate": _all(office.alternate_name),
            "keywords": [t for k in office.keywords for t in _all(k)],
            "topics": topics,
            "people": people,
            "places": _all(
                office.area_served.name,
                office.parent_organization.name,
                f"{address.street_address}, {address.postal_code} {address.locality}",
            ),
            "description": _all(
                office.description, office.origin.description if office.origin else None
            ),
        },
        parent=office.parent_organization.slug,
        place=office.area_served.slug,
        chain_start=office.slug,
        themes=office.publication.themes,
        focus=tuple(f.slug for f in office.focus_areas),
    )


def _of_office(office: Organization, found: Thing) -> Thing:
    """A programme or person of an office: in its place and administration, with its themes."""
    found.texts["places"] = _all(office.name, office.area_served.name)
    found.parent = office.slug
    found.place = office.area_served.slug
    found.chain_start = office.slug
    found.themes = office.publication.themes
    return found


def _programme(programme: Programme) -> Thing:
    owner = programme.owner
    return Thing(
        kind="programme",
        slug=programme.slug,
        name=programme.name,
        texts={
            "name": _all(programme.name),
            "topics": [t for role in programme.supporting_roles for t in _all(role)]
            + (_all(owner.name) if isinstance(owner, Named) else []),
            "description": _all(programme.description),
        },
    )


def _person(person: Person) -> Thing:
    return Thing(
        kind="person",
        slug=person.slug,
        name=Text({"de": person.name}),
        texts={"name": _all(person.name), "keywords": _all(person.job_title)},
    )


def _named(kind: str, record: Named | Place, unit: Unit) -> Thing:
    """An organisation or programme declared once (an administration, a department, a
    partner, a federal programme): its own names and description only."""
    parent = record.parent if isinstance(record, Agency) else None
    alternate = getattr(record, "alternate_name", None)
    description = getattr(record, "description", None)
    return Thing(
        kind=kind,
        slug=record.slug,
        name=record.name,
        texts={
            "name": _all(record.name),
            "alternate": _all(alternate),
            "description": _all(description),
        },
        parent=parent,
        chain_start=record.slug if kind == "organization" else None,
        themes=() if isinstance(unit, Organization) else unit.publication.themes,
    )


def record_of(unit: Unit, kind: str, slug: str):
    """The record a file declares for kind/slug (None when it declares none)."""
    for found_kind, found_slug, _, record in unit.things():
        if (found_kind, found_slug) == (kind, slug):
            return record
    return None
