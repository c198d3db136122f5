"""The benchmark's ratios (bench/run_bench.py): of the medians, and of each round."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "bench" / "run_bench.py"
_SPEC = importlib.util.spec_from_file_location("run_bench", _PATH)
run_bench = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(run_bench)


def _entry(cpu_by_round: list[float], day: str = "2026-12-01") -> dict:
    ordered = sorted(cpu_by_round)
    return {"wall_s": 1.0, "cpu_s": ordered[len(ordered) // 2], "measured": day, "cpu_by_round": cpu_by_round}


def test_each_rounds_ratio_pairs_the_methods_measured_one_after_the_other():
    # round 2 ran on a slow machine for both: its ratio is as the others', the medians' is not
    table = {"workbook": _entry([10.0, 14.0, 9.0]), "floor": _entry([12.0, 16.0, 9.5])}
    found = run_bench.ratios(table)
    assert found["workbook_over_floor_cpu"] == round(10.0 / 12.0, 2)
    assert found["workbook_over_floor_cpu_by_round"] == [0.83, 0.88, 0.95]
    assert found["workbook_over_floor_cpu_paired"] == 0.88


def test_no_round_ratio_across_days_or_unequal_rounds():
    assert "workbook_over_floor_cpu_paired" not in run_bench.ratios(
        {"workbook": _entry([10.0, 11.0]), "floor": _entry([12.0])})
    assert run_bench.ratios({"workbook": _entry([10.0]), "floor": _entry([12.0], day="2026-11-30")}) == {}
