"""What a run's workers need from the parent's disk, read once by the parent and sent.

A worker of the local pool and a worker of a cluster alike take the run's inputs from
the parent, never from their own disk (a cluster's worker may be another machine):

- the validated snapshot, the plan and the KPI engine with its matrices built
  (`helpers.engine.loaded`);
- the plan's register of 計画事項, and the earlier year's when a scorecard compares
  across a plan year (`helpers.data.register`);
- what the scorecards compare with: which snapshot is the earlier one, and that
  snapshot with its plan and engine (`helpers.report.compare`).

They travel as one pickle (`pack`), identified by its sha256: a worker checks the
checksum of what it received before it takes it (`unpack`). What a worker must have
installed itself, the code and the reference data, is checked by `environment`: a
worker whose environment differs from the parent's refuses the run's jobs, since its
pages would not be the pages the parent's cache keys describe.

The pickle is made by this run's parent and read only by this run's workers; it is
never written where anyone else could place one.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass

__all__ = ["Shipment", "pack", "unpack", "work_on", "checksum_problem", "environment", "environment_difference"]


@dataclass(frozen=True)
class Shipment:
    """The run's inputs for its workers, and their checksum."""

    data: bytes
    sha256: str


def pack(snapshot_ref: str, plan_file: str, snapshot, plan, compare_with: str | None) -> Shipment:
    """Read and compute, in the parent, everything a page needs from the parent's disk."""
    from helpers.data import register
    from helpers.engine import loaded
    from helpers.report import compare

    loaded.prime(snapshot_ref, plan_file, snapshot, plan).scorecard()  # builds the engine's matrices
    found = compare.shipment(snapshot, plan, compare_with) if compare_with else {"earlier": {}, "before": {}}
    plans = [plan, *(before_plan for before_plan, _ in found["before"].values())]
    registers = {}
    for each in plans:
        if each.register_file is not None:
            registers.update(register.shipment(each.register_file, frozenset(k.id for k in each.kpis)))
    # one pickle for all: a plan that is the same object in two places stays one object
    data = pickle.dumps({"loaded": loaded.shipment(), "registers": registers, "compare": found},
                        protocol=pickle.HIGHEST_PROTOCOL)
    return Shipment(data, hashlib.sha256(data).hexdigest())


def unpack(data: bytes, sha256: str) -> None:
    """Take the parent's inputs (`pack`) into this process, after checking that they are
    the bytes the parent sent.

    Raises:
        ValueError: the checksum differs (the job is then refused).
    """
    from helpers.data import register
    from helpers.engine import loaded
    from helpers.report import compare

    problem = checksum_problem(data, sha256)
    if problem:
        raise ValueError(problem)
    state = pickle.loads(data)
    loaded.receive(state["loaded"])
    register.receive(state["registers"])
    compare.receive(state["compare"])


def work_on(data: bytes, sha256: str) -> None:
    """Make this process a page worker on a run's inputs: take them (`unpack`), draw
    the charts that are the same for every area once (`helpers.report.shared_figures`),
    and freeze the inputs, read-only for the run, out of the garbage collector's scans.

    The collector's thresholds stay Python's: collecting the youngest objects every
    10,000 allocations instead of 700 took 0.2 s of collection off the 7 national
    pages, but not off the offices' pages of 04_records (1.1-1.4 s per 100 pages
    either way), whose fan-out then peaked 77 MiB higher (1,032 MiB against 955).

    Raises:
        ValueError: the checksum differs (the job is then refused).
    """
    import gc

    from helpers.report import shared_figures

    unpack(data, sha256)
    shared_figures.enable()
    gc.freeze()


def checksum_problem(data: bytes, sha256: str) -> str | None:
    """Why `data` are not the inputs the parent sent (None: they are)."""
    got = hashlib.sha256(data).hexdigest()
    if got == sha256:
        return None
    return f"受け取った入力のチェックサム（{got[:12]}…）が実行元の送ったもの（{sha256[:12]}…）と異なります"


def environment() -> dict:
    """What a worker must have installed as the parent has: the code of `helpers`, the
    reference data and the versions of the packages that shape the pages."""
    from helpers.batch.cache import code_fingerprint, files_fingerprint
    from helpers.batch.run_record import package_versions
    from helpers.core import paths

    return {"code": code_fingerprint(), "reference": files_fingerprint(paths.reference_dir()),
            "packages": package_versions()}


_NAMES = {"code": "コード（helpers）", "reference": "参照データ（data/reference）", "packages": "パッケージの版"}


def environment_difference(mine: dict, parents: dict) -> str | None:
    """What differs between a worker's environment and the parent's, in words (None: nothing).

    >>> environment_difference({"code": "a", "reference": "r", "packages": {}}, {"code": "b", "reference": "r", "packages": {}})
    'コード（helpers）'
    """
    differ = [_NAMES[name] for name in _NAMES if mine.get(name) != parents.get(name)]
    return "、".join(differ) or None
