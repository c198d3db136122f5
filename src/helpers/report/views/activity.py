"""Activities the plan counts but sets no KPI for (計画の(5)(9)(12)): ホームページ, SNS,
年金セミナー, ねんきんネットとマイナポータル経由の利用, 時間外勤務, 年次休暇, 事務処理誤り.
Shown as 実績把握: this fiscal year to date against the same period a year earlier,
month by month. National-only figures read as 全国 in a sub-national report."""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label, month_end, month_label, shift_months
from helpers.data.contract import BREAKDOWNS, FORMS, MEASURES, NATIONAL_CODE
from helpers.engine.rates import ratio
from helpers.report import plots
from helpers.report.formatting import format_count
from helpers.report.model import ROUNDING_NOTE
from helpers.report.section import SectionReport
from helpers.report.tables import Table, styled

__all__ = ["INFORMATION", "OPERATIONS", "activity_table", "activity_panels", "work_style_table",
           "efiling_by_form"]

# 年金セミナー and 年金制度説明会 apart, as the plan counts them; their total only for a
# snapshot that does not give the two
INFORMATION = ("hp_page_views", "sns_posts", "pension_seminars", "system_briefings", "seminars_held",
               "nenkin_net_logins", "mynaportal_logins")
OPERATIONS = ("overtime_hours", "leave_days_taken", "clerical_errors")


def _area(r: SectionReport, measure: str) -> str:
    return NATIONAL_CODE if MEASURES[measure].level == "national" else r.scope


def _to_date(r: SectionReport, measure: str, fiscal_year: int, period) -> float:
    return r.engine.measure_value(measure, _area(r, measure), fiscal_year, period)


def _span(r: SectionReport) -> str:
    """The months summed, in the form the KPI tables use: 「令和5年4月～9月」."""
    start = month_end(r.fiscal_year, 4)
    if r.period == start:
        return month_label(start)
    if r.period.year == start.year:
        return f"{month_label(start)}～{r.period.month}月"
    return f"{month_label(start)}～{month_label(r.period)}"


def activity_table(r: SectionReport, measures: tuple[str, ...]) -> Table | Markdown:
    """Each activity's total from April to the 基準日, the same period a year earlier and
    the change (実績把握: the plan sets no number for them)."""
    rows = []
    prior_period = shift_months(r.period, -12)
    shown: set[str] = set()
    for name in measures:
        spec = MEASURES[name]
        if set(BREAKDOWNS.get(name, ())) and set(BREAKDOWNS[name]) <= shown:
            continue  # its parts are in the table: the total would say it twice
        this = _to_date(r, name, r.fiscal_year, r.period)
        last = _to_date(r, name, r.fiscal_year - 1, prior_period)
        if math.isnan(this):
            continue
        shown.add(name)
        growth = ratio(this - last, last)
        change = "—" if math.isnan(growth) else f"{growth:+.1f}%"
        where = "全国" if _area(r, name) == NATIONAL_CODE and r.scope != NATIONAL_CODE else r.scope_name
        scale = this if math.isnan(last) else max(this, last)
        rows.append({"項目": spec.label_ja, "範囲": where, f"実績（{_span(r)}）": format_count(this, spec.unit, scale_of=scale),
                     "前年同期": "—" if math.isnan(last) else format_count(last, spec.unit, scale_of=scale),
                     "前年同期比": change})
    if not rows:
        return Markdown("この範囲・期間のデータはない。")
    frame = pd.DataFrame(rows)
    return styled(frame, uuid=f"{r.section_id}-activities", caption=f"取組の実績（実績把握、{_span(r)}累計）",
                  right_align=tuple(frame.columns[2:]), notes=["前年同期比は四捨五入前の値による増減率である。"])


def activity_panels(r: SectionReport, measures: tuple[str, ...]):
    """Month by month (each month's own figure), this fiscal year and the one before."""
    labels = [f"{(3 + k) % 12 + 1}月" for k in range(12)]
    panels = []
    for name in measures:
        spec = MEASURES[name]
        lines = {}
        for year in (r.fiscal_year, r.fiscal_year - 1):
            values = {}
            for k in range(12):
                period = shift_months(month_end(year, 4), k)
                if period > min(r.snapshot.as_of, month_end(year + 1, 3)):
                    break
                now = _to_date(r, name, year, period)
                before = 0.0 if k == 0 else _to_date(r, name, year, shift_months(period, -1))
                values[k] = now - before
            if values and not all(math.isnan(v) for v in values.values()):
                lines[fiscal_year_label(year)] = pd.Series(values, dtype="float64")
        if not lines:
            continue
        largest = max(float(v.abs().max()) for v in lines.values())
        unit, scale = (f"万{spec.unit}", 1e4) if largest >= 100_000 else (spec.unit, 1.0)
        panels.append({"lines": {k: v / scale for k, v in lines.items()}, "title": f"{spec.label_ja}（月別）",
                       "unit": unit, "x_labels": labels, "x_title": "月"})
    if not panels:
        return plots.no_data("取組の実績")
    return plots.kpi_panels(panels, ncols=2 if len(panels) > 1 else 1)


def efiling_by_form(r: SectionReport) -> Table | Markdown:
    """電子申請割合（被保険者ベース）by form, April to the 基準日, against the same period
    a year earlier: the ratio of summed e-filed persons to summed filed persons (全国)."""
    rows = []
    prior = shift_months(r.period, -12)
    for key, form in [*FORMS.items(), ("insured", "主要7届書 計")]:
        values = []
        for year, period in ((r.fiscal_year, r.period), (r.fiscal_year - 1, prior)):
            filed = r.engine.measure_value(f"filed_{key}", NATIONAL_CODE, year, period)
            e = r.engine.measure_value(f"e_filed_{key}", NATIONAL_CODE, year, period)
            values.append((filed, e, ratio(e, filed)))
        (filed, e, rate), (_, _, last) = values
        if math.isnan(filed):
            continue
        shares = {"電子申請割合": "—" if math.isnan(rate) else f"{rate:.1f}%",
                  "前年同期": "—" if math.isnan(last) else f"{last:.1f}%",
                  "前年同期比": "—" if math.isnan(rate) or math.isnan(last) else f"{rate - last:+.1f}ポイント"}
        if key == "insured":  # the total is the KPI OL01: written as its view writes it
            kpi = r.views_for(["OL01"])[0]
            shares = {"電子申請割合": kpi.value_text, "前年同期": kpi.prior_text, "前年同期比": kpi.change_text}
        # one unit down the column (万人, one decimal), the total included
        rows.append({"届書": form, "届出被保険者数": f"{filed / 10_000:,.1f}万人", "うち電子申請": f"{e / 10_000:,.1f}万人",
                     **shares})
    if not rows:
        return Markdown("この期間の届書別のデータはない。")
    frame = pd.DataFrame(rows)
    return styled(frame, uuid="ol-forms", caption=f"主要7届書の電子申請割合（被保険者ベース、全国、{_span(r)}累計）",
                  right_align=tuple(frame.columns[1:]), notes=[ROUNDING_NOTE])


def work_style_table(r: SectionReport) -> Table | Markdown:
    """働き方改革: 時間外勤務 (hours a month) and 年次休暇 (days) per 常勤職員, from April to
    the 基準日, against the same period a year earlier (ratios of sums)."""
    rows = []
    for year, period in ((r.fiscal_year - 1, shift_months(r.period, -12)), (r.fiscal_year, r.period)):
        staff = r.engine.measure_value("staff", NATIONAL_CODE, year, period)
        hours = r.engine.measure_value("overtime_hours", NATIONAL_CODE, year, period)
        days = r.engine.measure_value("leave_days_taken", NATIONAL_CODE, year, period)
        if any(math.isnan(v) for v in (staff, hours, days)) or staff == 0:
            continue
        months = (period.year - year) * 12 + period.month - 3
        rows.append({"年度": f"{fiscal_year_label(year)}（4月～{period.month}月）",
                     "常勤職員数": f"{staff:,.0f}人",
                     "時間外勤務（1人1か月あたり）": f"{ratio(hours, staff * months, scale=1.0):.1f}時間",
                     "年次休暇の取得（1人あたり累計）": f"{ratio(days, staff, scale=1.0):.1f}日"})
    if not rows:
        return Markdown("この期間の職員のデータはない。")
    frame = pd.DataFrame(rows)
    return styled(frame, uuid="ops-work-style", caption="働き方改革の実績（全国、実績把握）",
                  right_align=tuple(frame.columns[1:]))
