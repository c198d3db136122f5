"""`workbook run` against hostile names and plan texts, killed and stopped runs, and
output that cannot be written: each ends cleanly, publishes nothing half-written and
never shows markup from data as markup."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.sections.registry import NOTEBOOKS
from run_helpers import SNAPSHOT, descendants, gone, start, workbook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

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
    seen, alts = "", []
    for page in pages:
        parsed = _Elements()
        parsed.feed(page.read_text(encoding="utf-8"))
        for tag, attrs in parsed.tags:
            assert tag not in ("iframe", "svg", "b") or not any("alert" in (v or "") for _, v in attrs), page.name
            for name, value in attrs:
                assert not name.startswith("on"), (page.name, tag, name, value)
                if tag == "img" and name == "alt":  # a chart's title as text: escaped, never markup
                    alts.append(value)
                    continue
                assert "alert(" not in (value or ""), (page.name, tag, name, value)
        assert not any("alert(" in s for s in parsed.scripts), page.name
        seen += "".join(parsed.text)
    # the names are there, as the characters they hold
    for name in (*HOSTILE.values(), "計画<iframe src=javascript:alert(6)>", "沖縄<svg onload=alert(7)>の率"):
        assert name in seen, name
    # alt text reached the parser as whole attribute values: the hostile name is inside, not broken out
    assert any(HOSTILE["R8"] in a for a in alts)


def _start_and_wait_for_workers(project: Path) -> tuple[subprocess.Popen, list[int]]:
    proc = start("run", "--snapshot", SNAPSHOT, "--sections", "national_pension", "employee_pension", "records",
                 "--jobs", "2", root=project)
    runs = project / "reports" / ".runs"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # half-way: a section written, workers running
        if any(p for p in runs.glob("*.partial") if any(p.glob("*.html"))):
            break
        time.sleep(0.1)
    workers = descendants(proc.pid)
    assert workers, "the run has no worker processes"
    return proc, workers


def test_kill_9_publishes_nothing_half_written_and_does_not_lock_out_the_next_run(project):
    """kill -9 of the main process mid-run: its workers end with it, the published
    report is untouched, the unfinished folder is never published, and the next run
    starts (the lock's process is gone) and cleans the unfinished folder away."""
    first = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", root=project)
    assert first.returncode == 0, first.stderr
    published = project / "reports" / SNAPSHOT
    before = {p.name: p.read_bytes() for p in published.iterdir()}
    proc, workers = _start_and_wait_for_workers(project)
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as `kill -9 <pid>` does
    proc.wait(timeout=30)
    assert gone(workers), "workers outlived the killed run"
    assert {p.name: p.read_bytes() for p in published.iterdir()} == before
    runs = project / "reports" / ".runs"
    assert any(runs.glob("*.partial"))  # left behind by the killed run, never published
    again = workbook("run", "--snapshot", SNAPSHOT, "--sections", "records", root=project)
    assert again.returncode == 0, again.stderr
    assert not any(runs.glob("*.partial"))  # cleaned by the next run
    assert (project / "reports" / SNAPSHOT / "04_records.html").is_file()


def test_sigterm_stops_a_run_cleanly(project):
    proc, workers = _start_and_wait_for_workers(project)
    os.kill(proc.pid, signal.SIGTERM)  # what systemd sends to the main process
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "実行を中止しました" in err and "Traceback" not in err
    assert gone(workers)
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

    from helpers.batch.runner import RunOptions, run_reports
    from helpers.core.errors import OutputError
    from helpers.outputs import index_page as report_index

    monkeypatch.setenv("WORKBOOK_ROOT", str(project))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report_index, "write_index", full)
    with pytest.raises(OutputError, match="書き込めません（No space left on device）"):
        run_reports(RunOptions(snapshot=SNAPSHOT, sections=["records"], jobs=1))
    assert not any((project / "reports" / ".runs").glob("*.partial"))
    assert not (project / "reports" / SNAPSHOT).exists()
