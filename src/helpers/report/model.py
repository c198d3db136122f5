"""The report model: every KPI of a report, computed by the engine and worded once.

For a snapshot, scope and section, `build_kpi_model` turns the engine's results into
immutable `KpiView`s: the value in its display unit at its one precision, the period
it covers, the prior figure and its basis, the difference (from unrounded values), the
target as the plan words it and as it is judged, the status, the projection, whether
the KPI applies at this scope, and the footnotes. Tables, charts, the narrative, the
index, `workbook kpis`, `workbook diff`, the Excel workbook and `run.json` lay these out
and format nothing themselves, so a KPI reads the same everywhere.

No display library is imported here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from helpers.core.era import fiscal_year_label, in_year_span_label, month_end, month_end_label
from helpers.core.statuses import TRACKED
from helpers.data.contract import MEASURES, NATIONAL_CODE
from helpers.data.plan import TARGET_RULES, Kpi
from helpers.engine.kpi import KpiEngine, KpiResult
from helpers.report.formatting import plan_number
from helpers.report.scale import DASH, DisplayScale, is_missing, scale_for

__all__ = ["KpiView", "KpiModel", "ProjectionView", "build_kpi_model", "planned_target_text",
           "period_phrase", "comparison_headings", "report_period",
           "APPLICABILITY", "ROUNDING_NOTE", "JUDGED", "CONTEXT", "NATIONAL_ONLY", "NOT_APPLICABLE"]

JUDGED, CONTEXT, NATIONAL_ONLY, NOT_APPLICABLE = "judged", "context", "national_only", "not_applicable"
APPLICABILITY = {  # how each applicability reads where a reader sees it
    JUDGED: "判定対象",
    CONTEXT: "参考表示（この範囲を含む地域の値）",
    NATIONAL_ONLY: "全国値のみ",
    NOT_APPLICABLE: "対象外",
}
ROUNDING_NOTE = "差は四捨五入前の値による。表示値の差と一致しない場合がある。"
_PRIOR_RULES = ("above_prior_year", "at_least_prior_year", "below_prior_year")
_VERBS = {"above_prior_year": "を上回る", "at_least_prior_year": "と同等以上", "below_prior_year": "を下回る"}


@dataclass(frozen=True)
class ProjectionView:
    """A year-end projection as shown: central figure and range, its years and method."""

    central: float
    low: float
    high: float
    central_text: str
    low_text: str
    high_text: str
    text: str  # '77.6%（77.3%～77.9%）', with ＊ when held at 100%
    range_text: str  # '77.3%～77.9%', or 最終月分の納付を除き確定 when the range rounds to nothing
    years: tuple[int, ...]
    capped: bool


@dataclass(frozen=True)
class KpiView:
    """One KPI of one report, as every output shows it.

    Numbers are in the KPI's base unit (percent numbers for rates, yen, persons) and
    None where they do not exist; `scale` turns them into the display unit; every
    `*_text` is the one way the figure is written.
    """

    id: str
    name: str
    section: str
    plan_page: str
    headline: bool
    rule: str
    applicability: str
    area_name: str  # whose figure it is: the scope's, or 沖縄県's when shown for context
    scale: DisplayScale
    value: float | None
    value_text: str
    missing_reason: str | None  # why `value` does not exist, for its 「—」's footnote
    period: dt.date
    period_text: str
    prior: float | None
    prior_text: str
    prior_basis: str  # 前年同期 (or 前年度 at a closed year, see issue notes)
    change: float | None
    change_text: str
    target: float | None
    target_text: str  # as the plan words it, with the figure it stands for
    judged_text: str  # what the status was judged against
    mark: str | None  # 注n when the target or definition is assumed (see the footnotes)
    status: str | None
    status_text: str
    projection: ProjectionView | None
    footnotes: tuple[str, ...]
    result: KpiResult = field(repr=False, compare=False)
    figure_kind: str = "速報"  # 確定 once the KPI's year is closed; a projection is 見込み
    final_on: dt.date | None = None  # the day the year's figure becomes final (end of April for 納付率)
    final_note: str = ""  # when and how the year's figure becomes final (and is published)
    same_as: str | None = None  # another KPI of the report with the very same figure (NP06 at 沖縄県)

    @property
    def has_value(self) -> bool:
        """Whether the KPI has a value at this scope and period."""
        return self.value is not None

    @property
    def is_judged(self) -> bool:
        """Counted among the report's judged KPIs (a status against a target)."""
        return self.applicability == JUDGED and self.status is not None and self.status != TRACKED

    @property
    def target_shown(self) -> str:
        """The target column of every table: as judged, with its footnote mark."""
        return f"{self.judged_text}（{self.mark}）" if self.mark else self.judged_text

    @property
    def applicability_text(self) -> str:
        """The applicability in words."""
        return APPLICABILITY[self.applicability]

    def record(self) -> dict:
        """The view as plain data for `run.json` and the page's machine-readable record."""
        p = self.projection
        return {
            "name": self.name, "section": self.section, "applicability": self.applicability,
            "unit": self.scale.unit, "change_unit": self.scale.change_unit,
            "value": _rounded(self.value), "value_text": self.value_text, "missing_reason": self.missing_reason,
            "period": self.period.isoformat(), "period_text": self.period_text,
            "prior_value": _rounded(self.prior), "prior_text": self.prior_text, "prior_basis": self.prior_basis,
            "change": _rounded(self.change), "change_text": self.change_text,
            "target_text": self.target_shown, "plan_target_text": self.target_text,
            "status": self.status, "status_text": self.status_text,
            "projection": None if p is None else [_rounded(p.low), _rounded(p.central), _rounded(p.high)],
            "projection_text": DASH if p is None else p.text,
            "footnotes": list(self.footnotes), "figure_kind": self.figure_kind,
        }


@dataclass(frozen=True)
class KpiModel:
    """The KPIs of one report: views in catalogue order, the KPIs left out because they
    concern another area, and the table's footnotes."""

    scope: str
    scope_name: str
    period: dt.date
    views: tuple[KpiView, ...]
    excluded: tuple[Kpi, ...]
    notes: tuple[str, ...]

    def view(self, kpi_id: str) -> KpiView:
        """One KPI's view (KeyError when the KPI is not in this report)."""
        for v in self.views:
            if v.id == kpi_id:
                return v
        raise KeyError(kpi_id)

    def record(self) -> dict:
        """Every view as plain data, keyed by KPI id."""
        return {v.id: v.record() for v in self.views}


def _rounded(value: float | None) -> float | None:
    return None if is_missing(value) else round(value, 6)


def _number(value: float) -> float | None:
    return None if is_missing(value) else float(value)


def period_phrase(result: KpiResult) -> str:
    """What the figure covers, the way the releases label it.

    現年度納付率: 「令和5年4月～8月分（9月末現在）」; 最終納付率: 「令和3年度分保険料、令和5年9月末現在」;
    flows: 「令和5年4月～9月累計」; stocks: 「令和5年9月末現在」.
    """
    kpi = result.kpi
    numerator = kpi.numerator or "paid_months_current"  # derived gap: of current rates
    spec = MEASURES[numerator]
    if spec.premium_lag == 0:
        return in_year_span_label(result.period)
    if spec.premium_lag:
        premium = fiscal_year_label(result.fiscal_year - spec.premium_lag)
        return f"{premium}分保険料、{month_end_label(result.period)}現在"
    if spec.kind in ("flow", "ytd"):
        start = month_end(result.fiscal_year, 4)
        end = result.period
        if end.year == start.year:
            return f"{month_end_label(start)[:-1].replace('末', '')}～{end.month}月累計"
        return f"{month_end_label(start)[:-1]}～{month_end_label(end)[:-1]}累計"
    return f"{month_end_label(result.period)}現在"


def _target_text(kpi: Kpi, target: float | None, scale: DisplayScale) -> str:
    """The target in the plan's words: '前年度実績（76.1%）を上回る', '90%以上', '30分未満',
    '紐付けの完全化を目指す（年度の数値目標なし）'."""
    rule = kpi.target_rule
    if kpi.target_wording:
        return kpi.target_wording
    if rule == "track":
        return TARGET_RULES[rule]
    if rule in ("at_least", "below"):
        suffix = "以上" if rule == "at_least" else "未満"
        if target is None:
            return f"{TARGET_RULES[rule]}（目標値の定めなし）"
        if kpi.unit in ("percent", "points", "minutes"):
            return f"{plan_number(target, kpi.precision)}{scale.unit}{suffix}"
        return f"{scale.text(target)}{suffix}"
    if target is None:
        return "前年度実績がないため判定しない"
    return f"前年度実績（{scale.text(target)}）{_VERBS[rule]}"


def planned_target_text(kpi: Kpi) -> str:
    """The target as the plan file sets it, before any figure is known: '90%以上',
    '前年度実績を上回る', '紐付けの完全化を目指す（年度の数値目標なし）' (a plan change
    is told in these words)."""
    if kpi.target_wording:
        return kpi.target_wording
    if kpi.target_rule in ("at_least", "below") and kpi.target_value is not None:
        suffix = "以上" if kpi.target_rule == "at_least" else "未満"
        if kpi.unit in ("percent", "points", "minutes"):
            return f"{plan_number(kpi.target_value, kpi.precision)}{kpi.unit_label}{suffix}"
        return f"{kpi.target_value:,.{kpi.precision}f}{kpi.unit_label}{suffix}"
    return TARGET_RULES[kpi.target_rule]


def _judged_text(result: KpiResult, scale: DisplayScale, target_text: str) -> str:
    """The target as the result is judged: in the year, a prior-year rule without a
    year-end projection compares with the same period of the prior year (NP07 at
    令和5年9月末 against 12.5ポイント, not the prior year-end 5.6), and says so."""
    rule = result.kpi.target_rule
    if not result.has_value:  # nothing was judged: the target as the plan words it
        return target_text
    if rule in _PRIOR_RULES and not result.is_final and result.projection is None:
        if is_missing(result.prior_value):
            return "前年同期の値がないため判定しない"
        return f"前年同期（{scale.text(result.prior_value)}）{_VERBS[rule]}"
    return target_text


def _fixed_areas(engine: KpiEngine, kpi: Kpi) -> set[str]:
    """The areas other than 全国 a KPI always looks at (沖縄県 for NP06 and NP07)."""
    if kpi.derived:
        return set().union(*(_fixed_areas(engine, engine.plan.kpi(kpi.derived[p]["kpi"])) | {kpi.derived[p]["area"]}
                             for p in ("minuend", "subtrahend"))) - {NATIONAL_CODE}
    return {kpi.area} - {None, NATIONAL_CODE}


def applicability(engine: KpiEngine, kpi: Kpi, scope: str) -> str:
    """Whether a KPI applies at a scope: a KPI about one area is judged at that area and
    at the areas containing it, shown as context inside it, and not shown beside it; a
    national-only KPI reads 全国値のみ below 全国."""
    snapshot = engine.snapshot
    fixed = _fixed_areas(engine, kpi)
    if any(not snapshot.overlaps(scope, code) for code in fixed):
        return NOT_APPLICABLE
    if any(code != scope and code in snapshot.ancestors(scope) for code in fixed):
        return CONTEXT
    if kpi.national_only and scope != NATIONAL_CODE:
        return NATIONAL_ONLY
    return JUDGED


def _missing_reason(result: KpiResult) -> str:
    """Why a KPI has no value at this scope and period, for its footnote."""
    kpi = result.kpi
    measure = MEASURES.get(kpi.numerator or "paid_months_current")
    if measure is not None and measure.premium_lag == 0 and result.period.month == 4:
        return (f"{month_end_label(result.period)}時点では{fiscal_year_label(result.fiscal_year)}分保険料の"
                "納付期限（翌月末）が来ていないため、年度内の率はまだない")
    return "この範囲・期間のデータがない"


def _view(engine: KpiEngine, kpi: Kpi, scope: str, fiscal_year: int, marks: dict[str, str]) -> KpiView:
    applies = applicability(engine, kpi, scope)
    owner = scope
    if applies == CONTEXT:
        owner = next(code for code in sorted(_fixed_areas(engine, kpi)) if code in engine.snapshot.ancestors(scope))
    r = engine.evaluate(kpi, scope, fiscal_year)
    p = r.projection
    figures = (r.value, r.prior_value, r.target, *((p.low, p.central, p.high) if p else ()))
    scale = scale_for(kpi, *figures)
    value, prior = _number(r.value), _number(r.prior_value)
    change = None if value is None or prior is None else value - prior
    if applies == NATIONAL_ONLY:  # judged at 全国 only: the plan's words, without a figure of this scope
        target_text = judged = kpi.target_wording or (TARGET_RULES[kpi.target_rule] if kpi.target_rule in _PRIOR_RULES
                                                       else _target_text(kpi, r.target, scale))
    else:
        target_text = _target_text(kpi, r.target, scale)
        judged = _judged_text(r, scale, target_text)
    status = r.status
    mark = marks.get(kpi.id)
    footnotes = [f"{mark}　{kpi.id} {kpi.name_ja}: {kpi.assumption}"] if mark else []
    value_text = scale.text(value)
    if applies == NATIONAL_ONLY and value is None:
        value_text, status = APPLICABILITY[NATIONAL_ONLY], None
    elif applies == CONTEXT:
        status = None
    status_text = {CONTEXT: "参考表示"}.get(applies, status or DASH)
    projection = None
    if p is not None:
        cap = "＊" if p.capped else ""
        low, high = scale.text(p.low), scale.text(p.high)
        # a range narrower than the shown digits is no range: only the last month's payments remain
        span = "最終月分の納付を除き確定" if low == high else f"{low}～{high}"
        projection = ProjectionView(p.central, p.low, p.high, scale.text(p.central), low, high,
                                    f"{scale.text(p.central)}（{span}）{cap}", span, p.years, p.capped)
    return KpiView(
        id=kpi.id, name=kpi.name_ja, section=kpi.section, plan_page=kpi.plan_page, headline=kpi.headline,
        rule=kpi.target_rule, applicability=applies,
        area_name=str(engine.snapshot.area(owner)["name_ja"]), scale=scale,
        value=value, value_text=value_text,
        missing_reason=_missing_reason(r) if value is None and applies in (JUDGED, CONTEXT) else None,
        period=r.period,
        period_text=period_phrase(r) if value is not None else DASH,
        prior=prior, prior_text=scale.text(prior), prior_basis="前年度" if r.is_final else "前年同期",
        change=change, change_text=scale.change_text(change),
        target=r.target, target_text=target_text, judged_text=judged, mark=mark,
        status=status, status_text=status_text, projection=projection, footnotes=tuple(footnotes), result=r,
        figure_kind="確定" if r.is_final else "速報", final_on=engine.year_end(kpi, fiscal_year),
        final_note=_final_note(engine, kpi, fiscal_year),
    )


def report_period(as_of: dt.date, fiscal_year: int) -> dt.date:
    """The month end a report is about: the snapshot's 基準日, or its year's end for a
    closed year."""
    return min(as_of, dt.date(fiscal_year + 1, 3, 31))


def _final_note(engine: KpiEngine, kpi: Kpi, fiscal_year: int) -> str:
    """When the year's figure becomes final: 納付率 at the end of April after the year
    (published in late June to early July), the others at the year's end."""
    year_end = engine.year_end(kpi, fiscal_year)
    if year_end.month == 4:
        return (f"年度の値は{month_end_label(year_end)}までの納付で確定し、6月下旬～7月上旬に公表される"
                "（それまでの年度の値は見込みである）。")
    return f"年度の値は{month_end_label(year_end)}で確定する。"


def comparison_headings(views: Sequence[KpiView]) -> tuple[str, str]:
    """The headings of the prior and difference columns: 前年同期 in the year, 前年度 once
    every KPI's year is closed, both words where a table mixes them."""
    bases = {v.prior_basis for v in views} or {"前年同期"}
    if len(bases) == 1:
        (basis,) = bases
        return basis, f"{basis}比"
    return "前年同期・前年度", "前年比"


def _same_figures(views: list[KpiView], kpis: Sequence[Kpi], scope: str) -> list[KpiView]:
    """Mark a KPI fixed to the scope's own area (NP06 at 沖縄県) as the same figure as the
    KPI it repeats (NP04), so that the narrative says it once."""
    by_id = {k.id: k for k in kpis}
    out = []
    for v in views:
        kpi = by_id[v.id]
        twin = None
        if kpi.area == scope and not kpi.derived:
            twin = next((k.id for k in kpis if k.id != kpi.id and k.area is None and not k.derived
                         and (k.numerator, k.denominator, k.aggregation) ==
                         (kpi.numerator, kpi.denominator, kpi.aggregation)), None)
        out.append(replace(v, same_as=twin) if twin else v)
    return out


def build_kpi_model(engine: KpiEngine, scope: str, fiscal_year: int, kpis: Sequence[Kpi]) -> KpiModel:
    """The report model of these KPIs for a scope and fiscal year."""
    shown = [k for k in kpis if applicability(engine, k, scope) != NOT_APPLICABLE]
    excluded = tuple(k for k in kpis if k not in shown)
    assumed = [k.id for k in shown if k.assumption]
    marks = {kpi_id: f"注{i + 1}" for i, kpi_id in enumerate(assumed)}
    views = tuple(_same_figures([_view(engine, k, scope, fiscal_year, marks) for k in shown], shown, scope))
    area = engine.snapshot.area(scope)
    period = report_period(engine.snapshot.as_of, fiscal_year)
    notes = _notes(views, excluded, str(area["name_ja"]))
    return KpiModel(scope, str(area["name_ja"]), period, views, excluded, notes)


def _notes(views: tuple[KpiView, ...], excluded: tuple[Kpi, ...], scope_name: str) -> tuple[str, ...]:
    """Footnotes of a KPI table, in a fixed order: assumed definitions and targets, how
    in-year judgements and projections are made, figures that do not exist and why,
    context and national-only KPIs, the rounding rule, KPIs about another area."""
    out = [note for v in views for note in v.footnotes]
    in_year = [v.id for v in views if v.rule in _PRIOR_RULES and not v.result.is_final
               and v.projection is None and v.has_value]
    if in_year:
        out.append(f"前年度実績と比べる目標のうち年度末見込みのない指標（{'、'.join(in_year)}）は、"
                   "年度途中は前年同期と比べて判定し、年度末に前年度実績と比べる。")
    projected = [v for v in views if v.projection is not None]
    if projected:
        years = sorted({y for v in projected for y in v.projection.years})
        out.append("年度末見込み: 現在の値に、" + "・".join(fiscal_year_label(y) for y in years)
                   + "の各年度の同じ月末から年度末までの伸びを加えたもの。中央は伸びの平均、"
                   "幅は伸びの最小～最大による。判定は幅の下限が目標を満たせば達成見込み、"
                   "上限のみが満たせば要注意、上限も満たさなければ未達見込みとする。")
    pending = [v for v in views if v.has_value and v.figure_kind == "速報" and v.period.month == 3
               and v.final_on is not None and v.final_on.month == 4]  # 納付率: final a month after the year
    if pending:
        out.append(f"{'、'.join(v.id for v in pending)}の値は速報である。{pending[0].final_note}")
    capped = [v.id for v in projected if v.projection.capped]
    if capped:
        out.append(f"＊ 率は100%を超えないため、見込みを100%で頭打ちとした（{'、'.join(capped)}）。")
    reasons: dict[str, list[str]] = {}
    for v in views:
        if v.missing_reason:
            reasons.setdefault(v.missing_reason, []).append(v.id)
        elif v.value is not None and v.prior is None:
            reasons.setdefault("前年同期の値がないため、前年同期と差は示さない", []).append(v.id)
    out += [f"「{DASH}」（{'、'.join(ids)}）: {reason}。" for reason, ids in reasons.items()]
    context = [v for v in views if v.applicability == CONTEXT]
    if context:
        out.append(f"{'、'.join(f'{v.id} {v.name}' for v in context)}は{scope_name}を含む地域の指標であり、"
                   "その地域の値を参考として示す（この範囲の判定には数えない）。")
    national = [v.id for v in views if v.applicability == NATIONAL_ONLY]
    if national:
        out.append(f"全国値のみ（{'、'.join(national)}）: 全国でのみ集計する指標であり、{scope_name}の値はない。")
    if any(v.change is not None for v in views):
        out.append(ROUNDING_NOTE)
    if excluded:
        names = "、".join(f"{k.id} {k.name_ja}" for k in excluded)
        out.append(f"{names}は{scope_name}の範囲に含まれない地域の指標のため、この範囲では判定しない。")
    return tuple(out)
