"""papermill's own test notebooks (tests/fixtures/papermill, BSD-3-Clause, from
nteract/papermill) give the same exit code, cell statuses and outputs through papermill's
default engine and through the workbook engine (streams compared joined: see
`papermill_compare.merged`)."""

from __future__ import annotations

import pytest

from papermill_compare import FIXTURES, merged, run_all

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

NOTEBOOKS = sorted(FIXTURES.glob("*.ipynb"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return run_all(NOTEBOOKS, tmp_path_factory.mktemp("papermill"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermills_test_notebooks_give_what_a_kernel_gives(notebook, runs):
    kernel, workbook = runs[notebook.name]
    assert workbook["exit"] == kernel["exit"], (kernel["stderr"][-3000:], workbook["stderr"][-3000:])
    assert merged(workbook["cells"]) == merged(kernel["cells"])
