from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from directory.web.notifications import views  # noqa: E402, F401
