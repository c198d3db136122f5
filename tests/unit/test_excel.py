"""The Excel workbook analysts pass on: read back with openpyxl, its numbers are the
engine's as numbers with formats, every sheet says its 基準日 and source, the header is
frozen, statuses are coloured, and text from data never becomes a formula."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
import unicodedata

import pytest
from openpyxl import load_workbook

from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine.kpi import KpiEngine
from helpers.outputs.excel import SCORECARD_COLUMNS, write_report_workbook
from helpers.report.section import open_section
from helpers.sections.registry import SECTIONS

PLAN = "params/plan_fy2023.yaml"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    reports = [open_section(s.slug, snapshot="sample-2023-09-30", plan_file=PLAN, scope="00", fiscal_year=2023)
               for s in SECTIONS]
    path = write_report_workbook(tmp_path_factory.mktemp("xlsx") / "report.xlsx", reports)
    return load_workbook(path)


def _rows(ws) -> dict[str, dict]:
    header = [c.value for c in ws[4]]
    out = {}
    for row in ws.iter_rows(min_row=5):
        if row[1].value is None or not str(row[1].value)[:2].isalpha():
            break
        out[row[1].value] = {h: c for h, c in zip(header, row)}
    return out


def test_scorecard_sheet_in_the_report_layout(book):
    assert book.sheetnames[0] == "スコアカード" and book.sheetnames[-2:] == ["計画事項", "注記"]
    assert len(book.sheetnames) == len(SECTIONS) + 2
    ws = book["スコアカード"]
    assert tuple(c.value for c in ws[4]) == SCORECARD_COLUMNS
    assert ws.freeze_panes == "A5"
    engine = KpiEngine(load_snapshot("sample-2023-09-30"), load_plan())
    rows = _rows(ws)
    assert len(rows) == 31
    # a rate is stored as the percent number the page shows, its difference in points
    np04 = engine.evaluate("NP04")
    cell = rows["NP04"]["実績"]
    assert cell.data_type == "n" and cell.value == pytest.approx(np04.value) and cell.number_format == '#,##0.0"%"'
    assert rows["NP04"]["単位"].value == "%"
    assert rows["NP04"]["差"].value == pytest.approx(np04.change) and "ポイント" in rows["NP04"]["差"].number_format
    # counts from 10万 up in 万 (as the page writes 862.9万人), amounts in 億円
    np01 = engine.evaluate("NP01").value
    assert rows["NP01"]["単位"].value == ("万人" if np01 >= 100_000 else "人")
    ep09 = engine.evaluate("EP09").value
    assert rows["EP09"]["単位"].value == "億円" and rows["EP09"]["実績"].value == pytest.approx(ep09 / 1e8)
    assert rows["RC02"]["実績"].number_format == '#,##0.00"%"'
    assert rows["NP07"]["差"].number_format.startswith('+#,##0.0"ポイント"')
    assert rows["CB02"]["実績"].number_format == '#,##0.0"分"'
    status = rows["NP07"]["判定"]
    assert status.value == "要注意" and status.fill.fgColor.rgb.endswith("FFF3CD")
    assert rows["NP07"]["目標"].value == "前年同期（12.5ポイント）を下回る"


def test_a_formula_over_the_sheet_gives_the_difference(book):
    """実績 − 前年同期 equals 差 for every KPI with both figures, on every sheet."""
    checked = 0
    for ws in book.worksheets[:-2]:
        for kpi_id, row in _rows(ws).items():
            value, prior, change = (row[c].value for c in ("実績", "前年", "差"))
            if all(isinstance(v, (int, float)) for v in (value, prior, change)):
                assert value - prior == pytest.approx(change, abs=1e-9), (ws.title, kpi_id)
                checked += 1
    assert checked >= 31


def test_the_items_sheet_has_a_row_per_deliverable(book):
    from helpers.data.register import load_register

    ws = book["計画事項"]
    header = [c.value for c in ws[4]]
    assert {"部", "予定", "実績（完了日）", "状況", "指標の判定", "計画の主な内容"} <= set(header)
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=5) if row[1].value]
    assert len(rows) == sum(len(i.deliverables) for i in load_register().items)
    phase1 = [r for r in rows if r["計画事項ID"] == "R08-01"]
    assert [r["予定"] for r in phase1] == ["令和6年1月（期限）", "令和6年3月（期限）", "令和6年1月（期限）"]
    assert all(r["部"] == "(8) 社会保険オンラインシステムの刷新・レベルアップ" for r in phase1)
    assert all(v is not None for r in rows for v in r.values())  # one value in every cell


def test_the_notes_sheet_explains_symbols_footnotes_definitions_and_sources(book):
    ws = book["注記"]
    assert [c.value for c in ws[4]] == ["種類", "シート", "ID", "内容"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    symbols = {r[2]: r[3] for r in rows if r[0] == "記号"}
    assert set(symbols) == {"－", "…", "x"} and "該当する数値がない" in symbols["－"]
    assert any(r[0] == "端数" and r[3].startswith("差は四捨五入前の値による") for r in rows)
    scorecard = open_section("scorecard", snapshot="sample-2023-09-30", plan_file=PLAN, scope="00", fiscal_year=2023)
    footnotes = [r[3] for r in rows if r[0] == "注記" and r[1] == "スコアカード"]
    assert footnotes == scorecard.notes()
    definitions = {r[2]: r[3] for r in rows if r[0] == "定義"}
    assert len(definitions) == 31
    assert definitions["NP04"].startswith("現年度納付率: 納付対象月数") or "÷" in definitions["NP04"]
    assert any(r[0] == "出所" and "sample-2023-09-30" in r[3] for r in rows)
    # the KPI sheets hold their table only: no note rows under it
    for name in book.sheetnames[:-2]:
        assert all(c.value is None for c in book[name]["A"][4 + len(_rows(book[name])):]), name


def test_every_sheet_states_its_date_and_source(book):
    for ws in book.worksheets:
        assert "対象時点: 令和5年9月末（2023-09-30）" in ws["A2"].value and "出所: sample" in ws["A2"].value, ws.title
        assert "基準日: 令和5年9月末（2023-09-30）" in ws["A2"].value, ws.title
        # fitted: the 指標 column is as wide as its longest name (a Japanese character is two)
        if ws.title != "注記":
            names = [c.value for c in ws["C"][4:] if isinstance(c.value, str)]
            wide = max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in n) for n in names)
            assert ws.column_dimensions["C"].width >= min(60, wide), ws.title
        # print setup: A4 landscape, one page wide, the header row on every page, the 基準日 above
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == "$4:$4"
        assert "令和5年9月末（2023-09-30）" in ws.oddHeader.center.text


def test_no_number_is_written_as_text(book):
    for ws in book.worksheets[:-2]:
        for row in _rows(ws).values():
            for name in ("実績", "前年", "差", "目標値", "年度末見込み", "見込みの下限", "見込みの上限"):
                value = row[name].value
                assert value in ("－", "…") or isinstance(value, (int, float)), (ws.title, name, value)
                if isinstance(value, float):
                    assert not math.isnan(value)


def test_machine_readable_rules(book):
    """The 総務省 rules, read back cell by cell."""
    machine_dependent = re.compile("[\u2150-\u218f\u2460-\u24ff\u2776-\u2793\u3200-\u33ff\u2116\u2121]")
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title  # no merged cells
        codes = {c.column for c in ws[4] if c.value == "地域コード"}  # codes are text: 01 keeps its 0
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.column not in codes:
                    text = cell.value
                    assert text == text.strip() and "  " not in text and "\u3000\u3000" not in text, (ws.title, text)
                    assert not machine_dependent.search(text), (ws.title, text)  # no 機種依存文字
                    assert text != "—", (ws.title, cell.coordinate)  # a missing figure is 「－」 or 「…」
                    # a number is never stored as text
                    assert not re.fullmatch(r"[+-]?[\d,]+(\.\d+)?%?", text), (ws.title, cell.coordinate, text)
    scorecard = _rows(book["スコアカード"])
    # units in their own column, area code in its own column, 西暦 beside 和暦
    assert {r["地域コード"].value for r in scorecard.values()} == {"00"}
    assert {r["地域"].value for r in scorecard.values()} == {"全国"}
    np04 = scorecard["NP04"]
    assert np04["時点（西暦）"].value.date() == dt.date(2023, 9, 30) and np04["時点（西暦）"].is_date
    # one value per cell: the projection's centre and range apart, as numbers
    engine = KpiEngine(load_snapshot("sample-2023-09-30"), load_plan())
    projection = engine.evaluate("NP04").projection
    assert (np04["年度末見込み"].value, np04["見込みの下限"].value, np04["見込みの上限"].value) == pytest.approx(
        (projection.central, projection.low, projection.high))
    assert np04["目標値"].value == pytest.approx(engine.evaluate("NP04").target)
    assert scorecard["NP01"]["目標値"].value == "－" and scorecard["NP01"]["年度末見込み"].value == "－"
    # a ①, Ⅱ or ㈱ from data (an edited plan, a note) reaches the sheet as (1), II, (株)
    from openpyxl import Workbook

    from helpers.outputs.excel import _put

    cell = Workbook().active["A1"]
    _put(cell, "①納付率の向上　　Ⅱ期 ㈱ ")
    assert cell.value == "(1)納付率の向上 II期 (株)"
    items = book["計画事項"]
    header = [c.value for c in items[4]]
    done = [row for row in items.iter_rows(min_row=5, values_only=True) if row[header.index("状況")] == "完了"]
    assert done and all(isinstance(r[header.index("完了日（西暦）")], dt.datetime) for r in done)


def test_the_same_snapshot_gives_the_same_bytes(tmp_path):
    reports = [open_section(s.slug, snapshot="sample-2023-09-30", plan_file=PLAN, scope="00", fiscal_year=2023)
               for s in SECTIONS]
    first = write_report_workbook(tmp_path / "a.xlsx", reports).read_bytes()
    time.sleep(2.1)  # zip entries keep time to two seconds
    assert write_report_workbook(tmp_path / "b.xlsx", reports).read_bytes() == first


def test_text_from_data_is_never_a_formula(tmp_path):
    from openpyxl import Workbook

    from helpers.outputs.excel import _put

    wb = Workbook()
    for i, text in enumerate(["=1+1", "+81-3-1234", "-2", "@SUM(A1)", "=HYPERLINK(\"http://x\")"], start=1):
        _put(wb.active.cell(row=i, column=1), text)
    wb.save(tmp_path / "t.xlsx")
    back = load_workbook(tmp_path / "t.xlsx").active
    assert [back.cell(row=i, column=1).data_type for i in range(1, 6)] == ["s"] * 5
    assert back["A1"].value == "=1+1"
