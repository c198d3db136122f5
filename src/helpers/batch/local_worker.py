"""A worker of the run's own local cluster (`--cluster local:N`), set up by Dask as a
preload: Ctrl-C in the terminal reaches every process of the run, and the run's main
process alone answers it (it cancels the jobs and ends the cluster, exit code 130);
the workers ignore it rather than each print a traceback of its own interruption."""

from __future__ import annotations

import contextlib
import signal

with contextlib.suppress(ValueError):  # only the main thread may set it: elsewhere nothing to do
    signal.signal(signal.SIGINT, signal.SIG_IGN)
