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
from helpers.data.contract import LEVEL_LABELS, MEASURES, NATIONAL_CODE
from helpers.data.plan import DEFAULT_PLAN, Kpi, Plan, choose_plan
from helpers.data.quick_checks import snapshot_fiscal_year
from helpers.data.register import Register
from helpers.data.snapshot import Snapshot
from helpers.engine import breakdowns, loaded
from helpers.engine.item_progress import ItemProgress, item_progress
from helpers.engine.kpi import KpiEngine, KpiResult, meets_target
from helpers.report import narrative, plots
from helpers.report.item_model import ItemView, item_views
from helpers.report.model import JUDGED, KpiModel, KpiView, build_kpi_model, comparison_headings, report_period
from helpers.report.scale import DASH
from helpers.report.tables import Table, styled
from helpers.sections import registry as sections
from helpers.sections.registry import SCORECARD, SectionSpec

__all__ = ["SectionReport", "open_section", "SCORECARD", "KPI_COLUMNS"]

KPI_COLUMNS = ("ID", "指標", "実績", "時点", "前年同期", "前年同期比", "目標", "判定", "年度末見込み（幅）", "計画")


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
    _model: KpiModel | None = field(default=None, repr=False)

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
        return [k for k in self.plan.kpis if k.section in self.plan.report_section(self.section_id).kpi_sections]

    @property
    def model(self) -> KpiModel:
        """The report model of the section's KPIs at this scope: built once, and the
        only source of every figure and wording the page shows."""
        if self._model is None:
            self._model = build_kpi_model(self.engine, self.scope, self.fiscal_year, self._all_kpis())
        return self._model

    @property
    def views(self) -> list[KpiView]:
        """The section's KPIs that apply at the scope (judged, context or 全国値のみ)."""
        return list(self.model.views)

    def view(self, kpi_id: str) -> KpiView:
        """One KPI's view."""
        return self.model.view(kpi_id)

    @property
    def kpis(self) -> list[Kpi]:
        """The section's KPIs that concern the scope: a KPI about one area (沖縄県 for
        NP06 and NP07) only where the scope contains that area or lies inside it."""
        return [v.result.kpi for v in self.model.views]

    @property
    def kpis_outside_scope(self) -> list[Kpi]:
        """The section's KPIs about an area the scope does not concern."""
        return list(self.model.excluded)

    @property
    def period(self) -> dt.date:
        """The month end the report is about."""
        return report_period(self.snapshot.as_of, self.fiscal_year)

    @property
    def period_label(self) -> str:
        """The 対象時点 in words: '令和5年9月末' (the period's month end, not the snapshot's 基準日)."""
        return month_end_label(self.period)

    @property
    def results(self) -> list[KpiResult]:
        """The engine's results behind the views, in catalogue order."""
        return [v.result for v in self.model.views]

    def result(self, kpi_id: str) -> KpiResult:
        """One KPI's engine result."""
        return self.view(kpi_id).result

    def views_for(self, kpi_ids) -> list[KpiView]:
        """Views of any KPIs of the plan at this scope (those of other sections too),
        leaving out the KPIs about an area outside the scope."""
        mine = {v.id: v for v in self.model.views}
        others = [self.plan.kpi(k) for k in kpi_ids if k not in mine]
        theirs = {v.id: v for v in build_kpi_model(self.engine, self.scope, self.fiscal_year, others).views}
        return [mine.get(k) or theirs[k] for k in kpi_ids if k in mine or k in theirs]

    @property
    def register(self) -> Register:
        """The plan's register (every 計画事項 of the plan)."""
        return self.plan.register()

    @property
    def lead(self) -> str:
        """The section's lead paragraph, as the plan file words it for this plan year."""
        return self.plan.report_section(self.section_id).lead

    def items(self, whole_plan: bool = False) -> list[ItemProgress]:
        """The section's 計画事項 (or the whole plan's) at the snapshot's 基準日; none when
        the report's year is not the plan's."""
        if self.fiscal_year != self.plan.fiscal_year:
            return []
        parts = None if whole_plan or self.section_id == SCORECARD else self.register.parts_of(self.section_id)
        return item_progress(self.register, self.snapshot.progress, self.snapshot.as_of, parts)

    def item_views(self, whole_plan: bool = False) -> tuple[ItemView, ...]:
        """The 計画事項 as every 進捗管理表 shows them, with the statuses of their KPIs
        as this report's KPI tables write them."""
        items = self.items(whole_plan)
        linked = sorted({k for p in items for k in p.item.kpis})
        statuses = {v.id: v.status_text for v in self.views_for(linked)}
        return item_views(items, statuses, self.register.parts)

    # --- blocks ----------------------------------------------------------------------
    def header(self) -> Markdown:
        """Section, as-of date in 令和, scope, and a notice when the data is synthetic."""
        level = LEVEL_LABELS[self.level]
        lines = [
            f"**{md(self.plan.progress_title)}　{md(self.section_name)}**",
            "",
            md(self.lead),
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

    def kpi_frame(self, views: list[KpiView] | None = None) -> pd.DataFrame:
        """The KPI table as laid out from the model: value, 前年同期比, target as judged,
        status, projection; a target or definition that is not published carries
        （注n）, a projection held at 100% a ＊; `notes` gives the footnotes."""
        rows = [{
            "ID": v.id,
            "指標": v.name,
            "実績": v.value_text,
            "時点": v.period_text,
            "前年同期": v.prior_text,
            "前年同期比": v.change_text,
            "目標": v.target_shown,
            "判定": v.status_text,
            "年度末見込み（幅）": v.projection.text if v.projection else DASH,
            "計画": v.plan_page,
        } for v in (self.views if views is None else views)]
        # the columns even for a section without KPIs (a plan part tracked by items only)
        frame = pd.DataFrame(rows, columns=list(KPI_COLUMNS))
        chosen = self.views if views is None else views
        prior, change = comparison_headings(chosen)
        if prior == "前年同期・前年度":  # a table that mixes them says which, row by row
            frame.insert(frame.columns.get_loc("前年同期"), "比較の基準", [v.prior_basis for v in chosen])
        return frame.rename(columns={"前年同期": prior, "前年同期比": change})

    def comparison_headings(self) -> tuple[str, str]:
        """The KPI table's prior and difference headings (前年同期 in the year, 前年度 at its end)."""
        return comparison_headings(self.views)

    def notes(self) -> list[str]:
        """Footnotes of the KPI table (from the model)."""
        return list(self.model.notes)

    def kpi_table(self) -> Table:
        """The section's KPIs as a styled table, with its footnotes."""
        caption = f"{self.section_name}の指標（{self.scope_name}、{self.period_label}現在）"
        return styled(self.kpi_frame(), uuid=f"{self.section_id}-kpis", caption=caption,
                      status_column="判定", right_align=("実績", *self.comparison_headings()),
                      nowrap=("年度末見込み（幅）", "計画"),
                      notes=self.notes())

    def kpi_panel(self, view: KpiView) -> dict:
        """One KPI's chart panel: this year against earlier years, target, projection,
        in the view's display unit (万件 from 10万 up, 億円 for amounts).

        A target that applies to every month (予約率 90%以上) is a line across the
        months; a year-end target (前年度実績を上回る) is a mark at year end only, since
        in the year the KPI is judged against the same period of the prior year, which
        is the prior year's line. Legends carry the model's texts.
        """
        kpi = view.result.kpi
        area = kpi.area or self.scope
        lines, labels = breakdowns.year_lines_data(self.engine, kpi, area, self.fiscal_year)
        scale = view.scale
        lines = {label: values / scale.divisor for label, values in lines.items()}
        target = None if view.rule == "track" else scale.scaled(view.target)
        projection = None
        if view.projection is not None:
            p = view.projection
            projection = (p.low / scale.divisor, p.central / scale.divisor, p.high / scale.divisor)
        return {
            "lines": lines,
            "title": f"{view.id} {view.name}",
            "unit": scale.unit,
            "target": target,
            # a year-end target is a mark at year end; the legend says so, with the model's figure
            "target_label": (f"年度末の目標: {view.target_text}" if view.rule.endswith("prior_year")
                             else f"目標: {view.target_text}"),
            "target_at_year_end": view.rule.endswith("prior_year"),
            "projection": projection,
            "x_labels": labels,
        }

    def kpi_charts(self, kpi_ids: list[str] | None = None):
        """Small multiples, one panel per KPI (those with data in the scope)."""
        wanted = [v for v in self.views if (kpi_ids is None or v.id in kpi_ids)]
        panels = [self.kpi_panel(v) for v in wanted if v.has_value or v.result.kpi.derived]
        panels = [p for p in panels if p["lines"]]
        if not panels:
            return Markdown("この範囲には図示できる指標がない。")
        return plots.kpi_panels(panels, ncols=2 if len(panels) > 1 else 1)

    def month_misses(self) -> list[tuple[KpiView, list[tuple[dt.date, float]]]]:
        """For the service levels kept month by month (予約率, 待ち時間, 応答率: a fixed
        target on a monthly flow), the months of this fiscal year that missed it."""
        out = []
        for v in self.views:
            r, kpi = v.result, v.result.kpi
            if kpi.target_rule not in ("at_least", "below") or not kpi.numerator or not v.has_value:
                continue
            if v.applicability != JUDGED:
                continue
            if MEASURES[kpi.numerator].kind != "flow":
                continue
            months = breakdowns.monthly_single(self.engine, kpi, r.area_code, self.fiscal_year)
            start = dt.date(self.fiscal_year, 4, 30)
            missed = [(shift_months(start, int(k)), float(v)) for k, v in months.items()
                      if shift_months(start, int(k)) <= self.period
                      and not math.isnan(v) and meets_target(kpi, float(v), r.target) is False]
            out.append((v, missed))
        return out

    def narrative(self) -> Markdown:
        """The section's 所見, from the results by fixed templates: the KPIs, and the
        section's 計画事項 (late ones named), first when the section says so."""

        return Markdown(self.findings(f"{md(self.scope_name)}の{md(self.section_name)}"))

    @property
    def items_label(self) -> str:
        """How the 所見 names the items it counts: the section's, or the whole plan's on
        the scorecard; （全国） beside a scope below 全国 (the items are the plan's)."""
        where = "計画全体の計画事項" if self.section_id == SCORECARD else "この区分の計画事項"
        return where if self.scope == NATIONAL_CODE else f"{where}（全国）"

    @property
    def closed_year(self) -> bool:
        """Whether the report is at the end of its fiscal year (3月末 or later)."""
        return self.period >= dt.date(self.fiscal_year + 1, 3, 31)

    def findings(self, subject: str, extra: tuple[str, ...] = ()) -> str:
        """The 所見 of this report (`helpers.report.narrative.findings`)."""
        months_so_far = (self.period.year - self.fiscal_year) * 12 + self.period.month - 3
        return narrative.findings(self.views, self.item_views(whole_plan=self.section_id == SCORECARD),
                                  subject=subject, period_label=self.period_label, items_label=self.items_label,
                                  misses=self.month_misses(), months_so_far=months_so_far,
                                  year_label=f"{fiscal_year_label(self.fiscal_year)}" if self.closed_year else None,
                                  extra=extra)

    def provenance(self) -> Markdown:
        """Where the numbers come from (no clock time: outputs stay reproducible)."""
        tables = self.snapshot.manifest["tables"]
        lines = [
            f"- スナップショット: {md_code(self.snapshot.id)}（{md(self.snapshot.shown_path)}、"
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
        """Machine-readable values of this run (for tests, the report index and
        `run.json`): every KPI's view as plain data, as the KPI table writes it."""
        return {
            "section": self.section_id,
            "snapshot": self.snapshot.id,
            "scope": self.scope,
            "fiscal_year": self.fiscal_year,
            "period": self.period.isoformat(),
            "kpis": self.model.record(),
            "notes": self.notes(),
        }

    def show_record(self) -> None:
        """Display the record as JSON (rendered as a tree in JupyterLab; removed from
        the HTML reports)."""
        from IPython.display import display

        display({"application/json": self.record(), "text/plain": "（機械可読の記録）"}, raw=True)


def _scope_code(scope) -> str:
    """An area code as text. papermill's `-p scope 00` passes the integer 0, so whole
    numbers get back their leading zeros: 0 -> '00', 47 -> '47', 1001 -> '01001'."""
    if isinstance(scope, bool) or not isinstance(scope, int):
        return str(scope)
    return f"{scope:05d}" if scope >= 1000 else f"{scope:02d}"


def open_section(section_id: str, *, snapshot: str, plan_file: str | None, scope: str,
                 fiscal_year: int | None, year_name: str = "パラメータ fiscal_year") -> SectionReport:
    """Check the notebook's parameters and open the section.

    Raises:
        WorkbookError: with a short Japanese message (and the valid choices) when the
            snapshot, plan, scope or fiscal year is wrong. `fiscal_year` None is the
            snapshot's own year (so is 0, a notebook's default); `year_name` names the parameter in the message.
            `plan_file` None is the plan of the snapshot's fiscal year
            (`params/plan_fy<year>.yaml`), with a message naming it when it is missing.
    """
    if not plan_file:  # the plan of the snapshot's fiscal year (an unreadable manifest: the full check says why)
        year = snapshot_fiscal_year(snapshot)
        plan_file = choose_plan(None, year) if year else DEFAULT_PLAN
    snap, plan, engine = loaded.load(snapshot, plan_file)
    scope = _scope_code(scope)
    section_id = sections.require(section_id).slug
    snap.area(str(scope))  # raises with the nearest codes
    year = snap.fiscal_year if not fiscal_year else snap.checked_fiscal_year(fiscal_year, year_name)
    return SectionReport(section_id, snap, plan, engine, str(scope), year, plan_file)
