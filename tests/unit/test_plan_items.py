"""Every 計画事項 of the plan tracked: the snapshot's optional progress table validated
like the other tables, lateness computed from the register's milestones (never typed),
the sections registry as the one list of sections, and the 進捗管理表 in the reports."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from helpers.cli import main
from helpers.data.plan import load_plan
from helpers.data.register import load_register
from helpers.data.snapshot import load_snapshot
from helpers.engine.item_progress import item_progress
from helpers.notebook.execute import notebook_paths
from helpers.report.section import open_section
from helpers.report.views.items import items_table
from helpers.sections import registry as sections
from snapshot_factory import make_snapshot, write_csv, write_manifest

PROGRESS_COLUMNS = ["item_id", "status", "done_on", "note", "grade"]
ROWS = [("2023-09-30", "01001", "payers_total", None, 100)]


def snapshot_with_progress(folder: Path, progress: list[tuple], as_of: str = "2023-09-30") -> Path:
    make_snapshot(folder, ROWS, as_of=as_of)
    write_csv(folder / "progress.csv", PROGRESS_COLUMNS, progress)
    write_manifest(folder, as_of=as_of, fiscal_year=2023, first_fiscal_year=2021, progress_file="progress.csv")
    return folder


# --- the progress table: validated with the same care ------------------------------

@pytest.mark.parametrize("row, message", [
    (("R99-01", "実施中", None, "", None), "列「item_id」"),
    (("R03-09", "実施中", None, "", None), "計画事項 R03-09 は計画事項の一覧（params/plan_register_fy2023.yaml）にありません"),
    (("R03-02", "済み", None, "", None), "列「status」"),
    (("R03-02", "完了", None, "", None), "状況が「完了」の行には完了日を書くこと"),
    (("R03-02", "実施中", "2023-04-03", "", None), "完了日は状況が「完了」の行だけに書くこと（状況: 実施中）"),
    (("R03-02", "完了", "2023-10-02", "", None), "完了日 2023-10-02 が基準日 2023-09-30 より後です"),
    (("R03-02", "完了", "2023-02-30", "", None), "実在する日付を書くこと（値: 2023-02-30）"),
    (("R03-02", "実施中", None, "あ" * 401, None), "列「note」"),
    (("R03-02", "実施中", None, "", "E"), "列「grade」"),
])
def test_bad_progress_rows_are_refused_with_row_and_rule(tmp_path, capsys, row, message):
    folder = snapshot_with_progress(tmp_path / "snap", [("R01-01", "実施中", None, "", None), row])
    code = main(["validate", str(folder)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "progress.csv 3行目" in err and message in err


def test_duplicate_items_are_refused(tmp_path, capsys):
    folder = snapshot_with_progress(tmp_path / "snap", [("R01-01", "実施中", None, "", None),
                                                        ("R01-01", "完了", "2023-09-01", "", None)])
    assert main(["validate", str(folder)]) == 1
    assert "item_id" in capsys.readouterr().err


def test_a_snapshot_without_progress_reads_every_item_as_unreported(tmp_path):
    snap = load_snapshot(make_snapshot(tmp_path / "snap", ROWS))
    items = item_progress(load_register(), snap.progress, snap.as_of)
    assert len(items) == 42
    # deliverables whose month has ended with no report are late (computed), the rest 未報告
    assert {p.status for p in items} == {"未報告", "遅延"}
    # 令和5年4月 deadlines, and the 令和5年9月 starts (a report at 9月末 knows they did not start)
    assert {p.item.id for p in items if p.status == "遅延"} == {"R03-01", "R03-02", "R03-03", "R09-02"}


# --- lateness is computed from the milestones ---------------------------------------

def _progress(progress: list[tuple], on: dt.date, item: str):
    columns = PROGRESS_COLUMNS if len(progress[0]) == 5 else ["item_id", "deliverable", *PROGRESS_COLUMNS[1:]]
    frame = pd.DataFrame(progress, columns=columns)
    return next(p for p in item_progress(load_register(), frame, on) if p.item.id == item)


def _status(progress: list[tuple], on: dt.date, item: str) -> str:
    return _progress(progress, on, item).status


def test_deadline_passed_and_not_done_is_late():
    # R08-01: 令和6年1月稼働 (期限). 実施中 is on time in December; at the end of January a
    # report knows the month's deadline was missed.
    row = [("R08-01", "実施中", None, "", None)]
    assert _status(row, dt.date(2023, 12, 31), "R08-01") == "実施中"
    assert _status(row, dt.date(2024, 1, 31), "R08-01") == "遅延"
    assert _status([("R08-01", "完了", "2024-01-04", "", None)], dt.date(2024, 2, 29), "R08-01") == "完了"


def test_done_after_its_deadline_is_done_late_not_done():
    late = _progress([("R08-01", "完了", "2024-02-10", "", None)], dt.date(2024, 2, 29), "R08-01")
    assert late.status == "遅延完了"
    assert [d.status for d in late.deliverables] == ["遅延完了", "完了", "遅延完了"]  # D2 is due in March
    from helpers.core.statuses import STYLES

    assert STYLES["遅延完了"].chart != STYLES["完了"].chart  # its mark is not green


def test_completing_one_deliverable_does_not_complete_the_others():
    # R08-01 has three deliverables: 令和6年1月 (D1), 令和6年3月 (D2), 令和6年1月 (D3)
    rows = [("R08-01", "", "実施中", None, "", None), ("R08-01", "D1", "完了", "2024-01-04", "", None)]
    mid_january = _progress(rows, dt.date(2024, 1, 15), "R08-01")
    assert mid_january.status == "実施中"
    assert [d.status for d in mid_january.deliverables] == ["完了", "実施中", "実施中"]
    end_of_january = _progress(rows, dt.date(2024, 1, 31), "R08-01")
    assert end_of_january.status == "遅延" and [d.deliverable.id for d in end_of_january.late] == ["D3"]


def test_start_milestone_needs_only_a_start():
    # R09-03: 令和5年11月から順次運用開始 (開始).
    assert _status([("R09-03", "未着手", None, "", None)], dt.date(2023, 10, 31), "R09-03") == "未着手"
    assert _status([("R09-03", "未着手", None, "", None)], dt.date(2023, 11, 30), "R09-03") == "遅延"
    assert _status([("R09-03", "実施中", None, "", None)], dt.date(2023, 12, 31), "R09-03") == "実施中"


def test_year_end_every_item_gets_its_implementation_status():
    register = load_register()
    march = load_snapshot("sample-2024-03-31")
    items = {p.item.id: p for p in item_progress(register, march.progress, march.as_of)}
    assert all(p.year_end is not None for p in items.values())
    assert items["R03-01"].status == "遅延完了" and items["R03-01"].year_end == "一部未実施"
    assert items["R08-01"].year_end == "一部未実施" and items["R09-03"].year_end == "未実施"
    assert items["R07-02"].year_end == "未報告" and items["R05-01"].year_end == "計画どおり実施"
    september = load_snapshot("sample-2023-09-30")
    assert all(p.year_end is None for p in item_progress(register, september.progress, september.as_of))


def test_a_deliverable_row_must_name_one_of_the_items_deliverables(tmp_path, capsys):
    folder = tmp_path / "snap"
    make_snapshot(folder, ROWS)
    write_csv(folder / "progress.csv", ["item_id", "deliverable", *PROGRESS_COLUMNS[1:]],
              [("R08-01", "D2", "実施中", None, "", None), ("R08-01", "D7", "実施中", None, "", None),
               ("R08-01", "D2", "実施中", None, "", None)])
    write_manifest(folder, as_of="2023-09-30", fiscal_year=2023, first_fiscal_year=2021, progress_file="progress.csv")
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "progress.csv 3行目 列「deliverable」" in err and "計画事項 R08-01 に取組 D7 はありません（D1、D2、D3" in err
    assert "progress.csv 4行目 列「item_id」" in err and "R08-01 の D2 の行が" in err


def test_the_samples_show_every_status():
    register = load_register()
    september, march = (item_progress(register, s.progress, s.as_of)
                        for s in map(load_snapshot, ("sample-2023-09-30", "sample-2024-03-31")))
    assert {p.item.id for p in september if p.status == "遅延"} == {"R03-01"}
    assert {"実施中", "未報告", "未着手"} <= {p.status for p in september}
    # at year end: R08-01's 令和6年3月 step and R09-03 not done, two items never reported
    assert {p.item.id for p in march if p.status == "遅延"} == {"R08-01", "R09-03", "R07-02", "R10-03"}
    assert {"完了", "遅延完了"} <= {p.status for p in march}
    statuses = Counter(d.status for p in march for d in p.deliverables)
    assert statuses["完了"] and statuses["遅延完了"] and statuses["遅延"]
    early = next(d for p in march if p.item.id == "R08-01" for d in p.deliverables if d.deliverable.id == "D3")
    assert early.done_on < early.deliverable.due.replace(day=1).isoformat()  # done before its month


# --- the sections registry is the one list ---------------------------------------

def test_registry_drives_notebooks_runner_and_plan():
    stems = [p.stem for p in notebook_paths()]
    assert stems == list(sections.NOTEBOOKS) == sorted(
        p.stem for p in (Path(__file__).resolve().parents[2] / "notebooks").glob("0*.ipynb"))
    assert sections.select(["4", "information_online", "06_operations"]) == [
        "04_records", "05_information_online", "06_operations"]
    plan = load_plan()
    covered = {k for s in sections.SECTIONS for k in plan.report_section(s.slug).kpi_sections}
    assert covered == {s.id for s in plan.sections}
    register = plan.register()
    parts = sorted(p for s in sections.SECTIONS if s.slug != sections.SCORECARD for p in register.parts_of(s.slug))
    assert parts == list(range(1, 13))  # every part of the plan has a section answering for it


def test_new_sections_name_late_items_first():
    r = open_section("information_online", snapshot="sample-2024-03-31", plan_file="params/plan_fy2023.yaml",
                     scope="00", fiscal_year=2023)
    text = r.narrative().data
    late = text.index("**遅延**: R09-03")
    assert text.index("**対応を要する事項**") < late < text.index("**主な動き**")
    assert "開始は令和5年11月" in text
    table = items_table(r)
    assert table.frame.iloc[0]["ID"] == "R09-03 D1" and table.frame.iloc[0]["状況"] == "遅延"
    assert {"予定", "実績（完了日）", "年度末の実施状況"} <= set(table.frame.columns)


def test_hostile_progress_text_is_escaped(tmp_path):
    folder = snapshot_with_progress(tmp_path / "snap", [("R05-01", "実施中", None, "<img src=x onerror=alert(1)>", None)])
    r = open_section("information_online", snapshot=str(folder), plan_file="params/plan_fy2023.yaml",
                     scope="00", fiscal_year=2023)

    html = items_table(r).html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_index_lists_all_twelve_parts_and_filters_offline(tmp_path):
    from helpers.outputs.index_page import _items_table, _parts_table

    snap = load_snapshot("sample-2023-09-30")
    register = load_register()
    items = item_progress(register, snap.progress, snap.as_of)
    parts = "\n".join(_parts_table(register, items, {"05_information_online": "05_information_online.html"}))
    assert len(re.findall(r"<tr><td>\(\d+\)", parts)) == 12
    assert '<a href="05_information_online.html">情報提供・オンラインサービス</a>' in parts
    table = "\n".join(_items_table(register, items, {"NP04": "達成見込み"}, snap.as_of))
    deliverables = sum(len(i.deliverables) for i in register.items)
    assert table.count('<tr data-part="') == deliverables + 42  # a row per deliverable, a detail line per item
    assert table.count("<summary>計画の主な内容") == 42 and "workbookFilter" in table and "http" not in table


def test_forms_must_add_up_to_the_seven_form_total(tmp_path, capsys):
    from helpers.data.contract import FORMS

    rows = [("2023-09-30", "00", "filed_insured", None, 1000), ("2023-09-30", "00", "e_filed_insured", None, 700)]
    rows += [("2023-09-30", "00", f"filed_{k}", None, 100) for k in FORMS]  # 700, not 1000
    rows += [("2023-09-30", "00", f"e_filed_{k}", None, 100) for k in FORMS]  # 700: adds up
    folder = make_snapshot(tmp_path / "snap", rows)
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert ("期間 2023-09-30、地域 00: 主要7届書の届出被保険者数（filed_insured）が届書別の合計と一致しません"
            "（1,000 ≠ 内訳の合計 700）").replace("届書別", "内訳（" + "、".join(f"filed_{k}" for k in FORMS) + "）") in err
    assert "e_filed_insured）が内訳" not in err


def test_seminars_and_briefings_are_counted_apart_and_add_up(tmp_path, capsys):
    from helpers.report.views.activity import INFORMATION, activity_table

    r = open_section("information_online", snapshot="sample-2023-09-30", plan_file="params/plan_fy2023.yaml",
                     scope="00", fiscal_year=2023)
    frame = activity_table(r, INFORMATION).frame
    items = list(frame["項目"])
    assert "年金セミナーの開催回数" in items and "年金制度説明会の開催回数" in items
    assert "年金セミナー・年金制度説明会の開催回数" not in items  # the total would say it twice
    m = load_snapshot("sample-2023-09-30").measures
    year = m[(m["period"] >= "2023-04-30") & (m["period"] <= "2023-09-30")]
    seminars = year.loc[year["measure"] == "pension_seminars", "value"].sum()
    assert frame.set_index("項目").iloc[:, 1]["年金セミナーの開催回数"] == f"{seminars:,.0f}回"
    rows = [("2023-09-30", "01001", "seminars_held", None, 10), ("2023-09-30", "01001", "pension_seminars", None, 3),
            ("2023-09-30", "01001", "system_briefings", None, 6)]
    assert main(["validate", str(make_snapshot(tmp_path / "snap", rows))]) == 1
    assert "年金セミナー・年金制度説明会の開催回数（seminars_held）が内訳" in capsys.readouterr().err


def test_efiling_by_form_is_a_ratio_of_sums():
    from helpers.report.views.activity import efiling_by_form

    r = open_section("information_online", snapshot="sample-2023-09-30", plan_file="params/plan_fy2023.yaml",
                     scope="00", fiscal_year=2023)
    m = load_snapshot("sample-2023-09-30").measures
    year = m[(m["period"] >= "2023-04-30") & (m["period"] <= "2023-09-30")]
    frame = efiling_by_form(r).frame.set_index("届書")
    for form, key in (("算定基礎届", "santei"), ("主要7届書 計", "insured")):
        filed = year.loc[year["measure"] == f"filed_{key}", "value"].sum()
        e = year.loc[year["measure"] == f"e_filed_{key}", "value"].sum()
        assert frame.loc[form, "電子申請割合"] == f"{100 * e / filed:.1f}%"
    assert frame.loc["主要7届書 計", "電子申請割合"] == f"{r.result('OL01').value:.1f}%"  # the KPI OL01


def test_a_section_without_kpis_still_has_its_table_and_record():
    """A plan part tracked by its items only (a new section with kpi_sections=()) renders:
    the KPI table has its columns and the record reads them."""
    r = open_section("operations", snapshot="sample-2023-09-30", plan_file="params/plan_fy2023.yaml",
                     scope="00", fiscal_year=2023)
    empty = r.kpi_frame([])
    assert list(empty.columns[:3]) == ["ID", "指標", "実績"] and empty.empty
    from helpers.report.model import build_kpi_model

    r._model = build_kpi_model(r.engine, "00", 2023, [])  # as a section with no KPIs has
    assert r.record()["kpis"] == {} and r.kpi_table().frame.empty
