"""Changes since the last report: two snapshots of the same scope side by side, for
the scorecard's 「前回からの変化」 and `workbook diff A B`. KPIs whose status changed,
the largest moves, and every 計画事項 whose status changed; across a year boundary, how
the plan itself changed (each snapshot is judged by its own year's plan)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from helpers.core import paths
from helpers.core.era import fiscal_year_label, month_end_label
from helpers.core.errors import WorkbookError
from helpers.core.escaping import md
from helpers.data.plan import Kpi, Plan, load_plan, plan_file_for
from helpers.data.quick_checks import dated_snapshots
from helpers.data.snapshot import Snapshot, load_snapshot
from helpers.engine.item_progress import ItemProgress, item_progress
from helpers.engine.kpi import KpiEngine
from helpers.report.item_model import short_title
from helpers.report.model import ROUNDING_NOTE, KpiView, build_kpi_model, planned_target_text

__all__ = ["Comparison", "PlanChange", "compare", "plan_change", "earlier_snapshot", "comparison_markdown", "comparison_text",
           "shipment", "receive"]


@dataclass(frozen=True)
class PlanChange:
    """How one plan year's plan differs from the last one's: KPIs added and dropped,
    targets that changed (in the plan's words), and the number of 計画事項."""

    before: Plan
    after: Plan
    added: tuple[Kpi, ...]
    removed: tuple[Kpi, ...]
    retargeted: tuple[tuple[Kpi, Kpi], ...]
    items: tuple[int, int]


@dataclass(frozen=True)
class Comparison:
    """What changed for one scope between two snapshots (before, after)."""

    before: Snapshot
    after: Snapshot
    scope_name: str
    status_changes: tuple[tuple[KpiView, KpiView], ...]
    moves: tuple[tuple[KpiView, KpiView], ...]
    item_changes: tuple[tuple[ItemProgress, ItemProgress], ...]  # every 計画事項 whose status changed
    plan_change: PlanChange | None = None  # across a plan year: how the plan changed


# what a run's parent found on its disk for its workers (`receive`): which snapshot is
# the earlier one, and that snapshot with its plan and engine. A worker may be another
# machine, whose data/snapshots/ is not the parent's.
_RECEIVED_EARLIER: dict[tuple[str, object], str | None] = {}
_RECEIVED_BEFORE: dict[tuple[str, str], tuple[Plan, KpiEngine]] = {}


def earlier_snapshot(snapshot: Snapshot) -> str | None:
    """The snapshot under data/snapshots/ with the latest 基準日 before this one's."""
    received = (snapshot.id, snapshot.as_of)
    if received in _RECEIVED_EARLIER:
        return _RECEIVED_EARLIER[received]
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


_BEFORE: dict[tuple[str, str], tuple[Plan, KpiEngine]] = {}


def _before(ref: str, plan: Plan) -> tuple[Plan, KpiEngine]:
    """An earlier snapshot's plan (its own year's) and engine, validated once and kept
    for the process's life: in a fan-out every area's scorecard compares with the same
    earlier snapshot."""
    key = (str(ref), plan.file)
    if key in _RECEIVED_BEFORE:
        return _RECEIVED_BEFORE[key]
    if key not in _BEFORE:
        from helpers.data.quick_checks import snapshot_fiscal_year

        if len(_BEFORE) >= 4:
            _BEFORE.clear()
        year = snapshot_fiscal_year(ref)
        before_plan = _plan_of_year(year, plan) if year else plan
        _BEFORE[key] = before_plan, KpiEngine(load_snapshot(ref), before_plan)
    return _BEFORE[key]


def shipment(snapshot: Snapshot, plan: Plan, compare_with: str) -> dict:
    """What a run's scorecards compare with, read here for the run's workers: the
    earlier snapshot's id (for "auto") and that snapshot with its plan and engine, the
    engine's matrices built. An earlier snapshot that cannot be read is not sent: each
    scorecard then says so itself."""
    ref = earlier_snapshot(snapshot) if compare_with == "auto" else (None if compare_with == "none" else compare_with)
    found: dict = {"earlier": {(snapshot.id, snapshot.as_of): ref} if compare_with == "auto" else {}, "before": {}}
    if ref is not None:
        try:
            before_plan, engine = _before(ref, plan)
        except WorkbookError:
            return found
        engine.scorecard()  # builds the matrices once, here
        found["before"][(str(ref), plan.file)] = before_plan, engine
    return found


def receive(found: dict) -> None:
    """Take what the run's parent read (`shipment`) instead of reading this process's disk."""
    _RECEIVED_EARLIER.clear()
    _RECEIVED_EARLIER.update(found["earlier"])
    _RECEIVED_BEFORE.clear()
    _RECEIVED_BEFORE.update(found["before"])


def plan_change(before: Plan, after: Plan) -> PlanChange:
    """What the later plan adds, drops and retargets, KPI by KPI."""
    old = {k.id: k for k in before.kpis}
    new = {k.id: k for k in after.kpis}
    retargeted = tuple((old[k], new[k]) for k in new if k in old
                       and planned_target_text(old[k]) != planned_target_text(new[k]))
    counts = tuple(len(p.register().items) if p.register_file else 0 for p in (before, after))
    return PlanChange(before, after, tuple(new[k] for k in new if k not in old),
                      tuple(old[k] for k in old if k not in new), retargeted, counts)


def _plan_of_year(year: int, plan: Plan) -> Plan:
    """The plan of a snapshot's year: the report's own when the years agree, else that
    year's plan file (the report's plan when there is none to read)."""
    if year == plan.fiscal_year:
        return plan
    chosen = plan_file_for(year)
    return load_plan(chosen) if paths.resolve(chosen).is_file() else plan


def compare(before: Snapshot | str, after: Snapshot, plan: Plan, scope: str, top: int = 5,
            after_engine: KpiEngine | None = None) -> Comparison:
    """Every KPI of the plan for `scope` in both snapshots (each in its own fiscal year,
    judged by that year's plan), and every 計画事項 at both 基準日. `before` may be a
    snapshot id or folder."""
    if isinstance(before, str):
        before_plan, before_engine = _before(before, plan)
    else:
        before_plan = _plan_of_year(before.fiscal_year, plan)
        before_engine = KpiEngine(before, before_plan)
    before = before_engine.snapshot
    if before.as_of >= after.as_of:
        raise WorkbookError(f"比べるスナップショット {before.id} の基準日が {after.id} より後か同じです。")
    scope = after.area(scope)["area_code"]
    engines = before_engine, after_engine or KpiEngine(after, plan)
    models = [build_kpi_model(e, scope, e.snapshot.fiscal_year, p.kpis) for e, p in zip(engines, (before_plan, plan))]
    earlier = {v.id: v for v in models[0].views}
    pairs = [(earlier[v.id], v) for v in models[1].views if v.id in earlier]
    # across a fiscal year a closed year's 達成 meets a new year's forecast: a change of
    # season, not news, so only KPIs judged in the same year are compared
    same_year = before.fiscal_year == after.fiscal_year
    changed = tuple((a, b) for a, b in pairs if same_year and a.status != b.status and b.status is not None)
    ranked = sorted(((a, b) for a, b in pairs if not math.isnan(_move(a, b))), key=lambda p: (-_move(*p), p[1].id))
    # rates (ポイント) and counts (%) are ranked apart: a point and a percent do not compare
    rates = [p for p in ranked if p[1].scale.change_unit == "ポイント"]
    moved = rates[:(top + 1) // 2] + [p for p in ranked if p not in rates][:top // 2]
    name = str(after.area(scope)["name_ja"])
    if before_plan != plan:  # a new plan year: its 計画事項 are new, the plan's change is the news
        return Comparison(before, after, name, changed, tuple(moved), (), plan_change(before_plan, plan))
    register = plan.register()
    earlier_items = {p.item.id: p for p in item_progress(register, before.progress, before.as_of)}
    item_changes = tuple((earlier_items[p.item.id], p) for p in item_progress(register, after.progress, after.as_of)
                         if p.item.id in earlier_items and earlier_items[p.item.id].status != p.status)
    return Comparison(before, after, name, changed, tuple(moved), item_changes)


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
    elif c.before.fiscal_year != c.after.fiscal_year:
        lines.append(f"年度が替わったため、判定は比べない（前回は{fiscal_year_label(c.before.fiscal_year)}の判定、"
                     f"今回は{fiscal_year_label(c.after.fiscal_year)}の判定である）。")
    else:
        lines.append("判定が変わった指標はない。")
    lines += ["", bold("動きの大きい指標") + "（今回の前年同期比の大きい順。率はポイント、件数は増減率。"
                                                   "年度累計の前回からの伸びは季節の動きのため比べない）", ""]
    lines += [f"- {esc(b.name)}: {b.value_text}（{b.prior_basis}比 {b.change_text}。前回は{b.scale.text(a.value)}、"
              f"{a.prior_basis}比 {b.scale.change_text(a.change)}）" for a, b in c.moves]
    if c.moves:
        lines += ["", f"注: {ROUNDING_NOTE}"]
    lines.append("")
    if c.plan_change is not None:
        return lines + _plan_lines(c.plan_change, esc, bold)
    if c.item_changes:
        lines += [bold("状況が変わった計画事項"), ""]
        lines += [f"- {b.item.id} {esc(short_title(b.item.title))}: {a.status} → {b.status}" for a, b in c.item_changes]
    else:
        lines.append("状況が変わった計画事項はない。")
    return lines


def _plan_lines(change: PlanChange, esc, bold) -> list[str]:
    """A new plan year: which plan each snapshot is judged by, and what changed in it."""
    a, b = change.before, change.after
    lines = [bold("計画の変更"), "",
             f"前回は{esc(a.title)}、今回は{esc(b.title)}により判定している"
             "（前回からの判定の変化には計画の変更によるものを含む）。", ""]
    lines += [f"- 追加された指標: {esc(k.id)} {esc(k.name_ja)}（目標: {esc(planned_target_text(k))}）" for k in change.added]
    lines += [f"- 計画から外れた指標: {esc(k.id)} {esc(k.name_ja)}" for k in change.removed]
    lines += [f"- 目標が変わった指標: {esc(n.id)} {esc(n.name_ja)}（{esc(planned_target_text(o))} → "
              f"{esc(planned_target_text(n))}）" for o, n in change.retargeted]
    if not (change.added or change.removed or change.retargeted):
        lines.append("- 指標と目標に変更はない。")
    lines.append(f"- 計画事項: {change.items[0]}件 → {change.items[1]}件（今回の計画事項の状況は各区分の進捗管理表に示す）")
    return lines


def comparison_markdown(c: Comparison) -> str:
    """「前回からの変化」 as Markdown, である調 (names escaped)."""
    return "\n".join(_lines(c, markdown=True))


def comparison_text(c: Comparison) -> str:
    """The same for a terminal: plain text."""
    return "\n".join(_lines(c, markdown=False))
