from flask import Blueprint

bp = Blueprint("main", __name__, url_prefix=None)

from directory.web.main import views  # noqa: E402, F401
