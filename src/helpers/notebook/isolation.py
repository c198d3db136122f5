"""What one notebook may change in the process and the next must not see.

A fresh kernel starts every notebook from a new process; the in-process shell starts
each from the state recorded when the shell was made (`Baseline.record`), restored by
`Baseline.restore` before the notebook runs:

- `os.environ`, `sys.path`, the recursion limit;
- numpy's error handling and print options; pandas' options; matplotlib's settings
  (and open figures are closed);
- IPython's display formatters (a `for_type` printer of one notebook is gone);
- the root logger is a fresh kernel's during the notebook (no handlers, level WARNING:
  `logging.basicConfig` in a cell works and writes into the cell), and is given back
  with its own handlers afterwards (`kernel_like_logging`);
- warning filters are the engine's (`warnings.catch_warnings` around each notebook).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import sys
import warnings
from dataclasses import dataclass, field

__all__ = ["Baseline", "kernel_like_logging"]


@dataclass
class Baseline:
    """The process state every notebook starts from."""

    environ: dict[str, str]
    path: list[str]
    recursion_limit: int
    numpy_errors: dict | None = None
    numpy_print: dict | None = None
    formatters: dict = field(default_factory=dict)

    @classmethod
    def record(cls, shell) -> Baseline:
        numpy = sys.modules.get("numpy")
        return cls(environ=dict(os.environ), path=list(sys.path), recursion_limit=sys.getrecursionlimit(),
                   numpy_errors=numpy.geterr() if numpy is not None else None,
                   numpy_print=numpy.get_printoptions() if numpy is not None else None,
                   formatters=_formatter_state(shell))

    def restore(self, shell) -> None:
        """Put the process back as it was recorded (see the module docstring)."""
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        sys.path[:] = self.path
        sys.setrecursionlimit(self.recursion_limit)
        numpy = sys.modules.get("numpy")
        if numpy is not None and self.numpy_errors is not None:
            numpy.seterr(**self.numpy_errors)
            numpy.set_printoptions(**self.numpy_print)
        if "matplotlib" in sys.modules:
            import matplotlib

            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].close("all")
            matplotlib.rcdefaults()
        if "pandas" in sys.modules:
            with warnings.catch_warnings():  # resetting deprecated options warns about them
                warnings.simplefilter("ignore")
                sys.modules["pandas"].reset_option("all")
        for mime, formatter in shell.display_formatter.formatters.items():
            state = self.formatters.get(mime)
            if state is not None:
                for name, value in state.items():
                    setattr(formatter, name, copy.copy(value))


_FORMATTER_STATE = ("type_printers", "deferred_printers", "singleton_printers", "enabled")


def _formatter_state(shell) -> dict:
    return {mime: {name: copy.copy(getattr(f, name)) for name in _FORMATTER_STATE if hasattr(f, name)}
            for mime, f in shell.display_formatter.formatters.items()}


@contextlib.contextmanager
def kernel_like_logging():
    """During a notebook the root logger is a fresh kernel's; papermill's own logger keeps
    the handlers the root had (its lines go where they went) and gets them back after."""
    root = logging.getLogger()
    papermill = logging.getLogger("papermill")
    saved_root = (root.handlers[:], root.level)
    saved_papermill = (papermill.handlers[:], papermill.propagate, papermill.level)
    papermill.handlers = saved_root[0] + [h for h in papermill.handlers if h not in saved_root[0]]
    papermill.propagate = False
    if papermill.level == logging.NOTSET:
        papermill.setLevel(root.getEffectiveLevel())
    root.handlers = []
    root.setLevel(logging.WARNING)
    try:
        yield papermill
    finally:
        root.handlers = saved_root[0]
        root.setLevel(saved_root[1])
        papermill.handlers, papermill.propagate = saved_papermill[0], saved_papermill[1]
        papermill.setLevel(saved_papermill[2])
