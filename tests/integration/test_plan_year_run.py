"""A run of the next plan year's sample (令和6年4月末) with its plan: every published page,
sheet and record speaks of that plan and nothing of the last one's (titles, leads, pages,
aims); and, the April of a new year, nothing prints nan, None or inf, the in-year rate
that has no due date yet reads 「—」 with its reason."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest

from run_helpers import kpis_in_process, workbook

NEW_YEAR = "data/samples/sample-2024-04-30"
SAMPLE_PLAN = "params/samples/plan_fy2024_sample.yaml"
OLD = ("令和5年度計画", "P.4～13", "12年連続の前年比向上")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    done = workbook("run", "--snapshot", NEW_YEAR, "--plan", SAMPLE_PLAN, "--out", str(out), "--compare-with", "none")
    assert done.returncode == 0, done.stderr
    return out / "sample-2024-04-30"


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))


def test_pages_speak_of_the_new_plan_only(published):
    pages = sorted(published.glob("*.html"))
    assert len(pages) == 8  # the index and seven sections
    for page in pages:
        text = _text(page.read_text(encoding="utf-8"))
        assert "令和6年度計画（サンプル）" in text, page.name
        for old in OLD:
            assert old not in text, (page.name, old)
    national = _text((published / "01_national_pension.html").read_text(encoding="utf-8"))
    assert "「現年度納付率の13年連続の前年比向上」を目標としている" in national
    assert "前年度実績（77.6%）を上回る" in national


def test_excel_and_record_speak_of_the_new_plan(published):
    book = openpyxl.load_workbook(next(published.glob("*.xlsx")), read_only=True)
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any("令和6年度計画（サンプル）" in c for c in cells)
    assert not [c for c in cells for old in OLD if old in c]
    assert {"OL02", "IN03", "IN04"} <= set(cells)
    record = json.loads((published / "run.json").read_text(encoding="utf-8"))
    assert "令和5年度計画" not in json.dumps(record, ensure_ascii=False)


def test_without_the_plan_the_new_year_is_refused_naming_the_file(tmp_path):
    done = workbook("run", "--snapshot", NEW_YEAR, "--out", str(tmp_path))
    assert done.returncode == 2
    assert "params/plan_fy2024.yaml" in done.stderr and "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())


FORBIDDEN = re.compile(r"(?<![A-Za-z])(nan|NaN|None|inf|-inf|Infinity)(?![A-Za-z])")


def _kpis(scope: str) -> tuple[dict[str, dict[str, str]], str]:
    return kpis_in_process("--snapshot", NEW_YEAR, "--plan", SAMPLE_PLAN, "--area", scope)


def test_the_april_report_of_a_new_year_has_no_nan(published):
    for page in sorted(published.glob("*.html")):
        text = _text(page.read_text(encoding="utf-8"))
        assert not FORBIDDEN.search(text), (page.name, FORBIDDEN.search(text))
    book = openpyxl.load_workbook(next(published.glob("*.xlsx")), read_only=True)
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not [c for c in row if c is not None and FORBIDDEN.search(str(c))], ws.title
    for scope in ("00", "47001"):
        kpis, cli = _kpis(scope)
        assert not FORBIDDEN.search(cli), scope
        # the missing in-year rate is 「—」 with the reason beside it
        assert kpis["NP04"]["実績"] == "—" and "納付期限（翌月末）が来ていない" in cli, scope
        assert kpis["NP04"]["判定"] == "—" and kpis["NP04"]["目標"].startswith("前年度実績（")
    assert _kpis("47001")[0]["NP06"]["判定"] == "参考表示"
    national = _text((published / "01_national_pension.html").read_text(encoding="utf-8"))
    assert "令和6年度分保険料の納付期限（翌月末）が来ていないため、年度内の率はまだない" in re.sub(r"\s+", "", national)
