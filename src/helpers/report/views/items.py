"""計画事項（items of the plan）: where each stands at the 基準日, their dated
milestones on a timeline, and a 進捗管理表. Used by every section for its own part of
the plan, and by the scorecard for the whole plan."""

from __future__ import annotations

from collections import Counter

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label, month_end_label, month_label
from helpers.core.statuses import ITEM_STATUSES, chart_colors
from helpers.report import plots
from helpers.report.item_model import ITEM_COLUMNS, ITEM_NOTES, YEAR_END_COLUMN, short_title
from helpers.report.section import SectionReport
from helpers.report.shared_figures import area_independent
from helpers.report.tables import Table, styled

__all__ = ["items_table", "milestone_timeline", "items_overview", "ITEM_COLORS"]

ITEM_COLORS = chart_colors(ITEM_STATUSES)


def items_table(r: SectionReport, whole_plan: bool = False) -> Table | Markdown:
    """The section's 計画事項 (or, for the scorecard, the whole plan's), one row per
    deliverable: the plan's words, 予定 and 実績 (完了日), status at the 基準日, the
    analyst's 取組状況 and self-assessment, and the statuses of the KPIs that measure
    the item; in a closed year, each item's 年度末の実施状況. Late items first."""
    items = r.item_views(whole_plan=whole_plan)
    if not items:
        return Markdown(f"この年度の計画事項はない（計画事項の一覧は{fiscal_year_label(r.plan.fiscal_year)}計画のもの）。")
    order = {s: i for i, s in enumerate(ITEM_STATUSES)}
    items = sorted(items, key=lambda v: (order[v.status], v.id))
    columns = list(ITEM_COLUMNS) + ([YEAR_END_COLUMN] if items[0].year_end is not None else [])
    frame = pd.DataFrame([row for v in items for row in v.rows(repeat=False)], columns=columns)
    counts = Counter(v.status for v in items)
    summary = "、".join(f"{s}{counts[s]}" for s in ITEM_STATUSES if counts[s])
    deliverables = sum(len(v.deliverables) for v in items)
    return styled(frame, uuid=f"{r.section_id}-items",
                  caption=f"計画事項の進捗（{month_end_label(r.snapshot.as_of)}現在、{len(items)}件・取組{deliverables}件: "
                          f"{summary}）",
                  status_column="状況", nowrap=("ID", "予定", "実績（完了日）", "自己評価"), notes=list(ITEM_NOTES))


@area_independent
def milestone_timeline(r: SectionReport, whole_plan: bool = False):
    """The dated deliverables of the section's items (開始 and 期限 months), one row
    each, coloured by the deliverable's status, with the 基準日 marked. Row labels are
    whole phrases and nothing is written beside the marks, so no two labels overlap."""
    items = r.item_views(whole_plan=whole_plan)
    rows = [(v, d) for v in items for d in v.deliverables if d.kind != "年度内"]
    if not rows:
        return Markdown("この区分の計画事項には、計画に書かれた月（開始・期限）のある取組がない。")
    in_year = sum(1 for v in items for d in v.deliverables if d.kind == "年度内")
    fig, axes = plots.new_figure(width=9.0, height=1.4 + 0.42 * len(rows))
    ax = axes[0][0]
    for y, (_, d) in enumerate(rows):
        ax.scatter([pd.Timestamp(d.due)], [y], s=70, marker="o" if d.kind == "開始" else "D",
                   color=ITEM_COLORS[d.status], zorder=3)
    ax.set_yticks(range(len(rows)))
    # the status in words beside each row: never told by the mark's colour alone
    ax.set_yticklabels([f"{v.id} {d.id} {short_title(v.title)}（{d.due_text}、{d.status}）" for v, d in rows],
                       fontsize=8)
    ax.invert_yaxis()
    ax.set_ylim(len(rows) - 0.5, -0.7)
    ax.axvline(pd.Timestamp(r.snapshot.as_of), color=plots.PALETTE["target"], linestyle="--", linewidth=1.2,
               label=f"基準日（{month_end_label(r.snapshot.as_of)}）")
    for status in dict.fromkeys(d.status for _, d in rows):
        ax.scatter([], [], marker="s", color=ITEM_COLORS[status], label=status)
    ax.scatter([], [], marker="o", color="#555555", label="開始の月")
    ax.scatter([], [], marker="D", color="#555555", label="期限の月")
    dates = [pd.Timestamp(d.due) for _, d in rows] + [pd.Timestamp(r.snapshot.as_of)]
    start, end = min(dates) - pd.DateOffset(months=1), max(dates) + pd.DateOffset(months=1)
    months = pd.date_range(start, end, freq="ME")
    step = max(1, -(-len(months) // 5))  # at most five: the axis is narrowed by the legend beside it
    ax.set_xlim(start, end)
    ax.set_xticks(months[::step])
    ax.set_xticklabels([month_label(m.date()) for m in months[::step]], rotation=0, fontsize=8)
    title = "計画事項の取組の予定（開始・期限の月）"
    ax.set_title(title if not in_year else f"{title}。月の定めのない取組{in_year}件は年度末が期日", fontsize=10)
    plots.legend_right(ax)
    return fig


@area_independent
def items_overview(r: SectionReport):
    """Stacked bars: the plan's twelve parts by the status of their items."""
    items = r.items(whole_plan=True)
    if not items:
        return Markdown("この年度の計画事項はない。")
    register = r.register
    counts = pd.DataFrame(0, index=[p.label for p in register.parts], columns=list(ITEM_STATUSES))
    for p in items:
        counts.loc[register.part(p.item.part).label, p.status] += 1
    counts = counts.loc[:, counts.sum(axis=0) > 0]
    return plots.stacked_counts(counts, ITEM_COLORS, xlabel="計画事項の数",
                                title=f"計画の各部の計画事項の状況（{month_end_label(r.snapshot.as_of)}現在）")
