"""The report's sections as plug-ins: one module per section, registered once here.

The runner, the report index, the command line, the notebook scaffold and the tests
all read this registry; nothing else lists the sections. To add a section:

1. write `helpers/sections/<slug>.py` with `SECTION = SectionSpec(...)` (its notebook,
   title and cells: what it draws, the same every plan year);
2. in each plan file, give it a `report` entry (its lead and the plan's KPI sections it
   reports) and name it as the `section` of the register's parts it answers for;
3. make its notebook: `python tools/scaffold_notebooks.py <notebook>`, then
   `make notebooks` to record its outputs.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from helpers.core.errors import WorkbookError

__all__ = ["SectionSpec", "SECTIONS", "NOTEBOOKS", "by_slug", "by_notebook", "find", "require", "select",
           "SCORECARD"]

SCORECARD = "scorecard"


@dataclass(frozen=True)
class SectionSpec:
    """One section of the report: what it draws, the same every plan year (its lead, the
    plan parts and KPIs it answers for are the plan file's: `Plan.report_section`, the
    register's parts).

    Attributes:
        slug: the id used on the command line and in `open_section` ('national_pension').
        notebook: the notebook's stem ('01_national_pension'); its number orders the report.
        title: the Japanese title, used in page titles and the index ('国民年金（適用・収納）').
        views: the module under `helpers.report.views` holding the section's views ('national').
        body: the notebook's cells between the setup and the narrative, as (kind, text)
            with kind "md" or "code".
        weight: relative run time (seconds of the national page on the sample snapshot), so
            a batch starts the heaviest notebooks first.
        batch_parameters: parameters a batch run passes (the scorecard links to .html).
        extra_parameters: more lines for the notebook's parameters cell.
        items_first: the narrative leads with the 計画事項 (late ones first) rather
            than the KPIs (sections whose plan parts are mostly not numeric).
    """

    slug: str
    notebook: str
    title: str
    views: str
    body: tuple[tuple[str, str], ...]
    weight: float = 1.0
    batch_parameters: dict = field(default_factory=dict)
    extra_parameters: str = ""
    items_first: bool = False

    @property
    def number(self) -> str:
        """'01' for 01_national_pension."""
        return self.notebook[:2]


def _discover() -> tuple[SectionSpec, ...]:
    package = importlib.import_module("helpers.sections")
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "registry":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        spec = getattr(module, "SECTION", None)
        if isinstance(spec, SectionSpec):
            found.append(spec)
    found.sort(key=lambda s: s.notebook)
    slugs = [s.slug for s in found]
    notebooks = [s.notebook for s in found]
    if len(set(slugs)) != len(slugs) or len(set(notebooks)) != len(notebooks):
        raise RuntimeError(f"section slugs and notebooks must be unique: {slugs} {notebooks}")
    return tuple(found)


SECTIONS: tuple[SectionSpec, ...] = _discover()
NOTEBOOKS: tuple[str, ...] = tuple(s.notebook for s in SECTIONS)


def by_slug(slug: str) -> SectionSpec:
    """The section with this slug; KeyError when there is none."""
    for spec in SECTIONS:
        if spec.slug == slug:
            return spec
    raise KeyError(slug)


def by_notebook(notebook: str) -> SectionSpec:
    """The section whose notebook stem is `notebook`; KeyError when there is none."""
    for spec in SECTIONS:
        if spec.notebook == notebook:
            return spec
    raise KeyError(notebook)


def find(name: str) -> SectionSpec | None:
    """A section named the ways a user may name it: slug, notebook stem or number
    ('records', '04_records', '04', '4')."""
    for spec in SECTIONS:
        if name in (spec.slug, spec.notebook, spec.number) or (name.isdigit() and int(name) == int(spec.number)):
            return spec
    return None


def require(name: str, *, with_scorecard: bool = True) -> SectionSpec:
    """`find`, or `WorkbookError` naming the sections there are (the one refusal that
    the command line, the runner and the notebooks all give)."""
    spec = find(name)
    choices = [s for s in SECTIONS if with_scorecard or s.slug != SCORECARD]
    if spec is None or spec not in choices:
        raise WorkbookError(f"区分「{name}」はありません。使える区分: {', '.join(s.slug for s in choices)}")
    return spec


def select(names: list[str] | None) -> list[str]:
    """Notebook stems, in report order, for section names as `find` reads them (all
    sections when none are named)."""
    if not names:
        return list(NOTEBOOKS)
    chosen = {require(name).notebook for name in names}
    return [nb for nb in NOTEBOOKS if nb in chosen]
