"""The command line as a new user meets it: Japanese help throughout, codes typed the
way people type them, wrong input answered before anything heavy loads, one default
snapshot for every command, and --fiscal-year."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers.cli import build_parser, main
from helpers.errors import WorkbookError
from helpers.quick_checks import check_scope, newest_snapshot


def _help(args: list[str]) -> str:
    return subprocess.run([sys.executable, "-m", "helpers.cli", *args, "--help"], capture_output=True,
                          text=True, encoding="utf-8", check=True).stdout


@pytest.mark.parametrize("command", [[], ["run"], ["kpis"], ["validate"], ["sample"], ["notebooks"]])
def test_help_is_japanese_throughout(command):
    text = _help(command)
    assert text.startswith("使い方: workbook")
    assert "usage:" not in text and "options:" not in text and "positional arguments" not in text
    assert "このヘルプを表示して終わる" in text


def test_every_subcommand_has_a_description_and_lists_valid_values():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, child in sub.choices.items():
        assert child.description, name
    run = _help(["run"])
    assert "information_online" in run and "{region,prefecture,office}" in run and "--fiscal-year" in run


@pytest.mark.parametrize("typed, code", [("4", "04"), ("04", "04"), ("r8", "R8"), ("４７", "47"), ("Ｒ８", "R8"),
                                         ("1001", "01001"), ("47001", "47001")])
def test_scope_codes_typed_as_people_type_them(typed, code):
    assert check_scope("sample-2023-09-30", typed) == code


def test_wrong_scope_suggests_the_closest_codes_first():
    with pytest.raises(WorkbookError) as info:
        check_scope("sample-2023-09-30", "r9")
    assert str(info.value).startswith("地域コード「r9」はこのスナップショットにありません。近いもの: R")


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


def test_kpis_refuses_an_unknown_section(capsys):
    assert main(["kpis", "--section", "foo"]) == 2
    assert "区分「foo」はありません" in capsys.readouterr().err


def test_one_default_snapshot_for_every_command(capsys):
    assert newest_snapshot() == "sample-2024-03-31"
    assert main(["kpis", "--section", "records"]) == 0
    assert "令和6年3月末現在" in capsys.readouterr().out  # the newest, as `workbook run` uses


def test_run_refuses_a_fiscal_year_outside_the_snapshot(capsys):
    assert main(["run", "--snapshot", "sample-2023-09-30", "--fiscal-year", "2025"]) == 2
    assert "--fiscal-year 2025 はこのスナップショットにありません（2021～2023" in capsys.readouterr().err
