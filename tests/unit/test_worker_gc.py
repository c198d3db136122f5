"""The garbage collector in a run's processes: no collection while the long-lived
objects are made, those objects frozen out of later scans, and a page worker that
collects its own garbage as Python does (`helpers.batch.workers.long_lived`,
`helpers.batch.shipped.work_on`)."""

from __future__ import annotations

import gc

import pytest

from helpers.batch import shipped
from helpers.batch.workers import long_lived


class _Node:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture()
def collections():
    """The collections made while the test runs, by generation; the collector's state
    (enabled, thresholds, frozen objects) as it was after the test."""
    seen: list[int] = []

    def count(phase, info):
        if phase == "start":
            seen.append(info["generation"])

    enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.callbacks.append(count)
    try:
        yield seen
    finally:
        gc.callbacks.remove(count)
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        (gc.enable if enabled else gc.disable)()


def test_objects_made_to_last_are_made_without_collections_and_then_frozen(collections):
    gc.enable()
    frozen = gc.get_freeze_count()
    with long_lived():
        kept = [_Node() for _ in range(50_000)]  # at the default threshold: some 70 collections
        assert not gc.isenabled()
    assert collections == []
    assert gc.isenabled()
    assert gc.get_freeze_count() - frozen >= len(kept)
    garbage = [_Node() for _ in range(5_000)]
    del garbage
    gc.collect()
    assert gc.get_freeze_count() - frozen >= len(kept)  # a collection leaves the frozen objects frozen


def test_the_collector_is_left_as_it_was_found(collections):
    gc.disable()
    with long_lived():
        pass
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(RuntimeError):
        with long_lived():
            raise RuntimeError("an import failed")
    assert gc.isenabled()


def test_a_page_worker_freezes_the_inputs_and_collects_as_python_does(collections, monkeypatch):
    taken = []
    monkeypatch.setattr(shipped, "unpack", lambda data, sha256: taken.append((data, sha256)))
    from helpers.report import shared_figures

    monkeypatch.setattr(shared_figures, "_CACHE", None)
    gc.enable()
    thresholds = gc.get_threshold()
    frozen = gc.get_freeze_count()
    inputs = [_Node() for _ in range(1_000)]  # what unpack would have made
    shipped.work_on(b"inputs", "sum")
    assert taken == [(b"inputs", "sum")]
    assert shared_figures._CACHE == {}  # area-independent charts are shared from now on
    assert gc.get_freeze_count() - frozen >= len(inputs)
    # a higher threshold took 0.2 s off the national pages but kept 77 MiB more in a fan-out
    assert gc.get_threshold() == thresholds and gc.isenabled()
