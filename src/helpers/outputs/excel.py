"""The report as an Excel workbook, for analysts who pass results on in Excel.

Laid out by the 総務省 rules for machine-readable statistical tables (「統計表における機械
判読可能なデータの表記方法の統一ルール」, 2020): one table per sheet from its header row
down, one value per cell, numbers stored as numbers in the unit the page shows them in
(stated in the 単位 column and by the number format: rates as percent numbers, their
differences in ポイント, amounts in 億円, large counts in 万), no merged cells, no spaces
for layout, no 機種依存文字 (①, Ⅰ, ㈱ are written (1), I, (株)), 西暦 beside 和暦, the
area code in its own column, and the usual symbols for a missing value (「－」 none,
「…」 not known yet, 「x」 suppressed), explained on the 注記 sheet with the footnotes,
definitions, sources and the rounding note.

One sheet with the scorecard laid out from the report model, then one sheet per section
with its KPIs, a 計画事項 sheet with every deliverable of the plan, and the 注記 sheet.
Every sheet prints on A4 landscape, fitted to the width, its header row repeated and
the 基準日 in the page header. Text from data is always written as text: a name
beginning with =, +, - or @ never becomes a formula. The file's own dates are the
snapshot's, so the same snapshot gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import zipfile
from pathlib import Path

from helpers.core.era import month_end_label
from helpers.core.statuses import excel_fill
from helpers.report.item_model import YEAR_END_COLUMN
from helpers.report.model import ROUNDING_NOTE
from helpers.report.scale import DASH, DisplayScale
from helpers.report.section import SectionReport
from helpers.sections.registry import SCORECARD

__all__ = ["write_report_workbook", "SCORECARD_COLUMNS", "NONE", "UNKNOWN", "SUPPRESSED", "plain"]

SCORECARD_COLUMNS = ("区分", "ID", "指標", "単位", "目標", "目標値", "実績", "時点", "時点（西暦）", "比較の基準", "前年",
                     "差", "判定", "年度末見込み", "見込みの下限", "見込みの上限", "判定の対象", "計画の頁", "出所",
                     "地域コード", "地域")
NOTES_COLUMNS = ("種類", "シート", "ID", "内容")
_HEADER_ROW = 4  # rows 1-2: title and dates/source, row 3 blank
NONE = "－"  # no such figure (全国値のみ below 全国, a KPI with no projection or target value)
UNKNOWN = "…"  # not known yet (a rate before its first due date, a year not closed)
SUPPRESSED = "x"  # hidden to protect small counts
SYMBOLS = ((NONE, "該当する数値がない（全国値のみの指標の地域別の値、年度末見込みのない指標の見込み、目標値のない目標など）"),
           (UNKNOWN, "数値が得られない（基準日にまだ確定していない、納付期限が来ていないなど。理由はこのシートの注記）"),
           (SUPPRESSED, "秘匿（小さな件数を保護するため表示しない）"))
# Compatibility characters that depend on the machine (circled and parenthesised
# numbers, Roman numerals, squared units, ㈱): written the way they read
_MACHINE_DEPENDENT = re.compile("[\u2150-\u218f\u2460-\u24ff\u2776-\u2793\u3200-\u33ff\u2116\u2121]")
_CIRCLED = {**{chr(0x2460 + i): f"({i + 1})" for i in range(20)}, **{chr(0x2776 + i): f"({i + 1})" for i in range(10)}}


def plain(text: str) -> str:
    """Text as the rules want it in a cell: no 機種依存文字, no spaces for layout.

    >>> plain("①国民年金の現年度納付率　　の向上 ")
    '(1)国民年金の現年度納付率 の向上'
    >>> plain("Ⅲ ㈱")
    'III (株)'
    """
    text = _MACHINE_DEPENDENT.sub(lambda m: _CIRCLED.get(m.group(), unicodedata.normalize("NFKC", m.group())), text)
    return re.sub(r"[ \u3000]{2,}", " ", text).strip()


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
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = plain(str(value))
        cell.data_type = "s"  # '=1+1', '+81...', '@x' stay text


def _sheet(book, title: str, r: SectionReport, columns: tuple[str, ...], rows: list[dict],
           formats: list[dict] | None = None, status: str | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = book.create_sheet(title=title[:31])
    _put(ws.cell(row=1, column=1), f"{r.plan.title}、{title}（{r.scope_name}）")
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    # 対象時点: the month end the figures describe; 基準日: the snapshot's as-of date
    _put(ws.cell(row=2, column=1), f"対象時点: {_both(r.period)}、基準日: {_both(r.snapshot.as_of)}、"
                                   f"スナップショット: {r.snapshot.id}、出所: {r.snapshot.source}")
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
    _print_setup(ws, r)
    return ws


def _both(day: dt.date) -> str:
    """和暦 with 西暦 beside it: '令和6年3月末（2024-03-31）'."""
    return f"{month_end_label(day)}（{day.isoformat()}）"


def _print_setup(ws, r: SectionReport) -> None:
    """A4 landscape, one page wide, the header row on every page, the 基準日 above it
    and the page number below."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    # dates and ids only (validated): no '&', which the header would read as a code
    ws.oddHeader.center.text = f"基準日 {_both(r.snapshot.as_of)} {r.snapshot.id}"
    ws.oddFooter.center.text = "&P / &N"


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
    the sheet agrees with the page; a missing figure is 「－」 or 「…」, never a dash."""
    rows, formats = [], []
    source = f"{r.snapshot.id}（{r.snapshot.source}）"
    for v in r.views:
        scale = v.scale
        value = scale.scaled(v.value)
        if value is None:  # 全国値のみ: none for this area; otherwise not known yet (reason in 注記)
            value = NONE if v.applicability == "national_only" else UNKNOWN
        projection = v.projection
        target = scale.scaled(v.target) if v.target is not None else (
            UNKNOWN if v.result.kpi.target_rule not in ("track", "at_least", "below") else NONE)
        rows.append({
            "区分": section_names.get(v.section, v.section), "ID": v.id, "指標": v.name, "単位": scale.unit,
            "目標": v.target_shown, "目標値": target, "実績": value, "時点": v.period_text,
            "時点（西暦）": v.result.period, "比較の基準": v.prior_basis,
            "前年": UNKNOWN if v.prior is None else scale.scaled(v.prior),
            "差": UNKNOWN if v.change is None else scale.scaled(v.change),
            "判定": UNKNOWN if v.status_text == DASH else v.status_text,
            "年度末見込み": NONE if projection is None else scale.scaled(projection.central),
            "見込みの下限": NONE if projection is None else scale.scaled(projection.low),
            "見込みの上限": NONE if projection is None else scale.scaled(projection.high),
            "判定の対象": v.applicability_text, "計画の頁": v.plan_page, "出所": source,
            "地域コード": r.scope, "地域": r.scope_name,
        })
        number = _number_format(scale)
        formats.append({"実績": number, "前年": number, "目標値": number, "年度末見込み": number,
                        "見込みの下限": number, "見込みの上限": number, "差": _change_format(scale)})
    return rows, formats


ITEM_SHEET_COLUMNS = ("部", "計画事項ID", "計画事項", "頁", "取組ID", "取組（計画の言葉）", "種類", "予定", "予定（西暦）",
                      "実績（完了日）", "完了日（西暦）", "状況", YEAR_END_COLUMN, "取組状況", "自己評価", "評定の理由",
                      "課題と今後の対応", "担当部署",
                      "指標の判定", "計画の主な内容")


def _items_sheet(book, r: SectionReport, items) -> None:
    """The 計画事項 sheet: one row per deliverable of the whole plan, every value in its
    own cell (the item's fields repeated on each of its rows), the plan's 主な内容 in full."""
    rows = []
    for v in items:
        for d in v.deliverables:
            rows.append({
                "部": v.part_label, "計画事項ID": v.id, "計画事項": v.title, "頁": v.pages_text, "取組ID": d.id,
                "取組（計画の言葉）": d.text, "種類": d.kind, "予定": d.due_text, "予定（西暦）": d.due,
                "実績（完了日）": NONE if d.done_on is None else d.done_text,
                "完了日（西暦）": NONE if d.done_on is None else d.done_on,
                "状況": d.status, YEAR_END_COLUMN: v.year_end or NONE, "取組状況": d.note_text,
                "自己評価": d.grade_text, "評定の理由": d.grade_reason or NONE,
                "課題と今後の対応": d.issues or NONE, "担当部署": d.department or NONE,
                "指標の判定": v.kpis_text, "計画の主な内容": "\n".join(f"○{c}" for c in v.content),
            })
    # the page's 「—」 for an empty field (取組状況, 自己評価, 指標の判定 …) is 「－」 in a sheet
    rows = [{k: _none(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
    ws = _sheet(book, "計画事項", r, ITEM_SHEET_COLUMNS, rows, status="状況")
    _fit_widths(ws)


def _none(text: str) -> str:
    """The page's dash for an empty field is 「－」 in a sheet."""
    return NONE if text == DASH else text


def _definition(kpi) -> str:
    """How a KPI is computed, in the contract's words."""
    from helpers.data.contract import MEASURES

    if kpi.aggregation == "ratio_of_sums":
        return f"{MEASURES[kpi.numerator].label_ja}の合計 ÷ {MEASURES[kpi.denominator].label_ja}の合計"
    if kpi.aggregation == "sum":
        return f"{MEASURES[kpi.numerator].label_ja}の合計"
    if kpi.aggregation == "last":
        return f"{MEASURES[kpi.numerator].label_ja}（対象時点の値）"
    parts = kpi.derived or {}
    return (f"{parts.get('minuend', {}).get('kpi')}（地域 {parts.get('minuend', {}).get('area')}）− "
            f"{parts.get('subtrahend', {}).get('kpi')}（地域 {parts.get('subtrahend', {}).get('area')}）")


def _notes_sheet(book, reports: list[SectionReport], sheet_names: dict[str, str]) -> None:
    """注記: the symbols, the rounding note, every sheet's footnotes, each KPI's
    definition and target, and the sources; one note per row."""
    first = reports[0]
    rows = [{"種類": "記号", "シート": "すべて", "ID": symbol, "内容": meaning} for symbol, meaning in SYMBOLS]
    rows.append({"種類": "端数", "シート": "すべて", "ID": NONE, "内容": ROUNDING_NOTE})
    for r in reports:
        for note in r.notes():
            rows.append({"種類": "注記", "シート": sheet_names[r.section_id], "ID": NONE, "内容": note})
    for v in first.views:
        kpi = v.result.kpi
        rows.append({"種類": "定義", "シート": "すべて", "ID": v.id,
                     "内容": f"{v.name}: {_definition(kpi)}。目標は「{v.target_shown}」（{kpi.plan_page}）"})
    rows.append({"種類": "出所", "シート": "すべて", "ID": NONE,
                 "内容": f"スナップショット {first.snapshot.id}（基準日 {_both(first.snapshot.as_of)}、出所: "
                         f"{first.snapshot.source}）"})
    rows.append({"種類": "出所", "シート": "すべて", "ID": NONE, "内容": f"{first.plan.title}: {first.plan.source}"})
    ws = _sheet(book, "注記", first, NOTES_COLUMNS, rows)
    _fit_widths(ws)


def write_report_workbook(path: Path, reports: list[SectionReport]) -> Path:
    """Write the scorecard and each section's KPIs, the 計画事項 and the 注記 to `path`
    (.xlsx).

    `reports` holds the scorecard first, then the sections, all for one scope.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    names = {s.id: s.name_ja for s in reports[0].plan.sections}
    sheet_names = {}
    for r in reports:
        rows, formats = _kpi_rows(r, names)
        title = "スコアカード" if r.section_id == SCORECARD else r.spec.number + " " + r.spec.title
        sheet_names[r.section_id] = title[:31]
        ws = _sheet(book, title, r, SCORECARD_COLUMNS, rows, formats, status="判定")
        _fit_widths(ws)
    items = reports[0].item_views(whole_plan=True)
    if items:
        _items_sheet(book, reports[0], items)
    _notes_sheet(book, reports, sheet_names)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save(book, path, reports[0].snapshot.as_of)
    return path


class _StampedZip(zipfile.ZipFile):
    """A zip whose every entry carries one date, not the time it was written."""

    def __init__(self, path: Path, day: dt.date):
        super().__init__(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._date_time = (day.year, day.month, day.day, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=self._date_time)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # the worksheets come from temporary files, whose own times would be kept
        self.writestr(arcname or Path(filename).name, Path(filename).read_bytes(), compress_type, compresslevel)


def _save(book, path: Path, day: dt.date) -> None:
    """Save with the snapshot's date as the file's own dates (openpyxl's `save` stamps
    the time of writing into docProps/core.xml and every zip entry), so that the same
    snapshot gives the same bytes. `ExcelWriter` is openpyxl's public writer."""
    from openpyxl.writer.excel import ExcelWriter

    stamp = dt.datetime.combine(day, dt.time())
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = book.properties.lastModifiedBy = "workbook"
    with _StampedZip(path, day) as archive:
        ExcelWriter(book, archive).save()
