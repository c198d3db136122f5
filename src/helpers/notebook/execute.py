"""Executing notebooks with papermill, and keeping the committed ones reproducible.

The committed notebooks carry the outputs of a run on the default sample snapshot
(nbval compares them). `refresh_notebooks` re-executes them in place after an intended
change and removes what differs on every run (papermill's timestamps and durations),
so that the same code and data give the same file.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the run's parent process never needs it
    import nbformat

from helpers.core import paths
from helpers.sections.registry import NOTEBOOKS

__all__ = ["NOTEBOOKS", "notebook_paths", "run_notebook", "strip_run_metadata", "refresh_notebooks"]

def notebook_paths() -> list[Path]:
    """The section notebooks (from the sections registry), scorecard first."""
    return [paths.project_root() / "notebooks" / f"{name}.ipynb" for name in NOTEBOOKS]


def _ipc_kernel_manager():
    """A kernel manager whose kernels talk over IPC sockets (files in a private temp
    folder) instead of TCP ports: parallel runs cannot race for a port (papermill
    #511, #239), and the kernel does not warn about unencrypted TCP."""
    import os
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            folder = Path(tempfile.gettempdir()) / f"workbook-kernels-{os.getuid()}"
            folder.mkdir(mode=0o700, exist_ok=True)
            return str(folder / uuid.uuid4().hex)

        async def start_kernel(self, **kw):
            # The kernel's own log lines ("KeyboardInterrupt caught in kernel" at
            # shutdown) would read like failures in a cron log; errors in cells are
            # reported through the notebook, so its stderr is not needed. start_kernel
            # passes its keywords on to the kernel's Popen (jupyter_client's documented
            # seam).
            kw.setdefault("stderr", subprocess.DEVNULL)
            return await super().start_kernel(**kw)

    return IPCKernelManager


def run_notebook(source: Path, target: Path, parameters: dict | None = None,
                 cwd: Path | None = None, engine: str = "kernel", **engine_options) -> nbformat.NotebookNode:
    """Execute `source` with papermill into `target` and return the executed notebook.

    `engine` is "kernel" (a fresh Jupyter kernel, papermill's default engine) or
    "workbook" (the warm in-process shell of `helpers.notebook.inprocess`, through the papermill
    engine of `helpers.notebook.papermill_engine`). `engine_options` go to the engine (the
    workbook engine's `profile` list).

    Raises:
        papermill.PapermillExecutionError: when a cell fails (the target notebook,
            with the error in it, is written all the same).
    """
    import papermill

    if engine == "workbook":
        from helpers.notebook.papermill_engine import ensure_registered

        ensure_registered()
        return papermill.execute_notebook(
            str(source), str(target), parameters=parameters or {}, kernel_name="python3",
            cwd=str(cwd or source.parent), progress_bar=False, log_output=False, engine_name="workbook",
            # papermill would otherwise write the whole notebook (charts included) before
            # and after every cell: 14% of a page's time. It is written once at the end,
            # and before papermill raises for a failed cell, so a failure is still kept.
            request_save_on_cell_execute=False,
            **engine_options,
        )
    return papermill.execute_notebook(
        str(source), str(target), parameters=parameters or {}, kernel_name="python3",
        cwd=str(cwd or source.parent), progress_bar=False, log_output=False,
        kernel_manager_class=_ipc_kernel_manager(),
    )


def strip_run_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove what differs on every run: papermill's and nbclient's timestamps and
    durations, and the random id papermill gives its injected parameters cell (it
    would otherwise change the HTML of identical runs)."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
    return nb


def refresh_notebooks(names: list[str] | None = None) -> list[Path]:
    """Re-execute the committed notebooks in place on their default parameters, with
    `notebooks/` as the working directory (as JupyterLab runs them)."""
    import nbformat

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
