"""The section registry's cells (`SectionSpec.body` and the scaffold's frame) are the
committed notebooks' cells: the scaffold rebuilds every committed notebook exactly,
so the two cannot drift apart."""

from __future__ import annotations

import importlib.util

import nbformat
import pytest

from helpers.core.paths import project_root
from helpers.sections.registry import SECTIONS

ROOT = project_root()


def _scaffold():
    spec = importlib.util.spec_from_file_location("scaffold_notebooks", ROOT / "tools" / "scaffold_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.notebook)
def test_the_scaffold_rebuilds_the_committed_cells(section):
    built = _scaffold().build(section)
    committed = nbformat.read(ROOT / "notebooks" / f"{section.notebook}.ipynb", as_version=4)
    shape = [(c.cell_type, c.source, c.get("id"), c.metadata.get("tags", [])) for c in built.cells]
    assert shape == [(c.cell_type, c.source, c.get("id"), c.metadata.get("tags", [])) for c in committed.cells]
