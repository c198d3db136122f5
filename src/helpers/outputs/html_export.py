"""HTML reports from executed notebooks, in-process and offline.

nbconvert's lab template loads require.js, MathJax and mermaid from a CDN; reports are
read on an office network with no internet, so the workbook's `offline` template
(`templates/offline/`) drops those scripts. Code cells are hidden (`--no-input`), the
machine-readable record cell is removed, and charts are inline PNG images.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the run's parent process never needs it
    import nbformat

__all__ = ["scoped_headers", "export_html", "external_resources"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_RESOURCE = re.compile(
    r"""(?:\b(?:src|href|poster|data)\s*=\s*["']?\s*(https?://[^"'\s>]+))"""
    r"""|(?:url\(\s*["']?(https?://[^"')\s]+))"""
    r"""|(?:@import\s+["']?(https?://[^"';\s]+))""",
    re.IGNORECASE,
)
_BASE64_DATA = re.compile(r"data:[\w.+/-]+;base64,[A-Za-z0-9+/=]+")


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="offline", extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        language_code="ja",  # <html lang="ja">: screen readers read the page as Japanese
        # nbconvert's eleven default preprocessors do nothing here (most are disabled,
        # the rest act on code cells, which are hidden), yet the notebook is validated
        # against its schema after each: the template's own (pygments CSS) is kept
        default_preprocessors=[],
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"record"}), enabled=True)
    return exporter


def export_html(nb: nbformat.NotebookNode, title: str, nav: str = "") -> str:
    """The notebook as one self-contained HTML page titled `title`, with `nav` (HTML
    already escaped: links back to the index and to related pages) at its top."""
    body, _ = _exporter().from_notebook_node(nb, resources={"metadata": {"name": title}, "workbook_nav": nav})
    return scoped_headers(body)


_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_TH = re.compile(r"<th(?![^>]*\bscope=)(?=[\s>])")


def scoped_headers(html: str) -> str:
    """Every header cell says what it heads (`scope`), for screen readers: a row's
    first cell beside data cells heads its row, any other header cell its column.

    >>> scoped_headers("<tr><th>基準日</th><td>令和5年9月末</td></tr><tr><th>ID</th><th>指標</th></tr>")
    '<tr><th scope="row">基準日</th><td>令和5年9月末</td></tr><tr><th scope="col">ID</th><th scope="col">指標</th></tr>'
    """
    def row(match: re.Match) -> str:
        text = match.group(0)
        return _TH.sub('<th scope="row"' if "<td" in text else '<th scope="col"', text)

    return _ROW.sub(row, html)


def external_resources(html: str) -> list[str]:
    """Every http(s) address the page would fetch (scripts, styles, images, fonts).

    >>> external_resources('<script src="https://cdn.example/x.js"></script><a href="#a">a</a>')
    ['https://cdn.example/x.js']
    """
    # the pages' charts are inline base64 images (most of a page's bytes): they fetch
    # nothing and hold no address (base64 has no ':'), so they are not scanned
    html = _BASE64_DATA.sub("data:", html)
    return [next(g for g in m.groups() if g) for m in _RESOURCE.finditer(html)
            if not _is_plain_link(html, m.start())]


def _is_plain_link(html: str, position: int) -> bool:
    """An <a href> is a link the reader may follow, not a resource the page fetches."""
    tag_start = html.rfind("<", 0, position)
    return html[tag_start:tag_start + 3].lower() in ("<a ", "<a\n", "<a\t")
