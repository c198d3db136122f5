"""CPython still runs `atexit` handlers through the function the workbook's quick exit
calls (`helpers.core.upstream.run_exit_handlers`)."""

from __future__ import annotations

import subprocess
import sys


def test_run_exit_handlers_runs_what_atexit_holds_then_os_exit_skips_nothing_else():
    script = ("import atexit, os\nfrom helpers.core.upstream import run_exit_handlers\n"
              "atexit.register(lambda: print('handler ran', flush=True))\n"
              "run_exit_handlers()\nos._exit(7)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 7
    assert done.stdout == "handler ran\n"
