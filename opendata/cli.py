"""The ``opendata`` command for publishers.

    opendata validate [DATA_DIR]   check the files as the service would load them
    opendata build [DATA_DIR]      build what the service serves them from, then exit
    opendata publish [DATA_DIR]    validate, then make them live in the SPARQL store

Problems are printed as ``file: field: message``; the exit status is 1 when there
are any, and then nothing is published. ``publish`` exits with 3 when the version went
live in the store but not every instance is known to serve it yet (the message says
when they will).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask

from . import artefacts, create_app, dumps, preparing
from .announcements import NotAnnounced
from .backends import backend_class
from .config import Defaults
from .publishing import current_store
from .records import InvalidData, load_directory
from .records.references import lost
from .remote import StoreError


@click.group()
def main() -> None:
    """Publish organisations as Linked Open Data."""


def _data_dir(given: Path | None) -> Path:
    return given or Path(os.environ.get("OPENDATA_DATA_DIR") or Defaults.DATA_DIR)


def _report(error: InvalidData) -> None:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(error.problems)} problem(s); nothing can be published.", err=True)
    sys.exit(1)


@main.command()
@click.argument("data_dir", required=False, type=click.Path(path_type=Path))
@click.option(
    "--previous",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="The data directory of the version published now: refuse to drop any thing it "
    "publishes without retiring it.",
)
def validate(data_dir: Path | None, previous: Path | None) -> None:
    """Validate DATA_DIR (default: $OPENDATA_DATA_DIR or ./data)."""
    directory = _data_dir(data_dir)
    try:
        data = load_directory(directory)
        problems = lost(load_directory(previous), data) if previous else []
        if problems:
            raise InvalidData(problems)
    except InvalidData as error:
        _report(error)
    click.echo(
        f"{directory}: {len(data.organizations)} organisation(s) valid, with"
        f" {len(data.shared)} file(s) of shared things; data version {data.version}."
    )


@main.command()
@click.argument("data_dir", required=False, type=click.Path(path_type=Path))
def build(data_dir: Path | None) -> None:
    """Build everything the service serves DATA_DIR from, then exit.

    The records archive, search index, statistics, SPARQL store and dumps of the
    version go into OPENDATA_STATE_DIR, exactly as a starting service builds them.
    A service started afterwards on the same files opens them within seconds instead
    of building for minutes in its first worker (at national scale: run it first).
    Beyond OPENDATA_ARCHIVE_IN_CHILD_FILES files, a child process builds them, as in
    the service.
    """
    overrides = {"DATA_DIR": str(_data_dir(data_dir)), "RELOAD_INTERVAL": 0}
    try:
        app = create_app(overrides)
    except InvalidData as error:
        _report(error)
    dumps.wait_until_built(app)
    preparing.wait_until_built(app)
    with app.app_context():
        version = current_store().version
    click.echo(f"built data version {version} in {artefacts.state_dir(app)}.")


@main.command()
@click.argument("data_dir", required=False, type=click.Path(path_type=Path))
def publish(data_dir: Path | None) -> None:
    """Validate DATA_DIR and make it the live version of the configured backend.

    With OPENDATA_STORE=sparql: upload it to the SPARQL store configured by
    OPENDATA_STORE_QUERY_URL, OPENDATA_STORE_UPDATE_URL and (optionally)
    OPENDATA_STORE_GRAPH_URL, announce it through OPENDATA_CACHE_REDIS_URL and return
    once every instance serves it (exit status 3 if that could not be confirmed; the
    version is live in the store all the same). With the default backend the
    files themselves are the published data: they are validated, and a running
    service picks them up.
    """
    app = Flask("opendata.publish")
    app.config.from_object(Defaults)
    app.config.from_prefixed_env("OPENDATA")
    backend = backend_class(app.config["STORE"])
    try:
        message = backend.publish(app, _data_dir(data_dir))
    except NotAnnounced as error:  # live in the store: exit 3, not 1 (nothing published)
        click.echo(str(error), err=True)
        sys.exit(3)
    except InvalidData as error:
        _report(error)
    except ValueError as error:  # a malformed setting, named by the message
        raise click.ClickException(str(error)) from None
    except StoreError as error:
        raise click.ClickException(f"{error}; the previous version stays live") from None
    click.echo(message)
