"""The snapshot, plan and KPI engine a process works on, loaded once and kept.

A notebook's kernel keeps them so that re-running cells is quick, and checks before
each reuse that the snapshot's files and the plan file still have the bytes they were
loaded from (hashing them takes about a millisecond); if not, it loads them again. In
a batch the run's parent validates the snapshot and builds the engine's matrices once
and sends them to its workers (`shipment`); every worker takes them (`receive`)
instead of validating and computing again. This module imports no plotting or
notebook library, so the parent of a run never loads them.
"""

from __future__ import annotations

from helpers.core.paths import resolve
from helpers.data.kept import fingerprint
from helpers.data.plan import Plan, load_plan
from helpers.data.snapshot import Snapshot, check_plan_fit, load_snapshot, snapshot_fingerprint
from helpers.engine.kpi import KpiEngine

__all__ = ["load", "prime", "shipment", "receive"]

_CACHE: dict[tuple, tuple[Snapshot, Plan, KpiEngine]] = {}
_NAMED: dict[tuple, str] = {}  # each entry's plan file as the caller named it
# each entry's inputs as loaded from this process's disk (`_inputs`); an entry handed
# over by a run's parent (`prime`, `receive`) has none: it is the run's, checked there
_LOADED_FROM: dict[tuple, tuple] = {}


def load(snapshot: str, plan_file: str) -> tuple[Snapshot, Plan, KpiEngine]:
    """Snapshot, plan and engine, loaded (and validated) on first use and then kept
    while their files keep their bytes; loading another snapshot or plan replaces them."""
    key = (str(resolve(plan_file)), snapshot)
    if key in _CACHE and key not in _LOADED_FROM:
        return _CACHE[key]
    current = _inputs(snapshot, plan_file)
    if key in _CACHE and current is not None and _LOADED_FROM[key] == current:
        return _CACHE[key]
    plan = load_plan(plan_file)
    snap = load_snapshot(snapshot)
    check_plan_fit(snap, plan)
    _forget()
    _CACHE[key] = (snap, plan, KpiEngine(snap, plan))
    _NAMED[key] = plan_file
    if current is not None:
        _LOADED_FROM[key] = current
    return _CACHE[key]


def _inputs(snapshot: str, plan_file: str) -> tuple | None:
    """The bytes an entry is loaded from: the snapshot's files and the plan file (None
    when one cannot be read: loading then says why)."""
    files = snapshot_fingerprint(snapshot)
    plan = fingerprint([resolve(plan_file)])
    return None if files is None or plan is None else (files, plan)


def _forget() -> None:
    """Drop the kept entry (one at a time: a process works on one snapshot and plan)."""
    _CACHE.clear()
    _NAMED.clear()
    _LOADED_FROM.clear()


def prime(snapshot: str, plan_file: str, snap: Snapshot, plan: Plan) -> KpiEngine:
    """Hand an already validated snapshot and plan to the cache (the batch runner has
    just checked them; validating again in every worker would only cost time), and
    return their engine."""
    _forget()
    engine = KpiEngine(snap, plan)
    key = (str(resolve(plan_file)), snapshot)
    _CACHE[key] = (snap, plan, engine)
    _NAMED[key] = plan_file
    return engine


def shipment() -> list[tuple[str, str, tuple[Snapshot, Plan, KpiEngine]]]:
    """The cached snapshot, plan and KPI engine (its matrices built), for a run's workers
    to `receive`: the parent computes them once, each worker takes them instead of
    validating and computing again. Each entry is named by the plan file as the jobs
    name it, since a worker's project folder may be elsewhere."""
    return [(_NAMED[key], key[1], value) for key, value in _CACHE.items()]


def receive(entries: list[tuple[str, str, tuple[Snapshot, Plan, KpiEngine]]]) -> None:
    """Take the parent's snapshot, plan and engine (`shipment`), keyed as this process
    resolves the plan file's name."""
    _forget()
    for plan_file, snapshot, value in entries:
        key = (str(resolve(plan_file)), snapshot)
        _CACHE[key] = value
        _NAMED[key] = plan_file
