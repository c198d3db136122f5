"""Where each 計画事項 stands at a snapshot's 基準日: the analyst's reported status
(the snapshot's optional progress table) checked against the register's dated
milestones. Lateness is computed, never typed: a milestone whose month has ended
before the 基準日 and is not met makes the item 遅延."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from helpers.core.statuses import ITEM_STATUSES, REPORTED_STATUSES
from helpers.data.register import Milestone, PlanItem, Register

__all__ = ["ITEM_STATUSES", "REPORTED_STATUSES", "ItemProgress", "item_progress", "GRADES"]

GRADES = ("S", "A", "B", "C", "D")


@dataclass(frozen=True)
class ItemProgress:
    """One item at one date.

    Attributes:
        status: 完了, 実施中, 未着手, 遅延 (a milestone passed unmet) or 未報告 (no row).
        reported: the analyst's status (None when there is no row).
        late: the tracked milestones whose month ended before the date and are unmet.
        next_milestone: the first tracked milestone still ahead, if any.
    """

    item: PlanItem
    status: str
    reported: str | None
    done_on: str | None
    note: str
    grade: str | None
    late: tuple[Milestone, ...]
    next_milestone: Milestone | None


def _met(milestone: Milestone, reported: str | None, done_on: str | None) -> bool:
    """A start milestone is met once the item is under way; a deadline once it is done
    (by the milestone's month end)."""
    if milestone.kind == "開始":
        return reported in ("実施中", "完了")
    return reported == "完了" and done_on is not None and done_on <= milestone.due.isoformat()


def item_progress(register: Register, progress: pd.DataFrame, on: dt.date,
                  parts: tuple[int, ...] | None = None) -> list[ItemProgress]:
    """Every item (of `parts`, or all) as of `on`, in register order."""
    rows = {r.item_id: r for r in progress.itertuples(index=False)} if len(progress) else {}
    out = []
    for item in register.items:
        if parts is not None and item.part not in parts:
            continue
        row = rows.get(item.id)
        reported = None if row is None else str(row.status)
        done_on = None if row is None or pd.isna(row.done_on) else str(row.done_on)
        tracked = [m for m in item.milestones if m.tracked]
        late = tuple(m for m in tracked if m.due < on and not _met(m, reported, done_on))
        ahead = [m for m in tracked if m.due >= on]
        if reported == "完了":  # done, even if after a deadline: no longer late
            status, late = "完了", ()
        elif late:
            status = "遅延"
        elif reported is None:
            status = "未報告"
        else:
            status = reported
        out.append(ItemProgress(item, status, reported, done_on,
                                "" if row is None or pd.isna(row.note) else str(row.note),
                                None if row is None or pd.isna(row.grade) else str(row.grade),
                                late, ahead[0] if ahead else None))
    return out
