"""Nothing lost, nothing stale (quick tier): where a run may write, the page cache as an
optimisation only, a page failure kept to its page, gaps in monthly data, and the
messages of expected mistakes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from concurrent.futures import Future
from pathlib import Path

import pytest

from helpers.batch.cache import OutputCache
from helpers.cli import main
from helpers.core.errors import WorkbookError
from helpers.outputs.output_guard import check_output_folder, check_publish_target
from helpers.outputs.publish import publish, staging_dir
from snapshot_factory import make_snapshot, write_csv, write_manifest

SNAPSHOT = "sample-2023-09-30"


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# --- 1: a report folder is never a data folder -------------------------------------

@pytest.mark.parametrize("out", ["data/snapshots", f"data/snapshots/{SNAPSHOT}/reports", "data", ".",
                                 "params", "notebooks/out", "data/reference", "src"])
def test_an_output_folder_in_or_over_data_is_refused_before_anything_is_written(project, monkeypatch,
                                                                              capsys, out):
    monkeypatch.setenv("WORKBOOK_ROOT", str(project))
    before = _digest(project)
    code = main(["run", "--snapshot", SNAPSHOT, "--sections", "records", "--out", out, "--engine", "kernel"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "使えません（何も書き込んでいません）" in err and "Traceback" not in err
    assert _digest(project) == before  # every snapshot byte-identical, nothing added


def test_an_outside_snapshot_folder_is_protected_too(tmp_path):
    folder = make_snapshot(tmp_path / "elsewhere-2023-09-30", [("2023-09-30", "00", "calls_received", None, 1)])
    with pytest.raises(WorkbookError, match="スナップショット"):
        check_output_folder(folder / "reports")
    check_output_folder(tmp_path / "reports")  # beside it: fine


def test_publishing_replaces_only_what_the_workbook_published(tmp_path):
    out = tmp_path / "reports"
    mine = out / "not-a-report"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("分析メモ", encoding="utf-8")
    staging = staging_dir(out, "not-a-report", dt.datetime(2026, 1, 1))
    (staging / "index.html").write_text("<p>新</p>", encoding="utf-8")
    with pytest.raises(WorkbookError, match="置き換えません"):
        publish(staging, out, "not-a-report")
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "分析メモ"

    legacy = out / "old-report"  # a folder an older version published: has a run record
    legacy.mkdir()
    (legacy / "run.json").write_text(json.dumps({"snapshot": {}, "parameters": {}, "notebooks": [],
                                                 "exit_code": 0}), encoding="utf-8")
    check_publish_target(legacy)
    staging = staging_dir(out, "old-report", dt.datetime(2026, 1, 2))
    (staging / "index.html").write_text("<p>新</p>", encoding="utf-8")
    link = publish(staging, out, "old-report")
    assert link.is_symlink() and (link / "index.html").read_text(encoding="utf-8") == "<p>新</p>"


# --- 2: the cache is verified, never trusted ---------------------------------------

def _page(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "04_records.html").write_text("<p>本物</p>", encoding="utf-8")
    return folder


def test_a_tampered_cached_page_is_not_reused(tmp_path):
    cache = OutputCache(tmp_path / "out", {"run": 1})
    cache.put("k", _page(tmp_path / "src"), ["04_records.html"], 1.0, {"ok": True})
    (tmp_path / "out" / ".cache" / "k" / "04_records.html").write_text("<p>改ざん</p>", encoding="utf-8")
    hit, why = cache.get("k", tmp_path / "target", ["04_records.html"])
    assert hit is None and "sha256 が一致しない" in why
    assert not (tmp_path / "target" / "04_records.html").exists()  # the tampered copy is not left to publish
    assert not (tmp_path / "out" / ".cache" / "k").exists()  # replaced when the page runs again

    cache.put("k", _page(tmp_path / "src"), ["04_records.html"], 1.0, {"ok": True})
    hit, why = cache.get("k", tmp_path / "target", ["04_records.html"])
    assert why is None and hit.record == {"ok": True}
    assert (tmp_path / "target" / "04_records.html").read_text(encoding="utf-8") == "<p>本物</p>"


@pytest.mark.parametrize("garbage", ["{not json", "[1, 2]", '{"seconds": 1}'])
def test_an_unreadable_entry_is_a_miss(tmp_path, garbage):
    cache = OutputCache(tmp_path / "out", {"run": 1})
    cache.put("k", _page(tmp_path / "src"), ["04_records.html"], 1.0, None)
    (tmp_path / "out" / ".cache" / "k" / "page.json").write_text(garbage, encoding="utf-8")
    hit, why = cache.get("k", tmp_path / "target", ["04_records.html"])
    assert hit is None and "page.json" in why


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_is_skipped_with_one_warning(tmp_path):
    import io

    stream = io.StringIO()
    cache_folder = tmp_path / "out" / ".cache"
    cache_folder.mkdir(parents=True)
    cache_folder.chmod(0o555)
    try:
        cache = OutputCache(tmp_path / "out", {"run": 1}, stream=stream)
        for key in ("a", "b"):
            cache.put(key, _page(tmp_path / "src"), ["04_records.html"], 1.0, None)
        assert stream.getvalue().count("書き込めないため") == 1
        assert ".cache" in stream.getvalue()
    finally:
        cache_folder.chmod(0o755)


def test_a_cache_folder_that_is_a_file_is_skipped_with_one_warning(tmp_path):
    import io

    stream = io.StringIO()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".cache").write_text("x", encoding="utf-8")
    cache = OutputCache(tmp_path / "out", {"run": 1}, stream=stream)
    for key in ("a", "b"):
        cache.put(key, _page(tmp_path / "src"), ["04_records.html"], 1.0, None)
    assert cache.get("a", tmp_path / "target", ["04_records.html"]) == (None, None)
    assert stream.getvalue().count("書き込めないため") == 1


# --- 7: any exception of a job is that job's failure -------------------------------

def test_the_collector_turns_any_worker_exception_into_a_failed_page():
    from helpers.batch.execution import _result_of
    from helpers.batch.jobs import Job

    job = Job("04_records", "00", "全国", "")
    future: Future = Future()
    future.set_exception(ValueError("picklingで失敗"))
    result = _result_of(future, job)
    assert not result.ok and result.job is job
    assert result.error["ename"] == "ValueError" and "picklingで失敗" in result.error["evalue"]


# --- 4: a missing month ------------------------------------------------------------

def test_a_month_missing_between_two_is_refused_with_the_month_and_measures(tmp_path, capsys):
    rows = [(p, "01001", m, None, 5) for p in ("2023-04-30", "2023-06-30", "2023-07-31", "2023-08-31", "2023-09-30")
            for m in ("inspections", "consultations")]
    rows += [("2023-09-30", "01001", "payers_total", None, 100)]  # a stock: read at its month, no gap rule
    folder = make_snapshot(tmp_path / "gap-2023-09-30", rows)
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "期間 2023-05-31: 前後の月にある行がこの月にありません（指標 2 種類: consultations、inspections" in err
    assert "payers_total" not in err


def test_a_snapshot_without_its_as_of_month_is_refused(tmp_path, capsys):
    folder = make_snapshot(tmp_path / "late-2023-09-30", [("2023-07-31", "01001", "inspections", None, 5)])
    assert main(["validate", str(folder)]) == 1
    assert "基準日（as_of）2023-09-30 の月の行が1行もありません（最も新しい期間は 2023-07-31）" in capsys.readouterr().err


def test_measure_rules_hold_when_a_progress_table_is_present(tmp_path, capsys):
    """The rules across tables (unknown area, bounds, gaps) are checked whether or not
    the snapshot carries the optional progress table."""
    folder = make_snapshot(tmp_path / "prog-2023-09-30", [("2023-09-30", "99999", "inspections", None, 5)])
    write_csv(folder / "progress.csv", ["item_id", "status", "done_on", "note", "grade"],
              [("R01-01", "実施中", None, "取組中", None)])
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021,
                   progress_file="progress.csv")
    assert main(["validate", str(folder)]) == 1
    assert "地域コードが areas にありません（値: 99999）" in capsys.readouterr().err


# --- 6: messages -------------------------------------------------------------------

def test_an_over_long_note_names_the_limit_and_quotes_only_its_start(tmp_path, capsys):
    folder = make_snapshot(tmp_path / "note-2023-09-30", [("2023-09-30", "01001", "inspections", None, 5)])
    note = "取組" * 300
    write_csv(folder / "progress.csv", ["item_id", "status", "done_on", "note", "grade"],
              [("R01-01", "実施中", None, note, None)])
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021,
                   progress_file="progress.csv")
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "取組状況が長すぎます（上限 400 文字）（600文字。値: " + "取組" * 20 + "…）" in err
    assert "取組状況が空です" not in err and "取組" * 21 not in err


@pytest.mark.parametrize("value, words", [("abc", "「abc」は西暦の年度として読めません"),
                                          ("2030", "2030 はこのスナップショットにありません"),
                                          (True, "「True」は西暦の年度として読めません")])
def test_a_wrong_fiscal_year_parameter_is_answered_in_words(value, words):
    from helpers.data.snapshot import load_snapshot

    with pytest.raises(WorkbookError, match=f"パラメータ fiscal_year: {words}"):
        load_snapshot(SNAPSHOT).checked_fiscal_year(value, "パラメータ fiscal_year")


def test_the_default_snapshot_is_named_on_stderr(capsys):
    assert main(["kpis", "--section", "records"]) == 0
    captured = capsys.readouterr()
    assert "スナップショット: sample-2024-03-31（基準日 令和6年3月末、2024-03-31）を使います" in captured.err
    assert "スナップショット:" not in captured.out


# --- 3: a file too large to read is refused before it is read ----------------------

def test_a_table_over_the_size_limit_is_refused_with_the_limit_and_how_to_raise_it(tmp_path, capsys, monkeypatch):
    rows = [("2023-09-30", "01001", "inspections", None, i) for i in range(1)]
    folder = make_snapshot(tmp_path / "huge-2023-09-30", rows)
    with (folder / "measures.csv").open("a", encoding="utf-8") as fh:  # about 1.2 MiB of rows
        fh.writelines(f"2023-09-30,01001,consultations,,{i}\n" for i in range(60_000))
    monkeypatch.setenv("WORKBOOK_MAX_TABLE_MIB", "1")
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "measures.csv: ファイルが大きすぎるため読みません（2 MiB。上限 1 MiB）" in err
    assert "WORKBOOK_MAX_TABLE_MIB" in err


@pytest.mark.parametrize("text", [
    "period,area_code,measure,premium_fy,value\n2023-09-30,01001,inspections,,5\n2023-08-31,47001,consultations,,7\n",
    "period,area_code,measure,premium_fy,value\r\n2023-09-30,01001,inspections,,5\r\n2023-08-31,47001,consultations,,7",
    " period ,area_code,measure,premium_fy,value\n2023-09-30, 01001 ,inspections,,5\n\n2023-08-31,47001,\"consultations\",,7\n",
])
def test_the_compact_reader_and_the_line_parser_read_the_same_table(tmp_path, text):
    """Plain CSV goes through Arrow, anything else through the line-by-line parser: the
    same strings either way, and the same line numbers in messages."""
    from helpers.data.readers import _parse_csv, read_table, row_label_for

    path = tmp_path / "measures.csv"
    path.write_bytes(text.encode("cp932"))
    frame, problems = read_table(path, "measures.csv")
    careful, _ = _parse_csv(text, "measures.csv")
    assert problems == []
    assert frame.astype(object).to_dict("list") == careful.astype(object).to_dict("list")
    assert [row_label_for(path, frame)(i) for i in range(len(frame))] == \
        [row_label_for(path, careful)(i) for i in range(len(careful))]


def test_a_short_row_in_a_large_plain_file_is_named_by_its_line(tmp_path):
    from helpers.data.readers import read_table

    lines = ["period,area_code,measure,premium_fy,value"] + [f"2023-09-30,01001,inspections,,{i}" for i in range(1000)]
    lines[501] = "2023-09-30,01001,inspections"
    (tmp_path / "measures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, problems = read_table(tmp_path / "measures.csv", "measures.csv")
    assert [str(p) for p in problems] == ["measures.csv 502行目: 列の数が見出し行と合いません（見出し 5 列、この行 3 列）"]
