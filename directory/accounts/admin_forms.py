"""Forms of the admin area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length, Optional

from directory.web.forms import BaseForm, TrimmedStringField, email_field


class AccountForm(BaseForm):
    """Create an account; the password is set by the person through the invitation link."""

    name = TrimmedStringField(
        _l("姓名"),
        validators=[
            DataRequired(_l("请输入姓名。")),
            Length(max=40, message=_l("姓名太长（最多 40 个字符）。")),
        ],
    )
    email = email_field()
    membership_org = TrimmedStringField(
        _l("所属团组织"),
        validators=[Optional(), Length(max=120, message=_l("团组织名称太长。"))],
    )
    is_admin = BooleanField(_l("系统管理员"))
