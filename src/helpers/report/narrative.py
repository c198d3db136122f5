"""Progress narratives in Japanese, laid out from the report model by fixed templates.

Written である調, as the service's 業務実績報告 are. Each sentence gives the level, the
change on the same period last year (ポイント for rates, 万 as the figure is written),
and the verdict against the target as the plan words it, in that order. Every figure
and target in a sentence is a text of a `KpiView` (helpers.report.model): the narrative
words sentences, never numbers, and the same model always gives the same text.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from helpers.core.era import month_label
from helpers.core.escaping import md
from helpers.core.statuses import (
    ACHIEVED,
    AT_RISK,
    DONE_LATE,
    GRADED_STATUSES,
    ITEM_STATUSES,
    KPI_STATUSES,
    LATE,
    MISSED,
    NEEDS_ACTION,
    ON_TRACK,
    TRACKED,
    YEAR_END_STATUSES,
)
from helpers.report.item_model import ItemView, short_title
from helpers.report.model import CONTEXT, JUDGED, NATIONAL_ONLY, KpiView

__all__ = ["items_summary", "kpi_sentence", "section_narrative", "executive_summary", "status_counts",
           "movements", "month_misses_text"]

_GRADED = GRADED_STATUSES


def _change_text(view: KpiView) -> str:
    """「前年同期（69.1%）を1.6ポイント上回った」, 「前年同期（51.0万人）から1.2万人減少した」."""
    if view.prior is None:
        return f"{view.prior_basis}の値はない"
    if view.scale.is_level(view.change):
        return f"{view.prior_basis}（{view.prior_text}）と同水準である"
    magnitude = view.scale.magnitude_text(view.change)
    up = view.change > 0
    if view.scale.change_unit in ("ポイント", "分"):
        verb = "上回った" if up else "下回った"
        return f"{view.prior_basis}（{view.prior_text}）を{magnitude}{verb}"
    verb = "増加した" if up else "減少した"
    return f"{view.prior_basis}（{view.prior_text}）から{magnitude}{verb}"


def _verdict_text(view: KpiView) -> str:
    """The judgement in the plan's terms; empty for a KPI without a target (参考)."""
    status = view.status
    target = view.target_text
    if view.rule == "track" or status == TRACKED:
        return ""
    if status is None:
        return f"目標（{target}）と比べる値はない。" if view.has_value else ""
    if status == ACHIEVED:
        return f"目標（{target}）を達成した。"
    if status == MISSED and view.result.is_final:
        return f"目標（{target}）を達成できなかった。"
    if view.projection is not None:
        p = view.projection
        lead = f"年度末の見込みは{p.central_text}（{p.low_text}～{p.high_text}）であり"
        if status == ON_TRACK:
            return f"{lead}、目標（{target}）の達成が見込まれる。"
        if status == AT_RISK:
            return f"{lead}、見込みの幅の下限では目標（{target}）に届かず、注意を要する。"
        return f"{lead}、見込みの上限でも目標（{target}）に届かない。重点的な取組を要する。"
    if view.judged_text != target:
        if status == ON_TRACK:
            return f"年度途中の判定基準（{view.judged_text}）を満たしている。"
        return f"年度途中の判定基準（{view.judged_text}）を満たしておらず、注意を要する。"
    if status == ON_TRACK:
        return f"目標（{target}）を満たしている。"
    return f"目標（{target}）に届いておらず、注意を要する。"


def _strong(text: str) -> str:
    """Bold as inline HTML: Markdown's ** does not close after a full-width bracket
    followed by a kana (「年金委員数（職域型＋地域型）**は」 would print the asterisks)."""
    return f"<strong>{md(text)}</strong>"


def kpi_sentence(view: KpiView) -> str:
    """One paragraph on one KPI, である調: level, change on last year, verdict."""
    if view.applicability == NATIONAL_ONLY:
        return f"{_strong(view.name)}は全国値のみを集計する指標であり、この範囲の値はない。"
    if not view.has_value:
        return f"{_strong(view.name)}は、この範囲・期間のデータがない。"
    if view.applicability == CONTEXT:
        return (f"{_strong(view.name)}は{md(view.area_name)}の値で{view.value_text}（{view.period_text}）であり、"
                f"{_change_text(view)}。この範囲を含む地域の値であり、参考として示す。")
    return (f"{_strong(view.name)}は{view.value_text}（{view.period_text}）であり、{_change_text(view)}。"
            f"{_verdict_text(view)}")


def status_counts(views: list[KpiView]) -> Counter:
    """How many KPIs judged at this scope have each status (参考 included; KPIs
    without a status or shown for context are not counted)."""
    return Counter(v.status for v in views if v.status and v.applicability == JUDGED)


def _counts_text(views: list[KpiView]) -> str:
    counts = status_counts(views)
    graded = sum(counts[s] for s in _GRADED)
    parts = "、".join(f"{s}{counts[s]}" for s in _GRADED if counts[s])
    if not graded:
        return "目標を定めた指標はいずれもまだ判定できない"
    return f"目標を定めた{graded}指標の判定は{parts}"


def _attention(views: list[KpiView]) -> list[KpiView]:
    return [v for v in views if v.is_judged and v.status in NEEDS_ACTION]


def movements(views: list[KpiView], limit: int = 2) -> str:
    """The notable changes on the same period of the prior year, as the charts show
    them: the largest relative changes of counts (5% or more) and of rates (1.0
    ポイント or more). Empty when nothing moved that much."""
    counts, rates = [], []
    for v in views:
        if v.change is None or not v.prior or v.applicability == CONTEXT:
            continue
        if v.scale.change_unit == "ポイント":
            if abs(v.change) >= 1.0:
                rates.append((abs(v.change), v))
        elif v.scale.change_unit != "分" and abs(v.change / v.prior) >= 0.05:
            counts.append((abs(v.change / v.prior), v))
    parts = []
    for _, v in sorted(counts, key=lambda t: (-t[0], t[1].id))[:limit]:
        parts.append(f"{md(v.name)}（{v.change_text}、{100 * v.change / v.prior:+.1f}%）")
    for _, v in sorted(rates, key=lambda t: (-t[0], t[1].id))[:limit]:
        parts.append(f"{md(v.name)}（{v.change_text}）")
    if not parts:
        return ""
    return f"{views[0].prior_basis}からの変化が大きいのは、{'、'.join(parts)}である。"


def month_misses_text(misses: list[tuple[KpiView, list[tuple[dt.date, float]]]]) -> list[str]:
    """Sentences on the months a monthly service level missed its target:
    「コールセンター応答率は令和5年6月（68.2%）に目標（70%以上）を下回った。」"""
    lines = []
    for view, months in misses:
        if not months:
            continue
        verb = "下回った" if view.rule == "at_least" else "上回った"
        listed = "、".join(f"{month_label(p)}（{view.scale.text(v)}）" for p, v in months)
        lines.append(f"{md(view.name)}は{listed}に目標（{view.target_text}）を{verb}"
                     f"（月単位、{len(months)}か月）。")
    return lines


def section_narrative(views: list[KpiView], *, section_name: str, scope_name: str,
                      period_label: str, misses: list | None = None) -> str:
    """The section's 所見 as Markdown, である調: the verdict counts, the plan's headline
    items, what needs attention, notable movements, then the other KPIs; the KPIs
    without a target are listed once, without repeating that they have none."""
    lines = [f"{period_label}現在、{md(scope_name)}の{md(section_name)}において、{_counts_text(views)}である。"]
    headline = [v for v in views if v.headline]
    attention = [v for v in _attention(views) if not v.headline]
    moved = movements(views) if views else ""
    month_lines = month_misses_text(misses or [])
    if headline:
        lines += ["", "**計画の重点項目**", ""] + [f"- {kpi_sentence(v)}" for v in headline]
    if attention:
        lines += ["", "**注意を要する指標**", ""] + [f"- {kpi_sentence(v)}" for v in attention]
    elif not _attention(views):
        lines += ["", "要注意・未達見込み・未達の指標はない。"]
    if moved or month_lines:
        lines += ["", "**主な動き**", ""] + [f"- {line}" for line in (moved, *month_lines) if line]
    shown = {v.id for v in headline + attention}
    graded = [v for v in views if v.id not in shown and v.rule != "track"]
    if graded:
        lines += ["", "**その他の目標を定めた指標**", ""] + [f"- {kpi_sentence(v)}" for v in graded]
    tracked = [v for v in views if v.id not in shown and v.rule == "track"]
    if tracked:
        lines += ["", "**実績を把握する指標**（目標は定めていない）", ""] + [f"- {kpi_sentence(v)}" for v in tracked]
    return "\n".join(lines)


def executive_summary(views: list[KpiView], *, section_names: dict[str, str], scope_name: str,
                      period_label: str, plan_label: str) -> str:
    """The scorecard's summary for management as Markdown, である調: the verdict
    counts, the plan's headline items, what needs attention, then each section."""
    judged = [v for v in views if v.applicability == JUDGED]
    lines = [f"{period_label}現在、{md(scope_name)}における{md(plan_label)}の{len(judged)}指標のうち、"
             f"{_counts_text(views)}である。", ""]
    headline = [v for v in views if v.headline]
    if headline:
        lines += ["**計画の重点項目**", ""] + [f"- {kpi_sentence(v)}" for v in headline] + [""]
    attention = [v for v in _attention(views) if not v.headline]
    if attention:
        lines += ["**注意を要する指標**", ""] + [f"- {kpi_sentence(v)}" for v in attention] + [""]
    elif not _attention(views):
        lines += ["要注意・未達見込み・未達の指標はない。", ""]
    lines += ["**区分別の判定**", ""]
    for section, name in section_names.items():
        part = [v for v in views if v.section == section]
        if not part:
            continue
        counts = status_counts(part)
        summary = "、".join(f"{s}{counts[s]}" for s in KPI_STATUSES if counts[s]) or "判定なし"
        lines.append(f"- {_strong(name)}（{len(part)}指標）: {summary}")
    return "\n".join(lines)


def items_summary(items: Sequence[ItemView], scope_label: str) -> list[str]:
    """Sentences for the narrative, である調: the counts (and, in a closed year, the
    year-end 実施状況), then every late item with each deliverable it missed, in the
    plan's words, the items done after their date, then the items with no report
    (at year end: as needing one)."""
    if not items:
        return []
    counts = Counter(v.status for v in items)
    lines = [f"{scope_label}の計画事項{len(items)}件の状況は、"
             + "、".join(f"{s}{counts[s]}件" for s in ITEM_STATUSES if counts[s]) + "である。"]
    closed = items[0].year_end is not None
    if closed:
        year_end = Counter(v.year_end for v in items)
        lines.append("年度末の実施状況は、" + "、".join(f"{s}{year_end[s]}件" for s in YEAR_END_STATUSES if year_end[s])
                     + "である。")
    for v in [v for v in items if v.status == LATE]:
        late = [d for d in v.deliverables if d.status == LATE]
        missed = "、".join(f"{d.id}「{md(d.text)}」（{d.due_text}）" for d in late)
        verb = "開始" if all(d.kind == "開始" for d in late) else "完了"
        reported = "、".join(dict.fromkeys(d.note_text for d in late)) if late else ""
        lines.append(f"**遅延**: {v.id} {md(short_title(v.title))}は、{missed}の期日までに{verb}していない"
                     f"（取組状況: {md(reported) or '報告なし'}）。")
    for v in [v for v in items if any(d.status == DONE_LATE for d in v.deliverables)]:
        done = "、".join(f"{d.id}（{d.due_text}）を{d.done_text}" for d in v.deliverables if d.status == DONE_LATE)
        lines.append(f"{v.id} {md(short_title(v.title))}は、{done}に完了した（予定より後）。")
    unreported = [v.id for v in items if all(d.note_text == "報告なし" for d in v.deliverables)]
    if unreported and closed:
        lines.append(f"年度末の報告がない計画事項が{len(unreported)}件（{'、'.join(unreported)}）あり、報告を要する。")
    elif unreported:
        lines.append(f"報告のない計画事項は{len(unreported)}件（{'、'.join(unreported)}）である。")
    return lines
