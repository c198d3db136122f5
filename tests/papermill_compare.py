"""Run a notebook through papermill's command line with its default engine (a Jupyter
kernel) and with `--engine workbook`, and reduce each run to what a user compares: the
exit code, each code cell's papermill status and its outputs (stream name and text,
mime types, error name and message)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "papermill"

# The parameters papermill's own tests pass (papermill/tests/test_execute.py, test_cli.py).
PARAMETERS = {
    "simple_execute.ipynb": ["-p", "msg", "Hello"],
    "report_mode_test.ipynb": ["-p", "a", "0"],
    "complex_parameters.ipynb": ["-p", "msg", "Hello"],
    "read_check.ipynb": [],
}


# jupyter_client's words when a kernel does not come up in time (on a loaded machine),
# which says nothing about the notebook
KERNEL_START_FAILED = ("Kernel didn't respond", "Kernel died before replying to kernel_info")


def run(notebook: Path, out: Path, engine: str | None, extra: list[str] = (), timeout: float = 120,
        stdin: str | None = None) -> dict:
    """One papermill run, reduced (see module docstring)."""
    args = [sys.executable, "-m", "papermill", str(notebook), str(out), *PARAMETERS.get(notebook.name, []),
            *extra, "--cwd", str(out.parent)]
    if engine:
        args += ["--engine", engine]
    done = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", timeout=timeout,
                          input=stdin if stdin is not None else "", env=dict(os.environ, PYTHONUNBUFFERED="1"))
    reduced = {"exit": done.returncode, "cells": None, "stderr": done.stderr, "stdout": done.stdout}
    if out.exists():
        nb = json.loads(out.read_text(encoding="utf-8"))
        reduced["cells"] = [_cell(c) for c in nb["cells"] if c["cell_type"] == "code"]
        reduced["language_info"] = nb.get("metadata", {}).get("language_info", {}).get("name")
    return reduced


def _cell(cell: dict) -> dict:
    return {"status": cell.get("metadata", {}).get("papermill", {}).get("status"),
            "outputs": [_output(o) for o in cell.get("outputs", [])]}


def _output(o: dict) -> tuple:
    kind = o["output_type"]
    if kind == "stream":
        text = o["text"] if isinstance(o["text"], str) else "".join(o["text"])
        return (kind, o["name"], text)
    if kind == "error":
        return (kind, o["ename"], o["evalue"])
    return (kind, tuple(sorted(o.get("data", {}))))


def compare(notebook: Path, folder: Path, extra: list[str] = ()) -> tuple[dict, dict]:
    """The kernel's run and the workbook engine's run of `notebook`."""
    kernel = run(notebook, folder / f"kernel-{notebook.name}", None, extra)
    if kernel["exit"] != 0 and any(sign in kernel["stderr"] for sign in KERNEL_START_FAILED):
        kernel = run(notebook, folder / f"kernel-{notebook.name}", None, extra)  # a loaded machine: once more
    workbook = run(notebook, folder / f"workbook-{notebook.name}", "workbook", extra)
    return kernel, workbook


def merged(cells: list[dict] | None) -> list[dict] | None:
    """Cells with consecutive writes to the same stream joined: a kernel's client splits
    a stream wherever the kernel happened to flush (by time), which no two runs share."""
    if cells is None:
        return None
    out = []
    for cell in cells:
        outputs: list = []
        for o in cell["outputs"]:
            if o[0] == "stream" and outputs and outputs[-1][0] == "stream" and outputs[-1][1] == o[1]:
                outputs[-1] = ("stream", o[1], outputs[-1][2] + o[2])
            else:
                outputs.append(o)
        out.append({"status": cell["status"], "outputs": outputs})
    return out


# A kernel interrupted by the notebook itself takes about 60 s to be given up on
# (nbclient's wait for its reply): run alone, beside the others.
SLOW_ON_A_KERNEL = {"keyboard_interrupt.ipynb"}

_BATCH = r"""
import json, sys
from pathlib import Path
import papermill
engine, folder, names = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
params = json.loads(sys.stdin.read())
results = {}
for name in names:
    source = Path(name)
    target = folder / f"{engine}-{source.name}"
    try:
        papermill.execute_notebook(str(source), str(target), params.get(source.name, {}), cwd=str(folder),
                                   engine_name=None if engine == "kernel" else engine, progress_bar=False)
        code = 0
    except BaseException as exc:  # what papermill's command line turns into exit code 1
        code = 1 if not isinstance(exc, SystemExit) else (exc.code or 0)
    results[source.name] = code
print(json.dumps(results))
"""


def run_all(notebooks: list[Path], folder: Path, kernel_processes: int = 2) -> dict[str, tuple[dict, dict]]:
    """Every notebook through both engines through the papermill API (as the command line
    calls it: an exception is exit code 1), in processes side by side: the workbook
    engine in one, the kernels in `kernel_processes` (a kernel's run is mostly waiting
    for it to start and stop). Returns name -> (kernel, workbook) reduced runs."""
    params = {name: dict(zip(args[1::3], args[2::3])) for name, args in PARAMETERS.items()}
    slow = [nb for nb in notebooks if nb.name in SLOW_ON_A_KERNEL]
    rest = [nb for nb in notebooks if nb.name not in SLOW_ON_A_KERNEL]
    batches = [("workbook", notebooks)] + [("kernel", [nb]) for nb in slow] + [
        ("kernel", rest[i::kernel_processes]) for i in range(kernel_processes)]
    procs = []
    for engine, chunk in batches:
        proc = subprocess.Popen([sys.executable, "-c", _BATCH, engine, str(folder), *map(str, chunk)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8")
        proc.stdin.write(json.dumps(params))
        proc.stdin.close()
        procs.append((engine, proc))
    codes: dict[str, dict[str, int]] = {"kernel": {}, "workbook": {}}
    for engine, proc in procs:
        out = proc.stdout.read()
        proc.wait(timeout=600)
        codes[engine].update(json.loads(out.strip().splitlines()[-1]))
    reduced = {}
    for nb in notebooks:
        pair = []
        for engine in ("kernel", "workbook"):
            target = folder / f"{engine}-{nb.name}"
            cells = None
            if target.exists():
                saved = json.loads(target.read_text(encoding="utf-8"))
                cells = [_cell(c) for c in saved["cells"] if c["cell_type"] == "code"]
            pair.append({"exit": codes[engine][nb.name], "cells": cells})
        reduced[nb.name] = tuple(pair)
    return reduced
