"""Forms of the transfer pages. Every action form carries the version it was shown at."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from directory.transfers.models import TransferReason
from directory.web.forms import BaseForm, NumberField
from directory.web.picker import PickerField


def _reason_field() -> SelectField:
    return SelectField(
        _l("转接原因"),
        # A callable: labels are read per request, in the reader's language.
        choices=TransferReason.choices,
        validators=[DataRequired()],
    )


class NewTransferForm(BaseForm):
    member = PickerField(
        _l("成员"), description=_l("输入姓名、拼音或所在团组织，从列表中选择；留空表示本人。")
    )
    destination = PickerField(_l("转入团组织"))
    reason = _reason_field()
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=500)])


class StepForm(BaseForm):
    version = NumberField(validators=[InputRequired()])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=500)])


class ReturnForm(BaseForm):
    version = NumberField(validators=[InputRequired()])
    reason = TextAreaField(
        _l("退回理由"), validators=[DataRequired(_l("请填写退回理由。")), Length(max=500)]
    )


class AcceptForm(StepForm):
    branch = PickerField(_l("接收的团支部"))
    end_positions = BooleanField(_l("同时结束该成员在原组织的职务（履历中保留）"))


class ResubmitForm(BaseForm):
    version = NumberField(validators=[InputRequired()])
    destination = PickerField(_l("转入团组织"))
    reason = _reason_field()
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=500)])


class BatchSelectionForm(BaseForm):
    org = HiddenField()
    destination = PickerField(_l("转入团组织"))
    reason = _reason_field()
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=500)])


class BatchUploadForm(BaseForm):
    file = FileField(_l("名单文件（CSV 或 XLSX）"), validators=[FileRequired(_l("请选择文件。"))])
    reason = _reason_field()
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=500)])
