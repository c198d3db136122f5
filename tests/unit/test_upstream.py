"""What the workbook relies on in its libraries beyond their plain public API
(`helpers.core.upstream`): these fail when upstream changes it."""

from __future__ import annotations

import inspect


def test_ipython_still_hands_every_traceback_to_the_override_point():
    from IPython.core.interactiveshell import InteractiveShell

    assert list(inspect.signature(InteractiveShell._showtraceback).parameters) == ["self", "etype", "evalue", "stb"]
    assert "self._showtraceback(" in inspect.getsource(InteractiveShell.showtraceback)
    assert "Subclasses may override" in InteractiveShell._showtraceback.__doc__


def test_the_workbook_shell_turns_a_traceback_into_an_error_output():
    from helpers.notebook import inprocess

    outputs, failed = inprocess.run_cell("1 / 0")
    assert failed
    [error] = [o for o in outputs if o.output_type == "error"]
    assert error.ename == "ZeroDivisionError" and error.traceback


def test_papermills_engine_bookkeeping_calls_back_the_engine_class():
    """WorkbookEngine.execute_notebook hands over to papermill's Engine.execute_notebook
    with itself as the class; papermill must still call cls.execute_managed_notebook."""
    from papermill.engines import Engine

    assert isinstance(inspect.getattr_static(Engine, "execute_notebook"), classmethod)
    assert "cls.execute_managed_notebook(" in inspect.getsource(Engine.execute_notebook)


def test_jupyter_client_passes_start_kernel_keywords_to_the_launch():
    from jupyter_client.manager import KernelManager

    source = inspect.getsource(KernelManager._async_start_kernel)
    assert "**kw" in source and "_async_launch_kernel(kernel_cmd, **kw)" in source

