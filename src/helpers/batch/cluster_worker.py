"""A page job on a cluster's worker, which need not share the parent's disk.

The worker receives everything from the run's parent: the run's inputs once per worker
(`helpers.batch.shipped`, checked by their sha256), the notebook's bytes, and the job.
It executes the page in a private temporary folder, as the local pool's workers do
(`helpers.batch.page_job`), and sends back the files the page left there (its HTML,
the area's Excel workbook, the executed notebook when it failed or was asked for). It
writes nothing anywhere else: the parent alone writes, caches and publishes.

A worker whose code or reference data differs from the parent's, or whose copy of the
inputs does not match their checksum, refuses the job (`RefusedJob`): the page is then
that job's failure, with the reason.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from helpers.batch.jobs import Job, JobResult

__all__ = ["Expected", "PageOutput", "RefusedJob", "run_page"]


class RefusedJob(Exception):
    """A worker refused a job: its environment or its copy of the inputs is not the parent's."""


@dataclass(frozen=True)
class Expected:
    """What the parent expects each worker to hold: the inputs' checksum and the environment."""

    inputs_sha256: str
    environment: dict


@dataclass
class PageOutput:
    """A page's result and the files it left in its folder (name → bytes)."""

    result: JobResult
    files: dict[str, bytes] = field(default_factory=dict)
    worker: str = ""


# this worker process's state: which inputs it took, and its notebooks on its own disk
_TAKEN: dict[str, str] = {}
_NOTEBOOKS: dict[str, Path] = {}


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # not on a dask worker (a test calling directly)
        return "この処理系"


def _take_inputs(inputs: bytes, expected: Expected, worker: str) -> None:
    """Check this worker's environment and take the run's inputs, once per worker."""
    from helpers.batch import shipped
    from helpers.report import shared_figures

    if _TAKEN.get("inputs") == expected.inputs_sha256:
        return
    differs = shipped.environment_difference(shipped.environment(), expected.environment)
    if differs:
        raise RefusedJob(f"作業ノード {worker} の{differs}が実行元と異なるため、ページを実行しません"
                         "（作業ノードに同じ版のワークブックを入れてください）")
    try:
        shipped.unpack(inputs, expected.inputs_sha256)
    except ValueError as err:
        raise RefusedJob(f"作業ノード {worker}: {err}") from None
    shared_figures.enable()  # charts that are the same for every area are drawn once per worker
    _TAKEN["inputs"] = expected.inputs_sha256


def _notebook_file(name: str, content: bytes) -> Path:
    """The notebook's bytes as a file of this worker's own (one folder per content)."""
    digest = hashlib.sha256(content).hexdigest()
    path = _NOTEBOOKS.get(digest)
    if path is None or not path.is_file():
        folder = Path(tempfile.mkdtemp(prefix="workbook-notebook-"))
        path = folder / f"{name}.ipynb"
        path.write_bytes(content)
        _NOTEBOOKS[digest] = path
    return path


def run_page(inputs: bytes, expected: Expected, job: Job, notebook: bytes, keep: bool = False,
             profile: bool = False) -> PageOutput:
    """Execute one page on this worker and return its result and files."""
    from helpers.batch.page_job import run_job

    worker = _worker_name()
    _take_inputs(inputs, expected, worker)
    source = _notebook_file(job.notebook, notebook)
    staging = Path(tempfile.mkdtemp(prefix="workbook-page-"))
    try:
        result = run_job(job, staging, source, engine="workbook", keep=keep, profile=profile)
        folder = staging / job.folder if job.folder else staging
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return PageOutput(result, files, worker)
