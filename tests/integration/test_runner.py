"""`workbook run` as a user or a scheduler calls it: a full run, a section that fails
on purpose, a run killed mid-way, two runs at once, and an invalid snapshot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine.kpi import KpiEngine
from helpers.outputs.html_export import external_resources
from helpers.sections.registry import NOTEBOOKS
from run_helpers import SNAPSHOT, workbook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]


def _cells_of_row(html: str, kpi_id: str) -> list[str]:
    """The text of the cells in the scorecard row of one KPI."""
    row = re.search(rf"<tr>(?:(?!</tr>).)*?>{kpi_id}</td>(?:(?!</tr>).)*</tr>", html, re.S)
    assert row, kpi_id
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


def test_full_run_publishes_offline_reports(project):
    done = workbook("run", "--snapshot", SNAPSHOT, root=project)
    assert done.returncode == 0, done.stderr
    report = project / "reports" / SNAPSHOT
    assert report.is_symlink()
    names = list(NOTEBOOKS)  # every section of the registry
    assert len(names) == 7
    for name in names:
        html = (report / f"{name}.html").read_text(encoding="utf-8")
        assert external_resources(html) == [], name
        assert "<script src=" not in html
        assert "data:image/png;base64," in html  # charts are embedded
    index = (report / "index.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(index)
    assert {f"{n}.html" for n in names} | {"run.json"} <= set(parser.links)
    for link in parser.links:
        assert (report / link).is_file(), link
    assert "国民年金（適用・収納）" in index and "令和5年9月末" in index
    # the numbers in the HTML are the KPI engine's
    engine = KpiEngine(load_snapshot(SNAPSHOT), load_plan())
    scorecard = (report / "00_scorecard.html").read_text(encoding="utf-8")
    for kpi_id in ("NP04", "EP05", "CB04", "RC01"):
        result = engine.evaluate(kpi_id)
        cells = _cells_of_row(scorecard, kpi_id)
        # written independently: rates to 0.1 with %, counts from 1,000万 up as 約…万件
        shown = f"{result.value:.1f}%" if result.kpi.unit == "percent" else f"約{result.value / 1e4:,.0f}万件"
        assert shown in cells, (kpi_id, cells)
        assert result.status in cells
    assert f'<a href="{SNAPSHOT}.xlsx">' in index  # the Excel workbook beside the HTML
    from openpyxl import load_workbook

    assert load_workbook(report / f"{SNAPSHOT}.xlsx").sheetnames[0] == "スコアカード"
    record = json.loads((report / "run.json").read_text(encoding="utf-8"))
    assert record["snapshot"]["tables"]["measures"]["sha256"] == load_snapshot(SNAPSHOT).manifest["tables"]["measures"]["sha256"]
    assert [n["outcome"] for n in record["notebooks"]] == ["ok"] * len(names)
    assert record["packages"]["papermill"] and record["parameters"]["scope"] == "00"
    assert all(n["seconds"] > 0 for n in record["notebooks"])


def test_failed_section_keeps_error_and_last_good_report(project):
    first = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", "employee_pension", root=project)
    assert first.returncode == 0, first.stderr
    published = project / "reports" / SNAPSHOT
    good_index = (published / "index.html").read_bytes()
    good_target = published.resolve()

    notebook = project / "notebooks" / "02_employee_pension.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"].insert(4, {"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {},
                           "outputs": [], "source": 'raise RuntimeError("わざと失敗させる")'})
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")

    second = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", "employee_pension", root=project)
    assert second.returncode == 1
    assert "02_employee_pension: セル 4 で RuntimeError: わざと失敗させる" in second.stderr
    assert published.resolve() == good_target
    assert (published / "index.html").read_bytes() == good_index
    failed = sorted((project / "reports" / "failed").iterdir())
    assert len(failed) == 1
    kept = failed[0]
    assert (kept / "04_records.html").is_file()  # the other section still ran
    executed = json.loads((kept / "02_employee_pension.ipynb").read_text(encoding="utf-8"))
    errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors and errors[0]["evalue"] == "わざと失敗させる"
    index = (kept / "index.html").read_text(encoding="utf-8")
    assert "失敗（セル 4で RuntimeError: わざと失敗させる）" in index


def test_second_concurrent_run_is_refused(project):
    """While a run holds the output folder's lock, a second run is refused at once
    (exit 2, no traceback). The holder takes the lock with the runner's own RunLock and
    keeps it until told, so the test does not depend on how fast a run finishes."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from helpers.outputs.publish import RunLock\n"
         "with RunLock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()",
         str(project / "reports")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        second = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", root=project)
    finally:
        holder.communicate("", timeout=30)
    assert second.returncode == 2
    assert "別の実行が reports/ に書き込み中です（PID " in second.stderr and "Traceback" not in second.stderr
    assert not (project / "reports" / SNAPSHOT).exists()


def test_invalid_snapshot_is_refused_before_any_notebook(project):
    bad = project / "data" / "snapshots" / "broken-2023-09-30"
    shutil.copytree(project / "data" / "snapshots" / SNAPSHOT, bad)
    areas = bad / "areas.csv"
    areas.write_text(areas.read_text(encoding="utf-8").replace("47001,沖縄第1事務所,office,47", "47001,沖縄第1事務所,office,99"),
                     encoding="utf-8")
    done = workbook("run", "--snapshot", str(bad), root=project)
    assert done.returncode == 2
    assert "実行しません" in done.stderr and "sha256 が manifest.yaml と一致しません" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "reports" / ".runs").exists()


def test_unknown_scope_is_refused(project):
    done = workbook("run", "--snapshot", SNAPSHOT, "--scope", "4700", root=project)
    assert done.returncode == 2
    assert "地域コード「4700」はこのスナップショットにありません" in done.stderr


def test_profile_records_every_cell(project):
    """`--profile`: run.json gives each code cell's seconds and peak memory, the cells
    numbered as the notebook numbers them; the slowest are printed."""
    import nbformat

    done = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", "--profile", root=project)
    assert done.returncode == 0, done.stderr
    assert "時間のかかったセル（上位 5 件" in done.stderr
    page = json.loads((project / "reports" / SNAPSHOT / "run.json").read_text(encoding="utf-8"))["notebooks"][0]
    source = nbformat.read(project / "notebooks" / "04_records.ipynb", as_version=4)
    code = [c.source.strip().splitlines()[0] for c in source.cells if c.cell_type == "code" and c.source.strip()]
    cells = page["cells"]
    # every code cell, papermill's injected parameters included, in order
    assert [c["cell"] for c in cells] == list(range(1, len(code) + 2))
    assert [c["first_line"] for c in cells if c["cell"] > 2] == [line[:80] for line in code[1:]]
    assert all(c["seconds"] >= 0 for c in cells) and sum(c["seconds"] for c in cells) <= page["seconds"]
    assert all(100 < c["peak_mib"] < 4096 for c in cells)
    assert page["cached"] is False
