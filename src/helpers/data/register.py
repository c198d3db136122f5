"""The plan register (`params/plan_register_fy2023.yaml`): every 計画事項 of the plan's
twelve parts, with its pages, title, summary in the plan's words, dated milestones and
the KPIs that measure it. Loading checks it: a missing field, a malformed id or month,
an unknown milestone kind or KPI is an error naming the item and field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from helpers.core import paths
from helpers.core.era import month_end
from helpers.core.errors import InvalidInput, Problem
from helpers.core.safe_yaml import UnsafeYaml, load_yaml_file

__all__ = ["Milestone", "milestone_text", "PlanItem", "PlanPart", "Register", "load_register", "DEFAULT_REGISTER",
           "MILESTONE_KINDS", "ITEM_ID"]

DEFAULT_REGISTER = "params/plan_register_fy2023.yaml"
MILESTONE_KINDS = {
    "開始": "この月から実施する",
    "期限": "この月までに完了・稼働する",
    "経緯": "計画年度より前の事実（進捗の判定には使わない）",
}
ITEM_ID = re.compile(r"R(0[1-9]|1[0-2])-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class Milestone:
    """A dated step of an item: '令和6年1月稼働' is (2024-01, 期限)."""

    month: str  # YYYY-MM
    kind: str
    text: str

    @property
    def due(self) -> dt.date:
        """The month's last day: a milestone is late only once its month has ended."""
        year, month = (int(x) for x in self.month.split("-"))
        return month_end(year, month)

    @property
    def tracked(self) -> bool:
        return self.kind in ("開始", "期限")


@dataclass(frozen=True)
class PlanItem:
    """One 計画事項."""

    id: str
    part: int
    pages: str | None
    title: str
    summary: str
    milestones: tuple[Milestone, ...]
    kpis: tuple[str, ...]


@dataclass(frozen=True)
class PlanPart:
    """One of the plan's twelve numbered parts and the report section answering for it."""

    part: int
    name: str
    section: str


@dataclass(frozen=True)
class Register:
    """The whole register, in the plan's order."""

    parts: tuple[PlanPart, ...]
    items: tuple[PlanItem, ...]

    def item(self, item_id: str) -> PlanItem:
        return next(i for i in self.items if i.id == item_id)

    def items_of(self, parts: tuple[int, ...]) -> list[PlanItem]:
        """The items of the given parts, in register order."""
        return [i for i in self.items if i.part in parts]

    def part(self, number: int) -> PlanPart:
        return next(p for p in self.parts if p.part == number)


def _parse(doc: dict, label: str, kpi_ids: set[str] | None) -> tuple[Register | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("parts"), list) or not isinstance(doc.get("items"), list):
        return None, [Problem(label, "", "parts と items の2項目が必要です")]
    parts = []
    for i, raw in enumerate(doc["parts"]):
        if not isinstance(raw, dict) or not {"part", "name", "section"} <= set(raw):
            problems.append(Problem(label, f"parts の{i + 1}番目", "part, name, section が必要です"))
            continue
        parts.append(PlanPart(int(raw["part"]), str(raw["name"]), str(raw["section"])))
    numbers = {p.part for p in parts}
    items, seen = [], set()
    for i, raw in enumerate(doc["items"]):
        where = f"items の{i + 1}番目"
        if not isinstance(raw, dict) or not {"id", "part", "title", "summary"} <= set(raw):
            problems.append(Problem(label, where, "id, part, title, summary が必要です"))
            continue
        item_id = str(raw["id"])
        where = f"計画事項 {item_id}"
        if not ITEM_ID.fullmatch(item_id):
            problems.append(Problem(label, where, "id は R01-01 の形（R と部の番号2桁、- と2桁の連番）で書くこと"))
            continue
        if item_id in seen:
            problems.append(Problem(label, where, "id が重複しています"))
        seen.add(item_id)
        if int(raw["part"]) not in numbers or int(item_id[1:3]) != int(raw["part"]):
            problems.append(Problem(label, where, f"part {raw['part']} が parts にないか、id の番号と合いません"))
        milestones = []
        for m in raw.get("milestones") or []:
            month = str(m.get("month", ""))
            if not _MONTH.fullmatch(month) or not 1 <= int(month[5:]) <= 12:
                problems.append(Problem(label, f"{where} milestones", f"month は YYYY-MM で書くこと（値: {month}）"))
                continue
            if m.get("kind") not in MILESTONE_KINDS:
                problems.append(Problem(label, f"{where} milestones",
                                        f"kind は {'、'.join(MILESTONE_KINDS)} のいずれか（値: {m.get('kind')}）"))
                continue
            milestones.append(Milestone(month, str(m["kind"]), str(m.get("text", ""))))
        kpis = tuple(str(k) for k in raw.get("kpis") or [])
        unknown = [k for k in kpis if kpi_ids is not None and k not in kpi_ids]
        if unknown:
            problems.append(Problem(label, f"{where} kpis", f"計画にない指標です: {', '.join(unknown)}"))
        items.append(PlanItem(item_id, int(raw["part"]), None if raw.get("pages") is None else str(raw["pages"]),
                              str(raw["title"]), str(raw["summary"]), tuple(milestones), kpis))
    return Register(tuple(sorted(parts, key=lambda p: p.part)), tuple(items)), problems


@lru_cache(maxsize=4)
def _load(path_text: str) -> Register:
    from helpers.data.plan import load_plan

    path = paths.resolve(path_text)
    label = path.name
    try:
        doc = load_yaml_file(path, _MAX_BYTES)
    except (UnsafeYaml, OSError) as err:
        raise InvalidInput(f"計画事項の一覧 {label} を読めません:", [Problem(label, "", str(err))]) from None
    register, problems = _parse(doc, label, {k.id for k in load_plan().kpis})
    if problems or register is None:
        raise InvalidInput(f"計画事項の一覧 {label} に誤りがあります（{len(problems)} 件）:", problems)
    return register


def load_register(path: str = DEFAULT_REGISTER) -> Register:
    """The plan register, validated (cached: it is read by every section).

    >>> register = load_register()
    >>> register.item("R08-01").milestones[0].month, len(register.parts)
    ('2024-01', 12)
    """
    return _load(str(path))


def milestone_text(m: Milestone) -> str:
    """'令和6年1月（期限）'."""
    from helpers.core.era import month_label

    return f"{month_label(m.due)}（{m.kind}）"
