"""`flask seed-demo`: a province-sized demo world on top of the loaded regions."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask_babel import force_locale

from directory.core.errors import DomainError
from directory.demo import seed as demo


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo_activity)


@click.command("seed-demo")
@click.option("--cadres", default=3000, show_default=True, help="Random cadres to create.")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same world.")
@click.option("--province", default="51", show_default=True, help="Province division code.")
@click.option("--force", is_flag=True, help="Delete all organisations and people first.")
def seed_demo(cadres: int, seed: int, province: str, force: bool) -> None:
    """Build the organisation tree of one province and fill it with demo cadres."""
    # No request here: pin the locale, or translating an error message would need one.
    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            stats = demo.seed_demo(cadres=cadres, seed=seed, province=province, force=force)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(
        f"demo: {stats.organisations} organisations, {stats.people} people "
        f"({cadres} cadres + 3 demo accounts), {stats.positions} positions, "
        f"{stats.org_admins} organisation admins, {stats.claims} position claims to confirm "
        f"in {stats.seconds:.1f} s"
    )
    click.echo(f"sign in as admin@, cadre@ or orgadmin@{demo.demo_people.DOMAIN}")
    click.echo(f"password: {demo.DEMO_PASSWORD}")


@click.command("demo-activity")
@click.option("--seed", default=2026, show_default=True, help="Same seed, same activity.")
def demo_activity(seed: int) -> None:
    """Fill the demo with discussions, transfers in every state and notifications."""
    from directory.demo.activity import seed_activity

    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            stats = seed_activity(seed=seed)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(
        f"demo activity: {stats.groups} groups, {stats.threads} threads, "
        f"{stats.replies} replies, {stats.transfers} transfers, {stats.notices} notices, "
        f"{stats.reports} reports, {stats.liaisons} liaison assignments"
    )
