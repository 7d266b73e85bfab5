"""Text processing shared by documents and queries: normalisation, segmentation, pinyin.

Both sides of the index go through the same functions, so a query token and a
document token for the same word are always equal.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
import rjieba
from pypinyin import Style, lazy_pinyin

from directory.search.surnames import split_name, surname_reading

_T2S = opencc.OpenCC("t2s")
MAX_QUERY = 100
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_RE = re.compile(f"[{_HAN}]")
# Keep letters, digits and Han characters (including rare extension blocks); the rest
# (punctuation, query syntax, emoji) separates words.
_JUNK = re.compile(f"[^0-9a-z{_HAN}]+")
_CHUNKS = re.compile(f"[{_HAN}]+|[a-z]+|[0-9]+")
_MIXED = re.compile(f"[{_HAN}]+[a-z]+[{_HAN}a-z]*|[a-z]+[{_HAN}]+[{_HAN}a-z]*")

# Organisation-type words are normalised: "团市委", "共青团南充市委" and "团县委"
# all also index as "团委", so "团委" finds every committee.
_ORG_TYPES = (
    (re.compile(r"共青团.{0,12}?([省市州盟县区旗])委"), "团{}委"),
    (re.compile(r"团([省市州盟县区旗])委"), "团{}委"),
    (re.compile(r"团工委"), "团工委"),
    (re.compile(r"团委"), "团委"),
)
_REGION_SUFFIX = re.compile(r"(省|市|自治州|州|地区|盟|自治县|县|区|旗|街道|镇|乡|社区|村)$")


def normalise(text: str) -> str:
    """NFKC, traditional to simplified, lower case; query syntax and emoji become spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = _T2S.convert(text)
    return " ".join(_JUNK.sub(" ", text).split())


def is_han(text: str) -> bool:
    """True when `text` contains at least one Han character."""
    return bool(_HAN_RE.search(text))


@lru_cache(maxsize=65536)
def _syllables(text: str) -> tuple[str, ...]:
    """Toneless syllables of the Han characters in `text` (unknown characters skipped)."""
    return tuple(
        s for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore") if s and s.isascii()
    )


@lru_cache(maxsize=65536)
def name_syllables(name: str) -> tuple[str, ...]:
    """Syllables of a person's name, with the surname read from the project table."""
    name = normalise(name).replace(" ", "")
    surname, given = split_name(name)
    reading = surname_reading(surname)
    head: tuple[str, ...] = (reading,) if reading and len(surname) == 1 else ()
    if reading and len(surname) == 2:
        head = tuple(_syllables(surname))
        # Compound readings such as 长孙 "zhangsun": trust the table over pypinyin.
        if "".join(head) != reading:
            head = (reading,)
    if not head:
        head = _syllables(surname)
    return head + _syllables(given)


def name_pinyin(name: str) -> str:
    """Full pinyin of a name, no spaces ("zengguofan" for 曾国藩)."""
    return "".join(name_syllables(name))


def name_initials(name: str) -> str:
    """Initial letters of each syllable ("zgf")."""
    return "".join(s[0] for s in name_syllables(name))


def pinyin_forms(name: str) -> list[str]:
    """Latin strings a name can be typed as: full pinyin and initials, from each syllable on.

    "张彤" gives zhangtong, tong, zt, t: so "tong" finds the given name too.
    """
    syl = name_syllables(name)
    forms: list[str] = []
    for i in range(len(syl)):
        forms.append("".join(syl[i:]))
        forms.append("".join(s[0] for s in syl[i:]))
        # Surname in full, given name as initials: "zhangt", "zhangxm".
        if i == 0 and len(syl) > 1:
            forms.append(syl[0] + "".join(s[0] for s in syl[1:]))
    return list(dict.fromkeys(f for f in forms if f))


def name_tokens(name: str) -> list[str]:
    """Han tokens of a name: the whole name, surname, given name, each character, bigrams."""
    name = normalise(name).replace(" ", "")
    if not name:
        return []
    surname, given = split_name(name)
    tokens = [name, surname, given, *name]
    tokens += [name[i : i + 2] for i in range(len(name) - 1)]
    return list(dict.fromkeys(t for t in tokens if t))


def org_type_words(text: str) -> list[str]:
    """Canonical organisation-type words found in `text` ("团市委", "团委")."""
    words: list[str] = []
    for pattern, template in _ORG_TYPES:
        for m in pattern.finditer(text):
            words.append(template.format(*m.groups()))
    if words:
        words.append("团委")
    return list(dict.fromkeys(words))


def segment(text: str) -> list[str]:
    """Search tokens of free text: jieba's fine-grained cut, plus org-type words.

    Latin words and numbers are kept as they are; punctuation is dropped.
    """
    text = normalise(text)
    tokens: list[str] = []
    for chunk in text.split():
        tokens.extend(_segment_chunk(chunk))
    return tokens


@lru_cache(maxsize=65536)
def _segment_chunk(chunk: str) -> tuple[str, ...]:
    # Organisation and region names repeat across thousands of people: cache per chunk.
    if not is_han(chunk):
        return (chunk,)
    tokens = [t for t in rjieba.cut_for_search(chunk) if t.strip()]
    tokens.extend(org_type_words(chunk))
    stripped = _REGION_SUFFIX.sub("", chunk)
    if stripped != chunk and len(stripped) >= 2:
        tokens.append(stripped)
    return tuple(tokens)


def query_words(text: str) -> list[str]:
    """The query split into words: Han runs, Latin runs, digits (mixed "张t" kept whole)."""
    text = normalise(text[: MAX_QUERY * 4])[:MAX_QUERY]
    words: list[str] = []
    for part in text.split():
        if _MIXED.fullmatch(part):
            words.append(part)
        else:
            words.extend(_CHUNKS.findall(part))
    return words


def han_query_tokens(word: str) -> list[str]:
    """Tokens a Han query word must all match: jieba's cut, org-type words recognised."""
    org_words = org_type_words(word)
    if org_words and word in org_words:
        return [word]
    tokens = [t for t in rjieba.cut(word) if t.strip()]
    return tokens or [word]


def mixed_pinyin(word: str) -> str:
    """A mixed word such as "张t" typed as pinyin: Han parts read, Latin parts kept."""
    out = []
    for run in _CHUNKS.findall(word):
        out.append(name_pinyin(run) if is_han(run) else run)
    return "".join(out)
