"""Executing notebooks with papermill, and keeping the committed ones reproducible.

The committed notebooks carry the outputs of a run on the default sample snapshot
(nbval compares them). `refresh_notebooks` re-executes them in place after an intended
change and removes what differs on every run (papermill's timestamps and durations),
so that the same code and data give the same file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat

from helpers import paths

__all__ = ["NOTEBOOKS", "notebook_paths", "run_notebook", "strip_run_metadata", "refresh_notebooks"]

NOTEBOOKS = ("00_scorecard", "01_national_pension", "02_employee_pension",
             "03_benefits_consultation", "04_records")


def notebook_paths() -> list[Path]:
    """The section notebooks, scorecard first."""
    return [paths.project_root() / "notebooks" / f"{name}.ipynb" for name in NOTEBOOKS]


def run_notebook(source: Path, target: Path, parameters: dict | None = None,
                 cwd: Path | None = None) -> nbformat.NotebookNode:
    """Execute `source` with papermill into `target` and return the executed notebook.

    Raises:
        papermill.PapermillExecutionError: when a cell fails (the target notebook,
            with the error in it, is written all the same).
    """
    import papermill

    return papermill.execute_notebook(
        str(source), str(target), parameters=parameters or {}, kernel_name="python3",
        cwd=str(cwd or source.parent), progress_bar=False, log_output=False,
    )


def strip_run_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove papermill's and nbclient's per-run timestamps and durations."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nb


def refresh_notebooks(names: list[str] | None = None) -> list[Path]:
    """Re-execute the committed notebooks in place on their default parameters, with
    `notebooks/` as the working directory (as JupyterLab runs them)."""
    done = []
    for path in notebook_paths():
        if names and path.stem not in names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / path.name
            nb = run_notebook(path, out, cwd=path.parent)
        nbformat.write(strip_run_metadata(nb), path)
        done.append(path)
    return done
