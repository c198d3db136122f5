"""The command line as a user runs it, each in its own process: help, quick answers,
validation messages without tracebacks, nbval's collection, nbconvert's template, and
the independent headline check."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from helpers.core.paths import project_root
from snapshot_factory import BILLION_LAUGHS, make_snapshot

ROOT = project_root()
ROWS = [("2023-09-30", "01001", "autopay_payers", None, 95), ("2023-09-30", "01001", "payers_total", None, 100)]


def _help(args: list[str]) -> str:
    return subprocess.run([sys.executable, "-m", "helpers.cli", *args, "--help"], capture_output=True,
                          text=True, encoding="utf-8", check=True).stdout


@pytest.mark.parametrize("command", [[], ["run"], ["kpis"], ["validate"], ["sample"], ["notebooks"], ["plan"], ["plan", "check"]])
def test_help_is_japanese_throughout(command):
    text = _help(command)
    assert text.startswith("使い方: workbook")
    assert "usage:" not in text and "options:" not in text and "positional arguments" not in text
    assert "このヘルプを表示して終わる" in text


def test_wrong_scope_or_section_is_answered_before_the_heavy_libraries_load():
    script = ("import sys\nfrom helpers.cli import main\n"
              "a = main(['run', '--snapshot', 'sample-2023-09-30', '--scope', '99'])\n"
              "b = main(['run', '--sections', 'foo'])\n"
              "c = main(['kpis', '--section', 'foo'])\n"
              "print(a, b, c, sorted(m for m in ('pandas', 'nbformat', 'papermill', 'matplotlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, encoding="utf-8")
    assert done.stdout.strip() == "2 2 2 []", done.stderr
    assert "区分「foo」はありません。使える区分: national_pension" in done.stderr
    assert "Traceback" not in done.stderr


def test_nbval_collects_only_the_report_notebooks(tmp_path):
    import shutil

    from helpers.core.paths import project_root

    root = project_root()
    for name in ("notebooks", "params", "src"):
        shutil.copytree(root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "conftest.py"):
        shutil.copy(root / name, tmp_path / name)
    shutil.copy(tmp_path / "notebooks" / "04_records.ipynb", tmp_path / "notebooks" / "scratch.ipynb")
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "notebooks"], cwd=tmp_path, capture_output=True, text=True,
                          encoding="utf-8")
    assert "04_records.ipynb::Cell 0" in done.stdout, done.stdout + done.stderr
    assert "scratch" not in done.stdout


def test_nbconvert_with_the_workbook_template_is_offline_with_alt_text(tmp_path):
    from helpers.core.paths import project_root
    from helpers.outputs.html_export import external_resources

    notebook = project_root() / "notebooks" / "04_records.ipynb"
    done = subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", "--template", "workbook", "--no-input",
                           "--output-dir", str(tmp_path), str(notebook)], capture_output=True, text=True,
                          encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert "Alternative text is missing" not in done.stderr
    html = (tmp_path / "04_records.html").read_text(encoding="utf-8")
    assert external_resources(html) == [] and "require.js" not in html and "MathJax" not in html
    # the text alternative states the chart's message after its title, and the data is linked
    assert 'alt="図: 未統合記録（解明作業中又はなお解明を要する記録）の推移。' in html
    assert 'download="図のデータ.csv" href="data:text/csv;charset=utf-8,%EF%BB%BF' in html


def test_unknown_snapshot_id_is_an_error_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "helpers.cli", "validate", "sample-2023-9-30"],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 2
    assert "スナップショット「sample-2023-9-30」が見つかりません" in proc.stderr
    assert "sample-2023-09-30" in proc.stderr  # the nearest id is offered
    assert "Traceback" not in proc.stderr


def test_command_line_reports_without_traceback(tmp_path):
    folder = make_snapshot(tmp_path / "snap", ROWS + [("2023-09-30", "01002", "payers_total", None, -1)])
    proc = subprocess.run([sys.executable, "-m", "helpers.cli", "validate", str(folder)],
                          capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 1
    assert "NG " in proc.stderr and "値が負の数です" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_manifest_with_nested_aliases_is_refused_at_once(tmp_path):
    folder = make_snapshot(tmp_path / "snap", ROWS)
    (folder / "manifest.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpers.cli", "validate", str(folder)],
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert time.perf_counter() - started < 30  # expanding the aliases would take minutes
    assert done.returncode == 1
    assert "manifest.yaml: 1行目: YAML のアンカー（&）は使えません" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("snapshot", ["sample-2023-09-30", "sample-2024-03-31"])
def test_independent_script_reproduces_headline_rates(snapshot):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "check_headline_rates.py"),
                           str(ROOT / "data" / "snapshots" / snapshot)],
                          capture_output=True, text=True, encoding="utf-8", check=True)
    assert "令和4年9月末: 69.1%" in proc.stdout
    assert "令和4年度（令和5年4月末確定）: 76.1%" in proc.stdout
