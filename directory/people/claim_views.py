"""The claims queue: admins confirm or reject self-declared positions (htmx and plain forms)."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.core.errors import ValidationError
from directory.extensions import db
from directory.people import claims
from directory.people.forms import DecideClaimForm, RejectClaimForm
from directory.people.models import Position
from directory.people.permissions import can_review_position, is_any_org_admin
from directory.people.views import bp
from directory.web.args import page_arg
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change


def _claim(position_id: int) -> Position:
    position = db.session.get(Position, position_id)
    if position is None or not can_review_position(current_user, position):
        abort(404)
    return position


@bp.route("/claims", endpoint="claims")
@login_required
def claims_queue() -> str:
    if not is_any_org_admin(current_user):
        abort(403)
    page = page_arg()
    result = claims.reviewable_claims(current_user, page)
    return render("people/claims.html", "queue", result=result, reject_form=RejectClaimForm())


def _decided(position: Position, message: str) -> Response | str:
    if wants_fragment():
        return render("people/claims.html", "decided", p=position, message=message)
    return redirect_after_change(url_for("people.claims"), message)


@bp.route("/claims/<id:position_id>/confirm", methods=["POST"])
@login_required
def confirm_claim(position_id: int) -> Response | str:
    position = _claim(position_id)
    if not DecideClaimForm().validate_on_submit():
        abort(400)
    claims.confirm_claim(current_user, position)
    return _decided(position, _("已确认。"))


@bp.route("/claims/<id:position_id>/reject", methods=["GET", "POST"])
@login_required
def reject_claim(position_id: int) -> Response | str | tuple[str, int]:
    position = _claim(position_id)
    form = RejectClaimForm()
    if form.validate_on_submit():
        try:
            claims.reject_claim(current_user, position, form.reason.data)
        except ValidationError as err:
            form.reason.errors = [*form.reason.errors, err.message]
        else:
            return _decided(position, _("已标记为未通过。"))
    status = 422 if request.method == "POST" else 200
    return render("people/claim_reject.html", "form", p=position, form=form), status
