"""Form base class and shared validators."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote_to_bytes

import phonenumbers
from flask import Request as FlaskRequest
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from directory.core.errors import DomainError
from directory.core.numbers import MAX_ID, parse_int

# Single-line text: no C0/C1 control characters at all (CR, LF and tab included) and no
# Unicode line or paragraph separators. Multi-line text keeps tab, LF and CR.
_SINGLE_LINE_BAD = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTI_LINE_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
INVALID_TEXT = _l("包含无效字符（不是有效的 UTF-8 文本）。")
INVALID_NUMBER = _l("请输入有效的数字。")
CONTROL_TEXT = _l("包含无效字符（不能有换行符或其他控制字符）。")
_SKIPPED_FIELDS = {"CSRFTokenField", "FileField", "MultipleFileField", "BooleanField"}
_MULTI_LINE_FIELDS = {"TextAreaField"}


def text_problem(value: str, *, single_line: bool) -> str | None:
    """The one text cleaner's verdict: None for acceptable text, else the message to show.

    Every BaseForm runs it on every text field: single-line fields (names, titles,
    e-mail, search words) refuse CR/LF and all other control characters; multi-line
    fields (bios, posts) keep line breaks and tabs. Text that was not valid UTF-8
    arrives with U+FFFD in it and is refused everywhere.
    """
    if "\ufffd" in value:
        return str(INVALID_TEXT)
    pattern = _SINGLE_LINE_BAD if single_line else _MULTI_LINE_BAD
    if pattern.search(value):
        return str(CONTROL_TEXT)
    return None


def strip_control(value: str) -> str:
    """Single-line text with every control character removed (for query arguments)."""
    return _SINGLE_LINE_BAD.sub("", value)


class Request(FlaskRequest):
    """Keeps the raw body of url-encoded forms, so the UTF-8 check can always read it.

    Whoever parses the form first (the CSRF check does, before any view) would
    otherwise consume the body, and Werkzeug turns undecodable %XX escapes into text
    that cannot be told from what the user typed.
    """

    def _load_form_data(self) -> None:
        if (
            "form" not in self.__dict__
            and self.mimetype == "application/x-www-form-urlencoded"
            and self.want_form_data_parsed
        ):
            self.get_data(cache=True, parse_form_data=False)
        super()._load_form_data()


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
    """Refuses text that did not arrive as valid UTF-8, and control characters.

    The checks run on the submitted text (`raw_data`), before any filter trims it, so a
    trailing line break in a title is refused rather than silently dropped.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._undecodable = undecodable_fields()  # the raw body is kept (see Request)
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        fields = [f for f in self if f.type not in _SKIPPED_FIELDS]
        problems: dict[str, tuple[Field, str]] = {}
        for field in fields:
            if field.name in self._undecodable:
                problems[field.name] = (field, str(INVALID_TEXT))
        if self._undecodable and not problems and fields:
            problems[fields[0].name] = (fields[0], str(INVALID_TEXT))  # in a field name
        for field in fields:
            single_line = field.type not in _MULTI_LINE_FIELDS
            # (A picker's typed text and label come in inputs of their own.)
            companions = getattr(field, "companion_raw", ())
            for value in [*(field.raw_data or []), field.data, *companions]:
                if isinstance(value, str) and (
                    problem := text_problem(value, single_line=single_line)
                ):
                    problems.setdefault(field.name, (field, problem))
        for field, message in problems.values():
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


class NumberField(StringField):
    """A whole number read by the one parser (web/args.py): plain ASCII decimals in range.

    WTForms' IntegerField uses int(), which takes Unicode digits, signs and spaces, and
    any size (a number too large for the column fails in the database, a 500).
    """

    def __init__(self, *args, minimum: int = 0, maximum: int = MAX_ID, **kwargs) -> None:
        self.minimum, self.maximum = minimum, maximum
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        value = parse_int(valuelist[0], self.maximum, minimum=self.minimum)
        if value is None:
            self.data = None
            raise ValueError(str(INVALID_NUMBER))
        self.data = value


def normalise_phone(raw: str) -> str:
    """Return the phone number in E.164 form, or raise ValueError."""
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("invalid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_field(label: str | None = None) -> TrimmedStringField:
    """The e-mail field of every form that asks for one: required, at most 254 characters."""
    return TrimmedStringField(
        label or _l("电子邮箱"),
        validators=[
            DataRequired(_l("请输入电子邮箱。")),
            Length(max=254, message=_l("电子邮箱太长。")),
            Email(_l("电子邮箱格式不正确。")),
        ],
        render_kw={"type": "email", "autocomplete": "email"},
    )


def valid_phone(form: FlaskForm, field: Field) -> None:
    """WTForms validator: a real phone number (mainland numbers without +86 accepted)."""
    if not field.data:
        return
    try:
        field.data = normalise_phone(field.data)
    except ValueError:
        raise ValidationError(_l("请输入有效的电话号码，例如 13800138000。")) from None
