"""A warm IPython shell inside this process, for running many notebooks without kernels.

A batch of many notebooks (every section for 47 prefectures) spends most of its time
starting interpreters and kernels and importing the same libraries, not computing. The
`workbook` papermill engine (`helpers.notebook.papermill_engine`) executes each notebook in the
in-process shell defined here, which lives as long as its worker process: imports and
the validated snapshot are paid once per worker.

Isolation kept between notebooks (`reset`, tested one by one):

- the user namespace is reset (`InteractiveShell.reset`), so no variable, import alias
  or function of one notebook is visible to the next; the execution counter restarts;
- matplotlib's settings return to their defaults and open figures are closed;
- pandas options, numpy's error handling, `sys.path` and the working directory return
  to what they were before the notebook ran (the shell's creation, and for the working
  directory the start of the notebook); warning filters are those of the notebook's
  start (the engine runs each notebook inside `warnings.catch_warnings`);
- outputs are captured the way ipykernel publishes them (streams merged as nbclient
  merges them, display data, execute results, errors), so a notebook gives the same
  outputs here as alone in a kernel (tests compare them cell by cell).

What is shared: imported modules, and the read-only caches of `helpers.engine.loaded`
(the validated snapshot, plan and KPI engine for the last snapshot used).
"""

from __future__ import annotations

import io
import signal
import sys
import threading
import warnings
from dataclasses import dataclass

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

__all__ = ["WorkbookShell", "CellTimeoutError", "shell", "run_cell", "reset"]

class CellTimeoutError(TimeoutError):
    """A cell ran longer than papermill's `execution_timeout`."""


class _Hook(DisplayHook):
    """Execute results become `execute_result` outputs (as ipykernel sends them)."""

    def start_displayhook(self):
        self._data, self._metadata = None, None

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self._data, self._metadata = format_dict, md_dict or {}

    def finish_displayhook(self):
        if self._data is not None:
            self.shell.outputs.append(nbformat.v4.new_output(
                "execute_result", data=self._data, metadata=self._metadata,
                execution_count=self.prompt_count))
        self._data = None


class _Publisher(DisplayPublisher):
    """display() becomes `display_data` outputs."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        self.shell.outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    def clear_output(self, wait=False):
        self.shell.outputs.clear()


class WorkbookShell(InteractiveShell):
    """An IPython shell whose outputs are notebook outputs, not terminal text.

    Attributes:
        outputs: the outputs of the cell being run (the hooks append to it).
        baseline: the process state every notebook starts from (`reset` returns to it).
    """

    displayhook_class = _Hook
    display_pub_class = _Publisher

    def __init__(self, **kwargs):
        self.outputs: list = []
        self.baseline: _Baseline | None = None
        super().__init__(**kwargs)

    def _showtraceback(self, etype, evalue, stb):
        # IPython's override point for where tracebacks go (helpers.core.upstream)
        self.outputs.append(nbformat.v4.new_output(
            "error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb))


class _Stream(io.TextIOBase):
    """stdout/stderr of a cell: consecutive writes merge into one stream output."""

    def __init__(self, outputs: list, name: str):
        self.outputs = outputs
        self.name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not text:
            return 0
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == self.name:
            last.text += text
        else:
            self.outputs.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)


@dataclass
class _Baseline:
    """The process state a notebook starts from; `reset` returns to it."""

    path: list[str]
    numpy_errors: dict | None


def shell() -> WorkbookShell:
    """The worker's IPython shell (IPython's one instance per process), created once: the
    process state at that moment is what every notebook starts from."""
    if WorkbookShell.initialized():
        return WorkbookShell.instance()
    # no history database: a batch runs thousands of cells and needs none
    sh = WorkbookShell.instance(config=Config({"HistoryManager": {"enabled": False}}))
    # a kernel publishes every representation (HTML, Markdown, PNG, JSON); a terminal
    # shell only text, so switch them all on
    sh.display_formatter.active_types = list(sh.display_formatter.format_types)
    numpy = sys.modules.get("numpy")
    sh.baseline = _Baseline(path=list(sys.path),
                            numpy_errors=numpy.geterr() if numpy is not None else None)
    return sh


def run_cell(source: str, timeout: float | None = None) -> tuple[list, bool]:
    """Run one cell; return its outputs and whether it raised.

    With `timeout` (seconds), a cell still running after it is stopped by a
    `CellTimeoutError` raised inside it (in the main thread only: signals are
    delivered there; elsewhere the timeout cannot be enforced and is refused).
    """
    sh = shell()
    sh.outputs.clear()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(sh.outputs, "stdout"), _Stream(sh.outputs, "stderr")
    alarm = timeout is not None and timeout > 0
    if alarm:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("execution_timeout は主スレッドでのみ使えます")

        def _expired(signum, frame):
            raise CellTimeoutError(f"セルの実行が {timeout:g} 秒を超えたため止めました（execution_timeout）")

        previous = signal.signal(signal.SIGALRM, _expired)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        result = sh.run_cell(source, store_history=True)
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = old_out, old_err
    return list(sh.outputs), not result.success


def reset() -> None:
    """A clean start for the next notebook: namespace, counter, and the process state
    a notebook can change (matplotlib, pandas options, numpy, sys.path). The
    working directory is the engine's: it returns each notebook to where it started."""
    sh = shell()
    sh.reset(new_session=False, aggressive=False)
    sh.execution_count = 1
    base = sh.baseline
    if "matplotlib" in sys.modules:
        import matplotlib

        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        matplotlib.rcdefaults()
    if "pandas" in sys.modules:
        with warnings.catch_warnings():  # resetting deprecated options warns about them
            warnings.simplefilter("ignore")
            sys.modules["pandas"].reset_option("all")
    if base.numpy_errors is not None:
        sys.modules["numpy"].seterr(**base.numpy_errors)
    sys.path[:] = base.path
