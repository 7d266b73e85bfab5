"""Token settings pages (blueprint `tokens`, /api/tokens): make, list and revoke tokens;
an admin sees and revokes the tokens of the accounts they administer."""

from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.api import tokens
from directory.api.forms import NewTokenForm
from directory.api.permissions import can_manage_tokens
from directory.core import time as clock
from directory.core.errors import DomainError
from directory.extensions import db
from directory.people.models import Person
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

bp = Blueprint("tokens", __name__, url_prefix="/api/tokens")

Page = str | tuple[str, int] | Response


def _page(form: NewTokenForm, status: int = 200, secret: str | None = None) -> tuple[str, int]:
    me = current_user._get_current_object()
    return (
        render(
            "api/tokens.html",
            "tokens",
            form=form,
            owner=me,
            items=tokens.tokens_of(me),
            secret=secret,
            now=clock.now(),
            own=True,
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> Page:
    """My tokens and the form to make one; the new secret is shown once, on this answer."""
    form = NewTokenForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    try:
        made = tokens.create_token(
            current_user, form.name.data or "", list(form.scopes.data or []), int(form.days.data)
        )
    except DomainError as err:
        form.add_service_error(err, "name")
        return _page(form, err.status)
    return _page(NewTokenForm(formdata=None), 201, secret=made.secret)


@bp.route("/<id:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Response:
    """Revoke a token (its owner, or an admin of its owner's account)."""
    token = tokens.revoke_token(current_user, token_id)
    target = (
        url_for("tokens.index")
        if token.person_id == current_user.id
        else url_for("tokens.of_person", person_id=token.person_id)
    )
    return redirect_after_change(target, _("令牌已撤销。"))


@bp.route("/people/<id:person_id>")
@login_required
def of_person(person_id: int) -> Page:
    """The tokens of an account the viewer administers (to see and revoke, never to make)."""
    owner = db.session.get(Person, person_id)
    if owner is None or not can_manage_tokens(current_user, owner):
        abort(404)
    return render(
        "api/tokens.html",
        "tokens",
        form=None,
        owner=owner,
        items=tokens.tokens_of(owner),
        secret=None,
        now=clock.now(),
        own=owner.id == current_user.id,
    )
