"""One page of a run: its notebook executed, its HTML page (and the area's Excel
workbook when the job writes one) written into the job's folder, any failure kept to
the page as its error. Run in a worker process of the local pool or of a cluster."""

from __future__ import annotations

import json
import time
from pathlib import Path

from helpers.batch.jobs import Job, JobResult
from helpers.notebook.execute import strip_run_metadata
from helpers.outputs.html_export import export_html, external_resources
from helpers.sections import registry

__all__ = ["run_job", "write_area_excel", "failure"]


def write_area_excel(target: Path, notebooks: list[str] | tuple[str, ...], *, snapshot: str, plan_file: str,
                     scope: str, fiscal_year: int) -> str:
    """One area's Excel workbook: the scorecard first, then each section; returns its file name."""
    from helpers.outputs.excel import write_report_workbook
    from helpers.report.section import open_section

    reports = [open_section(registry.by_notebook(nb).slug, snapshot=snapshot, plan_file=plan_file,
                            scope=scope, fiscal_year=fiscal_year)
               for nb in notebooks]
    reports.sort(key=lambda r: r.section_id != registry.SCORECARD)
    return write_report_workbook(target, reports).name


def run_job(job: Job, staging: Path, source: Path, engine: str = "kernel",
             keep: bool = False, profile: bool = False) -> JobResult:
    """Execute one notebook and write its HTML; on failure keep the executed notebook."""
    import nbformat  # here, not at the top: the run's parent process never reads a notebook

    from helpers.notebook.execute import run_notebook

    started = time.perf_counter()
    target_dir = staging / job.folder if job.folder else staging
    target_dir.mkdir(parents=True, exist_ok=True)
    executed = target_dir / f"{job.notebook}.ipynb"
    error = None
    measured: list | None = [] if profile and engine == "workbook" else None
    try:
        nb = run_notebook(source, executed, job.parameters, cwd=source.parent, engine=engine,
                          **({"profile": measured} if measured is not None else {}))
    except Exception as exc:  # papermill raises on a failed cell; keep going with the others
        nb = nbformat.read(executed, as_version=4) if executed.exists() else None
        error = _error_of(nb, exc)
    record = _record_of(nb) if nb is not None and error is None else None
    cells = _cell_profile(nb, measured) if profile and nb is not None else None
    if nb is not None:
        try:
            html = _write_page(nb, job, executed, keep and error is None)
        except Exception as exc:  # a page that cannot be written is this page's failure, not the run's
            error = error or failure(exc, "HTML の書き出しに失敗しました")
        else:
            leaks = external_resources(html)
            if leaks and error is None:
                error = {"cell": None, "ename": "OfflineError", "evalue": f"外部の資源を参照しています: {leaks[:3]}"}
    if error is None and job.excel:
        p = job.parameters
        try:
            write_area_excel(target_dir / job.excel, job.excel_sections, snapshot=p["snapshot"],
                             plan_file=p["plan_file"], scope=job.area_code, fiscal_year=p["fiscal_year"])
        except Exception as exc:
            error = failure(exc, f"Excel のブック {job.excel} の書き出しに失敗しました")
    if error is None and not keep:
        executed.unlink(missing_ok=True)  # kept only for diagnosis of failures
    return JobResult(job, error is None, time.perf_counter() - started, error, record, cells=cells)


def _write_page(nb, job: Job, executed: Path, keep: bool) -> str:
    """Write the page's HTML beside the executed notebook (kept as .ipynb too when
    asked) and return it."""
    import nbformat

    strip_run_metadata(nb)
    if keep:
        nbformat.write(nb, executed)
    html = export_html(nb, job.title or f"{job.area_name} {job.notebook}", job.nav)
    (executed.parent / f"{job.notebook}.html").write_text(html, encoding="utf-8")
    return html


def failure(exc: BaseException, what: str) -> dict:
    """A failure outside the notebook's cells, as a job's error."""
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return {"cell": None, "ename": type(exc).__name__, "evalue": f"{what}（{detail}）" if detail else what}


def _cell_profile(nb, measured: list | None) -> list[dict]:
    """Each code cell's number (as in error messages), first line, seconds and peak
    memory: from the workbook engine's measurements, or for a kernel from papermill's
    recorded durations (memory is then not known)."""
    numbers, first_lines = {}, {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            numbers[index] = len(numbers) + 1
            first_lines[index] = (cell.source.strip().splitlines() or [""])[0][:80]
    if measured is None:
        measured = [{"cell": i, "seconds": round(float(c.metadata.get("papermill", {}).get("duration") or 0), 4),
                     "peak_mib": None} for i, c in enumerate(nb.cells) if i in numbers]
    return [{"cell": numbers[m["cell"]], "first_line": first_lines[m["cell"]], "seconds": m["seconds"],
             "peak_mib": m["peak_mib"]} for m in measured if m["cell"] in numbers]


def _error_of(nb, exc: Exception) -> dict:
    """Where and how a notebook failed: cell number, error name and message."""
    if nb is not None:
        code_cells = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            code_cells += 1
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    return {"cell": code_cells, "ename": output.ename, "evalue": output.evalue}
    return {"cell": None, "ename": type(exc).__name__, "evalue": str(exc).splitlines()[0] if str(exc) else ""}


def _record_of(nb) -> dict | None:
    for cell in nb.cells:
        if "record" in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                if "application/json" in output.get("data", {}):
                    # plain data, not nbformat's nodes: the parent then unpickles it
                    # without importing nbformat
                    return json.loads(json.dumps(output["data"]["application/json"]))
    return None
