"""The audit page for admins: filter, page, export as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.audit import services
from directory.audit.actions import label
from directory.audit.forms import AuditFilterForm
from directory.audit.permissions import can_read_audit
from directory.web.args import page_arg
from directory.web.rendering import render

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _filter() -> tuple[AuditFilterForm, services.AuditFilter, bool]:
    form = AuditFilterForm(request.args)
    ok = form.validate() if request.args else True
    if not ok:
        return form, services.AuditFilter(), False
    return (
        form,
        services.AuditFilter(
            action=form.action.data or "",
            actor=(form.actor.data or "")[:40],
            org=(form.org.data or "")[:100],
            start=form.start.data,
            end=form.end.data,
        ),
        True,
    )


@bp.route("/")
@login_required
def index() -> tuple[str, int]:
    if not can_read_audit(current_user):
        abort(403)
    page = page_arg()
    form, f, ok = _filter()
    events = services.list_events(current_user, f, page) if ok else None
    status = 200 if ok else 400
    return render(
        "audit/index.html",
        "results",
        form=form,
        events=events,
        label=label,
        query={k: v for k, v in request.args.items() if k != "page"},
    ), status


@bp.route("/export.csv")
@login_required
def export() -> Response:
    if not can_read_audit(current_user):
        abort(403)
    _form, f, ok = _filter()
    if not ok:
        abort(400, _("筛选条件有误。"))
    rows = services.export_csv(current_user, f)
    return Response(
        stream_with_context(rows),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
