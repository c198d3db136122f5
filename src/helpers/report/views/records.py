"""年金記録 (P.33-35): the record clean-up over time, with the published points known at
the report's date, and the linkage with My Number toward completeness."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import month_end_label
from helpers.data.reference import load_reference
from helpers.engine import breakdowns
from helpers.report import plots
from helpers.report.section import SectionReport
from helpers.report.shared_figures import area_independent
from helpers.report.tables import Table, styled

__all__ = ["records_trend", "mynumber_trend", "mynumber_lowest"]


@area_independent
def records_trend(r: SectionReport):
    """未統合記録 over the snapshot (month end, 万件), with the published points known
    at the report's date."""
    kpi = r.plan.kpi("RC01")
    series = breakdowns.time_series(r.engine, kpi, "00") / 10_000
    if series.dropna().empty:
        return plots.no_data("未統合記録の推移")
    ref = load_reference("unconsolidated_records.csv", known_on=r.period)
    published = ref[(ref["metric"] == "records_unresolved") & (ref["measured_fy"] >= 2021)]
    lines = {"スナップショット（月末）": series}
    if not published.empty:
        lines["公表値"] = pd.Series(published["value"].to_numpy(), index=pd.to_datetime(published["as_of"]))
    return plots.line_series(lines, title="未統合記録（解明作業中又はなお解明を要する記録）の推移", unit="万件",
                             from_zero=False)


def mynumber_trend(r: SectionReport):
    """マイナンバー紐付け率 month by month toward 100%."""
    kpi = r.plan.kpi("RC02")
    series = breakdowns.time_series(r.engine, kpi, r.scope)
    if series.dropna().empty:
        return plots.no_data("基礎年金番号とマイナンバーの紐付け率")
    fig = plots.line_series({f"紐付け率（{r.scope_name}）": series},
                            title="基礎年金番号とマイナンバーの紐付け率", unit="%")
    ax = fig.axes[0]
    # The plan aims at complete linkage with no figure for the year: the line marks 100%,
    # worded as the plan words the aim, not as a target the year is judged against.
    ax.axhline(100.0, color=plots.PALETTE["target"], linestyle="--", linewidth=1.0,
               label=f"計画: {r.view('RC02').target_text}")
    plots.legend_right(ax)
    return fig


def mynumber_lowest(r: SectionReport, count: int = 10) -> Table | Markdown:
    """The areas below the scope with the lowest linkage and the people not yet linked."""
    level = breakdowns.child_level(r.level)
    if level is None:
        return Markdown("年金事務所の範囲のため、内訳はない。")
    if r.level == "national":
        level = "prefecture"
    kpi = r.plan.kpi("RC02")
    frame = breakdowns.kpi_by_area(r.engine, kpi, r.scope, level, r.fiscal_year, r.period)
    low = frame.sort_values(["value", "area_code"]).head(count)
    table = pd.DataFrame({"地域": low["name_ja"],
                          "紐付け率": [f"{v:.2f}%" for v in low["value"]],
                          "未紐付け（人）": [f"{d - n:,.0f}" for n, d in zip(low["numerator"], low["denominator"])]})
    return styled(table, uuid="rc-lowest",
                  caption=f"紐付け率の低い地域（{month_end_label(r.period)}現在、下位{len(low)}）",
                  right_align=("紐付け率", "未紐付け（人）"))
