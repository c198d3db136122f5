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
_SCHEME = re.compile(r"https?$", re.IGNORECASE)  # just before a "://"
_LOOK_BACK = 256  # "src = '", "url(" or "@import " before an address, with room for spaces
_LONGEST_ADDRESS = 8192


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = _page_exporter_class()(
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


def _page_exporter_class():
    """nbconvert's HTMLExporter without the BeautifulSoup pass it makes over every page
    it writes (`focusable_and_described` does that pass's two jobs with two patterns);
    the pass parsed and rewrote each page, 0.35 s of CPU over the seven national pages,
    three times the template's own time."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to the page's text (nbconvert 7.17.2,
            # `helpers.core.upstream`), then the two patterns instead of the soup
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return focusable_and_described(html), resources

    return PageExporter


_OUTPUT_DIV = re.compile(r'<div(?=\s[^>]*\bclass="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b)'
                         r'(?![^>]*\btabindex=)')
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)")
NO_ALT = "図（説明の文はありません）"


def focusable_and_described(html: str) -> str:
    """What nbconvert's HTMLExporter adds to a page: every output area (and input) can
    take the keyboard's focus (a wide table scrolls by keys too), and every image has a
    text alternative (the charts bring their own: this is for any other image).

    >>> focusable_and_described('<div class="jp-RenderedImage jp-OutputArea-output "><img src="x.png"></div>')
    '<div tabindex="0" class="jp-RenderedImage jp-OutputArea-output "><img alt="図（説明の文はありません）" src="x.png"></div>'
    """
    html = _OUTPUT_DIV.sub('<div tabindex="0"', html)
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT}"', html)


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
    # every address has a "://", a few dozen times in a page of megabytes (most of it
    # inline base64 charts): the full pattern runs only around each (scanning the whole
    # page with it was 0.1 s of CPU over the seven national pages)
    found: dict[int, str] = {}
    separator = html.find("://")
    while separator != -1:
        scheme = _SCHEME.search(html, max(0, separator - 5), separator)
        if scheme is not None:
            at = scheme.start()
            # (a search from the window's start still reads the character before it for \b)
            for m in _RESOURCE.finditer(html, max(0, at - _LOOK_BACK), separator + _LONGEST_ADDRESS):
                address_at = next(m.start(i) for i in (1, 2, 3) if m.group(i))
                if address_at == at and not _is_plain_link(html, m.start()):
                    found[address_at] = next(g for g in m.groups() if g)
        separator = html.find("://", separator + 3)
    return [found[at] for at in sorted(found)]


def _is_plain_link(html: str, position: int) -> bool:
    """An <a href> is a link the reader may follow, not a resource the page fetches."""
    tag_start = html.rfind("<", 0, position)
    return html[tag_start:tag_start + 3].lower() in ("<a ", "<a\n", "<a\t")
