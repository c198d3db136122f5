"""A run's options, checked once.

The command line answers the quick mistakes (an unknown section, a scope that is not in
the snapshot, `--each` at no level) before the run's libraries load; the full check
(the snapshot against its contract, the plan, the fiscal year, the output folder)
follows before anything is written. Both are here, so that `workbook run`,
`run_reports` and a test ask the same questions in the same words.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.batch.cluster_spec import parse_cluster
from helpers.core import paths
from helpers.core.errors import InvalidInput, WorkbookError
from helpers.data.plan import DEFAULT_PLAN, choose_plan
from helpers.data.quick_checks import check_scope, newest_snapshot, snapshot_fiscal_year
from helpers.outputs.output_guard import check_output_folder, check_publish_target
from helpers.sections import registry

if TYPE_CHECKING:  # the quick checks answer before pandas loads: only the full check reads these
    from helpers.data.plan import Plan
    from helpers.data.snapshot import Snapshot

__all__ = ["RunOptions", "Run", "EACH_LEVELS", "checked_options", "check_run", "report_name", "several_workers"]

EACH_LEVELS = ("region", "prefecture", "office")


@dataclass(frozen=True)
class RunOptions:
    """What the user asked for (the command line's options)."""

    snapshot: str | None = None  # an id under data/snapshots/ or a folder; None: the newest
    sections: list[str] | None = None
    scope: str = "00"
    each: str | None = None
    jobs: int = 0
    out: str = "reports"
    plan_file: str | None = None  # None: the plan of the snapshot's fiscal year
    engine: str = "inprocess"  # or "kernel": a fresh Jupyter kernel per notebook
    keep_notebooks: bool = False  # keep every executed .ipynb, not only failed ones
    fiscal_year: int | None = None  # None: the snapshot's year
    compare_with: str = "auto"  # the scorecard's 前回: auto (latest earlier snapshot), none, or an id
    pdf: bool = False  # also print each page of the scope to an A4 PDF (headless Chromium)
    force: bool = False  # execute every page, even those whose inputs have not changed
    profile: bool = False  # record each cell's seconds and peak memory in run.json
    cluster: str | None = None  # a Dask scheduler's address, "local" or "local:N" (`helpers.batch.cluster`)
    checked: bool = False  # the quick checks have been made (`checked_options`)


@dataclass(frozen=True)
class Run:
    """A run's options after every check: what the later steps read."""

    options: RunOptions
    snapshot: Snapshot
    ref: str  # how notebooks name the snapshot: its id, or its folder when outside data/snapshots
    plan: Plan
    notebooks: list[str]  # the sections' notebook stems, in report order
    fiscal_year: int
    name: str  # the published folder's name under the output folder
    out: Path
    workers: int

    @property
    def workbook_file(self) -> str:
        """The scope's Excel workbook."""
        return f"{self.name}.xlsx"


def several_workers(options: RunOptions) -> bool:
    """Whether the run may use more than one worker: more than one page, and more than
    one job allowed (known from the options alone, before the snapshot is read)."""
    pages = len(registry.select(options.sections)) if not options.each else 2
    return options.jobs != 1 and (os.cpu_count() or 1) > 1 and pages > 1


def report_name(snapshot_id: str, scope: str, each: str | None) -> str:
    """The published folder's name under the output folder: the scope is in it, so
    that a fan-out over 沖縄県's offices never replaces one over 東京都's.

    >>> report_name("s", "00", None), report_name("s", "47", None), report_name("s", "00", "office")
    ('s', 's_47', 's_each-office')
    >>> report_name("s", "47", "office")
    's_47_each-office'
    """
    stem = snapshot_id if scope == "00" else f"{snapshot_id}_{scope}"
    return f"{stem}_each-{each}" if each else stem


def checked_options(options: RunOptions, stream=None) -> RunOptions:
    """The quick checks, answered at once (about 0.2 s, before the libraries of the run
    load): the sections, the default snapshot (named on `stream`), the scope as the
    snapshot's area code, the `--each` level. Made once: checked options pass through."""
    if options.checked:
        return options
    registry.select(options.sections)
    if options.each and options.each not in EACH_LEVELS:
        raise WorkbookError(f"--each には {', '.join(EACH_LEVELS)} のいずれかを指定してください。")
    cluster = parse_cluster(options.cluster)
    if cluster is not None and options.engine == "kernel":
        raise WorkbookError("--cluster は --engine kernel と併用できません（クラスタの作業ノードはノートブックを"
                            "プロセス内で実行します）。")
    snapshot = options.snapshot or newest_snapshot(stream)
    year = snapshot_fiscal_year(snapshot)  # the plan is the snapshot's year's, as `--plan` may override
    plan_file = options.plan_file or (choose_plan(None, year) if year else DEFAULT_PLAN)
    return replace(options, snapshot=snapshot, scope=check_scope(snapshot, options.scope), plan_file=plan_file,
                   cluster=cluster.text if cluster else None, checked=True)


def check_run(options: RunOptions, stream=None) -> Run:
    """Every check before a run writes anything: the quick ones, the snapshot against its
    contract, the plan, the scope and fiscal year in the snapshot, and the output folder
    (never in or over data, the plan, the notebooks or the code; never over a folder the
    workbook did not publish).

    Raises:
        WorkbookError: in words, naming what to change.
    """
    from helpers.data.plan import load_plan
    from helpers.data.snapshot import check_plan_fit, check_snapshot

    options = checked_options(options, stream)
    check = check_snapshot(options.snapshot)
    if not check.ok:
        raise InvalidInput(f"スナップショット {paths.display_path(check.path)} は契約を満たしていないため、"
                           f"実行しません（{len(check.problems)} 件）:", check.problems)
    snapshot = check.snapshot
    plan = load_plan(options.plan_file)
    check_plan_fit(snapshot, plan)
    snapshot.area(options.scope)  # an area the quick check could not read: refused here
    fiscal_year = snapshot.checked_fiscal_year(options.fiscal_year or snapshot.fiscal_year, "--fiscal-year")
    name = report_name(snapshot.id, options.scope, options.each)
    if fiscal_year != snapshot.fiscal_year:  # a report on an earlier year never replaces this year's
        name += f"_fy{fiscal_year}"
    out = paths.resolve(options.out)
    check_output_folder(out, check.path)
    check_publish_target(out / name)
    in_place = (paths.snapshots_dir() / snapshot.id).resolve() == check.path.resolve()
    return Run(options, snapshot, snapshot.id if in_place else str(check.path), plan,
               registry.select(options.sections), fiscal_year, name, out, options.jobs or os.cpu_count() or 1)
