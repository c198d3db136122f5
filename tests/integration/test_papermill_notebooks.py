"""papermill's own test notebooks (tests/fixtures/papermill, BSD-3-Clause, from nteract/papermill) give the same exit code, cell statuses and outputs through papermill's default engine and through the workbook engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from papermill_compare import FIXTURES, compare, merged

ENGINE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engine"


@pytest.mark.parametrize("notebook", sorted(FIXTURES.glob("*.ipynb")), ids=lambda p: p.stem)
def test_papermills_test_notebooks_give_what_a_kernel_gives(notebook, tmp_path):
    kernel, workbook = compare(notebook, tmp_path)
    assert workbook["exit"] == kernel["exit"], workbook["stderr"][-2000:]
    assert merged(workbook["cells"]) == merged(kernel["cells"])
