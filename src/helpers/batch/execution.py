"""Executing a run's jobs and collecting their results: each notebook in a warm worker
process (or a fresh kernel), its HTML page and its area's Excel workbook written in the
job, any failure kept to its page; pages whose inputs have not changed come from the
verified cache (`helpers.batch.cache`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from helpers.batch.jobs import Job, JobResult
from helpers.batch.options import RunOptions
from helpers.batch.page_job import failure, run_job
from helpers.batch.progress import Progress
from helpers.batch.workers import stopping_on_error, worker_context, worker_init
from helpers.core.errors import WorkbookError
from helpers.sections import registry

__all__ = ["execute_all"]


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


def _worker_job(job: Job, staging: Path, source: Path, keep: bool, profile: bool = False) -> JobResult:
    """A job in a warm worker process (the in-process papermill engine)."""
    return run_job(job, staging, source, engine="workbook", keep=keep, profile=profile)


def _compare_with(jobs: list[Job]) -> str | None:
    """What the run's scorecards compare with (None: no scorecard among the jobs)."""
    return next((job.parameters["compare_with"] for job in jobs if "compare_with" in job.parameters), None)


def execute_all(jobs: list[Job], staging: Path, sources: dict[str, Path], workers: int,
                 options: RunOptions, snapshot_ref: str, progress: Progress, snapshot=None,
                 plan=None, context=None, cache=None, cluster=None) -> list[JobResult]:
    """Run every job whose page is not cached, `workers` at a time (or on `cluster`, a
    `helpers.batch.cluster.Session`), heaviest first, reporting each as it finishes;
    keep each page that succeeded in the cache."""
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
            futures_jobs = {pool.submit(run_job, job, staging, sources[job.notebook], "kernel",
                                        options.keep_notebooks, options.profile): job for job in jobs}
            futures = list(futures_jobs)
            for future in as_completed(futures):
                finished(_result_of(future, futures_jobs[future]))
        return results
    from helpers.batch import shipped

    inputs = shipped.pack(snapshot_ref, options.plan_file, snapshot, plan, _compare_with(jobs))
    if cluster is not None:
        from helpers.batch.cluster import run_on_cluster

        run_on_cluster(cluster, jobs, staging, sources, inputs, options.keep_notebooks, options.profile, finished)
        return results
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    with tempfile.TemporaryDirectory(prefix="workbook-run-") as private:
        state = Path(private) / "inputs.pickle"  # this run's own folder: its workers read it, nobody else writes it
        state.write_bytes(inputs.data)
        pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context or worker_context(),
                                   initializer=worker_init, initargs=(os.getpid(), str(state), inputs.sha256))
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
        return JobResult(job, False, 0.0, failure(exc, "ページの実行中に想定外の誤りが起きました"))
    # the result crossed a process boundary: its job is a copy, so key by the original
    result.job = job
    return result
