"""The picker: one autocomplete for people and organisations, in every form.

A `PickerField` reads two inputs: `<name>` (the id, filled by the autocomplete or by the
radio list of candidates) and `<name>_q` (the text the user typed, sent as typed without
JavaScript). `resolve()` turns them into one object: by id when there is one, else by the
text — one match is taken, several are offered back as `field.candidates` for the user to
choose from, none is an error on the field. Users never type an id.
Render with `picker()` from templates/_macros/picker.html; an options endpoint answers
with templates/_macros/picker_options.html for `Choice`s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from wtforms import Field

from directory.core.numbers import parse_id

T = TypeVar("T")


@dataclass(frozen=True)
class Choice:
    """One option of a picker: the id, the text put back in the box, what tells it apart."""

    value: int
    label: str
    detail: str = ""


def typed_query() -> str:
    """The text typed into the picker that asks an options endpoint (its `<field>_q`, or
    `q`), spaces collapsed, at most 100 characters."""
    field = request.args.get("field", "")
    q = (request.args.get(f"{field}_q") if field else None) or request.args.get("q", "")
    return " ".join(q.split())[:100]


class PickerField(Field):
    """The id picked (`data`, int or None) and the text typed (`text`)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.text = ""
        self.companion_raw: list[str] = []
        self.candidates: list[Choice] = []
        self.not_found = False  # the typed text matched nothing (a view may answer 404)

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors: list[Any] = []
        self.data = None
        self.raw_data = []
        # The text inputs that come with the id (typed text, shown label), as submitted:
        # BaseForm runs the one text cleaner on them as on the field's own input.
        self.companion_raw = []
        if formdata is not None and (self.name in formdata or f"{self.name}_q" in formdata):
            self.raw_data = formdata.getlist(self.name)
            malformed = False
            for raw in self.raw_data:
                raw = (raw or "").strip()
                self.data = parse_id(raw)
                if self.data is not None:
                    break
                malformed = malformed or bool(raw)
            typed = formdata.get(f"{self.name}_q")
            if typed is None and self.data is None and self.raw_data:
                typed = self.raw_data[0]  # a plain client posting the text under the name
            elif malformed and self.data is None:
                # The id input holds something no page writes there (pages leave it empty
                # or put an id in it): refused like any malformed id, not read as text.
                self.process_errors.append(_("所选项目已不存在，请重新选择。"))
            self.text = " ".join((typed or "").split())[:100]
            shown = formdata.get(f"{self.name}_label")
            self.companion_raw = [v for v in (typed, shown) if isinstance(v, str)]
            if self.data is not None and shown is not None and self.text != shown:
                # Without JavaScript nothing clears the id when the text is retyped:
                # the page says which text went with the id; other text wins.
                self.data = None
        elif isinstance(data, int):
            self.data = data

    def show(self, choice: Choice | None) -> None:
        """Pre-fill the picker with a chosen object (its id and its label)."""
        self.data = choice.value if choice else None
        self.text = choice.label if choice else ""

    def _value(self) -> str:
        return str(self.data) if self.data else ""


def resolve(
    field: PickerField,
    by_id: Callable[[int], T | None],
    by_text: Callable[[str], Sequence[T]],
    choice: Callable[[T], Choice],
    *,
    missing: str | None = None,
    not_found: str | None = None,
) -> T | None:
    """The object the user picked, or None with an error (and maybe candidates) on `field`.

    `missing` is the error for an empty field (None: the field is optional); `not_found`
    replaces the message for a text that matches nothing.
    """
    if field.data:
        found = by_id(field.data)
        if found is not None:
            return found
        field.not_found = True  # an id that names nothing, as anywhere else (404)
        field.errors = [*field.errors, _("所选项目已不存在，请重新选择。")]
        return None
    if not field.text:
        if missing:
            field.errors = [*field.errors, missing]
        return None
    matches = list(by_text(field.text))
    exact = [m for m in matches if choice(m).label == field.text]
    if len(exact) == 1 or len(matches) == 1:
        picked = exact[0] if len(exact) == 1 else matches[0]
        field.show(choice(picked))
        return picked
    if not matches:
        field.not_found = True
        message = not_found or _("没有找到“%(text)s”，请换个写法。", text=field.text)
        field.errors = [*field.errors, message]
        return None
    field.candidates = [choice(m) for m in matches]
    field.errors = [*field.errors, _("有多个匹配，请从下面的列表中选择一个。")]
    return None
