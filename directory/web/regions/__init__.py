from flask import Blueprint

bp = Blueprint("regions", __name__, url_prefix="/regions")

from directory.web.regions import views  # noqa: E402, F401
