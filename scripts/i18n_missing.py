#!/usr/bin/env python3
"""List UI strings that have no English translation yet.

Extracts every message id from directory/**/*.py and templates/**/*.html (the same
keywords the app uses) and prints those without a non-empty, non-fuzzy English msgstr
in any catalogue under directory/translations/*/en/. Usage:

    scripts/i18n_missing.py                     # everything missing, grouped by area
    scripts/i18n_missing.py --area groups       # only strings used by that area's files
    scripts/i18n_missing.py --area groups --append   # also add empty entries to
                                                # directory/translations/groups/en/...
Exit status 1 when something is missing.

A message id with a context (`pgettext("nav", "团组织")`) is its own entry, keyed
"context\x04id" as gettext does. Flask-Babel merges every area's catalogue into one, so
one id (in one context) must have the same English in every catalogue that holds it
(`conflicts()`; tests/unit/test_i18n.py): where two meanings share a Chinese text, the
code gives one of them a context.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import escape, read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "_l": None,
    "_m": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
CONTEXT_SEPARATOR = "\x04"
# Files whose strings live in the core catalogue (layout, errors, sign-in, admin, ...).
CORE = (
    "templates/base.html",
    "templates/errors/",
    "templates/main/",
    "templates/notifications/",
    "templates/_macros/",
    "templates/auth/",
    "templates/admin/",
    "templates/api/",
    "directory/web/",
    "directory/core/",
    "directory/main/",
    "directory/accounts/",
    "directory/api/",
    "directory/notifications/",
    "directory/orgs/services.py",
)
HEADER = """# English translations ({area}).
msgid ""
msgstr ""
"Project-Id-Version: directory 0.1.0\\n"
"Language: en\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"""

MessageId = str | tuple[str, ...]


@dataclass
class Message:
    """One message id and where it is used."""

    id: MessageId
    locations: list[tuple[str, int]] = field(default_factory=list)

    @property
    def areas(self) -> set[str]:
        return {area_of(path) for path, _ in self.locations}


def area_of(path: str) -> str:
    """The catalogue area a source file belongs to (by convention, see DEVELOPING.md)."""
    if any(path == c or (c.endswith("/") and path.startswith(c)) for c in CORE):
        return "core"
    parts = path.split("/")
    if parts[0] == "templates" and len(parts) > 2:
        return parts[1]
    if parts[0] == "directory" and len(parts) >= 3:
        return parts[1]  # a feature package such as directory/groups/
    return "core"


def extract(root: Path | None = None) -> dict[MessageId, Message]:
    """Every message id used in the Python code and the templates."""
    root = root or ROOT
    found: dict[MessageId, Message] = {}
    sources = (
        ("directory", [("**.py", "python")]),
        ("templates", [("**.html", "jinja2.ext:babel_extract")]),
    )
    for folder, method_map in sources:
        for filename, lineno, msgid, _comments, context in extract_from_dir(
            str(root / folder), method_map, keywords=KEYWORDS
        ):
            key = message_key(msgid, context)
            if not key:
                continue
            found.setdefault(key, Message(key)).locations.append(
                (f"{folder}/{Path(filename).as_posix()}", lineno)
            )
    return found


def message_key(msgid: str | tuple[str, ...] | list[str], context: str | None) -> MessageId:
    """How a message is told apart: its id (a tuple for plurals), "context\x04id" in a context."""
    key: MessageId = msgid if isinstance(msgid, str) else tuple(msgid)
    if context and key:
        if isinstance(key, str):
            return f"{context}{CONTEXT_SEPARATOR}{key}"
        return (f"{context}{CONTEXT_SEPARATOR}{key[0]}", *key[1:])
    return key


def catalogues(translations: Path | None = None) -> dict[str, dict[MessageId, object]]:
    """Every area's English entries: {area: {key: msgstr}} (fuzzy and empty ones left out)."""
    translations = translations or ROOT / "directory" / "translations"
    found: dict[str, dict[MessageId, object]] = {}
    for po in sorted(translations.glob("*/en/LC_MESSAGES/messages.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        entries = found.setdefault(po.parts[-4], {})
        for m in catalog:
            if not m.id or m.fuzzy:
                continue
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if all(s and s.strip() for s in strings):
                entries[message_key(m.id, m.context)] = m.string
    return found


def conflicts(translations: Path | None = None) -> dict[MessageId, dict[str, object]]:
    """Ids (in one context) that two catalogues translate differently: {key: {area: msgstr}}.

    The app merges the catalogues, so only one of the two would ever be shown.
    """
    seen: dict[MessageId, dict[str, object]] = {}
    for area, entries in catalogues(translations).items():
        for key, string in entries.items():
            seen.setdefault(key, {})[area] = string
    return {k: v for k, v in seen.items() if len({repr(s) for s in v.values()}) > 1}


def translated(translations: Path | None = None) -> set[MessageId]:
    """Ids with a complete, non-fuzzy English msgstr in some area catalogue."""
    done: set[MessageId] = set()
    for entries in catalogues(translations).values():
        done.update(entries)
    return done


def missing(root: Path | None = None) -> list[Message]:
    """Messages used somewhere but not translated anywhere, in source order."""
    root = root or ROOT
    done = translated(root / "directory" / "translations")
    return [m for key, m in extract(root).items() if key not in done]


def po_entry(message: Message) -> str:
    """An empty catalogue entry for `message`, with its locations as a reference."""
    refs = " ".join(f"{p}:{n}" for p, n in message.locations[:4])
    first = message.id[0] if isinstance(message.id, tuple) else message.id
    context, _sep, first = first.rpartition(CONTEXT_SEPARATOR)
    head = f"#: {refs}\n" + (f"msgctxt {escape(context)}\n" if context else "")
    if isinstance(message.id, tuple):
        return (
            f"{head}msgid {escape(first)}\nmsgid_plural {escape(message.id[1])}\n"
            'msgstr[0] ""\nmsgstr[1] ""\n'
        )
    return f'{head}msgid {escape(first)}\nmsgstr ""\n'


def append_entries(area: str, messages: list[Message], root: Path | None = None) -> Path:
    """Append empty entries for `messages` to the area's catalogue (created if needed)."""
    root = root or ROOT
    po = root / "directory" / "translations" / area / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    existing: set[MessageId] = set()
    if po.exists():
        with po.open("rb") as f:
            existing = {message_key(m.id, m.context) for m in read_po(f)}
    new = [m for m in messages if m.id not in existing]
    with po.open("a", encoding="utf-8") as f:
        if not f.tell():
            f.write(HEADER.format(area=area))
        for m in new:
            f.write("\n" + po_entry(m))
    return po


def main(argv: list[str] | None = None) -> int:
    """Print the missing ids (grouped by area); optionally append them to a catalogue."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", help="only ids used in this area's files")
    parser.add_argument(
        "--append", action="store_true", help="append empty entries to the area's catalogue"
    )
    args = parser.parse_args(argv)
    if args.append and not args.area:
        parser.error("--append needs --area")
    todo = missing()
    if args.area:
        todo = [m for m in todo if args.area in m.areas]
    by_area: dict[str, list[Message]] = defaultdict(list)
    for m in todo:
        by_area[args.area or sorted(m.areas)[0]].append(m)
    for area in sorted(by_area):
        print(f"== {area}: {len(by_area[area])} missing")
        for m in by_area[area]:
            where = ", ".join(f"{p}:{n}" for p, n in m.locations[:3])
            text = m.id if isinstance(m.id, str) else " | ".join(m.id)
            text = text.replace(CONTEXT_SEPARATOR, " ‖ ")
            print(f"  {text}    ({where})")
    if args.append and todo:
        print(f"appended {len(todo)} empty entries to {append_entries(args.area, todo)}")
    if not todo:
        print("every message id has an English translation")
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
