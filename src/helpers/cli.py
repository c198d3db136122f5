"""`workbook`: the command line of the plan progress workbook (one plan file per year).

Expected problems (a bad snapshot, an unknown area) end with a Japanese message and a
non-zero exit code, never a Python traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from helpers.batch.cluster_spec import ENV_VAR as CLUSTER_ENV
from helpers.core import paths
from helpers.core.era import fiscal_year_label, month_end_label
from helpers.core.errors import WorkbookError
from helpers.data.contract import LEVEL_LABELS, LEVELS, NATIONAL_CODE
from helpers.data.plan import DEFAULT_PLAN

PLAN_HELP = f"計画ファイル（既定: スナップショットの年度の計画 params/plan_fy<年度>.yaml。例: {DEFAULT_PLAN}）"

__all__ = ["main", "build_parser"]


def _sections():
    from helpers.sections.registry import SECTIONS

    return SECTIONS


def _cmd_validate(args: argparse.Namespace) -> int:
    from helpers.data.snapshot import check_snapshot

    worst = 0
    for ref in args.paths:
        check = check_snapshot(ref)
        shown = paths.display_path(check.path)
        if _refused(shown, "契約を満たしていません", check.problems):
            worst = 1
            continue
        print(_summary(shown, check.snapshot))
    return worst


def _refused(shown: str, verdict: str, problems) -> bool:
    """Print 'NG <file>: <verdict>' and each problem on stderr, when there are any."""
    if not problems:
        return False
    print(f"NG {shown}: {verdict}（{len(problems)} 件）", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return True


def _summary(shown: str, snapshot) -> str:
    """A valid snapshot in a few lines: as-of, areas per level, periods, measures."""
    per_level = Counter(snapshot.areas["level"])
    areas = "、".join(f"{LEVEL_LABELS[lv]} {per_level.get(lv, 0)}" for lv in LEVELS)
    periods = snapshot.measures["period"]
    first, last = periods.min().date(), periods.max().date()
    months = periods.nunique()
    measures = snapshot.measures["measure"].nunique()
    sample = "（合成サンプル）" if snapshot.is_sample else ""
    return (
        f"OK {shown}: {snapshot.id}{sample}\n"
        f"  基準日: {month_end_label(snapshot.as_of)}（{snapshot.as_of}）、対象年度: "
        f"{fiscal_year_label(snapshot.fiscal_year)}、出所: {snapshot.source}\n"
        f"  地域: {areas}\n"
        f"  期間: {first} ～ {last}（{months} か月）\n"
        f"  指標: {measures} 種類、{len(snapshot.measures):,} 行"
    )


def _cmd_plan_check(args: argparse.Namespace) -> int:
    from helpers.report.plan_check import check_plan_file

    worst = 0
    for path in args.files:
        check = check_plan_file(path)
        if _refused(check.file, "計画ファイルとして使えません", check.problems):
            worst = 1
            continue
        plan, register = check.plan, check.register
        deliverables = sum(len(i.deliverables) for i in register.items)
        print(f"OK {check.file}: {plan.title}（{fiscal_year_label(plan.fiscal_year)}）\n"
              f"  指標 {len(plan.kpis)}、計画の区分 {len(plan.sections)}、部 {len(register.parts)}、"
              f"計画事項 {len(register.items)}（取組 {deliverables}）\n"
              f"  計画事項の一覧: {register.file}")
    return worst


def _cmd_sample(args: argparse.Namespace) -> int:
    from helpers.sample.generate import NEW_YEAR_AS_OF, SAMPLE_AS_OF, generate_history, write_sample

    out = Path(args.out) if args.out else paths.snapshots_dir()
    history = generate_history()
    for as_of in SAMPLE_AS_OF:
        folder = write_sample(as_of, out, history)
        print(f"サンプルを書き出しました: {paths.display_path(folder)}")
    # the next plan year's sample sits apart: 令和6年度 has no plan file of its own
    folder = write_sample(NEW_YEAR_AS_OF, Path(args.out) if args.out else paths.samples_dir(), history)
    print(f"新年度のサンプルを書き出しました: {paths.display_path(folder)}（令和6年度のサンプル計画 "
          f"params/samples/plan_fy2024_sample.yaml で読む）")
    return 0


def _cmd_kpis(args: argparse.Namespace) -> int:
    from helpers.data.quick_checks import check_scope, newest_snapshot
    from helpers.sections import registry as sections

    # refused as `run` refuses it, before anything is loaded
    section = sections.require(args.section, with_scorecard=False) if args.section else None
    ref = args.snapshot or newest_snapshot(sys.stderr)  # the same default as `workbook run`
    args.area = check_scope(ref, args.area)
    from helpers.report.section import open_section

    # the page's own model: the same views, in the same words, as the section's page
    report = open_section(section.slug if section else sections.SCORECARD, snapshot=str(ref), plan_file=args.plan,
                          scope=args.area, fiscal_year=args.fiscal_year, year_name="--fiscal-year")
    sample = "【合成サンプルデータ】" if report.snapshot.is_sample else ""
    print(f"{sample}{report.plan.title} KPI 一覧: {report.scope_name}（{report.scope}）、"
          f"{fiscal_year_label(report.fiscal_year)}、{report.period_label}現在")
    # the page's own table, without the columns a terminal line does without
    table = report.kpi_frame().drop(columns=["時点", "計画"])
    print(" | ".join(table.columns))
    for row in table.itertuples(index=False):
        print(" | ".join(str(cell) for cell in row))
    for note in report.notes():
        print(f"  {note}")
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    from helpers.data.quick_checks import check_scope

    area = check_scope(args.after, args.area)
    from helpers.data.plan import choose_plan, load_plan
    from helpers.data.quick_checks import snapshot_fiscal_year
    from helpers.data.snapshot import load_snapshot
    from helpers.report.compare import compare, comparison_text

    year = snapshot_fiscal_year(args.after)
    plan_file = args.plan or (choose_plan(None, year) if year else DEFAULT_PLAN)
    print(comparison_text(compare(args.before, load_snapshot(args.after), load_plan(plan_file), area)))
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from helpers.notebook.execute import refresh_notebooks

    for path in refresh_notebooks(args.names or None):
        print(f"実行して保存しました: {paths.display_path(path)}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from helpers.batch.options import RunOptions, checked_options

    options = checked_options(RunOptions(
        snapshot=args.snapshot, sections=args.sections, scope=args.scope, each=args.each, jobs=args.jobs,
        out=args.out, plan_file=args.plan, engine=args.engine, keep_notebooks=args.keep_notebooks,
        force=args.force, profile=args.profile, fiscal_year=args.fiscal_year, compare_with=args.compare_with,
        pdf=args.pdf, cluster=args.cluster if args.cluster is not None else os.environ.get(CLUSTER_ENV)),
        sys.stderr)  # answered at once, before the libraries of the run load
    if options.engine != "kernel" and options.cluster is None:
        from helpers.batch.options import several_workers
        from helpers.batch.workers import long_lived, single_threaded_libraries, worker_context

        # this process loads what it validates with (pandas, numpy, pyarrow, pandera),
        # then forks the workers' fork server, which keeps them and imports the rest
        # (charts, notebooks, pages) on the other core while this process validates
        with single_threaded_libraries():
            with long_lived():
                import helpers.batch.runner  # noqa: F401
                import helpers.data.schemas  # noqa: F401
            worker_context(warm_up=several_workers(options))
    from helpers.batch.runner import run_reports

    return run_reports(options)


class _JapaneseHelp(argparse.HelpFormatter):
    """argparse's help with Japanese headings ('使い方:' for 'usage:')."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="使い方: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """A parser whose help is Japanese throughout, headings included."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _JapaneseHelp)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        self.add_argument("-h", "--help", action="help", help="このヘルプを表示して終わる")

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"エラー: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by the docs test)."""
    parser = _Parser(prog="workbook", description="日本年金機構 年度計画 進捗ワークブック（計画は params/plan_fy<年度>.yaml）")
    sub = parser.add_subparsers(dest="command", required=True, title="コマンド", metavar="コマンド",
                                parser_class=_Parser)

    def add(name: str, text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=text, description=text)

    validate = add("validate", "スナップショットを契約に照らして検査する（何も書き換えない）")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="スナップショットのフォルダまたは ID")
    validate.set_defaults(func=_cmd_validate)

    plan = add("plan", "計画ファイル（params/plan_fy<年度>.yaml）を扱う")
    plan_sub = plan.add_subparsers(dest="plan_command", required=True, title="コマンド", metavar="コマンド",
                                   parser_class=_Parser)
    plan_check = plan_sub.add_parser("check", help="計画ファイルとその計画事項の一覧を検査する（何も書き換えない）",
                                     description="計画ファイルとその計画事項の一覧を検査する（何も書き換えない）")
    plan_check.add_argument("files", nargs="+", metavar="FILE", help="計画ファイル（例: params/plan_fy2023.yaml）")
    plan_check.set_defaults(func=_cmd_plan_check)

    sample = add("sample", "合成サンプルのスナップショットを書き出す（令和5年度の2つと、新年度の令和6年4月末）")
    sample.add_argument("--out", help="書き出し先（既定: data/snapshots）")
    sample.set_defaults(func=_cmd_sample)

    kpis = add("kpis", "全 KPI の実績・前年同期比・判定を表示する")
    kpis.add_argument("--snapshot", help="スナップショットの ID またはフォルダ（既定: 基準日が最も新しいもの。run と同じ）")
    kpis.add_argument("--plan", help=PLAN_HELP)
    kpis.add_argument("--area", default=NATIONAL_CODE,
                      help="地域コード（既定: 00 = 全国。4 は 04、r8 は R8、全角数字も可）")
    kpis.add_argument("--fiscal-year", type=int, help="年度（西暦、既定: スナップショットの年度）")
    kpis.add_argument("--section", help=f"区分（{', '.join(s.slug for s in _sections() if s.slug != 'scorecard')}）")
    kpis.set_defaults(func=_cmd_kpis)

    run = add("run", "全区分を実行し、オフラインで読める HTML レポートと Excel のブックを公開する")
    run.add_argument("--snapshot", help="スナップショットの ID またはフォルダ（既定: 基準日が最も新しいもの）")
    run.add_argument("--sections", nargs="+", metavar="区分",
                     help=f"区分（{', '.join(s.slug for s in _sections())}。番号 01 や 1 でもよい。既定: すべて）")
    run.add_argument("--scope", default=NATIONAL_CODE,
                     help="地域コード（既定: 00 = 全国。4 は 04、r8 は R8、全角数字も可）")
    run.add_argument("--fiscal-year", type=int, help="年度（西暦の開始年。既定: スナップショットの年度）")
    run.add_argument("--pdf", action="store_true",
                     help="各ページを A4 の PDF にもする（pdf/ に置く。ヘッドレス Chromium が必要）")
    run.add_argument("--compare-with", default="auto", metavar="ID",
                     help="スコアカードの「前回からの変化」で比べるスナップショット"
                          "（既定 auto: 基準日が直前のもの、none: 比べない）")
    run.add_argument("--each", choices=["region", "prefecture", "office"],
                     help="範囲内の地域ごとにレポートを作る（region / prefecture / office）")
    run.add_argument("--jobs", type=int, default=0, help="並列数（既定: CPU のコア数）")
    run.add_argument("--out", default="reports", help="出力先フォルダ（既定: reports）")
    run.add_argument("--plan", help=PLAN_HELP)
    run.add_argument("--engine", choices=["inprocess", "kernel"], default="inprocess",
                     help="実行方式（inprocess: 作業プロセスを使い回す〔既定〕、kernel: ノートブックごとに新しいカーネル）")
    run.add_argument("--keep-notebooks", action="store_true",
                     help="実行済みのノートブック（.ipynb）をすべて残す（既定: 失敗したものだけ）。"
                          "このときは前回の結果を再利用しない")
    run.add_argument("--force", action="store_true",
                     help="入力（スナップショット・計画・パラメータ・コード）が前回と同じページも実行し直す"
                          "（既定: 同じなら前回の結果を再利用する）")
    run.add_argument("--profile", action="store_true",
                     help="各セルの所要時間と最大メモリを run.json（notebooks の cells）に記録し、"
                          "時間のかかったセルを表示する（このときは前回の結果を再利用しない）")
    run.add_argument("--cluster", metavar="ADDRESS",
                     help="ページを Dask のクラスタで実行する（tcp://ホスト:8786 のスケジューラ、または local / local:N で"
                          "この機械に N 個の作業プロセス。既定: 環境変数 WORKBOOK_CLUSTER、なければクラスタを使わない。"
                          "none で使わない）")
    run.set_defaults(func=_cmd_run)

    diff = add("diff", "2つのスナップショットの間の変化（判定の変化、動きの大きい指標、計画事項の状況の変化）を表示する")
    diff.add_argument("before", help="前回のスナップショット（ID またはフォルダ）")
    diff.add_argument("after", help="今回のスナップショット（ID またはフォルダ）")
    diff.add_argument("--area", default=NATIONAL_CODE, help="地域コード（既定: 00 = 全国）")
    diff.add_argument("--plan", help=PLAN_HELP)
    diff.set_defaults(func=_cmd_diff)

    notebooks = add("notebooks", "notebooks/ のノートブックを既定のパラメータで実行し直して保存する")
    notebooks.add_argument("names", nargs="*", help="ノートブック名（例: 01_national_pension。既定: すべて）")
    notebooks.set_defaults(func=_cmd_notebooks)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `workbook` command."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WorkbookError as err:
        print(f"エラー: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("エラー: 中断しました（Ctrl-C）。公開中のレポートはそのままです。", file=sys.stderr)
        return 130


def console_main() -> None:
    """The `workbook` command: `main`, then a quick exit.

    A run leaves the snapshot, the KPI engine's matrices and the libraries in memory;
    tearing the interpreter down frees them one object at a time, 0.35 s of a 10 s
    national run. The exit handlers still run (multiprocessing removes the fork
    server's socket folder), the streams are flushed, and the process then ends
    without the teardown. An unexpected exception takes the normal way out.
    """
    from helpers.core.upstream import run_exit_handlers

    try:
        code = main()
    except BrokenPipeError:  # `workbook kpis | head`: the reader has gone, which is no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    run_exit_handlers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    console_main()
