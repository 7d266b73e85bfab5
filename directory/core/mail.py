"""Outgoing e-mail through Flask-Mail; off unless MAIL_ENABLED is set.

`send_mail` is called after the caller's commit: a mail server that is down must
not undo what the user did, so failures are logged and reported as False.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, current_app
from flask_mail import Mail, Message

log = logging.getLogger(__name__)
mail = Mail()


def init_app(app: Flask) -> None:
    """Bind Flask-Mail to the app once (idempotent)."""
    if "mail" not in app.extensions:
        mail.init_app(app)


def send_mail(to: str | Iterable[str], subject: str, body: str) -> bool:
    """Send a plain-text message; False when mail is off or the server refused it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy typed as Flask
    if not app.config.get("MAIL_ENABLED"):
        return False
    init_app(app)
    recipients: list[str | tuple[str, str]] = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return False
    sender = app.config.get("MAIL_DEFAULT_SENDER") or "noreply@localhost"
    try:
        mail.send(Message(subject=subject, recipients=recipients, body=body, sender=sender))
    except Exception:  # any SMTP/socket failure: the action already happened
        log.exception("sending mail to %d recipient(s) failed", len(recipients))
        return False
    return True
