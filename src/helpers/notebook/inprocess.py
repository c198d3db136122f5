"""A warm IPython shell inside this process, for running many notebooks without kernels.

A batch of many notebooks (every section for 47 prefectures) spends most of its time
starting interpreters and kernels and importing the same libraries, not computing. The
`workbook` papermill engine (`helpers.notebook.papermill_engine`) executes each notebook in the
in-process shell defined here, which lives as long as its worker process: imports and
the validated snapshot are paid once per worker.

Isolation kept between notebooks (`reset`, tested one by one):

- the user namespace is reset (`InteractiveShell.reset`), so no variable, import alias
  or function of one notebook is visible to the next; the execution counter restarts;
- the process state a notebook can change returns to what it was when the shell was
  made (`helpers.notebook.isolation`: environment, paths, recursion limit, numpy,
  pandas, matplotlib, display formatters, the root logger, warning filters); the
  working directory returns to where the notebook started;
- outputs are recorded the way a client records ipykernel's messages
  (`helpers.notebook.capture`), so a notebook gives the same outputs here as alone in
  a kernel (tests compare them cell by cell, and papermill's own test notebooks
  through both engines);
- as in a kernel: `input()` raises `StdinNotImplementedError`; figures use the inline
  backend (open pyplot figures are shown at the end of a cell, `%matplotlib inline`
  works); code is compiled under ipykernel's cell file names, so error messages name
  the same file; a timeout is a `BaseException`, which `except Exception` cannot
  swallow.

What is shared: imported modules, and the read-only caches of `helpers.engine.loaded`
(the validated snapshot, plan and KPI engine for the last snapshot used).
"""

from __future__ import annotations

import builtins
import getpass
import signal
import sys
import threading

import nbformat
from ipykernel.compiler import XCachingCompiler
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import StdinNotImplementedError
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from helpers.notebook.capture import CellOutputs, CellStream, NotebookDisplays
from helpers.notebook.isolation import Baseline

__all__ = ["WorkbookShell", "CellTimeoutError", "shell", "run_cell", "reset", "INLINE_BACKEND"]

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel gives every kernel


class CellTimeoutError(BaseException):
    """A cell ran longer than papermill's `execution_timeout`. A BaseException, as
    KeyboardInterrupt is: a cell's `except Exception` cannot swallow it."""


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

    def flush(self):
        """Forget the output history (`_`, `_1`, `Out`) as IPython's `flush` does, without
        its closing full garbage collection: `reset` calls this before every notebook
        (about 0.1 s of CPU over the seven national pages; IPython's own comment asks
        "Is this really needed?"). The worker's collector runs as the
        interpreter schedules it. Checked against IPython 9.18.1 (`helpers.core.upstream`)."""
        for n in range(1, self.prompt_count + 1):
            key = f"_{n}"
            self.shell.user_ns_hidden.pop(key, None)
            self.shell.user_ns.pop(key, None)
        out = self.shell.user_ns.get("_oh", None)
        if out is not None:
            out.clear()
        self._, self.__, self.___ = "", "", ""
        if "_" not in builtins.__dict__:
            self.shell.user_ns.update({"_": self._, "__": self.__, "___": self.___})


class _Publisher(DisplayPublisher):
    """display() becomes `display_data` outputs; `update_display` changes the outputs
    with that display id in place."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        display_id = (transient or {}).get("display_id")
        if update and display_id is not None:
            self.shell.displays.update(display_id, data, metadata or {})
            return
        output = nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})
        self.shell.outputs.append(output)
        if display_id is not None:
            self.shell.displays.register(display_id, output)

    def clear_output(self, wait=False):
        self.shell.outputs.clear(wait)


class WorkbookShell(InteractiveShell):
    """An IPython shell whose outputs are notebook outputs, not terminal text.

    Attributes:
        outputs: the outputs of the cell being run.
        displays: the notebook's outputs with a display id.
        baseline: the process state every notebook starts from (`reset` returns to it).
    """

    displayhook_class = _Hook
    display_pub_class = _Publisher
    # ipykernel's compiler: a cell's code is named after a hash of its text, so an error
    # message names the same file as in a kernel ("(3573913704.py, line 14)")
    compiler_class = XCachingCompiler

    def __init__(self, **kwargs):
        self.outputs = CellOutputs()
        self.displays = NotebookDisplays()
        self.baseline: Baseline | None = None
        super().__init__(**kwargs)

    def enable_gui(self, gui=None):
        """The inline backend needs no event loop; a GUI toolkit cannot run here."""
        if gui not in (None, "inline"):
            raise NotImplementedError(f"GUI イベントループ（{gui}）はこのエンジンでは使えません")

    def _showtraceback(self, etype, evalue, stb):
        # IPython's override point for where tracebacks go (helpers.core.upstream)
        self.outputs.append(nbformat.v4.new_output(
            "error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb))


def _no_stdin(*args, **kwargs):
    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")


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
    _use_inline_backend(sh)
    sh.baseline = Baseline.record(sh)
    return sh


def _use_inline_backend(sh: WorkbookShell) -> None:
    """The backend a kernel has: figures left open at the end of a cell are shown."""
    import matplotlib

    matplotlib.use(INLINE_BACKEND)
    from matplotlib_inline.backend_inline import configure_inline_support

    configure_inline_support(sh, INLINE_BACKEND)


def run_cell(source: str, timeout: float | None = None, on_output=None) -> tuple[list, bool]:
    """Run one cell; return its outputs and whether it raised.

    With `timeout` (seconds), a cell still running after it is stopped by a
    `CellTimeoutError` raised inside it (in the main thread only: signals are
    delivered there; elsewhere the timeout cannot be enforced and is refused).
    `on_output` is called with each output as it happens.
    """
    sh = shell()
    sh.outputs.start(on_output)
    old_out, old_err = sys.stdout, sys.stderr
    old_input, old_getpass = builtins.input, getpass.getpass
    alarm = timeout is not None and timeout > 0
    if alarm:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("execution_timeout は主スレッドでのみ使えます")

        def _expired(signum, frame):
            raise CellTimeoutError(f"セルの実行が {timeout:g} 秒を超えたため止めました（execution_timeout）")

        previous = signal.signal(signal.SIGALRM, _expired)
    try:
        sys.stdout, sys.stderr = CellStream(sh.outputs, "stdout"), CellStream(sh.outputs, "stderr")
        builtins.input = getpass.getpass = _no_stdin
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            result = sh.run_cell(source, store_history=True)
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        builtins.input, getpass.getpass = old_input, old_getpass
        if alarm:
            signal.signal(signal.SIGALRM, previous)
    return sh.outputs.collected(), not result.success


def reset() -> None:
    """A clean start for the next notebook: namespace, counter, display ids, and the
    process state a notebook can change (`Baseline.restore`). The working directory is
    the engine's: it returns each notebook to where it started."""
    sh = shell()
    sh.reset(new_session=False, aggressive=False)
    sh.execution_count = 1
    sh.displays.clear()
    sh.baseline.restore(sh)
