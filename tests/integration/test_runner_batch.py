"""A fan-out in warm worker processes equals, cell by cell and byte by byte, the same
notebooks run alone in fresh Jupyter kernels, and the same fan-out on a Dask cluster
(`--cluster local:2`); its pages link up and down."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from run_helpers import SNAPSHOT, copy_project, workbook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

SECTIONS = ("national_pension", "records", "scorecard")
FAN_OUT = ("run", "--snapshot", SNAPSHOT, "--scope", "47", "--each", "office", "--sections", *SECTIONS,
           "--keep-notebooks")
REPORT = f"{SNAPSHOT}_47_each-office"  # the scope in the name


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """One copy of the project for the module: the local pool's fan-out is run once."""
    return copy_project(tmp_path_factory.mktemp("batch") / "project")


@pytest.fixture(scope="module")
def batch(project) -> Path:
    """沖縄県 and its offices, three sections, in the local pool's warm workers."""
    done = workbook(*FAN_OUT, root=project)
    assert done.returncode == 0, done.stderr
    return project / "reports" / REPORT


def _outputs(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["source"], c.get("outputs")) for c in nb["cells"] if c["cell_type"] == "code"]


def test_batch_notebooks_equal_single_runs(project, batch):
    """A fan-out in warm worker processes gives, cell by cell, the outputs each notebook
    gives alone in a fresh Jupyter kernel."""
    assert len(list(batch.glob("47*/*.ipynb"))) == 5 * 3
    assert len(list(batch.glob("*.html"))) == 3 + 1  # the scope's own pages and the index
    area = "47003"
    single = workbook("run", "--snapshot", SNAPSHOT, "--scope", area, "--engine", "kernel",
                      "--sections", *SECTIONS, "--keep-notebooks", root=project)
    assert single.returncode == 0, single.stderr
    alone = project / "reports" / f"{SNAPSHOT}_{area}"
    for name in ("00_scorecard", "01_national_pension", "04_records"):
        got, want = _outputs(batch / area / f"{name}.ipynb"), _outputs(alone / f"{name}.ipynb")
        assert len(got) == len(want)
        for (source, a), (_, b) in zip(got, want):
            assert a == b, f"{area} {name}: {source[:40]}"
        # equal apart from the page's links, which differ by design (../index.html, 上位: 沖縄県)
        assert _without_nav(batch / area / f"{name}.html") == _without_nav(alone / f"{name}.html")
        page = (batch / area / f"{name}.html").read_text(encoding="utf-8")
        assert '<a href="../index.html">索引に戻る</a>' in page
        assert f'<a href="../{name}.html">上位: 沖縄県</a>' in page
    parent = (batch / "01_national_pension.html").read_text(encoding="utf-8")
    assert '<a href="47003/01_national_pension.html">沖縄第3事務所</a>' in parent
    _check_area_workbooks(batch, area)


def _check_area_workbooks(batch: Path, area: str) -> None:
    """Each area of a fan-out has its own Excel workbook, linked from the index, whose
    figures are the area's (the same 実績 as the area's single run)."""
    from openpyxl import load_workbook

    books = sorted(p.relative_to(batch).as_posix() for p in batch.glob("47*/*.xlsx"))
    assert books == [f"4700{i}/{SNAPSHOT}_4700{i}.xlsx" for i in range(1, 6)]
    index = (batch / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{area}/{SNAPSHOT}_{area}.xlsx">.xlsx</a>' in index
    mine = load_workbook(batch / area / f"{SNAPSHOT}_{area}.xlsx")
    alone = load_workbook(batch.parent / f"{SNAPSHOT}_{area}" / f"{SNAPSHOT}_{area}.xlsx")
    assert mine.sheetnames == alone.sheetnames
    assert [[c.value for c in row] for row in mine["スコアカード"].iter_rows(min_row=2)] == \
           [[c.value for c in row] for row in alone["スコアカード"].iter_rows(min_row=2)]
    other = load_workbook(batch / "47001" / f"{SNAPSHOT}_47001.xlsx")
    assert [[c.value for c in row] for row in other["スコアカード"].iter_rows(min_row=5)] != \
           [[c.value for c in row] for row in mine["スコアカード"].iter_rows(min_row=5)]


def _without_nav(path: Path) -> str:
    return re.sub(r'<nav class="workbook-nav">.*?</nav>', "", path.read_text(encoding="utf-8"), flags=re.S)


def test_a_cluster_publishes_the_local_pools_pages_byte_for_byte(project, batch):
    """`--cluster local:2` (two worker processes of a Dask LocalCluster) publishes the
    pages, executed notebooks and Excel workbooks the local pool does, byte for byte;
    the index differs only in the run's times."""
    pytest.importorskip("distributed")
    done = workbook(*FAN_OUT, "--cluster", "local:2", "--out", "on-cluster", root=project)
    assert done.returncode == 0, done.stderr
    clustered = project / "on-cluster" / REPORT
    files = sorted(p.relative_to(batch) for p in batch.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(clustered) for p in clustered.rglob("*") if p.is_file())
    assert len(files) == 6 * 3 * 2 + 6 + 2  # pages and notebooks, workbooks, index and run.json
    for name in files:
        if name.name not in ("run.json", "index.html"):
            assert (batch / name).read_bytes() == (clustered / name).read_bytes(), name
    assert _without_run(batch / "index.html") == _without_run(clustered / "index.html")
    assert "Dask クラスタ local:2 の作業ノード 2 台で実行" in (clustered / "index.html").read_text(encoding="utf-8")
    record = json.loads((clustered / "run.json").read_text(encoding="utf-8"))
    assert record["cluster"]["scheduler"] == "local:2" and len(record["cluster"]["workers"]) == 2
    assert {p["worker"] for p in record["notebooks"]} == set(record["cluster"]["workers"])


def _without_run(path: Path) -> str:
    """The index without the run's own row (when, how long, where) and its durations."""
    text = re.sub(r'<tr><th scope="row">実行</th>.*?</tr>', "", path.read_text(encoding="utf-8"))
    return re.sub(r"<td>[\d.]+秒</td>", "", text)
