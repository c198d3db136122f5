"""The plan register holds every 計画事項 of the plan: checked against the plan text
itself (every part, every page reference, every stated month, every summary in the
plan's words), and every KPI measures exactly one item."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.data.plan import load_plan
from helpers.data.register import load_register

PLAN_TEXT = Path(__file__).resolve().parents[3] / "shared" / "plan" / "fy2023_plan_summary.txt"


@pytest.fixture(scope="module")
def text() -> str:
    if not PLAN_TEXT.is_file():
        pytest.skip("../shared/plan is not beside the project")
    raw = PLAN_TEXT.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw))


def test_every_part_of_the_plan(text):
    register = load_register()
    parts = {int(n) for n in re.findall(r"\((\d+)\) \S", text)}
    assert parts == set(range(1, 13)) == {p.part for p in register.parts}


def test_every_row_and_page_reference_is_an_item(text):
    register = load_register()
    rows = [line for line in PLAN_TEXT.read_text(encoding="utf-8").splitlines()
            if "\t" in line and not line.startswith("計画事項")]
    assert len(register.items) == len(rows) == 42
    pages = {re.sub(r"\s+", "", p).replace("~", "～") for p in re.findall(r"P\.\s*([0-9~～、]+(?:\s*[0-9~～、]+)*)", text)}
    held = "|".join(i.pages for i in register.items if i.pages)
    assert [p for p in pages if p not in held] == []
    assert register.item("R01-05").pages == "P.9、10"


def test_every_stated_month_is_a_milestone(text):
    register = load_register()
    stated = set()
    for era_year, month in re.findall(r"令和(\d+|元)年(\d+)月", text):
        year = 2018 + (1 if era_year == "元" else int(era_year))
        stated.add(f"{year}-{int(month):02d}")
    stated.discard("2023-02")  # the cover's date (令和5年2月), not a step of any item
    held = {m.month for i in register.items for m in i.milestones}
    assert stated == held
    phase1 = register.item("R08-01")
    assert ("2024-01", "期限") in {(m.month, m.kind) for m in phase1.milestones}  # 令和6年1月稼働
    assert ("2023-11", "開始") in {(m.month, m.kind) for m in register.item("R09-03").milestones}


def test_summaries_are_the_plans_words(text):
    for item in load_register().items:
        assert item.summary in text, item.id


def test_every_kpi_measures_one_item():
    register = load_register()
    linked = [k for i in register.items for k in i.kpis]
    assert sorted(linked) == sorted(k.id for k in load_plan().kpis)
    assert register.item("R01-02").kpis == ("NP04", "NP05")
