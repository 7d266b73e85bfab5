"""Forms of the sign-in area, and the stricter UTF-8 check the admin forms share."""

from __future__ import annotations

import re

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from directory.web.forms import BaseForm, TrimmedStringField

# Werkzeug re-quotes undecodable bytes of a urlencoded body as "%XX" (never U+FFFD),
# so a non-ASCII byte escape left in a decoded value means the body was not UTF-8.
_REQUOTED_BYTE = re.compile(r"%[89a-f][0-9a-f]", re.IGNORECASE)
INVALID_TEXT = _l("包含无效字符（不是有效的 UTF-8 文本）。")


def body_was_undecodable() -> bool:
    """True when a non-empty urlencoded body could not be parsed as UTF-8 at all."""
    return (
        request.method == "POST"
        and request.mimetype == "application/x-www-form-urlencoded"
        and bool(request.content_length)
        and not request.form
    )


class StrictForm(BaseForm):
    """BaseForm plus detection of the invalid UTF-8 that Werkzeug does not turn into U+FFFD."""

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        ok = super().validate(extra_validators)
        message = str(INVALID_TEXT)
        fields = [f for f in self if f.type not in {"CSRFTokenField", "HiddenField"}]
        if body_was_undecodable() and fields:
            fields[0].errors = [message]
            return False
        for field in fields:
            if field.type == "PasswordField" or not isinstance(field.data, str):
                continue  # a password may legitimately contain "%E9"
            if _REQUOTED_BYTE.search(field.data) and message not in field.errors:
                field.errors = [*list(field.errors), message]
                ok = False
        return ok


class LoginForm(StrictForm):
    email = TrimmedStringField(
        _l("电子邮箱"),
        validators=[
            DataRequired(_l("请输入电子邮箱。")),
            Length(max=254, message=_l("电子邮箱太长。")),
            Email(_l("电子邮箱格式不正确。")),
        ],
    )
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


class ChangePasswordForm(StrictForm, NewPasswordMixin):
    current_password = PasswordField(
        _l("当前密码"),
        validators=[
            DataRequired(_l("请输入当前密码。")),
            Length(max=200, message=_l("密码太长（最多 200 个字符）。")),
        ],
    )


class SetPasswordForm(StrictForm, NewPasswordMixin):
    pass
