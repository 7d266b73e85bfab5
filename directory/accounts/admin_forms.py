"""Forms of the admin area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired, Length

from directory.web.forms import BaseForm, TrimmedStringField, email_field
from directory.web.picker import PickerField


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
    membership_org = PickerField(_l("所属团组织"))
    is_admin = BooleanField(_l("系统管理员"))
