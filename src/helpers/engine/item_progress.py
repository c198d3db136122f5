"""Where each 計画事項 stands at a snapshot's 基準日, deliverable by deliverable: the
analyst's reported status (the snapshot's optional progress table) checked against the
register's dates. Lateness is computed, never typed:

- a 開始 deliverable whose month has ended without a start is 遅延;
- a 期限 or 年度内 deliverable not done by its month's end (年度内: the year's end) is
  遅延, and one done after it is 遅延完了, not 完了;
- an item's status comes from its deliverables (completing one deliverable does not
  complete the others);
- in a closed-year report each item gets its year-end 実施状況.

An item-level progress row (no deliverable) applies to every deliverable of the item; a
deliverable's own row takes precedence over it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from helpers.core.statuses import DONE, DONE_LATE, ITEM_STATUSES, LATE, REPORTED_STATUSES, UNREPORTED, YEAR_END_STATUSES
from helpers.data.register import Deliverable, PlanItem, Register

__all__ = ["ITEM_STATUSES", "REPORTED_STATUSES", "ItemProgress", "DeliverableProgress", "item_progress", "GRADES",
           "year_closed"]

GRADES = ("S", "A", "B", "C", "D")


@dataclass(frozen=True)
class DeliverableProgress:
    """One deliverable at one date.

    Attributes:
        status: 遅延, 未報告, 未着手, 実施中, 遅延完了 or 完了.
        reported: the analyst's status (None when no row covers it).
        done_on: the reported completion day (完了 only).
    """

    deliverable: Deliverable
    status: str
    reported: str | None
    done_on: str | None
    note: str
    grade: str | None
    grade_reason: str | None
    issues: str | None
    department: str | None


@dataclass(frozen=True)
class ItemProgress:
    """One item at one date: its deliverables' progress and the status derived from them.

    Attributes:
        status: 遅延 (a deliverable late), 未報告 (none reported), 未着手, 実施中,
            遅延完了 (all done, some after their date) or 完了.
        year_end: in a closed-year report, 計画どおり実施 / 一部未実施 / 未実施 / 未報告;
            None during the year.
    """

    item: PlanItem
    status: str
    deliverables: tuple[DeliverableProgress, ...]
    year_end: str | None

    @property
    def late(self) -> tuple[DeliverableProgress, ...]:
        """The deliverables whose date has passed unmet."""
        return tuple(d for d in self.deliverables if d.status == LATE)


def year_closed(register: Register, on: dt.date) -> bool:
    """Whether `on` is at or after the end of the register's fiscal year."""
    return on >= dt.date(register.fiscal_year + 1, 3, 31)


def _status(d: Deliverable, reported: str | None, done_on: str | None, on: dt.date) -> str:
    passed = d.due <= on  # a report at a month's end knows whether that month's date was met
    if d.kind == "開始":
        if reported in ("実施中", DONE):
            return reported
        return LATE if passed else (reported or UNREPORTED)
    if reported == DONE:
        return DONE if done_on is not None and done_on <= d.due.isoformat() else DONE_LATE
    if passed:
        return LATE
    return reported or UNREPORTED


def _item_status(parts: list[DeliverableProgress]) -> str:
    statuses = {p.status for p in parts}
    if LATE in statuses:
        return LATE
    if statuses <= {DONE}:
        return DONE
    if statuses <= {DONE, DONE_LATE}:
        return DONE_LATE
    if statuses == {UNREPORTED}:
        return UNREPORTED
    if statuses & {"実施中", DONE, DONE_LATE}:
        return "実施中"
    return "未着手"


def _year_end(parts: list[DeliverableProgress]) -> str:
    statuses = [p.status for p in parts]
    if all(p.reported is None for p in parts):
        return YEAR_END_STATUSES[3]  # 未報告
    if all(s == DONE for s in statuses):
        return YEAR_END_STATUSES[0]  # 計画どおり実施
    if any(s in (DONE, DONE_LATE) or p.reported == "実施中" for s, p in zip(statuses, parts)):
        return YEAR_END_STATUSES[1]  # 一部未実施
    return YEAR_END_STATUSES[2]  # 未実施


def _text(value) -> str | None:
    return None if value is None or pd.isna(value) or str(value) == "" else str(value)


def item_progress(register: Register, progress: pd.DataFrame, on: dt.date,
                  parts: tuple[int, ...] | None = None) -> list[ItemProgress]:
    """Every item (of `parts`, or all) as of `on`, in register order."""
    rows: dict[tuple[str, str | None], object] = {}
    for r in progress.itertuples(index=False) if len(progress) else ():
        rows[(r.item_id, _text(getattr(r, "deliverable", None)))] = r
    closed = year_closed(register, on)
    out = []
    for item in register.items:
        if parts is not None and item.part not in parts:
            continue
        mine = []
        for d in item.deliverables:
            row = rows.get((item.id, d.id))
            row = row if row is not None else rows.get((item.id, None))
            reported = None if row is None else str(row.status)
            done_on = None if row is None else _text(row.done_on)
            mine.append(DeliverableProgress(
                d, _status(d, reported, done_on, on), reported, done_on,
                "" if row is None else (_text(row.note) or ""),
                None if row is None else _text(row.grade),
                None if row is None else _text(getattr(row, "grade_reason", None)),
                None if row is None else _text(getattr(row, "issues", None)),
                None if row is None else _text(getattr(row, "department", None))))
        out.append(ItemProgress(item, _item_status(mine), tuple(mine), _year_end(mine) if closed else None))
    return out
