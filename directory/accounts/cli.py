"""Account commands: create an admin, print an invitation link."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from directory.accounts import services as accounts
from directory.core.errors import DomainError
from directory.extensions import db
from directory.people.models import Person
from directory.web.links import external_url, offline_request

DEFAULT_BASE_URL = "http://localhost:5000"


def register(app: Flask) -> None:
    """Add the account commands to `flask`."""
    app.cli.add_command(create_admin)
    app.cli.add_command(invite)


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(email: str, name: str, password: str) -> None:
    """Create a system admin account."""
    # A request context gives the services a locale for their (Chinese) messages.
    with offline_request():
        try:
            person = accounts.create_account(
                actor=None, name=name, email=email, is_admin=True, password=password
            )
        except DomainError as err:
            raise click.ClickException(err.message) from None
    click.echo(f"created system admin {person.email} (id {person.id})")


@click.command("invite")
@click.argument("email")
@click.option(
    "--base-url",
    default=lambda: current_app.config.get("BASE_URL") or DEFAULT_BASE_URL,
    show_default="BASE_URL ($DIRECTORY_BASE_URL) or " + DEFAULT_BASE_URL,
    help="Public address of the site, used to build the link.",
)
def invite(email: str, base_url: str) -> None:
    """Print the invitation (set-password) link for an existing account."""
    person = db.session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if person is None:
        raise click.ClickException(f"no account with e-mail {email}")
    if not person.is_active_account:
        raise click.ClickException(f"the account {person.email} is deactivated")
    link = external_url(
        "auth.accept_invitation", _base=base_url, token=accounts.invitation_token(person)
    )
    click.echo(link)
