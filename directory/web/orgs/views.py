from flask_login import login_required

from directory.web.orgs import bp


@bp.route("/")
@login_required
def index() -> str:
    return ""


@bp.route("/<int:org_id>")
@login_required
def show(org_id: int) -> str:
    return ""
