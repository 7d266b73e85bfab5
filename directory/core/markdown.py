"""Markdown → sanitised HTML. The allow-list of tags, attributes and URL schemes lives here.

markdown-it-py renders CommonMark with raw HTML disabled (typed HTML becomes text);
nh3 (ammonia) then removes anything outside the allow-list, so even a renderer bug
cannot let a script, an event handler or a javascript:/data: URL through.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from directory.core.numbers import parse_id

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "class"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Nesting deeper than this (quotes in quotes in lists ...) is refused, not rendered.
MAX_NESTING = 16

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "maxNesting": 64}).enable(
    ["table", "strikethrough"]
)
# The id is ASCII digits only ([0-9], not \d), as everywhere numbers are read (core/numbers).
MENTION = re.compile(r"@([^\s@#\[\]()<>*_`\\]{1,40})#([0-9]{1,12})")


class NestingTooDeep(ValueError):
    """The Markdown nests blocks or inline markup deeper than MAX_NESTING."""


def nesting_depth(text: str) -> int:
    """The deepest block or inline nesting level of the parsed text."""
    depth = 0
    for token in _md.parse(text):
        depth = max(depth, token.level)
        for child in token.children or ():
            depth = max(depth, token.level + child.level)
    return depth


def mention_ids(text: str) -> set[int]:
    """Ids of people mentioned as `@name#id` (the form the autocomplete inserts)."""
    return {pid for m in MENTION.finditer(text) if (pid := parse_id(m.group(2))) is not None}


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape(text: str) -> str:
    """Text that Markdown shows literally: every ASCII punctuation mark backslash-escaped.

    Anything taken from the database into Markdown source (a person's name in a
    mention) goes through this, so a name like `[x](https://evil)` cannot make a link.
    """
    text = " ".join(text.split())  # no line breaks: a name cannot start a new block
    return _PUNCTUATION.sub(r"\\\1", text)


def _link_mentions(text: str, people: dict[int, str], url_for_person) -> str:
    def repl(m: re.Match[str]) -> str:
        pid = int(m.group(2))
        if pid not in people:
            return m.group(0)
        return f"[@{escape(people[pid])}](<{url_for_person(pid)}>)"

    return MENTION.sub(repl, text)


def sanitise(html: str) -> str:
    """Clean HTML with the allow-list (also used on anything stored before a change)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(text: str, people: dict[int, str] | None = None, url_for_person=None) -> str:
    """Render Markdown to safe HTML; raise NestingTooDeep for pathological nesting."""
    if nesting_depth(text) > MAX_NESTING:
        raise NestingTooDeep(text[:40])
    if people and url_for_person is not None:
        text = _link_mentions(text, people, url_for_person)
    return sanitise(_md.render(text))
