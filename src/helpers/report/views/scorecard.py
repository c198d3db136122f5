"""The scorecard: every KPI of the plan on one page, a summary for management, and
links to the section notebooks (or their HTML reports)."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label
from helpers.core.escaping import md
from helpers.core.statuses import KPI_STATUSES, chart_colors
from helpers.report import narrative, plots
from helpers.report.section import SectionReport
from helpers.report.tables import Table, styled
from helpers.sections.registry import SCORECARD, SECTIONS

__all__ = ["scorecard_table", "executive_summary", "status_chart", "section_links", "changes"]


def scorecard_table(r: SectionReport) -> Table:
    """All KPIs with their section, value, 前年同期比, target, status and projection."""
    names = {s.id: s.name_ja for s in r.plan.sections}
    frame = r.kpi_frame()
    frame.insert(0, "区分", [names[v.section] for v in r.views])
    return styled(frame, uuid="scorecard-kpis",
                  caption=f"{fiscal_year_label(r.plan.fiscal_year)}計画の全指標（{r.scope_name}、{r.period_label}現在）",
                  status_column="判定", right_align=("実績", *r.comparison_headings()),
                  nowrap=("年度末見込み（幅）", "計画"), notes=r.notes())


def executive_summary(r: SectionReport) -> Markdown:
    """A short summary in Japanese: counts by status, by section, and what needs attention."""
    names = {s.id: s.name_ja for s in r.plan.sections}
    subject = f"{md(r.scope_name)}における{fiscal_year_label(r.plan.fiscal_year)}計画の全指標"
    return Markdown(r.findings(subject, extra=tuple(narrative.section_counts(r.views, names))))


def status_chart(r: SectionReport):
    """Stacked bars: how many KPIs of each section have each status."""
    names = {s.id: s.name_ja for s in r.plan.sections}
    counts = pd.DataFrame(0, index=[names[s.id] for s in r.plan.sections], columns=list(KPI_STATUSES))
    for section in r.plan.sections:
        for status, n in narrative.status_counts([v for v in r.views if v.section == section.id]).items():
            counts.loc[names[section.id], status] = n
    counts = counts[counts.sum(axis=1) > 0]
    return plots.stacked_counts(counts, chart_colors(KPI_STATUSES), title=f"区分別の判定（{r.scope_name}、{r.period_label}現在）",
                                xlabel="指標数", height=3.6)


def changes(r: SectionReport, compare_with: str = "auto") -> Markdown:
    """「前回からの変化」: against `compare_with` (a snapshot id or folder; "auto" the
    latest earlier snapshot under data/snapshots/, "none" no comparison)."""
    from helpers.report.compare import compare, comparison_markdown, earlier_snapshot

    if compare_with == "none":
        return Markdown("前回との比較は行わない（compare_with = none）。")
    ref = earlier_snapshot(r.snapshot) if compare_with == "auto" else compare_with
    if ref is None:
        return Markdown("比べる前回のスナップショット（基準日がこれより前のもの）はない。")
    return Markdown(comparison_markdown(compare(ref, r.snapshot, r.plan, r.scope, after_engine=r.engine)))


def section_links(r: SectionReport, suffix: str = ".ipynb") -> Markdown:
    """Links to each section's page (suffix '.html' in published reports), with the
    statuses of its KPIs."""
    lines = []
    for spec in SECTIONS:
        if spec.slug == SCORECARD:
            continue
        views = [v for v in r.views if v.section in r.plan.report_section(spec.slug).kpi_sections]
        statuses = "、".join(f"{md(v.name)} {v.status}" for v in views if v.is_judged)
        lines.append(f"- [{md(spec.title)}](<{quote(spec.notebook + suffix)}>)" + (f"　{statuses}" if statuses else ""))
    return Markdown("\n".join(lines))
