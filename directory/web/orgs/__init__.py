from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/orgs")

from directory.web.orgs import views  # noqa: E402, F401
