"""From what a user typed to a neutral query tree both backends compile.

Nothing the user types is ever handed to a query parser: words are normalised,
split and turned into Term/Prefix nodes, so query syntax (`AND`, `*`, quotes)
is just text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from directory.core import text

NAME, ORG, PAST, BODY = "names", "org", "orgp", "body"

# Ranking tiers, best first (docs/SEARCH.md "Ranking"): a document's tier is the first
# whose condition it meets; every word of the query must meet it.
TIERS = (
    "exact_name",  # the whole name (a dotted name with or without its dot)
    "exact_pinyin",  # full pinyin or initials of the whole name
    "prefix",  # the name (or a part of a dotted name) starts with the word
    "name_part",  # surname or given name, in characters or pinyin
    "name",  # anywhere in the name (a character, a pinyin form from any syllable on)
    "fuzzy",  # fuzzy pinyin: z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing
    "typo",  # one wrong, missing, extra or swapped letter in a full pinyin
    "org_name",  # the whole name of a current organisation
    "org",  # current organisations, titles, regions
    "org_past",  # former ones
    "bio",
)
TYPO_MIN = 5  # shorter Latin words are initials or prefixes, not mistyped pinyin


@dataclass(frozen=True)
class Term:
    field: str
    value: str


@dataclass(frozen=True)
class Prefix:
    """A pinyin prefix (the `pinyin` forms of a document start with `value`)."""

    value: str


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node = Term | Prefix | And | Or


@dataclass
class Query:
    """A parsed search: the match tree (None = everyone), filters, ranking and the page.

    `tiers` are cumulative conditions (tier k = matches tiers[k] but not tiers[k-1]);
    `near` lists groups of filter values, closest to the viewer first; within a tier
    and a group, people with a current position come first, then by name.
    """

    tree: Node | None
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    region_facet: tuple[str, str] | None = None  # (filter field, parent code or "")
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    words: list[str] = field(default_factory=list)
    tiers: list[Node] = field(default_factory=list)
    near: list[dict[str, list[str]]] = field(default_factory=list)


def _or(items: list[Node | None]) -> Node | None:
    nodes = tuple(dict.fromkeys(n for n in items if n is not None))
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else Or(nodes)


def _and(items: list[Node]) -> Node:
    return items[0] if len(items) == 1 else And(tuple(items))


def _han_tiers(word: str) -> list[Node | None]:
    tokens = text.han_query_tokens(word)
    if len(tokens) == 1:
        org: Node = Term(ORG, word)
        past: Node = Term(PAST, word)
        name: Node = Term(NAME, word)
        body: Node = Term(BODY, word)
    else:
        # Segments may be spread over the name and the organisation ("张书记").
        name = Or((Term(NAME, word), _and([Term(NAME, t) for t in tokens])))
        org = _and([Or((Term(NAME, t), Term(ORG, t))) for t in tokens])
        past = _and([Or((Term(NAME, t), Term(ORG, t), Term(PAST, t))) for t in tokens])
        body = _and(
            [Or((Term(NAME, t), Term(ORG, t), Term(PAST, t), Term(BODY, t))) for t in tokens]
        )
    return [
        Term(NAME, f"={word}"),
        None,
        Term(NAME, f"^{word}"),
        Or((Term(NAME, f"s:{word}"), Term(NAME, f"g:{word}"))),
        name,
        None,
        None,
        Term(NAME, f"o:{word}"),
        org,
        past,
        body,
    ]


def _latin_tiers(word: str) -> list[Node | None]:
    if not word.isalpha():  # digits: only in the text
        text_only: list[Node | None] = [Term(ORG, word), Term(PAST, word), Term(BODY, word)]
        return [None] * 8 + text_only
    typo = None
    if len(word) >= TYPO_MIN:
        typo = _or([Term(NAME, f"!{d}") for d in text.deletions(word)])
    return [
        None,
        Term(NAME, f"={word}"),
        Prefix(f"^{word}"),
        Or((Term(NAME, f"s:{word}"), Term(NAME, f"g:{word}"))),
        Prefix(word),
        Prefix(f"~{text.fold(word)}"),
        typo,
        None,
        Term(ORG, word),
        Term(PAST, word),
        Term(BODY, word),
    ]


def _mixed_tiers(word: str) -> list[Node | None]:
    reading = text.mixed_pinyin(word)
    chars = [Term(NAME, ch) for ch in word if text.is_han(ch)]
    tiers: list[Node | None] = [None] * len(TIERS)
    tiers[TIERS.index("prefix")] = And((Prefix(f"^{reading}"), *chars))
    tiers[TIERS.index("name")] = And((Prefix(reading), *chars))
    return tiers


def _word_tiers(word: str) -> list[Node | None]:
    if text.is_han(word) and any(c.isascii() for c in word):
        tiers = _mixed_tiers(word)
    elif text.is_han(word):
        tiers = _han_tiers(word)
    else:
        tiers = _latin_tiers(word)
    assert len(tiers) == len(TIERS)
    return tiers


def _cumulative(tiers: list[Node | None]) -> list[Node | None]:
    return [_or(tiers[: k + 1]) for k in range(len(tiers))]


def build_tiers(words: list[str]) -> list[Node]:
    """Cumulative tier conditions for the words (the last one is the match tree)."""
    per_word = [_cumulative(_word_tiers(w)) for w in words]
    joined: list[Node | None] = [None] * len(TIERS)
    if len(words) > 1 and (
        all(w.isascii() and w.isalpha() for w in words) or all(text.is_han(w) for w in words)
    ):
        # "zhang tong" is also "zhangtong"; "阿卜杜拉 买买提" (a dotted name) the whole name.
        joined = _cumulative(_word_tiers("".join(words)))
    out: list[Node] = []
    for k in range(len(TIERS)):
        parts = [w[k] for w in per_word]
        every = None if any(p is None for p in parts) else _and([p for p in parts if p])
        node = _or([every, joined[k]])
        out.append(node if node is not None else Or(()))
    return out


def build_tree(raw: str) -> tuple[Node | None, list[str]]:
    """The match tree for a typed query, and the words it was split into."""
    tree, words, _tiers = build(raw)
    return tree, words


def build(raw: str) -> tuple[Node | None, list[str], list[Node]]:
    """The match tree, the words and the cumulative ranking tiers of a typed query."""
    words = text.query_words(raw)[:8]
    if not words:
        return None, [], []
    tiers = build_tiers(words)
    return tiers[-1], words, tiers
