"""`workbook validate` on one broken snapshot per class of bad input: each is refused
with a message naming the file, the row or column and the rule, and nothing on disk
changes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers.cli import main
from snapshot_factory import AREA_COLUMNS, AREAS, MEASURE_COLUMNS, make_snapshot, write_csv, write_manifest

GOOD = [
    ("2023-08-31", "01001", "autopay_payers", None, 90),
    ("2023-08-31", "01001", "payers_total", None, 100),
    ("2023-09-30", "01001", "autopay_payers", None, 95),
    ("2023-09-30", "01001", "payers_total", None, 100),
    ("2023-09-30", "00", "calls_received", None, 40),
    ("2023-09-30", "00", "calls_answered", None, 30),
    ("2023-05-31", "47001", "paid_months_current", None, 50),
    ("2023-05-31", "47001", "due_months_current", None, 80),
]


def _tree_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _validate(folder: Path, capsys) -> tuple[int, str]:
    before = _tree_digest(folder)
    code = main(["validate", str(folder)])
    err = capsys.readouterr().err
    assert _tree_digest(folder) == before, "validation must not change files"
    return code, err


def _snapshot(tmp_path: Path, rows=GOOD, **kw) -> Path:
    return make_snapshot(tmp_path / "snap", rows, **kw)


def _rewrite_measures(folder: Path, columns: list[str], rows: list[tuple]) -> None:
    write_csv(folder / "measures.csv", columns, rows)
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021)


def test_valid_snapshot_passes_with_summary(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "基準日: 令和5年9月末" in out
    assert "年金事務所 4" in out and "都道府県 2" in out


def test_missing_column(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    _rewrite_measures(folder, ["period", "area_code", "measure", "premium_fy"], [r[:4] for r in GOOD])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 列「value」: 必須の列（値）がありません" in err


def test_unexpected_column(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    _rewrite_measures(folder, MEASURE_COLUMNS + ["memo"], [r + ("x",) for r in GOOD])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 列「memo」: 契約にない列です" in err


def test_wrong_type(tmp_path, capsys):
    rows = list(GOOD)
    rows[2] = ("2023-09-30", "01001", "autopay_payers", None, "九十五")
    folder = _snapshot(tmp_path, rows)
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 4行目 列「value」: 値が数値として読めません（値: 九十五）" in err


def test_negative_count(tmp_path, capsys):
    rows = list(GOOD)
    rows[4] = ("2023-09-30", "00", "calls_received", None, -40)
    folder = _snapshot(tmp_path, rows)
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 6行目 列「value」: 値が負の数です" in err


def test_numerator_larger_than_denominator(tmp_path, capsys):
    rows = list(GOOD)
    rows[5] = ("2023-09-30", "00", "calls_answered", None, 41)
    folder = _snapshot(tmp_path, rows)
    code, err = _validate(folder, capsys)
    assert code == 1
    assert ("measures.csv 7行目 列「value」: 電話相談 応答数（calls_answered）が 電話相談 入電数（calls_received）"
            "を超えています（41 > 40）") in err


def test_duplicate_keys(tmp_path, capsys):
    folder = _snapshot(tmp_path, GOOD + [GOOD[0]])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 2行目: 同じ 期間（月末日）・地域コード・指標・保険料年度 の行が重複しています" in err
    assert "measures.csv 10行目: 同じ" in err


def test_unknown_area(tmp_path, capsys):
    folder = _snapshot(tmp_path, GOOD + [("2023-09-30", "99001", "payers_total", None, 5)])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 10行目 列「area_code」: 地域コードが areas にありません（値: 99001）" in err


def test_unknown_measure(tmp_path, capsys):
    folder = _snapshot(tmp_path, GOOD + [("2023-09-30", "01001", "payment_rate", None, 70)])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 10行目 列「measure」: 契約にない指標名です" in err
    assert "（値: payment_rate）" in err


def test_period_after_as_of(tmp_path, capsys):
    folder = _snapshot(tmp_path, GOOD + [("2023-10-31", "01001", "payers_total", None, 5)])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 10行目 列「period」: 期間が as_of（2023-09-30）より後です（値: 2023-10-31）" in err


def test_period_before_first_fiscal_year(tmp_path, capsys):
    folder = _snapshot(tmp_path, GOOD + [("2021-03-31", "01001", "payers_total", None, 5)])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "期間がスナップショットの年度（2021年度～2023年度）の外です（値: 2021-03-31）" in err


def test_period_not_a_month_end(tmp_path, capsys):
    folder = _snapshot(tmp_path, GOOD + [("2023-09-15", "01001", "payers_total", None, 5)])
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 10行目 列「period」: 期間は実在する月末日であること（値: 2023-09-15）" in err


def test_premium_year_that_does_not_fit_the_period(tmp_path, capsys):
    rows = list(GOOD)
    rows[6] = ("2023-05-31", "47001", "paid_months_current", 2021, 50)
    rows[7] = ("2023-05-31", "47001", "due_months_current", 2021, 80)
    folder = _snapshot(tmp_path, rows)
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv 8行目 列「premium_fy」: 保険料年度がこの期間に合いません" in err


def test_sha256_mismatch(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    with (folder / "measures.csv").open("a", encoding="utf-8") as fh:
        fh.write("2023-09-30,01003,payers_total,,7\n")
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv: sha256 が manifest.yaml と一致しません" in err
    assert "measures.csv: 行数が 9 行で、manifest.yaml の 8 行と一致しません" in err


def test_empty_file(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    (folder / "measures.csv").write_bytes(b"")
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021)
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv: ファイルが空です" in err


def test_truncated_file(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    data = (folder / "measures.csv").read_bytes()
    (folder / "measures.csv").write_bytes(data[: data.rindex(b",")])  # cut in the last row
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "measures.csv: sha256 が manifest.yaml と一致しません" in err
    assert "measures.csv 9行目: 最後の行が途中で切れています" in err


@pytest.mark.parametrize("data, where", [
    ("area_code,name_ja,level,parent_code\n00,全国,national,\n".encode("utf-16"), "4バイト目"),
    (b"area_code,name_ja,level,parent_code\n00,\x81\x20,national,\n", "40バイト目"),
])
def test_bytes_neither_utf8_nor_cp932(tmp_path, capsys, data, where):
    folder = _snapshot(tmp_path)
    (folder / "areas.csv").write_bytes(data)
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021)
    code, err = _validate(folder, capsys)
    assert code == 1
    assert f"areas.csv {where}: 文字コードが UTF-8 でも CP932（Shift_JIS）でもありません" in err


def test_area_with_unknown_parent(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    write_csv(folder / "areas.csv", AREA_COLUMNS, list(AREAS) + [("13001", "東京第1事務所", "office", "13")])
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021)
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "areas.csv 11行目 列「parent_code」: 上位コード「13」が areas にありません（13001）" in err


def test_missing_manifest(tmp_path, capsys):
    folder = _snapshot(tmp_path)
    (folder / "manifest.yaml").unlink()
    code, err = _validate(folder, capsys)
    assert code == 1
    assert "manifest.yaml: " in err and "manifest.yaml がありません" in err






@pytest.mark.parametrize("broken", ["rule", "field", "measure"])
def test_plan_file_errors(tmp_path, broken):
    from helpers.core.errors import InvalidInput
    from helpers.core.paths import project_root
    from helpers.data.plan import load_plan

    text = (project_root() / "params" / "plan_fy2023.yaml").read_text(encoding="utf-8")
    if broken == "rule":
        text = text.replace("    rule: above_prior_year", "    rule: better_than_ever", 1)
        expected = "KPI NP04 項目「target.rule」: 目標の種類「better_than_ever」は使えません"
    elif broken == "field":
        text = text.replace("  plan_page: P.38\n", "", 1)
        expected = "KPI CB01 項目「plan_page」: 必須の項目がありません"
    else:
        text = text.replace("numerator: calls_answered", "numerator: calls_picked_up", 1)
        expected = "KPI CB04 項目「numerator」: 指標「calls_picked_up」はスナップショットの契約にありません"
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_plan(path)
    assert expected in str(info.value)
