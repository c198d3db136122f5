"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from run_helpers import copy_project


@pytest.fixture()
def project(tmp_path) -> Path:
    """A copy of the project's notebooks, plan and data, to break and run freely."""
    return copy_project(tmp_path / "project")
