"""Progress narratives in Japanese, generated from KPI results by fixed templates.

Each sentence gives the level, the change on the same period last year (ポイント for
rates), and the verdict against the target, in that order (REPORTING.md §6). Every
number in a sentence comes from a `KpiResult` through `helpers.formatting`; nothing is
typed in, and the same results always give the same text.
"""

from __future__ import annotations

import math
from collections import Counter

from helpers.contract import MEASURES
from helpers.escaping import md
from helpers.era import fiscal_year_label, in_year_span_label, month_end, month_end_label
from helpers.formatting import format_change, format_target, format_value
from helpers.kpi import KpiResult

__all__ = ["period_phrase", "kpi_sentence", "section_narrative", "executive_summary", "status_counts"]

_GRADED = ("達成", "達成見込み", "要注意", "未達見込み", "未達")


def period_phrase(result: KpiResult) -> str:
    """What the figure covers, the way the releases label it.

    現年度納付率: 「令和5年4月～8月分（9月末現在）」; 最終納付率: 「令和3年度分保険料、令和5年9月末現在」;
    flows: 「令和5年4月～9月累計」; stocks: 「令和5年9月末現在」.
    """
    kpi = result.kpi
    numerator = kpi.numerator or "paid_months_current"  # derived gap: of current rates
    spec = MEASURES[numerator]
    if spec.premium_lag == 0:
        return in_year_span_label(result.period)
    if spec.premium_lag:
        premium = fiscal_year_label(result.fiscal_year - spec.premium_lag)
        return f"{premium}分保険料、{month_end_label(result.period)}現在"
    if spec.kind in ("flow", "ytd"):
        start = month_end(result.fiscal_year, 4)
        end = result.period
        if end.year == start.year:
            return f"{month_end_label(start)[:-1].replace('末', '')}～{end.month}月累計"
        return f"{month_end_label(start)[:-1]}～{month_end_label(end)[:-1]}累計"
    return f"{month_end_label(result.period)}現在"


def _change_text(result: KpiResult) -> str:
    kpi = result.kpi
    if math.isnan(result.prior_value):
        return "前年同期の値はありません"
    digits = kpi.precision
    if round(result.change, digits) == 0:
        return f"前年同期（{format_value(kpi, result.prior_value)}）と同水準です"
    magnitude = format_change(kpi, abs(result.change))[1:]
    up = result.change > 0
    if kpi.unit in ("percent", "points"):
        verb = "上回りました" if up else "下回りました"
        return f"前年同期（{format_value(kpi, result.prior_value)}）を{magnitude}{verb}"
    verb = "増加しました" if up else "減少しました"
    return f"前年同期（{format_value(kpi, result.prior_value)}）より{magnitude}{verb}"


def _projection_text(result: KpiResult) -> str:
    p = result.projection
    kpi = result.kpi
    return (f"年度末の見込みは{format_value(kpi, p.central)}（{format_value(kpi, p.low)}～"
            f"{format_value(kpi, p.high)}）")


def _verdict_text(result: KpiResult) -> str:
    kpi = result.kpi
    status = result.status
    target = format_target(kpi, result.target)
    if status == "参考":
        return "目標を定めず実績を把握する指標です。"
    if status is None:
        return f"目標（{target}）と比べる値がありません。"
    if status == "達成":
        return f"目標（{target}）を達成しました。"
    if status == "未達" and result.is_final:
        return f"目標（{target}）を達成できませんでした。"
    if result.projection is not None:
        lead = _projection_text(result)
        if status == "達成見込み":
            return f"{lead}で、目標（{target}）の達成が見込まれます。"
        if status == "要注意":
            return f"{lead}で、見込みの幅によっては目標（{target}）に届かないおそれがあり、注意が必要です。"
        return f"{lead}で、見込みの上限でも目標（{target}）に届かない見込みです。重点的な取組が必要です。"
    prior_rule = kpi.target_rule.endswith("prior_year")
    if status == "達成見込み":
        if prior_rule:
            return f"前年同期より改善しており、目標（{target}）に向けて順調です。"
        return f"目標（{target}）を満たしており、順調です。"
    if prior_rule:
        return f"前年同期より改善しておらず、目標（{target}）に照らして注意が必要です。"
    return f"目標（{target}）に届いておらず、注意が必要です。"


def _strong(text: str) -> str:
    """Bold as inline HTML: Markdown's ** does not close after a full-width bracket
    followed by a kana (「年金委員数（職域型＋地域型）**は」 would print the asterisks)."""
    return f"<strong>{md(text)}</strong>"


def kpi_sentence(result: KpiResult) -> str:
    """One paragraph on one KPI: level, change on last year, verdict."""
    kpi = result.kpi
    if not result.has_value:
        if kpi.numerator and MEASURES[kpi.numerator].level == "national":
            return f"{_strong(kpi.name_ja)}は全国単位でのみ集計している指標のため、この範囲の値はありません。"
        return f"{_strong(kpi.name_ja)}は、この範囲・期間のデータがありません。"
    value = format_value(kpi, result.value)
    return (f"{_strong(kpi.name_ja)}は{value}（{period_phrase(result)}）で、{_change_text(result)}。"
            f"{_verdict_text(result)}")


def status_counts(results: list[KpiResult]) -> Counter:
    """How many KPIs have each status (KPIs without a value are not counted)."""
    return Counter(r.status for r in results if r.status)


def _counts_text(results: list[KpiResult]) -> str:
    counts = status_counts(results)
    graded = sum(counts[s] for s in _GRADED)
    parts = "、".join(f"{s} {counts[s]}" for s in _GRADED if counts[s])
    reference = counts["参考"]
    text = f"目標のある{graded}指標は{parts or 'いずれも判定できません'}"
    if reference:
        text += f"、実績把握（参考）の指標が{reference}"
    return text


def _attention(results: list[KpiResult]) -> list[KpiResult]:
    return [r for r in results if r.status in ("要注意", "未達見込み", "未達")]


def section_narrative(results: list[KpiResult], *, section_name: str, scope_name: str,
                      as_of_label: str) -> str:
    """The section's 所見 as Markdown: an overview, then one paragraph per KPI."""
    lines = [f"{as_of_label}現在、{md(scope_name)}の{md(section_name)}では、{_counts_text(results)}です。"]
    attention = _attention(results)
    if attention:
        names = "、".join(f"{md(r.kpi.name_ja)}（{r.status}）" for r in attention)
        lines.append(f"注意が必要な指標: {names}。")
    else:
        lines.append("要注意・未達見込み・未達の指標はありません。")
    lines.append("")
    lines += [f"- {kpi_sentence(r)}" for r in results]
    return "\n".join(lines)


def executive_summary(results: list[KpiResult], *, section_names: dict[str, str], scope_name: str,
                      as_of_label: str) -> str:
    """The scorecard's summary for management as Markdown."""
    lines = [f"{as_of_label}現在、{md(scope_name)}の令和5年度計画の{len(results)}指標のうち、"
             f"{_counts_text(results)}です。", ""]
    for section, name in section_names.items():
        part = [r for r in results if r.kpi.section == section]
        if not part:
            continue
        counts = status_counts(part)
        summary = "、".join(f"{s}{counts[s]}" for s in (*_GRADED, "参考") if counts[s]) or "判定なし"
        lines.append(f"- {_strong(name)}（{len(part)}指標）: {summary}")
    attention = _attention(results)
    lines.append("")
    if attention:
        lines.append("**注意が必要な指標**")
        lines.append("")
        lines += [f"- {kpi_sentence(r)}" for r in attention]
    else:
        lines.append("要注意・未達見込み・未達の指標はありません。")
    return "\n".join(lines)
