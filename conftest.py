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


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "heavy: a module that takes half a minute or more; run first")


def pytest_collection_modifyitems(config, items) -> None:
    """Modules marked `heavy` first, each in its own order: in parallel runs
    (`--dist loadscope --no-loadscope-reorder`, as `make test` runs) the long modules
    start at once and the short ones fill in after, instead of one long module
    starting last and running alone."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)  # stable: order kept within each
