"""Liaison: the committees I see, a committee's coverage with its gaps, assign and end."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from directory.core.errors import ValidationError
from directory.extensions import db
from directory.liaison import services
from directory.liaison.forms import AssignForm, EndForm
from directory.liaison.permissions import can_assign, can_view_committee, is_committee
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.web.args import parse_id
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

bp = Blueprint("liaison", __name__, url_prefix="/liaison")


def _me():
    return current_user._get_current_object()


@bp.route("/")
@login_required
def index() -> str:
    me = _me()
    return render(
        "liaison/index.html",
        None,
        committees=services.committees_for(me),
        mine=services.for_member(me, me),
    )


def _committee(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or not is_committee(org):
        abort(404)
    if not can_view_committee(_me(), org):
        abort(403)
    return org


def _assign_form(committee: Organisation) -> AssignForm:
    form = AssignForm()
    form.member.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(p.id), p.name) for p in services.committee_members(committee)
    ]
    form.target.choices = [SelectChoice("", _("请选择"))] + [
        SelectChoice(str(o.id), o.name) for o in services.targets(committee)
    ]
    return form


def _page(committee: Organisation, form: AssignForm) -> str:
    return render(
        "liaison/committee.html",
        None,
        committee=committee,
        cov=services.coverage(committee),
        can_assign=can_assign(_me(), committee),
        form=form,
        end_form=EndForm(formdata=None),
    )


@bp.route("/<id:org_id>")
@login_required
def committee(org_id: int) -> str:
    org = _committee(org_id)
    return _page(org, _assign_form(org))


@bp.route("/<id:org_id>/assign", methods=["POST"])
@login_required
def assign(org_id: int) -> Response | tuple[str, int] | str:
    me = _me()
    org = _committee(org_id)
    if not can_assign(me, org):
        abort(403)
    form = _assign_form(org)
    if form.validate():
        try:
            member = db.session.get(Person, parse_id(form.member.data) or 0)
            target = db.session.get(Organisation, parse_id(form.target.data) or 0)
            if member is None:
                raise ValidationError(_("请选择委员。"), field="member")
            if target is None:
                raise ValidationError(_("请选择联系的团组织。"), field="target")
            row = services.assign(me, org, member, target)
        except ValidationError as err:
            form.add_service_error(err, "target")
        else:
            return redirect_after_change(
                url_for("liaison.committee", org_id=org.id),
                _("已安排 %(name)s 联系 %(org)s。", name=row.member.name, org=row.target_org.name),
            )
    return _page(org, form), 422


@bp.route("/assignments/<id:assignment_id>/end", methods=["POST"])
@login_required
def end(assignment_id: int) -> Response:
    me = _me()
    row = services.get_assignment(assignment_id)
    if not can_view_committee(me, row.committee):
        abort(404)
    if not can_assign(me, row.committee):
        abort(403)
    services.end(me, row)
    return redirect_after_change(
        url_for("liaison.committee", org_id=row.committee_id),
        _("已结束 %(name)s 对 %(org)s 的联系。", name=row.member.name, org=row.target_org.name),
    )


# Parts of other features' pages (added in liaison.init_app; see web/pages.py).


def org_page_part(*, viewer: Person, org: Organisation, **_: Any) -> dict[str, Any]:
    """The organisation page: its liaisons and, for a committee, a link to its coverage."""
    committee = org if is_committee(org) and can_view_committee(viewer, org) else None
    return {"liaisons": services.for_org(viewer, org), "liaison_committee": committee}


def profile_part(*, viewer: Person, person: Person, **_: Any) -> dict[str, Any]:
    """The profile: the organisations the person is liaison for (定点联系)."""
    return {"liaison_orgs": services.for_member(viewer, person)}
