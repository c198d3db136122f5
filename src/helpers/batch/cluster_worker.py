"""A page job on a cluster's worker, which need not share the parent's disk.

The worker receives everything from the run's parent. The run's inputs
(`helpers.batch.shipped`) and its notebooks come once per worker, with the run's
worker plugin (`helpers.batch.cluster_plugin`), which the scheduler also gives to a
worker that joins or is restarted mid-run; each is `hold`-ed here under the inputs'
sha256 until the run ends (`release`). A job names the inputs it needs: the worker
takes them into its process (`helpers.batch.shipped.unpack`) when another run's were
active, executes the page in a private temporary folder, as the local pool's workers
do (`helpers.batch.page_job`), and sends back the files the page left there (its HTML,
the area's Excel workbook, the executed notebook when it failed or was asked for). It
writes nothing anywhere else: the parent alone writes, caches and publishes.

A worker whose code or reference data differs from the parent's, or whose copy of the
inputs does not match their checksum, refuses the run's jobs (`RefusedJob`): each page
is then that job's failure, with the reason.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from helpers.batch.jobs import Job, JobResult

__all__ = ["PageOutput", "RefusedJob", "hold", "release", "run_page", "STARTED_TOPIC"]

STARTED_TOPIC = "workbook-page-started"  # a job's key, told to the scheduler when its page starts


class RefusedJob(Exception):
    """A worker refused a job: its environment or its copy of the inputs is not the parent's."""


@dataclass
class PageOutput:
    """A page's result and the files it left in its folder (name → bytes)."""

    result: JobResult
    files: dict[str, bytes] = field(default_factory=dict)
    worker: str = ""


@dataclass
class _Held:
    """One run's inputs on this worker: the bytes, the notebooks as files, or why not."""

    data: bytes
    folder: Path | None
    refusal: str | None


_HELD: dict[str, _Held] = {}  # by the inputs' sha256: runs may share a cluster
_ACTIVE: dict[str, str] = {}  # the inputs taken into this process ("sha256")


def hold(sha256: str, data: bytes, notebooks: dict[str, bytes], environment: dict, worker: str) -> None:
    """Keep a run's inputs and notebooks on this worker; note why its jobs must be
    refused when this worker's environment or the bytes are not the parent's."""
    from helpers.batch import shipped

    refusal = None
    differs = shipped.environment_difference(shipped.environment(), environment)
    if differs:
        refusal = (f"作業ノード {worker} の{differs}が実行元と異なるため、ページを実行しません"
                   "（作業ノードに同じ版のワークブックを入れてください）")
    elif problem := shipped.checksum_problem(data, sha256):
        refusal = f"作業ノード {worker}: {problem}"
    folder = None
    if refusal is None:
        folder = Path(tempfile.mkdtemp(prefix="workbook-notebooks-"))
        for name, content in notebooks.items():
            (folder / f"{Path(name).name}.ipynb").write_bytes(content)
    release(sha256)
    _HELD[sha256] = _Held(data, folder, refusal)


def release(sha256: str) -> None:
    """Forget a run's inputs (the run has ended)."""
    held = _HELD.pop(sha256, None)
    if held is not None and held.folder is not None:
        shutil.rmtree(held.folder, ignore_errors=True)
    if _ACTIVE.get("sha256") == sha256:
        _ACTIVE.clear()


def _dask_worker():
    """The Dask worker running this job (None outside one: a test calling directly)."""
    try:
        from distributed import get_worker

        return get_worker()
    except (ImportError, ValueError):
        return None


def _announce_start(worker) -> None:
    """Tell the scheduler this job has started, and wait until it has been told: a worker
    that dies takes down the job it runs (which is then submitted once more and
    reported), not the ones it only held.

    The worker's own `log_event` is fire-and-forget, batched every few milliseconds: a
    page that killed its worker at once (under load) died before the event left, and
    was taken for one that had only waited. The client's `log_event` returns when the
    scheduler has the event (one round trip per page)."""
    if worker is not None:
        from distributed import get_client

        get_client().log_event(STARTED_TOPIC, {"key": str(worker.get_current_task())})


def _take(sha256: str, worker: str) -> _Held:
    """The run's inputs, taken into this process unless they already are."""
    from helpers.batch import shipped

    held = _HELD.get(sha256)
    if held is None:
        raise RefusedJob(f"作業ノード {worker} はこの実行の入力を受け取っていません")
    if held.refusal:
        raise RefusedJob(held.refusal)
    if _ACTIVE.get("sha256") != sha256:
        # checked again: a held copy is still the parent's; set up as the local pool's workers are
        shipped.work_on(held.data, sha256)
        _ACTIVE["sha256"] = sha256
    return held


def run_page(inputs_sha256: str, job: Job, keep: bool = False, profile: bool = False) -> PageOutput:
    """Execute one page on this worker and return its result and files."""
    from helpers.batch.page_job import run_job

    dask_worker = _dask_worker()
    _announce_start(dask_worker)
    worker = dask_worker.address if dask_worker is not None else "この処理系"
    held = _take(inputs_sha256, worker)
    source = held.folder / f"{job.notebook}.ipynb"
    staging = Path(tempfile.mkdtemp(prefix="workbook-page-"))
    try:
        result = run_job(job, staging, source, engine="workbook", keep=keep, profile=profile)
        folder = staging / job.folder if job.folder else staging
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PageOutput(result, files, worker)
