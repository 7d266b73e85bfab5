"""Sign in, sign out, change password, accept an invitation."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from directory.accounts import services as accounts
from directory.accounts.auth_forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from directory.accounts.loader import login_id
from directory.accounts.next_url import safe_next
from directory.audit import services as audit_services
from directory.core.errors import ValidationError
from directory.core.mail import send_mail
from directory.extensions import limiter
from directory.web.limits import per_user
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _form_key() -> str:
    return (request.form.get("email") or "").strip().lower()[:254] or "-"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_form_key)
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        person = accounts.authenticate(form.email.data, form.password.data)
        if person is not None:
            # A fresh session at login: nothing from before sign-in carries over. The
            # session cookie ends with the browser; "remember me" adds a cookie that
            # lasts REMEMBER_COOKIE_DURATION from now, never longer (accounts/loader.py).
            remember = bool(form.remember.data)
            session.clear()
            person.stamp_login(login_id(person, remember))
            login_user(person, remember=remember)
            audit_services.signed_in(person)
            session.permanent = False
            flash(_("欢迎回来，%(name)s。", name=person.name), "success")
            return redirect(safe_next(request.args.get("next")))
        form.password.errors = [_("电子邮箱或密码不正确。")]
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", "form", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        # A new server-side token: every copy of this session or remember-me cookie dies.
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # Flask-Login deletes the remember-me cookie
    flash(_("你已退出登录。"), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@per_user("PASSWORD_CHANGE_RATE_LIMIT")
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ValidationError as err:
            form.add_service_error(err, "new_password")
        else:
            # The session token changed: sign in again under it, others are signed out.
            person = current_user._get_current_object()
            remember = current_user.get_id().endswith(":1")
            person.stamp_login(login_id(person, remember))
            login_user(person, remember=remember, fresh=True)
            return redirect_after_change(
                url_for("people.show", person_id=current_user.id),
                _("密码已修改，其他设备上的登录已失效。"),
            )
    status = 422 if request.method == "POST" else 200
    return render("auth/password.html", "form", form=form), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response | tuple[str, int]:
    person = accounts.person_for_invitation(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            person = accounts.accept_invitation(token, form.new_password.data)
        except ValidationError as err:
            form.add_service_error(err, "new_password")
        else:
            session.clear()
            person.stamp_login(login_id(person, remember=False))
            login_user(person)
            return redirect_after_change(
                url_for("people.show", person_id=person.id), _("密码已设置，欢迎使用团友录。")
            )
    status = 422 if request.method == "POST" else 200
    return render("auth/invite.html", "form", form=form, person=person, token=token), status


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_form_key)
def forgot_password() -> str | tuple[str, int]:
    """Forgotten password: a set-password link by e-mail when mail is configured.

    The answer is the same whether or not the address has an account, so the page cannot
    be used to find out who is registered. Without mail the page says whom to ask.
    """
    mail_on = bool(current_app.config.get("MAIL_ENABLED"))
    form = ForgotPasswordForm()
    sent = False
    if mail_on and form.validate_on_submit():
        found = accounts.reset_mail(form.email.data)
        if found is not None:
            address, token = found
            link = url_for("auth.accept_invitation", token=token, _external=True)
            send_mail(
                address,
                _("团友录：重新设置密码"),
                _(
                    "有人（希望是你）请求重新设置团友录的密码。请打开下面的链接设置新密码，"
                    "链接只能使用一次：\n\n%(link)s\n\n如果不是你本人操作，请忽略这封邮件。",
                    link=link,
                ),
            )
        sent = True
    status = 422 if request.method == "POST" and not sent and mail_on else 200
    return render("auth/forgot.html", form=form, mail_on=mail_on, sent=sent), status
