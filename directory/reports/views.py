"""Information reports: mine and incoming, submit, handle, photos, statistics and CSV."""

from __future__ import annotations

from flask import Blueprint, abort, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from directory.core import time as clock
from directory.core.errors import DomainError, ValidationError
from directory.extensions import db
from directory.groups import attachments
from directory.orgs.models import Organisation
from directory.people.permissions import is_any_org_admin
from directory.reports import services
from directory.reports.forms import DecisionForm, ReportForm
from directory.reports.models import ReportPhoto
from directory.reports.permissions import can_handle, can_view_report, can_view_stats
from directory.web.args import page_arg, parse_id, parse_int
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _me():
    return current_user._get_current_object()


@bp.route("/")
@login_required
def index() -> str:
    me = _me()
    page = page_arg()
    admin = is_any_org_admin(me)
    stats_orgs = (
        [] if me.is_admin else sorted((a.organisation for a in me.admin_of), key=lambda o: o.path)
    )
    return render(
        "reports/index.html",
        "list",
        mine=services.mine(me, page),
        incoming=services.incoming(me, page) if admin else None,
        can_submit=bool(services.submit_orgs(me)),
        stats_orgs=stats_orgs,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int] | str:
    me = _me()
    orgs = services.submit_orgs(me)
    if not orgs:
        abort(403)
    form = ReportForm()
    form.org.choices = [
        SelectChoice(
            str(o.id), _("%(org)s → %(up)s", org=o.name, up=o.parent.name if o.parent else "")
        )
        for o in orgs
    ]
    if request.method == "POST":
        if form.validate():
            try:
                org_id = parse_id(form.org.data)
                org = next((o for o in orgs if o.id == org_id), None)
                if org is None:
                    raise ValidationError(_("请选择报送单位。"), field="org")
                photos = services.check_photos(request.files.getlist("photos"))
                report = services.submit(
                    me, org, form.title.data or "", form.body.data or "", photos
                )
            except ValidationError as err:
                form.add_service_error(err, "body")
            else:
                return redirect_after_change(
                    url_for("reports.show", report_id=report.id), _("信息已报送。")
                )
        return render("reports/new.html", "form", form=form), 422
    return render("reports/new.html", "form", form=form)


def _visible(report_id: int):
    report = services.get_report(report_id)
    if not can_view_report(_me(), report):
        abort(404)
    return report


@bp.route("/<id:report_id>")
@login_required
def show(report_id: int) -> str:
    report = _visible(report_id)
    return render(
        "reports/show.html",
        None,
        report=report,
        can_handle=can_handle(_me(), report),
        form=DecisionForm(formdata=None),
    )


@bp.route("/<id:report_id>/decide", methods=["POST"])
@login_required
def decide(report_id: int) -> Response | tuple[str, int] | str:
    me = _me()
    report = _visible(report_id)
    if not can_handle(me, report):
        abort(403)
    form = DecisionForm()
    if form.validate():
        try:
            up = services.decide(
                me,
                report,
                form.action.data or "",
                form.comment.data or "",
                bool(form.forward.data),
                form.note.data or "",
            )
        except ValidationError as err:
            form.add_service_error(err, "comment")
        else:
            message = _("已采用并报送%(org)s。", org=up.to_org.name) if up else _("已处理。")
            return redirect_after_change(url_for("reports.show", report_id=report.id), message)
    return render("reports/show.html", None, report=report, can_handle=True, form=form), 422


@bp.route("/photos/<id:photo_id>/<path:filename>")
@login_required
def photo(photo_id: int, filename: str) -> Response:
    item = db.session.get(ReportPhoto, photo_id)
    if item is None:
        abort(404)
    _visible(item.report_id)
    path = attachments.path_of(item.storage_key)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=item.content_type, download_name=item.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _stats_args(org_id: int):
    me = _me()
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    if not can_view_stats(me, org):
        abort(403)
    this_year = clock.today().year
    raw_year = request.args.get("year", "")
    year = parse_int(raw_year, 2100, 2000) if raw_year else this_year
    raw_month = request.args.get("month", "")
    month = parse_int(raw_month, 12) if raw_month else None
    if year is None or (raw_month and month is None):
        raise DomainError(_("统计期间无效：年份 2000–2100，月份 1–12。"))
    return org, year, month, this_year


@bp.route("/stats/<id:org_id>")
@login_required
def stats(org_id: int) -> str:
    org, year, month, this_year = _stats_args(org_id)
    rows = services.statistics(org, year, month)
    return render(
        "reports/stats.html",
        "table",
        org=org,
        year=year,
        month=month,
        years=list(range(this_year, this_year - 6, -1)),
        rows=rows,
        total_submitted=sum(r.submitted for r in rows),
        total_adopted=sum(r.adopted for r in rows),
    )


@bp.route("/stats/<id:org_id>/csv")
@login_required
def stats_csv(org_id: int) -> Response:
    org, year, month, _this = _stats_args(org_id)
    body = services.statistics_csv(services.statistics(org, year, month))
    period = f"{year}" + (f"-{month:02d}" if month else "")
    response = Response(body, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename=reports-{org.id}-{period}.csv"
    response.headers["Cache-Control"] = "private, no-store"
    return response
