"""Profiles: the directory list, the profile page, profile editing, organisation suggestions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.audit import services as audit_services
from directory.core.enums import Visibility
from directory.core.errors import ValidationError
from directory.orgs.matching import find_orgs
from directory.orgs.models import Organisation
from directory.orgs.permissions import is_org_admin
from directory.orgs.picker import org_choice, org_picker, pick_org
from directory.people import services as people
from directory.people.colleagues import former_colleagues
from directory.people.forms import ProfileForm
from directory.people.models import Person
from directory.people.permissions import (
    CONTACT_FIELDS,
    ContactPolicy,
    can_edit_profile,
    can_manage_position,
    can_see_position,
)
from directory.people.picker import person_choice
from directory.web.args import page_arg
from directory.web.pages import page_parts
from directory.web.picker import PickerField, typed_query
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

bp = Blueprint("people", __name__, url_prefix="/people")

CONTACT_LABELS = {"phone": _l("手机号码"), "email": _l("电子邮箱"), "wechat": _l("微信号")}
_HIDDEN_NOTES = {
    Visibility.SHARED: _l("仅同组织或同群组的人可见"),
    Visibility.ADMINS: _l("仅管理员可见"),
}


def contact_rows(policy: ContactPolicy, person: Person) -> list[dict[str, Any]]:
    """One row per contact field: the value when visible, otherwise who may see it."""
    rows = []
    for field in CONTACT_FIELDS:
        visible = policy.can_view(person, field)
        visibility: Visibility = getattr(person, f"{field}_visibility")
        rows.append(
            {
                "field": field,
                "label": CONTACT_LABELS[field],
                "value": getattr(person, field) if visible else None,
                "visible": visible,
                "note": None if visible else _HIDDEN_NOTES.get(visibility, _l("不可见")),
            }
        )
    return rows


def profile_context(person: Person) -> dict[str, Any]:
    """What the profile page and its positions section need."""
    policy = ContactPolicy(current_user, [person])
    can_edit = can_edit_profile(current_user, person)
    positions = [p for p in person.positions if can_see_position(current_user, p)]
    return {
        "person": person,
        "contacts": contact_rows(policy, person),
        "can_edit": can_edit,
        "positions": positions,
        # Admins of a post's organisation may end or remove it even on others' profiles.
        "manageable": set()
        if can_edit
        else {p.id for p in positions if can_manage_position(current_user, p)},
    }


def profile_page_context(person: Person) -> dict[str, Any]:
    """What the whole profile page shows: the profile, and what other features add to it
    (whether a transfer is open, the organisations the person is liaison for)."""
    viewer = current_user._get_current_object()
    org = person.membership_org
    return {
        **profile_context(person),
        # The member themself or an admin of their organisation may start a transfer.
        "can_start_transfer": org is not None
        and (viewer.id == person.id or is_org_admin(viewer, org)),
        **page_parts("people.show", viewer=viewer, person=person),
    }


@bp.route("/")
@login_required
def index() -> str:
    text = request.args.get("q", "")[:40]
    page = page_arg()
    per_page = current_app.config.get("PAGE_SIZE", 20)
    result = people.list_people(text, page, per_page)
    policy = ContactPolicy(current_user, result.items)
    rows = [(p, policy.visible_contacts(p)) for p in result.items]
    return render("people/index.html", "results", result=result, rows=rows, q=text)


@bp.route("/<id:person_id>")
@login_required
def show(person_id: int) -> str:
    person = people.get_profile(person_id, current_user)
    context = profile_page_context(person)
    shown = [row["field"] for row in context["contacts"] if row["visible"] and row["value"]]
    page = render("people/show.html", "profile", **context)
    # After rendering: the commit expires the loaded objects, which the page would reload.
    audit_services.contacts_revealed(current_user, person, shown)
    return page


@bp.route("/<id:person_id>/colleagues")
@login_required
def colleagues(person_id: int) -> str:
    """Former colleagues of a person (people you may know, on one's own profile).

    Its own request, loaded by the profile page with htmx (a link without JavaScript),
    so the profile keeps its few queries.
    """
    person = people.get_profile(person_id, current_user)
    found = former_colleagues(person, limit=6)
    return render("people/colleagues.html", "colleagues", person=person, colleagues=found)


def _initial(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in ProfileForm.PROFILE_FIELDS:
        value = getattr(person, name)
        data[name] = getattr(value, "value", value)
    data["birth_year"] = str(person.birth_year or "")
    return data


@bp.route("/<id:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit(person_id: int) -> Response | tuple[str, int]:
    person = people.get_profile(person_id, current_user)
    if not can_edit_profile(current_user, person):
        abort(403)
    # A post is read as sent: a missing field is an error, not "keep the old value".
    form = ProfileForm() if request.method == "POST" else ProfileForm(data=_initial(person))
    if not current_user.is_admin:
        # Membership moves through transfers; only a system admin may correct it here.
        del form.membership_org
    elif request.method == "GET":
        form.membership_org.show(
            org_choice(person.membership_org) if person.membership_org else None
        )
    valid = form.validate_on_submit()
    org = None
    if request.method == "POST" and "membership_org" in form:
        picked = form.membership_org
        org = pick_org(picked) if picked.data or picked.text else None
        valid = valid and not picked.errors
    if valid:
        fields = {name: getattr(form, name).data for name in ProfileForm.PROFILE_FIELDS}
        if org is not None:
            fields["membership_org"] = org
        try:
            people.update_profile(current_user, person, **fields)
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            return redirect_after_change(
                url_for("people.show", person_id=person.id), _("资料已保存。")
            )
    status = 422 if request.method == "POST" else 200
    return render("people/edit.html", "form", form=form, person=person), status


def pick_position_org(field: PickerField, *, allow_dissolved: bool = False) -> Organisation | None:
    """The organisation picked for a position (None with the reason on the field)."""
    org = pick_org(
        field,
        lambda text: find_orgs(text, include_dissolved=allow_dissolved),
        missing=_("请选择团组织。"),
    )
    if org is not None and org.is_dissolved and not allow_dissolved:
        field.errors = [*field.errors, _("团组织“%(name)s”已撤销。", name=org.name)]
        return None
    return org


@bp.route("/org-options")
@login_required
def org_options() -> str:
    """The organisation picker of the profile and position forms (see orgs.picker.org_picker)."""
    return org_picker()


@bp.route("/options")
@login_required
def options() -> str:
    """Options of a person picker: active people matching the typed name, pinyin or org."""
    q = typed_query()
    people_found = people.pick_people(q) if q else []
    return render(
        "_macros/picker_options.html", q=q, choices=[person_choice(p) for p in people_found]
    )
