"""Workers start safely: from a fork server that has a single thread, with no fork
from a process running threads (Python 3.12+ warns about that, and it can deadlock)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from run_helpers import SNAPSHOT, workbook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

_PROBE = r"""
import os, sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
import numpy, pandas  # the parent has threads of its own now
from helpers.batch.workers import worker_context
context = worker_context()
with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
    pool.submit(os.getpid).result()  # the preload has finished once a worker answered
    server = forkserver._forkserver._forkserver_pid
    threads = [line.split()[1] for line in open(f"/proc/{server}/status") if line.startswith("Threads:")]
    forked = open(f"/proc/{server}/cmdline").read() == open("/proc/self/cmdline").read()
    print(len(os.listdir("/proc/self/task")) > 1, threads[0], os.environ.get("OPENBLAS_NUM_THREADS"), forked)
"""


def test_fork_server_has_one_thread_while_the_parent_has_several():
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"})
    assert done.returncode == 0, done.stderr
    parent_threaded, server_threads, parent_env, forked = done.stdout.split()
    assert parent_threaded == "True"
    assert server_threads == "1"
    assert parent_env == "None"  # the single-thread settings are the fork server's, not the parent's
    assert forked == "False"  # never forked from a process with threads: a fresh Python


_FORKED = r"""
import os, sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from helpers.batch.workers import single_threaded_libraries, worker_context
held = open(sys.argv[1], "w")  # as a run's lock file would be: not the server's to hold
with single_threaded_libraries():
    import numpy, pandas, pyarrow
    alone = len(os.listdir("/proc/self/task")) == 1
    context = worker_context()
with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
    worker = pool.submit(os.getpid).result()
    server = forkserver._forkserver._forkserver_pid
    threads = [line.split()[1] for line in open(f"/proc/{server}/status") if line.startswith("Threads:")]
    forked = open(f"/proc/{server}/cmdline").read() == open("/proc/self/cmdline").read()
    parents = {pid: [l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("PPid:")][0]
               for pid in (server, worker)}
    print(alone, threads[0], forked, parents[server] == str(os.getpid()), parents[worker] == str(server),
          os.environ.get("OPENBLAS_NUM_THREADS"),
          any(os.readlink(f"/proc/{server}/fd/{fd}") == sys.argv[1] for fd in os.listdir(f"/proc/{server}/fd")))
"""


def test_a_single_threaded_run_forks_its_fork_server_from_itself(tmp_path: Path):
    """The parent loads its libraries single-threaded and forks the fork server, which
    then has them without importing them again; the server keeps one thread, holds no
    file the parent had open, and the parent's environment is as it was."""
    held = tmp_path / "held.lock"
    done = subprocess.run([sys.executable, "-c", _FORKED, str(held)], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1", "True", "True", "True", "None", "False"]


_NESTED = r"""
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver
from helpers.batch.workers import single_threaded_libraries, worker_context


def start_own_server():  # what a notebook starting a forkserver pool of its own does
    forkserver.ensure_running()
    return forkserver._forkserver._forkserver_pid is not None


if __name__ == "__main__":
    with single_threaded_libraries():
        context = worker_context(warm_up=False)
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        forked = open(f"/proc/{forkserver._forkserver._forkserver_pid}/cmdline").read() == open("/proc/self/cmdline").read()
        print(forked, pool.submit(start_own_server).result(timeout=60))
"""


def test_a_worker_of_the_forked_server_can_start_a_server_of_its_own(tmp_path: Path):
    """The parent held the server's lock when it forked; the forked server frees it, as a
    spawned server's is free, so a worker (a notebook's own pool) does not wait forever."""
    script = tmp_path / "nested.py"
    script.write_text(_NESTED, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


_UNGUARDED = r"""
import os
from concurrent.futures import ProcessPoolExecutor
from helpers.batch.workers import single_threaded_libraries, worker_context
with single_threaded_libraries():
    context = worker_context(warm_up=False)
with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
    print(pool.submit(os.getpid).result(timeout=60))
"""


def test_a_script_without_a_main_guard_fails_as_upstream_does(tmp_path: Path):
    """A script that starts the workers without `if __name__ == "__main__":` is run again
    by each worker as it starts; the worker then gets multiprocessing's own RuntimeError
    (as with a spawned server) instead of waiting forever on the forked server's lock."""
    script = tmp_path / "unguarded.py"
    script.write_text(_UNGUARDED, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"})
    assert done.returncode != 0
    assert "bootstrapping phase" in done.stderr


def test_run_gives_no_fork_warning(project: Path):
    """With every DeprecationWarning shown, a run prints none about fork (on 3.12+ the
    old fork-after-threads start printed one per worker)."""
    env = dict(os.environ, PYTHONWARNINGS="always::DeprecationWarning")
    done = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", "--jobs", "2", root=project, env=env)
    assert done.returncode == 0, done.stderr
    assert "fork" not in done.stderr and "multi-threaded" not in done.stderr


_PARENT_MODULES = r"""
import sys
from helpers.cli import main
if __name__ == "__main__":
    code = main(sys.argv[1:])
    heavy = ("matplotlib", "IPython", "openpyxl", "nbformat", "nbconvert", "papermill", "seaborn")
    print(code, *[name for name in heavy if name in sys.modules])
"""


def test_run_parent_leaves_the_notebook_libraries_to_its_workers(project: Path):
    """The run's parent validates, computes the KPI matrices and writes the index; the
    charting, notebook and spreadsheet libraries load only in the fork server. Importing
    them in the parent as well cost a second of a national run."""
    env = dict(os.environ, WORKBOOK_ROOT=str(project))
    done = subprocess.run([sys.executable, "-c", _PARENT_MODULES, "run", "--snapshot", SNAPSHOT, "--scope", "47",
                           "--sections", "records"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0"]
    assert (project / "reports" / f"{SNAPSHOT}_47" / f"{SNAPSHOT}_47.xlsx").is_file()  # written by a worker


_PRELOAD_COLLECTIONS = r"""
import gc
seen = [0, 0, 0]
gc.callbacks.append(lambda phase, info: phase == "start" and seen.__setitem__(info["generation"], seen[info["generation"]] + 1))
import helpers.batch.preload
print(*seen, gc.isenabled(), gc.get_freeze_count())
"""


def test_the_fork_server_loads_without_scanning_what_it_loads():
    """The preload makes its long-lived objects without collections (it made some 500,
    four of them full, before), collects the warm-up's cycles once, freezes what it
    keeps and leaves the collector on, as it found it."""
    env = {k: v for k, v in os.environ.items() if k != "WORKBOOK_WARM_UP"}
    done = subprocess.run([sys.executable, "-c", _PRELOAD_COLLECTIONS], capture_output=True, text=True,
                          timeout=120, env=dict(env, WORKBOOK_WARM_UP="1"))
    assert done.returncode == 0, done.stderr
    young, middle, full, enabled, frozen = done.stdout.split()
    assert full == "1"  # the one after the warm-up
    assert int(young) < 100 and int(middle) < 10
    assert enabled == "True" and int(frozen) > 100_000


_POOL_WORKER_GC = r"""
import gc, os, sys
from concurrent.futures import ProcessPoolExecutor
from helpers.batch import shipped
from helpers.batch.workers import single_threaded_libraries, worker_context, worker_init
from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot


def collector():
    return gc.isenabled(), gc.get_threshold() == THRESHOLDS, gc.get_freeze_count() > 100_000


THRESHOLDS = gc.get_threshold()


if __name__ == "__main__":
    with single_threaded_libraries():
        context = worker_context(warm_up=False)
    snapshot, plan = load_snapshot(sys.argv[2]), load_plan("params/plan_fy2023.yaml")
    sent = shipped.pack(sys.argv[2], "params/plan_fy2023.yaml", snapshot, plan, None)
    with open(sys.argv[1], "wb") as f:
        f.write(sent.data)
    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=worker_init,
                             initargs=(os.getpid(), sys.argv[1], sent.sha256)) as pool:
        print(*pool.submit(collector).result(timeout=120))
"""


def test_a_pool_worker_collects_its_own_garbage(tmp_path: Path):
    """A worker takes the run's inputs and freezes them with what the fork server
    loaded, and collects its own garbage with Python's thresholds (the fork server
    loads with the collector off, and must not leave it so)."""
    script = tmp_path / "pool.py"
    script.write_text(_POOL_WORKER_GC, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "inputs.pickle"), SNAPSHOT],
                          capture_output=True, text=True, timeout=180, cwd=Path(__file__).resolve().parents[2],
                          env={k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]
