"""The `workbook` papermill engine: found through its entry point, honours papermill's
options, and starts every notebook from the same process state."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.core.paths import project_root


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _run(source: Path, target: Path, **kw) -> nbformat.NotebookNode:
    import papermill

    from helpers.notebook.papermill_engine import ensure_registered

    ensure_registered()
    return papermill.execute_notebook(str(source), str(target), engine_name="workbook", progress_bar=False, **kw)


def _text(nb, index: int) -> str:
    return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in nb.cells[index].outputs)


def test_entry_point_registers_the_engine_in_a_fresh_process():
    """Installed, papermill finds the engine by its entry point, whichever is imported first."""
    for first in ("import papermill", "import helpers.notebook.papermill_engine"):
        code = (f"{first}\nfrom papermill.engines import papermill_engines\n"
                "print(papermill_engines.get_engine('workbook').__module__)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "helpers.notebook.papermill_engine"


def test_the_engine_class_is_importable_at_module_level():
    """Workers and pickling need the classes by name, not built inside a function."""
    from helpers.notebook import inprocess, papermill_engine

    assert papermill_engine.WorkbookEngine.__qualname__ == "WorkbookEngine"
    assert inprocess.WorkbookShell.__module__ == "helpers.notebook.inprocess"
    assert "<locals>" not in inprocess.WorkbookShell.__qualname__


@pytest.mark.filterwarnings("ignore:still only a warning")
def test_each_notebook_starts_from_the_same_process_state(tmp_path):
    """One notebook changes pandas options, warning filters, the working directory,
    matplotlib settings, numpy's error handling, sys.path and its variables; the next
    sees none of it."""
    spoil = _notebook(
        tmp_path / "spoil.ipynb",
        "import os, sys, warnings\nimport numpy as np, pandas as pd, matplotlib as mpl\n"
        "import matplotlib.pyplot as plt",
        "pd.set_option('display.max_rows', 3)\nwarnings.simplefilter('error')\nos.chdir('/')\n"
        "mpl.rcParams['lines.linewidth'] = 9.0\nnp.seterr(all='raise')\nsys.path.insert(0, '/nowhere')\n"
        "plt.figure()\nleftover = 1",
    )
    check = _notebook(
        tmp_path / "check.ipynb",
        "import os, sys, warnings\nimport numpy as np, pandas as pd, matplotlib as mpl\n"
        "import matplotlib.pyplot as plt",
        "print(pd.get_option('display.max_rows'))",
        "warnings.warn('still only a warning', UserWarning)\nprint('went on')",
        "print(os.getcwd())",
        "print(mpl.rcParams['lines.linewidth'])",
        "print(np.geterr()['divide'])",
        "print('/nowhere' in sys.path)",
        "print(len(plt.get_fignums()))",
        "print('leftover' in dir())",
    )
    here = os.getcwd()
    _run(check, tmp_path / "before.ipynb")
    _run(spoil, tmp_path / "spoilt.ipynb")
    assert os.getcwd() == here
    before = _run(check, tmp_path / "before2.ipynb")
    after = _run(check, tmp_path / "after.ipynb")
    for index in range(1, 9):
        assert _text(after, index) == _text(before, index), after.cells[index].source
    assert _text(after, 1).strip() == "60"
    assert "went on" in _text(after, 2)
    assert _text(after, 3).strip() == here
    assert _text(after, 4).strip() == str(__import__("matplotlib").rcParamsDefault["lines.linewidth"])
    assert _text(after, 5).strip() == "warn"
    assert _text(after, 6).strip() == "False"
    assert _text(after, 7).strip() == "0"
    assert _text(after, 8).strip() == "False"


def test_execution_timeout_stops_a_long_cell(tmp_path):
    import papermill

    source = _notebook(tmp_path / "slow.ipynb", "import time", "time.sleep(30)", "print('never')")
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        _run(source, tmp_path / "out.ipynb", execution_timeout=1)
    assert failed.value.ename == "CellTimeoutError"
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert out.cells[-1].outputs == []  # nothing ran after the stopped cell


def test_log_output_sends_streams_to_papermills_logger(tmp_path, caplog):
    source = _notebook(tmp_path / "talk.ipynb", "print('こんにちは')", "import sys\nprint('警告', file=sys.stderr)", "1 + 1")
    with caplog.at_level(logging.INFO, logger="papermill"):
        _run(source, tmp_path / "quiet.ipynb")
    assert "こんにちは" not in caplog.text
    with caplog.at_level(logging.INFO, logger="papermill"):
        _run(source, tmp_path / "loud.ipynb", log_output=True)
    levels = {r.getMessage().strip(): r.levelname for r in caplog.records if r.name.startswith("papermill")}
    assert levels.get("こんにちは") == "INFO"
    assert levels.get("警告") == "WARNING"
    assert levels.get("2") == "INFO"


def test_papermill_command_line_wrong_parameter_is_one_short_message(tmp_path):
    """`papermill --engine workbook` with a wrong scope: the Japanese message only, no
    traceback and no kernel warnings; the output notebook keeps the error."""
    papermill = Path(sys.executable).parent / "papermill"
    source = project_root() / "notebooks" / "04_records.ipynb"
    done = subprocess.run([str(papermill), "--engine", "workbook", "--no-progress-bar", str(source),
                           str(tmp_path / "out.ipynb"), "-r", "scope", "99"],
                          capture_output=True, text=True, cwd=source.parent)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "WARNING" not in done.stderr and "TCP" not in done.stderr
    assert "エラー: 地域コード「99」はこのスナップショットにありません。近いもの: 39（高知県）" in done.stderr
    errors = [o for c in nbformat.read(tmp_path / "out.ipynb", as_version=4).cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"]
    assert [e.ename for e in errors] == ["WorkbookError"]
