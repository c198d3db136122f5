"""A plan's register (`params/plan_register_fy<year>.yaml`, named by its plan file):
every 計画事項 of the plan's parts (each part named as the plan writes it, with its
pages and the report section answering for it), with its pages, title, the plan's 主な内容 in full, its deliverables (each
in the plan's words, with its kind and month), the dates of its text that are context
only, and the KPIs that measure it. Loading checks it: a missing field, a malformed id
or month, an unknown kind or KPI is an error naming the item and field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from helpers.core import paths
from helpers.core.era import month_end
from helpers.core.errors import InvalidInput, Problem
from helpers.core.safe_yaml import UnsafeYaml, load_yaml_file

__all__ = ["Deliverable", "ContextDate", "due_text", "PlanItem", "PlanPart", "Register", "load_register",
           "DEFAULT_REGISTER", "DELIVERABLE_KINDS", "ITEM_ID"]

DEFAULT_REGISTER = "params/plan_register_fy2023.yaml"
DELIVERABLE_KINDS = {
    "開始": "この月から実施する",
    "期限": "この月までに完了・稼働する",
    "年度内": "月の定めがなく、年度末までに行う",
}
ITEM_ID = re.compile(r"R(0[1-9]|1[0-2])-\d{2}")
DELIVERABLE_ID = re.compile(r"D\d{1,2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Deliverable:
    """One deliverable of an item, in the plan's words: '令和6年1月稼働に向けて' is
    (期限, 2024-01); an action with no month is due within the year (年度内)."""

    id: str  # D1, D2 ... within its item
    kind: str
    month: str | None  # YYYY-MM; None for 年度内
    text: str
    reading: str | None  # why the plan's date was read this way
    fiscal_year: int

    @property
    def due(self) -> dt.date:
        """The last day it may be met on: its month's end, or the year's end for 年度内."""
        if self.month is None:
            return month_end(self.fiscal_year + 1, 3)
        year, month = (int(x) for x in self.month.split("-"))
        return month_end(year, month)


@dataclass(frozen=True)
class ContextDate:
    """A date in the plan's text that is not a deliverable of the year (a law's future
    effective date, a service started before the plan year)."""

    month: str
    text: str
    reading: str


@dataclass(frozen=True)
class PlanItem:
    """One 計画事項: the plan's 主な内容 in full, its deliverables and its KPIs."""

    id: str
    part: int
    pages: str | None
    title: str
    content: tuple[str, ...]
    deliverables: tuple[Deliverable, ...]
    context: tuple[ContextDate, ...]
    kpis: tuple[str, ...]

    def deliverable(self, deliverable_id: str) -> Deliverable:
        return next(d for d in self.deliverables if d.id == deliverable_id)


@dataclass(frozen=True)
class PlanPart:
    """One of the plan's twelve numbered parts (named as the plan writes it, with its
    pages) and the report section answering for it."""

    part: int
    name: str
    section: str
    pages: str

    @property
    def label(self) -> str:
        """「(8) 社会保険オンラインシステムの刷新・レベルアップ」."""
        return f"({self.part}) {self.name}"


@dataclass(frozen=True)
class Register:
    """The whole register, in the plan's order."""

    fiscal_year: int
    parts: tuple[PlanPart, ...]
    items: tuple[PlanItem, ...]
    file: str = DEFAULT_REGISTER  # where it was read from, relative to the project

    def item(self, item_id: str) -> PlanItem:
        return next(i for i in self.items if i.id == item_id)

    def items_of(self, parts: tuple[int, ...]) -> list[PlanItem]:
        """The items of the given parts, in register order."""
        return [i for i in self.items if i.part in parts]

    def part(self, number: int) -> PlanPart:
        return next(p for p in self.parts if p.part == number)

    def parts_of(self, section: str) -> tuple[int, ...]:
        """The numbers of the parts a report section answers for (plan data)."""
        return tuple(p.part for p in self.parts if p.section == section)


def _month(value, where: str, label: str, problems: list[Problem]) -> str | None:
    month = str(value or "")
    if not _MONTH.fullmatch(month) or not 1 <= int(month[5:]) <= 12:
        problems.append(Problem(label, where, f"month は YYYY-MM で書くこと（値: {month}）"))
        return None
    return month


def _deliverables(raw: dict, where: str, label: str, year: int, problems: list[Problem]) -> list[Deliverable]:
    out, seen = [], set()
    for d in raw.get("deliverables") or []:
        did = str(d.get("id", "")) if isinstance(d, dict) else ""
        at = f"{where} deliverables {did}"
        if not DELIVERABLE_ID.fullmatch(did) or did in seen:
            problems.append(Problem(label, at, "id は D1 の形で、事項の中で重複しないこと"))
            continue
        seen.add(did)
        kind = d.get("kind")
        if kind not in DELIVERABLE_KINDS:
            problems.append(Problem(label, at, f"kind は {'、'.join(DELIVERABLE_KINDS)} のいずれか（値: {kind}）"))
            continue
        month = None
        if kind != "年度内":
            month = _month(d.get("month"), at, label, problems)
            if month is None:
                continue
        if not str(d.get("text") or "").strip():
            problems.append(Problem(label, at, "text に計画の言葉を書くこと"))
            continue
        out.append(Deliverable(did, str(kind), month, str(d["text"]), d.get("reading"), year))
    if not out:
        problems.append(Problem(label, where, "deliverables が1件もありません（月の定めがなければ kind: 年度内）"))
    return out


def _parse(doc: dict, label: str, kpi_ids: set[str] | None) -> tuple[Register | None, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("parts"), list) or not isinstance(doc.get("items"), list):
        return None, [Problem(label, "", "fiscal_year、parts と items が必要です")]
    year = doc.get("fiscal_year")
    if not isinstance(year, int):
        return None, [Problem(label, "fiscal_year", "計画の年度（西暦の開始年、例: 2023）を整数で書くこと")]
    parts = []
    for i, raw in enumerate(doc["parts"]):
        if not isinstance(raw, dict) or not {"part", "name", "section", "pages"} <= set(raw):
            problems.append(Problem(label, f"parts の{i + 1}番目", "part, name, section, pages が必要です"))
            continue
        parts.append(PlanPart(int(raw["part"]), str(raw["name"]), str(raw["section"]), str(raw["pages"])))
    numbers = {p.part for p in parts}
    items, seen = [], set()
    for i, raw in enumerate(doc["items"]):
        where = f"items の{i + 1}番目"
        if not isinstance(raw, dict) or not {"id", "part", "title", "content", "deliverables"} <= set(raw):
            problems.append(Problem(label, where, "id, part, title, content, deliverables が必要です"))
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
        content = tuple(str(c) for c in raw.get("content") or [])
        if not content:
            problems.append(Problem(label, f"{where} content", "計画の主な内容を1件以上書くこと"))
        deliverables = _deliverables(raw, where, label, year, problems)
        context = []
        for c in raw.get("context") or []:
            month = _month(c.get("month"), f"{where} context", label, problems)
            if month is not None:
                context.append(ContextDate(month, str(c.get("text", "")), str(c.get("reading", ""))))
        kpis = tuple(str(k) for k in raw.get("kpis") or [])
        unknown = [k for k in kpis if kpi_ids is not None and k not in kpi_ids]
        if unknown:
            problems.append(Problem(label, f"{where} kpis", f"計画にない指標です: {', '.join(unknown)}"))
        items.append(PlanItem(item_id, int(raw["part"]), None if raw.get("pages") is None else str(raw["pages"]),
                              str(raw["title"]), content, tuple(deliverables), tuple(context), kpis))
    return Register(year, tuple(sorted(parts, key=lambda p: p.part)), tuple(items)), problems


@lru_cache(maxsize=8)
def _load(path_text: str, kpi_ids: frozenset[str] | None, _stamp: tuple[int, int]) -> Register:
    path = paths.resolve(path_text)
    label = paths.display_path(path)
    try:
        doc = load_yaml_file(path, _MAX_BYTES)
    except (UnsafeYaml, OSError) as err:
        raise InvalidInput(f"計画事項の一覧 {label} を読めません:", [Problem(label, "", str(err))]) from None
    register, problems = _parse(doc, label, kpi_ids)
    if problems or register is None:
        raise InvalidInput(f"計画事項の一覧 {label} に誤りがあります（{len(problems)} 件）:", problems)
    return replace(register, file=label)


# registers a run's parent read and sent to its workers (`receive`): a worker reads no
# register from its own disk, which may be another machine's
_RECEIVED: dict[tuple[str, frozenset[str] | None], Register] = {}


def shipment(path: str, kpi_ids: frozenset[str] | None) -> dict:
    """A register as this process reads it, for a run's workers to `receive`."""
    return {(str(path), kpi_ids): load_register(path, kpi_ids)}


def receive(registers: dict) -> None:
    """Registers read by the run's parent (`shipment`), used instead of reading the files."""
    _RECEIVED.clear()
    _RECEIVED.update(registers)


def load_register(path: str = DEFAULT_REGISTER, kpi_ids: frozenset[str] | None = None) -> Register:
    """A plan register, validated (cached: it is read by every section). Given the
    plan's KPI ids, an item naming a KPI the plan does not have is an error; a plan
    reads its own register with `Plan.register()`.

    >>> register = load_register()
    >>> [(d.kind, d.month) for d in register.item("R08-01").deliverables], len(register.parts)
    ([('期限', '2024-01'), ('期限', '2024-03'), ('期限', '2024-01')], 12)
    """
    received = _RECEIVED.get((str(path), kpi_ids))
    if received is not None:
        return received
    resolved = paths.resolve(str(path))
    try:  # an edited register is read again: the cache keys on the file's size and time
        stat = resolved.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)
    return _load(str(path), kpi_ids, stamp)


def due_text(d: Deliverable) -> str:
    """When a deliverable is due, as the 進捗管理表 writes it: '令和6年1月（期限）',
    '令和5年9月（開始）', '令和5年度内'."""
    from helpers.core.era import fiscal_year_label, month_label

    if d.month is None:
        return f"{fiscal_year_label(d.fiscal_year)}内"
    return f"{month_label(d.due)}（{d.kind}）"
