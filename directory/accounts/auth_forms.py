"""Forms of the sign-in area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from directory.web.forms import BaseForm, email_field


class LoginForm(BaseForm):
    email = email_field()
    password = PasswordField(
        _l("密码"),
        validators=[
            DataRequired(_l("请输入密码。")),
            Length(max=200, message=_l("密码太长（最多 200 个字符）。")),
        ],
    )
    remember = BooleanField(_l("记住我（30 天）"))


class NewPasswordMixin:
    new_password = PasswordField(
        _l("新密码"),
        validators=[
            DataRequired(_l("请输入新密码。")),
            Length(max=200, message=_l("密码太长（最多 200 个字符）。")),
        ],
    )
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[
            DataRequired(_l("请再次输入新密码。")),
            EqualTo("new_password", _l("两次输入的密码不一致。")),
        ],
    )


class ChangePasswordForm(BaseForm, NewPasswordMixin):
    current_password = PasswordField(
        _l("当前密码"),
        validators=[
            DataRequired(_l("请输入当前密码。")),
            Length(max=200, message=_l("密码太长（最多 200 个字符）。")),
        ],
    )


class SetPasswordForm(BaseForm, NewPasswordMixin):
    pass


class ForgotPasswordForm(BaseForm):
    email = email_field()
