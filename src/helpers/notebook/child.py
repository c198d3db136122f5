"""Cells of a notebook run by papermill's command line, in a child process.

A batch worker can afford to run notebooks in its own process: the run's parent sees a
worker die. papermill's command line cannot: a cell that ends the process
(`os._exit(0)`, a crash in C code) would end papermill with it, with the notebook left
"running" and, for `os._exit(0)`, exit code 0. So from the command line the cells run
in a child process (started by multiprocessing's fork server, not forked from
papermill, which has threads). The parent keeps papermill's bookkeeping (progress,
`--log-output`, autosave): the child sends each output as it happens. When the child
dies, the cell it was running gets the error a dead kernel gives, and papermill stops
with exit code 1, as with its default engine.
"""

from __future__ import annotations

import multiprocessing

import nbformat

from helpers.notebook.capture import CellOutputs, NotebookDisplays

__all__ = ["ChildShell", "DEAD_KERNEL"]

DEAD_KERNEL = ("DeadKernelError", "Kernel died")  # nbclient's words for a kernel that died


class ChildShell:
    """A child process running cells for the parent, one at a time."""

    def __init__(self, timeout: float | None):
        context = multiprocessing.get_context("forkserver")
        self._conn, child_end = context.Pipe()
        self._process = context.Process(target=_serve, args=(child_end, timeout), daemon=True,
                                        name="workbook-notebook")
        self._process.start()
        child_end.close()
        self.displays = NotebookDisplays()

    def run_cell(self, source: str, outputs: CellOutputs) -> tuple[int | None, bool]:
        """Run one cell in the child; outputs arrive in `outputs` as they happen. Returns
        the cell's execution count and whether it failed (a dead child fails it)."""
        self._conn.send(("run", source))
        count = None
        while True:
            if not self._conn.poll(0.2):
                if self._process.is_alive():
                    continue
                return count, self._died(outputs)
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                return count, self._died(outputs)
            kind = message[0]
            if kind == "count":
                count = message[1]
            elif kind == "write":
                outputs.write(message[1], message[2])
            elif kind == "append":
                outputs.append(message[1])
            elif kind == "clear":
                outputs.clear(message[1])
            elif kind == "register":
                self.displays.register(message[1], outputs.items[message[2]])
            elif kind == "update":
                self.displays.update(message[1], message[2], message[3])
            elif kind == "done":
                return count, message[1]

    def close(self) -> None:
        if self._process.is_alive():
            try:
                self._conn.send(("stop",))
            except OSError:
                pass
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()

    def _died(self, outputs: CellOutputs) -> bool:
        self._process.join(timeout=1)
        outputs.append(nbformat.v4.new_output("error", ename=DEAD_KERNEL[0], evalue=DEAD_KERNEL[1], traceback=[]))
        return True


class _Forwarding(CellOutputs):
    """The child's cell outputs: kept, and each change sent to the parent."""

    def __init__(self, conn):
        super().__init__()
        self._conn = conn

    def write(self, name: str, text: str) -> None:
        super().write(name, text)
        if text:
            self._conn.send(("write", name, text))

    def append(self, output) -> None:
        super().append(output)
        self._conn.send(("append", output))

    def clear(self, wait: bool = False) -> None:
        super().clear(wait)
        self._conn.send(("clear", wait))


class _ForwardingDisplays(NotebookDisplays):
    def __init__(self, conn, outputs: CellOutputs):
        super().__init__()
        self._conn, self._outputs = conn, outputs

    def register(self, display_id: str, output) -> None:
        super().register(display_id, output)
        self._conn.send(("register", display_id, len(self._outputs.items) - 1))  # the output just appended

    def update(self, display_id: str, data: dict, metadata: dict) -> None:
        super().update(display_id, data, metadata)
        self._conn.send(("update", display_id, data, metadata))


def _serve(conn, timeout: float | None) -> None:
    """The child: run each cell the parent sends, until told to stop."""
    from helpers.notebook import inprocess

    sh = inprocess.shell()
    sh.outputs = _Forwarding(conn)
    sh.displays = _ForwardingDisplays(conn, sh.outputs)
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message[0] != "run":
            return
        conn.send(("count", sh.execution_count))
        _, failed = inprocess.run_cell(message[1], timeout=timeout)
        conn.send(("done", failed))
