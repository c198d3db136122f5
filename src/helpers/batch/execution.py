"""Executing a run's jobs and collecting their results: each notebook in a warm worker
process (or a fresh kernel), its HTML page and its area's Excel workbook written in the
job, any failure kept to its page; pages whose inputs have not changed come from the
verified cache (`helpers.batch.cache`).
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from helpers.batch.jobs import Job, JobResult
from helpers.batch.options import RunOptions
from helpers.batch.progress import Progress
from helpers.batch.workers import stopping_on_error, worker_context, worker_init
from helpers.core.errors import WorkbookError
from helpers.notebook.execute import strip_run_metadata
from helpers.outputs.html_export import export_html, external_resources
from helpers.sections import registry

__all__ = ["execute_all", "write_area_excel"]


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


def _page_files(job: Job) -> list[str]:
    """What a page leaves in its folder: its HTML, and the area's workbook if it writes one."""
    return [f"{job.notebook}.html", *([job.excel] if job.excel else [])]


def _page_inputs(job: Job, notebook_sha256: str, compared: dict | None) -> dict:
    """A page's own inputs, for its cache key (`helpers.batch.cache`)."""
    page = {"notebook": job.notebook, "notebook_sha256": notebook_sha256, "parameters": job.parameters,
            "title": job.title, "nav": job.nav, "excel": job.excel, "excel_sections": list(job.excel_sections)}
    if "compare_with" in job.parameters:
        page["compared_with"] = compared
    return page


def _compared_snapshot(snapshot, compare_with: str) -> dict | None:
    """The earlier snapshot a scorecard compares with (its id and manifest checksum)."""
    from helpers.data.readers import sha256_of
    from helpers.data.snapshot import resolve_snapshot
    from helpers.report.compare import earlier_snapshot

    ref = earlier_snapshot(snapshot) if compare_with == "auto" else (None if compare_with == "none" else compare_with)
    if ref is None:
        return None
    try:
        manifest = resolve_snapshot(ref) / "manifest.yaml"
    except WorkbookError:  # the scorecard itself reports an unknown snapshot
        return {"id": ref, "manifest_sha256": None}
    return {"id": ref, "manifest_sha256": sha256_of(manifest) if manifest.is_file() else None}


def _run_job(job: Job, staging: Path, source: Path, engine: str = "kernel",
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
            error = error or _failure(exc, "HTML の書き出しに失敗しました")
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
            error = _failure(exc, f"Excel のブック {job.excel} の書き出しに失敗しました")
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


def _failure(exc: BaseException, what: str) -> dict:
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


def _worker_job(job: Job, staging: Path, source: Path, keep: bool, profile: bool = False) -> JobResult:
    """A job in a warm worker process (the in-process papermill engine)."""
    return _run_job(job, staging, source, engine="workbook", keep=keep, profile=profile)


def _share_state(snapshot_ref: str, plan_file: str, snapshot, plan, folder: Path) -> str:
    """Compute the KPI engine's matrices once, in the parent, and write them with the
    validated snapshot and plan for the workers to read (`helpers.engine.loaded.share`)."""
    from helpers.engine import loaded

    loaded.prime(snapshot_ref, plan_file, snapshot, plan).scorecard()  # builds the engine's matrices
    path = folder / "state.pickle"
    loaded.share(path)
    return str(path)


def execute_all(jobs: list[Job], staging: Path, sources: dict[str, Path], workers: int,
                 options: RunOptions, snapshot_ref: str, progress: Progress, snapshot=None,
                 plan=None, context=None, cache=None) -> list[JobResult]:
    """Run every job whose page is not cached, `workers` at a time, heaviest first,
    reporting each as it finishes; keep each page that succeeded in the cache."""
    # the heaviest notebooks first, so that the last worker to finish is not left with a long one
    jobs = sorted(jobs, key=lambda j: -registry.by_notebook(j.notebook).weight)
    results: list[JobResult] = []
    keys: dict[int, str] = {}
    notes: dict[int, str | None] = {}
    if cache is not None:
        from helpers.data.readers import sha256_of

        compared = _compared_snapshot(snapshot, options.compare_with) if snapshot is not None else None
        # each notebook file hashed once per run, not once per area (a fan-out has hundreds)
        notebook_sha = {name: sha256_of(sources[name]) for name in {job.notebook for job in jobs}}
        to_run = []
        for job in jobs:
            key = keys[id(job)] = cache.key(_page_inputs(job, notebook_sha[job.notebook], compared))
            hit, notes[id(job)] = cache.get(key, staging / job.folder if job.folder else staging, _page_files(job))
            if hit is None:
                to_run.append(job)
                continue
            results.append(JobResult(job, True, 0.0, None, hit.record, cached=True))
            progress.done(results[-1])
        jobs = to_run

    def finished(result: JobResult) -> None:
        result.cache_note = notes.get(id(result.job))
        results.append(result)
        progress.done(result)
        if cache is not None and result.ok:
            folder = staging / result.job.folder if result.job.folder else staging
            cache.put(keys[id(result.job)], folder, _page_files(result.job), result.seconds, result.record)

    if not jobs:
        return results
    if options.engine == "kernel":
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures_jobs = {pool.submit(_run_job, job, staging, sources[job.notebook], "kernel",
                                        options.keep_notebooks, options.profile): job for job in jobs}
            futures = list(futures_jobs)
            for future in as_completed(futures):
                finished(_result_of(future, futures_jobs[future]))
        return results
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    with tempfile.TemporaryDirectory(prefix="workbook-run-") as private:
        state = _share_state(snapshot_ref, options.plan_file, snapshot, plan, Path(private))
        pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context or worker_context(),
                                   initializer=worker_init, initargs=(os.getpid(), state))
        _collect(pool, jobs, staging, sources, options, finished)
    return results


def _collect(pool, jobs: list[Job], staging: Path, sources: dict[str, Path], options: RunOptions,
             finished) -> None:
    """Submit every job to the worker pool and hand each result to `finished`."""
    with stopping_on_error(pool):
        futures = {pool.submit(_worker_job, job, staging, sources[job.notebook], options.keep_notebooks,
                               options.profile): job
                   for job in jobs}
        for future in as_completed(futures):
            finished(_result_of(future, futures[future]))


def _result_of(future, job: Job) -> JobResult:
    """A job's result; any exception that escaped the job (a worker that died, a result
    that could not be sent back) is that job's failure, never the run's."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        result = future.result()
    except BrokenProcessPool:
        return JobResult(job, False, 0.0, {"cell": None, "ename": "WorkerCrashed",
                                           "evalue": "作業プロセスが異常終了しました（メモリ不足などの可能性）"})
    except Exception as exc:
        return JobResult(job, False, 0.0, _failure(exc, "ページの実行中に想定外の誤りが起きました"))
    # the result crossed a process boundary: its job is a copy, so key by the original
    result.job = job
    return result
