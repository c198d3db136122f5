"""Project-wide pytest hooks: nbval tests the committed report notebooks only."""

from __future__ import annotations

from pathlib import Path

from helpers.sections.registry import NOTEBOOKS


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    """An analyst's scratch notebook saved in notebooks/ (or a checkpoint copy) is not
    a report notebook and never becomes a test; only the registry's notebooks are."""
    if collection_path.suffix == ".ipynb":
        return collection_path.stem not in NOTEBOOKS or ".ipynb_checkpoints" in collection_path.parts
    return None
