"""The workbook's only uses of private or underscored APIs of Python and its libraries,
where no public seam exists. Each names the version it was checked against;
`tests/unit/test_upstream.py` fails when upstream changes what is relied on here.

- `run_exit_handlers`: CPython's `atexit._run_exitfuncs` (3.11.7, 3.12, 3.13). `atexit`
  has no public way to run its handlers before a quick `os._exit`, which skips the
  interpreter's teardown at the end of `workbook` (0.35 s of a national run).
- `helpers.notebook.inprocess.WorkbookShell._showtraceback`: IPython's override point
  for where a traceback goes (9.18.1; its docstring: "Subclasses may override this
  method to put the traceback on a different place, like a side channel", which is
  what ipykernel does). The test holds the method's signature and that
  `showtraceback` still hands every traceback to it.

Everything else the workbook does with papermill, nbconvert, nbclient, jupyter_client,
IPython, multiprocessing and warnings goes through their public APIs.
"""

from __future__ import annotations

__all__ = ["run_exit_handlers", "CHECKED_AGAINST"]

CHECKED_AGAINST = {"python": ("3.11", "3.12", "3.13"), "ipython": "9.18.1"}


def run_exit_handlers() -> None:
    """Run the functions registered with `atexit` now (then the process may end with
    `os._exit`)."""
    import atexit

    atexit._run_exitfuncs()
