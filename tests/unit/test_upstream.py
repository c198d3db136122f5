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



def test_ipythons_output_history_flush_is_the_one_the_workbook_shell_repeats():
    """`_Hook.flush` repeats IPython's `DisplayHook.flush` without its full collection;
    a change to upstream's method must be looked at (and this hash updated)."""
    import hashlib

    from IPython.core.displayhook import DisplayHook

    source = inspect.getsource(DisplayHook.flush)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "57f5af136d0b8886", source


def test_reset_forgets_the_output_history_as_ipython_does_without_a_full_collection(monkeypatch):
    import gc

    from IPython.core.displayhook import DisplayHook

    from helpers.notebook import inprocess

    sh = inprocess.shell()

    def state_after_reset() -> tuple:
        inprocess.reset()
        for source in ("40 + 2", "'二番目'", "[1, 2]"):
            inprocess.run_cell(source)
        assert sh.user_ns["_1"] == 42 and sh.user_ns["_3"] == [1, 2] and len(sh.user_ns["_oh"]) == 3
        inprocess.reset()
        last, _ = inprocess.run_cell("_")
        return (sorted(sh.user_ns), sorted(sh.user_ns_hidden), dict(sh.user_ns["_oh"]),
                [(o.output_type, o.get("ename"), o.get("data", {}).get("text/plain")) for o in last])

    collections = []
    with monkeypatch.context() as patched:
        patched.setattr(gc, "collect", lambda *a: collections.append(a) or 0)
        ours = state_after_reset()
    assert collections == []
    with monkeypatch.context() as patched:
        patched.setattr(inprocess._Hook, "flush", DisplayHook.flush)  # IPython's own
        assert state_after_reset() == ours
    assert "_2" not in ours[0] and "_3" not in ours[0] and len(ours[2]) <= 1, ours  # only the last cell's


def test_multiprocessings_fork_server_is_still_the_one_the_workbook_forks():
    """`fork_forkserver` does what `ForkServer.ensure_running` does with a fork where
    upstream spawns, and runs upstream's `main`: checked on 3.11.7, 3.12.1 and 3.13.0
    (3.13 changed only what a served child does at exit)."""
    import hashlib
    import sys
    from multiprocessing import forkserver

    from helpers.core.upstream import CHECKED_AGAINST

    def digest(function) -> str:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]

    assert f"{sys.version_info[0]}.{sys.version_info[1]}" in CHECKED_AGAINST["python"]
    assert digest(forkserver.ForkServer.ensure_running) == "4e37aa6dc9493a5d"
    assert digest(forkserver.main) in {"7517b7b2c2858ae8", "266d6294c74f842c"}
    assert list(inspect.signature(forkserver.main).parameters)[:3] == ["listener_fd", "alive_r", "preload"]
    server = forkserver.ForkServer()
    assert {"_forkserver_address", "_forkserver_alive_fd", "_forkserver_pid", "_lock"} <= set(vars(server))
