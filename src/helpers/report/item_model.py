"""The report model of the 計画事項: each item's row worded once, for the section's
進捗管理表, the index's and the Excel workbook's, which only lay it out.

No display library is imported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from helpers.data.register import milestone_text
from helpers.engine.item_progress import ItemProgress
from helpers.report.scale import DASH

__all__ = ["ItemView", "item_views", "ITEM_COLUMNS"]

ITEM_COLUMNS = ("ID", "計画事項", "頁", "期日", "状況", "取組状況", "自己評価", "指標の判定")


@dataclass(frozen=True)
class ItemView:
    """One 計画事項 at the report's 基準日, as every output shows it."""

    id: str
    part: int
    title: str
    pages_text: str
    due_text: str  # its dated milestones: 「令和6年1月（期限）、令和6年3月（期限）」
    status: str
    note_text: str
    grade_text: str
    kpis_text: str  # the statuses of the KPIs that measure it, as the KPI tables write them
    progress: ItemProgress

    def row(self) -> dict[str, str]:
        """The row of a 進捗管理表, in `ITEM_COLUMNS` order."""
        return dict(zip(ITEM_COLUMNS, (self.id, self.title, self.pages_text, self.due_text, self.status,
                                       self.note_text, self.grade_text, self.kpis_text)))


def item_views(items: Sequence[ItemProgress], kpi_status: Mapping[str, str]) -> tuple[ItemView, ...]:
    """Every item's view; `kpi_status` maps a KPI id to its status as its table writes it
    (a KPI not in the report reads 「—」)."""
    out = []
    for p in items:
        item = p.item
        out.append(ItemView(
            id=item.id, part=item.part, title=item.title, pages_text=item.pages or DASH,
            due_text="、".join(milestone_text(m) for m in item.milestones if m.tracked) or DASH,
            status=p.status,
            note_text=p.note or ("報告なし" if p.reported is None else DASH),
            grade_text=p.grade or DASH,
            kpis_text="、".join(f"{k} {kpi_status.get(k, DASH)}" for k in item.kpis) or DASH,
            progress=p,
        ))
    return tuple(out)
