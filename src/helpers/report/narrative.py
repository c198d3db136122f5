"""Progress narratives in Japanese, laid out from the report model by fixed templates.

Written である調, as the service's 業務実績報告 are. Each sentence gives the level, the
change on the same period last year (ポイント for rates, 万 as the figure is written),
and the verdict against the target as the plan words it, in that order. Every figure
and target in a sentence is a text of a `KpiView` (helpers.report.model): the narrative
words sentences, never numbers, and the same model always gives the same text.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence

from helpers.core.era import month_label
from helpers.core.escaping import md
from helpers.core.statuses import (
    ACHIEVED,
    AT_RISK,
    DONE,
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
from helpers.report.scale import DASH

__all__ = ["items_summary", "kpi_sentence", "findings", "year_summary", "section_counts", "status_counts",
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
        lead = f"年度末の見込みは{p.central_text}（{p.range_text}）であり"
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
    period = _period_clause(view.period_text)
    if view.applicability == CONTEXT:
        return (f"{_strong(view.name)}（{md(view.area_name)}の値）は{view.value_text}（{period}）であり、"
                f"{_change_text(view)}。この範囲を含む地域の値であり、参考として示す。")
    return (f"{_strong(view.name)}は{view.value_text}（{period}）であり、{_change_text(view)}。"
            f"{_verdict_text(view)}")


def _period_clause(period_text: str) -> str:
    """A period to go inside brackets, without brackets of its own:
    「令和5年4月～8月分（9月末現在）」 reads 「令和5年4月～8月分、9月末現在」."""
    return re.sub(r"（([^（）]*)）$", r"、\1", period_text)


def status_counts(views: list[KpiView]) -> Counter:
    """How many KPIs judged at this scope have each status (参考 included; KPIs
    without a status or shown for context are not counted)."""
    return Counter(v.status for v in views if v.status and v.applicability == JUDGED)


def _counts_text(views: list[KpiView]) -> str:
    """The verdict counts as a whole clause, である included: only the KPIs judged at
    this scope are counted (全国値のみ and context figures are not)."""
    counts = status_counts(views)
    graded = sum(counts[s] for s in _GRADED)
    parts = "、".join(f"{s}{counts[s]}" for s in _GRADED if counts[s])
    if graded:
        return f"目標を定めた{graded}指標の判定は{parts}である"
    national = sum(1 for v in views if v.applicability == NATIONAL_ONLY)
    pending = sum(1 for v in views if v.applicability == JUDGED and v.rule != "track" and v.status is None)
    if pending:
        return f"目標を定めた指標{pending}件は、まだ比べる値がない"
    return "この範囲で判定する目標を定めた指標はない" + (f"（全国値のみの指標は{national}件）" if national else "")


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
        # a count moves materially when it is large enough to matter (1,000 or more) and
        # moved by 5% or more: 「外国人の職権適用者数（+25人）」 is not news
        elif v.scale.change_unit != "分" and abs(v.prior) >= 1_000 and abs(v.change / v.prior) >= 0.05:
            counts.append((abs(v.change / v.prior), v))
    parts = []
    for _, v in sorted(rates, key=lambda t: (-t[0], t[1].id))[:limit]:
        parts.append(f"{md(v.name)}（{v.change_text}）")
    for _, v in sorted(counts, key=lambda t: (-t[0], t[1].id))[:limit]:
        parts.append(f"{md(v.name)}（{v.change_text}、{100 * v.change / v.prior:+.1f}%）")
    if not parts:
        return ""
    bases = {v.prior_basis for v in views if v.prior is not None}
    basis = bases.pop() if len(bases) == 1 else "前年"
    return f"{basis}からの変化が大きいのは、{'、'.join(parts)}である。"


def month_misses_text(misses: list[tuple[KpiView, list[tuple[dt.date, float]]]],
                      months_so_far: int | None = None) -> list[str]:
    """Sentences on the months a monthly service level missed its target, kept short:
    「コールセンター応答率は令和5年4月～9月の6か月とも目標（70%以上）を下回った
    （最も悪いのは令和5年6月の68.2%）。」"""
    lines = []
    for view, months in misses:
        if not months:
            continue
        verb = "下回った" if view.rule == "at_least" else "上回った"
        worst = (min if view.rule == "at_least" else max)(months, key=lambda m: m[1])
        worst_text = f"（最も悪いのは{month_label(worst[0])}の{view.scale.text(worst[1])}）"
        if months_so_far is not None and len(months) == months_so_far and len(months) > 1:
            span = f"{month_label(months[0][0])}からの{len(months)}か月とも"
        elif len(months) <= 2:
            span = "、".join(month_label(p) for p, _ in months) + "に"
        else:
            span = f"{len(months)}か月（{month_label(months[0][0])}ほか）で"
        lines.append(f"{md(view.name)}は{span}目標（{view.target_text}）を{verb}{worst_text}。")
    return lines


def _gap_text(view: KpiView) -> str:
    """How far an off-track KPI's projection falls short of its target, in its unit."""
    if view.projection is None or view.target is None or view.status not in (AT_RISK, "未達見込み"):
        return ""
    gap = view.projection.low - view.target if view.status == AT_RISK else view.projection.high - view.target
    edge = "下限" if view.status == AT_RISK else "上限"
    return f"見込みの{edge}と目標の差は{view.scale.change_text(gap)}である。"


def year_summary(views: list[KpiView], items: Sequence[ItemView]) -> list[str]:
    """The 年度総括 of a closed-year report: what was achieved and what was not, the
    figures still 速報, and the plan items completed, late or not carried out."""
    lines = []
    judged = [v for v in views if v.applicability == JUDGED]
    achieved = [v.name for v in judged if v.status == ACHIEVED]
    missed = [v.name for v in judged if v.status == MISSED]
    if achieved or missed:
        lines.append(f"目標を定めた指標のうち、達成は{len(achieved)}指標"
                     + (f"、未達は{len(missed)}指標であり、{'と'.join(md(n) for n in missed)}が目標に届かなかった。"
                        if missed else "である。"))
    pending = [v for v in judged if v.figure_kind == "速報" and v.rule != "track"]
    if pending:
        lines.append(f"{'、'.join(md(v.name) for v in pending)}は年度の値がまだ確定していない（速報）。"
                     + pending[0].final_note)
    if items:
        year_end = Counter(v.year_end for v in items)
        lines.append("計画事項は、" + "、".join(f"{s}{year_end[s]}件" for s in YEAR_END_STATUSES if year_end[s])
                     + "である。")
        not_done = [v.id for v in items if v.year_end in ("一部未実施", "未実施")]
        if not_done:
            lines.append(f"一部未実施・未実施の計画事項は{'、'.join(not_done)}である。")
        dated = [(v, d) for v in items for d in v.deliverables if d.kind != "年度内" and d.status in (DONE, DONE_LATE)]
        if dated:
            done = "、".join(f"{v.id} {d.id}（{d.due_phrase}）は{d.done_text}" for v, d in dated[:4])
            lines.append(f"月の定めのある主な取組では、{done}に完了した。")
    return lines


def findings(views: list[KpiView], items: Sequence[ItemView], *, subject: str, period_label: str,
             items_label: str, misses: list | None = None, months_so_far: int | None = None,
             year_label: str | None = None, extra: Sequence[str] = ()) -> str:
    """The 所見 as Markdown, である調, leading with what needs action: late 計画事項 (with
    what the progress table says of them) and the KPIs off track, with the figure and the
    gap; then the plan's headline KPIs; then the material movements; then the items'
    counts, and one line for everything else, which the table lists. At a closed year
    (`year_label`), a 年度総括 comes first. `extra` lines (the scorecard's section
    counts) close it."""
    action_items, item_info = items_summary(items, items_label)
    off_track = [v for v in _attention(views) if not v.same_as]  # NP06 at 沖縄県 is NP04: said once
    lines = [f"{period_label}現在、{subject}において、{_counts_text(views)}。"]
    if year_label:
        lines += ["", f"**{year_label}の総括**", ""] + [f"- {line}" for line in year_summary(views, items)]
    action = action_items + [f"{kpi_sentence(v)}{_gap_text(v)}" for v in off_track]
    if action:
        lines += ["", "**対応を要する事項**", ""] + [f"- {line}" for line in action]
    else:
        lines += ["", "遅延している計画事項、要注意・未達見込み・未達の指標はない。"]
    shown = {v.id for v in off_track}
    headline = [v for v in views if v.headline and v.id not in shown and not v.same_as]
    if headline:
        lines += ["", "**計画の重点項目**", ""] + [f"- {kpi_sentence(v)}" for v in headline]
    moved = movements([v for v in views if v.id not in shown and not v.headline]) if views else ""
    month_lines = month_misses_text(misses or [], months_so_far)
    if moved or month_lines:
        lines += ["", "**主な動き**", ""] + [f"- {line}" for line in (moved, *month_lines) if line]
    if item_info:
        lines += ["", f"**{items_label}**", ""] + [f"- {line}" for line in item_info]
    if extra:
        lines += ["", *extra]
    rest = [v for v in views if v.id not in shown and not v.headline]
    if rest:
        lines += ["", f"その他の{len(rest)}指標の値と判定は、表のとおりである。"]
    return "\n".join(lines)


def section_counts(views: list[KpiView], section_names: dict[str, str]) -> list[str]:
    """The scorecard's 区分別の判定: each section's KPIs by status, one line each."""
    lines = ["**区分別の判定**", ""]
    for section, name in section_names.items():
        part = [v for v in views if v.section == section]
        if not part:
            continue
        counts = status_counts(part)
        summary = "、".join(f"{s}{counts[s]}" for s in KPI_STATUSES if counts[s]) or "判定なし"
        lines.append(f"- {_strong(name)}（{len(part)}指標）: {summary}")
    return lines


def items_summary(items: Sequence[ItemView], scope_label: str) -> tuple[list[str], list[str]]:
    """Sentences for the narrative, である調: every late item with each deliverable it
    missed in the plan's words and what the progress table says of it (取組状況, 課題),
    the items with no report (at year end: as needing one); then the counts (and, in a
    closed year, the year-end 実施状況) and the items done after their date.

    Returns (the lines needing action, the others).
    """
    if not items:
        return [], []
    action, info = [], []
    closed = items[0].year_end is not None
    unreported = [v.id for v in items if all(d.note_text == "報告なし" for d in v.deliverables)]
    for v in [v for v in items if v.status == LATE and v.id not in unreported]:
        late = [d for d in v.deliverables if d.status == LATE]
        missed = "、".join(f"{d.id}「{md(d.text)}」（{d.due_phrase}）" for d in late)
        verb = "開始" if all(d.kind == "開始" for d in late) else "完了"
        said = "。".join(dict.fromkeys(t for d in late for t in (d.note_text, d.issues) if t and t != DASH))
        action.append(f"**遅延**: {v.id} {md(short_title(v.title))}は、{missed}の期日までに{verb}していない"
                      + (f"。報告は「{md(said)}」である。" if said else "。"))
    if unreported and closed:
        action.append(f"年度末の報告がない計画事項が{len(unreported)}件（{'、'.join(unreported)}）あり、報告を要する。")
    counts = Counter(v.status for v in items)
    info.append(f"{scope_label}{len(items)}件の状況は、"
                + "、".join(f"{s}{counts[s]}件" for s in ITEM_STATUSES if counts[s]) + "である。")
    if closed:
        year_end = Counter(v.year_end for v in items)
        info.append("年度末の実施状況は、" + "、".join(f"{s}{year_end[s]}件" for s in YEAR_END_STATUSES if year_end[s])
                    + "である。")
    for v in [v for v in items if any(d.status == DONE_LATE for d in v.deliverables)]:
        done = "、".join(f"{d.id}（{d.due_phrase}）を{d.done_text}" for d in v.deliverables if d.status == DONE_LATE)
        info.append(f"{v.id} {md(short_title(v.title))}は、{done}に完了した（予定より後）。")
    if unreported and not closed:
        info.append(f"報告のない計画事項は{len(unreported)}件（{'、'.join(unreported)}）である。")
    return action, info
