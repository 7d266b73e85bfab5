"""The organisation tree (团组织): browsing and management."""

from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/orgs")

from directory.web.orgs import manage, views  # noqa: E402, F401
