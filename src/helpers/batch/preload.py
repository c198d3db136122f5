"""What every worker of a run needs, imported once by the run's fork server.

`workbook run` starts its workers from a fork server (`helpers.batch.workers`): a
process forked from the run before it reads any data (or a fresh Python) that imports
this module and then forks one worker per core. Forking
is only safe from a process with a single thread, so the fork server is started with
OpenBLAS and Arrow's allocator told not to start threads of their own, and nothing
here computes anything that would start a thread pool (a test checks that the fork
server has exactly one thread once this module is imported).

Workers so start with the libraries imported, the notebook engine registered, the
in-process shell created and the HTML exporter built; the validated snapshot and the
KPI engine come from the parent (`helpers.engine.loaded.adopt`).
"""

from __future__ import annotations

import gc
import importlib
import os

from helpers.batch.warm_up import warm_up
from helpers.batch.workers import WARM_UP_ENV, long_lived


def _load() -> None:
    """Import the libraries and views, register the engine, create the shell and the exporter."""
    from helpers.notebook import inprocess
    from helpers.notebook.papermill_engine import ensure_registered
    from helpers.outputs import html_export
    from helpers.report import section  # noqa: F401  (imported to be inherited)
    from helpers.sections import registry

    for spec in registry.SECTIONS:
        importlib.import_module(f"helpers.report.views.{spec.views}")
    ensure_registered()
    inprocess.shell()
    html_export._exporter()


with long_lived():
    _load()
if os.environ.get(WARM_UP_ENV) != "0":
    warm_up()  # the first chart, table and page, drawn here once rather than in every worker
gc.collect()  # the warm-up's cycles (a figure): the frozen objects are not scanned (5 ms)
# what the warm-up kept (the libraries' caches) lives as long as the workers too
gc.freeze()
