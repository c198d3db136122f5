"""The Excel workbook analysts pass on: read back with openpyxl, its numbers are the
engine's as numbers with formats, every sheet says its 基準日 and source, the header is
frozen, statuses are coloured, and text from data never becomes a formula."""

from __future__ import annotations

import math
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
    assert book.sheetnames[0] == "スコアカード" and book.sheetnames[-1] == "計画事項"
    assert len(book.sheetnames) == len(SECTIONS) + 1
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
    for ws in book.worksheets:
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


def test_the_notes_follow_the_table(book):
    ws = book["スコアカード"]
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "注記" in texts
    assert any(t.startswith("差は四捨五入前の値による") for t in texts)


def test_every_sheet_states_its_date_and_source(book):
    for ws in book.worksheets:
        assert "対象時点: 令和5年9月末" in ws["A2"].value and "出所: sample" in ws["A2"].value, ws.title
        assert "基準日: 令和5年9月末" in ws["A2"].value, ws.title
        # fitted: the 指標 column is as wide as its longest name (a Japanese character is two)
        names = [c.value for c in ws["C"][4:] if isinstance(c.value, str)]
        wide = max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in n) for n in names)
        assert ws.column_dimensions["C"].width >= min(60, wide), ws.title


def test_no_number_is_written_as_text(book):
    for ws in book.worksheets:
        for row in _rows(ws).values():
            for name in ("実績", "前年", "差", "年度末見込み"):
                value = row[name].value
                assert value in ("—", "全国値のみ") or isinstance(value, (int, float)), (ws.title, name)
                if isinstance(value, float):
                    assert not math.isnan(value)


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
