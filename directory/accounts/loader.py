"""Flask-Login wiring: how a session cookie becomes a Person."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from directory.extensions import db, login
from directory.people.models import Person


def init_app(app: Flask) -> None:
    from directory.web import signin_redirect

    login.login_view = "auth.login"
    login.login_message = _l("请先登录。")
    login.login_message_category = "warning"
    login.session_protection = "strong"
    # A signed-out visitor meets the sign-in page that says what 团友录 is, no warning.
    login.unauthorized_handler(signin_redirect)


@login.user_loader
def load_user(user_id: str) -> Person | None:
    """Load by "id:session_token"; a changed token (password change) ends the session."""
    pid, _, token = user_id.partition(":")
    if not pid.isdigit() or not token:
        return None
    person = db.session.get(Person, int(pid), options=[selectinload(Person.admin_of)])
    if person is None or person.session_token != token or not person.is_active_account:
        return None
    return person
