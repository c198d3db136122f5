"""What a section notebook needs, in a few calls: open the section for its parameters
(with Japanese errors for a wrong snapshot, plan, scope or year), then header, KPI
table, KPI charts, narrative, provenance and a machine-readable record.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label, month_end_label, shift_months
from helpers.core.escaping import md, md_code
from helpers.core.paths import display_path
from helpers.data.contract import LEVEL_LABELS, MEASURES, NATIONAL_CODE
from helpers.data.plan import Kpi, Plan
from helpers.data.register import Register, load_register
from helpers.data.snapshot import Snapshot
from helpers.engine import breakdowns, loaded
from helpers.engine.item_progress import ItemProgress, item_progress
from helpers.engine.kpi import KpiEngine, KpiResult, meets_target
from helpers.report import narrative, plots
from helpers.report.formatting import format_change, format_target, format_value, judged_target
from helpers.report.tables import Table, styled
from helpers.sections import registry as sections
from helpers.sections.registry import SCORECARD, SectionSpec

__all__ = ["SectionReport", "open_section", "SCORECARD"]


@dataclass
class SectionReport:
    """One section (or the scorecard) for one snapshot, scope and fiscal year."""

    section_id: str
    snapshot: Snapshot
    plan: Plan
    engine: KpiEngine
    scope: str
    fiscal_year: int
    plan_file: str
    _results: list[KpiResult] | None = field(default=None, repr=False)

    # --- facts -----------------------------------------------------------------------
    @property
    def area(self) -> pd.Series:
        """The scope's area row."""
        return self.snapshot.area(self.scope)

    @property
    def scope_name(self) -> str:
        """'全国', '沖縄県', '沖縄第1事務所' ..."""
        return str(self.area["name_ja"])

    @property
    def level(self) -> str:
        """national, region, prefecture or office."""
        return str(self.area["level"])

    @property
    def spec(self) -> SectionSpec:
        """The section's entry in the registry."""
        return sections.by_slug(self.section_id)

    @property
    def section_name(self) -> str:
        """The section's Japanese title."""
        if self.section_id == SCORECARD:
            return "スコアカード（全指標）"
        return self.spec.title

    def _all_kpis(self) -> list[Kpi]:
        if self.section_id == SCORECARD:
            return list(self.plan.kpis)
        return [k for k in self.plan.kpis if k.section in self.spec.kpi_sections]

    @property
    def kpis(self) -> list[Kpi]:
        """The section's KPIs (all of them for the scorecard) that concern the scope: a
        KPI about one area (沖縄県 for NP06 and NP07) only where the scope contains that
        area or lies inside it."""
        return [k for k in self._all_kpis() if not self._outside(k)]

    @property
    def kpis_outside_scope(self) -> list[Kpi]:
        """The section's KPIs about an area the scope does not concern."""
        return [k for k in self._all_kpis() if self._outside(k)]

    def _fixed_areas(self, kpi: Kpi) -> set[str]:
        if kpi.derived:
            return set().union(*(self._fixed_areas(self.plan.kpi(kpi.derived[p]["kpi"])) | {kpi.derived[p]["area"]}
                                 for p in ("minuend", "subtrahend"))) - {NATIONAL_CODE}
        return {kpi.area} - {None, NATIONAL_CODE}

    def _outside(self, kpi: Kpi) -> bool:
        return any(not self.snapshot.overlaps(self.scope, code) for code in self._fixed_areas(kpi))

    @property
    def period(self) -> dt.date:
        """The month end the report is about."""
        return min(self.snapshot.as_of, dt.date(self.fiscal_year + 1, 3, 31))

    @property
    def period_label(self) -> str:
        """The 対象時点 in words: '令和5年9月末' (the period's month end, not the snapshot's 基準日)."""
        return month_end_label(self.period)

    @property
    def results(self) -> list[KpiResult]:
        """Every KPI of the section evaluated for the scope, in catalogue order."""
        if self._results is None:
            self._results = [self.engine.evaluate(k, self.scope, self.fiscal_year) for k in self.kpis]
        return self._results

    def result(self, kpi_id: str) -> KpiResult:
        """One KPI's result."""
        return next(r for r in self.results if r.kpi.id == kpi_id)

    def engine_results_for(self, kpi_ids) -> list[KpiResult]:
        """Results of any KPIs of the plan for this scope (those of other sections too),
        leaving out the KPIs about an area outside the scope."""
        mine = {r.kpi.id: r for r in self.results}
        out = []
        for kpi_id in kpi_ids:
            kpi = self.plan.kpi(kpi_id)
            if self._outside(kpi):
                continue
            out.append(mine.get(kpi_id) or self.engine.evaluate(kpi, self.scope, self.fiscal_year))
        return out

    @property
    def register(self) -> Register:
        """The plan register (every 計画事項 of the plan)."""
        return load_register()

    def items(self, whole_plan: bool = False) -> list[ItemProgress]:
        """The section's 計画事項 (or the whole plan's) at the snapshot's 基準日; none when
        the report's year is not the plan's."""
        if self.fiscal_year != self.plan.fiscal_year:
            return []
        parts = None if whole_plan or self.section_id == SCORECARD else self.spec.plan_parts
        return item_progress(self.register, self.snapshot.progress, self.snapshot.as_of, parts)

    # --- blocks ----------------------------------------------------------------------
    def header(self) -> Markdown:
        """Section, as-of date in 令和, scope, and a notice when the data is synthetic."""
        level = LEVEL_LABELS[self.level]
        lines = [
            f"**{md(self.plan.title)}　{md(self.section_name)}**",
            "",
            # 対象時点: the month end the figures describe (a closed year's March); the
            # snapshot's own date is its 基準日 (provenance), named apart everywhere
            f"- 対象時点: {self.period_label}（{fiscal_year_label(self.fiscal_year)}）",
            f"- 範囲: {md(self.scope_name)}（{level}、コード {md(self.scope)}）",
            f"- データ: スナップショット {md_code(self.snapshot.id)}（出所: {md(self.snapshot.source)}）",
        ]
        if self.snapshot.is_sample:
            lines += ["", "> **注意: これは合成サンプルデータである。** 全国計は公表値に合わせて調整して"
                          "いるが、年金事務所は架空であり、実際の事務所の実績ではない。"]
        return Markdown("\n".join(lines))

    def kpi_frame(self, results: list[KpiResult] | None = None) -> pd.DataFrame:
        """The KPI table as display text: value, 前年同期比, target as judged, status,
        projection. A target or definition that is not published carries （注n）,
        a projection held at 100% a ＊; `notes` gives the footnotes."""
        rows = []
        assumed = self._assumed(results)
        for r in self.results if results is None else results:
            kpi = r.kpi
            projection = "—"
            if r.projection:
                p = r.projection
                projection = (f"{format_value(kpi, p.central)}（{format_value(kpi, p.low)}～"
                              f"{format_value(kpi, p.high)}）{'＊' if p.capped else ''}")
            value = format_value(kpi, r.value)
            status = r.status or "—"
            if not r.has_value and kpi.national_only and self.scope != NATIONAL_CODE:
                value, status = "全国値のみ", "—"
            target = judged_target(r)
            if kpi.id in assumed:
                target += f"（注{assumed[kpi.id]}）"
            rows.append({
                "ID": kpi.id,
                "指標": kpi.name_ja,
                "実績": value,
                "時点": narrative.period_phrase(r) if r.has_value else "—",
                "前年同期": format_value(kpi, r.prior_value),
                "前年同期比": format_change(kpi, r.change, scale_of=_larger(r.value, r.prior_value)),
                "目標": target,
                "判定": status,
                "年度末見込み（幅）": projection,
                "計画": kpi.plan_page,
            })
        # the columns even for a section without KPIs (a plan part tracked by items only)
        return pd.DataFrame(rows, columns=["ID", "指標", "実績", "時点", "前年同期", "前年同期比", "目標", "判定",
                                           "年度末見込み（幅）", "計画"])

    def _assumed(self, results: list[KpiResult] | None = None) -> dict[str, int]:
        """KPI id -> footnote number, for the KPIs whose target or definition is assumed."""
        chosen = self.results if results is None else results
        ids = [r.kpi.id for r in chosen if r.kpi.assumption]
        return {kpi_id: i + 1 for i, kpi_id in enumerate(ids)}

    def notes(self, results: list[KpiResult] | None = None) -> list[str]:
        """Footnotes of the KPI table: assumed definitions and targets, how in-year
        judgements and year-end projections are made (from which fiscal years), capped
        projections, and KPIs left out because they concern another area."""
        results = self.results if results is None else results
        out = []
        assumed = self._assumed(results)
        for r in results:
            if r.kpi.id in assumed:
                out.append(f"注{assumed[r.kpi.id]}　{r.kpi.id} {r.kpi.name_ja}: {r.kpi.assumption}")
        in_year = [r.kpi.id for r in results if r.kpi.target_rule.endswith("prior_year") and not r.is_final
                   and r.projection is None and r.has_value]
        if in_year:
            out.append(f"前年度実績と比べる目標のうち年度末見込みのない指標（{'、'.join(in_year)}）は、"
                       "年度途中は前年同期と比べて判定し、年度末に前年度実績と比べる。")
        projected = [r for r in results if r.projection is not None]
        if projected:
            years = sorted({y for r in projected for y in r.projection.years})
            out.append("年度末見込み: 現在の値に、" + "・".join(fiscal_year_label(y) for y in years)
                       + "の各年度の同じ月末から年度末までの伸びを加えたもの。中央は伸びの平均、"
                       "幅は伸びの最小～最大による。判定は幅の下限が目標を満たせば達成見込み、"
                       "上限のみが満たせば要注意、上限も満たさなければ未達見込みとする。")
        capped = [r.kpi.id for r in projected if r.projection.capped]
        if capped:
            out.append(f"＊ 率は100%を超えないため、見込みを100%で頭打ちとした（{'、'.join(capped)}）。")
        outside = self.kpis_outside_scope
        if outside:
            names = "、".join(f"{k.id} {k.name_ja}" for k in outside)
            out.append(f"{names}は{self.scope_name}の範囲に含まれない地域の指標のため、この範囲では判定しない。")
        return out

    def kpi_table(self) -> Table:
        """The section's KPIs as a styled table, with its footnotes."""
        caption = f"{self.section_name}の指標（{self.scope_name}、{self.period_label}現在）"
        return styled(self.kpi_frame(), uuid=f"{self.section_id}-kpis", caption=caption,
                      status_column="判定", right_align=("実績", "前年同期", "前年同期比"),
                      nowrap=("年度末見込み（幅）", "計画"),
                      notes=self.notes())

    def kpi_panel(self, kpi: Kpi, result: KpiResult | None = None) -> dict:
        """One KPI's chart panel: this year against earlier years, target, projection.

        A target that applies to every month (予約率 90%以上) is a line across the
        months; a year-end target (前年度実績を上回る) is a mark at year end only, since
        in the year the KPI is judged against the same period of the prior year, which
        is the prior year's line. Counts are drawn in the unit the table writes them
        (万件 from 10万 up), amounts in 億円.
        """
        result = result or self.result(kpi.id)
        area = kpi.area or self.scope
        lines, labels = breakdowns.year_lines_data(self.engine, kpi, area, self.fiscal_year)
        target = result.target if kpi.target_rule != "track" else None
        projection = None
        if result.projection is not None:
            p = result.projection
            projection = (p.low, p.central, p.high)
        unit = kpi.unit_label
        target_label = f"目標: {format_target(kpi, result.target)}"
        scale = 1.0
        if kpi.unit == "yen":  # amounts read in 億円 on a chart
            unit, scale = "億円", 1e8
        elif not kpi.is_rate and kpi.unit not in ("points", "minutes"):
            largest = max((float(v.abs().max()) for v in lines.values() if v.notna().any()), default=0.0)
            if largest >= 100_000:
                unit, scale = f"万{kpi.unit_label}", 1e4
        if scale != 1.0:
            lines = {label: values / scale for label, values in lines.items()}
            target = None if target is None else target / scale
            projection = None if projection is None else tuple(v / scale for v in projection)
        return {
            "lines": lines,
            "title": f"{kpi.id} {kpi.name_ja}",
            "unit": unit,
            "target": target,
            "target_label": target_label,
            "target_at_year_end": kpi.target_rule.endswith("prior_year"),
            "projection": projection,
            "x_labels": labels,
        }

    def kpi_charts(self, kpi_ids: list[str] | None = None):
        """Small multiples, one panel per KPI (those with data in the scope)."""
        wanted = [r for r in self.results if (kpi_ids is None or r.kpi.id in kpi_ids)]
        panels = [self.kpi_panel(r.kpi, r) for r in wanted if r.has_value or r.kpi.derived]
        panels = [p for p in panels if p["lines"]]
        if not panels:
            return Markdown("この範囲には図示できる指標がない。")
        return plots.kpi_panels(panels, ncols=2 if len(panels) > 1 else 1)

    def month_misses(self) -> list[tuple[KpiResult, list[tuple[dt.date, float]]]]:
        """For the service levels kept month by month (予約率, 待ち時間, 応答率: a fixed
        target on a monthly flow), the months of this fiscal year that missed it."""
        out = []
        for r in self.results:
            kpi = r.kpi
            if kpi.target_rule not in ("at_least", "below") or not kpi.numerator or not r.has_value:
                continue
            if MEASURES[kpi.numerator].kind != "flow":
                continue
            months = breakdowns.monthly_single(self.engine, kpi, r.area_code, self.fiscal_year)
            start = dt.date(self.fiscal_year, 4, 30)
            missed = [(shift_months(start, int(k)), float(v)) for k, v in months.items()
                      if shift_months(start, int(k)) <= self.period
                      and not math.isnan(v) and meets_target(kpi, float(v), r.target) is False]
            out.append((r, missed))
        return out

    def narrative(self) -> Markdown:
        """The section's 所見, from the results by fixed templates: the KPIs, and the
        section's 計画事項 (late ones named), first when the section says so."""

        text = narrative.section_narrative(self.results, section_name=self.section_name,
                                           scope_name=self.scope_name, period_label=self.period_label,
                                           scope_is_national=self.scope == NATIONAL_CODE,
                                           misses=self.month_misses())
        item_lines = narrative.items_summary(self.items(), "この区分")
        if not item_lines:
            return Markdown(text)
        block = "\n".join(["**計画事項**", "", *[f"- {line}" for line in item_lines]])
        if self.spec.items_first:
            lead, _, rest = text.partition("\n")
            return Markdown(f"{lead}\n\n{block}\n{rest}")
        return Markdown(f"{text}\n\n{block}")

    def provenance(self) -> Markdown:
        """Where the numbers come from (no clock time: outputs stay reproducible)."""
        tables = self.snapshot.manifest["tables"]
        lines = [
            f"- スナップショット: {md_code(self.snapshot.id)}（{md(display_path(self.snapshot.path))}、"
            f"基準日 {month_end_label(self.snapshot.as_of)}、出所 {md(self.snapshot.source)}）",
        ]
        lines += [f"- {md(name)}: {md_code(t['file'])}（{int(t['rows']):,}行、sha256 {md_code(str(t['sha256'])[:16])}…）"
                  for name, t in tables.items()]
        lines += [
            f"- 計画: {md(self.plan.title)}（{md_code(self.plan_file)}）。{md(self.plan.source)}",
            "- 率はすべて分子の合計 ÷ 分母の合計で計算している。四捨五入のため合計が合わない場合がある。",
        ]
        return Markdown("\n".join(lines))

    def record(self) -> dict:
        """Machine-readable values of this run (for tests and the report index, which
        shows each KPI's name, 実績, 目標 and 判定 as the KPI table writes them)."""
        shown = self.kpi_frame().set_index("ID")
        return {
            "section": self.section_id,
            "snapshot": self.snapshot.id,
            "scope": self.scope,
            "fiscal_year": self.fiscal_year,
            "period": self.period.isoformat(),
            "kpis": {
                r.kpi.id: {
                    "name": r.kpi.name_ja,
                    "section": r.kpi.section,
                    "value_text": str(shown.at[r.kpi.id, "実績"]),
                    "target_text": judged_target(r),
                    "period": r.period.isoformat(),  # a closed year's 納付率 is final at the end of April
                    "value": None if math.isnan(r.value) else round(r.value, 6),
                    "prior_value": None if math.isnan(r.prior_value) else round(r.prior_value, 6),
                    "status": r.status,
                    "projection": None if r.projection is None else
                    [round(r.projection.low, 6), round(r.projection.central, 6), round(r.projection.high, 6)],
                } for r in self.results
            },
        }

    def show_record(self) -> None:
        """Display the record as JSON (rendered as a tree in JupyterLab; removed from
        the HTML reports)."""
        from IPython.display import display

        display({"application/json": self.record(), "text/plain": "（機械可読の記録）"}, raw=True)


def _larger(*values: float) -> float | None:
    """The larger magnitude of the figures a difference is between (for its unit)."""
    sizes = [abs(v) for v in values if not math.isnan(v)]
    return max(sizes) if sizes else None


def _scope_code(scope) -> str:
    """An area code as text. papermill's `-p scope 00` passes the integer 0, so whole
    numbers get back their leading zeros: 0 -> '00', 47 -> '47', 1001 -> '01001'."""
    if isinstance(scope, bool) or not isinstance(scope, int):
        return str(scope)
    return f"{scope:05d}" if scope >= 1000 else f"{scope:02d}"


def open_section(section_id: str, *, snapshot: str, plan_file: str, scope: str,
                 fiscal_year: int) -> SectionReport:
    """Check the notebook's parameters and open the section.

    Raises:
        WorkbookError: with a short Japanese message (and the valid choices) when the
            snapshot, plan, scope or fiscal year is wrong.
    """
    snap, plan, engine = loaded.load(snapshot, plan_file)
    scope = _scope_code(scope)
    section_id = sections.require(section_id).slug
    snap.area(str(scope))  # raises with the nearest codes
    year = snap.checked_fiscal_year(fiscal_year, "パラメータ fiscal_year")
    return SectionReport(section_id, snap, plan, engine, str(scope), year, plan_file)
