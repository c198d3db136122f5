"""Escaping text that comes from data or from files an analyst edits.

Area names, snapshot descriptions and plan texts are not trusted: a name such as
``<img src=x onerror=…>`` or ``[x](javascript:…)`` must reach the reader as the
characters it holds, never as markup. Every block the notebooks display goes through
one of these two functions at the point where such a string is put into it:

- `md` for Markdown (the notebooks' narratives, headers and provenance);
- `html_text` for HTML (tables, the report index).

Text written by the workbook itself (templates, formatted numbers) is not escaped.
"""

from __future__ import annotations

import re
from html import escape

__all__ = ["md", "md_code", "html_text"]

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
# Every other ASCII punctuation mark may start Markdown syntax (emphasis, links, code,
# headings, tables); CommonMark lets any of them be escaped with a backslash.
_PUNCTUATION = set("!#$%()*+,-./:;=?@[\\]^_`{|}~")


def md(text: object) -> str:
    """Text for Markdown that renders as exactly the characters it holds.

    >>> md("沖縄県<img src=x onerror=alert(1)>")
    '沖縄県&lt;img src\\\\=x onerror\\\\=alert\\\\(1\\\\)&gt;'
    >>> md("**太字**")
    '\\\\*\\\\*太字\\\\*\\\\*'
    """
    out = []
    for ch in str(text):
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _PUNCTUATION:
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")  # a line break in a name would end a list item or a table row
        else:
            out.append(ch)
    return "".join(out)


_PLAIN = re.compile(r"[A-Za-z0-9_./-]+")


def md_code(text: object) -> str:
    """An identifier or path as inline code when it holds only plain characters (ids,
    file names, checksums), else as escaped text: nothing can close the code span.

    >>> print(md_code("sample-2023-09-30"), md_code("a`b"))
    `sample-2023-09-30` a\\`b
    """
    text = str(text)
    return f"`{text}`" if _PLAIN.fullmatch(text) else md(text)


def html_text(text: object) -> str:
    """Text for HTML element content or a quoted attribute value.

    >>> html_text('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return escape(str(text), quote=True)
