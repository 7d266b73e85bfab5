"""The form that makes a personal access token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from directory.api.tokens import EXPIRY_CHOICES, NAME_MAX
from directory.web.forms import BaseForm, TrimmedStringField


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NewTokenForm(BaseForm):
    name = TrimmedStringField(
        _l("令牌名称"),
        validators=[DataRequired(_l("请填写令牌名称。")), Length(max=NAME_MAX)],
    )
    scopes = CheckboxesField(
        _l("权限范围"),
        choices=[
            SelectChoice(
                "read",
                _l("读取（查询通讯录、团组织、群组、通知、转接；管理员另可导出花名册、查看统计）"),
            ),
            SelectChoice("transfers", _l("办理转接（发起、审批、退回、撤回、接收）")),
            SelectChoice("notices", _l("回复通知（以本人名义回复收到的通知）")),
        ],
        default=["read"],
        validators=[DataRequired(_l("请选择令牌的权限范围。"))],
    )
    days = SelectField(
        _l("有效期"),
        choices=[SelectChoice(str(d), _l("%(n)d 天", n=d)) for d in EXPIRY_CHOICES],
        default="90",
    )
