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
from directory.core.numbers import parse_id
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.orgs.permissions import admin_org_ids
from directory.orgs.picker import org_choice, org_picker
from directory.people.models import Person
from directory.people.permissions import is_any_org_admin
from directory.people.picker import person_choice
from directory.transfers import accepting, picking, reports
from directory.transfers import services as svc
from directory.transfers.forms import (
    AcceptForm,
    NewTransferForm,
    ResubmitForm,
    ReturnForm,
    StepForm,
)
from directory.transfers.models import TransferAction, TransferReason
from directory.transfers.permissions import can_view_transfer
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change

bp = Blueprint("transfers", __name__, url_prefix="/transfers")

A = TransferAction
Page = str | tuple[str, int] | Response


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
    """The request form: a member for themself, an admin for a member (转出/转入).

    `?member=<id>` (the links on a profile and on a roster row) fills the member in.
    """
    form = NewTransferForm()
    status = 200
    if request.method == "GET":
        member_id = parse_id(request.args.get("member", ""))
        member = db.session.get(Person, member_id) if member_id is not None else None
        if member is not None and member.id != current_user.id:
            form.member.show(person_choice(member))
    elif not form.validate_on_submit():
        status = 422
    else:
        outcome = _submit(form)
        if isinstance(outcome, Response):
            return outcome
        status = outcome
    # Admins pick the member; a cadre asks for themself.
    picks_member = is_any_org_admin(current_user)
    return render("transfers/new.html", "form", form=form, picks_member=picks_member), status


def _submit(form: NewTransferForm) -> Response | int:
    """Submit the form's transfer, or the status of the form shown again with its errors."""
    wants_other = form.member.data or form.member.text
    person = picking.pick_member(current_user, form.member) if wants_other else current_user
    to_org = picking.pick_destination(form.destination)
    if person is None or to_org is None:
        return 404 if form.member.not_found or form.destination.not_found else 422
    try:
        t = svc.submit(
            current_user, person, to_org, TransferReason(form.reason.data), form.note.data
        )
    except DomainError as err:
        form.add_service_error(err, "destination")
        return err.status
    return redirect_after_change(url_for("transfers.show", transfer_id=t.id), _("转接申请已提交。"))


@bp.route("/member-options")
@login_required
def member_options() -> str:
    """The member picker of the request form: people the user may start a transfer for."""
    q = " ".join(request.args.get(f"{request.args.get('field', 'member')}_q", "").split())[:100]
    return render(
        "_macros/picker_options.html", q=q, choices=picking.member_options(current_user, q)
    )


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
    resubmit = forms.get("resubmit")
    if resubmit is None:
        resubmit = ResubmitForm(
            formdata=None, data={**ver, "reason": t.reason.value, "note": t.note}
        )
        resubmit.destination.show(org_choice(t.to_org))
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
    t_to_org = t.to_org
    try:
        if not _do(action, form, transfer_id, t_to_org):
            # A picker could not tell what was meant: its field says why (once).
            return _render_show(t, 422, _("提交的内容有误，请按提示修改。"), {action: form})
    except DomainError as err:
        db_refresh(t)
        if err.field and err.field in form:
            form.add_service_error(err, err.field)
            return _render_show(t, err.status, _("提交的内容有误，请按提示修改。"), {action: form})
        return _render_show(t, err.status, err.message)
    flash(str(_DONE[action]), "success")
    if wants_fragment():
        db_refresh(t)
        return _render_show(t)
    return redirect_after_change(url_for("transfers.show", transfer_id=transfer_id))


def db_refresh(t: Any) -> None:
    """Reload a transfer after a transaction ended (committed or rolled back)."""
    db.session.refresh(t)


def _do(action: str, form: Any, transfer_id: int, to_org: Organisation) -> bool:
    """Take the step; False when a picker needs the user to choose again."""
    v = form.version.data
    if action == "approve":
        svc.approve_out(current_user, transfer_id, v, form.note.data)
    elif action == "accept":
        branch = None
        if form.branch.data or form.branch.text:
            branch = picking.pick_branch(form.branch, to_org)
            if branch is None:
                return False
        accepting.accept_in(
            current_user, transfer_id, v, branch, form.end_positions.data, form.note.data
        )
    elif action == "return":
        svc.return_(current_user, transfer_id, v, form.reason.data)
    elif action == "withdraw":
        svc.withdraw(current_user, transfer_id, v, form.note.data)
    else:
        destination = picking.pick_destination(form.destination)
        if destination is None:
            return False
        svc.resubmit(
            current_user,
            transfer_id,
            v,
            destination,
            TransferReason(form.reason.data),
            form.note.data,
        )
    return True


# Parts of other features' pages (added in transfers.init_app; see web/pages.py).


def org_page_part(*, org: Organisation, roster_ids: list[int] | None, **_: Any) -> dict[str, Any]:
    """The organisation page: roster members with a transfer in progress, and who is on
    the way in (one query; nothing when the viewer may not see the roster)."""
    if roster_ids is None:
        return {"transfer_markers": None}
    return {"transfer_markers": accepting.roster_markers(org.id, roster_ids)}


def profile_part(*, viewer: Person, person: Person, **_: Any) -> dict[str, Any]:
    """The profile: whether the person has a transfer in progress (转接中), and that
    transfer when the viewer may open it (the page links to it instead of offering to
    start another, which would be refused)."""
    transfer = accepting.open_transfer(person.id)
    return {
        "in_transfer": transfer is not None,
        "open_transfer": transfer if transfer and can_view_transfer(viewer, transfer) else None,
    }
