"""The `workbook` papermill engine: notebooks run in the warm in-process IPython shell
of `helpers.notebook.inprocess` instead of a new Jupyter kernel each.

It is registered with papermill through the ``papermill.engine`` entry point in
`pyproject.toml`, so `papermill --engine workbook` and
`papermill.execute_notebook(..., engine_name="workbook")` find it in any process.

papermill calls three class methods of an engine (`execute_notebook`, `nb_kernel_name`,
`nb_language`). This class provides them without subclassing `papermill.engines.Engine`
at import time: papermill imports its entry points while `papermill.engines` is still
being imported, so a module that imported papermill at the top would, when imported
first, be asked for its class before defining it. Instead `execute_notebook` hands over
to papermill's own `Engine.execute_notebook` (its bookkeeping, unchanged), which calls
back this class's `execute_managed_notebook`.

Like papermill's own engine it honours `execution_timeout` (seconds per cell: the cell
is stopped with `CellTimeoutError`), `log_output` (streams and results go to papermill's
logger as they are produced) and `stdout_file`/`stderr_file`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import warnings

__all__ = ["WorkbookEngine", "ENGINE_NAME", "ensure_registered"]

ENGINE_NAME = "workbook"


class WorkbookEngine:
    """papermill engine name: ``workbook``."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        """papermill's entry: papermill's own `Engine.execute_notebook` wraps `nb` for its
        bookkeeping (progress, autosave, the failure banner) and calls this class's
        `execute_managed_notebook`, as for any engine that subclasses `Engine`."""
        from papermill.engines import Engine

        return Engine.execute_notebook.__func__(cls, nb, kernel_name, output_path=output_path,
                                                progress_bar=progress_bar, log_output=log_output,
                                                autosave_cell_every=autosave_cell_every, **kwargs)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, execution_timeout=None, profile=None, **kwargs):
        """Run every code cell in the in-process shell, stopping at the first failure.

        `profile`, when a list, receives one entry per code cell: its seconds and the
        process's peak resident memory while it ran (MiB), for `workbook run --profile`.
        """
        from helpers.notebook import inprocess
        from helpers.notebook.isolation import kernel_like_logging

        _refuse_other_kernels(nb_man.nb, kernel_name)
        _install_short_errors()
        nb_man.nb.metadata["language_info"] = _language_info()
        if _from_papermill_command_line():
            return cls._run_in_child(nb_man, execution_timeout, log_output, stdout_file, stderr_file)
        inprocess.reset()
        start_cwd = os.getcwd()
        try:
            # warning filters a notebook sets are undone when it ends (catch_warnings is
            # the public API, and it clears the C module's cached filter lookups)
            with warnings.catch_warnings(), kernel_like_logging() as logger:
                sink = _Sink(nb_man, logger, log_output, stdout_file, stderr_file,
                             collect=inprocess.shell().outputs.collected)

                def run_here(index: int, cell) -> tuple[int, list, bool]:
                    count = inprocess.shell().execution_count
                    if profile is not None:
                        _reset_peak_memory()
                    clock = time.perf_counter()
                    outputs, failed = inprocess.run_cell(cell.source, timeout=execution_timeout, on_output=sink)
                    if profile is not None:
                        profile.append({"cell": index, "seconds": round(time.perf_counter() - clock, 4),
                                        "peak_mib": _peak_memory_mib()})
                    return count, outputs, failed

                _run_cells(nb_man, sink, run_here)
        finally:
            # the next notebook resets the shell before it starts (one reset per notebook,
            # not two); the working directory is restored now
            os.chdir(start_cwd)
        return nb_man.nb

    @classmethod
    def _run_in_child(cls, nb_man, execution_timeout, log_output, stdout_file, stderr_file):
        """papermill's command line: the cells in a child process (`helpers.notebook.child`),
        so that a cell ending its process fails the notebook instead of ending papermill."""
        from helpers.notebook.capture import CellOutputs
        from helpers.notebook.child import ChildShell

        outputs = CellOutputs()
        sink = _Sink(nb_man, logging.getLogger("papermill"), log_output, stdout_file, stderr_file,
                     collect=outputs.collected)

        def run_in_child(index: int, cell) -> tuple[int | None, list, bool]:
            outputs.start(sink)
            count, failed = child.run_cell(cell.source, outputs)
            return count, outputs.collected(), failed

        child = ChildShell(execution_timeout)
        try:
            _run_cells(nb_man, sink, run_in_child)
        finally:
            child.close()
        return nb_man.nb

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        """The kernel named in the notebook (papermill's rule); the shell runs Python."""
        from papermill.utils import nb_kernel_name

        return nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        from papermill.utils import nb_language

        return nb_language(nb, language)


def ensure_registered() -> None:
    """Make sure papermill knows the engine in this process. Installed, the entry point
    has done it; run from a source tree without installing, register it here."""
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    try:
        registered = papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        registered = None
    if registered is not WorkbookEngine:
        papermill_engines.register(ENGINE_NAME, WorkbookEngine)


def _run_cells(nb_man, sink: _Sink, run_one) -> None:
    """Every code cell in turn through papermill's bookkeeping, stopping at the first
    failure; `run_one(index, cell)` runs one cell and returns its execution count, its
    outputs and whether it failed."""
    for index, cell in enumerate(nb_man.nb.cells):
        nb_man.cell_start(cell, index)
        if cell.cell_type != "code" or not cell.source.strip():
            nb_man.cell_complete(cell, index)
            continue
        sink.cell = cell
        cell.execution_count, cell.outputs, failed = run_one(index, cell)
        if failed:
            nb_man.cell_exception(cell, index)
            nb_man.cell_complete(cell, index)
            return
        nb_man.cell_complete(cell, index)


class _Sink:
    """What papermill's own client does with each output as it arrives
    (`log_output_message`, `autosave_cell`): logged with `--log-output`, copied to
    `--stdout-file`/`--stderr-file`, and the notebook saved every `autosave_cell_every`
    seconds while a long cell runs."""

    def __init__(self, nb_man, logger, log_output: bool, stdout_file, stderr_file, collect):
        self.nb_man, self.logger, self.log_output = nb_man, logger, log_output
        self.files = {"stdout": stdout_file, "stderr": stderr_file}
        self.collect = collect  # the running cell's outputs so far
        self.cell = None

    def __call__(self, output) -> None:
        if isinstance(output, tuple):  # ("stream", name, text): a write to a stream
            _, name, text = output
            if self.log_output:
                self._log(logging.INFO if name == "stdout" else logging.WARNING, text)
            target = self.files.get(name)
            if target:
                target.write(text)
                target.flush()
        elif self.log_output and "text/plain" in output.get("data", {}):
            self._log(logging.INFO, output["data"]["text/plain"])
        self._autosave()

    def _log(self, level: int, text: str) -> None:
        self.logger.log(level, text)

    def _autosave(self) -> None:
        every = self.nb_man.autosave_cell_every
        # the clock first: joining the outputs on every write would cost the square of them
        if self.cell is None or not every or (self.nb_man.now() - self.nb_man.last_save_time).total_seconds() < every:
            return
        self.cell.outputs = self.collect()
        self.nb_man.autosave_cell()


def _from_papermill_command_line() -> bool:
    """Whether this process is papermill's command line (`papermill` or `python -m
    papermill`), where a dying notebook must not end the process."""
    from pathlib import Path

    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is None or "papermill.cli" not in sys.modules:
        return False
    return argv0.name == "papermill" or (argv0.name == "__main__.py" and argv0.parent.name == "papermill")


def _language_info() -> dict:
    """The notebook's language_info as a Python kernel reports it."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def _refuse_other_kernels(nb, kernel_name: str | None) -> None:
    """This engine runs Python only: a notebook for another kernel or language is refused
    before any cell runs, in words (papermill stops with the message)."""
    from papermill.utils import nb_language

    from helpers.core.errors import WorkbookError

    language = (nb_language(nb) or "python").lower()
    kernel = (kernel_name or "").lower()
    if language != "python" or (kernel and "python" not in kernel and kernel not in ("", "python3")):
        raise WorkbookError(f"エンジン workbook は Python のノートブックだけを実行します（カーネル「{kernel_name}」、"
                            f"言語「{language}」）。papermill 標準のエンジンで実行してください（--engine を付けない）。")


def _reset_peak_memory() -> None:
    """Start a new peak of resident memory (Linux: writing 5 to clear_refs resets VmHWM)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # not Linux: the peak is the process's since it started


def _peak_memory_mib() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


_HOOKED = False


def _install_short_errors() -> None:
    """From papermill's command line, a notebook stopped by an expected problem (a wrong
    parameter: `WorkbookError` and its kinds) prints the short Japanese message and
    exits 1, not papermill's traceback first. Other errors keep the traceback. Only the
    uncaught exception of the whole process is concerned: a caller that catches
    `PapermillExecutionError` (the runner, tests) sees no difference."""
    global _HOOKED
    if _HOOKED:
        return
    _HOOKED = True
    from helpers.core import errors

    expected = {name for name in errors.__all__ if name != "Problem"}
    previous = sys.excepthook

    def hook(etype, value, tb):
        if etype.__name__ == "PapermillExecutionError" and getattr(value, "ename", None) in expected:
            print(f"エラー: {value.evalue}", file=sys.stderr)
            print("（実行はこのセルで止まりました。出力先のノートブックにも記録されています）", file=sys.stderr)
            return
        previous(etype, value, tb)

    sys.excepthook = hook
