"""The year-end report reads as one, scope rules an office can live with, and a 所見
that leads with what needs action, in plain である調 without broken grammar."""

from __future__ import annotations

import re

import pytest

from helpers.report.section import open_section
from helpers.report.views import scorecard
from helpers.sections.registry import SECTIONS

SAMPLES = ("sample-2023-09-30", "sample-2024-03-31")
SCOPES = ("00", "47", "47001")
PLAN = "params/plan_fy2023.yaml"


def _report(section: str, snapshot: str, scope: str):
    return open_section(section, snapshot=snapshot, plan_file=PLAN, scope=scope, fiscal_year=None)


def _text(r) -> str:
    return scorecard.executive_summary(r).data if r.section_id == "scorecard" else r.narrative().data


@pytest.fixture(scope="module")
def findings():
    return {(sid, scope, s.slug): (_report(s.slug, sid, scope), None) for sid in SAMPLES for scope in SCOPES
            for s in SECTIONS}


def test_year_end_wording(findings):
    r, _ = findings[("sample-2024-03-31", "00", "scorecard")]
    text = _text(r)
    assert "**令和5年度の総括**" in text.split("**対応を要する事項**")[0]
    for v in r.views:
        if v.result.is_final:
            # a closed KPI is compared with 前年度 and judged against its year-end target
            assert v.prior_basis == "前年度" and not v.judged_text.startswith("前年同期"), v.id
    # the payment rates are still 速報 at 3月末, and the page says when they become final
    np04 = r.view("NP04")
    assert np04.figure_kind == "速報" and "令和6年4月末" in np04.final_note and "6月下旬～7月上旬" in np04.final_note
    assert any("NP04" in n and "速報" in n for n in r.notes())
    # no zero-width range anywhere
    for v in r.views:
        if v.projection is not None:
            assert not re.search(r"（([\d.]+%)～\1）", v.projection.text), v.projection.text
    assert not re.search(r"（([\d.]+%)～\1）", text)
    frame = r.kpi_frame()
    assert "前年同期" not in " ".join(frame["目標"][[v.result.is_final for v in r.views]])


def test_an_office_is_judged_on_office_level_kpis_only(findings):
    for sid in SAMPLES:
        r, _ = findings[(sid, "47001", "national_pension")]
        judged = [v for v in r.views if v.is_judged]
        assert not {"NP06", "NP07"} & {v.id for v in judged}
        counted = re.search(r"目標を定めた(\d+)指標", _text(r))
        assert counted and int(counted.group(1)) == len(judged)
        assert {r.view(k).status_text for k in ("NP06", "NP07")} == {"参考表示"}


def test_okinawa_gives_its_rate_one_paragraph(findings):
    r, _ = findings[("sample-2023-09-30", "47", "scorecard")]
    text = _text(r)
    assert r.view("NP06").same_as == "NP04"
    assert "<strong>現年度納付率</strong>" in text and "<strong>沖縄県の現年度納付率</strong>" not in text


def test_items_on_a_page_below_the_nation_are_labelled_national(findings):
    r, _ = findings[("sample-2023-09-30", "47001", "national_pension")]
    assert "この区分の計画事項（全国）" in _text(r)
    r, _ = findings[("sample-2023-09-30", "00", "national_pension")]
    assert "（全国）" not in r.items_label


def test_each_finding_opens_with_its_most_serious_item(findings):
    for (sid, scope, slug), (r, _) in findings.items():
        text = _text(r)
        late = [v for v in r.item_views(whole_plan=slug == "scorecard") if v.status == "遅延"]
        off = [v for v in r.views if v.is_judged and v.status in ("要注意", "未達見込み", "未達")]
        if not (late or off):
            assert "遅延している計画事項、要注意・未達見込み・未達の指標はない。" in text, (sid, scope, slug)
            continue
        first = text.split("**対応を要する事項**\n\n- ")[1].split("\n")[0]
        if late:  # a late item comes first, quoting what was reported of it
            assert first.startswith("**遅延**") or first.startswith("年度末の報告がない"), (sid, scope, slug, first)
        else:
            assert any(f"<strong>{v.name}</strong>" in first for v in off), (sid, scope, slug, first)


def test_no_broken_grammar(findings):
    for key, (r, _) in findings.items():
        text = _text(r)
        for bad in ("ないである", "できないである", "））", "（（", "4月～4月分", "の計画事項の計画事項"):
            assert bad not in text, (key, bad)
        # one form for a period: never 「令和5年度4月～9月累計」 beside 「令和5年4月～9月累計」
        assert not re.search(r"令和\d+年度\d+月～", text), key


def test_the_comparison_has_no_nested_brackets():
    from helpers.data.plan import load_plan
    from helpers.data.snapshot import load_snapshot
    from helpers.report.compare import compare, comparison_text

    for scope in SCOPES:
        text = comparison_text(compare("sample-2023-09-30", load_snapshot("sample-2024-03-31"), load_plan(), scope))
        assert "））" not in text and "（（" not in text, scope
