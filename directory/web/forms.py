"""Form base class and shared validators."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote_to_bytes

import phonenumbers
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from directory.core.errors import DomainError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
INVALID_TEXT = _l("包含无效字符（不是有效的 UTF-8 文本）。")


def undecodable_fields() -> set[str]:
    """Names of url-encoded form fields whose bytes are not valid UTF-8.

    Werkzeug keeps an undecodable %XX escape as literal text ("张%FF") or drops the
    pair, which a form cannot tell from what the user typed, so the raw body is
    checked before it is parsed.
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


class BaseForm(FlaskForm):
    """Refuses text that did not arrive as valid UTF-8, and control characters."""

    def __init__(self, *args, **kwargs) -> None:
        self._undecodable = undecodable_fields()  # before the body is parsed
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        message = str(INVALID_TEXT)
        fields = [f for f in self if f.type not in {"CSRFTokenField", "HiddenField"}]
        flagged = [f for f in fields if f.name in self._undecodable]
        if self._undecodable and not flagged and fields:
            flagged = [fields[0]]  # the bad bytes were in a field name
        flagged += [
            f
            for f in fields
            if isinstance(f.data, str) and ("\ufffd" in f.data or _CONTROL.search(f.data))
        ]
        for field in flagged:
            if message not in field.errors:
                field.errors = [*list(field.errors), message]
            ok = False
        return ok

    def add_service_error(self, err: DomainError, default: str) -> Field:
        """Show a service error on the field it names, else on `default`; return that field."""
        field = self._fields.get(err.field or "") or self._fields[default]
        if err.message not in field.errors:
            field.errors = [*list(field.errors), err.message]
        return field


def strip_filter(value: object) -> object:
    """Trim surrounding white space of string input; NFC-normalise it."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    return value


class TrimmedStringField(StringField):
    def __init__(self, *args, **kwargs) -> None:
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
