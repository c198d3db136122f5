"""Nothing lost, nothing stale, in whole runs: a tampered cache, a page whose Excel
workbook fails, SIGTERM while Chromium prints, papermill's command line with a wrong
parameter, and the workbook installed from a wheel."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.core.paths import project_root
from run_helpers import SNAPSHOT, gone, workbook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)


def _notebooks(report: Path) -> list[dict]:
    return json.loads((report / "run.json").read_text(encoding="utf-8"))["notebooks"]


def test_a_page_edited_in_the_cache_is_run_again_and_not_published(project):
    args = ("run", "--snapshot", SNAPSHOT, "--sections", "records")
    report = project / "reports" / SNAPSHOT
    assert workbook(*args, root=project).returncode == 0
    page = (report / "04_records.html").read_text(encoding="utf-8")
    [cached] = [p for p in (project / "reports" / ".cache").glob("*/04_records.html")]
    cached.write_text(page.replace("年金記録", "改ざん"), encoding="utf-8")

    again = workbook(*args, root=project)
    assert again.returncode == 0, again.stderr
    [entry] = _notebooks(report)
    assert entry["cached"] is False and "sha256 が一致しない" in entry["cache_rejected"]
    assert (report / "04_records.html").read_text(encoding="utf-8") == page
    third = workbook(*args, root=project)  # the entry was replaced by the re-run page
    assert third.returncode == 0 and _notebooks(report)[0]["cached"] is True

    (next((project / "reports" / ".cache").glob("*/page.json"))).write_text("{garbled", encoding="utf-8")
    fourth = workbook(*args, root=project)
    assert fourth.returncode == 0 and "Traceback" not in fourth.stderr
    assert "page.json" in _notebooks(report)[0]["cache_rejected"]


def test_an_excel_failure_fails_its_page_not_the_run(project, monkeypatch, capsys):
    from helpers.batch import page_job, runner

    monkeypatch.setenv("WORKBOOK_ROOT", str(project))

    def broken(*args, **kwargs):
        raise RuntimeError("openpyxl が壊れた")

    monkeypatch.setattr(page_job, "write_area_excel", broken)
    code = runner.run_reports(runner.RunOptions(snapshot=SNAPSHOT, sections=["records"], jobs=1, engine="kernel"))
    assert code == 1
    [failed] = list((project / "reports" / "failed").iterdir())
    [entry] = _notebooks(failed)
    assert entry["outcome"] == "failed"
    assert entry["error"]["ename"] == "RuntimeError" and "Excel のブック" in entry["error"]["evalue"]
    assert "openpyxl が壊れた" in capsys.readouterr().err
    assert not (project / "reports" / SNAPSHOT).exists()


STAND_IN = """#!/bin/sh
# a Chromium that never finishes printing, and starts a child as Chromium does
echo $$ >> "{pids}"
sleep 300 &
echo $! >> "{pids}"
wait
"""


def test_sigterm_during_pdf_kills_chromium_and_exits_at_once(project, tmp_path):
    stub = tmp_path / "bin"
    stub.mkdir()
    pids = tmp_path / "chromium.pids"
    (stub / "chromium").write_text(STAND_IN.format(pids=pids), encoding="utf-8")
    (stub / "chromium").chmod(0o755)
    env = dict(os.environ, PATH=f"{stub}{os.pathsep}{os.environ['PATH']}", WORKBOOK_ROOT=str(project))
    proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", "--snapshot", SNAPSHOT, "--sections",
                             "records", "--pdf", "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding="utf-8", env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_pids(pids)) < 4:  # two prints, each with its child
        time.sleep(0.1)
    started = _pids(pids)
    assert len(started) >= 4, proc.stderr.read() if proc.poll() is not None else "no print started"
    clock = time.monotonic()
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - clock < 5
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert gone(started, seconds=0.3), "Chromium processes outlived the run"
    assert not any((project / "reports" / ".runs").glob("*.partial"))


def _pids(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def test_papermill_with_a_wrong_fiscal_year_says_so_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "papermill", "--engine", "workbook",
                           str(project_root() / "notebooks" / "04_records.ipynb"), str(tmp_path / "out.ipynb"),
                           "-p", "fiscal_year", "abc"], capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 1
    assert "パラメータ fiscal_year: 「abc」は西暦の年度として読めません" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_wheel_installed_in_a_fresh_venv_publishes_a_report(project, tmp_path):
    """The HTML templates are package data: a wheel (not the editable source tree) runs."""
    source = tmp_path / "source"
    shutil.copytree(project_root() / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(project_root() / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path / "dist"), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    [wheel] = list((tmp_path / "dist").glob("*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                                str(wheel)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    # the libraries come from this environment's site-packages (added after the venv's
    # own, so `helpers` is the wheel's, not the editable source tree)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    import sysconfig

    Path(site, "outer.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    # nbconvert's own base templates are data files of this environment, found there
    # as a full install into the venv would find its own
    env = dict(os.environ, WORKBOOK_ROOT=str(project), JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    where = subprocess.run([str(python), "-c", "import helpers; print(helpers.__file__)"], capture_output=True,
                           text=True, env=env, check=True).stdout
    assert where.startswith(str(venv)), where
    done = subprocess.run([str(venv / "bin" / "workbook"), "run", "--snapshot", SNAPSHOT, "--sections", "records",
                           "--out", str(tmp_path / "reports")], capture_output=True, text=True, encoding="utf-8",
                          env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "reports" / SNAPSHOT / "04_records.html").read_text(encoding="utf-8")
    assert "年金記録" in page and "<script src=" not in page
