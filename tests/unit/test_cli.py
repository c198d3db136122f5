"""The command line as a new user meets it: Japanese help throughout, codes typed the
way people type them, wrong input answered before anything heavy loads, one default
snapshot for every command, and --fiscal-year."""

from __future__ import annotations

import pytest

from helpers.cli import build_parser, main
from helpers.core.errors import WorkbookError
from helpers.data.quick_checks import check_scope, newest_snapshot


def test_every_subcommand_has_a_description_and_lists_valid_values():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, child in sub.choices.items():
        assert child.description, name
    run = parser._subparsers._group_actions[0].choices["run"].format_help()
    assert "information_online" in run and "{region,prefecture,office}" in run and "--fiscal-year" in run


@pytest.mark.parametrize("typed, code", [("4", "04"), ("04", "04"), ("r8", "R8"), ("４７", "47"), ("Ｒ８", "R8"),
                                         ("1001", "01001"), ("47001", "47001")])
def test_scope_codes_typed_as_people_type_them(typed, code):
    assert check_scope("sample-2023-09-30", typed) == code


def test_wrong_scope_suggests_the_closest_codes_first():
    with pytest.raises(WorkbookError) as info:
        check_scope("sample-2023-09-30", "r9")
    assert str(info.value).startswith("地域コード「r9」はこのスナップショットにありません。近いもの: R")




def test_kpis_refuses_an_unknown_section(capsys):
    assert main(["kpis", "--section", "foo"]) == 2
    assert "区分「foo」はありません" in capsys.readouterr().err


def test_one_default_snapshot_for_every_command(capsys):
    assert newest_snapshot() == "sample-2024-03-31"
    assert main(["kpis", "--section", "records"]) == 0
    assert "令和6年3月末現在" in capsys.readouterr().out  # the newest, as `workbook run` uses


def test_run_refuses_a_fiscal_year_outside_the_snapshot(capsys):
    assert main(["run", "--snapshot", "sample-2023-09-30", "--fiscal-year", "2025"]) == 2
    assert "--fiscal-year: 2025 はこのスナップショットにありません（2021～2023" in capsys.readouterr().err






def test_diff_prints_status_changes_moves_and_item_changes(capsys):
    from helpers.data.plan import load_plan
    from helpers.data.snapshot import load_snapshot
    from helpers.engine.kpi import KpiEngine

    assert main(["diff", "sample-2023-09-30", "sample-2024-03-31"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("前回（令和5年9月末、sample-2023-09-30）から今回（令和6年3月末、sample-2024-03-31）")
    plan = load_plan()
    before, after = (KpiEngine(load_snapshot(s), plan) for s in ("sample-2023-09-30", "sample-2024-03-31"))
    changed = [k for k in plan.kpis if before.evaluate(k).status != after.evaluate(k).status]
    assert changed and all(f"- {k.name_ja}: {before.evaluate(k).status} → {after.evaluate(k).status}" in out
                           for k in changed)
    items = out.split("状況が変わった計画事項")[1]
    # every item whose status changed, not only new delays (read from the two progress tables)
    assert "- R09-03 内部書類のデジタル化の推進: 未着手 → 遅延" in items
    assert "- R03-01 正確な年金給付に向けた体制強化: 遅延 → 遅延完了" in items
    assert "- R05-01 ホームページの活用: 未報告 → 完了" in items
    assert "20歳到達者の職権適用者数" not in out.split("動きの大きい指標")[1]  # year-to-date counts left out


def test_diff_refuses_the_wrong_order(capsys):
    assert main(["diff", "sample-2024-03-31", "sample-2023-09-30"]) == 2
    assert "基準日が sample-2023-09-30 より後か同じです" in capsys.readouterr().err


def test_scorecard_compares_with_the_latest_earlier_snapshot():
    from helpers.report.section import open_section
    from helpers.report.views.scorecard import changes

    march = open_section("scorecard", snapshot="sample-2024-03-31", plan_file="params/plan_fy2023.yaml",
                         scope="00", fiscal_year=2023)
    text = changes(march).data
    assert "前回（令和5年9月末、`sample-2023-09-30`）" in text and "R09-03" in text
    september = open_section("scorecard", snapshot="sample-2023-09-30", plan_file="params/plan_fy2023.yaml",
                             scope="00", fiscal_year=2023)
    assert changes(september).data == "比べる前回のスナップショット（基準日がこれより前のもの）はない。"
    assert changes(march, compare_with="none").data.startswith("前回との比較は行わない")


def test_the_default_plan_is_the_snapshots_years(tmp_path, capsys):
    """A snapshot of 令和6年度 with no params/plan_fy2024.yaml: a message naming the file
    looked for, exit 2, no traceback; --plan still chooses any plan."""
    from snapshot_factory import make_snapshot

    folder = make_snapshot(tmp_path / "fy2024", [("2024-04-30", "01001", "payers_total", None, 100)],
                           as_of="2024-04-30", fiscal_year=2024)
    for command in (["kpis", "--snapshot", str(folder)], ["run", "--snapshot", str(folder), "--out", str(tmp_path / "r")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "計画ファイル params/plan_fy2024.yaml がありません" in err and "--plan" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # nothing written
    assert main(["kpis", "--snapshot", str(folder), "--plan", "params/plan_fy2023.yaml"]) == 0
    assert "令和6年度" in capsys.readouterr().out
