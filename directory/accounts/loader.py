"""Flask-Login wiring: how a session or remember-me cookie becomes a Person.

The id Flask-Login stores (in the session and, signed, in the remember-me cookie) is
"person id : session token : sign-in time : remember flag". The token is the
server-side half: logout and password changes replace it, so every copied cookie
dies. The sign-in time makes the lifetime absolute: a signed cookie cannot be
re-dated, and nothing a request does extends it.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, session
from flask_babel import lazy_gettext as _l
from flask_login import user_loaded_from_cookie
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
    user_loaded_from_cookie.connect(_bind_restored_session)


def _bind_restored_session(app: Flask, user: Person) -> None:
    """Give a session restored from the remember-me cookie its client identifier.

    Flask-Login 0.6 leaves it out, so "strong" session protection cleared the restored
    session on the next request and deleted the cookie: remember-me lasted one request.
    """
    session["_id"] = login._session_identifier_generator()


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def lifetime(remember: bool) -> float:
    """Seconds a sign-in lasts: the remember-me duration, or the session lifetime."""
    key = "REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"
    return _seconds(current_app.config[key])


def login_id(person: Person, remember: bool) -> str:
    """The id to sign `person` in under, stamped with the sign-in time now."""
    return f"{person.id}:{person.session_token}:{int(time.time())}:{int(remember)}"


@login.user_loader
def load_user(user_id: str) -> Person | None:
    """The person for a stored id, or None when its token changed or its lifetime ended."""
    parts = user_id.split(":")
    if len(parts) != 4:
        return None
    pid, token, signed_in, remember = parts
    if not (pid.isascii() and pid.isdigit() and signed_in.isascii() and signed_in.isdigit()):
        return None
    if not token or remember not in {"0", "1"} or len(pid) > 18:
        return None
    if time.time() - int(signed_in) > lifetime(remember == "1"):
        return None
    person = db.session.get(Person, int(pid), options=[selectinload(Person.admin_of)])
    if person is None or person.session_token != token or not person.is_active_account:
        return None
    person.stamp_login(user_id)
    return person
