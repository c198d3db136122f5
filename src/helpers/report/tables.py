"""Tables for notebooks and reports: pandas Stylers with a fixed uuid, wrapped so that
their plain-text form is stable too (a bare Styler's repr carries a memory address,
which nbval would see as a changed output)."""

from __future__ import annotations

import re

import pandas as pd

from helpers.core.escaping import html_text
from helpers.core.statuses import cell_css

__all__ = ["Table", "styled", "status_colors"]



class Table:
    """An HTML table with a deterministic text form.

    Attributes:
        html: the table's HTML (from a Styler with a fixed uuid).
        caption: its caption, used as the text form.
    """

    def __init__(self, html: str, caption: str, frame: pd.DataFrame):
        self.html = html
        self.caption = caption
        self.frame = frame

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<表: {self.caption}（{len(self.frame)}行）>"


def status_colors(value: object) -> str:
    """Cell style of a status word."""
    return cell_css(value)


def styled(frame: pd.DataFrame, *, uuid: str, caption: str, status_column: str | None = None,
           right_align: tuple[str, ...] = (), notes: list[str] = (), nowrap: tuple[str, ...] = ()) -> Table:
    """Render a display-ready frame (values already formatted as text) as a Table.

    Every cell, column header and the caption are HTML-escaped here: they carry area
    names and plan texts, which are data, never markup.

    Args:
        frame: the rows to show, strings already formatted (units, ポイント).
        uuid: a stable id, unique within the notebook (e.g. "np-kpis").
        caption: the table's caption (shown above it).
        status_column: a column of status words to colour.
        right_align: columns of numbers.
        notes: footnotes printed under the table (plain text, escaped here).
        nowrap: text columns never broken across lines (a range, a page number).
    """
    styler = (frame.style.hide(axis="index").set_caption(html_text(caption))
              .set_uuid(re.sub(r"\W", "-", uuid))
              .format(escape="html").format_index(escape="html", axis=1))
    styler = styler.set_table_attributes('class="workbook-table"')
    styler = styler.set_table_styles([
        {"selector": "caption", "props": "caption-side: top; font-weight: bold; text-align: left;"},
        {"selector": "th", "props": "text-align: center; background-color: #f2f2f2;"},
        {"selector": "td", "props": "padding: 2px 8px;"},
    ])
    text_columns = [c for c in frame.columns if c not in right_align]
    if text_columns:
        styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
    if right_align:
        styler = styler.set_properties(subset=list(right_align), **{"text-align": "right", "white-space": "nowrap"})
    if nowrap:
        styler = styler.set_properties(subset=list(nowrap), **{"white-space": "nowrap"})
    if status_column:
        styler = styler.map(status_colors, subset=[status_column])
        styler = styler.set_properties(subset=[status_column], **{"white-space": "nowrap"})
    html = styler.to_html()  # header cells get their scope where a page is exported (scoped_headers)
    if notes:
        items = "".join(f"<li>{html_text(n)}</li>" for n in notes)
        html += f'<ul class="table-notes" style="font-size:0.85em;margin-top:4px;list-style:none;padding-left:0">{items}</ul>'
    return Table(html, caption, frame)
