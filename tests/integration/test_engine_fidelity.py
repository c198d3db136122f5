"""`--engine workbook` as faithful as a kernel: papermill's own test notebooks and
notebooks written the way analysts write them give the same exit code, cell statuses
and outputs through papermill's default engine (a Jupyter kernel) and through ours."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from papermill_compare import FIXTURES, compare, merged, run

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

ENGINE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"




def test_analysts_outputs_land_in_the_cells_as_in_a_kernel(tmp_path):
    """logging, os.system and subprocess output, the stream encoding, the inline backend
    (with and without %matplotlib inline) and a display updated by its id."""
    kernel, workbook = compare(ENGINE_FIXTURES / "analyst_outputs.ipynb", tmp_path)
    assert workbook["exit"] == kernel["exit"] == 0, workbook["stderr"][-2000:]
    cells = merged(workbook["cells"])
    assert cells == merged(kernel["cells"])
    assert cells[0]["outputs"] == [("stream", "stderr", "INFO:t:x\n")]
    # os.system and subprocess write to the process's own descriptors: a kernel run by
    # papermill leaves that on papermill's terminal, and so does the engine (README)
    assert cells[1]["outputs"] == [("stream", "stdout", "UTF-8\n")]
    assert "hi\nsub\n" in workbook["stdout"] and "hi\nsub\n" in kernel["stdout"]
    assert cells[2]["outputs"][-1] == ("display_data", ("image/png", "text/plain"))
    assert cells[3]["outputs"][-1] == ("display_data", ("image/png", "text/plain"))
    saved = json.loads((tmp_path / "workbook-analyst_outputs.ipynb").read_text(encoding="utf-8"))
    assert "".join(saved["cells"][4]["outputs"][0]["data"]["text/plain"]) == "'second'"  # updated in place
    assert saved["cells"][5]["outputs"] == []
    assert saved["metadata"]["language_info"]["name"] == "python"
    assert saved["metadata"]["language_info"]["version"] == sys.version.split()[0]


def test_input_is_refused_as_a_kernel_refuses_it(tmp_path):
    kernel, workbook = compare(ENGINE_FIXTURES / "asks_for_input.ipynb", tmp_path)
    assert workbook["exit"] == kernel["exit"] == 1
    assert merged(workbook["cells"]) == merged(kernel["cells"])
    assert workbook["cells"][0]["outputs"][0][:2] == ("error", "StdinNotImplementedError")
    piped = run(ENGINE_FIXTURES / "asks_for_input.ipynb", tmp_path / "piped.ipynb", "workbook", stdin="太郎\n")
    assert piped["cells"][0]["outputs"][0][:2] == ("error", "StdinNotImplementedError")  # papermill's stdin is not read


def test_a_timeout_cannot_be_swallowed_by_the_notebook(tmp_path):
    done = run(ENGINE_FIXTURES / "swallowed_timeout.ipynb", tmp_path / "out.ipynb", "workbook",
               ["--execution-timeout", "2"])
    assert done["exit"] == 1
    assert done["cells"][0]["status"] == "failed"
    assert done["cells"][0]["outputs"] == [("error", "CellTimeoutError",
                                            "セルの実行が 2 秒を超えたため止めました（execution_timeout）")]


def test_a_notebook_for_another_kernel_is_refused_in_words(tmp_path):
    done = run(FIXTURES / "notimplemented_translator.ipynb", tmp_path / "out.ipynb", "workbook")
    assert done["exit"] == 1
    assert "エンジン workbook は Python のノートブックだけを実行します" in done["stderr"]


def test_a_long_cell_is_saved_and_logged_while_it_runs(tmp_path):
    """--autosave-cell-every and --log-output act during the cell, not only at its end."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    source = tmp_path / "slow.ipynb"
    nb = new_notebook(cells=[new_code_cell(
        "import time\nprint('first', flush=True)\ntime.sleep(2)\nprint('second', flush=True)\ntime.sleep(4)\nprint('last')")])
    nb.metadata = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    nbformat.write(nb, source)
    out = tmp_path / "out.ipynb"
    proc = subprocess.Popen([sys.executable, "-m", "papermill", str(source), str(out), "--engine", "workbook",
                             "--autosave-cell-every", "1", "--log-output", "--no-progress-bar"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logged_while_running: list[bool] = []

    def read_log() -> None:
        for line in proc.stderr:
            if line.strip() == "first":  # papermill logs the cell's line: was the cell still running?
                logged_while_running.append(_status(out) == "running")

    reader = threading.Thread(target=read_log)
    reader.start()
    saved_mid_cell = False
    while proc.poll() is None:
        saved_mid_cell = saved_mid_cell or _running(out, containing="first")
        time.sleep(0.2)
    reader.join()
    assert proc.returncode == 0
    assert saved_mid_cell, "the running cell's first lines were not saved before the cell ended"
    assert logged_while_running == [True], "the first line was logged only when the cell ended"


def _saved_cell(out: Path) -> dict | None:
    """The saved notebook's cell, read again while papermill is half-way through a save."""
    for _ in range(50):
        try:
            return json.loads(out.read_text(encoding="utf-8"))["cells"][0]
        except (OSError, ValueError, IndexError):
            time.sleep(0.02)
    return None


def _status(out: Path) -> str | None:
    cell = _saved_cell(out)
    return None if cell is None else cell["metadata"].get("papermill", {}).get("status")


def _running(out: Path, containing: str | None = None) -> bool:
    """Whether the saved notebook shows its cell running (with `containing` in its outputs)."""
    cell = _saved_cell(out) if out.exists() else None
    if cell is None or cell["metadata"].get("papermill", {}).get("status") != "running":
        return False
    return containing is None or any(containing in "".join(o.get("text", "")) for o in cell["outputs"])


def test_a_hundred_thousand_lines_print_whole(tmp_path):
    """Appending to a stream costs the same for every write (the old engine took over
    120 s for this notebook); bench/large_output.py measures the time."""
    done = run(ENGINE_FIXTURES / "big_output.ipynb", tmp_path / "out.ipynb", "workbook", timeout=100)
    assert done["exit"] == 0
    [(kind, name, text)] = done["cells"][0]["outputs"]
    lines = text.splitlines()
    assert len(lines) == 100_000 and lines[-1] == "099999" + "x" * 92


def test_one_notebook_leaves_nothing_behind_for_the_next(tmp_path):
    """Two notebooks through papermill's Python API in one process: environment, numpy
    print options, recursion limit, the root logger and display formatters are the
    process's own again for the second."""
    import nbformat
    import papermill
    from nbformat.v4 import new_code_cell, new_notebook

    from helpers.notebook.papermill_engine import ensure_registered

    ensure_registered()
    first = new_notebook(cells=[new_code_cell(
        "import os, sys, logging\nimport numpy as np\nos.environ['WB_LEAK'] = '1'\nnp.set_printoptions(precision=1)\n"
        "sys.setrecursionlimit(200)\nlogging.basicConfig(level=logging.DEBUG)\n"
        "get_ipython().display_formatter.formatters['text/plain'].for_type(int, lambda n, p, c: p.text('int!'))")])
    second = new_notebook(cells=[new_code_cell(
        "import os, sys, logging\nimport numpy as np\n"
        "print(os.environ.get('WB_LEAK'), np.get_printoptions()['precision'], sys.getrecursionlimit() >= 1000,"
        " len(logging.getLogger().handlers), logging.getLogger().level)"), new_code_cell("42")])
    for nb in (first, second):
        nb.metadata = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    paths = []
    for name, nb in (("first", first), ("second", second)):
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
        paths.append(tmp_path / f"{name}-out.ipynb")
        papermill.execute_notebook(str(tmp_path / f"{name}.ipynb"), str(paths[-1]), engine_name="workbook",
                                   progress_bar=False)
    out = nbformat.read(paths[1], as_version=4)
    assert out.cells[0].outputs[0].text == "None 8 True 0 30\n"
    assert out.cells[1].outputs[0].data["text/plain"] == "42"


def test_a_cell_that_ends_its_process_fails_the_notebook_not_papermill(tmp_path):
    """From papermill's command line the cells run in a child process: os._exit(0) in a
    cell is a dead kernel (a failed cell, exit code 1), not papermill ending with 0."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("print('before')"), new_code_cell("import os\nos._exit(0)"),
                             new_code_cell("print('after')")])
    nb.metadata = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    nbformat.write(nb, tmp_path / "exits.ipynb")
    done = run(tmp_path / "exits.ipynb", tmp_path / "out.ipynb", "workbook")
    assert done["exit"] == 1
    assert [c["status"] for c in done["cells"]] == ["completed", "failed", "pending"]
    assert done["cells"][1]["outputs"] == [("error", "DeadKernelError", "Kernel died")]
