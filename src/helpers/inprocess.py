"""A papermill engine that runs notebooks in a warm IPython shell inside this process.

A batch of many notebooks (every section for 47 prefectures) spends most of its time
starting interpreters and kernels and importing the same libraries, not computing. The
`workbook` engine executes each notebook in an in-process IPython shell that lives as
long as its worker process: imports and the validated snapshot are paid once per
worker. Isolation kept between notebooks:

- the user namespace is reset (`InteractiveShell.reset`), so no variable, import alias
  or function of one notebook is visible to the next;
- the execution counter restarts at 1 and matplotlib's settings return to their
  defaults, as in a fresh kernel;
- outputs are captured the way ipykernel publishes them (streams merged as nbclient
  merges them, display data, execute results, errors), so a notebook gives the same
  outputs here as alone in a kernel (tests compare them cell by cell).

What is shared: imported modules, and the read-only caches of `helpers.section`
(the validated snapshot, plan and KPI engine for the last snapshot used).
"""

from __future__ import annotations

import io
import sys

import nbformat

__all__ = ["WorkbookEngine", "register", "shell"]

_SHELL = None


def shell():
    """The worker's IPython shell, created once."""
    global _SHELL
    if _SHELL is None:
        from IPython.core.displayhook import DisplayHook
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell

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
                    _CURRENT.append(nbformat.v4.new_output(
                        "execute_result", data=self._data, metadata=self._metadata,
                        execution_count=self.prompt_count))
                self._data = None

        class _Publisher(DisplayPublisher):
            """display() becomes `display_data` outputs."""

            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
                _CURRENT.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

            def clear_output(self, wait=False):
                _CURRENT.clear()

        class _Shell(InteractiveShell):
            displayhook_class = _Hook
            display_pub_class = _Publisher

            def _showtraceback(self, etype, evalue, stb):
                _CURRENT.append(nbformat.v4.new_output(
                    "error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb))

        from traitlets.config import Config

        # no history database: a batch runs thousands of cells and needs none
        _SHELL = _Shell.instance(config=Config({"HistoryManager": {"enabled": False}}))
        # a kernel publishes every representation (HTML, Markdown, PNG, JSON); a
        # terminal shell only text, so switch them all on
        _SHELL.display_formatter.active_types = list(_SHELL.display_formatter.format_types)
    return _SHELL


class _Stream(io.TextIOBase):
    """stdout/stderr of a cell: consecutive writes merge into one stream output."""

    def __init__(self, name: str):
        self.name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not text:
            return 0
        last = _CURRENT[-1] if _CURRENT else None
        if last is not None and last.output_type == "stream" and last.name == self.name:
            last.text += text
        else:
            _CURRENT.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)


_CURRENT: list = []


def run_cell(source: str) -> tuple[list, bool]:
    """Run one cell; return its outputs and whether it raised."""
    sh = shell()
    _CURRENT.clear()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
    try:
        result = sh.run_cell(source, store_history=True)
    finally:
        sys.stdout, sys.stderr = old_out, old_err
    return list(_CURRENT), not result.success


def reset() -> None:
    """A clean start for the next notebook: namespace, counter and matplotlib."""
    import matplotlib

    sh = shell()
    sh.reset(new_session=False, aggressive=False)
    sh.execution_count = 1
    matplotlib.rcdefaults()


def _engine_class():
    from papermill.engines import Engine

    class WorkbookEngine(Engine):
        """papermill engine name: ``workbook``."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            reset()
            failed = False
            for index, cell in enumerate(nb_man.nb.cells):
                if failed:
                    break
                nb_man.cell_start(cell, index)
                if cell.cell_type != "code" or not cell.source.strip():
                    nb_man.cell_complete(cell, index)
                    continue
                cell.execution_count = shell().execution_count
                outputs, failed = run_cell(cell.source)
                cell.outputs = outputs
                if failed:
                    nb_man.cell_exception(cell, index)
                nb_man.cell_complete(cell, index)
            reset()
            return nb_man.nb

    return WorkbookEngine


WorkbookEngine = None


def register() -> None:
    """Make ``engine_name="workbook"`` available to papermill in this process."""
    global WorkbookEngine
    from papermill.engines import papermill_engines

    if WorkbookEngine is None:
        WorkbookEngine = _engine_class()
        papermill_engines.register("workbook", WorkbookEngine)
