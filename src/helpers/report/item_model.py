"""The report model of the 計画事項: each item and each of its deliverables worded once,
for the section's 進捗管理表, the index's and the Excel workbook's, which only lay them out.

No display library is imported here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helpers.core.era import date_label
from helpers.data.register import PlanPart, due_text
from helpers.engine.item_progress import DeliverableProgress, ItemProgress
from helpers.report.scale import DASH

__all__ = ["ItemView", "DeliverableView", "item_views", "ITEM_COLUMNS", "YEAR_END_COLUMN", "short_title",
           "ITEM_NOTES"]

# one row per deliverable
ITEM_COLUMNS = ("ID", "計画事項", "取組（計画の言葉）", "予定", "実績（完了日）", "状況", "取組状況", "自己評価", "指標の判定")
YEAR_END_COLUMN = "年度末の実施状況"
ITEM_NOTES = (
    "予定: 計画に書かれた月（開始＝この月から実施、期限＝この月までに完了）。月の定めのない取組は年度末（年度内）。",
    "状況: 遅延は、予定の月末（開始なら開始、期限・年度内なら完了の期日）を基準日までに過ぎて満たしていない取組。"
    "遅延完了は予定より後に完了した取組。未報告はスナップショットに報告の行がない取組。",
    "計画事項の状況は取組から決まる（取組の1つが遅延なら遅延、すべて完了なら完了、予定後の完了を含めば遅延完了）。",
)


def short_title(title: str) -> str:
    """An item's title cut at a whole phrase, never mid-word: the first phrase of the
    plan's heading that is not a 【…】 label ('【事業所調査】 ○事業所調査による適用の適正化 ・…'
    reads '事業所調査による適用の適正化')."""
    phrases = [p for p in re.split(r"\s+|○|・", title) if p and not re.fullmatch(r"【[^】]*】", p)]
    return next((p for p in phrases if len(p) >= 4), phrases[0] if phrases else title)


@dataclass(frozen=True)
class DeliverableView:
    """One deliverable as every 進捗管理表 shows it."""

    id: str
    text: str
    kind: str
    due: dt.date
    due_text: str  # 「令和6年1月（期限）」 for a table
    due_phrase: str  # 「期限は令和6年1月」 for a sentence (no brackets inside brackets)
    done_text: str
    status: str
    note_text: str
    grade_text: str
    grade_reason: str
    issues: str
    department: str
    done_on: dt.date | None = None  # the done date itself (a spreadsheet stores the date)


@dataclass(frozen=True)
class ItemView:
    """One 計画事項 at the report's 基準日, as every output shows it."""

    id: str
    part: int
    part_label: str  # 「(8) 社会保険オンラインシステムの刷新・レベルアップ」
    title: str
    pages_text: str
    content: tuple[str, ...]
    status: str
    year_end: str | None
    kpis_text: str  # the statuses of the KPIs that measure it, as the KPI tables write them
    deliverables: tuple[DeliverableView, ...]

    def rows(self, repeat: bool = True) -> list[dict[str, str]]:
        """One row per deliverable, in `ITEM_COLUMNS` order (and the year-end column in a
        closed year). `repeat=False` leaves the item's title empty after its first row
        (a page); a spreadsheet repeats it (one value per cell)."""
        out = []
        for i, d in enumerate(self.deliverables):
            first = repeat or i == 0
            row = dict(zip(ITEM_COLUMNS, (
                f"{self.id} {d.id}", self.title if first else "", d.text, d.due_text, d.done_text, d.status,
                d.note_text, d.grade_text, self.kpis_text if first else "")))
            if self.year_end is not None:
                row[YEAR_END_COLUMN] = self.year_end if first else ""
            out.append(row)
        return out


def _deliverable(p: DeliverableProgress) -> DeliverableView:
    d = p.deliverable
    done = DASH if p.done_on is None else date_label(dt.date.fromisoformat(p.done_on))
    note = p.note or ("報告なし" if p.reported is None else DASH)
    phrase = due_text(d) if d.month is None else f"{d.kind}は{due_text(d).split('（')[0]}"
    return DeliverableView(d.id, d.text, d.kind, d.due, due_text(d), phrase, done, p.status, note, p.grade or DASH,
                           p.grade_reason or "", p.issues or "", p.department or "",
                           None if p.done_on is None else dt.date.fromisoformat(p.done_on))


def item_views(items: Sequence[ItemProgress], kpi_status: Mapping[str, str],
               parts: Sequence[PlanPart]) -> tuple[ItemView, ...]:
    """Every item's view; `kpi_status` maps a KPI id to its status as its table writes it
    (a KPI not in the report reads 「—」)."""
    labels = {p.part: p.label for p in parts}
    out = []
    for p in items:
        item = p.item
        out.append(ItemView(
            id=item.id, part=item.part, part_label=labels.get(item.part, f"({item.part})"), title=item.title,
            pages_text=item.pages or DASH, content=item.content, status=p.status, year_end=p.year_end,
            kpis_text="、".join(f"{k} {kpi_status.get(k, DASH)}" for k in item.kpis) or DASH,
            deliverables=tuple(_deliverable(d) for d in p.deliverables),
        ))
    return tuple(out)
