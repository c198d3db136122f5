"""年金給付・年金相談 (P.38-39): service levels month by month against their targets, and
the offices that breach them."""

from __future__ import annotations

import math

import pandas as pd
from IPython.display import Markdown

from helpers.core.era import fiscal_year_label, month_end, month_label, shift_months
from helpers.core.escaping import md
from helpers.data.contract import NATIONAL_CODE
from helpers.engine import breakdowns
from helpers.engine.breakdowns import areas_below, single_month
from helpers.engine.kpi import meets_target
from helpers.report import plots
from helpers.report.section import SectionReport
from helpers.report.tables import Table, styled

__all__ = ["service_levels", "breaches"]

_SERVICE = (("CB01", "予約率"), ("CB02", "平均待ち時間"), ("CB03", "インターネット予約申込件数"),
            ("CB04", "応答率"))


def service_levels(r: SectionReport):
    """Each service level month by month (the month alone), this year and last, with
    its target line. The call centre's 応答率 is a national figure (ねんきんダイヤル is
    not an office): in a sub-national report its panel shows 全国 and says so."""
    panels = []
    labels = [label.replace("月末", "月") for label in breakdowns.MONTH_LABELS]
    for kpi_id, name in _SERVICE:
        kpi = r.plan.kpi(kpi_id)
        national = kpi.national_only
        area = NATIONAL_CODE if national else r.scope
        lines = breakdowns.monthly_single_lines(r.engine, kpi, area, r.fiscal_year)
        view = r.views_for([kpi_id])[0]
        target = view.target if view.rule in ("at_least", "below") else None
        where = "、全国値" if national and r.scope != NATIONAL_CODE else ""
        panels.append({"lines": lines, "title": f"{name}（月別{where}）", "unit": view.scale.unit,
                       "target": target, "target_label": f"目標 {view.target_text}" if target is not None else None,
                       "x_labels": labels, "x_title": "月"})
    return plots.kpi_panels(panels, ncols=2)


def breaches(r: SectionReport, top: int = 15) -> Table | Markdown:
    """Offices in the scope whose month missed an office service target this year
    (待ち時間 30分以上), with the number of such months and the worst month. 応答率 is
    the call centre's, not an office's: it is never tabulated by 年金事務所."""
    offices = areas_below(r.engine, r.scope, "office")
    checks = [k for k in (r.plan.kpi("CB01"), r.plan.kpi("CB02")) if not k.national_only]
    views = {v.id: v for v in r.views_for([k.id for k in checks])}
    rows = []
    last = min(r.period, month_end(r.fiscal_year + 1, 3))
    for code, name in zip(offices["area_code"], offices["name_ja"]):
        for kpi in checks:
            misses = []
            period = month_end(r.fiscal_year, 4)
            while period <= last:
                value = single_month(r.engine, kpi, code, r.fiscal_year, period)
                if not math.isnan(value) and meets_target(kpi, value, kpi.target_value) is False:
                    misses.append((value, period))
                period = shift_months(period, 1)
            if misses:
                worst = max(misses) if kpi.direction == "lower" else min(misses)
                rows.append({"年金事務所": name, "指標": kpi.name_ja,
                             "目標": views[kpi.id].target_text,
                             "未達の月数": len(misses),
                             "最も悪い月": f"{month_label(worst[1])}: {views[kpi.id].scale.text(worst[0])}"})
    if not rows:
        return Markdown(f"{fiscal_year_label(r.fiscal_year)}は、{md(r.scope_name)}で予約率・待ち時間の目標を外れた"
                        "月のある年金事務所はない。")
    frame = pd.DataFrame(rows).sort_values(["指標", "未達の月数", "年金事務所"], ascending=[True, False, True])
    counts = frame.groupby("指標", sort=False).size()
    summary = "、".join(f"{name} {n}事務所" for name, n in counts.items())
    shown = frame.groupby("指標", sort=False).head(top)
    return styled(shown.reset_index(drop=True), uuid="cb-breaches",
                  caption=(f"目標を外れた月のある年金事務所（{r.scope_name}の{len(offices)}事務所中: {summary}。"
                           f"各指標で月数の多い順に最大{top}事務所）"),
                  right_align=("未達の月数",))
