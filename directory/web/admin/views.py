from flask_login import login_required

from directory.web.admin import bp


@bp.route("/")
@login_required
def index() -> str:
    return ""
