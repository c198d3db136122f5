"""国民年金（適用・収納）: the breakdowns the plan asks for (P.4-13), laid out as the
MHLW and JPS releases present them."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label, in_year_span_label, month_end, month_end_label, shift_months
from helpers.core.escaping import md
from helpers.data.reference import change_on_previous, load_reference
from helpers.engine import breakdowns
from helpers.engine.breakdowns import child_level, kpi_by_area
from helpers.report import plots
from helpers.report.formatting import format_ratio
from helpers.report.model import ROUNDING_NOTE
from helpers.report.section import SectionReport
from helpers.report.shared_figures import area_independent
from helpers.report.suppression import count_cells
from helpers.report.tables import Table, styled

__all__ = [
    "current_rate_build_up", "current_rate_table", "national_series", "streak_text", "area_spread",
    "office_levels", "lagging_offices", "okinawa_gap", "enforcement_funnel", "enforcement_table",
    "ex_officio_table", "national_series_note",
]

BIG_CITY_PREFECTURES = ("11", "12", "13", "14", "23", "27", "28")  # 大都市圏 (埼玉…兵庫)


def current_rate_build_up(r: SectionReport):
    """現年度納付率 month by month: this fiscal year against the earlier ones."""
    panel = r.kpi_panel(r.view("NP04"))
    panel["title"] = f"現年度納付率の推移（{r.scope_name}、各月末現在の累計）"
    return plots.year_lines(**panel)


def current_rate_table(r: SectionReport) -> Table:
    """Month-end table in the release's wording: 「令和5年4月～8月分（9月末現在）」."""
    view = r.view("NP04")
    kpi, scale = view.result.kpi, view.scale
    rows = []
    period = shift_months(month_end(r.fiscal_year, 4), 1)
    while period <= min(r.period, month_end(r.fiscal_year + 1, 4)):
        this = r.engine.evaluate(kpi, r.scope, r.fiscal_year, period)
        rows.append({"対象（現在）": in_year_span_label(period),
                     "納付率": scale.text(this.value),
                     "前年同期": scale.text(this.prior_value),
                     "前年同期比": scale.change_text(this.change),
                     "納付月数（万月）": f"{this.numerator / 10_000:,.1f}",
                     "納付対象月数（万月）": f"{this.denominator / 10_000:,.1f}"})
        period = shift_months(period, 1)
    frame = pd.DataFrame(rows)
    return styled(frame, uuid="np-current-months", caption=f"現年度納付率（{r.scope_name}）",
                  right_align=tuple(c for c in frame.columns if c != "対象（現在）"),
                  notes=[ROUNDING_NOTE] if rows else [])


def streak_text(changes: pd.Series) -> tuple[int, int]:
    """(length, first year) of the run of year-on-year rises ending at the last year,
    from each year's change on the previous one (published where the source gave it).

    >>> streak_text(pd.Series({2020: 2.2, 2021: 2.4, 2022: 2.2}))
    (3, 2020)
    """
    length, first = 0, int(changes.index.max())
    for year in sorted(changes.index, reverse=True):
        if changes[year] > 0:
            length, first = length + 1, int(year)
        else:
            break
    return length, first


def _published_rates(r: SectionReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The national 現年度納付率 and 最終納付率 rows published by the report's date."""
    ref = load_reference("national_payment_rates.csv", known_on=r.period)
    ref = ref[ref["area_code"] == "00"]
    return ref[ref["metric"] == "current_rate"], ref[ref["metric"] == "final_rate"]


@area_independent
def national_series(r: SectionReport):
    """The real national series (公表値) known at the report's date: 現年度納付率 FY2002–
    and 最終納付率 by premium year, with the run of consecutive rises the plan aims to
    extend to 12 years."""
    current, final = _published_rates(r)
    rates = current.set_index("premium_fy")["value"].sort_index()
    length, first = streak_text(change_on_previous(current, "premium_fy").dropna())
    last = int(rates.index.max())
    fig = plots.line_series(
        {"現年度納付率": rates, "最終納付率（保険料年度別）": final.set_index("premium_fy")["value"].sort_index()},
        title=(f"国民年金保険料の納付率の推移（公表値、{fiscal_year_label(int(rates.index.min()))}～"
               f"{fiscal_year_label(last)}）"),
        unit="%",
        shade=(first - 0.5, last + 0.5, f"現年度納付率 {length}年連続の上昇"),
        x_format=fiscal_year_label,
    )
    ax = fig.axes[0]
    ax.set_xlabel("年度（最終納付率は保険料の年度）")
    return fig


def national_series_note(r: SectionReport) -> Markdown:
    """The facts of the real series known at the report's date, in words, with the
    final-rate trap spelled out. Differences are the published ones."""
    current, final = _published_rates(r)
    changes = change_on_previous(current, "premium_fy")
    rates = current.set_index("premium_fy")["value"]
    length, first = streak_text(changes.dropna())
    last = int(rates.index.max())
    latest_final = final.sort_values("premium_fy").iloc[-1]
    premium = int(latest_final["premium_fy"])
    known = f"{month_end_label(r.period)}時点で公表されている値"
    # the plan's aim in its own words (「12年連続の前年比向上」), never a count made here
    wording = next((k.aim for k in r.plan.kpis if k.id == "NP04" and k.aim), None)
    aim = (f"{md(r.plan.title)}は「{md(wording)}」を目標としている" if wording
           else f"{md(r.plan.title)}は現年度納付率の連続向上を目標の言葉としていない")
    return Markdown(
        f"{known}では、現年度納付率は{fiscal_year_label(first)}から{fiscal_year_label(last)}まで"
        f"{length}年連続で向上し、{fiscal_year_label(last)}は{rates[last]:.1f}%である"
        f"（前年度差 {changes[last]:+.1f}ポイント）。すなわち「{fiscal_year_label(last)}まで{length}年連続の"
        f"向上（{rates[last]:.1f}%）」であり、{aim}。最終納付率の直近値 {latest_final['value']:.1f}% は"
        f"「{fiscal_year_label(int(latest_final['measured_fy']))}の最終納付率」として公表された"
        f"{fiscal_year_label(premium)}分保険料の率であり、{fiscal_year_label(int(latest_final['measured_fy']))}分"
        f"保険料の率ではない。{fiscal_year_label(r.fiscal_year)}の納付率は翌年度の4月末までの納付で確定し、6月下旬～7月上旬に公表される。"
    )


def area_spread(r: SectionReport):
    """現年度納付率 over the areas one level below the scope, against the scope's rate."""
    level = child_level(r.level)
    if level is None:
        return Markdown("年金事務所の範囲のため、内訳はない。")
    if r.level == "national":
        level = "prefecture"
    kpi = r.plan.kpi("NP04")
    frame = kpi_by_area(r.engine, kpi, r.scope, level, r.fiscal_year, r.period)
    values = frame.set_index("name_ja")["value"]
    if values.dropna().empty:
        return Markdown(_no_rate_yet(r))
    highlight = [n for n in values.index if n.startswith("沖縄")]
    return plots.bar_ranking(
        values, title=f"現年度納付率（{in_year_span_label(r.period)}）の{r.scope_name}内の分布",
        unit="%", reference=r.view("NP04").value, reference_label=f"{r.scope_name} {r.view('NP04').value_text}",
        highlight=highlight)


def _no_rate_yet(r: SectionReport) -> str:
    """Why a breakdown of 現年度納付率 is empty: the view's own reason."""
    reason = r.view("NP04").missing_reason
    return f"現年度納付率の内訳はまだない（{reason}）。" if reason else "現年度納付率の内訳を示すデータがない。"


def _office_frame(r: SectionReport) -> pd.DataFrame:
    kpi = r.plan.kpi("NP04")
    frame = kpi_by_area(r.engine, kpi, r.scope, "office", r.fiscal_year, r.period)
    prior = kpi_by_area(r.engine, kpi, r.scope, "office", r.fiscal_year - 1, shift_months(r.period, -12))
    frame["prior"] = prior["value"].to_numpy()
    frame["group"] = ["沖縄県" if p == "47" else "大都市圏" if p in BIG_CITY_PREFECTURES else "その他"
                      for p in frame["parent_code"]]
    return frame


def office_levels(r: SectionReport):
    """Offices by size (納付対象月数) and level (現年度納付率): which lag."""
    frame = _office_frame(r).dropna(subset=["value"])
    if frame.empty:
        return Markdown(_no_rate_yet(r))
    if len(frame) < 2:
        return Markdown("この範囲には比べる年金事務所がない。")
    frame["size"] = frame["denominator"] / 10_000
    return plots.scatter_levels(
        frame, x="size", y="value", groups="group", reference=r.result("NP04").value,
        title=f"年金事務所の規模と現年度納付率（{in_year_span_label(r.period)}）",
        xlabel="納付対象月数（万月、対数目盛）", ylabel="現年度納付率（%）")


def lagging_offices(r: SectionReport, count: int = 10) -> Table | Markdown:
    """The offices with the lowest rates in the scope, with size and change."""
    frame = _office_frame(r)
    if frame.empty:
        return Markdown("この範囲には年金事務所がない。")
    frame = frame.dropna(subset=["value"])
    if frame.empty:
        return Markdown(_no_rate_yet(r))
    if len(frame) < 2:
        return Markdown("この範囲には比べる年金事務所がない。")
    scale = r.view("NP04").scale
    low = frame.sort_values(["value", "area_code"]).head(count)
    table = pd.DataFrame({
        "年金事務所": low["name_ja"],
        "区分": low["group"],
        "納付対象月数（万月）": [f"{v / 10_000:,.1f}" for v in low["denominator"]],
        "現年度納付率": [scale.text(v) for v in low["value"]],
        "前年同期比": [scale.change_text(v - p) for v, p in zip(low["value"], low["prior"])],
    })
    return styled(table, uuid="np-lagging", caption=f"現年度納付率の低い年金事務所（{r.scope_name}、下位{len(low)}）",
                  right_align=("納付対象月数（万月）", "現年度納付率", "前年同期比"), notes=[ROUNDING_NOTE])


@area_independent
def okinawa_gap(r: SectionReport):
    """Okinawa against the nation, month by month over the snapshot; the gap in its own
    panel below (one axis per panel, never a second y axis)."""
    kpi = r.plan.kpi("NP04")
    national = breakdowns.time_series(r.engine, kpi, "00")
    okinawa = breakdowns.time_series(r.engine, kpi, "47")
    if national.dropna().empty:
        return plots.no_data("沖縄県と全国の現年度納付率")
    gap = national - okinawa
    fig, axes = plots.new_figure(height=6.0, nrows=2)
    plots.line_series({"全国": national, "沖縄県": okinawa}, ax=axes[0][0], unit="%",
                      title="沖縄県と全国の現年度納付率（各月末の年度内累計、4月末は前年度の確定値）")
    plots.line_series({"差（全国－沖縄県）": gap}, ax=axes[1][0], unit="ポイント",
                      title="沖縄県と全国の差")
    return fig


def enforcement_funnel(r: SectionReport):
    """最終催告状 → 督促状 → 差押, fiscal year to date, this year and the two before."""
    ids = [("NP09", "最終催告状"), ("NP10", "督促状"), ("NP11", "差押")]
    columns = {}
    for back in range(2, -1, -1):
        year = r.fiscal_year - back
        if year < int(r.snapshot.manifest["first_fiscal_year"]):
            continue
        period = shift_months(r.period, -12 * back)
        columns[fiscal_year_label(year)] = [r.engine.value(r.plan.kpi(k), r.scope, year, period)[0]
                                            for k, _ in ids]
    stages = pd.DataFrame(columns, index=[name for _, name in ids])
    return plots.funnel_bars(stages, title=f"強制徴収の実施状況（{r.scope_name}、各年度4月～{r.period.month}月累計）",
                             unit="件")


def enforcement_table(r: SectionReport) -> Table:
    """Counts and the derived 督促率 (督促状 ÷ 最終催告状) and 差押率 (差押 ÷ 督促状)."""
    rows = []
    for back in (1, 0):
        year = r.fiscal_year - back
        period = shift_months(r.period, -12 * back)
        notices, demands, seizures = (r.engine.value(r.plan.kpi(k), r.scope, year, period)[0]
                                      for k in ("NP09", "NP10", "NP11"))
        rows.append({"年度": f"{fiscal_year_label(year)}（4月～{period.month}月）",
                     "最終催告状（件）": f"{notices:,.0f}", "督促状（件）": f"{demands:,.0f}",
                     "差押（件）": f"{seizures:,.0f}",
                     "督促率": format_ratio(demands, notices),
                     "差押率": format_ratio(seizures, demands)})
    frame = pd.DataFrame(rows)
    return styled(frame, uuid="np-enforcement", caption=f"強制徴収の実施状況（{r.scope_name}）",
                  right_align=tuple(frame.columns[1:]))


def ex_officio_table(r: SectionReport) -> Table | Markdown:
    """職権適用 (20歳, 34・44・54歳, 外国人) by area below the scope; office cells of
    1 or 2 persons are suppressed (x), with complementary suppression."""
    level = child_level(r.level)
    if level is None:
        return Markdown("年金事務所の範囲のため、内訳はない。")
    ids = [("NP01", "20歳"), ("NP02", "34・44・54歳"), ("NP03", "外国人")]
    frames = [kpi_by_area(r.engine, r.plan.kpi(k), r.scope, level, r.fiscal_year, r.period) for k, _ in ids]
    table = pd.DataFrame({"地域": frames[0]["name_ja"]})
    for (_, label), frame in zip(ids, frames):
        table[f"{label}（人）"] = count_cells(frame["value"], frame["parent_code"], suppress=level == "office")
    totals = {f"{label}（人）": "—" if r.view(k).value is None else f"{r.view(k).value:,.0f}" for k, label in ids}
    table = pd.concat([table, pd.DataFrame([{"地域": f"{r.scope_name}計", **totals}])], ignore_index=True)
    note = "（x は1～2人のため秘匿。合計から逆算できないよう、同じ地域の別の1事務所も秘匿）" if level == "office" else ""
    return styled(table, uuid="np-ex-officio",
                  caption=f"職権適用者数（{r.scope_name}、{fiscal_year_label(r.fiscal_year)}4月～{r.period.month}月累計）{note}",
                  right_align=tuple(table.columns[1:]))
