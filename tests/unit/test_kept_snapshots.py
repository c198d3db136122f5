"""A validated snapshot is kept for the process and handed out again only while its
files have the same bytes; each caller gets its own tables."""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

from helpers.core import paths
from helpers.core.errors import InvalidInput
from helpers.data.kept import KeptByContent
from helpers.data.snapshot import load_snapshot
from helpers.engine import loaded


@pytest.fixture
def snapshot_copy(tmp_path):
    folder = tmp_path / "sample-2023-09-30"
    shutil.copytree(paths.snapshots_dir() / "sample-2023-09-30", folder)
    return folder


def _rename_area(folder, code: str, old: str, new: str) -> None:
    """Change one area's name in areas.csv and record the file's new sha256 in the
    manifest, so that the snapshot is still valid."""
    areas = folder / "areas.csv"
    before = hashlib.sha256(areas.read_bytes()).hexdigest()
    text = areas.read_text(encoding="utf-8")
    assert text.count(f"{code},{old},") == 1
    areas.write_text(text.replace(f"{code},{old},", f"{code},{new},"), encoding="utf-8")
    after = hashlib.sha256(areas.read_bytes()).hexdigest()
    manifest = folder / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")


def _name(snapshot, code: str) -> str:
    return snapshot.areas.set_index("area_code").loc[code, "name_ja"]


def test_each_caller_gets_its_own_tables(snapshot_copy):
    first = load_snapshot(snapshot_copy)
    first.measures.loc[0, "value"] = -1.0
    first.areas.loc[0, "name_ja"] = "書き換え"
    first.manifest["id"] = "changed"
    second = load_snapshot(snapshot_copy)
    assert second.measures.loc[0, "value"] != -1.0
    assert second.areas.loc[0, "name_ja"] != "書き換え"
    assert second.manifest["id"] == "sample-2023-09-30"


def test_the_kept_snapshot_equals_a_fresh_read(snapshot_copy, tmp_path):
    load_snapshot(snapshot_copy)
    kept = load_snapshot(snapshot_copy)  # from the process's kept snapshots
    fresh_folder = tmp_path / "again" / "sample-2023-09-30"
    shutil.copytree(snapshot_copy, fresh_folder)
    fresh = load_snapshot(fresh_folder)  # another folder: read and validated
    for table in ("areas", "measures", "progress"):
        pd.testing.assert_frame_equal(getattr(kept, table), getattr(fresh, table))
        assert getattr(kept, table).attrs == getattr(fresh, table).attrs
    assert kept.manifest == fresh.manifest


def test_a_changed_file_is_read_again_and_a_broken_one_refused(snapshot_copy):
    assert _name(load_snapshot(snapshot_copy), "47") == "沖縄県"
    original = {p.name: p.read_bytes() for p in snapshot_copy.iterdir()}

    _rename_area(snapshot_copy, "47", "沖縄県", "沖縄県（改）")
    assert _name(load_snapshot(snapshot_copy), "47") == "沖縄県（改）"

    with (snapshot_copy / "measures.parquet").open("ab") as fh:
        fh.write(b"\0")  # a table cut or rewritten after it was validated
    with pytest.raises(InvalidInput) as refused:
        load_snapshot(snapshot_copy)
    assert any(p.file == "measures.parquet" and "sha256" in p.message for p in refused.value.problems)

    for name, data in original.items():
        (snapshot_copy / name).write_bytes(data)
    assert _name(load_snapshot(snapshot_copy), "47") == "沖縄県"


def test_a_result_read_while_its_files_changed_is_not_kept():
    kept: KeptByContent[str] = KeptByContent(limit=2)
    kept.put("a", ("x",), ("y",), "read during a change")
    assert kept.get("a", ("x",)) is None
    kept.put("a", None, None, "files unreadable")
    assert kept.get("a", None) is None


def test_only_the_same_fingerprint_gets_a_kept_result_and_the_oldest_goes_first():
    kept: KeptByContent[str] = KeptByContent(limit=2)
    kept.put("a", ("1",), ("1",), "A")
    kept.put("b", ("2",), ("2",), "B")
    assert kept.get("a", ("1",)) == "A"  # a is now the most recently used
    kept.put("c", ("3",), ("3",), "C")  # b goes
    assert kept.get("b", ("2",)) is None
    assert kept.get("a", ("1",)) == "A" and kept.get("c", ("3",)) == "C"
    assert kept.get("a", ("changed",)) is None
    assert kept.get("a", ("1",)) is None  # a stale result is dropped, not kept for later


def test_a_kernels_kept_snapshot_and_plan_follow_their_files(snapshot_copy, tmp_path):
    """`helpers.engine.loaded` keeps one snapshot, plan and engine for a kernel's cells,
    and loads them again when a file changed since."""
    plan_folder = tmp_path / "params"
    plan_folder.mkdir()
    for name in ("plan_fy2023.yaml", "plan_register_fy2023.yaml"):
        shutil.copy(paths.project_root() / "params" / name, plan_folder / name)
    plan_file = str(plan_folder / "plan_fy2023.yaml")

    snap, plan, engine = loaded.load(str(snapshot_copy), plan_file)
    assert loaded.load(str(snapshot_copy), plan_file)[2] is engine  # unchanged: the same engine
    assert _name(snap, "47") == "沖縄県" and plan.title == "日本年金機構 令和5年度計画"

    _rename_area(snapshot_copy, "47", "沖縄県", "沖縄県（改）")
    snap, _, engine_after = loaded.load(str(snapshot_copy), plan_file)
    assert _name(snap, "47") == "沖縄県（改）" and engine_after is not engine

    text = (plan_folder / "plan_fy2023.yaml").read_text(encoding="utf-8")
    (plan_folder / "plan_fy2023.yaml").write_text(text.replace("title: 日本年金機構 令和5年度計画",
                                                               "title: 日本年金機構 令和5年度計画（改）", 1),
                                                  encoding="utf-8")
    assert loaded.load(str(snapshot_copy), plan_file)[1].title == "日本年金機構 令和5年度計画（改）"
