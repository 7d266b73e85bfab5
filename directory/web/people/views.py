"""Profiles (placeholder route until the profile pages land)."""

from flask_login import login_required

from directory.web.people import bp


@bp.route("/")
@login_required
def index() -> str:
    return ""


@bp.route("/<int:person_id>")
@login_required
def show(person_id: int) -> str:
    return ""
