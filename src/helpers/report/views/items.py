"""計画事項（items of the plan）: where each stands at the 基準日, their dated
milestones on a timeline, and a 進捗管理表. Used by every section for its own part of
the plan, and by the scorecard for the whole plan."""

from __future__ import annotations

from collections import Counter

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label, month_end_label, month_label
from helpers.core.statuses import ITEM_STATUSES, chart_colors
from helpers.data.register import milestone_text
from helpers.report import plots
from helpers.report.item_model import ITEM_COLUMNS
from helpers.report.section import SectionReport
from helpers.report.shared_figures import area_independent
from helpers.report.tables import Table, styled

__all__ = ["items_table", "milestone_timeline", "items_overview", "milestone_text",
           "ITEM_COLORS"]

ITEM_COLORS = chart_colors(ITEM_STATUSES)


def items_table(r: SectionReport, whole_plan: bool = False) -> Table | Markdown:
    """The section's 計画事項 (or, for the scorecard, the whole plan's) with their
    milestones, status at the 基準日, the analyst's 取組状況 and self-assessment, and
    the statuses of the KPIs that measure them. Late items first."""
    items = r.item_views(whole_plan=whole_plan)
    if not items:
        return Markdown(f"この年度の計画事項はない（計画事項の一覧は{fiscal_year_label(r.plan.fiscal_year)}計画のもの）。")
    order = {s: i for i, s in enumerate(ITEM_STATUSES)}
    items = sorted(items, key=lambda v: (order[v.status], v.id))
    frame = pd.DataFrame([v.row() for v in items], columns=list(ITEM_COLUMNS))
    counts = Counter(p.status for p in items)
    summary = "、".join(f"{s}{counts[s]}" for s in ITEM_STATUSES if counts[s])
    notes = ["状況: 遅延は、期日（開始・期限の月）の末日が基準日より前に過ぎ、開始していない（期限なら完了していない）"
             "計画事項である。未報告はスナップショットに報告の行がない計画事項である。"]
    return styled(frame, uuid=f"{r.section_id}-items",
                  caption=f"計画事項の進捗（{month_end_label(r.snapshot.as_of)}現在、{len(items)}件: {summary}）",
                  status_column="状況", nowrap=("頁", "自己評価"), notes=notes)


@area_independent
def milestone_timeline(r: SectionReport, whole_plan: bool = False):
    """The dated milestones of the section's items on one time axis, coloured by the
    item's status, with the 基準日 marked."""
    items = [p for p in r.items(whole_plan=whole_plan) if any(m.tracked for m in p.item.milestones)]
    title = "計画事項の期日"
    if not items:
        return Markdown("この区分の計画事項には、計画に書かれた期日（開始・期限の月）がない。")
    fig, axes = plots.new_figure(width=9.0, height=1.0 + 0.45 * len(items))
    ax = axes[0][0]
    labels = []
    for y, p in enumerate(items):
        for m in p.item.milestones:
            if not m.tracked:
                continue
            late = m in p.late
            color = ITEM_COLORS["遅延"] if late else ITEM_COLORS[p.status]
            ax.scatter([pd.Timestamp(m.due)], [y], s=70, marker="o" if m.kind == "開始" else "D", color=color,
                       zorder=3)
            ax.annotate(milestone_text(m), (pd.Timestamp(m.due), y), xytext=(6, 4), textcoords="offset points",
                        fontsize=8)
        labels.append(f"{p.item.id} {p.item.title[:18]}（{p.status}）")
    ax.axvline(pd.Timestamp(r.snapshot.as_of), color=plots.PALETTE["target"], linestyle="--", linewidth=1.2,
               label=f"基準日（{month_end_label(r.snapshot.as_of)}）")
    ax.scatter([], [], marker="o", color="#555555", label="開始の月")
    ax.scatter([], [], marker="D", color="#555555", label="期限の月")
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_ylim(len(items) - 0.5, -0.7)
    dates = [pd.Timestamp(m.due) for p in items for m in p.item.milestones if m.tracked]
    dates.append(pd.Timestamp(r.snapshot.as_of))
    start, end = min(dates) - pd.DateOffset(months=1), max(dates) + pd.DateOffset(months=2)
    ax.set_xlim(start, end)
    months = pd.date_range(start, end, freq="ME")
    step = max(1, len(months) // 8)
    ax.set_xticks(months[::step])
    ax.set_xticklabels([month_label(d.date()) for d in months[::step]], rotation=30, ha="right")
    ax.set_title(title)
    plots.legend_right(ax)
    return fig


@area_independent
def items_overview(r: SectionReport):
    """Stacked bars: the plan's twelve parts by the status of their items."""
    items = r.items(whole_plan=True)
    if not items:
        return Markdown("この年度の計画事項はない。")
    register = r.register
    parts = [f"({p.part}) {p.name}" for p in register.parts]
    counts = pd.DataFrame(0, index=parts, columns=list(ITEM_STATUSES))
    for p in items:
        part = register.part(p.item.part)
        counts.loc[f"({part.part}) {part.name}", p.status] += 1
    return plots.stacked_counts(counts, ITEM_COLORS, xlabel="計画事項の数",
                                title=f"計画の各部の計画事項の状況（{month_end_label(r.snapshot.as_of)}現在）")
