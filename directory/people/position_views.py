"""Career history: add, edit, end and delete positions, in place with htmx or as plain pages."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.core import time as clock
from directory.core.enums import POSITION_TITLES
from directory.core.errors import ValidationError
from directory.extensions import limiter
from directory.orgs.picker import org_choice
from directory.people import services as people
from directory.people.forms import EndPositionForm, PositionForm
from directory.people.models import Person, Position
from directory.people.permissions import can_edit_profile, can_manage_position
from directory.people.views import bp, pick_position_org, profile_context, profile_page_context
from directory.web.forms import BaseForm
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change


def _editable_person(person_id: int) -> Person:
    person = people.get_profile(person_id, current_user)
    if not can_edit_profile(current_user, person):
        abort(403)
    return person


def _done(person_id: int, message: str) -> Response:
    """After a change: the fresh positions section for htmx, else back to the profile."""
    if wants_fragment():
        person = people.get_profile(person_id, current_user)
        response = Response(
            render_template("people/_positions.html", **profile_context(person)),
            mimetype="text/html",
        )
        # The form replaced one row; the answer replaces the whole section (order may change).
        response.headers["HX-Retarget"] = "#positions"
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    return redirect_after_change(url_for("people.show", person_id=person_id), message)


def _unique_ids(form: BaseForm, row_id: str) -> None:
    """Prefix element ids with the row, so several rows can be edited at once."""
    for f in form:
        f.id = f"{row_id}-{f.name}"
        f.label.field_id = f.id


def _form_page(person: Person, form: BaseForm, row_id: str, action: str, heading: str):
    status = 422 if request.method == "POST" else 200
    _unique_ids(form, row_id)
    page = render(
        "people/position_form.html",
        "form",
        person=person,
        form=form,
        row_id=row_id,
        action=action,
        heading=heading,
        titles=POSITION_TITLES,
    )
    return page, status


@bp.route("/<id:person_id>/positions")
@login_required
def positions(person_id: int) -> str:
    person = people.get_profile(person_id, current_user)
    return render("people/show.html", "positions", **profile_page_context(person))


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


def _claim_limit() -> str:
    return str(current_app.config["POSITION_CLAIM_RATE_LIMIT"])


# Counted per account: adding or editing positions is how claims are made.
claim_limit = limiter.limit(_claim_limit, key_func=_user_key, methods=["POST"])


@bp.route("/<id:person_id>/positions/new", methods=["GET", "POST"])
@login_required
@claim_limit
def add_position(person_id: int):
    person = _editable_person(person_id)
    form = PositionForm()
    valid = form.validate_on_submit()
    org = pick_position_org(form.organisation) if request.method == "POST" else None
    if valid and org is not None:
        try:
            position = people.add_position(
                current_user,
                person,
                org,
                form.title.data,
                form.start_date.data,
                form.end_date.data,
            )
        except ValidationError as err:
            form.add_service_error(err, "organisation")
        else:
            if position.is_pending:
                return _done(person.id, _("职务已提交，等待该组织管理员确认。"))
            return _done(person.id, _("职务已添加。"))
    action = url_for("people.add_position", person_id=person.id)
    return _form_page(person, form, "position-new", action, _("添加职务"))


def _position(person_id: int, position_id: int) -> tuple[Person, Position]:
    """The person and one of their positions, for someone allowed to manage that post
    (the profile's editors, or admins of the post's organisation)."""
    person = people.get_profile(person_id)
    position = people.get_position(person, position_id)
    if not can_manage_position(current_user, position):
        abort(403)
    return person, position


@bp.route("/<id:person_id>/positions/<id:position_id>/edit", methods=["GET", "POST"])
@login_required
@claim_limit
def edit_position(person_id: int, position_id: int):
    person, position = _position(person_id, position_id)
    if not can_edit_profile(current_user, person):
        abort(403)  # admins of the post's organisation end or delete it, not rewrite it
    form = PositionForm(
        data={
            "organisation": position.organisation_id,
            "title": position.title,
            "start_date": position.start_date.isoformat(),
            "end_date": position.end_date.isoformat() if position.end_date else "",
        }
    )
    if request.method == "GET":
        form.organisation.show(org_choice(position.organisation))
    valid = form.validate_on_submit()
    org = (
        pick_position_org(form.organisation, allow_dissolved=True)
        if request.method == "POST"
        else None
    )
    if valid and org is not None:
        try:
            people.update_position(
                current_user,
                position,
                org,
                form.title.data,
                form.start_date.data,
                form.end_date.data,
            )
        except ValidationError as err:
            form.add_service_error(err, "organisation")
        else:
            if position.is_pending:
                return _done(person.id, _("职务已修改，等待该组织管理员确认。"))
            return _done(person.id, _("职务已修改。"))
    action = url_for("people.edit_position", person_id=person.id, position_id=position.id)
    return _form_page(person, form, f"position-{position.id}", action, _("修改职务"))


@bp.route("/<id:person_id>/positions/<id:position_id>/end", methods=["GET", "POST"])
@login_required
def end_position(person_id: int, position_id: int):
    person, position = _position(person_id, position_id)
    form = EndPositionForm(data={"end_date": clock.today().isoformat()})
    if form.validate_on_submit():
        try:
            people.end_position(current_user, position, form.end_date.data)
        except ValidationError as err:
            form.add_service_error(err, "end_date")
        else:
            return _done(person.id, _("已记录卸任。"))
    status = 422 if request.method == "POST" else 200
    _unique_ids(form, f"position-{position.id}")
    action = url_for("people.end_position", person_id=person.id, position_id=position.id)
    page = render(
        "people/position_end.html",
        "form",
        person=person,
        position=position,
        form=form,
        row_id=f"position-{position.id}",
        action=action,
    )
    return page, status


@bp.route("/<id:person_id>/positions/<id:position_id>/delete", methods=["POST"])
@login_required
def delete_position(person_id: int, position_id: int) -> Response:
    _person, position = _position(person_id, position_id)
    people.delete_position(current_user, position)
    return _done(person_id, _("职务已删除。"))
