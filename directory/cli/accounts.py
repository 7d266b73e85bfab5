"""Account commands: create an admin, print an invitation link."""

from __future__ import annotations

import click
from flask import Flask, url_for
from sqlalchemy import select

from directory.extensions import db
from directory.models import Person
from directory.services import accounts
from directory.services.errors import DomainError


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(invite)


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(email: str, name: str, password: str) -> None:
    """Create a system admin account."""
    try:
        person = accounts.create_account(
            actor=None, name=name, email=email, is_admin=True, password=password
        )
    except DomainError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"created system admin {person.email} (id {person.id})")


@click.command("invite")
@click.argument("email")
def invite(email: str) -> None:
    """Print the invitation (set-password) link for an existing account."""
    person = db.session.scalar(select(Person).where(Person.email == email.strip().lower()))
    if person is None:
        raise click.ClickException(f"no account with e-mail {email}")
    click.echo(
        url_for("auth.accept_invitation", token=accounts.invitation_token(person), _external=True)
    )
