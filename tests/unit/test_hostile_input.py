"""Snapshots and plan files as careless or hostile hands make them: every value the
engine would read differently from what validation saw, every YAML trap, every path
out of the snapshot folder, and the faults around them. Each case is refused with a
message naming the file and the rule, never a traceback."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.batch.runner import newest_snapshot
from helpers.cli import main
from helpers.core.errors import InvalidInput
from helpers.data.plan import load_plan
from helpers.data.snapshot import check_snapshot, load_snapshot
from helpers.engine.kpi import KpiEngine
from snapshot_factory import AREA_COLUMNS, AREAS, BILLION_LAUGHS, MEASURE_COLUMNS, make_snapshot, write_csv, write_manifest

ROWS = [
    ("2023-09-30", "01001", "autopay_payers", None, 95),
    ("2023-09-30", "01001", "payers_total", None, 100),
    ("2023-09-30", "01002", "autopay_payers", None, 30),
    ("2023-09-30", "01002", "payers_total", None, 60),
]


def _errors(folder: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# --- 2. values: what validation accepts is exactly what the engine reads ------------------

@pytest.mark.parametrize("text", ["５６５１３", "1_000", "1,000", "inf", "nan", "-inf", "1e3", "９５"])
def test_values_the_loader_cannot_read_are_refused_not_dropped(tmp_path, capsys, text):
    rows = list(ROWS)
    rows[0] = ("2023-09-30", "01001", "autopay_payers", None, text)
    folder = make_snapshot(tmp_path / "snap", rows)
    code, err = _errors(folder, capsys)
    assert code == 1
    assert f"measures.csv 2行目 列「value」: 値が数値として読めません（値: {text}）。半角数字で書くこと" in err
    with pytest.raises(InvalidInput):
        load_snapshot(folder)


def test_accepted_values_reach_the_kpis_unchanged(tmp_path):
    folder = make_snapshot(tmp_path / "snap", ROWS)
    snapshot = load_snapshot(folder)
    assert len(snapshot.measures) == len(ROWS)  # every accepted row is kept
    engine = KpiEngine(snapshot, load_plan())
    # NP08 = Σ autopay / Σ payers, computed here by hand: (95 + 30) / (100 + 60)
    assert engine.evaluate("NP08", area="01").value == pytest.approx(100 * 125 / 160)
    assert engine.evaluate("NP08", area="01001").value == pytest.approx(95.0)


def test_parquet_values_must_be_finite(tmp_path, capsys):
    folder = make_snapshot(tmp_path / "snap", ROWS)
    frame = pd.DataFrame(ROWS, columns=MEASURE_COLUMNS)
    table = pa.table({"period": frame["period"], "area_code": frame["area_code"], "measure": frame["measure"],
                      "premium_fy": pa.array([None] * len(frame), pa.int32()),
                      "value": pa.array([float("inf"), 100.0, 30.0, 60.0])})
    pq.write_table(table, folder / "measures.parquet")
    (folder / "measures.csv").unlink()
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021,
                   measures_file="measures.parquet")
    manifest = (folder / "manifest.yaml").read_text(encoding="utf-8")
    rows_line = next(line for line in manifest.splitlines()[::-1] if "rows:" in line)
    (folder / "manifest.yaml").write_text(manifest.replace(rows_line, rows_line.split(":")[0] + ": 4"),
                                          encoding="utf-8")
    check = check_snapshot(folder)
    assert not check.ok
    assert any("データ1行目 列「value」" in str(p) and "数値として読めません（値: inf）" in str(p)
               for p in check.problems), check.problems


# --- 4. YAML traps and the choice of the newest snapshot -----------------------------------





@pytest.mark.parametrize("text, rule", [
    ("!!python/object/apply:os.system ['echo hi']\n", "YAML として読めません"),
    ("id: x\n" + "#" * (70 * 1024) + "\n", "ファイルが大きすぎます"),
    ("id: snap\nas_of: 2023-09-31\n", "2行目 項目「as_of」: 日付「2023-09-31」は実在しない日付です"),
])
def test_manifest_traps_are_named(tmp_path, capsys, text, rule):
    folder = make_snapshot(tmp_path / "snap", ROWS)
    (folder / "manifest.yaml").write_text(text, encoding="utf-8")
    code, err = _errors(folder, capsys)
    assert code == 1
    assert f"manifest.yaml: {rule}" in err


def _project_with(tmp_path: Path, bad: dict[str, str]) -> Path:
    """A project whose data/snapshots/ holds two good snapshots and some bad folders."""
    root = tmp_path / "project"
    (root / "params").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    snapshots = root / "data" / "snapshots"
    make_snapshot(snapshots / "good-2023-08-31", ROWS, as_of="2023-08-31")
    make_snapshot(snapshots / "good-2023-09-30", ROWS)
    for name, text in bad.items():
        (snapshots / name).mkdir()
        (snapshots / name / "manifest.yaml").write_text(text, encoding="utf-8")
    return root


def test_newest_snapshot_skips_and_names_unreadable_folders(tmp_path, monkeypatch):
    future = (dt.date.today() + dt.timedelta(days=400)).replace(day=1) - dt.timedelta(days=1)
    root = _project_with(tmp_path, {
        "zz-aliases": BILLION_LAUGHS,
        "zz-python": "as_of: !!python/object/apply:os.system ['true']\n",
        "zz-future": f"as_of: {future.isoformat()}\n",
        "zz-nodate": "id: zz-nodate\n",
    })
    monkeypatch.setenv("WORKBOOK_ROOT", str(root))
    log = io.StringIO()
    assert newest_snapshot(log) == "good-2023-09-30"
    text = log.getvalue()
    for name in ("zz-aliases", "zz-python", "zz-future", "zz-nodate"):
        assert f"data/snapshots/{name} を飛ばしました" in text


# --- 5. paths ----------------------------------------------------------------------------

def test_manifest_id_must_equal_the_folder_name(tmp_path, capsys):
    folder = make_snapshot(tmp_path / "snap", ROWS)
    for bad_id, rule in (("../../x", "ID は英数字・-・_・. で書くこと"), ("/srv/x", "ID は英数字・-・_・. で書くこと"),
                         ("other", "ID「other」がフォルダ名「snap」と一致しません")):
        text = (folder / "manifest.yaml").read_text(encoding="utf-8")
        lines = [f"id: '{bad_id}'" if line.startswith("id:") else line for line in text.splitlines()]
        (folder / "manifest.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        code, err = _errors(folder, capsys)
        assert code == 1 and f"manifest.yaml 項目「id」: {rule}" in err


def test_data_files_outside_the_snapshot_folder_are_refused(tmp_path, capsys):
    other = make_snapshot(tmp_path / "other", ROWS)
    folder = make_snapshot(tmp_path / "snap", ROWS)
    text = (folder / "manifest.yaml").read_text(encoding="utf-8")
    (folder / "manifest.yaml").write_text(text.replace("file: measures.csv", "file: ../other/measures.csv"),
                                          encoding="utf-8")
    code, err = _errors(folder, capsys)
    assert code == 1 and "ファイル名「../other/measures.csv」は使えません" in err

    (folder / "manifest.yaml").write_text(text, encoding="utf-8")
    (folder / "measures.csv").unlink()
    (folder / "measures.csv").symlink_to(other / "measures.csv")
    code, err = _errors(folder, capsys)
    assert code == 1 and "measures.csv はスナップショットのフォルダの外を指しています" in err


# --- 6. clear errors where a traceback came out ----------------------------------------------

def test_extra_field_on_the_first_data_row(tmp_path, capsys):
    folder = make_snapshot(tmp_path / "snap", ROWS)
    lines = (folder / "measures.csv").read_text(encoding="utf-8").splitlines()
    lines[1] += ",extra"
    (folder / "measures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021)
    code, err = _errors(folder, capsys)
    assert code == 1
    assert "measures.csv 2行目: 列の数が見出し行と合いません（見出し 5 列、この行 6 列）" in err


def test_row_numbers_are_the_files_line_numbers_after_blank_lines(tmp_path, capsys):
    rows = list(ROWS)
    rows[2] = ("2023-09-30", "01002", "autopay_payers", None, -3)
    folder = make_snapshot(tmp_path / "snap", rows)
    text = (folder / "measures.csv").read_text(encoding="utf-8")
    (folder / "measures.csv").write_text("\n\n" + text.replace("\n", "\n\n", 2), encoding="utf-8")
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021)  # counts non-blank lines
    code, err = _errors(folder, capsys)
    assert code == 1
    # header on line 3, data on lines 5, 7, 8, 9: the third data row is line 8
    assert "measures.csv 8行目 列「value」: 値が負の数です" in err


@pytest.mark.parametrize("code, level, width", [("0", "national", 2), ("1", "prefecture", 2)])
def test_area_codes_stripped_of_leading_zeros_get_a_hint(tmp_path, capsys, code, level, width):
    areas = [(code if a[0] == code.zfill(width) else a[0], *a[1:]) for a in AREAS]
    areas = [(c, n, lv, code if p == code.zfill(width) else p) for c, n, lv, p in areas]
    folder = make_snapshot(tmp_path / "snap", ROWS, areas=areas)
    out, err = _errors(folder, capsys)
    assert out == 1
    assert f"値: {code}）。Excel で開いて保存すると先頭の 0 が落ちます（{code} → {code.zfill(width)}）" in err


def test_measure_rows_with_stripped_codes_get_a_hint(tmp_path, capsys):
    rows = list(ROWS) + [("2023-09-30", "1001", "autopay_payers", None, 1)]
    folder = make_snapshot(tmp_path / "snap", rows)
    code, err = _errors(folder, capsys)
    assert code == 1
    assert "地域コードが areas にありません（値: 1001）。Excel で先頭の 0 が落ちた可能性があります（01001 のこと）" in err


def test_as_of_in_the_future_is_refused(tmp_path, capsys):
    future = dt.date.today().replace(day=1) + dt.timedelta(days=400)
    month_end = (future.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    fiscal_year = month_end.year if month_end.month >= 4 else month_end.year - 1
    folder = make_snapshot(tmp_path / "snap", ROWS, as_of=month_end.isoformat(), fiscal_year=fiscal_year)
    code, err = _errors(folder, capsys)
    assert code == 1
    assert f"manifest.yaml 項目「as_of」: {month_end} は未来の日付です" in err


def test_a_table_file_named_with_a_subfolder_is_refused_even_when_it_exists(tmp_path, capsys):
    folder = make_snapshot(tmp_path / "snap", ROWS)
    (folder / "sub").mkdir()
    write_csv(folder / "sub" / "areas.csv", AREA_COLUMNS, list(AREAS))
    text = (folder / "manifest.yaml").read_text(encoding="utf-8")
    (folder / "manifest.yaml").write_text(text.replace("file: areas.csv", "file: sub/areas.csv"), encoding="utf-8")
    code, err = _errors(folder, capsys)
    assert code == 1 and "ファイル名「sub/areas.csv」は使えません" in err
