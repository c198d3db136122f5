"""The jobs of a run: one notebook for one area, and how each went.

A run's pages are planned here (every section for the scope and, in a fan-out, for each
area of a level inside it), with the job that also writes each area's Excel workbook.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpers.batch.options import report_name
from helpers.data.plan import DEFAULT_PLAN
from helpers.data.snapshot import Snapshot
from helpers.sections import registry

__all__ = ["Job", "JobResult", "plan_jobs", "heaviest"]


@dataclass
class Job:
    """One notebook for one area."""

    notebook: str          # e.g. 01_national_pension
    area_code: str
    area_name: str
    folder: str            # relative folder in the report ("" or the area code)
    parameters: dict = field(default_factory=dict)
    title: str = ""        # the page title: 「全国 スコアカード」
    nav: str = ""          # escaped HTML links: the index, the other sections, parent and child areas
    excel: str = ""        # one job per area (the scope's too) also writes the area's workbook (file name)
    excel_sections: tuple[str, ...] = ()  # the notebooks that workbook covers

    @property
    def html(self) -> str:
        """The HTML file's path relative to the report folder."""
        return f"{self.folder}/{self.notebook}.html" if self.folder else f"{self.notebook}.html"


@dataclass
class JobResult:
    """How one job went."""

    job: Job
    ok: bool
    seconds: float
    error: dict | None = None
    record: dict | None = None
    cached: bool = False  # reused from an earlier run whose inputs were the same
    cache_note: str | None = None  # why a cached page was not reused (tampered, unreadable)
    cells: list | None = None  # with --profile: each code cell's seconds and peak memory
    worker: str = ""  # on a cluster: the worker that executed the page (its address)
    retries: int = 0  # on a cluster: how many times the page was submitted again after its worker died


def plan_jobs(snapshot: Snapshot, sections: list[str], scope: str, each: str | None, snapshot_ref: str,
              plan_file: str = DEFAULT_PLAN, fiscal_year: int | None = None,
              compare_with: str = "auto", workbook: str | None = None) -> list[Job]:
    """The notebooks to run: every section for the scope and, in a fan-out, for each
    area of a level inside it (in a folder named by its code). One job per area also
    writes the area's Excel workbook: `workbook` (default: the report's name) for the
    scope, `<snapshot>_<area>.xlsx` in an area's folder. A worker has the libraries
    loaded, so the run's parent never has to import them."""
    area = snapshot.area(scope)
    targets = [(scope, str(area["name_ja"]), "")]  # the scope's own pages at the report's root
    if each:
        picked = snapshot.areas_within(scope, each)
        targets += [(c, n, c) for c, n in zip(picked["area_code"], picked["name_ja"])]
    jobs = []
    for code, name, folder in targets:
        for notebook in sections:
            params = {"snapshot": snapshot_ref, "plan_file": plan_file, "scope": code,
                      "fiscal_year": fiscal_year or snapshot.fiscal_year}
            params.update(registry.by_notebook(notebook).batch_parameters)
            if notebook == registry.by_slug(registry.SCORECARD).notebook:
                params["compare_with"] = compare_with
            jobs.append(Job(notebook, code, name, folder, params))
        if sections:
            book = f"{report_name(snapshot.id, code, None)}.xlsx" if folder else (
                workbook or f"{report_name(snapshot.id, scope, each)}.xlsx")
            writer = heaviest(jobs[-len(sections):])
            writer.excel, writer.excel_sections = book, tuple(sections)
    return jobs


def heaviest(jobs: list[Job]) -> Job:
    """The job that runs first of these (the heaviest notebook): the one to give extra
    work to, such as the area's Excel workbook. Jobs run heaviest first, so work added
    to a light one would come at the end of the run, while the other workers wait."""
    return max(jobs, key=lambda j: registry.by_notebook(j.notebook).weight)
