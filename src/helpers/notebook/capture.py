"""A cell's outputs recorded as a Jupyter client records a kernel's messages.

- Streams: consecutive writes to the same stream form one output. Writes are kept as
  pieces and joined when the output is read, so every write costs the same however
  long the stream already is (100,000 lines print in linear time).
- `clear_output(wait=True)` clears when the next output arrives, as in a kernel.
- Display ids: `display(..., display_id=...)` registers the output; `update_display`
  changes the registered outputs in place, in whichever cell of the notebook they are,
  and adds nothing (as nbclient does for `update_display_data`).
- Each new output is handed to `on_output` as it happens (papermill's `--log-output`
  and its autosave act while a long cell runs).
- Output written below Python, to file descriptors 1 and 2 (`os.system`, a
  subprocess), goes where a kernel's goes when papermill runs it: to papermill's own
  terminal, not into the cell (measured with ipykernel 7.4; the README lists it).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

import nbformat

__all__ = ["CellOutputs", "NotebookDisplays", "CellStream"]


class NotebookDisplays:
    """Outputs with a display id, across the cells of one notebook."""

    def __init__(self) -> None:
        self._by_id: dict[str, list] = {}

    def register(self, display_id: str, output) -> None:
        self._by_id.setdefault(display_id, []).append(output)

    def update(self, display_id: str, data: dict, metadata: dict) -> None:
        for output in self._by_id.get(display_id, []):
            output["data"] = data
            output["metadata"] = metadata

    def clear(self) -> None:
        self._by_id.clear()


class CellOutputs:
    """The outputs of the cell being run (thread-safe: the pipe readers write too)."""

    def __init__(self) -> None:
        self.items: list = []
        self.on_output: Callable[[object], None] | None = None
        self._lock = threading.RLock()
        self._open = None  # the last output, when it is a stream still being written
        self._pieces: list[str] = []
        self._clear_on_next = False

    def start(self, on_output: Callable[[object], None] | None = None) -> None:
        """A new cell: no outputs yet."""
        with self._lock:
            self.items = []
            self._open, self._pieces, self._clear_on_next = None, [], False
            self.on_output = on_output

    def write(self, name: str, text: str) -> None:
        """Text on stdout or stderr."""
        if not text:
            return
        with self._lock:
            self._clear_if_waiting()
            if self._open is not None and self._open.name == name:
                self._pieces.append(text)
            else:
                self._close_stream()
                self._open = nbformat.v4.new_output("stream", name=name, text="")
                self._pieces = [text]
                self.items.append(self._open)
        self._tell(("stream", name, text))

    def append(self, output) -> None:
        """A display_data, execute_result or error output."""
        with self._lock:
            self._clear_if_waiting()
            self._close_stream()
            self.items.append(output)
        self._tell(output)

    def clear(self, wait: bool = False) -> None:
        """`clear_output`: now, or (wait=True) when the next output arrives."""
        with self._lock:
            if wait:
                self._clear_on_next = True
                return
            self.items, self._open, self._pieces = [], None, []

    def collected(self) -> list:
        """The outputs so far, streams joined (for the notebook, autosave and the end)."""
        with self._lock:
            if self._open is not None:
                self._open.text = "".join(self._pieces)
            return list(self.items)

    def _close_stream(self) -> None:
        if self._open is not None:
            self._open.text = "".join(self._pieces)
        self._open, self._pieces = None, []

    def _clear_if_waiting(self) -> None:
        if self._clear_on_next:
            self._clear_on_next = False
            self.items, self._open, self._pieces = [], None, []

    def _tell(self, what) -> None:
        if self.on_output is not None:
            self.on_output(what)


class CellStream(io.TextIOBase):
    """sys.stdout or sys.stderr of a cell, as ipykernel's streams present themselves."""

    def __init__(self, outputs: CellOutputs, name: str):
        self.outputs = outputs
        self.name = name

    @property
    def encoding(self) -> str:
        return "UTF-8"

    @property
    def errors(self) -> str:
        return "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.outputs.write(self.name, text)
        return len(text)
