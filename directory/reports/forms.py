"""Forms of the information reports area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from directory.web.forms import BaseForm, TrimmedStringField


class ReportForm(BaseForm):
    org = SelectField(_l("报送单位"), choices=[], validate_choice=False)
    title = TrimmedStringField(
        _l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=200)]
    )
    body = TextAreaField(
        _l("内容"), validators=[DataRequired(_l("请填写内容。")), Length(max=5000)]
    )
    photos = MultipleFileField(_l("照片（可选）"))


class DecisionForm(BaseForm):
    action = SelectField(
        _l("处理结果"),
        choices=[
            SelectChoice("receive", _l("已收到")),
            SelectChoice("adopt", _l("采用")),
            SelectChoice("return", _l("退回")),
        ],
        validate_choice=False,
    )
    comment = TextAreaField(_l("意见（退回时必填）"), validators=[Optional(), Length(max=1000)])
    forward = BooleanField(_l("采用后继续向上级报送"))
    note = TextAreaField(_l("上报按语（可选）"), validators=[Optional(), Length(max=1000)])
