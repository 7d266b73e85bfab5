"""Account administration: list, create, reset, deactivate, system admin rights."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from directory.accounts import admin as account_admin
from directory.accounts import services as accounts
from directory.accounts.admin_forms import AccountForm
from directory.core.errors import DomainError, NotFound, PermissionDenied, ValidationError
from directory.extensions import login
from directory.orgs.picker import pick_org
from directory.people import permissions
from directory.people.models import Person
from directory.web.args import page_arg
from directory.web.links import external_url
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _require_admin() -> Response | None:
    """Signed-in system admins and organisation admins only."""
    if not current_user.is_authenticated:
        return login.unauthorized()
    if not permissions.is_any_org_admin(current_user):
        abort(403)
    return None


@bp.route("/")
def index() -> str:
    """The accounts the viewer manages, searchable and paginated."""
    q = request.args.get("q", "")[:100]
    result = account_admin.list_accounts(
        current_user, q, page_arg(), current_app.config.get("PAGE_SIZE", 20)
    )
    return render("admin/index.html", "accounts", result=result, q=q)


@bp.route("/accounts/new", methods=["GET", "POST"])
def new() -> Response | str | tuple[str, int]:
    """Create an account and show its invitation link."""
    form = AccountForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                person = _create(form)
            except PermissionDenied:
                raise
            except DomainError as err:
                form.add_service_error(err, "email")
                status = 422 if isinstance(err, NotFound) else err.status
            else:
                message = _("账号已创建。请把下面的邀请链接发给%(name)s。", name=person.name)
                if wants_fragment():
                    return _account_fragment(person, message, retarget=True)
                return redirect_after_change(url_for("admin.show", person_id=person.id), message)
    return render("admin/new.html", "form", form=form), status


def _create(form: AccountForm) -> Person:
    org_id = None
    picked = form.membership_org
    if picked.data or picked.text:
        org = pick_org(picked)
        if org is None:  # the field says why (and lists the candidates when several match)
            raise ValidationError(picked.errors[-1], field="membership_org")
        org_id = org.id
    return accounts.create_account(
        actor=current_user,
        name=form.name.data,
        email=form.email.data,
        membership_org_id=org_id,
        is_admin=bool(form.is_admin.data),
    )


def _invitation_link(person: Person) -> str | None:
    """A fresh link for an active account that has no password yet."""
    if person.password_hash or not person.is_active_account:
        return None
    token = accounts.invitation_token(person)
    return external_url("auth.accept_invitation", token=token)


def _show_context(person: Person) -> dict[str, object]:
    return {
        "person": person,
        "invitation_link": _invitation_link(person),
        "can_manage_admins": current_user.is_admin,
    }


def _account_fragment(person: Person, message: str, *, retarget: bool = False) -> Response:
    block = "content" if retarget else "account"
    body = render("admin/show.html", block, notice=message, **_show_context(person))
    response = current_app.make_response(body)
    if retarget:
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Push-Url"] = url_for("admin.show", person_id=person.id)
    return response


@bp.route("/accounts/<id:person_id>")
def show(person_id: int) -> str:
    """One account: its state, its invitation link if pending, and the actions."""
    person = account_admin.get_managed_account(current_user, person_id)
    return render("admin/show.html", "account", **_show_context(person))


def _act(person_id: int, action, message: str) -> Response | tuple[str, int]:
    """Run one account action; answer with the account block (htmx) or PRG."""
    try:
        person = action()
    except (PermissionDenied, NotFound):
        raise
    except DomainError as err:
        person = account_admin.get_managed_account(current_user, person_id)
        body = render("admin/show.html", "account", error=err.message, **_show_context(person))
        return body, err.status
    if wants_fragment():
        return _account_fragment(person, message)
    return redirect_after_change(url_for("admin.show", person_id=person.id), message)


def _flag(name: str) -> bool:
    value = request.form.get(name, "")
    if value not in {"0", "1"}:
        abort(400)
    return value == "1"


@bp.route("/accounts/<id:person_id>/reset", methods=["POST"])
def reset(person_id: int) -> Response | tuple[str, int]:
    """Force a password reset: sign the person out everywhere and issue a new link."""
    return _act(
        person_id,
        lambda: account_admin.reissue_invitation(current_user, person_id),
        _("已重置密码并生成新的邀请链接；此人已在所有设备上退出登录。"),
    )


@bp.route("/accounts/<id:person_id>/active", methods=["POST"])
def set_active(person_id: int) -> Response | tuple[str, int]:
    """Deactivate (active=0) or reactivate (active=1) an account."""
    active = _flag("active")
    return _act(
        person_id,
        lambda: account_admin.set_active(current_user, person_id, active),
        _("账号已启用。") if active else _("账号已停用。"),
    )


@bp.route("/accounts/<id:person_id>/admin", methods=["POST"])
def set_admin(person_id: int) -> Response | tuple[str, int]:
    """Grant (admin=1) or revoke (admin=0) system admin rights."""
    grant = _flag("admin")
    return _act(
        person_id,
        lambda: account_admin.set_system_admin(current_user, person_id, grant),
        _("已授予系统管理员权限。") if grant else _("已撤销系统管理员权限。"),
    )
