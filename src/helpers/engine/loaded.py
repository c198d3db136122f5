"""The snapshot, plan and KPI engine a process works on, loaded once and kept.

A notebook's kernel keeps them so that re-running cells is quick. In a batch the run's
parent validates the snapshot and builds the engine's matrices once and sends them to
its workers (`shipment`); every worker takes them (`receive`) instead of validating
and computing again. This module imports no plotting or notebook library, so the
parent of a run never loads them.
"""

from __future__ import annotations

from helpers.core.paths import resolve
from helpers.data.plan import Plan, load_plan
from helpers.data.snapshot import Snapshot, check_plan_fit, load_snapshot
from helpers.engine.kpi import KpiEngine

__all__ = ["load", "prime", "shipment", "receive"]

_CACHE: dict[tuple, tuple[Snapshot, Plan, KpiEngine]] = {}
_NAMED: dict[tuple, str] = {}  # each entry's plan file as the caller named it


def load(snapshot: str, plan_file: str) -> tuple[Snapshot, Plan, KpiEngine]:
    """Snapshot, plan and engine, loaded (and validated) on first use and then kept;
    loading another snapshot or plan replaces them."""
    key = (str(resolve(plan_file)), snapshot)
    if key not in _CACHE:
        plan = load_plan(plan_file)
        snap = load_snapshot(snapshot)
        check_plan_fit(snap, plan)
        _CACHE.clear()
        _CACHE[key] = (snap, plan, KpiEngine(snap, plan))
        _NAMED.clear()
        _NAMED[key] = plan_file
    return _CACHE[key]


def prime(snapshot: str, plan_file: str, snap: Snapshot, plan: Plan) -> KpiEngine:
    """Hand an already validated snapshot and plan to the cache (the batch runner has
    just checked them; validating again in every worker would only cost time), and
    return their engine."""
    _CACHE.clear()
    _NAMED.clear()
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
    _CACHE.clear()
    _NAMED.clear()
    for plan_file, snapshot, value in entries:
        key = (str(resolve(plan_file)), snapshot)
        _CACHE[key] = value
        _NAMED[key] = plan_file
