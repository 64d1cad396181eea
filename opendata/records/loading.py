"""Reading a data directory: YAML files → validated records, or every problem found."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from . import DATA_SUFFIXES, DataProblem, DataSet, InvalidData, Organization
from .schemas import ORGANIZATION_SCHEMA

# libyaml's loader is ~10x faster than the pure-Python one; both are "safe" loaders.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_directory(directory: Path) -> DataSet:
    """Read and validate every organisation file; raise InvalidData listing all problems."""
    return load_directory_with_documents(directory)[0]


def load_directory_with_documents(directory: Path) -> tuple[DataSet, dict[str, dict]]:
    """The validated data set, and each file's parsed document by file name (for
    publishing the sources as they were validated)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidData([DataProblem(str(directory), "-", "data directory does not exist")])
    paths = sorted(p for p in directory.iterdir() if p.suffix in DATA_SUFFIXES and p.is_file())
    problems: list[DataProblem] = []
    organizations: list[Organization] = []
    documents: dict[str, dict] = {}
    digest = hashlib.sha256()
    for path in paths:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        document = read_yaml(path.name, raw, problems)
        organization = None if document is None else _validate(path.name, document, problems)
        if organization is not None:
            organizations.append(organization)
            documents[path.name] = document
    if not paths:
        problems.append(DataProblem(str(directory), "-", "no *.yaml files to publish"))
    problems.extend(_duplicate_slugs(organizations))
    if problems:
        raise InvalidData(problems)
    return DataSet(tuple(organizations), digest.hexdigest()[:16]), documents


def read_yaml(name: str, raw: bytes, problems: list[DataProblem]) -> dict | None:
    """The YAML document of a file, or None with the syntax problem recorded."""
    try:
        return yaml.load(raw.decode("utf-8"), Loader=_SafeLoader)
    except UnicodeDecodeError as error:
        problems.append(DataProblem(name, "-", f"not UTF-8 text ({error.reason})"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
        problems.append(
            DataProblem(name, where, f"YAML syntax: {getattr(error, 'problem', error)}")
        )
    return None


def organization_from_document(name: str, document: Any) -> Organization:
    """Validate one organisation document (as parsed from YAML or JSON)."""
    problems: list[DataProblem] = []
    organization = _validate(name, document, problems)
    if organization is None:
        raise InvalidData(problems)
    return organization


def _validate(name: str, document: Any, problems: list[DataProblem]) -> Organization | None:
    if not isinstance(document, dict) or "organization" not in document:
        problems.append(DataProblem(name, "organization", "the file must have an 'organization:'"))
        return None
    extra = sorted(set(document) - {"organization"})
    if extra:
        problems.append(DataProblem(name, extra[0], "unknown field"))
        return None
    try:
        data = ORGANIZATION_SCHEMA.load(document["organization"])
    except ValidationError as error:
        problems.extend(
            DataProblem(name, "organization." + path, message)
            for path, message in _flatten(error.messages)
        )
        return None
    return Organization(source=name, **data)


def _flatten(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """marshmallow's nested error dict → ('programmes.0.name', 'Missing data …') pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield from _flatten(value, path)
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, prefix)
    else:
        yield prefix or "-", str(messages)


def _duplicate_slugs(organizations: list[Organization]) -> list[DataProblem]:
    """Each (kind, slug) names one thing across all files, since it becomes a URI."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for organization in organizations:
        for kind, slug, where in organization.things():
            key = (kind, slug)
            if key in seen:
                problems.append(
                    DataProblem(
                        organization.source,
                        where,
                        f"slug {slug!r} is already used for a {kind} in {seen[key]}",
                    )
                )
            else:
                seen[key] = f"{organization.source} ({where})"
    return problems
