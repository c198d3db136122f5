"""厚生年金保険（適用・事業所調査・徴収）: the breakdowns the plan asks for (P.14-23)."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label, month_end_label, shift_months
from helpers.engine import breakdowns
from helpers.engine.breakdowns import child_level, kpi_by_area
from helpers.report import plots
from helpers.report.formatting import format_ratio
from helpers.report.section import SectionReport
from helpers.report.suppression import count_cells
from helpers.report.tables import Table, styled

__all__ = ["monthly_bars", "priority_table", "inspections_monthly", "collection_table", "grace_table"]


def monthly_bars(r: SectionReport, kpi_id: str, title: str):
    """A flow KPI month by month (single months, not cumulative): this year and last."""
    kpi = r.plan.kpi(kpi_id)
    lines = breakdowns.monthly_single_lines(r.engine, kpi, r.scope, r.fiscal_year)
    return plots.year_lines(lines, title=title, unit=kpi.unit_label, x_title="月",
                            x_labels=[label.replace("月末", "月") for label in breakdowns.MONTH_LABELS])


def _counts_by_area(r: SectionReport, kpi_id: str, columns) -> tuple[pd.DataFrame, pd.DataFrame] | Markdown:
    """A KPI's counts for the areas one level below the scope, as table text with
    office cells suppressed. `columns(frame)` gives (label, values) pairs."""
    level = child_level(r.level)
    if level is None:
        return Markdown("年金事務所の範囲のため、内訳はない。")
    frame = kpi_by_area(r.engine, r.plan.kpi(kpi_id), r.scope, level, r.fiscal_year, r.period)
    table = pd.DataFrame({"地域": frame["name_ja"]})
    for label, values in columns(frame):
        table[label] = count_cells(values, frame["parent_code"], suppress=level == "office")
    return frame, table


def priority_table(r: SectionReport) -> Table | Markdown:
    """5人以上の適用調査対象事業所: listed, covered, share and remaining, by area."""
    found = _counts_by_area(r, "EP02", lambda f: (("対象事業所", f["denominator"]), ("適用済み", f["numerator"]),
                                                  ("未適用", f["denominator"] - f["numerator"])))
    if isinstance(found, Markdown):
        return found
    frame, table = found
    covered, listed = frame["numerator"], frame["denominator"]
    table["適用率"] = [format_ratio(c, t) for c, t in zip(covered, listed)]
    view = r.view("EP02")
    result = view.result
    total = {"地域": f"{r.scope_name}計", "対象事業所": f"{result.denominator:,.0f}",
             "適用済み": f"{result.numerator:,.0f}",
             "未適用": f"{result.denominator - result.numerator:,.0f}", "適用率": view.value_text}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return styled(table, uuid="ep-priority",
                  caption=f"5人以上の適用調査対象事業所の適用状況（{month_end_label(r.period)}現在、"
                          f"年度末までに100%を目指す）",
                  right_align=("対象事業所", "適用済み", "未適用", "適用率"))


def inspections_monthly(r: SectionReport):
    """事業所調査: monthly count (bars) and 指摘率 of the month (line)."""
    count = breakdowns.monthly_single(r.engine, r.plan.kpi("EP03"), r.scope, r.fiscal_year)
    rate = breakdowns.monthly_single(r.engine, r.plan.kpi("EP04"), r.scope, r.fiscal_year)
    labels = [f"{(3 + k) % 12 + 1}" for k in range(len(count))]
    fig, axes = plots.new_figure()
    ax = axes[0][0]
    ax.bar(range(len(count)), count.to_numpy(), color=plots.PALETTE["this"], label="調査件数（左軸）")
    ax.set_xticks(range(len(count)))
    ax.set_xticklabels(labels)
    ax.set_xlabel("月")
    ax.set_ylabel("件")
    plots.thousands(ax)
    ax2 = ax.twinx()
    ax2.plot(range(len(rate)), rate.to_numpy(), color=plots.PALETTE["accent"], marker="o", label="指摘率（右軸）")
    ax2.set_ylabel("%")
    plots.rate_span(ax2, "%")
    ax2.grid(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, ["調査件数（左軸）", "指摘率（右軸）"], loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    ax.set_title(f"事業所調査の実施件数と指摘率（{r.scope_name}、{fiscal_year_label(r.fiscal_year)}、月別）")
    return fig


def collection_table(r: SectionReport) -> Table:
    """徴収状況（累計）in the form of 主要統計 ③ (単位: 千円), this year and last."""
    rows = []
    for label, prefix in (("厚生年金保険", "ep"), ("健康保険", "hi")):
        for back in (0, 1):
            year = r.fiscal_year - back
            period = shift_months(r.period, -12 * back)
            assessed = r.engine.measure_value(f"{prefix}_assessed", r.scope, year, period)
            collected = r.engine.measure_value(f"{prefix}_collected", r.scope, year, period)
            rows.append({
                "区分": label,
                "時点": f"{month_end_label(period)}（{fiscal_year_label(year)}累計）",
                "徴収決定済額": f"{assessed / 1000:,.0f}",
                "収納済額": f"{collected / 1000:,.0f}",
                "収納未済額": f"{(assessed - collected) / 1000:,.0f}",
                "収納率": format_ratio(collected, assessed),
            })
    frame = pd.DataFrame(rows)
    return styled(frame, uuid="ep-collection",
                  caption=f"保険料の徴収状況（累計、{r.scope_name}）（単位: 千円）"
                          "　※健康保険の収納率は厚生年金と同じ定義と仮定",
                  right_align=("徴収決定済額", "収納済額", "収納未済額", "収納率"))


def grace_table(r: SectionReport) -> Table | Markdown:
    """法定猶予事業所 and the share paying at least new assessments, by area."""
    found = _counts_by_area(r, "EP08", lambda f: (("法定猶予事業所", f["denominator"]),
                                                  ("うち新規調定額以上の納付計画", f["numerator"])))
    if isinstance(found, Markdown):
        return found
    frame, table = found
    grace, plans = frame["denominator"], frame["numerator"]
    table["割合"] = [format_ratio(p, g) for p, g in zip(plans, grace)]
    return styled(table, uuid="ep-grace", caption=f"法定猶予の状況（{month_end_label(r.period)}現在）",
                  right_align=tuple(table.columns[1:]))
