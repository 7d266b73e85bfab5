"""People: names and their pinyin (profile editing lives here too)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def pinyin_of(name: str) -> str:
    """Toneless pinyin of a name, syllables joined without spaces ("zhangtong")."""
    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="default")).lower()
