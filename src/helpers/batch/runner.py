"""`workbook run`: every section for a snapshot, executed and published as offline HTML.

The run checks the snapshot and parameters before any notebook starts, executes the
notebooks (papermill) in parallel, exports HTML in-process, writes `index.html` and
`run.json`, and publishes the folder atomically (`helpers.outputs.publish`). A failed section
does not stop the others; its executed notebook is kept with the error, the run is
kept under `failed/` and the last good report stays published.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from helpers.batch.cache import OutputCache
from helpers.batch.progress import Progress
from helpers.batch.run_record import git_commit, package_versions, snapshot_facts
from helpers.batch.workers import stop_on_sigterm, stopping_on_error, worker_context, worker_init
from helpers.core import paths
from helpers.core.errors import InvalidInput, OutputError, WorkbookError
from helpers.data.plan import load_plan
from helpers.data.quick_checks import check_scope, newest_snapshot
from helpers.data.snapshot import check_snapshot
from helpers.notebook.execute import notebook_paths, strip_run_metadata
from helpers.outputs.html_export import export_html, external_resources
from helpers.outputs.output_guard import check_output_folder, check_publish_target
from helpers.outputs.publish import RunLock, clean_stale, keep_failed, publish, staging_dir
from helpers.sections import registry

__all__ = ["RunOptions", "Job", "JobResult", "run_reports", "newest_snapshot"]

EACH_LEVELS = ("region", "prefecture", "office")


@dataclass
class RunOptions:
    """What the user asked for (the command line's options)."""

    snapshot: str | None = None
    sections: list[str] | None = None
    scope: str = "00"
    each: str | None = None
    jobs: int = 0
    out: str = "reports"
    plan_file: str = "params/plan_fy2023.yaml"
    engine: str = "inprocess"  # or "kernel": a fresh Jupyter kernel per notebook
    keep_notebooks: bool = False  # keep every executed .ipynb, not only failed ones
    fiscal_year: int | None = None  # None: the snapshot's year
    compare_with: str = "auto"  # the scorecard's 前回: auto (latest earlier snapshot), none, or an id
    pdf: bool = False  # also print each page of the scope to an A4 PDF (headless Chromium)
    force: bool = False  # execute every page, even those whose inputs have not changed
    profile: bool = False  # record each cell's seconds and peak memory in run.json


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


def report_name(snapshot_id: str, scope: str, each: str | None) -> str:
    """The published folder's name under the output folder."""
    if each:
        return f"{snapshot_id}_each-{each}"
    return snapshot_id if scope == "00" else f"{snapshot_id}_{scope}"


def plan_jobs(snapshot, sections: list[str], scope: str, each: str | None, snapshot_ref: str,
              plan_file: str = "params/plan_fy2023.yaml", fiscal_year: int | None = None,
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


def write_area_excel(target: Path, notebooks: list[str] | tuple[str, ...], *, snapshot: str, plan_file: str,
                     scope: str, fiscal_year: int) -> str:
    """One area's Excel workbook: the scorecard first, then each section; returns its file name."""
    from helpers.outputs.excel import write_report_workbook
    from helpers.report.section import open_section

    reports = [open_section(registry.by_notebook(nb).slug, snapshot=snapshot, plan_file=plan_file,
                            scope=scope, fiscal_year=fiscal_year)
               for nb in notebooks]
    reports.sort(key=lambda r: r.section_id != "scorecard")
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


def _write_pdfs(staging: Path, stream, workers: int = 1) -> None:
    """Every page as an A4 PDF under pdf/ (the scope's pages at its root, a fan-out's
    area pages in pdf/<area>/), `workers` pages at a time, or a clear line saying why
    not (no Chromium on this machine)."""
    from helpers.outputs.pdf import PdfUnavailable, Prints, find_chromium, print_pdf

    browser = find_chromium()
    if browser is None:
        print("注意: PDF は作りませんでした。Chromium が見つかりません（Debian では sudo apt-get install chromium）。"
              "HTML はブラウザの印刷で A4 に印刷できます。", file=stream)
        return
    pages = sorted(staging.glob("*.html")) + sorted(staging.glob("*/*.html"))
    pages = [p for p in pages if p.parent.name != "pdf"]

    def one(page: Path) -> str | None:
        rel = page.relative_to(staging).with_suffix(".pdf")
        target = staging / "pdf" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            print_pdf(page, target, browser, prints=prints)
        except (PdfUnavailable, RuntimeError, subprocess.TimeoutExpired) as err:
            return f"注意: {page.relative_to(staging)} の PDF を作れませんでした: {err}"
        return None

    prints = Prints()
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        for problem in pool.map(one, pages):  # in page order, so the messages read in order
            if problem:
                print(problem, file=stream)
    except BaseException:
        # SIGTERM or Ctrl-C: a print may take up to its time limit, so do not wait for
        # it; kill every Chromium started, with its child processes, and unwind at once
        prints.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _plan_items(snapshot, plan) -> dict:
    """The register and every 計画事項 at the snapshot's 基準日, for the index (none when
    the snapshot's year is not the plan's)."""
    from helpers.data.register import load_register
    from helpers.engine.item_progress import item_progress

    if snapshot.fiscal_year != plan.fiscal_year:
        return {}
    register = load_register()
    return {"register": register, "items": item_progress(register, snapshot.progress, snapshot.as_of)}


def link_pages(jobs: list[Job], snapshot, plan) -> None:
    """Give every page its title (「全国 スコアカード」) and its links: back to the
    index, to the other sections of the same area, and in a fan-out to the same
    section of the parent and child areas that are in the run."""
    from html import escape

    from helpers.outputs.index_page import section_titles

    titles = section_titles()
    in_run = {j.area_code: j for j in jobs}
    names = {j.area_code: j.area_name for j in jobs}
    notebooks = list(dict.fromkeys(j.notebook for j in jobs))
    chains = {code: snapshot.ancestors(code) for code in in_run}
    for job in jobs:
        job.title = f"{job.area_name} {titles.get(job.notebook, job.notebook)}"
        up = "../" if job.folder else ""
        links = [f'<a href="{up}index.html">索引に戻る</a>']
        links += [f'<a href="{escape(nb)}.html">{escape(titles.get(nb, nb))}</a>'
                  for nb in notebooks if nb != job.notebook]
        if job.folder:
            parent = next((c for c in chains[job.area_code][1:] if c in in_run), None)
            if parent is not None:
                where = f"../{escape(in_run[parent].folder)}/" if in_run[parent].folder else "../"
                links.append(f'<a href="{where}{escape(job.notebook)}.html">上位: {escape(names[parent])}</a>')
        children = [c for c, chain in chains.items()
                    if c != job.area_code and next((a for a in chain[1:] if a in in_run), None) == job.area_code]
        if children:
            child_links = " ".join(f'<a href="{up}{escape(c)}/{escape(job.notebook)}.html">{escape(names[c])}</a>'
                                   for c in children)
            links.append(f"<details><summary>下位の地域（{len(children)}）</summary>{child_links}</details>")
        job.nav = " ".join(links)


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


def _print_slowest(results: list[JobResult], stream, count: int = 5) -> None:
    """The slowest cells of the run, for the terminal (the full list is in run.json)."""
    cells = [(c["seconds"], r.job, c) for r in results for c in (r.cells or [])]
    cells.sort(key=lambda x: -x[0])
    print(f"時間のかかったセル（上位 {min(count, len(cells))} 件。全件は run.json の cells）:", file=stream)
    for seconds, job, c in cells[:count]:
        memory = f"、最大メモリ {c['peak_mib']:.0f} MiB" if c.get("peak_mib") else ""
        print(f"  {seconds:6.2f}秒 {job.area_name} {job.notebook} セル {c['cell']}「{c['first_line']}」{memory}",
              file=stream)


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


def _execute_all(jobs: list[Job], staging: Path, sources: dict[str, Path], workers: int,
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


def _release_freed_memory() -> None:
    """Hand the memory freed after validation back to the system before the workers
    start (glibc keeps freed blocks for reuse, so the process would stay at the
    validation's peak for the whole run: 10x the sample, about 0.5 GiB)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to trim


def run_reports(options: RunOptions, stream=None) -> int:
    """Run, publish, and return the exit code (0 all sections succeeded, 1 some failed)."""
    from helpers.outputs.index_page import write_index

    stream = stream or sys.stderr
    started = dt.datetime.now().astimezone()
    clock = time.perf_counter()
    # the workers' fork server imports what they need while this process validates
    context = worker_context() if options.engine != "kernel" else None
    snapshot_ref = options.snapshot or newest_snapshot(stream)
    sections = registry.select(options.sections)  # a wrong section or scope is answered at once,
    options.scope = check_scope(snapshot_ref, options.scope)  # before the whole snapshot is checked
    check = check_snapshot(snapshot_ref)
    if not check.ok:
        raise InvalidInput(f"スナップショット {paths.display_path(check.path)} は契約を満たしていないため、"
                           f"実行しません（{len(check.problems)} 件）:", check.problems)
    snapshot = check.snapshot
    _release_freed_memory()  # validation's intermediate copies of a large table
    plan = load_plan(options.plan_file)
    if options.each and options.each not in EACH_LEVELS:
        raise WorkbookError(f"--each には {', '.join(EACH_LEVELS)} のいずれかを指定してください。")
    snapshot.area(options.scope)  # unknown scope: refused before anything runs
    ref = snapshot.id if (paths.snapshots_dir() / snapshot.id).resolve() == check.path.resolve() else str(check.path)
    fiscal_year = options.fiscal_year or snapshot.fiscal_year
    first = int(snapshot.manifest["first_fiscal_year"])
    if not first <= fiscal_year <= snapshot.fiscal_year:
        raise WorkbookError(f"--fiscal-year {fiscal_year} はこのスナップショットにありません（{first}～"
                            f"{snapshot.fiscal_year}。令和5年度は 2023 と書きます）。")
    name = report_name(snapshot.id, options.scope, options.each)
    if fiscal_year != snapshot.fiscal_year:  # a report on an earlier year never replaces this year's
        name += f"_fy{fiscal_year}"
    workbook_file = f"{name}.xlsx"
    jobs = plan_jobs(snapshot, sections, options.scope, options.each, ref, options.plan_file, fiscal_year,
                     options.compare_with, workbook=workbook_file)
    link_pages(jobs, snapshot, plan)
    jobs_n = options.jobs or os.cpu_count() or 1
    out = paths.resolve(options.out)
    # never in or over data, the plan, the notebooks or the code; never over a folder
    # the workbook did not publish (refused before anything is written)
    check_output_folder(out, check.path)
    check_publish_target(out / name)
    sources = {p.stem: p for p in notebook_paths()}

    try:
        with stop_on_sigterm(), RunLock(out):
            staging = None
            try:
                clean_stale(out)
                staging = staging_dir(out, name, started)
                progress = Progress(len(jobs), stream)
                reuse = not (options.force or options.keep_notebooks or options.profile)
                cache = OutputCache.for_run(out, snapshot_facts(snapshot), paths.resolve(options.plan_file),
                                            package_versions(), enabled=reuse, stream=stream)
                results = _execute_all(jobs, staging, sources, jobs_n, options, ref, progress, snapshot, plan,
                                       context, cache)
                progress.close()
                order = {(j.area_code, j.notebook): i for i, j in enumerate(jobs)}
                results.sort(key=lambda r: order[(r.job.area_code, r.job.notebook)])
                failed = [r for r in results if not r.ok]
                wall = time.perf_counter() - clock
                record = {
                    "snapshot": snapshot_facts(snapshot),
                    "parameters": {"snapshot": ref, "sections": sections, "scope": options.scope,
                                   "each": options.each, "jobs": jobs_n, "fiscal_year": fiscal_year,
                                   "plan_file": options.plan_file},
                    "started_at": started.isoformat(timespec="seconds"),
                    "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                    "wall_seconds": round(wall, 2),
                    "code": git_commit(),
                    "packages": package_versions(),
                    "notebooks": [{"area_code": r.job.area_code, "area_name": r.job.area_name,
                                   "notebook": r.job.notebook, "html": r.job.html,
                                   "outcome": "ok" if r.ok else "failed", "seconds": round(r.seconds, 2),
                                   "cached": r.cached, "error": r.error,
                                   **({"cache_rejected": r.cache_note} if r.cache_note else {}),
                                   **({"cells": r.cells} if r.cells is not None else {})} for r in results],
                    "exit_code": 1 if failed else 0,
                }
                if options.profile:
                    _print_slowest(results, stream)
                (staging / "run.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
                write_index(staging / "index.html", snapshot=snapshot, plan=plan, results=results, record=record,
                            each=options.each, excel=workbook_file, **_plan_items(snapshot, plan))
                if options.pdf:
                    _write_pdfs(staging, stream, jobs_n)
                if failed:
                    where = keep_failed(staging, out, name)
                    print(f"失敗した区分があります（{len(failed)} 件）。公開中のレポートはそのままです。"
                          f"診断用の結果: {paths.display_path(where)}/index.html", file=stream)
                    for r in failed:
                        e = r.error or {}
                        print(f"  - {r.job.area_name} {r.job.notebook}: セル {e.get('cell')} で "
                              f"{e.get('ename')}: {e.get('evalue')}", file=stream)
                    return 1
                link = publish(staging, out, name)
                cache.prune()
                shown = link.relative_to(paths.project_root()) if link.is_relative_to(paths.project_root()) else link
                reused = sum(r.cached for r in results)
                note = f"うち {reused} 件は入力が前回と同じため再利用、" if reused else ""
                print(f"公開しました: {shown}/index.html（{len(results)} 件、{note}{wall:.1f}秒）",
                      file=stream)
                return 0
            except BaseException:
                if staging is not None and staging.name.endswith(".partial"):
                    shutil.rmtree(staging, ignore_errors=True)  # nothing half-written stays behind
                raise
    except OSError as err:
        raise OutputError(
            f"出力先 {paths.display_path(out)} に書き込めません（{err.strerror or err}）。"
            "空き容量と書き込みの権限を確かめてください。公開中のレポートはそのままです。") from None
