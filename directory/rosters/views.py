"""The admin's desk for rosters: export (XLSX, CSV, vCard); import in import_views.py."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from directory.core.errors import DomainError
from directory.extensions import db
from directory.groups import services as group_service
from directory.orgs.models import Organisation
from directory.people.permissions import is_any_org_admin
from directory.rosters import scopes, services
from directory.web.rendering import render

bp = Blueprint("rosters", __name__, url_prefix="/rosters")


def _format() -> str:
    fmt = request.args.get("format", "xlsx")
    try:
        return services.check_format(fmt)
    except DomainError as err:
        abort(400, err.message)


def _send(roster: scopes.Roster, fmt: str) -> Response:
    data, mimetype, name = services.export(current_user, roster, fmt)
    return Response(
        data,
        content_type=mimetype,  # as given: `mimetype=` would add a second charset
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/")
@login_required
def index() -> str:
    """The desk: what the admin can export and import, and links to statistics."""
    if not is_any_org_admin(current_user):
        abort(403)
    if current_user.is_admin:
        managed = list(
            db.session.scalars(select(Organisation).where(Organisation.parent_id.is_(None)))
        )
    else:
        managed = [a.organisation for a in current_user.admin_of]
    managed.sort(key=lambda o: o.path)
    return render("rosters/index.html", None, orgs=managed)


@bp.route("/orgs/<id:org_id>/export")
@login_required
def export_org(org_id: int) -> Response:
    fmt = _format()
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    subtree = request.args.get("subtree", "1")
    if subtree not in ("0", "1"):
        abort(400, _("请求有误。"))
    return _send(scopes.org_roster(current_user, org, subtree == "1"), fmt)


@bp.route("/groups/<id:group_id>/export")
@login_required
def export_group(group_id: int) -> Response:
    fmt = _format()
    group, _access = group_service.get_visible(current_user, group_id)  # 404 if hidden
    return _send(scopes.group_roster(current_user, group), fmt)


@bp.route("/search/export")
@login_required
def export_search() -> Response:
    fmt = _format()
    args = {k: v for k, v in request.args.items() if k != "format"}
    return _send(scopes.search_roster(current_user, args), fmt)
