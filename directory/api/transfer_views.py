"""API: transfers the caller may see; start one; approve, return, withdraw, accept.

Each step carries the `version` the caller last read: the state machine's conditional
UPDATE answers 409 when someone else was first (the same check as the transfer page).
Writes need the `transfers` scope on a token.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from directory.api import respond
from directory.api.auth import require_scope
from directory.api.schemas import (
    AcceptStep,
    NewTransfer,
    ReturnStep,
    Step,
    TransferDetail,
    TransferList,
    TransferOut,
    TransferQuery,
)
from directory.api.spec import responses, spec
from directory.api.views import bp
from directory.core.errors import NotFound, ValidationError
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people import services as people
from directory.transfers import accepting, reports
from directory.transfers import services as svc
from directory.transfers.models import Transfer, TransferReason, TransferState
from directory.transfers.permissions import visible_clause

PER_PAGE = 50
WRITE_ERRORS = (403, 404, 409, 422)


def _transfer(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.id,
        "person_id": t.person_id,
        "person_name": t.person.name,
        "from_org": respond.org_ref(t.from_org),
        "to_org": respond.org_ref(t.to_org),
        "final_org": respond.org_ref(t.final_org) if t.final_org else None,
        "reason": t.reason.value,
        "note": t.note,
        "state": t.state.value,
        "version": t.version,
        "return_reason": t.return_reason,
        "created_at": respond.iso(t.created_at),
        "state_since": respond.iso(t.state_since),
        "allowed_actions": [a.value for a in svc.allowed_actions(current_user, t)],
    }


def _detail(t: Transfer) -> dict[str, Any]:
    return {
        **_transfer(t),
        "events": [
            {
                "action": e.action.value,
                "from_state": respond.enum_value(e.from_state),
                "to_state": e.to_state.value,
                "note": e.note,
                "at": respond.iso(e.at),
                "actor_id": e.actor_id,
            }
            for e in reports.timeline(t)
        ],
    }


@bp.route("/transfers")
@spec.validate(query=TransferQuery, resp=responses(TransferList, 400), tags=["transfers"])
def transfer_list() -> Response:
    """The transfers the caller may see (as on the pages), newest first."""
    page_no: int = request.context.query.page  # type: ignore[attr-defined]  # set by spectree
    state: str = request.context.query.state  # type: ignore[attr-defined]  # set by spectree
    cond = [visible_clause(current_user)]
    if state:
        if state not in {s.value for s in TransferState}:
            raise ValidationError(_("未知的筛选条件：%(value)s", value=state[:20]), field="state")
        cond.append(Transfer.state == TransferState(state))
    rows = list(
        db.session.scalars(
            reports._eager(select(Transfer).where(*cond).order_by(Transfer.id.desc()))
            .limit(PER_PAGE + 1)
            .offset((page_no - 1) * PER_PAGE)
        )
    )
    return respond.ok(
        {
            "items": [_transfer(t) for t in rows[:PER_PAGE]],
            "next": respond.next_link(len(rows) > PER_PAGE, page_no),
        }
    )


@bp.route("/transfers", methods=["POST"])
@spec.validate(
    json=NewTransfer, resp=responses(TransferOut, *WRITE_ERRORS, status=201), tags=["transfers"]
)
def transfer_create() -> Response:
    """Start a transfer for oneself or for a member of an organisation one administers."""
    require_scope("transfers")
    body: NewTransfer = request.context.json  # type: ignore[attr-defined]  # set by spectree
    person = people.get_profile(body.person_id, current_user)
    to_org = db.session.get(Organisation, body.to_org_id)
    if to_org is None:
        raise NotFound(_("团组织不存在。"))
    if body.reason not in {r.value for r in TransferReason}:
        raise ValidationError(
            _("未知的转接原因：%(value)s", value=body.reason[:20]), field="reason"
        )
    t = svc.submit(current_user, person, to_org, TransferReason(body.reason), body.note)
    return respond.ok(_transfer(svc.get_visible(current_user, t.id)), status=201)


@bp.route("/transfers/<id:transfer_id>")
@spec.validate(resp=responses(TransferDetail, 404), tags=["transfers"])
def transfer(transfer_id: int) -> Response:
    """One transfer with its history and the steps the caller may take."""
    return respond.ok(_detail(svc.get_visible(current_user, transfer_id)))


def _after_step(transfer_id: int) -> Response:
    db.session.expire_all()
    return respond.ok(_detail(svc.get_visible(current_user, transfer_id)))


@bp.route("/transfers/<id:transfer_id>/approve", methods=["POST"])
@spec.validate(json=Step, resp=responses(TransferDetail, *WRITE_ERRORS), tags=["transfers"])
def transfer_approve(transfer_id: int) -> Response:
    """转出审批: the sending side lets the member go."""
    require_scope("transfers")
    body: Step = request.context.json  # type: ignore[attr-defined]  # set by spectree
    svc.approve_out(current_user, transfer_id, body.version, body.note)
    return _after_step(transfer_id)


@bp.route("/transfers/<id:transfer_id>/return", methods=["POST"])
@spec.validate(json=ReturnStep, resp=responses(TransferDetail, *WRITE_ERRORS), tags=["transfers"])
def transfer_return(transfer_id: int) -> Response:
    """退回: the side holding the request sends it back, with a reason."""
    require_scope("transfers")
    body: ReturnStep = request.context.json  # type: ignore[attr-defined]  # set by spectree
    svc.return_(current_user, transfer_id, body.version, body.reason)
    return _after_step(transfer_id)


@bp.route("/transfers/<id:transfer_id>/withdraw", methods=["POST"])
@spec.validate(json=Step, resp=responses(TransferDetail, *WRITE_ERRORS), tags=["transfers"])
def transfer_withdraw(transfer_id: int) -> Response:
    """撤回: the requester cancels the request before completion."""
    require_scope("transfers")
    body: Step = request.context.json  # type: ignore[attr-defined]  # set by spectree
    svc.withdraw(current_user, transfer_id, body.version, body.note)
    return _after_step(transfer_id)


@bp.route("/transfers/<id:transfer_id>/accept", methods=["POST"])
@spec.validate(json=AcceptStep, resp=responses(TransferDetail, *WRITE_ERRORS), tags=["transfers"])
def transfer_accept(transfer_id: int) -> Response:
    """转入接收: the receiving side accepts; the membership moves (version-checked)."""
    require_scope("transfers")
    body: AcceptStep = request.context.json  # type: ignore[attr-defined]  # set by spectree
    branch = None
    if body.branch_id is not None:
        branch = db.session.get(Organisation, body.branch_id)
        if branch is None:
            raise ValidationError(_("团组织不存在。"), field="branch_id")
    accepting.accept_in(
        current_user, transfer_id, body.version, branch, body.end_positions, body.note
    )
    return _after_step(transfer_id)
