"""Groups and discussions (群组): blueprint `groups` at /groups/."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")

# Connects the signal receivers of the automatic organisation groups.
from directory.services import org_groups  # noqa: E402, F401
from directory.web.groups import members, search, threads, views  # noqa: E402, F401
