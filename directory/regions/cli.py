"""Region commands: `flask regions load [--file PATH]`."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from directory.core.errors import DomainError
from directory.regions.services import DEFAULT_FILE, load_regions

regions_cli = AppGroup("regions", help="Administrative divisions (行政区划).")


def register(app: Flask) -> None:
    app.cli.add_command(regions_cli)


@regions_cli.command("load")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"TSV(.gz) of code, name, parent code [default: {DEFAULT_FILE.name} shipped with the app]",
)
def load(path: Path | None) -> None:
    """Load or refresh the region table (idempotent: updates names, adds new codes)."""
    started = time.perf_counter()
    try:
        result = load_regions(path)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    elapsed = time.perf_counter() - started
    for level in ("province", "city", "county", "township", "village"):
        if level in result:
            click.echo(f"{level:>9}: {result[level]}")
    click.echo(f"added {result['added']}, updated {result['updated']} in {elapsed:.2f}s")
