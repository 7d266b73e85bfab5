"""Helpers shared by the groups views: rate-limit keys and look-ups."""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from directory.extensions import limiter
from directory.groups import services as group_service
from directory.groups.models import Group
from directory.groups.permissions import GroupAccess


def user_key() -> str:
    """Rate limits count per signed-in user (per address before sign-in)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _post_limit() -> str:
    return str(current_app.config["GROUP_POST_RATE_LIMIT"])


def _join_limit() -> str:
    return str(current_app.config["GROUP_JOIN_RATE_LIMIT"])


post_limit = limiter.limit(_post_limit, key_func=user_key, methods=["POST"])
join_limit = limiter.limit(_join_limit, key_func=user_key, methods=["POST"])


def load(group_id: int) -> tuple[Group, GroupAccess]:
    """The group for the current user, or 404."""
    return group_service.get_visible(current_user, group_id)
