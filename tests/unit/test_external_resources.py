"""`external_resources` finds every address a page would fetch: checked against a plain
scan of the whole page with the same rules, on crafted pages."""

from __future__ import annotations

import re

import pytest

from helpers.outputs.html_export import external_resources

_WHOLE_PAGE = re.compile(
    r"""(?:\b(?:src|href|poster|data)\s*=\s*["']?\s*(https?://[^"'\s>]+))"""
    r"""|(?:url\(\s*["']?(https?://[^"')\s]+))"""
    r"""|(?:@import\s+["']?(https?://[^"';\s]+))""",
    re.IGNORECASE,
)


def _scan_whole_page(html: str) -> list[str]:
    """The reference: the pattern over every character of the page."""
    found = []
    for m in _WHOLE_PAGE.finditer(html):
        tag = html[html.rfind("<", 0, m.start()):][:3].lower()
        if tag not in ("<a ", "<a\n", "<a\t"):
            found.append(next(g for g in m.groups() if g))
    return found


_PNG = "data:image/png;base64," + "iVBORw0KGgo" * 5000

PAGES = [
    '<script src="https://cdn.example/x.js"></script><a href="#a">a</a>',
    f'<img src="{_PNG}" alt="図"><a href="https://www.mhlw.go.jp/">厚生労働省</a>',
    "<style>@import 'http://fonts.example/a.css'; body{background:url( \"https://img.example/b.png\" )}</style>",
    '<link   HREF  =  "HTTPS://cdn.example/s.css"><video poster=http://v.example/p.jpg></video>',
    '<object data="https://x.example/o.swf"></object><p>https://plain.example/ は文中の文字列</p>',
    '<div xsrc="https://not.an.attribute/"></div><div data-src="https://lazy.example/i.png"></div>',
    '<a\nhref="https://link.example/">改行のあるリンク</a><iframe src="https://frame.example/"></iframe>',
    "<p>" + "表" * 30000 + '</p><script src="https://late.example/z.js"></script>',
    '<img src="' + " " * 200 + 'https://spaced.example/i.png">',
]


@pytest.mark.parametrize("html", PAGES, ids=range(len(PAGES)))
def test_same_addresses_as_a_scan_of_the_whole_page(html):
    assert external_resources(html) == _scan_whole_page(html)


def test_what_a_page_would_fetch():
    assert external_resources(PAGES[2]) == ["http://fonts.example/a.css", "https://img.example/b.png"]
    assert external_resources(PAGES[1]) == []  # an inline image and a link fetch nothing
    assert external_resources(PAGES[5]) == ["https://lazy.example/i.png"]
