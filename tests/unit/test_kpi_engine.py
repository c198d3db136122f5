"""The KPI engine on a hand-made snapshot whose expected values are computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine.kpi import KpiEngine
from snapshot_factory import AREAS, fill_months, make_snapshot

ROWS = [
    # NP08 (stock ratio): three Hokkaido offices where the mean of rates (46.67%) and the
    # ratio of sums (400/1150 = 34.78%) differ, plus Okinawa.
    ("2023-09-30", "01001", "autopay_payers", None, 90),
    ("2023-09-30", "01001", "payers_total", None, 100),
    ("2023-09-30", "01002", "autopay_payers", None, 10),
    ("2023-09-30", "01002", "payers_total", None, 50),
    ("2023-09-30", "01003", "autopay_payers", None, 300),
    ("2023-09-30", "01003", "payers_total", None, 1000),
    ("2023-09-30", "47001", "autopay_payers", None, 20),
    ("2023-09-30", "47001", "payers_total", None, 100),
    # EP02 (ytd over stock) and EP03 (flow) across the April boundary.
    ("2023-03-31", "01001", "priority_covered", None, 80),
    ("2023-03-31", "01001", "priority_total", None, 100),
    ("2023-04-30", "01001", "priority_covered", None, 5),
    ("2023-04-30", "01001", "priority_total", None, 60),
    ("2023-05-31", "01001", "priority_covered", None, 12),
    ("2023-05-31", "01001", "priority_total", None, 60),
    ("2023-03-31", "01001", "inspections", None, 7),
    ("2023-04-30", "01001", "inspections", None, 3),
    ("2023-05-31", "01001", "inspections", None, 4),
    # NP04 (現年度納付率): in-year rows, and the April cut-off rows that carry the
    # premium year of the year before.
    ("2021-09-30", "01001", "paid_months_current", None, 50),
    ("2021-09-30", "01001", "due_months_current", None, 100),
    ("2022-04-30", "01001", "paid_months_current", 2021, 160),
    ("2022-04-30", "01001", "due_months_current", 2021, 240),
    ("2022-09-30", "01001", "paid_months_current", None, 60),
    ("2022-09-30", "01001", "due_months_current", None, 100),
    ("2023-04-30", "01001", "paid_months_current", 2022, 180),
    ("2023-04-30", "01001", "due_months_current", 2022, 240),
    ("2023-09-30", "01001", "paid_months_current", None, 70),
    ("2023-09-30", "01001", "due_months_current", None, 100),
    # CB01 (flow ratio, at least 90%): 80% this half-year; earlier years gained 0 and 4
    # points from September to March.
    ("2021-09-30", "01001", "consultations_reserved", None, 82),
    ("2021-09-30", "01001", "consultations", None, 100),
    ("2022-03-31", "01001", "consultations_reserved", None, 90),
    ("2022-03-31", "01001", "consultations", None, 100),
    ("2022-09-30", "01001", "consultations_reserved", None, 85),
    ("2022-09-30", "01001", "consultations", None, 100),
    ("2023-03-31", "01001", "consultations_reserved", None, 85),
    ("2023-03-31", "01001", "consultations", None, 100),
    ("2023-09-30", "01001", "consultations_reserved", None, 80),
    ("2023-09-30", "01001", "consultations", None, 100),
]
SEPT = dt.date(2023, 9, 30)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    # the consultation rows state each half-year in its last month: zero in the others
    rows = fill_months(ROWS, {"consultations", "consultations_reserved"})
    folder = make_snapshot(tmp_path_factory.mktemp("snap") / "hand-2023-09-30", rows)
    return KpiEngine(load_snapshot(folder), load_plan())


def test_rate_is_ratio_of_sums_not_mean_of_rates(engine):
    result = engine.evaluate("NP08", area="01", fiscal_year=2023, period=SEPT)
    assert result.value == pytest.approx(100 * 400 / 1150)
    assert result.value != pytest.approx(100 * (0.9 + 0.2 + 0.3) / 3)
    assert (result.numerator, result.denominator) == (400, 1150)


def test_areas_roll_up_through_the_hierarchy(engine):
    assert engine.evaluate("NP08", area="R1", period=SEPT).value == pytest.approx(100 * 400 / 1150)
    assert engine.evaluate("NP08", area="00", period=SEPT).value == pytest.approx(100 * 420 / 1250)
    assert engine.evaluate("NP08", area="01002", period=SEPT).value == pytest.approx(20.0)


def test_ytd_measure_restarts_in_april(engine):
    april = engine.evaluate("EP02", area="01001", fiscal_year=2023, period=dt.date(2023, 4, 30))
    may = engine.evaluate("EP02", area="01001", fiscal_year=2023, period=dt.date(2023, 5, 31))
    march = engine.evaluate("EP02", area="01001", fiscal_year=2022, period=dt.date(2023, 3, 31))
    assert april.value == pytest.approx(100 * 5 / 60)
    assert may.value == pytest.approx(100 * 12 / 60)
    assert march.value == pytest.approx(80.0)


def test_flow_measure_sums_months_of_the_fiscal_year_only(engine):
    may = engine.evaluate("EP03", area="01001", fiscal_year=2023, period=dt.date(2023, 5, 31))
    assert may.value == 7  # April 3 + May 4; March's 7 belongs to FY2022


def test_current_rate_reads_its_premium_year_and_april_cutoff(engine):
    fy2022 = engine.evaluate("NP04", area="01001", fiscal_year=2022, period=dt.date(2023, 4, 30))
    assert fy2022.value == pytest.approx(75.0)
    assert fy2022.is_final
    # the FY2023 rate at the end of April covers no premium month yet
    fy2023_april = engine.value(engine.plan.kpi("NP04"), "01001", 2023, dt.date(2023, 4, 30))[0]
    assert fy2023_april != fy2023_april  # NaN


def test_prior_year_same_period_and_points(engine):
    result = engine.evaluate("NP04", area="01001", fiscal_year=2023, period=SEPT)
    assert result.value == pytest.approx(70.0)
    assert result.prior_period == dt.date(2022, 9, 30)
    assert result.prior_value == pytest.approx(60.0)
    assert result.change == pytest.approx(10.0)


def test_projection_from_earlier_build_up(engine):
    result = engine.evaluate("NP04", area="01001", fiscal_year=2023, period=SEPT)
    gains = [75.0 - 60.0, 100 * 160 / 240 - 50.0]  # FY2022 and FY2021, Sept to final
    p = result.projection
    assert p.years == (2022, 2021)
    assert p.central == pytest.approx(70.0 + sum(gains) / 2)
    assert p.low == pytest.approx(70.0 + min(gains))
    assert p.high == pytest.approx(70.0 + max(gains))
    assert p.year_end == dt.date(2024, 4, 30)
    # target: above last year's final 75.0; even the low end (85.0) is above it
    assert result.target == pytest.approx(75.0)
    assert result.status == "達成見込み"


def test_projection_below_fixed_target_is_miss(engine):
    result = engine.evaluate("CB01", area="01001", fiscal_year=2023, period=SEPT)
    assert result.value == pytest.approx(80.0)
    p = result.projection
    assert (p.low, p.central, p.high) == pytest.approx((80.0, 82.0, 84.0))
    assert result.status == "未達見込み"  # in the year a miss is a forecast, never 未達


def test_year_end_status_is_final(engine):
    result = engine.evaluate("NP04", area="01001", fiscal_year=2022, period=dt.date(2023, 4, 30))
    assert result.target == pytest.approx(100 * 160 / 240)
    assert result.status == "達成"
    assert result.projection is None


def test_track_kpis_are_for_reference(engine):
    assert engine.evaluate("EP03", area="01001", period=dt.date(2023, 5, 31)).status == "参考"


def test_fixed_area_kpi_ignores_scope(engine):
    # NP06 always looks at Okinawa, which has no payment data in this snapshot
    result = engine.evaluate("NP06", area="01001", fiscal_year=2023, period=SEPT)
    assert result.area_code == "47"
    assert not result.has_value


def test_cp932_snapshot_loads(tmp_path):
    folder = make_snapshot(tmp_path / "cp932-2023-09-30", ROWS[:8], encoding="cp932")
    assert (folder / "areas.csv").read_bytes().find("沖縄県".encode("cp932")) > 0
    snapshot = load_snapshot(folder)
    assert snapshot.area("47")["name_ja"] == "沖縄県"
    engine = KpiEngine(snapshot, load_plan())
    assert engine.evaluate("NP08", area="47", period=SEPT).value == pytest.approx(20.0)


def test_unknown_area_names_close_matches(engine):
    from helpers.core.errors import WorkbookError

    with pytest.raises(WorkbookError, match="近いもの: 47（沖縄県）"):
        engine.snapshot.area("沖縄")
    assert len(AREAS) == 9


def test_narrative_sentence_from_hand_computed_values(engine):
    from helpers.report.model import build_kpi_model
    from helpers.report.narrative import findings, kpi_sentence

    assert engine.snapshot.as_of == SEPT  # the model reports at the snapshot's 基準日
    model = build_kpi_model(engine, "01001", 2023, [engine.plan.kpi("NP04"), engine.plan.kpi("CB01")])
    result, miss = model.views
    assert kpi_sentence(result) == (
        "<strong>現年度納付率</strong>は70.0%（令和5年4月～8月分、9月末現在）であり、"
        "前年同期（60.0%）を10.0ポイント上回った。年度末の見込みは85.8%（85.0%～86.7%）であり、"
        "目標（前年度実績（75.0%）を上回る）の達成が見込まれる。")
    assert "前年同期（85.0%）を5.0ポイント下回った" in kpi_sentence(miss)
    assert "見込みの上限でも目標（90%以上）に届かない。重点的な取組を要する。" in kpi_sentence(miss)
    text = findings([result, miss], [], subject="北海道第1事務所のテスト", period_label="令和5年9月末",
                    items_label="この区分の計画事項")
    assert text.startswith("令和5年9月末現在、北海道第1事務所のテストにおいて、目標を定めた2指標の判定は"
                           "達成見込み1、未達見込み1である。")
    # what needs action comes first, with its gap to the target in the KPI's unit
    assert "**対応を要する事項**\n\n- <strong>年金相談の予約率</strong>" in text
    gap = miss.projection.high - 90.0
    assert f"見込みの上限と目標の差は{gap:+.1f}ポイントである。" in text
    assert text.index("**対応を要する事項**") < text.index("**計画の重点項目**")


def test_in_year_statuses_are_forecasts_and_closed_years_are_final():
    from helpers.data.snapshot import load_snapshot as load_sample

    plan = load_plan()
    in_year = KpiEngine(load_sample("sample-2023-09-30"), plan)
    for area in ("00", "47", "R1"):
        statuses = {r.status for r in in_year.scorecard(area, 2023)}
        assert not statuses & {"達成", "未達"}, (area, statuses)
    closed = KpiEngine(load_sample("sample-2024-03-31"), plan)
    statuses = {r.status for r in closed.scorecard("00", 2022)}
    assert statuses <= {"達成", "未達", "参考", None}


def test_breakdown_sums_each_areas_own_offices(engine):
    """A KPI over every area of a level: an office's own counts, a prefecture's summed
    over its offices (ratio of sums), and no value where an office has no rows."""
    from helpers.engine.breakdowns import kpi_by_area

    offices = kpi_by_area(engine, engine.plan.kpi("NP08"), "00", "office", 2023, SEPT)
    assert list(offices["area_code"]) == ["01001", "01002", "01003", "47001"]
    assert list(offices["numerator"]) == [90, 10, 300, 20]
    assert list(offices["value"]) == pytest.approx([90.0, 20.0, 30.0, 20.0])
    prefectures = kpi_by_area(engine, engine.plan.kpi("NP08"), "00", "prefecture", 2023, SEPT)
    assert list(prefectures["denominator"]) == [1150, 100]
    assert list(prefectures["value"]) == pytest.approx([100 * 400 / 1150, 20.0])
    counts = kpi_by_area(engine, engine.plan.kpi("EP03"), "01", "office", 2023, dt.date(2023, 5, 31))
    assert counts["value"].iloc[0] == 3 + 4  # April and May of the fiscal year
    assert counts["value"].iloc[1:].isna().all()


def test_a_window_is_computed_once_and_cannot_be_changed(engine):
    """Every office of a breakdown reads the same fiscal-year window: it is kept, and
    kept read-only so that no caller can change what the next one reads."""
    first = engine._cube("inspections").window(2023, dt.date(2023, 5, 31))
    assert engine._cube("inspections").window(2023, dt.date(2023, 5, 31)) is first
    with pytest.raises(ValueError):
        first[0, 0] = 0.0
    assert engine.measure_value("inspections", "01001", 2023, dt.date(2023, 5, 31)) == 7
