"""Changes since the last report: two snapshots of the same scope side by side, for
the scorecard's 「前回からの変化」 and `workbook diff A B`. KPIs whose status changed,
the largest moves, and every 計画事項 whose status changed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from helpers.core.era import month_end_label
from helpers.core.errors import WorkbookError
from helpers.core.escaping import md
from helpers.data.plan import Plan
from helpers.data.quick_checks import dated_snapshots
from helpers.data.register import load_register
from helpers.data.snapshot import Snapshot, load_snapshot
from helpers.engine.item_progress import ItemProgress, item_progress
from helpers.engine.kpi import KpiEngine
from helpers.report.item_model import short_title
from helpers.report.model import ROUNDING_NOTE, KpiView, build_kpi_model

__all__ = ["Comparison", "compare", "earlier_snapshot", "comparison_markdown", "comparison_text"]


@dataclass(frozen=True)
class Comparison:
    """What changed for one scope between two snapshots (before, after)."""

    before: Snapshot
    after: Snapshot
    scope_name: str
    status_changes: tuple[tuple[KpiView, KpiView], ...]
    moves: tuple[tuple[KpiView, KpiView], ...]
    item_changes: tuple[tuple[ItemProgress, ItemProgress], ...]  # every 計画事項 whose status changed


def earlier_snapshot(snapshot: Snapshot) -> str | None:
    """The snapshot under data/snapshots/ with the latest 基準日 before this one's."""
    earlier = [sid for as_of, sid in dated_snapshots() if as_of < snapshot.as_of]
    return earlier[-1] if earlier else None


def _move(before: KpiView, after: KpiView) -> float:
    """How far a KPI moved against the same period of the prior year, comparable across
    KPIs: ポイント for rates, the relative change (in %) for counts of 1,000 or more. A
    cumulative figure's growth since the last snapshot is the season, not news, so the
    change on last year (like with like) is what is ranked."""
    if after.change is None or after.applicability == "context":
        return math.nan
    if after.scale.change_unit == "ポイント":
        return abs(after.change)
    if after.scale.change_unit == "分" or not after.prior or abs(after.prior) < 1_000:
        return math.nan
    return abs(100 * after.change / after.prior)


_ENGINES: dict[tuple[str, int], KpiEngine] = {}


def _engine(ref: str, plan: Plan) -> KpiEngine:
    """A validated snapshot's engine, kept for the process's life: in a fan-out every
    area's scorecard compares with the same earlier snapshot."""
    key = (str(ref), id(plan))
    if key not in _ENGINES:
        if len(_ENGINES) >= 4:
            _ENGINES.clear()
        _ENGINES[key] = KpiEngine(load_snapshot(ref), plan)
    return _ENGINES[key]


def compare(before: Snapshot | str, after: Snapshot, plan: Plan, scope: str, top: int = 5,
            after_engine: KpiEngine | None = None) -> Comparison:
    """Every KPI of the plan for `scope` in both snapshots (each in its own fiscal year),
    and every 計画事項 at both 基準日. `before` may be a snapshot id or folder."""
    before_engine = _engine(before, plan) if isinstance(before, str) else KpiEngine(before, plan)
    before = before_engine.snapshot
    if before.as_of >= after.as_of:
        raise WorkbookError(f"比べるスナップショット {before.id} の基準日が {after.id} より後か同じです。")
    scope = after.area(scope)["area_code"]
    engines = before_engine, after_engine or KpiEngine(after, plan)
    models = [build_kpi_model(e, scope, e.snapshot.fiscal_year, plan.kpis) for e in engines]
    earlier = {v.id: v for v in models[0].views}
    pairs = [(earlier[v.id], v) for v in models[1].views if v.id in earlier]
    changed = tuple((a, b) for a, b in pairs if a.status != b.status and b.status is not None)
    ranked = sorted(((a, b) for a, b in pairs if not math.isnan(_move(a, b))), key=lambda p: (-_move(*p), p[1].id))
    # rates (ポイント) and counts (%) are ranked apart: a point and a percent do not compare
    rates = [p for p in ranked if p[1].scale.change_unit == "ポイント"]
    moved = rates[:(top + 1) // 2] + [p for p in ranked if p not in rates][:top // 2]
    register = load_register()
    earlier_items = {p.item.id: p for p in item_progress(register, before.progress, before.as_of)}
    item_changes = tuple((earlier_items[p.item.id], p) for p in item_progress(register, after.progress, after.as_of)
                         if p.item.id in earlier_items and earlier_items[p.item.id].status != p.status)
    return Comparison(before, after, str(after.area(scope)["name_ja"]), changed, tuple(moved), item_changes)


def _move_text(a: KpiView, b: KpiView) -> str:
    """Both figures in the later view's unit, so that the line never mixes units."""
    change = None if a.value is None or b.value is None else b.value - a.value
    return f"{b.scale.text(a.value)} → {b.value_text}、{b.scale.change_text(change)}"


def _lines(c: Comparison, markdown: bool) -> list[str]:
    esc = md if markdown else str
    code = (lambda t: f"`{t}`") if markdown else str
    bold = (lambda t: f"**{t}**") if markdown else str
    lines = [f"前回（{month_end_label(c.before.as_of)}、{code(c.before.id)}）から今回（{month_end_label(c.after.as_of)}、"
             f"{code(c.after.id)}）までの{esc(c.scope_name)}の変化である。", ""]
    if c.status_changes:
        lines += [bold("判定が変わった指標"), ""]
        lines += [f"- {esc(b.name)}: {a.status_text} → {b.status_text}（{_move_text(a, b)}）"
                  for a, b in c.status_changes]
    else:
        lines.append("判定が変わった指標はない。")
    lines += ["", bold("動きの大きい指標") + "（今回の前年同期比の大きい順。率はポイント、件数は増減率。"
                                                   "年度累計の前回からの伸びは季節の動きのため比べない）", ""]
    lines += [f"- {esc(b.name)}: {b.value_text}（{b.prior_basis}比 {b.change_text}。前回は{b.scale.text(a.value)}、"
              f"{a.prior_basis}比 {b.scale.change_text(a.change)}）" for a, b in c.moves]
    if c.moves:
        lines += ["", f"注: {ROUNDING_NOTE}"]
    lines.append("")
    if c.item_changes:
        lines += [bold("状況が変わった計画事項"), ""]
        lines += [f"- {b.item.id} {esc(short_title(b.item.title))}: {a.status} → {b.status}" for a, b in c.item_changes]
    else:
        lines.append("状況が変わった計画事項はない。")
    return lines


def comparison_markdown(c: Comparison) -> str:
    """「前回からの変化」 as Markdown, である調 (names escaped)."""
    return "\n".join(_lines(c, markdown=True))


def comparison_text(c: Comparison) -> str:
    """The same for a terminal: plain text."""
    return "\n".join(_lines(c, markdown=False))
