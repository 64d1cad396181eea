"""The ``opendata`` command: check the data directory as the service would load it.

    opendata validate [DATA_DIR]

prints every problem as ``file: field: message`` and exits 1 when there are any.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .config import Defaults
from .records import InvalidData, load_directory


@click.group()
def main() -> None:
    """Publish organisations as Linked Open Data."""


@main.command()
@click.argument("data_dir", required=False, type=click.Path(path_type=Path))
def validate(data_dir: Path | None) -> None:
    """Validate DATA_DIR (default: $OPENDATA_DATA_DIR or ./data)."""
    directory = data_dir or Path(os.environ.get("OPENDATA_DATA_DIR") or Defaults.DATA_DIR)
    try:
        data = load_directory(directory)
    except InvalidData as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s); nothing can be published.", err=True)
        sys.exit(1)
    count = len(data.organizations)
    click.echo(f"{directory}: {count} organisation(s) valid, data version {data.version}.")
