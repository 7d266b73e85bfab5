"""From what a user typed to a neutral query tree both backends compile.

Nothing the user types is ever handed to a query parser: words are normalised,
split and turned into Term/Prefix nodes, so query syntax (`AND`, `*`, quotes)
is just text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from directory.search import text

# Boosts: a name beats an organisation, which beats the bio.
NAME, ORG, BODY = "names", "org", "body"
BOOST = {NAME: 6.0, ORG: 2.0, BODY: 1.0, "pinyin": 4.0}


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
    """A parsed search: the match tree (None = everyone), filters, sorting and the page."""

    tree: Node | None
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    region_facet: tuple[str, str] | None = None  # (filter field, parent code or "")
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    words: list[str] = field(default_factory=list)


def _any_field(token: str) -> Node:
    return Or((Term(NAME, token), Term(ORG, token), Term(BODY, token)))


def _han(word: str) -> Node:
    tokens = text.han_query_tokens(word)
    whole: list[Node] = [Term(NAME, word)]
    if len(tokens) == 1:
        return Or((*whole, Term(ORG, word), Term(BODY, word)))
    return Or((*whole, And(tuple(_any_field(t) for t in tokens))))


def _latin(word: str) -> Node:
    return Or((Prefix(word), Term(ORG, word), Term(BODY, word)))


def _mixed(word: str) -> Node:
    parts: list[Node] = [Prefix(text.mixed_pinyin(word))]
    parts.extend(Term(NAME, ch) for ch in word if text.is_han(ch))
    return And(tuple(parts))


def build_tree(raw: str) -> tuple[Node | None, list[str]]:
    """The match tree for a typed query, and the words it was split into."""
    words = text.query_words(raw)[:8]
    if not words:
        return None, []
    nodes: list[Node] = []
    for word in words:
        if text.is_han(word) and any(c.isascii() for c in word):
            nodes.append(_mixed(word))
        elif text.is_han(word):
            nodes.append(_han(word))
        else:
            nodes.append(_latin(word))
    tree: Node = nodes[0] if len(nodes) == 1 else And(tuple(nodes))
    latin = [w for w in words if w.isascii() and w.isalpha()]
    if len(latin) == len(words) > 1:
        # "zhang tong" is also "zhangtong".
        tree = Or((tree, Prefix("".join(latin))))
    return tree, words
