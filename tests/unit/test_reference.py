"""Reference data: the curated tables hold the published figures, with sources, and
keep the premium year apart from the measurement year."""

from __future__ import annotations

import shutil

import pytest

from helpers.core import paths
from helpers.core.errors import InvalidInput
from helpers.data.reference import REFERENCE_TABLES, load_reference


@pytest.mark.parametrize("table", sorted(REFERENCE_TABLES))
def test_every_row_has_source_and_as_of(table):
    frame = load_reference(table)
    assert len(frame) > 0
    assert frame["source_url"].str.match(r"^https?://").all()
    assert frame["as_of"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def test_current_rate_series_fy2002_to_fy2023():
    rates = load_reference("national_payment_rates.csv").query("metric == 'current_rate'")
    series = dict(zip(rates["premium_fy"], rates["value"]))
    assert sorted(series) == list(range(2002, 2024))
    assert (series[2002], series[2021], series[2022], series[2023]) == (62.8, 73.9, 76.1, 77.6)
    # the plan's "12年連続" goal: FY2012 to FY2023 each above the year before
    assert all(series[y] > series[y - 1] for y in range(2012, 2024))


def test_final_rate_trap_83_1_is_fy2021_premiums():
    finals = load_reference("national_payment_rates.csv").query("metric == 'final_rate'")
    row = finals[finals["value"] == 83.1]
    assert (row["premium_fy"].item(), row["measured_fy"].item()) == (2021, 2023)
    assert 2023 not in set(finals["premium_fy"])
    assert (finals["measured_fy"] - finals["premium_fy"] == 2).all()


def test_insured_and_non_payers():
    frame = load_reference("national_pension_insured.csv")
    type1 = frame.query("metric == 'insured_type1'")
    insured = dict(zip(type1["measured_fy"], type1["value"]))
    non_payers = dict(zip(frame.query("metric == 'non_payers'")["measured_fy"], frame.query("metric == 'non_payers'")["value"]))
    assert (insured[2022], insured[2023]) == (1405, 1387)
    assert (non_payers[2022], non_payers[2023]) == (89, 79)


def test_okinawa_and_best_worst_prefectures():
    frame = load_reference("prefecture_payment_rates.csv").query("metric == 'current_rate'")
    okinawa = dict(zip(frame.query("area_code == '47'")["premium_fy"], frame.query("area_code == '47'")["value"]))
    assert (okinawa[2021], okinawa[2022], okinawa[2023]) == (66.82, 70.5, 71.1)
    fy2023 = frame[frame["premium_fy"] == 2023].sort_values("value")
    assert fy2023.iloc[-1]["area_name"] == "新潟県" and fy2023.iloc[0]["area_name"] == "沖縄県"


def test_employee_pension_and_records():
    ep = load_reference("employee_pension_collection.csv")
    assert dict(zip(ep["measured_fy"], ep["value"])) == {2022: 98.5, 2023: 98.7}
    records = load_reference("unconsolidated_records.csv").query("metric == 'records_unresolved'")
    assert dict(zip(records["as_of"], records["value"]))["2023-09-30"] == 1726


def test_a_mixed_up_premium_year_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "project"
    shutil.copytree(paths.project_root() / "data" / "reference", root / "data" / "reference")
    path = root / "data" / "reference" / "national_payment_rates.csv"
    text = path.read_text(encoding="utf-8").replace("final_rate,2021,2023", "final_rate,2023,2023")
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WORKBOOK_ROOT", str(root))
    with pytest.raises(InvalidInput, match="national_payment_rates.csv 43行目: 保険料年度と計測年度が合いません"):
        load_reference("national_payment_rates.csv")


def test_a_table_kept_for_the_process_is_reused_only_while_its_bytes_are_the_same(tmp_path, monkeypatch):
    root = tmp_path / "project"
    shutil.copytree(paths.project_root() / "data" / "reference", root / "data" / "reference")
    path = root / "data" / "reference" / "national_payment_rates.csv"
    monkeypatch.setenv("WORKBOOK_ROOT", str(root))

    def final_2023() -> float:
        rates = load_reference("national_payment_rates.csv")
        return rates.query("metric == 'final_rate' and measured_fy == 2023")["value"].item()

    first = load_reference("national_payment_rates.csv")
    first.loc[:, "value"] = -1.0  # a caller's change to its copy reaches no other caller
    assert final_2023() == 83.1
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace("final_rate,2021,2023,00,全国,83.1,", "final_rate,2021,2023,00,全国,83.4,"),
                    encoding="utf-8")
    assert final_2023() == 83.4  # the edited file is read again, not the kept table
    path.write_text(original.replace("final_rate,2021,2023", "final_rate,2023,2023"), encoding="utf-8")
    with pytest.raises(InvalidInput, match="保険料年度と計測年度が合いません"):
        load_reference("national_payment_rates.csv")  # and validated again
    path.write_text(original, encoding="utf-8")
    assert final_2023() == 83.1
