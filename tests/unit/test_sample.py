"""The bundled sample snapshots: calibration to the published figures (computed here
straight from the files with pandas, not through the KPI engine), realistic office
differences, and byte-for-byte determinism of `workbook sample`."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest
import yaml

from helpers.core.paths import samples_dir, snapshots_dir
from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine.kpi import KpiEngine
from helpers.sample.generate import NEW_YEAR_AS_OF, SAMPLE_AS_OF, generate_history, write_sample

SAMPLES = ["sample-2023-09-30", "sample-2024-03-31"]


@pytest.fixture(scope="module", params=SAMPLES)
def rows(request) -> pd.DataFrame:
    folder = snapshots_dir() / request.param
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    assert manifest["source"] == "sample"
    frame = pd.read_parquet(folder / manifest["tables"]["measures"]["file"])
    frame.attrs["id"] = request.param
    return frame


def ratio(rows: pd.DataFrame, num: str, den: str, periods, premium_fy=None, offices=None) -> float:
    """100 x sum(num) / sum(den) over the given month ends (and offices)."""
    sel = rows["period"].isin(periods if isinstance(periods, list) else [periods])
    if premium_fy is None:
        sel &= rows["premium_fy"].isna()
    else:
        sel &= rows["premium_fy"] == premium_fy
    if offices is not None:
        sel &= rows["area_code"].str.startswith(offices)
    picked = rows[sel]
    return 100 * picked.loc[picked["measure"] == num, "value"].sum() / picked.loc[
        picked["measure"] == den, "value"].sum()


def total(rows: pd.DataFrame, measure: str, periods) -> float:
    periods = periods if isinstance(periods, list) else [periods]
    return rows.loc[rows["period"].isin(periods) & (rows["measure"] == measure), "value"].sum()


def months(first: str, last: str) -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in pd.date_range(first, last, freq="ME")]


H1_2022 = months("2022-04-30", "2022-09-30")


def test_current_rate_calibration(rows):
    assert round(ratio(rows, "paid_months_current", "due_months_current", "2022-04-30", 2021), 1) == 73.9
    assert round(ratio(rows, "paid_months_current", "due_months_current", "2023-04-30", 2022), 1) == 76.1
    sept22 = ratio(rows, "paid_months_current", "due_months_current", "2022-09-30")
    sept21 = ratio(rows, "paid_months_current", "due_months_current", "2021-09-30")
    assert round(sept22, 1) == 69.1
    assert round(round(sept22, 1) - round(sept21, 1), 1) == 1.9


def test_okinawa_calibration(rows):
    ok22 = ratio(rows, "paid_months_current", "due_months_current", "2022-09-30", offices="47")
    ok21 = ratio(rows, "paid_months_current", "due_months_current", "2021-09-30", offices="47")
    nat22 = ratio(rows, "paid_months_current", "due_months_current", "2022-09-30")
    nat21 = ratio(rows, "paid_months_current", "due_months_current", "2021-09-30")
    assert round(ok22, 1) == 56.6
    assert round(round(nat22, 1) - round(ok22, 1), 1) == 12.5
    assert round(round(nat21, 1) - round(ok21, 1), 1) == 14.6


def test_plan_baselines_at_september_2022(rows):
    assert round(ratio(rows, "paid_months_final", "due_months_final", "2022-09-30", 2020), 1) == 79.5
    assert round(ratio(rows, "autopay_payers", "payers_total", "2022-09-30"), 1) == 38.0
    assert round(ratio(rows, "ep_collected", "ep_assessed", "2022-09-30"), 1) == 96.6
    assert round(ratio(rows, "ep_collected", "ep_assessed", "2021-09-30"), 1) == 96.0
    assert round(ratio(rows, "hi_collected", "hi_assessed", "2022-09-30"), 1) == 94.3
    assert round(ratio(rows, "consultations_reserved", "consultations", H1_2022), 1) == 98.2
    assert round(ratio(rows, "calls_answered", "calls_received", H1_2022), 1) == 72.0
    assert round(ratio(rows, "mynumber_linked", "mynumber_population", "2022-09-30"), 2) == 99.77
    assert round(ratio(rows, "priority_covered", "priority_total", "2022-09-30"), 1) == 38.0
    assert total(rows, "priority_total", "2022-09-30") == 1_767
    assert total(rows, "priority_covered", "2022-09-30") == 672
    assert total(rows, "ex_officio_age20", H1_2022) == 510_000
    assert total(rows, "ex_officio_age34_44_54", H1_2022) == 10_000
    assert total(rows, "ex_officio_foreign", H1_2022) == 237
    assert total(rows, "new_covered_via_tax", H1_2022) == 26_231
    assert total(rows, "grace_establishments", "2022-09-30") == 70_471
    assert total(rows, "grace_plans_at_least_new", "2022-09-30") == 44_994
    assert total(rows, "unconsolidated_records", "2022-09-30") == 17_540_000
    assert total(rows, "pension_liaisons", "2022-09-30") == 132_468
    assert total(rows, "online_bookings", months("2021-05-31", "2022-09-30")) == 107_000
    assert total(rows, "nenkin_net_users", "2022-10-31") == 8_329_000
    assert round(ratio(rows, "e_filed_insured", "filed_insured", months("2022-04-30", "2022-10-31")), 1) == 63.9
    assert round(ratio(rows, "female_managers", "managers", "2022-10-31"), 1) == 15.4


def test_published_outcomes(rows):
    assert round(ratio(rows, "ep_collected", "ep_assessed", "2023-03-31"), 1) == 98.5
    assert total(rows, "unconsolidated_records", "2021-09-30") == 17_830_000
    assert total(rows, "unconsolidated_records", "2023-09-30") == 17_260_000
    if rows.attrs["id"] == "sample-2024-03-31":
        fy2023 = months("2023-04-30", "2024-03-31")
        assert round(ratio(rows, "ep_collected", "ep_assessed", "2024-03-31"), 1) == 98.7
        assert total(rows, "final_notices", fy2023) == 176_779
        assert total(rows, "demands", fy2023) == 102_238
        assert total(rows, "seizures", fy2023) == 30_789


def test_offices_differ_like_real_ones(rows):
    sept = rows[(rows["period"] == "2022-09-30") & rows["premium_fy"].isna()]
    wide = sept.pivot(index="area_code", columns="measure", values="value")
    rate = 100 * wide["paid_months_current"] / wide["due_months_current"]
    rate = rate.dropna()
    assert len(rate) == 312
    assert rate.std() > 3.0
    assert wide["due_months_current"].max() > 8 * wide["due_months_current"].min()
    national = ratio(rows, "paid_months_current", "due_months_current", "2022-09-30")
    assert (rate[rate.index.str.startswith("47")] < national).all()  # Okinawa lower
    for city in ("13", "27"):  # Tokyo, Osaka lower
        assert ratio(rows, "paid_months_current", "due_months_current", "2022-09-30", offices=city) < national
    assert ratio(rows, "paid_months_current", "due_months_current", "2022-09-30", offices="32") > national + 5


def test_in_year_rate_builds_up_month_by_month(rows):
    in_year = [ratio(rows, "paid_months_current", "due_months_current", p)
               for p in months("2022-05-31", "2023-03-31")]
    final = ratio(rows, "paid_months_current", "due_months_current", "2023-04-30", 2022)
    assert all(b >= a for a, b in zip(in_year, in_year[1:]))
    assert final > in_year[-1] > in_year[0] + 5


def test_engine_agrees_with_independent_computation(rows):
    engine = KpiEngine(load_snapshot(rows.attrs["id"]), load_plan())
    sept = engine.evaluate("NP04", fiscal_year=2022, period=dt.date(2022, 9, 30))
    assert sept.value == pytest.approx(ratio(rows, "paid_months_current", "due_months_current", "2022-09-30"))
    final = engine.evaluate("NP04", fiscal_year=2022, period=dt.date(2023, 4, 30))
    assert final.value == pytest.approx(
        ratio(rows, "paid_months_current", "due_months_current", "2023-04-30", 2022))
    okinawa = engine.evaluate("NP06", area="13", fiscal_year=2022, period=dt.date(2022, 9, 30))
    assert okinawa.value == pytest.approx(
        ratio(rows, "paid_months_current", "due_months_current", "2022-09-30", offices="47"))
    answered = engine.evaluate("CB04", area="00", fiscal_year=2022, period=dt.date(2022, 9, 30))
    assert answered.value == pytest.approx(ratio(rows, "calls_answered", "calls_received", H1_2022))
    # IN02 counts the year's new appointments (a flow), not the stock of 年金委員.
    appointed = engine.evaluate("IN02", fiscal_year=2023, period=dt.date(2023, 9, 30))
    assert appointed.value == total(rows, "new_pension_liaisons", months("2023-04-30", "2023-09-30"))
    assert appointed.prior_value == total(rows, "new_pension_liaisons", H1_2022)
    assert appointed.value != total(rows, "pension_liaisons", "2023-09-30")


def test_sample_is_byte_for_byte_reproducible(tmp_path):
    history = generate_history()
    for as_of in (*SAMPLE_AS_OF, NEW_YEAR_AS_OF):
        folder = write_sample(as_of, tmp_path, history)
        committed = (snapshots_dir() if as_of in SAMPLE_AS_OF else samples_dir()) / folder.name
        for name in ("manifest.yaml", "areas.csv", "measures.parquet", "progress.csv"):
            fresh = hashlib.sha256((folder / name).read_bytes()).hexdigest()
            assert fresh == hashlib.sha256((committed / name).read_bytes()).hexdigest(), name
