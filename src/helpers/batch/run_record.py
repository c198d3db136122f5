"""The run record (`run.json`): the snapshot's checksums, the parameters, the code
version, the versions of the packages that shape the output, and how each page went."""

from __future__ import annotations

import datetime as dt
import subprocess
from importlib import metadata
from typing import TYPE_CHECKING

from helpers.core import paths
from helpers.data.readers import sha256_of

if TYPE_CHECKING:
    from helpers.batch.jobs import JobResult
    from helpers.batch.options import Run

__all__ = ["snapshot_facts", "git_commit", "package_versions", "build_record", "kpis_by_area", "print_slowest",
           "RECORDED_PACKAGES"]

RECORDED_PACKAGES = ("jps-fy2023-plan-workbook", "pandas", "numpy", "pyarrow", "pandera", "matplotlib",
                     "seaborn", "matplotlib-fontja", "papermill", "nbclient", "nbconvert", "nbformat",
                     "ipykernel")


def snapshot_facts(snapshot) -> dict:
    """Id, as-of, source, and the sha256 of the manifest and of each table."""
    tables = snapshot.manifest["tables"]
    return {
        "id": snapshot.id,
        "path": paths.display_path(snapshot.path),
        "as_of": snapshot.as_of.isoformat(),
        "fiscal_year": snapshot.fiscal_year,
        "source": snapshot.source,
        "manifest_sha256": sha256_of(snapshot.path / "manifest.yaml"),
        "tables": {name: {"file": t["file"], "sha256": t["sha256"], "rows": t["rows"]}
                   for name, t in tables.items()},
    }


def git_commit() -> dict:
    """The project's git commit and whether the work tree had changes (None outside git)."""
    root = paths.project_root()

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def package_versions() -> dict:
    """Installed versions of the packages that shape the reports."""
    versions = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def print_slowest(results: list[JobResult], stream, count: int = 5) -> None:
    """The slowest cells of the run, for the terminal (the full list is in run.json)."""
    cells = [(c["seconds"], r.job, c) for r in results for c in (r.cells or [])]
    cells.sort(key=lambda x: -x[0])
    print(f"時間のかかったセル（上位 {min(count, len(cells))} 件。全件は run.json の cells）:", file=stream)
    for seconds, job, c in cells[:count]:
        memory = f"、最大メモリ {c['peak_mib']:.0f} MiB" if c.get("peak_mib") else ""
        print(f"  {seconds:6.2f}秒 {job.area_name} {job.notebook} セル {c['cell']}「{c['first_line']}」{memory}",
              file=stream)


def build_record(run: Run, results: list[JobResult], started: dt.datetime, wall: float,
                 cluster: dict | None = None) -> dict:
    """The run record of a finished run, pages in report order; `cluster` says which
    Dask cluster ran the pages (each page then names its worker)."""
    failed = any(not r.ok for r in results)
    return {
        "snapshot": snapshot_facts(run.snapshot),
        "parameters": {"snapshot": run.ref, "sections": run.notebooks, "scope": run.options.scope,
                       "each": run.options.each, "jobs": run.workers, "fiscal_year": run.fiscal_year,
                       "plan_file": run.options.plan_file},
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 2),
        **({"cluster": cluster} if cluster is not None else {}),
        "code": git_commit(),
        "packages": package_versions(),
        "notebooks": [_page_record(r) for r in results],
        "kpis": kpis_by_area(results),
        "exit_code": 1 if failed else 0,
    }


def kpis_by_area(results: list[JobResult]) -> dict:
    """Every KPI of every area as the pages' report models gave it (value, texts,
    status, applicability), the scorecard's first: the same view a page printed."""
    out: dict[str, dict] = {}
    for r in sorted(results, key=lambda r: r.job.notebook != "00_scorecard"):
        for kpi_id, view in ((r.record or {}).get("kpis") or {}).items():
            out.setdefault(r.job.area_code, {}).setdefault(kpi_id, view)
    return out


def _page_record(r: JobResult) -> dict:
    return {"area_code": r.job.area_code, "area_name": r.job.area_name, "notebook": r.job.notebook,
            "html": r.job.html, "outcome": "ok" if r.ok else "failed", "seconds": round(r.seconds, 2),
            "cached": r.cached, "error": r.error,
            **({"cache_rejected": r.cache_note} if r.cache_note else {}),
            **({"worker": r.worker} if r.worker else {}), **({"retries": r.retries} if r.retries else {}),
            **({"cells": r.cells} if r.cells is not None else {})}

