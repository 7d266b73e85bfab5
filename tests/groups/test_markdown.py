"""Markdown rendering and sanitising: the hostile-HTML corpus must come out inert."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from directory.core import markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;script:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="evil.swf"></object>',
    '<embed src="evil.swf">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<<script>script>alert(1)<</script>/script>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    "<details open ontoggle=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '<a href="  javascript:alert(1)">x</a>',
    "[x](<javascript:alert(1)>)",
    '<https://ok.example/" onmouseover="alert(1)>',
    "<javascript:alert(1)>",
]


class _Elements(HTMLParser):
    """Collects every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def _assert_inert(html: str) -> None:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag in markdown.ALLOWED_TAGS, html
        for name, value in attrs:
            assert name in markdown.ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, html
            if name == "href":
                # Values are entity-decoded by the parser; browsers also drop tabs and
                # newlines and leading control characters before reading the scheme.
                url = re.sub(r"[\t\n\r]", "", value or "").lstrip("".join(map(chr, range(33))))
                scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*):", url)
                assert scheme is None or scheme.group(1).lower() in markdown.URL_SCHEMES, html


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_html_comes_out_inert(source: str) -> None:
    html = markdown.render(source)
    _assert_inert(html)


def test_typed_html_is_shown_as_text() -> None:
    html = markdown.render("<b>bold</b> & <i>x</i>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>" not in html


def test_links_are_made_safe() -> None:
    html = markdown.render("[官网](https://www.gqt.org.cn) <https://example.org>")
    assert html.count('rel="nofollow noopener"') == 2
    assert 'href="https://www.gqt.org.cn"' in html


def test_formatting_survives() -> None:
    html = markdown.render("# 标题\n\n**粗体** _斜体_ ~~删除~~\n\n> 引用\n\n- 一\n- 二\n\n`代码`")
    for tag in ("<h1>", "<strong>", "<em>", "<s>", "<blockquote>", "<ul>", "<li>", "<code>"):
        assert tag in html


@pytest.mark.parametrize(
    "source",
    [
        ">" * 5000 + " 深",
        "- " * 200 + "x",
        "*" * 400 + "x" + "*" * 400,
        "\n".join("  " * i + "- x" for i in range(300)),
    ],
)
def test_deep_nesting_is_refused(source: str) -> None:
    with pytest.raises(markdown.NestingTooDeep):
        markdown.render(source)


def test_ordinary_nesting_is_fine() -> None:
    assert "<blockquote>" in markdown.render("> a\n> > b\n> > > c")


def test_mentions_link_only_known_people() -> None:
    html = markdown.render("@张彤#3 和 @李明#99 你好", {3: "张彤"}, lambda pid: f"/people/{pid}")
    assert '<a href="/people/3" rel="nofollow noopener">@张彤</a>' in html
    assert "@李明#99" in html
    assert markdown.mention_ids("@张彤#3 @李明#99 @无编号") == {3, 99}


def test_mention_name_cannot_inject_markup() -> None:
    html = markdown.render("@x#1", {1: "<script>alert(1)</script>"}, lambda pid: f"/people/{pid}")
    assert "<script" not in html
