"""Every section renders for every month of the year: here the first month-end of a
fiscal year (nothing cumulated yet, charts of zeros), where a chart with no data yet
says so instead of failing. September is the committed notebooks (nbval), March and a
closed year (令和4年度) are runs of tests/test_notebooks.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers.core import paths
from helpers.notebook.execute import notebook_paths, run_notebook
from helpers.sample.progress import progress_rows

NOTEBOOKS = {p.stem: p for p in notebook_paths()}


def truncated_sample(folder: Path, as_of: str, fiscal_year: int) -> Path:
    """The year-end sample cut at `as_of`, as a snapshot of its own (valid under the
    contract: a fiscal year may start at its first month-end)."""
    source = paths.snapshots_dir() / "sample-2024-03-31"
    folder.mkdir(parents=True)
    shutil.copy(source / "areas.csv", folder / "areas.csv")
    measures = pd.read_parquet(source / "measures.parquet")
    measures = measures[measures["period"] <= as_of].reset_index(drop=True)
    measures.to_parquet(folder / "measures.parquet", index=False)
    progress_rows(dt.date.fromisoformat(as_of)).to_csv(folder / "progress.csv", index=False, lineterminator="\n")
    manifest = yaml.safe_load((source / "manifest.yaml").read_text(encoding="utf-8"))
    manifest.update(id=folder.name, as_of=as_of, fiscal_year=fiscal_year)
    for name, table in manifest["tables"].items():
        path = folder / table["file"]
        table["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        table["rows"] = {"measures": len(measures), "progress": len(progress_rows(dt.date.fromisoformat(as_of)))}.get(
            name, table["rows"])
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
    return folder


def _errors(nb) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for c in nb.cells for o in c.get("outputs", [])
            if o.output_type == "error"] + [
        o.text for c in nb.cells for o in c.get("outputs", [])
        if o.output_type == "stream" and o.name == "stderr"]


@pytest.fixture(scope="module")
def april(tmp_path_factory) -> Path:
    return truncated_sample(tmp_path_factory.mktemp("snap") / "april-2023-04-30", "2023-04-30", 2023)


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_first_month_of_the_year_renders(tmp_path, april, name):
    nb = run_notebook(NOTEBOOKS[name], tmp_path / f"{name}.ipynb",
                      {"snapshot": str(april), "scope": "00", "fiscal_year": 2023}, cwd=tmp_path,
                      engine="workbook")
    assert _errors(nb) == []
    text = "".join(str(o.get("data", {}).get("text/markdown", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "令和5年4月末" in text
