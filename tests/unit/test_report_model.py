"""The report model: one display unit per KPI row, differences from unrounded values with
the note that says so, applicability by scope, and charts that carry the model's texts."""

from __future__ import annotations

import math
import re

import pytest

from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine.kpi import KpiEngine
from helpers.report.model import ROUNDING_NOTE, build_kpi_model
from helpers.report.section import open_section

SAMPLES = ("sample-2023-09-30", "sample-2024-03-31")
SCOPES = ("00", "01", "47", "47001", "R8", "13")


@pytest.fixture(scope="module", params=SAMPLES)
def engine(request):
    return KpiEngine(load_snapshot(request.param), load_plan())


def _models(engine):
    return [build_kpi_model(engine, scope, engine.snapshot.fiscal_year, engine.plan.kpis) for scope in SCOPES]


def test_a_row_never_mixes_units(engine):
    """Value, prior and difference of a count are all in 万 once either figure reaches
    10万, and all in the plain unit below it; rates in % with differences in ポイント."""
    for model in _models(engine):
        for v in model.views:
            if v.value is None or v.prior is None:
                continue
            kpi = v.result.kpi
            texts = (v.value_text, v.prior_text, v.change_text)
            if kpi.unit == "percent":
                assert v.value_text == f"{v.value:.{kpi.precision}f}%" and v.change_text.endswith("ポイント")
            elif kpi.unit == "yen":
                assert all(t.endswith("億円") for t in texts), texts
            elif kpi.unit not in ("points", "minutes"):
                big = max(abs(v.value), abs(v.prior)) >= 100_000
                assert all(("万" in t) == big for t in texts), (model.scope, v.id, texts)
                assert all(t.endswith(kpi.unit_label) for t in texts), texts


def test_differences_come_from_unrounded_values_and_the_note_says_so(engine):
    seen_disagreement = False
    for model in _models(engine):
        for v in model.views:
            if v.change is None:
                continue
            assert v.change == pytest.approx(v.value - v.prior, abs=1e-12)
            shown = v.scale.rounded(v.value) - v.scale.rounded(v.prior)
            if round(shown, v.scale.change_digits) != round(v.change / v.scale.divisor, v.scale.change_digits):
                seen_disagreement = True
        if any(v.change is not None for v in model.views):
            assert ROUNDING_NOTE in model.notes, model.scope
    assert seen_disagreement  # the samples do have a row where the note matters


def test_applicability_follows_the_scope(engine):
    year = engine.snapshot.fiscal_year
    models = {m.scope: m for m in _models(engine)}
    for scope in ("00", "R8", "47"):
        assert {models[scope].view(k).applicability for k in ("NP06", "NP07")} == {"judged"}, scope
    office = models["47001"]
    assert {office.view(k).applicability for k in ("NP06", "NP07")} == {"context"}
    assert all(office.view(k).status is None and office.view(k).area_name == "沖縄県" for k in ("NP06", "NP07"))
    tokyo = models["13"]
    assert {k.id for k in tokyo.excluded} == {"NP06", "NP07"}
    assert any("NP06" in n and "この範囲では判定しない" in n for n in tokyo.notes)
    assert tokyo.view("CB04").value_text == "全国値のみ" and tokyo.view("CB04").status is None
    assert models["00"].view("CB04").applicability == "judged"
    # an office's report counts only the KPIs judged at the office
    r = open_section("national_pension", snapshot=engine.snapshot.id, plan_file="params/plan_fy2023.yaml",
                     scope="47001", fiscal_year=year)
    judged = [v for v in r.views if v.is_judged]
    count = re.search(r"目標を定めた(\d+)指標", r.narrative().data)
    assert count and int(count.group(1)) == len(judged)
    assert not {"NP06", "NP07"} & {v.id for v in judged}


def test_nothing_shown_is_nan_none_or_inf(engine):
    for model in _models(engine):
        for v in model.views:
            for text in (v.value_text, v.prior_text, v.change_text, v.target_shown, v.status_text, v.period_text,
                         v.projection.text if v.projection else ""):
                assert not re.search(r"nan|None|inf", text), (model.scope, v.id, text)
            for number in (v.value, v.prior, v.change):
                assert number is None or math.isfinite(number)


def test_chart_legends_use_the_models_texts():
    import matplotlib

    matplotlib.use("Agg")
    r = open_section("scorecard", snapshot="sample-2023-09-30", plan_file="params/plan_fy2023.yaml", scope="00",
                     fiscal_year=2023)
    fig = r.kpi_charts()
    allowed = {f"{lead}{v.target_text}" for v in r.views for lead in ("目標: ", "年度末の目標: ")}
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    with_figures = [label for label in labels if re.search(r"\d[%万億分]|\dポイント", label)]
    assert with_figures and set(with_figures) <= allowed, set(with_figures) - allowed
    # the 前年度実績 marks carry the figure as the table writes it (862.9万人, not 862.94万人)
    assert not any(re.search(r"\d\.\d\d(万|%)", label) for label in with_figures
                   if "紐付け" not in label and "RC02" not in label)
