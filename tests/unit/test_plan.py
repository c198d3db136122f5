"""The plan catalogue: all 31 KPIs of kpi_catalog.csv, field for field."""

from __future__ import annotations

import csv

import pytest

from helpers.core import paths
from helpers.data.contract import MEASURES
from helpers.data.plan import TARGET_RULES, load_plan

CATALOG = paths.project_root().parent / "shared" / "plan" / "kpi_catalog.csv"


def test_plan_has_31_kpis_in_known_sections():
    plan = load_plan()
    assert len(plan.kpis) == 31
    assert plan.fiscal_year == 2023
    assert {k.section for k in plan.kpis} <= {s.id for s in plan.sections}
    assert all(k.target_rule in TARGET_RULES for k in plan.kpis)
    for kpi in plan.kpis:
        for name in (kpi.numerator, kpi.denominator):
            assert name is None or name in MEASURES


@pytest.mark.skipif(not CATALOG.is_file(), reason="shared/plan/kpi_catalog.csv is not beside the project")
def test_plan_matches_the_catalogue():
    plan = load_plan()
    rows = list(csv.DictReader(CATALOG.open(encoding="utf-8")))
    assert [r["kpi_id"] for r in rows] == [k.id for k in plan.kpis]
    for row in rows:
        kpi = plan.kpi(row["kpi_id"])
        assert (kpi.section, kpi.name_ja, kpi.name_en, kpi.unit) == (
            row["section"], row["name_ja"], row["name_en"], row["unit"])
        assert (kpi.numerator or "", kpi.denominator or "") == (row["numerator"], row["denominator"])
        assert (kpi.aggregation, kpi.direction, kpi.target_rule) == (
            row["aggregation"], row["direction"], row["target_rule"])
        assert kpi.target_value == (float(row["target_value"]) if row["target_value"] else None)
        assert kpi.baseline_value == (float(row["baseline_value"]) if row["baseline_value"] else None)
        assert (kpi.baseline_period or "") == row["baseline_period"]
        assert kpi.plan_page == row["plan_page"]
