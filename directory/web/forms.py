"""Form base class and shared validators."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BaseForm(FlaskForm):
    """Rejects text that did not arrive as valid UTF-8, and control characters.

    Werkzeug decodes undecodable bytes to U+FFFD; refusing it keeps mojibake out
    of the database instead of storing it silently.
    """

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        ok = super().validate(extra_validators)
        for field in self:
            data = field.data
            if isinstance(data, str) and ("\ufffd" in data or _CONTROL.search(data)):
                field.errors = [
                    *list(field.errors),
                    str(_l("包含无效字符（不是有效的 UTF-8 文本）。")),
                ]
                ok = False
        return ok


def strip_filter(value: object) -> object:
    """Trim surrounding white space of string input; NFC-normalise it."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    return value


class TrimmedStringField(StringField):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("filters", [])
        kwargs["filters"] = [strip_filter, *kwargs["filters"]]
        super().__init__(*args, **kwargs)


def normalise_phone(raw: str) -> str:
    """Return the phone number in E.164 form, or raise ValueError."""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("invalid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def valid_phone(form: FlaskForm, field: Field) -> None:
    """WTForms validator: a real phone number (mainland numbers without +86 accepted)."""
    if not field.data:
        return
    try:
        field.data = normalise_phone(field.data)
    except ValueError:
        raise ValidationError(_l("请输入有效的电话号码，例如 13800138000。")) from None
