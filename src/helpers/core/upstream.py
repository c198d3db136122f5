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

- `fork_forkserver`: multiprocessing's fork server (`multiprocessing.forkserver`, 3.11.7,
  3.12.1, 3.13.0), started by forking this process instead of starting a new
  interpreter. `ensure_running` has no way to say "fork": it always starts a fresh
  Python, which imports pandas, numpy and pyarrow a second time (0.8 s of CPU of a
  national run). This function does what `ensure_running` does (a listening socket, the
  "alive" pipe, the server's `main`), forks where it would spawn, and records the
  server where `ForkServer` keeps it (`_forkserver_address`, `_forkserver_alive_fd`,
  `_forkserver_pid`). It forks only from a process with one thread on a checked Python;
  otherwise it does nothing and the caller starts the server as upstream does. The
  forked server frees the `ForkServer` lock the parent held while forking, and a process
  still importing its main module gets upstream's RuntimeError, as from
  `ensure_running`. The test holds `ensure_running`'s and `main`'s source to what was
  checked.
- `helpers.notebook.inprocess._Hook.flush`: IPython's `DisplayHook.flush` (9.18.1),
  repeated without its closing full garbage collection; the test holds upstream's
  source and compares the two.
- `helpers.outputs.html_export._page_exporter_class`: nbconvert's
  `HTMLExporter.from_notebook_node` (7.17.2), repeated up to the page's text without the
  BeautifulSoup pass that follows (which only adds `tabindex` and missing `alt`
  attributes, and cost three times the template); `focusable_and_described` adds them.
  The test holds upstream's source and that the page parses to upstream's page.

Everything else the workbook does with papermill, nbconvert, nbclient, jupyter_client,
IPython, multiprocessing and warnings goes through their public APIs.
"""

from __future__ import annotations

import os
import sys

__all__ = ["run_exit_handlers", "fork_forkserver", "CHECKED_AGAINST"]

CHECKED_AGAINST = {"python": ("3.11", "3.12", "3.13"), "ipython": "9.18.1", "nbconvert": "7.17.2"}


def run_exit_handlers() -> None:
    """Run the functions registered with `atexit` now (then the process may end with
    `os._exit`)."""
    import atexit

    atexit._run_exitfuncs()


def _threads() -> int:
    """The threads of this process, as the kernel counts them (C libraries' too)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0  # not known: treated as unsafe


def fork_forkserver(preload: list[str], environ: dict[str, str]) -> bool:
    """Start multiprocessing's fork server as a fork of this process, which keeps what
    this process has imported; the server sets `environ`, imports `preload` and serves.

    Returns False, having done nothing, where forking is not known to be safe (not
    Linux, a Python not checked, a server already started, or more than one thread
    here: a fork copies no thread but the caller's, and a lock another thread held
    would stay held); the caller then starts the server the usual way."""
    import multiprocessing.forkserver as forkserver
    import socket
    from multiprocessing import connection, resource_tracker, spawn, util

    if (not sys.platform.startswith("linux") or f"{sys.version_info[0]}.{sys.version_info[1]}"
            not in CHECKED_AGAINST["python"]):
        return False
    # as ensure_running does: a process still importing its main module (a worker
    # re-running a script that has no `if __name__ == "__main__":`) gets upstream's
    # RuntimeError, not a second server
    spawn.get_preparation_data("ignore")
    server = forkserver._forkserver
    with server._lock:
        if server._forkserver_pid is not None or _threads() != 1:
            return False
        resource_tracker.ensure_running()  # as ensure_running does: workers are handed its pipe
        if _threads() != 1:
            return False
        for stream in (sys.stdout, sys.stderr):  # or the child would write their buffers again
            if stream is not None:
                stream.flush()
        listener = socket.socket(socket.AF_UNIX)
        try:
            address = connection.arbitrary_address("AF_UNIX")
            listener.bind(address)
            if not util.is_abstract_socket_namespace(address):
                os.chmod(address, 0o600)
            listener.listen()
            alive_r, alive_w = os.pipe()
            pid = os.fork()
            if pid == 0:
                _serve(listener.detach(), alive_r, alive_w, preload, environ)  # never returns
            os.close(alive_r)
        finally:
            listener.close()
        server._forkserver_address = address
        server._forkserver_alive_fd = alive_w
        server._forkserver_pid = pid
    return True


def _serve(listener_fd: int, alive_r: int, alive_w: int, preload: list[str], environ: dict[str, str]) -> None:
    """The forked server: only the descriptors a spawned server would have, then
    upstream's loop (which ends when the last client has gone)."""
    import multiprocessing.forkserver as forkserver
    import threading
    import traceback

    code = 0
    try:
        # the parent held the lock when it forked: free it, as a spawned server's is, so
        # that a worker's own ensure_running (a notebook starting a pool) does not wait forever
        forkserver._forkserver._lock = threading.Lock()
        os.close(alive_w)
        keep = {0, 1, 2, listener_fd, alive_r}
        for name in os.listdir("/proc/self/fd"):
            if int(name) not in keep:
                try:
                    os.close(int(name))
                except OSError:
                    pass  # the listing's own descriptor, already gone
        os.environ.update(environ)
        forkserver.main(listener_fd, alive_r, preload)
    except SystemExit:
        pass
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)
