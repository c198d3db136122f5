"""The section notebooks run by papermill for other scopes and the year-end sample:
their recorded values equal the KPI engine's, they show no warnings or errors, and a
wrong parameter stops them early with a short Japanese message.

(The committed outputs themselves are checked by nbval: `pytest --nbval notebooks/`.)
"""

from __future__ import annotations

import datetime as dt
import math

import nbformat
import papermill
import pytest

from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine.kpi import KpiEngine
from helpers.notebook.execute import notebook_paths, run_notebook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

NOTEBOOKS = {p.stem: p for p in notebook_paths()}
# (scope, snapshot, fiscal year, engine): the warm in-process engine, which
# tests/test_runner_batch.py holds equal to a fresh Jupyter kernel cell by cell (nbval runs
# every committed notebook in a fresh kernel)
# 沖縄県 in the September sample is not repeated here: every chart of every section is
# drawn for it (tests/integration/test_charts.py), its scorecard's KPIs are held equal
# across page, CLI, Excel and record (test_one_figure.py), and three of its sections
# are run with its offices (test_runner_batch.py).
RUNS = [
    ("13001", "sample-2023-09-30", 2022, "workbook"),  # one office, a closed year (令和4年度)
    ("00", "sample-2024-03-31", 2023, "workbook"),     # year-end sample
]


def _record(nb: nbformat.NotebookNode) -> dict:
    for cell in nb.cells:
        if "record" in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                if "application/json" in output.get("data", {}):
                    return output["data"]["application/json"]
    raise AssertionError("no record output")


def _problems(nb: nbformat.NotebookNode) -> list[str]:
    """Error outputs and anything written to stderr (e.g. missing-glyph warnings)."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                found.append(f"{output.ename}: {output.evalue}")
            if output.output_type == "stream" and output.name == "stderr":
                found.append(output.text)
    return found


@pytest.fixture(scope="module")
def engines():
    plan = load_plan()
    return {sid: KpiEngine(load_snapshot(sid), plan) for sid in {r[1] for r in RUNS}}


@pytest.mark.parametrize("scope, snapshot, fiscal_year, engine", RUNS, ids=[f"{r[0]}-{r[1]}" for r in RUNS])
@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_notebook_for_another_scope_matches_engine(tmp_path, engines, name, scope, snapshot, fiscal_year, engine):
    out = tmp_path / f"{name}.ipynb"
    params = {"scope": scope, "snapshot": snapshot, "fiscal_year": fiscal_year}
    nb = run_notebook(NOTEBOOKS[name], out, params, cwd=tmp_path, engine=engine)
    assert _problems(nb) == []
    record = _record(nb)
    assert (record["scope"], record["snapshot"], record["fiscal_year"]) == (scope, snapshot, fiscal_year)
    engine = engines[snapshot]
    assert record["kpis"], "the record lists the section's KPIs"
    for kpi_id, got in record["kpis"].items():
        want = engine.evaluate(kpi_id, scope, fiscal_year, dt.date.fromisoformat(got["period"]))
        assert want.period == engine.evaluate(kpi_id, scope, fiscal_year).period  # each KPI at its own latest
        if math.isnan(want.value):
            assert got["value"] is None, kpi_id
        else:
            assert got["value"] == pytest.approx(want.value, abs=1e-6), kpi_id
        assert got["status"] == want.status, kpi_id
    if name == "00_scorecard":  # every KPI but those about an area outside the scope (沖縄県)
        okinawa = scope in ("00", "47") or scope.startswith(("47", "R8"))
        assert len(record["kpis"]) == (31 if okinawa else 29)


@pytest.mark.parametrize("params, message", [
    ({"scope": "99"}, "地域コード「99」はこのスナップショットにありません"),
    ({"snapshot": "sample-2023-9-30"}, "スナップショット「sample-2023-9-30」が見つかりません"),
    ({"fiscal_year": 2025}, "パラメータ fiscal_year: 2025 はこのスナップショットにありません"),
])
def test_wrong_parameter_stops_early_with_a_short_message(tmp_path, params, message):
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_notebook(NOTEBOOKS["01_national_pension"], out, params, cwd=tmp_path)
    assert message in info.value.evalue
    nb = nbformat.read(out, as_version=4)
    failed = [c for c in nb.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1
    assert "open_section" in failed[0].source  # stopped in the setup cell, nothing ran after it
    error = next(o for o in failed[0].outputs if o.output_type == "error")
    assert len(error.traceback) <= 3 and "pandas" not in "".join(error.traceback)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_one_documented_parameters_cell(name):
    nb = nbformat.read(NOTEBOOKS[name], as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    params = papermill.inspect_notebook(str(NOTEBOOKS[name]))
    assert {"snapshot", "plan_file", "scope", "fiscal_year"} <= set(params)
    for spec in params.values():
        assert spec["inferred_type_name"] in ("str", "int") and spec["help"]
