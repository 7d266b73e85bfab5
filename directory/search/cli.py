"""`flask search reindex|sync|check`: rebuild, drain the outbox, repair drift."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from directory.search import sync

search_cli = AppGroup("search", help="The directory search index.")


def register(app: Flask) -> None:
    app.cli.add_command(search_cli)


@search_cli.command("reindex")
def reindex() -> None:
    """Build a fresh index beside the live one and swap it in."""
    start = time.perf_counter()
    try:
        counts = sync.reindex()
    except TimeoutError as err:
        raise click.ClickException(str(err)) from None
    for doc_type, n in counts.items():
        click.echo(f"{doc_type}: {n} documents indexed")
    click.echo(f"done in {time.perf_counter() - start:.1f} s")


@search_cli.command("sync")
def sync_cmd() -> None:
    """Drain the outbox: index every change committed but not yet indexed."""
    n = sync.drain(timeout=30)
    click.echo(f"{n} outbox rows handled")
    if sync.pending():
        raise click.ClickException("outbox not empty: the index stayed locked")


@search_cli.command("check")
@click.option("--repair/--no-repair", default=True, help="Re-index what differs (default).")
def check(repair: bool) -> None:
    """Compare the database with the index; report and repair drift."""
    report = sync.check(repair=repair)
    drift = 0
    for doc_type, d in report.items():
        drift += d.total
        click.echo(
            f"{doc_type}: {len(d.missing)} missing, {len(d.extra)} extra, {len(d.stale)} stale"
        )
    if drift and not repair:
        raise click.ClickException(f"{drift} documents differ from the database")
    created = _ensure_indexes() if repair else []
    if created:
        click.echo(f"created the missing (empty) index of {', '.join(created)}")
    click.echo("repaired" if drift or created else "index matches the database")


def _ensure_indexes() -> list[str]:
    """Create the index of a document type that has none (e.g. its directory was
    deleted and the database holds no such documents, so there was no drift)."""
    from directory.search.backends import get_backend
    from directory.search.documents import DOC_TYPES

    backend = get_backend()
    ready = getattr(backend, "ready", None)
    if ready is None:
        return []
    created = []
    for doc_type in DOC_TYPES:
        if ready(doc_type):
            continue
        with backend.lock(doc_type, 30) as ok:
            if ok and not ready(doc_type):
                backend.apply(doc_type, None, [], set())  # an empty index, created
                created.append(doc_type)
    return created
