"""Reading a data directory: YAML files → validated records, or every problem found."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from marshmallow import ValidationError

from ..progress import Progress
from . import (
    DATA_SUFFIXES,
    DataProblem,
    DataSet,
    InvalidData,
    Organization,
    Shared,
    Source,
    Unit,
)
from .references import resolve
from .schemas import ORGANIZATION_SCHEMA
from .shared_schemas import SHARED_SCHEMA

# libyaml's loader is ~10x faster than the pure-Python one; both are "safe" loaders.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_QUIET = logging.getLogger("opendata.records.quiet")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def load_directory(directory: Path, logger: logging.Logger | None = None) -> DataSet:
    """Read and validate every data file; raise InvalidData listing all problems."""
    return load_directory_with_documents(directory, logger)[0]


def load_directory_with_documents(
    directory: Path, logger: logging.Logger | None = None
) -> tuple[DataSet, dict[str, dict]]:
    """The validated data set, and each file's parsed document by file name (for
    publishing the sources as they were validated). With a logger, how far reading
    is goes to the log now and then (a national data set takes minutes)."""
    paths = data_paths(directory)
    logger = logger or _QUIET
    progress = Progress(logger, len(paths), f"reading the data files of {directory}")
    problems: list[DataProblem] = []
    documents: dict[str, Any] = {}
    sources = []
    for done, path in enumerate(paths, 1):
        source, raw = read_source(path)
        sources.append(source)
        document = parse(source.name, raw, problems)
        if document is not UNREADABLE:
            documents[path.name] = document
        progress(done)
    data = load_documents(documents, version_of(sources), problems, logger)
    return dataclasses.replace(data, sources=tuple(sources)), documents


def read_source(path: Path) -> tuple[Source, bytes]:
    """A file's bytes and what identifies them; its ``stat`` is taken first, so a file
    changed while it is read looks changed to the next look at it."""
    stat = path.stat()
    raw = path.read_bytes()
    return Source(path.name, stat.st_size, stat.st_mtime_ns, digest_of(raw)), raw


def digest_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def version_of(sources: Iterable[Source]) -> str:
    """The version of files by their names and digests: it changes with any byte, and
    is computed again from the digests of the files that changed alone."""
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: s.name):
        digest.update(f"{source.name}\0{source.digest}\0".encode())
    return digest.hexdigest()[:16]


def parse(name: str, raw: bytes, problems: list[DataProblem]) -> Any:
    """The YAML document of a file (None for an empty one), or ``UNREADABLE`` with
    its problem recorded."""
    known = len(problems)
    document = read_yaml(name, raw, problems)
    return document if len(problems) == known else UNREADABLE


UNREADABLE = object()  # what ``parse`` answers for a file that is not YAML text


def data_paths(directory: Path) -> list[Path]:
    """The data files of a directory, in the order their bytes make the version."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidData([DataProblem(str(directory), "-", "data directory does not exist")])
    paths = sorted(p for p in directory.iterdir() if p.suffix in DATA_SUFFIXES and p.is_file())
    if not paths:
        raise InvalidData([DataProblem(str(directory), "-", "no *.yaml files to publish")])
    return paths


def content_version(directory: Path) -> str:
    """The version the files would have, from their bytes alone (without validating
    them): what ``load_directory`` names the same bytes."""
    return version_of(read_source(path)[0] for path in data_paths(directory))


def load_documents(
    documents: dict[str, Any],
    version: str,
    problems: list[DataProblem] | None = None,
    logger: logging.Logger | None = None,
) -> DataSet:
    """Validate parsed documents (file name → document) and the references between
    them; InvalidData with every problem found, including those already in problems."""
    problems = list(problems or [])
    units = []
    progress = Progress(logger or _QUIET, len(documents), "validating the data files")
    for done, (name, document) in enumerate(sorted(documents.items()), 1):
        unit = validate_file(name, document, problems)
        if unit is not None:
            units.append(unit)
        progress(done)
    # Like a compiler after syntax errors: names are checked once every file is valid,
    # or a broken file's things would be reported unknown wherever they are used.
    if not problems:
        units = resolve(units, problems)
    if problems:
        raise InvalidData(problems)
    return DataSet(
        organizations=tuple(u for u in units if isinstance(u, Organization)),
        version=version,
        shared=tuple(u for u in units if isinstance(u, Shared)),
    )


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


# The sections a file may have: an office, or things many offices share.
_SECTIONS = {"organization": ORGANIZATION_SCHEMA, "shared": SHARED_SCHEMA}


def validate_file(name: str, document: Any, problems: list[DataProblem]) -> Unit | None:
    """One file's records, references not yet resolved; None with its problems recorded."""
    sections = sorted(set(document) & set(_SECTIONS)) if isinstance(document, dict) else []
    if len(sections) != 1:
        message = (
            "the file has both an 'organization:' and a 'shared:' section: keep one"
            if sections
            else "the file must have an 'organization:' or a 'shared:' section"
        )
        problems.append(DataProblem(name, "-", message))
        return None
    section = sections[0]
    extra = sorted(set(document) - {section})
    if extra:
        problems.append(DataProblem(name, extra[0], "unknown field"))
        return None
    try:
        data = _SECTIONS[section].load(document[section])
    except ValidationError as error:
        problems.extend(
            DataProblem(name, f"{section}.{path}", message)
            for path, message in _flatten(error.messages)
        )
        return None
    return Organization(source=name, **data) if section == "organization" else Shared(name, **data)


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
