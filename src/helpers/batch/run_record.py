"""Facts for a run record: the snapshot's checksums, the code version and the versions
of the packages that shape the output."""

from __future__ import annotations

import subprocess
from importlib import metadata

from helpers.core import paths
from helpers.data.readers import sha256_of

__all__ = ["snapshot_facts", "git_commit", "package_versions", "RECORDED_PACKAGES"]

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
