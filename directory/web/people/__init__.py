from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")

from directory.web.people import positions, views  # noqa: E402, F401
