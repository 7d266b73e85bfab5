"""Messages translated when they are read, not when they are written.

A notification is written in one request (the sender's, in the sender's language) and read
in another (the recipient's). So it is stored as what it is made of: its Chinese message id
and its values, and rendered in the reader's language each time it is shown. A value may
itself be a message (a transfer's step, "待转入接收"), stored the same way.

    notify(ids, "liaison", _m("你被安排联系 %(org)s。", org=target.name), link)

`_m` is a gettext keyword for scripts/i18n_missing.py, so its ids need English like any
other. Rows written before this existed have only their text, shown as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext, pgettext

CONTEXT_SEPARATOR = "\x04"


class Message:
    """A message id (optionally in a context) and its values, rendered on demand."""

    __slots__ = ("context", "msgid", "values")

    def __init__(self, msgid: str, context: str | None = None, **values: Any) -> None:
        self.msgid = msgid
        self.context = context
        self.values: dict[str, Any] = values

    @classmethod
    def of_label(cls, label: object) -> Message | str:
        """A lazily translated label (an enum's `_l(...)`/`lazy_pgettext(...)`) as a message;
        anything else as its text."""
        func = getattr(label, "_func", None)
        args: tuple[Any, ...] = tuple(getattr(label, "_args", ()))
        if func is gettext and len(args) == 1:
            return cls(args[0])
        if func is pgettext and len(args) == 2:
            return cls(args[1], context=args[0])
        return str(label)

    def render(self) -> str:
        """The message in the current locale."""
        values = {k: v.render() if isinstance(v, Message) else v for k, v in self.values.items()}
        text = pgettext(self.context, self.msgid) if self.context else gettext(self.msgid)
        # Formatted whenever it has placeholders, so missing values raise (see `rendered`).
        return text % values if values or "%(" in self.msgid else text

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, context={self.context!r}, **{self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and self.stored() == other.stored()

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> str:
        """The stored key: the id, or "context\\x04id" (gettext's own spelling)."""
        return f"{self.context}{CONTEXT_SEPARATOR}{self.msgid}" if self.context else self.msgid

    def stored_values(self) -> dict[str, Any]:
        """The values as JSON: a nested message is {"key": ..., "values": {...}}."""
        return {
            k: {"key": v.key, "values": v.stored_values()} if isinstance(v, Message) else v
            for k, v in self.values.items()
        }

    def stored(self) -> tuple[str, dict[str, Any]]:
        return self.key, self.stored_values()

    @classmethod
    def from_stored(cls, key: str, values: Mapping[str, Any] | None) -> Message:
        """The message back from its stored key and values."""
        context, _sep, msgid = key.rpartition(CONTEXT_SEPARATOR)
        loaded = {
            k: cls.from_stored(v["key"], v.get("values"))
            if isinstance(v, dict) and isinstance(v.get("key"), str)
            else v
            for k, v in (values or {}).items()
        }
        return cls(msgid, context=context or None, **loaded)

    def in_language(self, lang: str) -> str:
        """The message in `lang` (an e-mail is written before anyone reads it)."""
        with force_locale(lang):
            return self.render()

    def in_default_language(self) -> str:
        return self.in_language(current_app.config["BABEL_DEFAULT_LOCALE"])

    def in_every_language(self, separator: str = "\n") -> str:
        """Each configured language's text once, the default first (for e-mail, whose
        reader's language is not known when it is sent)."""
        langs = [current_app.config["BABEL_DEFAULT_LOCALE"]]
        langs += [x for x in current_app.config["LANGUAGES"] if x not in langs]
        texts: list[str] = []
        for lang in langs:
            text = self.in_language(lang)
            if text not in texts:
                texts.append(text)
        return separator.join(texts)


def _m(msgid: str, **values: Any) -> Message:
    """A message translated when read (a gettext keyword, like `_` and `_l`)."""
    return Message(msgid, **values)


def rendered(key: str | None, values: Mapping[str, Any] | None, fallback: str) -> str:
    """A stored message in the current locale; `fallback` (the stored text) for rows that
    have no key, or whose values no longer fit their message."""
    if not key:
        return fallback
    try:
        return Message.from_stored(key, values).render()
    except (KeyError, ValueError, TypeError):
        return fallback
