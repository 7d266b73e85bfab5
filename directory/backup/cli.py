"""`flask backup` and `flask restore`."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask

from directory.backup import archive


def register(app: Flask) -> None:
    app.cli.add_command(backup)
    app.cli.add_command(restore)


@click.command("backup")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive to write (default: instance/backups/tuanyoulu-<time>.tar.gz).",
)
def backup(output: Path | None) -> None:
    """Archive the database (pg_dump or SQLite's online backup) and the attachments."""
    from flask import current_app

    if output is None:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        output = Path(current_app.instance_path) / "backups" / f"tuanyoulu-{stamp}.tar.gz"
    started = time.perf_counter()
    try:
        manifest = archive.make_backup(output)
    except archive.BackupError as err:
        raise click.ClickException(str(err)) from None
    counts = ", ".join(f"{k} {v}" for k, v in manifest.counts.items())
    click.echo(f"backup written to {output} ({output.stat().st_size:,} bytes)")
    click.echo(
        f"{manifest.dialect}, revision {manifest.revision}: {counts}, "
        f"{manifest.uploads} attachments, in {time.perf_counter() - started:.1f} s"
    )


@click.command("restore")
@click.argument("archive_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds people.")
def restore(archive_path: Path, force: bool) -> None:
    """Restore an archive into this instance, then rebuild the search index."""
    from directory.search import sync

    started = time.perf_counter()
    try:
        if not force and not archive.is_empty():
            raise archive.BackupError(
                "this database already holds people: restore into an empty instance, "
                "or give --force to replace everything in it"
            )
        manifest = archive.restore_backup(archive_path)
    except archive.BackupError as err:
        raise click.ClickException(str(err)) from None
    counts = ", ".join(f"{k} {v}" for k, v in manifest.counts.items())
    click.echo(
        f"restored {manifest.dialect} backup of {manifest.created_at}: {counts}, "
        f"{manifest.uploads} attachments"
    )
    indexed = sync.reindex()
    click.echo("search index rebuilt: " + ", ".join(f"{k} {v}" for k, v in indexed.items()))
    click.echo(f"done in {time.perf_counter() - started:.1f} s")
