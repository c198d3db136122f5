"""The report as an Excel workbook, for analysts who pass results on in Excel.

One sheet with the scorecard laid out from the report model (指標, 単位, 目標, 実績,
比較の基準, 前年, 差, 判定, 年度末見込み, 判定の対象, 計画の頁, 出所), then one sheet per section
with its KPIs, and a 計画事項 sheet with every deliverable of the plan (部, 予定, 実績,
状況, 年度末の実施状況, 自己評価, 指標の判定 and the plan's text). Numbers are numbers in the unit the page shows them in,
stated in the 単位 column and by the number format (rates as percent numbers, their
differences in ポイント, amounts in 億円, large counts in 万), so that 実績 − 前年
gives 差; every sheet states the 基準日 and the snapshot's source, and carries the
table's footnotes; the header row is frozen, columns are fitted and status cells
coloured as in the HTML. Text from data is always written as text: a name beginning
with =, +, - or @ never becomes a formula.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

from helpers.core.era import month_end_label
from helpers.core.statuses import excel_fill
from helpers.report.item_model import YEAR_END_COLUMN
from helpers.report.scale import DASH, DisplayScale
from helpers.report.section import SectionReport
from helpers.sections.registry import SCORECARD

__all__ = ["write_report_workbook", "SCORECARD_COLUMNS"]

SCORECARD_COLUMNS = ("区分", "ID", "指標", "単位", "目標", "実績", "比較の基準", "前年", "差", "判定", "年度末見込み",
                     "判定の対象", "計画の頁", "出所")
_HEADER_ROW = 4  # rows 1-2: title and 基準日/出所, row 3 blank


def _number_format(scale: DisplayScale) -> str:
    """A value in its display unit, the unit written by the format ('77.6%', '862.9万人'):
    the cell holds the number in that unit (77.6, 862.94), never a fraction."""
    digits = "." + "0" * scale.digits if scale.digits else ""
    return f'#,##0{digits}"{scale.unit}"'


def _change_format(scale: DisplayScale) -> str:
    """A difference with its sign, in ポイント for rates (a difference of rates is not a %)."""
    digits = "." + "0" * scale.change_digits if scale.change_digits else ""
    unit = f'"{scale.change_unit}"'
    return f"+#,##0{digits}{unit};-#,##0{digits}{unit};#,##0{digits}{unit}"


def _width(text: str) -> int:
    """Display width: a Japanese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _put(cell, value) -> None:
    """A value into a cell: numbers as numbers, everything else as text (never a formula)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        cell.value = None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"  # '=1+1', '+81...', '@x' stay text


def _sheet(book, title: str, r: SectionReport, columns: tuple[str, ...], rows: list[dict],
           formats: list[dict] | None = None, status: str | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = book.create_sheet(title=title[:31])
    _put(ws.cell(row=1, column=1), f"{r.plan.title}　{title}（{r.scope_name}）")
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    # 対象時点: the month end the figures describe; 基準日: the snapshot's as-of date
    _put(ws.cell(row=2, column=1), f"対象時点: {month_end_label(r.period)}　スナップショット: {r.snapshot.id}"
                                   f"（基準日: {month_end_label(r.snapshot.as_of)}、出所: {r.snapshot.source}）")
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=_HEADER_ROW, column=j)
        _put(cell, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2F2F2")
        cell.alignment = Alignment(horizontal="center")
    for i, row in enumerate(rows):
        for j, name in enumerate(columns, start=1):
            cell = ws.cell(row=_HEADER_ROW + 1 + i, column=j)
            value = row.get(name)
            _put(cell, value)
            fmt = (formats[i] if formats else {}).get(name)
            if fmt and cell.data_type == "n":
                cell.number_format = fmt
            if name == status and excel_fill(value):
                cell.fill = PatternFill("solid", fgColor=excel_fill(value))
    ws.freeze_panes = ws.cell(row=_HEADER_ROW + 1, column=1)
    return ws


def _fit_widths(ws) -> None:
    """Each column as wide as its widest cell below the title rows (at most 60)."""
    widths: dict[str, int] = {}
    for row in ws.iter_rows(min_row=_HEADER_ROW):
        for cell in row:
            if cell.value is None:
                continue
            shown = f"{cell.value:,.1f}" if isinstance(cell.value, float) else str(cell.value)
            widths[cell.column_letter] = max(widths.get(cell.column_letter, 0), _width(shown))
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = min(width + 2, 60)


def _kpi_rows(r: SectionReport, section_names: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """One row per view: numbers in the view's display unit, unrounded (the format
    shows the table's precision), so that 実績 − 前年 gives 差 and a formula over
    the sheet agrees with the page."""
    rows, formats = [], []
    source = f"{r.snapshot.id}（{r.snapshot.source}）"
    for v in r.views:
        scale = v.scale
        value = scale.scaled(v.value)
        if value is None:
            value = v.value_text  # 「—」 (the reason is in the notes) or 「全国値のみ」
        rows.append({
            "区分": section_names.get(v.section, v.section), "ID": v.id, "指標": v.name, "単位": scale.unit,
            "目標": v.target_shown, "実績": value,
            "比較の基準": v.prior_basis, "前年": DASH if v.prior is None else scale.scaled(v.prior),
            "差": DASH if v.change is None else scale.scaled(v.change),
            "判定": v.status_text,
            "年度末見込み": DASH if v.projection is None else scale.scaled(v.projection.central),
            "判定の対象": v.applicability_text, "計画の頁": v.plan_page, "出所": source,
        })
        formats.append({"実績": _number_format(scale), "前年": _number_format(scale),
                        "年度末見込み": _number_format(scale), "差": _change_format(scale)})
    return rows, formats


def _notes(ws, notes: list[str]) -> None:
    """The KPI table's footnotes under it, one per row."""
    start = ws.max_row + 2
    _put(ws.cell(row=start, column=1), "注記")
    for i, note in enumerate(notes, start=1):
        _put(ws.cell(row=start + i, column=1), note)


ITEM_SHEET_COLUMNS = ("部", "計画事項ID", "計画事項", "頁", "取組ID", "取組（計画の言葉）", "種類", "予定", "実績（完了日）",
                      "状況", YEAR_END_COLUMN, "取組状況", "自己評価", "評定の理由", "課題と今後の対応", "担当部署",
                      "指標の判定", "計画の主な内容")


def _items_sheet(book, r: SectionReport, items) -> None:
    """The 計画事項 sheet: one row per deliverable of the whole plan, every value in its
    own cell (the item's fields repeated on each of its rows), the plan's 主な内容 in full."""
    rows = []
    for v in items:
        for d in v.deliverables:
            rows.append({
                "部": v.part_label, "計画事項ID": v.id, "計画事項": v.title, "頁": v.pages_text, "取組ID": d.id,
                "取組（計画の言葉）": d.text, "種類": d.kind, "予定": d.due_text, "実績（完了日）": d.done_text,
                "状況": d.status, YEAR_END_COLUMN: v.year_end or "—", "取組状況": d.note_text, "自己評価": d.grade_text,
                "評定の理由": d.grade_reason or "—", "課題と今後の対応": d.issues or "—", "担当部署": d.department or "—",
                "指標の判定": v.kpis_text, "計画の主な内容": "\n".join(f"○{c}" for c in v.content),
            })
    ws = _sheet(book, "計画事項", r, ITEM_SHEET_COLUMNS, rows, status="状況")
    _fit_widths(ws)


def write_report_workbook(path: Path, reports: list[SectionReport]) -> Path:
    """Write the scorecard and each section's KPIs and 計画事項 to `path` (.xlsx).

    `reports` holds the scorecard first, then the sections, all for one scope.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    names = {s.id: s.name_ja for s in reports[0].plan.sections}
    for r in reports:
        rows, formats = _kpi_rows(r, names)
        title = "スコアカード" if r.section_id == SCORECARD else r.spec.number + " " + r.spec.title
        ws = _sheet(book, title, r, SCORECARD_COLUMNS, rows, formats, status="判定")
        _fit_widths(ws)
        if r.notes():  # after fitting: a long note must not widen the first column
            _notes(ws, r.notes())
    items = reports[0].item_views(whole_plan=True)
    if items:
        _items_sheet(book, reports[0], items)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
