"""The audit page's filter (a GET form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from directory.audit.actions import ACTIONS
from directory.web.forms import BaseForm, TrimmedStringField


class AuditFilterForm(BaseForm):
    """Action, actor's name, organisation's name, date range."""

    class Meta:
        csrf = False  # a read-only GET filter

    action = SelectField(
        _l("操作"),
        choices=[SelectChoice("", _l("全部"))] + [SelectChoice(k, v) for k, v in ACTIONS.items()],
        validate_choice=True,
        default="",
    )
    actor = TrimmedStringField(_l("操作人"), validators=[Optional()])
    org = TrimmedStringField(_l("团组织"), validators=[Optional()])
    start = DateField(_l("开始日期"), validators=[Optional()])
    end = DateField(_l("结束日期"), validators=[Optional()])
