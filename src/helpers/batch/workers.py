"""Worker processes of a run: started safely, and never outliving the run.

Forking a process that runs threads can deadlock the child (a lock held by another
thread at the moment of the fork stays held forever), and Python 3.12+ warns about it.
By the time a run starts its workers the parent has threads: OpenBLAS starts one when
numpy is imported, Arrow's allocator and thread pool more when the snapshot is read.
So workers are not forked from the parent but from a fork server (multiprocessing's
"forkserver"), started before the parent reads any data, with OpenBLAS and Arrow told
not to start threads, which imports `helpers.batch.preload` (the libraries, the shell,
the exporter) while the parent validates, and then forks one worker per core from its
single thread. `workbook run` loads its own libraries under the same settings first
(`single_threaded_libraries`) and, while it still has one thread, forks the server
from itself (`helpers.core.upstream.fork_forkserver`), so pandas, numpy and pyarrow are
imported once, not again in the server; elsewhere the server is a fresh Python. The
validated snapshot, the KPI engine and the run's other inputs come to each worker from
a file the parent writes (`helpers.batch.shipped`).

A worker starts from the fork server, so it inherits none of the parent's open files
(the run lock included). Each worker asks the kernel to kill it when the fork server
ends, which it does as soon as the run's main process is gone (even by kill -9), and
leaves SIGTERM to its default action; the parent stops the workers on any error or
signal.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from helpers.core import upstream
from helpers.core.errors import RunInterrupted

__all__ = ["worker_init", "long_lived", "single_threaded_libraries", "stopping_on_error", "die_with_parent",
           "stop_on_sigterm", "worker_context", "ready_to_spawn", "SINGLE_THREAD_ENV"]

# Libraries whose own threads would make the fork server unsafe to fork from. Workers
# inherit these too: a run parallelises by process, so more threads per worker would
# only compete for the same cores.
SINGLE_THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                     "JE_ARROW_MALLOC_CONF": "background_thread:false"}

_PR_SET_PDEATHSIG = 1


def die_with_parent(run_pid: int, every: float = 0.5) -> None:
    """End this worker as soon as the run's main process `run_pid` is gone, even by
    kill -9, and when its own parent (the fork server) ends.

    The fork server outlives the run while any worker lives (each worker holds the
    end of the pipe whose closing tells the server its clients are gone), so a worker
    cannot wait for it: a watchdog thread checks the run's process instead. A worker
    may start threads, it never forks."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def gone() -> bool:
        try:
            os.kill(run_pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    if gone():
        os._exit(1)

    def watch() -> None:
        while not gone():
            time.sleep(every)
        os._exit(1)  # nothing to report to: the run that asked is gone

    threading.Thread(target=watch, name="workbook-watchdog", daemon=True).start()


WARM_UP_ENV = "WORKBOOK_WARM_UP"  # "1": the fork server warms up before forking (`helpers.batch.warm_up`)


def ready_to_spawn() -> None:
    """Let multiprocessing start processes from an embedded interpreter: its __main__
    (execnet's, some IDEs') lacks the attribute multiprocessing reads to tell a new
    process (a fork server, a Dask worker) what to import; it has nothing to import."""
    main = sys.modules.get("__main__")
    if main is not None and not hasattr(main, "__spec__"):
        main.__spec__ = None


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """`values` set in this process's environment for the block, then restored."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def long_lived():
    """Make the objects that live as long as the process (libraries, their caches) in
    this block: Python's advice for a process that forks without exec (`gc.freeze`'s
    documentation). The collector does not run in the block, which would scan the
    objects again and again as they arrive, and they are frozen at its end, out of
    every later scan (so also out of the pages a scan would touch and copy in a forked
    child). Measured: `workbook run`'s parent, its imports and validation, 1.86 -> 1.70 s
    of CPU; the fork server's preload 1.26 -> 1.02 s. The collector is then as it was
    found."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if collecting:
            gc.enable()


def single_threaded_libraries():
    """Load libraries in this block as the fork server would (`SINGLE_THREAD_ENV`): a
    process that loaded them so has one thread, and can be the one the fork server is
    forked from (`worker_context`). The environment is restored on leaving, for the
    processes the run starts later (kernels, the PDF printer)."""
    return _environment(SINGLE_THREAD_ENV)


def worker_context(warm_up: bool = True):
    """The multiprocessing context for a run's workers: a fork server started once per
    process, with `helpers.batch.preload` imported and no thread but its own. Call it
    before the parent's heavy work, so that the preload runs meanwhile. `warm_up` when
    the run will have more than one worker: one worker gains nothing by it."""
    import multiprocessing
    from multiprocessing import forkserver

    ready_to_spawn()
    context = multiprocessing.get_context("forkserver")
    preload = ["helpers.batch.preload"]
    context.set_forkserver_preload(preload)
    started = {**SINGLE_THREAD_ENV, WARM_UP_ENV: "1" if warm_up else "0"}
    if not upstream.fork_forkserver(preload, started):
        # a fresh Python inherits them; a fork server already running is kept as it is
        with _environment(started):
            forkserver.ensure_running()
    return context


def worker_init(run_pid: int, shared_state: str | None = None, sha256: str = "") -> None:
    """Initializer of every worker: signals, lifetime, and the parent's inputs (the file
    `shared_state`, checked against its `sha256`)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    die_with_parent(run_pid)
    if shared_state is not None:
        from pathlib import Path

        from helpers.batch import shipped

        shipped.work_on(Path(shared_state).read_bytes(), sha256)


@contextlib.contextmanager
def stopping_on_error(pool: ProcessPoolExecutor):
    """Shut the pool down normally, or kill its workers at once when the block is left
    by an exception (a signal, an interrupted run, a full disk)."""
    try:
        yield pool
    except BaseException:
        # the pool's workers are this process's multiprocessing children (started
        # through the fork server); the run starts no other
        for process in multiprocessing.active_children():
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)


@contextlib.contextmanager
def stop_on_sigterm():
    """Turn SIGTERM (what systemd and kill send) into `RunInterrupted` in the main
    thread, so that the run unwinds: workers are killed, the unfinished folder is
    removed and the lock released; the published report stays as it was."""
    def interrupt(signum, frame):
        raise RunInterrupted("停止の指示（SIGTERM）を受けたため、実行を中止しました。公開中のレポートはそのままです。")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
