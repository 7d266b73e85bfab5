"""Forms of the notices area."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, Field, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from directory.core.enums import CadreKind, OrgLevel, Sector
from directory.people.forms import EnumField
from directory.web.forms import BaseForm, TrimmedStringField


def valid_date(form: BaseForm, field: Field) -> None:
    """An optional ISO date (the browser's date input); converts the data to a date."""
    if not field.data:
        field.data = None
        return
    try:
        field.data = date.fromisoformat(field.data)
    except ValueError:
        raise ValidationError(_l("日期格式应为 年-月-日，例如 2027-01-15。")) from None


class NoticeForm(BaseForm):
    org = SelectField(_l("发文团组织"), choices=[], validate_choice=False)
    title = TrimmedStringField(
        _l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=200)]
    )
    body = TextAreaField(_l("内容（支持 Markdown）"), validators=[Length(max=20_000)])
    files = MultipleFileField(_l("附件（PDF、Office 文档、图片）"))
    deadline = TrimmedStringField(
        _l("截止日期（可选）"), validators=[valid_date], render_kw={"type": "date"}
    )
    reply_required = BooleanField(_l("需要回复"))
    level = EnumField(_l("只发给这一层级（可选）"), OrgLevel)
    sector = EnumField(_l("只发给这一领域（可选）"), Sector)
    cadre_kind = EnumField(_l("只发给这类团干部（可选）"), CadreKind)
    person_list = SelectField(_l("只发给我的这个名单（可选）"), choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for f in (self.level, self.sector, self.cadre_kind):
            f.choices[0] = SelectChoice("", _l("不限"))


class ReplyForm(BaseForm):
    reply = TextAreaField(
        _l("回复"), validators=[DataRequired(_l("请填写回复内容。")), Length(max=2000)]
    )


class RemindForm(BaseForm):
    org = HiddenField()
