"""Profile and position forms."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from directory.core.enums import (
    CadreKind,
    Establishment,
    Gender,
    LabelledEnum,
    PoliticalStatus,
    Visibility,
)
from directory.people.services import MIN_BIRTH_YEAR, max_birth_year
from directory.web.forms import BaseForm, TrimmedStringField, email_field, valid_phone
from directory.web.picker import PickerField

_WECHAT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")


class EnumField(SelectField):
    """A select over a LabelledEnum; a value outside it gets a message, not a 500."""

    def __init__(self, label: object, enum: type[LabelledEnum], blank: bool = True, **kw) -> None:
        self.enum = enum
        self.blank = blank
        choices = [SelectChoice("", _l("未填写"))] if blank else []
        choices += [SelectChoice(m.value, m.label) for m in enum]
        super().__init__(label, choices=choices, validate_choice=False, **kw)

    def pre_validate(self, form: FlaskForm) -> None:
        allowed = {m.value for m in self.enum}
        if self.data not in allowed and not (self.blank and self.data in ("", None)):
            raise ValidationError(_l("选项无效，请从列表中选择。"))


def valid_wechat(form: FlaskForm, field: Field) -> None:
    """WeChat IDs: 6–20 letters, digits, _ or -, starting with a letter."""
    if field.data and not _WECHAT.fullmatch(field.data):
        raise ValidationError(_l("微信号应为 6 到 20 位字母、数字、下划线或减号，并以字母开头。"))


def valid_birth_year(form: FlaskForm, field: Field) -> None:
    """A four-digit year from 1940 to this year minus 14; converts the data to int."""
    if not field.data:
        field.data = None
        return
    hi = max_birth_year()
    if not (field.data.isascii() and field.data.isdigit()) or not (
        MIN_BIRTH_YEAR <= int(field.data) <= hi
    ):
        raise ValidationError(_l("出生年份应在 %(lo)s 到 %(hi)s 之间。", lo=MIN_BIRTH_YEAR, hi=hi))
    field.data = int(field.data)


def _date(form: FlaskForm, field: Field) -> None:
    if not field.data:
        field.data = None
        return
    try:
        field.data = date.fromisoformat(field.data)
    except ValueError:
        raise ValidationError(_l("日期格式应为 年-月-日，例如 2021-03-01。")) from None


class ProfileForm(BaseForm):
    name = TrimmedStringField(
        _l("姓名"),
        validators=[
            DataRequired(_l("请输入姓名。")),
            Length(max=40, message=_l("姓名应为 1 到 40 个字。")),
        ],
    )
    gender = EnumField(_l("性别"), Gender)
    birth_year = TrimmedStringField(
        _l("出生年份"), validators=[valid_birth_year], render_kw={"inputmode": "numeric"}
    )
    political_status = EnumField(_l("政治面貌"), PoliticalStatus)
    cadre_kind = EnumField(_l("干部类型"), CadreKind)
    establishment = EnumField(_l("编制"), Establishment)
    phone = TrimmedStringField(
        _l("手机号码"),
        validators=[Length(max=30, message=_l("电话号码太长。")), valid_phone],
        render_kw={"type": "tel"},
    )
    email = email_field()
    wechat = TrimmedStringField(_l("微信号"), validators=[valid_wechat])
    bio = TextAreaField(
        _l("简介"), validators=[Length(max=2000, message=_l("简介不能超过 2000 字。"))]
    )
    phone_visibility = EnumField(_l("手机号码谁可见"), Visibility, blank=False)
    email_visibility = EnumField(_l("电子邮箱谁可见"), Visibility, blank=False)
    wechat_visibility = EnumField(_l("微信号谁可见"), Visibility, blank=False)
    membership_org = PickerField(_l("组织关系所在团组织"))

    PROFILE_FIELDS = (
        "name",
        "gender",
        "birth_year",
        "political_status",
        "cadre_kind",
        "establishment",
        "phone",
        "email",
        "wechat",
        "bio",
        "phone_visibility",
        "email_visibility",
        "wechat_visibility",
    )


class PositionForm(BaseForm):
    organisation = PickerField(_l("团组织"))
    title = TrimmedStringField(
        _l("职务"),
        validators=[
            DataRequired(_l("请输入职务名称。")),
            Length(max=40, message=_l("职务名称应为 1 到 40 个字。")),
        ],
    )
    start_date = TrimmedStringField(
        _l("开始日期"),
        validators=[DataRequired(_l("请输入开始日期。")), _date],
        render_kw={"type": "date"},
    )
    end_date = TrimmedStringField(_l("卸任日期"), validators=[_date], render_kw={"type": "date"})


class EndPositionForm(BaseForm):
    end_date = TrimmedStringField(
        _l("卸任日期"),
        validators=[DataRequired(_l("请输入卸任日期。")), _date],
        render_kw={"type": "date"},
    )


class RejectClaimForm(BaseForm):
    reason = TrimmedStringField(
        _l("不通过的理由"),
        validators=[DataRequired(_l("请填写不通过的理由。")), Length(max=200)],
    )


class DecideClaimForm(BaseForm):
    """Confirm: only the CSRF token."""


class AdminForm(BaseForm):
    """Appoint an organisation admin: an existing account, picked by name, pinyin,
    organisation or e-mail."""

    person = PickerField(_l("新管理员"))
