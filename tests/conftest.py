"""Fixtures shared by the test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers.core.paths import project_root


@pytest.fixture()
def project(tmp_path) -> Path:
    """A copy of the project's notebooks, plan and data, to break and run freely."""
    root = tmp_path / "project"
    src = project_root()
    for name in ("notebooks", "params", "data"):
        shutil.copytree(src / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(src / "pyproject.toml", root / "pyproject.toml")
    return root
