"""Rate limits per signed-in person, each read from a config key (`*_RATE_LIMIT`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from directory.extensions import limiter


def user_key() -> str:
    """Rate limits count per signed-in user (per address before sign-in)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def per_user(config_key: str, *, scope: str | None = None) -> Callable[[Any], Any]:
    """A decorator limiting POSTs per person to the limit in `config_key`.

    `scope` names the bucket: views sharing a scope share a count.
    """

    def value() -> str:
        return str(current_app.config[config_key])

    return limiter.shared_limit(
        value, scope=scope or config_key.lower(), key_func=user_key, methods=["POST"]
    )
