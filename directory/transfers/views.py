"""Single transfers: my list, the request form, the transfer page and its actions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from directory.core.errors import DomainError
from directory.extensions import db
from directory.orgs import services as org_service
from directory.orgs.models import Organisation
from directory.orgs.picker import org_picker
from directory.people.permissions import admin_org_ids
from directory.transfers import accepting, reports
from directory.transfers import services as svc
from directory.transfers.forms import (
    AcceptForm,
    NewTransferForm,
    ResubmitForm,
    ReturnForm,
    StepForm,
)
from directory.transfers.models import TransferAction, TransferReason
from directory.web.args import parse_id
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change

bp = Blueprint("transfers", __name__, url_prefix="/transfers")

A = TransferAction
Page = str | tuple[str, int] | Response


def resolve_org(text: str, field: str) -> Organisation:
    """The organisation typed into `field`, or a DomainError naming that field."""
    try:
        return org_service.resolve_org_reference(text)
    except DomainError as err:
        err.field = field
        raise


@bp.route("/")
@login_required
def index() -> str:
    """My transfers, and links to the dashboards of the organisations I administer."""
    ids = admin_org_ids(current_user)
    where = Organisation.parent_id.is_(None) if current_user.is_admin else Organisation.id.in_(ids)
    orgs = (
        list(db.session.scalars(select(Organisation).where(where)))
        if ids or current_user.is_admin
        else []
    )
    return render(
        "transfers/index.html",
        "transfers",
        items=reports.mine(current_user),
        admin_orgs=sorted(orgs, key=lambda o: o.path),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Page:
    """The request form: a member for themself, an admin for a member (转出/转入)."""
    form = NewTransferForm()
    if request.method == "GET":
        form.member.data = request.args.get("member", "")[:200]
    status = 200
    if form.validate_on_submit():
        try:
            person = (
                accepting.resolve_person(form.member.data) if form.member.data else current_user
            )
            to_org = resolve_org(form.destination.data, "destination")
            t = svc.submit(
                current_user, person, to_org, TransferReason(form.reason.data), form.note.data
            )
        except DomainError as err:
            form.add_service_error(err, "destination")
            status = err.status
        else:
            return redirect_after_change(
                url_for("transfers.show", transfer_id=t.id), _("转接申请已提交。")
            )
    elif request.method == "POST":
        status = 422
    return render("transfers/new.html", "form", form=form), status


@bp.route("/org-options")
@login_required
def org_options() -> str:
    """The organisation picker of transfer forms (see orgs.picker.org_picker).

    With `within=<id>` (the branch picker of an acceptance) it offers only the live
    branches under that organisation.
    """
    within = parse_id(request.args.get("within", ""))
    if within is None:
        return org_picker()
    parent = db.session.get(Organisation, within)
    return org_picker(lambda q: accepting.branches_under(parent, q) if parent else [])


def _render_show(
    t: Any, status: int = 200, error: str | None = None, forms: dict[str, Any] | None = None
) -> tuple[str, int]:

    forms = forms or {}
    ver = {"version": t.version}
    accept = forms.get("accept") or AcceptForm(formdata=None, data=ver)
    resubmit = forms.get("resubmit") or ResubmitForm(
        formdata=None,
        data={
            **ver,
            "destination": org_service.org_reference(t.to_org),
            "reason": t.reason.value,
            "note": t.note,
        },
    )
    actions = svc.allowed_actions(current_user, t)
    return (
        render(
            "transfers/show.html",
            "transfer",
            t=t,
            actions=actions,
            events=reports.timeline(t),
            error=error,
            approve=forms.get("approve") or StepForm(formdata=None, data=ver),
            accept=accept,
            ret=forms.get("return") or ReturnForm(formdata=None, data=ver),
            withdraw=forms.get("withdraw") or StepForm(formdata=None, data=ver),
            resubmit=resubmit,
            needs_branch=A.ACCEPT_IN in actions and accepting.needs_branch(t.to_org),
            is_htmx=wants_fragment(),
        ),
        status,
    )


@bp.route("/<id:transfer_id>")
@login_required
def show(transfer_id: int) -> Page:
    """One transfer: its facts, the actions the viewer may take, the timeline."""
    return _render_show(svc.get_visible(current_user, transfer_id))


_FORMS = {
    "approve": StepForm,
    "accept": AcceptForm,
    "return": ReturnForm,
    "withdraw": StepForm,
    "resubmit": ResubmitForm,
}
_DONE = {
    "approve": _l("已通过转出审批。"),
    "accept": _l("已接收，组织关系已转入。"),
    "return": _l("已退回。"),
    "withdraw": _l("已撤回。"),
    "resubmit": _l("已重新提交。"),
}


@bp.route("/<id:transfer_id>/<action>", methods=["POST"])
@login_required
def act(transfer_id: int, action: str) -> Page:
    """Take one step of the state machine; the page's version guards against stale pages."""
    if action not in _FORMS:
        abort(404)
    t = svc.get_visible(current_user, transfer_id)
    form = _FORMS[action]()
    if not form.validate_on_submit():
        return _render_show(t, 422, _("提交的内容有误，请按提示修改。"), {action: form})
    try:
        _do(action, form, transfer_id)
    except DomainError as err:
        db_refresh(t)
        if err.field and err.field in form:
            form.add_service_error(err, err.field)
            return _render_show(t, err.status, err.message, {action: form})
        return _render_show(t, err.status, err.message)
    flash(str(_DONE[action]), "success")
    if wants_fragment():
        db_refresh(t)
        return _render_show(t)
    return redirect_after_change(url_for("transfers.show", transfer_id=transfer_id))


def db_refresh(t: Any) -> None:
    """Reload a transfer after a transaction ended (committed or rolled back)."""
    db.session.refresh(t)


def _do(action: str, form: Any, transfer_id: int) -> None:
    v = form.version.data
    if action == "approve":
        svc.approve_out(current_user, transfer_id, v, form.note.data)
    elif action == "accept":
        branch = resolve_org(form.branch.data, "branch") if form.branch.data else None
        accepting.accept_in(
            current_user, transfer_id, v, branch, form.end_positions.data, form.note.data
        )
    elif action == "return":
        svc.return_(current_user, transfer_id, v, form.reason.data)
    elif action == "withdraw":
        svc.withdraw(current_user, transfer_id, v, form.note.data)
    else:
        to_org = resolve_org(form.destination.data, "destination")
        svc.resubmit(
            current_user, transfer_id, v, to_org, TransferReason(form.reason.data), form.note.data
        )
