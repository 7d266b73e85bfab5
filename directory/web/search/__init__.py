from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")

from directory.web.search import views  # noqa: E402, F401
