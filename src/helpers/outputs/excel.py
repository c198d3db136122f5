"""The report as an Excel workbook, for analysts who pass results on in Excel.

One sheet with the scorecard in the report's layout (指標, 目標, 実績, 前年同期, 差, 判定,
年度末見込み, 計画の頁, 出所), then one sheet per section with its KPIs and its 計画事項.
Numbers are numbers with number formats (0.0%, #,##0), never text; every sheet states
the 基準日 and the snapshot's source; the header row is frozen, columns are fitted and
status cells coloured as in the HTML. Text from data is always written as text: a
name beginning with =, +, - or @ never becomes a formula.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

from helpers.core.era import month_end_label
from helpers.core.statuses import excel_fill
from helpers.data.contract import NATIONAL_CODE
from helpers.report.formatting import judged_target
from helpers.report.section import SectionReport
from helpers.sections.registry import SCORECARD

__all__ = ["write_report_workbook", "SCORECARD_COLUMNS"]

SCORECARD_COLUMNS = ("区分", "ID", "指標", "目標", "実績", "前年同期", "差", "判定", "年度末見込み", "計画の頁", "出所")
_HEADER_ROW = 4  # rows 1-2: title and 基準日/出所, row 3 blank


def _number_format(kpi) -> tuple[str, float]:
    """(Excel number format, factor to apply) for a KPI's values."""
    digits = "0" * kpi.precision
    if kpi.unit == "percent":
        return (f"0.{digits}%" if digits else "0%"), 0.01
    if kpi.unit in ("points", "minutes"):
        return (f"0.{digits}" if digits else "0"), 1.0
    return "#,##0", 1.0


def _change_format(kpi) -> str:
    """A difference with its sign; for rates in ポイント (a difference of rates is not a %)."""
    digits = "." + "0" * kpi.precision if kpi.precision else ""
    if kpi.unit in ("percent", "points"):
        unit = '"ポイント"'
        return f"+0{digits}{unit};-0{digits}{unit};0{digits}{unit}"
    if kpi.unit == "minutes":
        return f'+0{digits}"分";-0{digits}"分";0{digits}"分"'
    return "+#,##0;-#,##0;0"


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
    rows, formats = [], []
    source = f"{r.snapshot.id}（{r.snapshot.source}）"
    for res in r.results:
        kpi = res.kpi
        fmt, factor = _number_format(kpi)
        national_only = not res.has_value and kpi.national_only and r.scope != NATIONAL_CODE

        def scaled(v, factor=factor):
            return None if v is None or math.isnan(v) else v * factor

        rows.append({
            "区分": section_names.get(kpi.section, kpi.section), "ID": kpi.id, "指標": kpi.name_ja,
            "目標": judged_target(res), "実績": "全国値のみ" if national_only else scaled(res.value),
            "前年同期": scaled(res.prior_value),
            "差": None if math.isnan(res.change) else (res.change if kpi.unit == "percent" else scaled(res.change)),
            "判定": res.status or "—",
            "年度末見込み": None if res.projection is None else scaled(res.projection.central),
            "計画の頁": kpi.plan_page, "出所": source,
        })
        formats.append({"実績": fmt, "前年同期": fmt, "年度末見込み": fmt, "差": _change_format(kpi)})
    return rows, formats


def write_report_workbook(path: Path, reports: list[SectionReport]) -> Path:
    """Write the scorecard and each section's KPIs and 計画事項 to `path` (.xlsx).

    `reports` holds the scorecard first, then the sections, all for one scope.
    """
    from openpyxl import Workbook

    from helpers.data.register import milestone_text

    book = Workbook()
    book.remove(book.active)
    names = {s.id: s.name_ja for s in reports[0].plan.sections}
    for r in reports:
        rows, formats = _kpi_rows(r, names)
        title = "スコアカード" if r.section_id == SCORECARD else r.spec.number + " " + r.spec.title
        ws = _sheet(book, title, r, SCORECARD_COLUMNS, rows, formats, status="判定")
        items = r.items(whole_plan=r.section_id == SCORECARD)
        if items:
            start = ws.max_row + 2
            columns = ("ID", "計画事項", "頁", "期日", "状況", "取組状況", "自己評価")
            from openpyxl.styles import Font, PatternFill

            for j, name in enumerate(columns, start=1):
                cell = ws.cell(row=start, column=j)
                _put(cell, name)
                cell.font = Font(bold=True)
            for i, p in enumerate(items, start=1):
                values = (p.item.id, p.item.title, p.item.pages or "—",
                          "、".join(milestone_text(m) for m in p.item.milestones if m.tracked) or "—",
                          p.status, p.note or "—", p.grade or "—")
                for j, value in enumerate(values, start=1):
                    _put(ws.cell(row=start + i, column=j), value)
                if excel_fill(p.status):
                    ws.cell(row=start + i, column=5).fill = PatternFill("solid", fgColor=excel_fill(p.status))
        _fit_widths(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
