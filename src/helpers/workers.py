"""Worker processes of a run: they must never outlive the run or hold its lock.

Workers are forked from the parent, so they inherit every open file, the run lock
included: a flock belongs to the open file, and a worker left behind by a killed
parent (adopted by PID 1) would keep every later run out. Each worker therefore closes
its copy of the lock, asks the kernel to kill it when its parent dies, and leaves
SIGTERM to its default action; the parent stops the workers on any error or signal.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

from helpers.errors import RunInterrupted

__all__ = ["worker_init", "stopping_on_error", "die_with_parent", "stop_on_sigterm"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Linux: SIGKILL this process when its parent ends (even by kill -9)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def worker_init(lock_fd: int | None, parent_pid: int) -> None:
    """Initializer of every forked worker."""
    if lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    die_with_parent(parent_pid)


@contextlib.contextmanager
def stopping_on_error(pool: ProcessPoolExecutor):
    """Shut the pool down normally, or kill its workers at once when the block is left
    by an exception (a signal, an interrupted run, a full disk)."""
    try:
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
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
