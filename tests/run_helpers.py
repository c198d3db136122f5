"""What the runner tests share: run `workbook` as a user does, on a copy of the project."""

from __future__ import annotations

import os
import subprocess
import sys
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
