"""Project-root anchoring: every path resolves from the project, never the cwd.

JupyterLab runs notebooks with `notebooks/` as the working directory and papermill
runs them from wherever it was called, so relative paths would break one or the other.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "snapshots_dir", "samples_dir", "reference_dir", "params_dir", "resolve", "display_path"]

_ROOT_ENV = "WORKBOOK_ROOT"


def project_root() -> Path:
    """The folder holding `pyproject.toml`: `$WORKBOOK_ROOT` if set, else found upwards
    from this package's source (an editable install) or from the current directory."""
    env = os.environ.get(_ROOT_ENV)
    if env:
        return Path(env).resolve()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
                return folder
    raise RuntimeError(
        "プロジェクトのフォルダ（pyproject.toml のある場所）が見つかりません。"
        f"環境変数 {_ROOT_ENV} にプロジェクトのパスを設定してください。"
    )


def snapshots_dir() -> Path:
    """`data/snapshots/` of the project."""
    return project_root() / "data" / "snapshots"


def samples_dir() -> Path:
    """`data/samples/` of the project: sample snapshots read with a sample plan (the
    next plan year's), kept out of data/snapshots/ where a run finds its default."""
    return project_root() / "data" / "samples"


def reference_dir() -> Path:
    """`data/reference/` of the project."""
    return project_root() / "data" / "reference"


def params_dir() -> Path:
    """`params/` of the project."""
    return project_root() / "params"


def resolve(path: str | os.PathLike[str]) -> Path:
    """An absolute path as it is; a relative one from the project root."""
    p = Path(path)
    return p if p.is_absolute() else project_root() / p


def display_path(path: Path) -> str:
    """A path as shown to analysts: project-relative where possible (no machine paths)."""
    try:
        return path.resolve().relative_to(project_root()).as_posix()
    except ValueError:
        return path.name
