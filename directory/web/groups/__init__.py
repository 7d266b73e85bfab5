"""Groups and discussions (群组): blueprint `groups` at /groups/."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")

from directory.web.groups import members, threads, views  # noqa: E402, F401
