"""Incremental runs: an unchanged page is reused, and a change to any one of its inputs
executes it again."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from helpers.batch.cache import OutputCache, files_fingerprint
from run_helpers import SNAPSHOT, workbook

BASE = {"snapshot": {"manifest_sha256": "m1", "tables": {"measures": {"sha256": "t1", "rows": 10}}},
        "plan": "p1", "params": "r1", "reference": "d1", "code": "c1", "packages": {"pandas": "3.1.1"}}
PAGE = {"notebook": "04_records", "notebook_sha256": "n1", "parameters": {"scope": "00", "fiscal_year": 2023},
        "title": "全国 記録管理", "nav": "<a>", "excel": "", "excel_sections": [], "compared_with": None}

CHANGES = {
    "snapshot manifest": ("base", ["snapshot", "manifest_sha256"], "m2"),
    "snapshot table": ("base", ["snapshot", "tables", "measures", "sha256"], "t2"),
    "plan file": ("base", ["plan"], "p2"),
    "params folder": ("base", ["params"], "r2"),
    "reference data": ("base", ["reference"], "d2"),
    "helpers code": ("base", ["code"], "c2"),
    "package version": ("base", ["packages", "pandas"], "3.1.2"),
    "notebook file": ("page", ["notebook_sha256"], "n2"),
    "parameter": ("page", ["parameters", "scope"], "47"),
    "fiscal year": ("page", ["parameters", "fiscal_year"], 2022),
    "title": ("page", ["title"], "沖縄県 記録管理"),
    "links": ("page", ["nav"], "<a>x</a>"),
    "compared snapshot": ("page", ["compared_with"], {"id": "sample-2023-06-30", "manifest_sha256": "x"}),
}


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_a_change_to_any_one_input_changes_the_key(what, tmp_path):
    where, path, value = CHANGES[what]
    base, page = copy.deepcopy(BASE), copy.deepcopy(PAGE)
    target = base if where == "base" else page
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert OutputCache(tmp_path, base).key(page) != OutputCache(tmp_path, BASE).key(PAGE)
    assert OutputCache(tmp_path, copy.deepcopy(BASE)).key(copy.deepcopy(PAGE)) == OutputCache(tmp_path, BASE).key(PAGE)


def test_fingerprint_sees_one_changed_byte_and_a_new_file(tmp_path):
    (tmp_path / "code" / "sub").mkdir(parents=True)
    (tmp_path / "code" / "a.py").write_text("x = 1\n")
    (tmp_path / "code" / "sub" / "b.j2").write_text("{{ x }}\n")
    first = files_fingerprint(tmp_path / "code")
    (tmp_path / "code" / "sub" / "b.j2").write_text("{{ y }}\n")
    second = files_fingerprint(tmp_path / "code")
    (tmp_path / "code" / "c.py").write_text("")
    assert len({first, second, files_fingerprint(tmp_path / "code")}) == 3


def _record(report: Path) -> list[bool]:
    return [n["cached"] for n in json.loads((report / "run.json").read_text(encoding="utf-8"))["notebooks"]]


def test_unchanged_rerun_reuses_pages_and_a_change_or_force_runs_again(project):
    args = ("run", "--snapshot", SNAPSHOT, "--sections", "records")
    report = project / "reports" / SNAPSHOT
    first = workbook(*args, root=project)
    assert first.returncode == 0, first.stderr
    assert _record(report) == [False]
    pages = {p.name: p.read_bytes() for p in report.glob("*.html") if p.name != "index.html"}
    book = (report / f"{SNAPSHOT}.xlsx").read_bytes()

    again = workbook(*args, root=project)
    assert again.returncode == 0, again.stderr
    assert "うち 1 件は入力が前回と同じため再利用" in again.stderr
    assert _record(report) == [True]
    assert {p.name: p.read_bytes() for p in report.glob("*.html") if p.name != "index.html"} == pages
    assert (report / f"{SNAPSHOT}.xlsx").read_bytes() == book
    assert "成功（入力が前回と同じため再利用）" in (report / "index.html").read_text(encoding="utf-8")

    plan = project / "params" / "plan_fy2023.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n# 見直し\n", encoding="utf-8")
    changed = workbook(*args, root=project)
    assert changed.returncode == 0, changed.stderr
    assert _record(report) == [False]

    forced = workbook(*args, "--force", root=project)
    assert forced.returncode == 0, forced.stderr
    assert _record(report) == [False]
    assert {p.name: p.read_bytes() for p in report.glob("*.html") if p.name != "index.html"} == pages
