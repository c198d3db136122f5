"""A plan year's file (`params/plan_fy<year>.yaml`): the plan's title, year and source,
its register of 計画事項, each report section's lead and KPI sections, and every KPI
with its formula over the contract's measures, its target and the plan's wording.

Everything that changes from one plan year to the next is here, not in code. Loading
validates the file against the snapshot contract: a missing field, an unknown target
rule, or a measure the contract does not define is an error naming the KPI and field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from helpers.core import paths
from helpers.core.errors import InvalidInput, Problem, WorkbookError
from helpers.core.safe_yaml import UnsafeYaml, load_yaml_file
from helpers.data.contract import MEASURES

__all__ = ["Kpi", "Plan", "Section", "ReportSection", "load_plan", "plan_file_for", "choose_plan", "DEFAULT_PLAN", "TARGET_RULES",
           "UNIT_LABELS"]

DEFAULT_PLAN = "params/plan_fy2023.yaml"

TARGET_RULES = {
    "above_prior_year": "前年度実績を上回る",
    "at_least_prior_year": "前年度実績と同等以上",
    "at_least": "目標値以上",
    "below": "目標値未満",
    "below_prior_year": "前年度実績を下回る",
    "track": "実績把握（目標なし）",
}
AGGREGATIONS = ("sum", "last", "ratio_of_sums", "derived")
UNIT_LABELS = {
    "percent": "%", "points": "ポイント", "persons": "人", "cases": "件", "establishments": "事業所",
    "inspections": "件", "yen": "円", "minutes": "分", "bookings": "件", "records": "件",
}
_NAME = re.compile(r"[a-z0-9_]{1,60}")
# the register sits beside its plan: a plain file name, never a path
_REGISTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}\.yaml")
_KPI_ID = re.compile(r"[A-Z]{2}[0-9]{2}")
_REQUIRED = ("id", "section", "name_ja", "name_en", "unit", "aggregation", "direction", "target",
             "baseline", "plan_page")


@dataclass(frozen=True)
class Section:
    """A plan section (the KPI catalogue's grouping): slug and Japanese name."""

    id: str
    name_ja: str


@dataclass(frozen=True)
class ReportSection:
    """What a plan year says about one report section: its lead paragraph (である調)
    and the plan's KPI sections it reports (none for the scorecard: it shows all)."""

    slug: str
    lead: str
    kpi_sections: tuple[str, ...]


@dataclass(frozen=True)
class Kpi:
    """One KPI of the plan.

    Attributes mirror `plan/kpi_catalog.csv`; `area` fixes the area the KPI always looks
    at (沖縄県 for NP06); `derived` gives a difference of two KPI values (NP07).
    """

    id: str
    section: str
    name_ja: str
    name_en: str
    unit: str
    numerator: str | None
    denominator: str | None
    aggregation: str
    direction: str
    target_rule: str
    target_value: float | None
    baseline_value: float | None
    baseline_period: str | None
    baseline_note: str | None
    plan_page: str
    area: str | None = None
    derived: dict | None = None
    decimals: int | None = None
    target_wording: str | None = None
    headline: bool = False
    assumption: str | None = None
    aim: str | None = None  # the plan's aim in its own words (「12年連続の前年比向上」)

    @property
    def precision(self) -> int:
        """Decimals the plan states the KPI in: `decimals` if given (99.77% for
        RC02), else one for rates and minutes, none for counts."""
        if self.decimals is not None:
            return self.decimals
        return 1 if self.unit in ("percent", "points", "minutes") else 0

    @property
    def is_rate(self) -> bool:
        """True for percentages (differences in ポイント)."""
        return self.unit == "percent"

    @property
    def national_only(self) -> bool:
        """Counted for the whole country only (ねんきんダイヤル, 年金委員 ...): no value
        below 全国."""
        return self.numerator is not None and MEASURES[self.numerator].level == "national" and self.area is None

    @property
    def unit_label(self) -> str:
        """'%', '人', 'ポイント' ..."""
        return UNIT_LABELS[self.unit]

    @property
    def is_projectable(self) -> bool:
        """In-year cumulative rates: a ratio whose numerator builds up over the year."""
        return (self.aggregation == "ratio_of_sums" and self.numerator is not None
                and MEASURES[self.numerator].kind in ("flow", "ytd"))


@dataclass(frozen=True)
class Plan:
    """The catalogue: plan facts, sections in order, KPIs in catalogue order."""

    title: str
    fiscal_year: int
    source: str
    sections: list[Section]
    kpis: list[Kpi]
    file: str = DEFAULT_PLAN  # where it was read from, relative to the project
    register_file: str | None = None  # the register beside it (a full path: it is read, never shown)
    report: tuple[ReportSection, ...] = ()

    @property
    def progress_title(self) -> str:
        """The report's name: 「日本年金機構 令和5年度計画 進捗」."""
        return f"{self.title} 進捗"

    def report_section(self, slug: str) -> ReportSection:
        """The plan's lead and KPI sections for a report section; `WorkbookError`
        naming the file when the plan says nothing of it."""
        for entry in self.report:
            if entry.slug == slug:
                return entry
        raise WorkbookError(f"計画ファイル {self.file} の report に区分「{slug}」の記載（lead と kpi_sections）がありません。")

    def register(self):
        """The plan's register of 計画事項 (validated against this plan's KPIs; cached)."""
        from helpers.data.register import load_register

        if self.register_file is None:
            raise WorkbookError(f"計画ファイル {self.file} に計画事項の一覧（plan.register）が指定されていません。")
        return load_register(self.register_file, frozenset(k.id for k in self.kpis))

    def kpi(self, kpi_id: str) -> Kpi:
        """A KPI by id."""
        for k in self.kpis:
            if k.id == kpi_id:
                return k
        raise KeyError(kpi_id)

    def section(self, section_id: str) -> Section:
        """A section by slug."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def kpis_of(self, section_id: str) -> list[Kpi]:
        """The KPIs of one section, in catalogue order."""
        return [k for k in self.kpis if k.section == section_id]


def plan_file_for(fiscal_year: int) -> str:
    """The plan file of a fiscal year: 'params/plan_fy2023.yaml' for 2023.

    >>> plan_file_for(2024)
    'params/plan_fy2024.yaml'
    """
    return f"params/plan_fy{int(fiscal_year)}.yaml"


def choose_plan(plan_file: str | None, fiscal_year: int) -> str:
    """The plan a report uses: the one asked for (`--plan`), else the plan of the
    snapshot's fiscal year; `WorkbookError` naming the file looked for when that year
    has none."""
    if plan_file:
        return str(plan_file)
    chosen = plan_file_for(fiscal_year)
    if not paths.resolve(chosen).is_file():
        from helpers.core.era import fiscal_year_label

        raise WorkbookError(f"スナップショットの年度（{fiscal_year_label(fiscal_year)}）の計画ファイル {chosen} がありません。"
                            f"その年度の計画を {chosen} に置くか、--plan で計画ファイルを指定してください"
                            f"（例: --plan {DEFAULT_PLAN}）。")
    return chosen


def load_plan(path: str | Path = DEFAULT_PLAN) -> Plan:
    """Read and validate the catalogue; `InvalidInput` lists every problem."""
    file_path = paths.resolve(path)
    label = paths.display_path(file_path)
    if not file_path.is_file():
        raise InvalidInput(f"計画ファイル {label} が読めません:", [Problem(label, "", "ファイルがありません")])
    try:
        doc = load_yaml_file(file_path)
    except UnsafeYaml as err:
        raise InvalidInput(f"計画ファイル {label} が読めません:", [Problem(label, "", str(err))]) from None
    problems: list[Problem] = []
    plan = _parse(doc, label, problems)
    if plan is not None:
        plan = _with_files(plan, doc, file_path, label, problems)
    if problems or plan is None:
        raise InvalidInput(f"計画ファイル {label} に誤りがあります（{len(problems)} 件）:", problems)
    return plan


def _with_files(plan: Plan, doc: dict, file_path: Path, label: str, problems: list[Problem]) -> Plan | None:
    """The plan with where it was read from, its register beside it and its report block."""
    from dataclasses import replace

    name = doc["plan"].get("register")
    register_file = None
    if name is not None:
        if not _REGISTER_NAME.fullmatch(str(name)):
            problems.append(Problem(label, "plan.register", "計画事項の一覧は、計画ファイルと同じフォルダのファイル名で"
                                                              "書くこと（例: plan_register_fy2023.yaml）"))
        elif not (file_path.parent / str(name)).is_file():
            problems.append(Problem(label, "plan.register", f"計画事項の一覧 {name} が計画ファイルと同じフォルダにありません"))
        else:
            register_file = str(file_path.parent / str(name))  # read from here; shown by display_path
    report = _report_block(doc.get("report"), {s.id for s in plan.sections}, label, problems)
    return replace(plan, file=paths.display_path(file_path), register_file=register_file, report=report)


def _report_block(raw, plan_sections: set[str], label: str, problems: list[Problem]) -> tuple[ReportSection, ...]:
    """`report:` a list of {section, lead, kpi_sections}: which plan sections each report
    section shows, and its lead paragraph."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(Problem(label, "report", "区分ごとに section、lead、kpi_sections を並べて書くこと"))
        return ()
    out, seen = [], set()
    for i, entry in enumerate(raw):
        where = f"report の{i + 1}番目"
        if not isinstance(entry, dict) or not {"section", "lead"} <= set(entry):
            problems.append(Problem(label, where, "section と lead が必要です"))
            continue
        slug = str(entry["section"])
        where = f"report 区分「{slug}」"
        if not _NAME.fullmatch(slug) or slug in seen:
            problems.append(Problem(label, where, "section は英小文字・数字・_ の区分名で、重複しないこと"))
            continue
        seen.add(slug)
        lead = entry["lead"]
        if not isinstance(lead, str) or not lead.strip():
            problems.append(Problem(label, f"{where} lead", "区分の説明（である調の文）を書くこと"))
            continue
        kpi_sections = entry.get("kpi_sections") or []
        if not isinstance(kpi_sections, list):
            problems.append(Problem(label, f"{where} kpi_sections", "計画の区分（sections の id）を並べて書くこと"))
            continue
        unknown = [str(k) for k in kpi_sections if str(k) not in plan_sections]
        if unknown:
            problems.append(Problem(label, f"{where} kpi_sections",
                                    f"sections にない区分です: {'、'.join(unknown)}"))
            continue
        out.append(ReportSection(slug, lead.strip(), tuple(str(k) for k in kpi_sections)))
    return tuple(out)


def _parse(doc, label: str, problems: list[Problem]) -> Plan | None:
    if not isinstance(doc, dict) or not {"plan", "sections", "kpis"} <= set(doc):
        problems.append(Problem(label, "", "plan, sections, kpis の3項目が必要です"))
        return None
    sections = []
    for i, s in enumerate(doc["sections"] or []):
        if not isinstance(s, dict) or not {"id", "name_ja"} <= set(s):
            problems.append(Problem(label, f"sections の{i + 1}番目", "id と name_ja が必要です"))
            continue
        extra = sorted(set(s) - {"id", "name_ja"})
        if extra:  # which notebook answers for a section is the registry's (helpers/sections)
            problems.append(Problem(label, f"sections の{i + 1}番目",
                                    f"項目 {'、'.join(map(str, extra))} は使いません（id と name_ja だけを書くこと。"
                                    "どのノートブックが答えるかは helpers/sections の登録簿が決めます）"))
            continue
        # ids become file names and links: plain names only
        if not _NAME.fullmatch(str(s["id"])):
            problems.append(Problem(label, f"sections の{i + 1}番目",
                                    "id は英小文字・数字・_ で書くこと（例: national_pension）"))
            continue
        sections.append(Section(str(s["id"]), str(s["name_ja"])))
    section_ids = {s.id for s in sections}
    kpis: list[Kpi] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc["kpis"] or []):
        kpi = _parse_kpi(raw, i, label, section_ids, problems)
        if kpi is None:
            continue
        if kpi.id in seen:
            problems.append(Problem(label, f"KPI {kpi.id}", "KPI の id が重複しています"))
        seen.add(kpi.id)
        kpis.append(kpi)
    for kpi in kpis:
        if kpi.derived:
            for part in ("minuend", "subtrahend"):
                ref = kpi.derived.get(part) or {}
                if ref.get("kpi") not in seen:
                    problems.append(Problem(label, f"KPI {kpi.id} derived.{part}",
                                            f"参照先の KPI「{ref.get('kpi')}」がありません"))
    meta = doc["plan"] if isinstance(doc["plan"], dict) else {}
    for key in ("title", "fiscal_year", "source"):
        if key not in meta:
            problems.append(Problem(label, f"plan.{key}", "必須の項目がありません"))
    if problems:
        return None
    return Plan(str(meta["title"]), int(meta["fiscal_year"]), str(meta["source"]), sections, kpis)


def _parse_kpi(raw, i: int, label: str, section_ids: set[str], problems: list[Problem]) -> Kpi | None:
    where = f"KPI {raw.get('id', f'{i + 1}番目')}" if isinstance(raw, dict) else f"kpis の{i + 1}番目"
    if not isinstance(raw, dict):
        problems.append(Problem(label, where, "項目名: 値 の形式で書くこと"))
        return None
    missing = [k for k in _REQUIRED if k not in raw]
    for key in missing:
        problems.append(Problem(label, f"{where} 項目「{key}」", "必須の項目がありません"))
    if missing:
        return None
    before = len(problems)
    if not _KPI_ID.fullmatch(str(raw["id"])):
        problems.append(Problem(label, f"{where} 項目「id」", "KPI の id は英大文字2字と数字2字で書くこと（例: NP04）"))
    target = raw["target"] if isinstance(raw["target"], dict) else {}
    baseline = raw["baseline"] if isinstance(raw["baseline"], dict) else {}
    rule = target.get("rule")
    if rule not in TARGET_RULES:
        problems.append(Problem(label, f"{where} 項目「target.rule」",
                                f"目標の種類「{rule}」は使えません（{', '.join(TARGET_RULES)} のいずれか）"))
    if rule in ("at_least", "below") and target.get("value") is None:
        problems.append(Problem(label, f"{where} 項目「target.value」", f"{rule} には目標値が必要です"))
    if raw["section"] not in section_ids:
        problems.append(Problem(label, f"{where} 項目「section」", f"sections にない区分「{raw['section']}」です"))
    if raw["unit"] not in UNIT_LABELS:
        problems.append(Problem(label, f"{where} 項目「unit」", f"単位「{raw['unit']}」は使えません"))
    if raw["aggregation"] not in AGGREGATIONS:
        problems.append(Problem(label, f"{where} 項目「aggregation」",
                                f"集計方法「{raw['aggregation']}」は使えません（{', '.join(AGGREGATIONS)}）"))
    if raw["direction"] not in ("higher", "lower"):
        problems.append(Problem(label, f"{where} 項目「direction」", "higher か lower であること"))
    numerator, denominator = raw.get("numerator"), raw.get("denominator")
    if raw["aggregation"] == "derived":
        if not isinstance(raw.get("derived"), dict):
            problems.append(Problem(label, f"{where} 項目「derived」", "derived には minuend と subtrahend が必要です"))
    else:
        if not numerator:
            problems.append(Problem(label, f"{where} 項目「numerator」", "分子（指標名）が必要です"))
        for field, name in (("numerator", numerator), ("denominator", denominator)):
            if name and name not in MEASURES:
                problems.append(Problem(label, f"{where} 項目「{field}」",
                                        f"指標「{name}」はスナップショットの契約にありません"))
        if raw["aggregation"] == "ratio_of_sums" and not denominator:
            problems.append(Problem(label, f"{where} 項目「denominator」", "ratio_of_sums には分母が必要です"))
        if numerator in MEASURES:
            kind = MEASURES[numerator].kind
            if raw["aggregation"] == "sum" and kind != "flow":
                problems.append(Problem(label, f"{where} 項目「aggregation」",
                                        f"sum は flow の指標に使うこと（{numerator} は {kind}）"))
            if raw["aggregation"] == "last" and kind == "flow":
                problems.append(Problem(label, f"{where} 項目「aggregation」",
                                        f"last は stock か ytd の指標に使うこと（{numerator} は flow）"))
    if len(problems) > before:
        return None
    return Kpi(
        id=str(raw["id"]), section=str(raw["section"]), name_ja=str(raw["name_ja"]),
        name_en=str(raw["name_en"]), unit=str(raw["unit"]), numerator=numerator,
        denominator=denominator, aggregation=str(raw["aggregation"]), direction=str(raw["direction"]),
        target_rule=str(rule), target_value=_number(target.get("value")),
        baseline_value=_number(baseline.get("value")),
        baseline_period=None if baseline.get("period") is None else str(baseline.get("period")),
        baseline_note=baseline.get("note"), plan_page=str(raw["plan_page"]),
        area=None if raw.get("area") is None else str(raw["area"]), derived=raw.get("derived"),
        decimals=None if raw.get("decimals") is None else int(raw["decimals"]),
        target_wording=None if (raw.get("target") or {}).get("wording") is None else str(raw["target"]["wording"]),
        headline=bool(raw.get("headline", False)),
        assumption=None if raw.get("assumption") is None else str(raw["assumption"]),
        aim=None if raw.get("aim") is None else str(raw["aim"]),
    )


def _number(value) -> float | None:
    return None if value is None else float(value)
