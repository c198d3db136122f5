"""Progress narratives in Japanese, generated from KPI results by fixed templates.

Written である調, as 業務実績報告 are. Each sentence gives the level, the change on the
same period last year (ポイント for rates, 万 as the figure is written), and the
verdict against the target as the plan words it, in that order, as the service's 業務実績報告
write them. Every
number in a sentence comes from a `KpiResult` through `helpers.report.formatting`; nothing is
typed in, and the same results always give the same text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from functools import partial

from helpers.core.era import fiscal_year_label, in_year_span_label, month_end, month_end_label, month_label
from helpers.core.escaping import md
from helpers.core.statuses import GRADED_STATUSES, ITEM_STATUSES
from helpers.data.contract import MEASURES
from helpers.data.register import milestone_text
from helpers.engine.item_progress import ItemProgress
from helpers.engine.kpi import KpiResult
from helpers.report.formatting import format_change, format_target, format_value, judged_target

__all__ = ["items_summary", "period_phrase", "kpi_sentence", "section_narrative", "executive_summary", "status_counts",
           "movements", "month_misses_text"]

_GRADED = GRADED_STATUSES


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
    """「前年同期（69.1%）を1.6ポイント上回った」, 「前年同期（51.0万人）から1.2万人減少した」."""
    kpi = result.kpi
    if math.isnan(result.prior_value):
        return "前年同期の値はない"
    digits = kpi.precision
    if round(result.change, digits) == 0:
        return f"前年同期（{format_value(kpi, result.prior_value)}）と同水準である"
    scale = max(abs(result.value), abs(result.prior_value))
    magnitude = format_change(kpi, abs(result.change), scale_of=scale)[1:]
    up = result.change > 0
    if kpi.unit in ("percent", "points", "minutes"):
        verb = "上回った" if up else "下回った"
        return f"前年同期（{format_value(kpi, result.prior_value)}）を{magnitude}{verb}"
    verb = "増加した" if up else "減少した"
    return f"前年同期（{format_value(kpi, result.prior_value)}）から{magnitude}{verb}"


def _projection_text(result: KpiResult) -> str:
    p = result.projection
    kpi = result.kpi
    return (f"年度末の見込みは{format_value(kpi, p.central)}（{format_value(kpi, p.low)}～"
            f"{format_value(kpi, p.high)}）であり")


def _verdict_text(result: KpiResult) -> str:
    """The judgement in the plan's terms; empty for a KPI without a target (参考)."""
    kpi = result.kpi
    status = result.status
    target = format_target(kpi, result.target)
    if status == "参考":
        return ""
    if status is None:
        return f"目標（{target}）と比べる値はない。"
    if status == "達成":
        return f"目標（{target}）を達成した。"
    if status == "未達" and result.is_final:
        return f"目標（{target}）を達成できなかった。"
    if result.projection is not None:
        lead = _projection_text(result)
        if status == "達成見込み":
            return f"{lead}、目標（{target}）の達成が見込まれる。"
        if status == "要注意":
            return f"{lead}、見込みの幅の下限では目標（{target}）に届かず、注意を要する。"
        return f"{lead}、見込みの上限でも目標（{target}）に届かない。重点的な取組を要する。"
    if kpi.target_rule.endswith("prior_year"):
        judged = judged_target(result)
        if status == "達成見込み":
            return f"年度途中の判定基準（{judged}）を満たしている。"
        return f"年度途中の判定基準（{judged}）を満たしておらず、注意を要する。"
    if status == "達成見込み":
        return f"目標（{target}）を満たしている。"
    return f"目標（{target}）に届いておらず、注意を要する。"


def _strong(text: str) -> str:
    """Bold as inline HTML: Markdown's ** does not close after a full-width bracket
    followed by a kana (「年金委員数（職域型＋地域型）**は」 would print the asterisks)."""
    return f"<strong>{md(text)}</strong>"


def kpi_sentence(result: KpiResult, *, scope_is_national: bool = True) -> str:
    """One paragraph on one KPI, である調: level, change on last year, verdict."""
    kpi = result.kpi
    if not result.has_value:
        if kpi.national_only and not scope_is_national:
            return f"{_strong(kpi.name_ja)}は全国値のみを集計する指標であり、この範囲の値はない。"
        return f"{_strong(kpi.name_ja)}は、この範囲・期間のデータがない。"
    value = format_value(kpi, result.value)
    return (f"{_strong(kpi.name_ja)}は{value}（{period_phrase(result)}）であり、{_change_text(result)}。"
            f"{_verdict_text(result)}")


def status_counts(results: list[KpiResult]) -> Counter:
    """How many KPIs have each status (KPIs without a value are not counted)."""
    return Counter(r.status for r in results if r.status)


def _counts_text(results: list[KpiResult]) -> str:
    counts = status_counts(results)
    graded = sum(counts[s] for s in _GRADED)
    parts = "、".join(f"{s}{counts[s]}" for s in _GRADED if counts[s])
    if not graded:
        return "目標を定めた指標はいずれもまだ判定できない"
    return f"目標を定めた{graded}指標の判定は{parts}"


def _attention(results: list[KpiResult]) -> list[KpiResult]:
    return [r for r in results if r.status in ("要注意", "未達見込み", "未達")]


def movements(results: list[KpiResult], limit: int = 2) -> str:
    """The notable changes on the same period of the prior year, as the charts show
    them: the largest relative changes of counts (5% or more) and of rates (1.0
    ポイント or more). Empty when nothing moved that much."""
    counts, rates = [], []
    for r in results:
        if not r.has_value or math.isnan(r.prior_value) or r.prior_value == 0:
            continue
        if r.kpi.unit in ("percent", "points"):
            if abs(r.change) >= 1.0:
                rates.append((abs(r.change), r))
        elif abs(r.change / r.prior_value) >= 0.05:
            counts.append((abs(r.change / r.prior_value), r))
    parts = []
    for _, r in sorted(counts, key=lambda t: (-t[0], t[1].kpi.id))[:limit]:
        scale = max(abs(r.value), abs(r.prior_value))
        parts.append(f"{md(r.kpi.name_ja)}（{format_change(r.kpi, r.change, scale_of=scale)}、"
                     f"{100 * r.change / r.prior_value:+.1f}%）")
    for _, r in sorted(rates, key=lambda t: (-t[0], t[1].kpi.id))[:limit]:
        parts.append(f"{md(r.kpi.name_ja)}（{format_change(r.kpi, r.change)}）")
    if not parts:
        return ""
    return f"前年同期からの変化が大きいのは、{'、'.join(parts)}である。"


def month_misses_text(misses: list[tuple[KpiResult, list[tuple[dt.date, float]]]]) -> list[str]:
    """Sentences on the months a monthly service level missed its target:
    「コールセンター応答率は令和5年6月（68.2%）に目標（70%以上）を下回った。」"""
    lines = []
    for result, months in misses:
        if not months:
            continue
        kpi = result.kpi
        verb = "下回った" if kpi.target_rule == "at_least" else "上回った"
        listed = "、".join(f"{month_label(p)}（{format_value(kpi, v)}）" for p, v in months)
        lines.append(f"{md(kpi.name_ja)}は{listed}に目標（{format_target(kpi, result.target)}）を{verb}"
                     f"（月単位、{len(months)}か月）。")
    return lines


def section_narrative(results: list[KpiResult], *, section_name: str, scope_name: str,
                      period_label: str, scope_is_national: bool = True,
                      misses: list | None = None) -> str:
    """The section's 所見 as Markdown, である調: the verdict counts, the plan's headline
    items, what needs attention, notable movements, then the other KPIs; the KPIs
    without a target are listed once, without repeating that they have none."""
    sentence = partial(kpi_sentence, scope_is_national=scope_is_national)
    lines = [f"{period_label}現在、{md(scope_name)}の{md(section_name)}において、{_counts_text(results)}である。"]
    headline = [r for r in results if r.kpi.headline]
    attention = [r for r in _attention(results) if not r.kpi.headline]
    moved = movements(results)
    month_lines = month_misses_text(misses or [])
    if headline:
        lines += ["", "**計画の重点項目**", ""] + [f"- {sentence(r)}" for r in headline]
    if attention:
        lines += ["", "**注意を要する指標**", ""] + [f"- {sentence(r)}" for r in attention]
    elif not _attention(results):
        lines += ["", "要注意・未達見込み・未達の指標はない。"]
    if moved or month_lines:
        lines += ["", "**主な動き**", ""] + [f"- {line}" for line in (moved, *month_lines) if line]
    shown = set(id(r) for r in headline + attention)
    graded = [r for r in results if id(r) not in shown and r.status != "参考"]
    if graded:
        lines += ["", "**その他の目標を定めた指標**", ""] + [f"- {sentence(r)}" for r in graded]
    tracked = [r for r in results if id(r) not in shown and r.status == "参考"]
    if tracked:
        lines += ["", "**実績を把握する指標**（目標は定めていない）", ""] + [f"- {sentence(r)}" for r in tracked]
    return "\n".join(line for line in lines if line is not None)


def executive_summary(results: list[KpiResult], *, section_names: dict[str, str], scope_name: str,
                      period_label: str, scope_is_national: bool = True) -> str:
    """The scorecard's summary for management as Markdown, である調: the verdict
    counts, the plan's headline items, what needs attention, then each section."""
    sentence = partial(kpi_sentence, scope_is_national=scope_is_national)
    lines = [f"{period_label}現在、{md(scope_name)}における令和5年度計画の{len(results)}指標のうち、"
             f"{_counts_text(results)}である。", ""]
    headline = [r for r in results if r.kpi.headline]
    if headline:
        lines += ["**計画の重点項目**", ""] + [f"- {sentence(r)}" for r in headline] + [""]
    attention = [r for r in _attention(results) if not r.kpi.headline]
    if attention:
        lines += ["**注意を要する指標**", ""] + [f"- {sentence(r)}" for r in attention] + [""]
    elif not _attention(results):
        lines += ["要注意・未達見込み・未達の指標はない。", ""]
    lines += ["**区分別の判定**", ""]
    for section, name in section_names.items():
        part = [r for r in results if r.kpi.section == section]
        if not part:
            continue
        counts = status_counts(part)
        summary = "、".join(f"{s}{counts[s]}" for s in (*_GRADED, "参考") if counts[s]) or "判定なし"
        lines.append(f"- {_strong(name)}（{len(part)}指標）: {summary}")
    return "\n".join(lines)


def items_summary(items: list[ItemProgress], scope_label: str) -> list[str]:
    """Sentences for the narrative, である調: the counts, then every late item with the
    milestone it missed, then the items with no report."""
    if not items:
        return []
    counts = Counter(p.status for p in items)
    lines = [f"{scope_label}の計画事項{len(items)}件の状況は、"
             + "、".join(f"{s}{counts[s]}件" for s in ITEM_STATUSES if counts[s]) + "である。"]
    for p in [p for p in items if p.status == "遅延"]:
        missed = "、".join(f"{milestone_text(m)}「{md(m.text[:40])}」" for m in p.late)
        lines.append(f"**遅延**: {p.item.id} {md(p.item.title)}は、期日 {missed} を過ぎても"
                     f"{'開始' if all(m.kind == '開始' for m in p.late) else '完了'}していない"
                     f"（報告: {p.reported or '報告なし'}）。")
    unreported = [p.item.id for p in items if p.status == "未報告"]
    if unreported:
        lines.append(f"報告のない計画事項は{len(unreported)}件（{'、'.join(unreported)}）である。")
    return lines
