"""Notices: my notices, compose, read and reply, coverage with drill-down and reminders."""

from __future__ import annotations

from flask import Blueprint, abort, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from directory.core.enums import CadreKind, OrgLevel, Sector
from directory.core.errors import ValidationError
from directory.extensions import db
from directory.groups import attachments
from directory.jobs import Job
from directory.lists import services as lists
from directory.notices import services
from directory.notices.forms import NoticeForm, RemindForm, ReplyForm
from directory.notices.models import NoticeAttachment
from directory.notices.permissions import (
    can_compose,
    can_compose_any,
    can_view_coverage,
    coverage_root,
)
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin
from directory.web.args import id_or_404, optional_id, page_arg, parse_id
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

bp = Blueprint("notices", __name__, url_prefix="/notices")


def _me():
    return current_user._get_current_object()


@bp.route("/")
@login_required
def index() -> str:
    """My notices; for admins also the notices whose coverage they follow."""
    me = _me()
    page = page_arg()
    return render(
        "notices/index.html",
        "list",
        inbox=services.inbox(me, page),
        managed=services.managed(me, page) if can_compose_any(me) else None,
        can_compose=can_compose_any(me),
    )


def _sender_orgs(me) -> list[Organisation]:
    """Organisations the viewer may send from: those they administer directly (live ones)."""
    stmt = select(Organisation).where(Organisation.dissolved_at.is_(None))
    if not me.is_admin:
        stmt = stmt.join(OrgAdmin, OrgAdmin.organisation_id == Organisation.id).where(
            OrgAdmin.person_id == me.id
        )
    else:
        stmt = stmt.where(Organisation.parent_id.is_(None))
    return list(db.session.scalars(stmt.order_by(Organisation.path).limit(200)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | tuple[str, int] | str:
    me = _me()
    if not can_compose_any(me):
        abort(403)
    orgs = _sender_orgs(me)
    form = NoticeForm()
    form.org.choices = [SelectChoice(str(o.id), o.name) for o in orgs]
    my_lists = {str(pl.id): pl for pl in lists.mine(me)}
    form.person_list.choices = [SelectChoice("", _("不限"))] + [
        SelectChoice(k, _("%(name)s（%(n)d 人）", name=pl.name, n=pl.member_count))
        for k, pl in my_lists.items()
    ]
    if request.method == "GET" and request.args.get("list") in my_lists:
        form.person_list.data = request.args["list"]  # "send to this list" from the list page
    if request.method == "POST":
        if form.validate():
            try:
                org_id = parse_id(form.org.data)
                org = db.session.get(Organisation, org_id) if org_id else None
                if org is None or not can_compose(me, org):
                    raise ValidationError(_("请选择你管理的团组织。"), field="org")
                person_list = None
                if form.person_list.data:
                    person_list = my_lists.get(form.person_list.data)
                    if person_list is None:
                        raise ValidationError(_("请选择你自己的名单。"), field="person_list")
                files = attachments.check_all(request.files.getlist("files"))
                notice = services.send(
                    me,
                    org,
                    form.title.data or "",
                    form.body.data or "",
                    deadline=form.deadline.data,
                    reply_required=bool(form.reply_required.data),
                    level=OrgLevel(form.level.data) if form.level.data else None,
                    sector=Sector(form.sector.data) if form.sector.data else None,
                    cadre_kind=CadreKind(form.cadre_kind.data) if form.cadre_kind.data else None,
                    person_list=person_list,
                    files=files,
                )
            except ValidationError as err:
                form.add_service_error(err, "body")
            else:
                return redirect_after_change(
                    url_for("notices.coverage", notice_id=notice.id), _("通知已发出。")
                )
        return render("notices/new.html", "form", form=form), 422
    return render("notices/new.html", "form", form=form)


@bp.route("/<id:notice_id>")
@login_required
def show(notice_id: int) -> str:
    """The notice; opening it as a recipient marks it read (one UPDATE)."""
    me = _me()
    notice = services.get_notice(notice_id)
    mine = services.recipient_row(notice.id, me.id)
    root = coverage_root(me, notice)
    if mine is None and root is None:
        abort(404)
    if mine is not None and mine.read_at is None:
        services.mark_read(notice.id, me.id)
        db.session.refresh(mine)
    return render(
        "notices/show.html",
        None,
        notice=notice,
        mine=mine,
        root=root,
        form=ReplyForm(formdata=None, reply=mine.reply if mine else ""),
    )


@bp.route("/<id:notice_id>/reply", methods=["POST"])
@login_required
def reply(notice_id: int) -> Response | tuple[str, int] | str:
    me = _me()
    notice = services.get_notice(notice_id)
    mine = services.recipient_row(notice.id, me.id)
    if mine is None:
        abort(404 if coverage_root(me, notice) is None else 403)
    form = ReplyForm()
    if form.validate():
        try:
            services.reply(notice, me, form.reply.data or "")
        except ValidationError as err:
            form.add_service_error(err, "reply")
        else:
            return redirect_after_change(
                url_for("notices.show", notice_id=notice.id), _("回复已提交。")
            )
    return render(
        "notices/show.html",
        None,
        notice=notice,
        mine=mine,
        root=coverage_root(me, notice),
        form=form,
    ), 422


def _coverage_org(notice, me) -> Organisation:
    org_id = optional_id("org")
    if org_id is None:
        root = coverage_root(me, notice)
        if root is None:
            abort(404)
        return root
    org = db.session.get(Organisation, org_id)
    if org is None or not can_view_coverage(me, notice, org):
        abort(404 if coverage_root(me, notice) is None else 403)
    return org


@bp.route("/<id:notice_id>/coverage")
@login_required
def coverage(notice_id: int) -> str:
    """Read / unread / replied by organisation, drilled down one level per click."""
    me = _me()
    notice = services.get_notice(notice_id)
    org = _coverage_org(notice, me)
    root = coverage_root(me, notice)
    # The way back up, as far as the viewer may go.
    trail = [
        o
        for o in db.session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(org.ancestor_ids))
            .order_by(Organisation.path)
        )
        if root is not None and o.path.startswith(root.path)
    ]
    cov = services.coverage(notice, org)
    job = None
    if not notice.is_sent and notice.job_id and (me.is_admin or me.id == notice.author_id):
        job = db.session.get(Job, notice.job_id)  # its page is for its owner (and admins)
    return render(
        "notices/coverage.html",
        "coverage",
        notice=notice,
        org=org,
        trail=trail,
        cov=cov,
        job=job,
        unread=services.unread_people(notice, org, page_arg(), cov.total.unread),
        replies=services.replies(notice, org) if notice.reply_required else [],
        form=RemindForm(formdata=None, org=str(org.id)),
    )


@bp.route("/<id:notice_id>/remind", methods=["POST"])
@login_required
def remind(notice_id: int) -> Response:
    me = _me()
    notice = services.get_notice(notice_id)
    form = RemindForm()
    org_id = id_or_404(form.org.data or "")
    org = db.session.get(Organisation, org_id)
    if org is None or coverage_root(me, notice) is None:
        abort(404)
    if not can_view_coverage(me, notice, org):
        abort(403)
    count = services.remind(me, notice, org)
    return redirect_after_change(
        url_for("notices.coverage", notice_id=notice.id, org=org.id),
        _("已提醒 %(n)d 位未读的团干部。", n=count),
    )


@bp.route("/attachments/<id:attachment_id>/<path:filename>")
@login_required
def attachment(attachment_id: int, filename: str) -> Response:
    me = _me()
    item = db.session.get(NoticeAttachment, attachment_id)
    if item is None:
        abort(404)
    notice = services.get_notice(item.notice_id)
    if services.recipient_row(notice.id, me.id) is None and coverage_root(me, notice) is None:
        abort(404)
    path = attachments.path_of(item.storage_key)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=not item.content_type.startswith("image/"),
        download_name=item.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
