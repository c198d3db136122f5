"""What the runner tests share: run `workbook` as a user does, on a copy of the project."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

SNAPSHOT = "sample-2023-09-30"


def workbook(*args: str, root: Path | None = None, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ if env is None else env)
    if root is not None:
        env["WORKBOOK_ROOT"] = str(root)
    return subprocess.run([sys.executable, "-m", "helpers.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, **kw)


def start(*args: str, root: Path) -> subprocess.Popen:
    env = dict(os.environ, WORKBOOK_ROOT=str(root))
    return subprocess.Popen([sys.executable, "-m", "helpers.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
                            start_new_session=True)


def kpis_in_process(*args: str) -> tuple[dict[str, dict[str, str]], str]:
    """`workbook kpis ARGS` in this process (a snapshot stays loaded between calls): the
    table's rows by KPI id, each as {column: text}, and the whole output."""
    from helpers.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["kpis", *args]) == 0
    text = out.getvalue()
    lines = [line.split(" | ") for line in text.splitlines() if " | " in line]
    return {cells[0]: dict(zip(lines[0], cells)) for cells in lines[1:]}, text


def copy_project(root: Path) -> Path:
    """Copy the project's notebooks, plan, data and pyproject.toml to `root`."""
    from helpers.core.paths import project_root

    src = project_root()
    for name in ("notebooks", "params", "data"):
        shutil.copytree(src / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(src / "pyproject.toml", root / "pyproject.toml")
    return root


def descendants(pid: int) -> list[int]:
    """Every descendant of `pid`: a run's fork server and workers, or its cluster's."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        below = [child for child, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


def gone(pids: list[int], seconds: float = 10.0) -> bool:
    """Whether every process of `pids` has ended (or is a zombie) within `seconds`."""
    def alive(pid: int) -> bool:
        try:
            return "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False
