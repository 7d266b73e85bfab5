"""Profile and position forms."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote_to_bytes

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from directory.models.enums import (
    CadreKind,
    Establishment,
    Gender,
    LabelledEnum,
    PoliticalStatus,
    Visibility,
)
from directory.services.people import MIN_BIRTH_YEAR, max_birth_year
from directory.web.forms import BaseForm, TrimmedStringField, valid_phone

_WECHAT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
_INVALID_TEXT = _l("包含无效字符（不是有效的 UTF-8 文本）。")


def undecodable_fields() -> set[str]:
    """Names of url-encoded form fields whose bytes are not valid UTF-8.

    Werkzeug keeps an undecodable %XX escape as literal text ("张%FF"), which BaseForm
    cannot tell from what the user typed, so the raw body is checked before parsing.
    """
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return set()
    bad: set[str] = set()
    for pair in request.get_data(cache=True).split(b"&"):
        name, _sep, value = pair.replace(b"+", b" ").partition(b"=")
        try:
            unquote_to_bytes(value).decode("utf-8")
            unquote_to_bytes(name).decode("utf-8")
        except UnicodeDecodeError:
            bad.add(unquote_to_bytes(name).decode("utf-8", "replace"))
    return bad


class StrictForm(BaseForm):
    """BaseForm that also refuses undecodable percent-escapes in url-encoded posts."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self._undecodable = undecodable_fields()  # before the body is parsed
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        ok = super().validate(extra_validators)
        for name in self._undecodable:
            field = self._fields.get(name)
            if field is not None and str(_INVALID_TEXT) not in field.errors:
                field.errors = [*list(field.errors), str(_INVALID_TEXT)]
                ok = False
        return ok


class EnumField(SelectField):
    """A select over a LabelledEnum; a value outside it gets a message, not a 500."""

    def __init__(self, label: object, enum: type[LabelledEnum], blank: bool = True, **kw) -> None:  # type: ignore[no-untyped-def]
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


class ProfileForm(StrictForm):
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
    email = TrimmedStringField(
        _l("电子邮箱"),
        validators=[
            DataRequired(_l("请输入电子邮箱。")),
            Length(max=254, message=_l("电子邮箱太长。")),
            Email(_l("电子邮箱格式不正确。")),
        ],
        render_kw={"type": "email"},
    )
    wechat = TrimmedStringField(_l("微信号"), validators=[valid_wechat])
    bio = TextAreaField(
        _l("简介"), validators=[Length(max=2000, message=_l("简介不能超过 2000 字。"))]
    )
    phone_visibility = EnumField(_l("手机号码谁可见"), Visibility, blank=False)
    email_visibility = EnumField(_l("电子邮箱谁可见"), Visibility, blank=False)
    wechat_visibility = EnumField(_l("微信号谁可见"), Visibility, blank=False)
    membership_org = TrimmedStringField(
        _l("组织关系所在团组织"),
        validators=[Length(max=200, message=_l("内容太长。"))],
        render_kw={"autocomplete": "off"},
    )

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


class PositionForm(StrictForm):
    organisation = TrimmedStringField(
        _l("团组织"),
        validators=[
            DataRequired(_l("请选择团组织。")),
            Length(max=200, message=_l("内容太长。")),
        ],
        render_kw={"autocomplete": "off"},
    )
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


class EndPositionForm(StrictForm):
    end_date = TrimmedStringField(
        _l("卸任日期"),
        validators=[DataRequired(_l("请输入卸任日期。")), _date],
        render_kw={"type": "date"},
    )
