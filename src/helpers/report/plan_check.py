"""`workbook plan check FILE`: is a plan year's file (and its register) one the report
can use? The file's own rules (fields, target rules, measures of the contract) are
`load_plan`'s; this adds what only the report knows: every report section has its
lead, every KPI and every part of the plan has a section that shows it, and the
register's items name only KPIs of the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpers.core import paths
from helpers.core.errors import InvalidInput, Problem, WorkbookError
from helpers.data.plan import Plan, load_plan
from helpers.data.register import Register
from helpers.sections.registry import SCORECARD, SECTIONS

__all__ = ["PlanCheck", "check_plan_file"]


@dataclass(frozen=True)
class PlanCheck:
    """The outcome: the file as shown, its problems, and the plan and register when
    they could be read."""

    file: str
    problems: tuple[Problem, ...]
    plan: Plan | None
    register: Register | None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_plan_file(path: str | Path) -> PlanCheck:
    """Every problem of a plan file and its register, none raised."""
    shown = paths.display_path(paths.resolve(path))
    try:
        plan = load_plan(path)
    except InvalidInput as err:
        return PlanCheck(shown, tuple(err.problems), None, None)
    problems = _report_problems(plan)
    register = None
    try:
        register = plan.register()
    except InvalidInput as err:  # items naming a KPI the plan lacks are among these
        problems += err.problems
    except WorkbookError as err:
        problems.append(Problem(shown, "plan.register", str(err)))
    if register is not None:
        problems += _register_problems(plan, register)
    return PlanCheck(shown, tuple(problems), plan, register)


def _report_problems(plan: Plan) -> list[Problem]:
    """Each report section has the plan's word for it; each KPI is shown by one."""
    out = []
    known = {s.slug for s in SECTIONS}
    given = {r.slug for r in plan.report}
    for spec in SECTIONS:
        if spec.slug not in given:
            out.append(Problem(plan.file, f"report 区分「{spec.slug}」",
                               "区分の説明（lead）と示す計画の区分（kpi_sections）がありません"))
    for entry in plan.report:
        if entry.slug not in known:
            out.append(Problem(plan.file, f"report 区分「{entry.slug}」",
                               f"この名前の区分はありません（{', '.join(sorted(known))} のいずれか）"))
        elif entry.slug == SCORECARD and entry.kpi_sections:
            out.append(Problem(plan.file, f"report 区分「{entry.slug}」 kpi_sections",
                               "スコアカードはすべての指標を示すため、kpi_sections は書かないこと"))
    shown = {k for r in plan.report if r.slug in known for k in r.kpi_sections}
    for kpi in plan.kpis:
        if kpi.section not in shown:
            out.append(Problem(plan.file, f"KPI {kpi.id} 項目「section」",
                               f"計画の区分「{kpi.section}」を示す区分が report にないため、この指標はどの区分にも載りません"))
    return out


def _register_problems(plan: Plan, register: Register) -> list[Problem]:
    """The register is of the plan's year, and every part has a section answering for it."""
    out = []
    if register.fiscal_year != plan.fiscal_year:
        out.append(Problem(register.file, "fiscal_year",
                           f"計画事項の一覧の年度 {register.fiscal_year} が計画の年度 {plan.fiscal_year} と違います"))
    sections = {s.slug for s in SECTIONS if s.slug != SCORECARD}
    for part in register.parts:
        if part.section not in sections:
            out.append(Problem(register.file, f"parts の ({part.part}) {part.name}",
                               f"section「{part.section}」はありません。この部を示す区分を"
                               f"{', '.join(sorted(sections))} から選ぶこと"))
    return out
