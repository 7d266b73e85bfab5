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

from directory.core.surnames import split_name, surname_reading

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


def name_parts(name: str) -> list[str]:
    """The parts of a name: one for most names, several for dotted names (阿依古丽·买买提).

    The dot (·, •, ・, ．, ‧) and any other separator become spaces in `normalise`.
    """
    return normalise(name).split()


def _person_syllables(part: str) -> tuple[str, ...]:
    surname, given = split_name(part)
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


@lru_cache(maxsize=65536)
def part_syllables(name: str) -> tuple[tuple[str, ...], ...]:
    """Syllables of each part of a name; a dotted name's parts carry no surname reading."""
    parts = name_parts(name)
    if len(parts) == 1:
        return (_person_syllables(parts[0]),)
    return tuple(_syllables(p) for p in parts)


def name_syllables(name: str) -> tuple[str, ...]:
    """Syllables of a person's name, with the surname read from the project table."""
    return tuple(s for part in part_syllables(name) for s in part)


def name_pinyin(name: str) -> str:
    """Full pinyin of a name, no spaces ("zengguofan" for 曾国藩)."""
    return "".join(name_syllables(name))


def name_initials(name: str) -> str:
    """Initial letters of each syllable ("zgf")."""
    return "".join(s[0] for s in name_syllables(name))


def pinyin_forms(name: str) -> list[str]:
    """Latin strings a name can be typed as: full pinyin and initials, from each syllable on.

    "张彤" gives zhangtong, tong, zt, t: so "tong" finds the given name too. Each part of a
    dotted name is a name of its own. Marked forms: `^` + a form of the whole name (or of a
    dotted name's part), `~` + the fuzzy fold of a form (z/zh, c/ch, s/sh, n/l, -n/-ng).
    """
    syl = name_syllables(name)
    forms: list[str] = []
    for i in range(len(syl)):
        forms.append("".join(syl[i:]))
        forms.append("".join(s[0] for s in syl[i:]))
        # Surname in full, given name as initials: "zhangt", "zhangxm".
        if i == 0 and len(syl) > 1:
            forms.append(syl[0] + "".join(s[0] for s in syl[1:]))
    parts = part_syllables(name)
    heads = [*_whole_forms(syl)]
    if len(parts) > 1:
        for part in parts:
            heads += _whole_forms(part)
            forms += _whole_forms(part)
    plain = list(dict.fromkeys(f for f in forms if f))
    marked = [f"^{f}" for f in dict.fromkeys(heads) if f]
    marked += [f"~{f}" for f in dict.fromkeys(fold(f) for f in plain) if f]
    return plain + marked


def _whole_forms(syl: tuple[str, ...]) -> list[str]:
    if not syl:
        return []
    forms = ["".join(syl), "".join(s[0] for s in syl)]
    if len(syl) > 1:
        forms.append(syl[0] + "".join(s[0] for s in syl[1:]))
    return forms


_FOLDS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"), ("l", "n"))


def fold(latin: str) -> str:
    """Fuzzy pinyin key: z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing all fold together.

    Applied to whole strings on both sides, so no syllable split is needed: readings that
    differ only by these pairs fold to the same string, and a typed prefix folds to a
    prefix of the fold (`zhan` → `zan`, a prefix of `zhangtong` → `zanton`).
    """
    for a, b in _FOLDS:
        latin = latin.replace(a, b)
    return latin


def deletions(word: str) -> list[str]:
    """The word and every string one letter shorter (symmetric-delete typo matching)."""
    return list(dict.fromkeys([word] + [word[:i] + word[i + 1 :] for i in range(len(word))]))


def name_tokens(name: str) -> list[str]:
    """Han and marked tokens of a name, matched exactly (the `names` field).

    Plain: the whole name, surname, given name, each character, bigrams (and each part of
    a dotted name). Marked, for ranking tiers: `=` whole name or its whole pinyin/initials,
    `^` a prefix of the name (or of a part), `s:`/`g:` surname / given name (each part of a
    dotted name is a given name) in characters and pinyin, `!` one-letter deletions of the
    full pinyin (typo matching).
    """
    parts = name_parts(name)
    joined = "".join(parts)
    if not joined:
        return []
    if len(parts) == 1:
        surname, given = split_name(joined)
        pairs = [("s", surname), ("g", given)]
        syl = part_syllables(name)[0]
        n_sur = max(0, len(syl) - len(_syllables(given)))
        latin = [("s", "".join(syl[:n_sur])), ("g", "".join(syl[n_sur:]))]
        latin.append(("g", "".join(s[0] for s in syl[n_sur:])))
    else:
        surname, given = "", ""
        pairs = [("g", p) for p in parts]
        latin = []
        for psyl in part_syllables(name):
            latin += [("g", "".join(psyl)), ("g", "".join(s[0] for s in psyl))]
    tokens = [joined, surname, given, *parts, *joined]
    tokens += [joined[i : i + 2] for i in range(len(joined) - 1)]
    tokens.append(f"={joined}")
    for word in [joined, *parts] if len(parts) > 1 else [joined]:
        tokens += [f"^{word[:n]}" for n in range(1, len(word) + 1)]
    tokens += [f"{k}:{v}" for k, v in pairs + latin if v]
    full = name_pinyin(name)
    tokens += [f"={full}", f"={name_initials(name)}"] if full else []
    typo = [full] + ["".join(p) for p in part_syllables(name)] if len(parts) > 1 else [full]
    for word in typo:
        if len(word) >= 4:
            tokens += [f"!{d}" for d in deletions(word)]
    return list(dict.fromkeys(t for t in tokens if t and t not in "=^!"))


def org_name_tokens(names: list[str]) -> list[str]:
    """`o:` + the whole name of each current organisation (the "org_name" ranking tier)."""
    out = (normalise(n).replace(" ", "") for n in names)
    return list(dict.fromkeys(f"o:{n}" for n in out if n))


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
