"""`workbook run`: every section for a snapshot, executed and published as offline HTML.

The run checks its options, the snapshot and the output folder before any notebook
starts (`helpers.batch.options`), plans the pages (`jobs`) and their links (`links`),
executes them in parallel (`execution`), writes `run.json` and `index.html`, and
publishes the folder atomically (`helpers.outputs.publish`). A failed section does not
stop the others; its executed notebook is kept with the error, the run is kept under
`failed/` and the last good report stays published.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path

from helpers.batch.cache import OutputCache
from helpers.batch.cluster_spec import parse_cluster
from helpers.batch.execution import execute_all
from helpers.batch.jobs import Job, JobResult, plan_jobs
from helpers.batch.links import link_pages
from helpers.batch.options import Run, RunOptions, check_run, checked_options, several_workers
from helpers.batch.progress import Progress
from helpers.batch.run_record import build_record, package_versions, print_slowest, snapshot_facts
from helpers.batch.workers import stop_on_sigterm, worker_context
from helpers.core import paths
from helpers.core.errors import OutputError
from helpers.data.quick_checks import newest_snapshot
from helpers.notebook.execute import notebook_paths
from helpers.outputs.publish import RunLock, clean_stale, keep_failed, publish, staging_dir

__all__ = ["RunOptions", "Job", "JobResult", "run_reports", "newest_snapshot"]


def run_reports(options: RunOptions, stream=None) -> int:
    """Run, publish, and return the exit code (0 all sections succeeded, 1 some failed)."""
    stream = stream or sys.stderr
    started = dt.datetime.now().astimezone()
    clock = time.perf_counter()
    options = checked_options(options, stream)
    cluster = parse_cluster(options.cluster)
    # the workers' fork server imports what they need while this process validates
    context = (worker_context(warm_up=several_workers(options)) if options.engine != "kernel" and cluster is None
               else None)
    with stop_on_sigterm(), _cluster_session(cluster, options) as session:
        run = check_run(options, stream)
        _release_freed_memory()  # validation's intermediate copies of a large table
        jobs = plan_jobs(run.snapshot, run.notebooks, run.options.scope, run.options.each, run.ref,
                         run.options.plan_file, run.fiscal_year, run.options.compare_with, workbook=run.workbook_file)
        link_pages(jobs, run.snapshot, run.plan)
        try:
            with RunLock(run.out):
                staging = None
                try:
                    clean_stale(run.out)
                    staging = staging_dir(run.out, run.name, started)
                    return _run_in(staging, run, jobs, context, stream, started, clock, session)
                except BaseException:
                    if staging is not None and staging.name.endswith(".partial"):
                        shutil.rmtree(staging, ignore_errors=True)  # nothing half-written stays behind
                    raise
        except OSError as err:
            raise OutputError(
                f"出力先 {paths.display_path(run.out)} に書き込めません（{err.strerror or err}）。"
                "空き容量と書き込みの権限を確かめてください。公開中のレポートはそのままです。") from None


def _cluster_session(cluster, options: RunOptions):
    """A connected cluster for the run (`helpers.batch.cluster`), or nothing."""
    if cluster is None:
        return contextlib.nullcontext(None)
    from helpers.batch.cluster import connected

    return connected(cluster, options.jobs or os.cpu_count() or 1)


def _run_in(staging: Path, run: Run, jobs: list[Job], context, stream, started: dt.datetime, clock: float,
            session=None) -> int:
    """Execute every page into `staging`, write the record and the index, and publish
    (or keep a run with failures under failed/)."""
    from helpers.outputs.index_page import plan_items, write_index
    from helpers.outputs.pdf import print_pages

    options = run.options
    progress = Progress(len(jobs), stream)
    reuse = not (options.force or options.keep_notebooks or options.profile)
    cache = OutputCache.for_run(run.out, snapshot_facts(run.snapshot), paths.resolve(options.plan_file),
                                package_versions(), enabled=reuse, stream=stream,
                                register_file=Path(run.plan.register_file) if run.plan.register_file else None)
    sources = {p.stem: p for p in notebook_paths()}
    results = execute_all(jobs, staging, sources, run.workers, options, run.ref, progress, run.snapshot, run.plan,
                          context, cache, session)
    progress.close()
    order = {(j.area_code, j.notebook): i for i, j in enumerate(jobs)}
    results.sort(key=lambda r: order[(r.job.area_code, r.job.notebook)])
    wall = time.perf_counter() - clock
    record = build_record(run, results, started, wall, session.describe() if session is not None else None)
    if options.profile:
        print_slowest(results, stream)
    (staging / "run.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    write_index(staging / "index.html", snapshot=run.snapshot, plan=run.plan, results=results, record=record,
                each=options.each, excel=run.workbook_file, **plan_items(run.snapshot, run.plan))
    if options.pdf:
        print_pages(staging, stream, run.workers)
    failed = [r for r in results if not r.ok]
    if failed:
        _keep_failed(staging, run, failed, stream)
        return 1
    link = publish(staging, run.out, run.name)
    cache.prune()
    root = paths.project_root()
    shown = link.relative_to(root) if link.is_relative_to(root) else link
    reused = sum(r.cached for r in results)
    note = f"うち {reused} 件は入力が前回と同じため再利用、" if reused else ""
    print(f"公開しました: {shown}/index.html（{len(results)} 件、{note}{wall:.1f}秒）", file=stream)
    return 0


def _keep_failed(staging: Path, run: Run, failed: list[JobResult], stream) -> None:
    """Keep a run with failures for diagnosis and say which pages failed, and where."""
    where = keep_failed(staging, run.out, run.name)
    print(f"失敗した区分があります（{len(failed)} 件）。公開中のレポートはそのままです。"
          f"診断用の結果: {paths.display_path(where)}/index.html", file=stream)
    for r in failed:
        e = r.error or {}
        print(f"  - {r.job.area_name} {r.job.notebook}: セル {e.get('cell')} で {e.get('ename')}: {e.get('evalue')}",
              file=stream)


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
