"""The plan register holds every 計画事項 of the plan: checked against the plan text
itself (every part, every page reference, every stated month read as a deliverable or
context, every deliverable and the whole 主な内容 in the plan's words), and every KPI
measures exactly one item."""

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


def test_every_stated_month_is_a_deliverable_or_context(text):
    """Each 令和 month of the plan (but the cover's) is read: a deliverable's 開始 or 期限,
    or a context date with the reason it is not one."""
    register = load_register()
    stated = set()
    for era_year, month in re.findall(r"令和(\d+|元)年(\d+)月", text):
        year = 2018 + (1 if era_year == "元" else int(era_year))
        stated.add(f"{year}-{int(month):02d}")
    stated.discard("2023-02")  # the cover's date (令和5年2月), not a step of any item
    held = {d.month for i in register.items for d in i.deliverables if d.month}
    held |= {c.month for i in register.items for c in i.context}
    assert stated == held
    assert all(c.reading for i in register.items for c in i.context)


def test_dates_are_read_as_the_plan_means_them():
    register = load_register()
    kinds = {i.id: [(d.kind, d.month) for d in i.deliverables] for i in register.items}
    # R08-01: フェーズ1 (令和6年1月稼働) and the two 情報連携 steps (令和6年3月, 令和6年1月予定)
    assert kinds["R08-01"] == [("期限", "2024-01"), ("期限", "2024-03"), ("期限", "2024-01")]
    # R02-02's 令和6年10月 is the law's extension, context: the year's action is to inform before it
    assert all(month != "2024-10" for _, month in kinds["R02-02"])
    assert [c.month for c in register.item("R02-02").context] == ["2024-10"]
    assert ("開始", "2023-11") in kinds["R09-03"] and ("期限", "2023-04") in kinds["R03-01"]
    assert ("期限", "2024-03") in kinds["R02-01"]  # 「令和5年度末までの適用を目指す」
    # every item has a deliverable; one with no month is due within the year
    assert all(i.deliverables for i in register.items)
    assert {d.kind for d in register.item("R11-01").deliverables} == {"年度内"}


def _boundary_after(text: str, found: int, length: int) -> bool:
    """Whether a quoted passage ends where the plan's list item ends."""
    return text[found + length:found + length + 1] in ("", " ", "○", "・")


def test_every_deliverable_is_the_plans_words_whole(text):
    """Each deliverable is a passage of the plan verbatim, and a whole one: a sentence
    ending in 。, or a list item ending where the plan's list item ends, never cut
    mid-word (「…経過管理」, 「…周」)."""
    count = 0
    for item in load_register().items:
        for d in item.deliverables:
            assert d.text in text, (item.id, d.id, d.text)
            found = text.find(d.text)
            whole = d.text.endswith("。") or (d.text.endswith(("）", ")")) and _boundary_after(text, found, len(d.text)))
            assert whole, (item.id, d.id, d.text[-20:])
            count += 1
    assert count >= 42


def test_the_plans_content_is_kept_in_full(text):
    """Every ○ bullet of every row is in the register, in full: together they are the
    row's whole text (「以下の取組等を行う」 is followed by its list)."""
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", line.split("\t", 1)[1])).strip()
            for line in PLAN_TEXT.read_text(encoding="utf-8").splitlines()
            if "\t" in line and not line.startswith("計画事項")]
    for item, row in zip(load_register().items, rows):
        assert " ".join(item.content) == " ".join(p.strip() for p in row.split("○") if p.strip()), item.id
    women = load_register().item("R12-01").content[0]
    assert women.index("以下の取組等を行う。") < women.index("職員の離職理由を分析し")


def test_part_names_and_pages_as_the_plan_writes_them():
    register = load_register()
    assert register.part(8).name == "社会保険オンラインシステムの刷新・レベルアップ"
    assert register.part(10).name == "現場リスクを踏まえたリスク対策の強化"
    assert register.part(3).pages == "P.24～32、38～39" and register.part(7).pages == "P.56～57、83～84"


def test_every_kpi_measures_one_item():
    register = load_register()
    linked = [k for i in register.items for k in i.kpis]
    assert sorted(linked) == sorted(k.id for k in load_plan().kpis)
    assert register.item("R01-02").kpis == ("NP04", "NP05")
