"""`workbook run` as a user or a scheduler calls it: a full run, a section that fails
on purpose, a run killed mid-way, two runs at once, and an invalid snapshot."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.formatting import format_value
from helpers.html_export import external_resources
from helpers.kpi import KpiEngine
from helpers.paths import project_root
from helpers.plan import load_plan
from helpers.sections import NOTEBOOKS
from helpers.snapshot import load_snapshot

SNAPSHOT = "sample-2023-09-30"


def workbook(*args: str, root: Path | None = None, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if root is not None:
        env["WORKBOOK_ROOT"] = str(root)
    return subprocess.run([sys.executable, "-m", "helpers.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, **kw)


def start(*args: str, root: Path) -> subprocess.Popen:
    env = dict(os.environ, WORKBOOK_ROOT=str(root))
    return subprocess.Popen([sys.executable, "-m", "helpers.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
                            start_new_session=True)


@pytest.fixture()
def project(tmp_path) -> Path:
    """A copy of the project's notebooks, plan and data, to break and run freely."""
    root = tmp_path / "project"
    src = project_root()
    for name in ("notebooks", "params", "data"):
        shutil.copytree(src / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(src / "pyproject.toml", root / "pyproject.toml")
    return root


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
        assert format_value(result.kpi, result.value) in cells, (kpi_id, cells)
        assert result.status in cells
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


def test_killed_run_publishes_nothing_half_written(project):
    first = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", root=project)
    assert first.returncode == 0, first.stderr
    published = project / "reports" / SNAPSHOT
    before = {p.name: p.read_bytes() for p in published.iterdir()}

    proc = start("run", "--snapshot", SNAPSHOT, "--sections", "records", "national_pension", "--jobs", "1",
                 root=project)
    runs = project / "reports" / ".runs"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the run has written its first section
        partial = [p for p in runs.glob("*.partial") if any(p.glob("*.html"))]
        if partial:
            break
        time.sleep(0.2)
    assert partial, "the run never started writing"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert {p.name: p.read_bytes() for p in published.iterdir()} == before
    assert any(runs.glob("*.partial"))  # left behind by the killed run, never published

    again = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", root=project)
    assert again.returncode == 0, again.stderr
    assert not any(runs.glob("*.partial"))  # cleaned by the next run


def test_second_concurrent_run_is_refused(project):
    # all sections on one worker: the first run holds the lock for several seconds
    proc = start("run", "--snapshot", SNAPSHOT, "--jobs", "1", root=project)
    lock = project / "reports" / ".lock"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text(encoding="utf-8").strip()):
        time.sleep(0.1)
    second = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", root=project)
    out, err = proc.communicate(timeout=120)
    assert second.returncode == 2
    assert "別の実行が reports/ に書き込み中です" in second.stderr and "Traceback" not in second.stderr
    assert proc.returncode == 0, err
    assert (project / "reports" / SNAPSHOT / "04_records.html").is_file()


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


def _outputs(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["source"], c.get("outputs")) for c in nb["cells"] if c["cell_type"] == "code"]


def test_batch_notebooks_equal_single_runs(project):
    """A fan-out in warm worker processes gives, cell by cell, the outputs each notebook
    gives alone in a fresh Jupyter kernel."""
    sections = ("national_pension", "records", "scorecard")
    done = workbook("run", "--snapshot", SNAPSHOT, "--scope", "47", "--each", "office", "--sections", *sections,
                    "--keep-notebooks", root=project)
    assert done.returncode == 0, done.stderr
    batch = project / "reports" / f"{SNAPSHOT}_each-office"
    assert len(list(batch.glob("47*/*.ipynb"))) == 5 * 3
    assert len(list(batch.glob("*.html"))) == 3 + 1  # the scope's own pages and the index
    area = "47003"
    single = workbook("run", "--snapshot", SNAPSHOT, "--scope", area, "--engine", "kernel",
                      "--sections", *sections, "--keep-notebooks", root=project)
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


def _without_nav(path: Path) -> str:
    return re.sub(r'<nav class="workbook-nav">.*?</nav>', "", path.read_text(encoding="utf-8"), flags=re.S)


# --- hostile names, killed runs, signals, unwritable output ---------------------------------

HOSTILE = {
    "R8": '九州<img src=x onerror=alert(1)>$\\undefined{x}$',
    "47": '沖縄県</script><script>alert(2)</script>',
    "47001": '[第1](javascript:alert(3)) **太** <b onclick=alert(4)>x</b>',
}


class _Elements(HTMLParser):
    """Every element, attribute and script body of a page."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def _rewrite_areas(snapshot: Path, names: dict[str, str]) -> None:
    import csv
    import hashlib
    import io

    import yaml

    path = snapshot / "areas.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows[1:]:
        row[1] = names.get(row[0], row[1])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    manifest = yaml.safe_load((snapshot / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["tables"]["areas"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest["description"] = "<script>alert(5)</script>"
    (snapshot / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")


def test_markup_in_names_and_plan_texts_is_published_as_text(project):
    _rewrite_areas(project / "data" / "snapshots" / SNAPSHOT, HOSTILE)
    plan = (project / "params" / "plan_fy2023.yaml").read_text(encoding="utf-8")
    plan = plan.replace("title: 日本年金機構 令和5年度計画", "title: 計画<iframe src=javascript:alert(6)>", 1)
    plan = plan.replace("name_ja: 沖縄県の現年度納付率", "name_ja: '沖縄<svg onload=alert(7)>の率'", 1)
    (project / "params" / "hostile.yaml").write_text(plan, encoding="utf-8")
    done = workbook("run", "--snapshot", SNAPSHOT, "--scope", "R8", "--plan", "params/hostile.yaml", root=project)
    assert done.returncode == 0, done.stderr
    report = project / "reports" / f"{SNAPSHOT}_R8"
    pages = sorted(report.glob("*.html"))
    assert len(pages) == len(NOTEBOOKS) + 1  # every section and the index
    seen = ""
    for page in pages:
        parsed = _Elements()
        parsed.feed(page.read_text(encoding="utf-8"))
        for tag, attrs in parsed.tags:
            assert tag not in ("iframe", "svg", "b") or not any("alert" in (v or "") for _, v in attrs), page.name
            for name, value in attrs:
                assert not name.startswith("on"), (page.name, tag, name, value)
                assert "alert(" not in (value or ""), (page.name, tag, name, value)
        assert not any("alert(" in s for s in parsed.scripts), page.name
        seen += "".join(parsed.text)
    # the names are there, as the characters they hold
    for name in (*HOSTILE.values(), "計画<iframe src=javascript:alert(6)>", "沖縄<svg onload=alert(7)>の率"):
        assert name in seen, name


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone(pids: list[int], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()
                 and "Z" not in Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _start_and_wait_for_workers(project: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = start("run", "--snapshot", SNAPSHOT, "--sections", "national_pension", "employee_pension", "records",
                 "--jobs", "2", root=project)
    runs = project / "reports" / ".runs"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # half-way: a section written, workers running
        if any(p for p in runs.glob("*.partial") if any(p.glob("*.html"))):
            break
        time.sleep(0.1)
    workers = _children(proc.pid)
    assert workers, "the run has no worker processes"
    return proc, workers


def test_kill_9_of_the_main_process_does_not_lock_out_the_next_run(project):
    proc, workers = _start_and_wait_for_workers(project)
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill -9 <pid>` does
    proc.wait(timeout=30)
    assert _gone(workers), "workers outlived the killed run"
    again = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", root=project)
    assert again.returncode == 0, again.stderr
    assert (project / "reports" / SNAPSHOT / "04_records.html").is_file()


def test_sigterm_stops_a_run_cleanly(project):
    proc, workers = _start_and_wait_for_workers(project)
    os.kill(proc.pid, signal.SIGTERM)  # what systemd sends to the main process
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "実行を中止しました" in err and "Traceback" not in err
    assert _gone(workers)
    assert not any((project / "reports" / ".runs").glob("*.partial"))
    assert not (project / "reports" / SNAPSHOT).exists()  # nothing half-written published


def test_an_output_folder_that_cannot_be_written(project, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    done = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", "--out", str(blocker / "reports"),
                    root=project)
    assert done.returncode == 3
    assert "に書き込めません" in done.stderr and "Traceback" not in done.stderr


def test_a_full_disk_mid_run_leaves_no_partial_folder(project, monkeypatch, capsys):
    import errno

    from helpers import report_index
    from helpers.errors import OutputError
    from helpers.runner import RunOptions, run_reports

    monkeypatch.setenv("WORKBOOK_ROOT", str(project))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report_index, "write_index", full)
    with pytest.raises(OutputError, match="書き込めません（No space left on device）"):
        run_reports(RunOptions(snapshot=SNAPSHOT, sections=["records"], jobs=1))
    assert not any((project / "reports" / ".runs").glob("*.partial"))
    assert not (project / "reports" / SNAPSHOT).exists()
