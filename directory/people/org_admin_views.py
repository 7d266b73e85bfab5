"""An organisation's admins page (组织管理员): list, appoint, remove.

The page belongs to the organisation's URLs and endpoints (`orgs.admins`,
`orgs.remove_admin`) but shows and picks people, so it lives here and `people.init_app`
adds it to the app under those names (`ROUTES`).
"""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from directory.core.errors import ValidationError
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.orgs.permissions import can_manage_org
from directory.orgs.services import managed_org
from directory.people import org_admins
from directory.people.forms import AdminForm
from directory.people.models import Person
from directory.people.org_pages import direct_admins
from directory.people.picker import person_choice
from directory.people.services import pick_people
from directory.web.picker import PickerField, resolve
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change

Page = BaseResponse | str | tuple[str, int]


def pick_account(field: PickerField) -> Person | None:
    """The active account picked in `field`: by the autocomplete, or typed as a name, its
    pinyin, an organisation or an e-mail address (None with the reason on the field)."""

    def by_text(text: str) -> list[Person]:
        if "@" in text:
            found = db.session.scalar(
                select(Person).where(Person.email == text.lower()[:254], Person.is_active_account)
            )
            return [found] if found is not None else []
        return pick_people(text)

    return resolve(
        field,
        lambda i: db.session.scalar(select(Person).where(Person.id == i, Person.is_active_account)),
        by_text,
        person_choice,
        missing=_("请选择要设为管理员的人。"),
        not_found=_("找不到“%(text)s”，请输入姓名、拼音或电子邮箱。", text=field.text),
    )


def _admins_page(
    org: Organisation, form: AdminForm, status: int = 200, *, notice: str = "", error: str = ""
) -> tuple[str, int]:
    html = render(
        "orgs/admins.html",
        "admins",
        org=org,
        admins=direct_admins(org),
        form=form,
        notice=notice,
        error=error,
    )
    return html, status


@login_required
def admins(org_id: int) -> Page:
    """The organisation's admins; add one by picking an existing account."""
    org = managed_org(current_user, org_id)
    form = AdminForm()
    if form.validate_on_submit() and (picked := pick_account(form.person)) is not None:
        try:
            person = org_admins.add_org_admin(current_user, org.id, picked.id)
        except ValidationError as err:
            form.add_service_error(err, "person")
        else:
            notice = _("已将 %(name)s 设为管理员。", name=person.name)
            if wants_fragment():
                return _admins_page(org, AdminForm(formdata=None), notice=notice)
            return redirect_after_change(url_for("orgs.admins", org_id=org.id), notice)
    return _admins_page(org, form, 422 if request.method == "POST" else 200)


@login_required
def remove_admin(org_id: int, person_id: int) -> Page:
    """Remove one admin of the organisation."""
    org = managed_org(current_user, org_id)
    try:
        org_admins.remove_org_admin(current_user, org.id, person_id)
    except ValidationError as err:
        return _admins_page(org, AdminForm(formdata=None), 422, error=err.message)
    notice = _("已移除管理员。")
    if not can_manage_org(current_user, org):
        return redirect_after_change(url_for("orgs.show", org_id=org.id), notice)
    if wants_fragment():
        return _admins_page(org, AdminForm(formdata=None), notice=notice)
    return redirect_after_change(url_for("orgs.admins", org_id=org.id), notice)


#: (rule, endpoint, view, methods), added to the app by `people.init_app`.
ROUTES = [
    ("/orgs/<id:org_id>/admins", "orgs.admins", admins, ["GET", "POST"]),
    ("/orgs/<id:org_id>/admins/<id:person_id>/remove", "orgs.remove_admin", remove_admin, ["POST"]),
]
