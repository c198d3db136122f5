"""`--cluster` as an analyst types it, and what a worker takes from the run's parent:
the run's inputs arrive whole, checked by their checksum, and a worker that reads them
needs nothing of the parent's disk; a worker whose code differs refuses the job."""

from __future__ import annotations

import hashlib
import sys

import pytest

from helpers.batch import cluster_worker, shipped
from helpers.batch.cluster_spec import ClusterSpec, parse_cluster
from helpers.batch.jobs import Job
from helpers.cli import main
from helpers.core.errors import ClusterError, WorkbookError
from helpers.data import register
from helpers.data.plan import load_plan
from helpers.data.snapshot import load_snapshot
from helpers.engine import loaded
from helpers.report import compare

LATER = "sample-2024-03-31"
PLAN = "params/plan_fy2023.yaml"


@pytest.mark.parametrize("typed, spec", [
    ("local", ClusterSpec(None, None)), ("local:3", ClusterSpec(None, 3)),
    ("tcp://10.0.0.5:8786", ClusterSpec("tcp://10.0.0.5:8786", None)), ("tls://sched.example:8786",
                                                                        ClusterSpec("tls://sched.example:8786", None)),
    ("none", None), ("", None), (None, None)])
def test_cluster_addresses_as_typed(typed, spec):
    assert parse_cluster(typed) == spec


@pytest.mark.parametrize("typed", ["local:0", "localhost:8786", "tcp://host name:1", "local:x", "http://a:1"])
def test_a_malformed_cluster_is_refused_in_words(typed):
    with pytest.raises(WorkbookError, match="--cluster"):
        parse_cluster(typed)


@pytest.mark.parametrize("typed, seconds", [("", 30.0), ("2", 2.0), (" 0.5 ", 0.5)])
def test_the_wait_for_workers_is_read_from_the_environment(monkeypatch, typed, seconds):
    monkeypatch.setenv("WORKBOOK_CLUSTER_WAIT", typed)
    assert parse_cluster("local").wait_seconds == seconds
    assert parse_cluster("tls://sched.example:8786").wait_seconds == seconds


@pytest.mark.parametrize("typed", ["0", "-3", "inf", "nan", "30s"])
def test_a_wait_that_is_not_a_positive_number_is_refused_in_words(monkeypatch, typed):
    monkeypatch.setenv("WORKBOOK_CLUSTER_WAIT", typed)
    with pytest.raises(WorkbookError, match="WORKBOOK_CLUSTER_WAIT には作業ノードを待つ秒数"):
        parse_cluster("local:2")
    assert parse_cluster("none") is None  # no cluster: the variable is not read


def test_the_command_line_refuses_a_bad_cluster_before_anything_loads(capsys, monkeypatch):
    assert main(["run", "--cluster", "localhost:8786", "--sections", "records"]) == 2
    assert "tcp://ホスト:ポート" in capsys.readouterr().err
    monkeypatch.setenv("WORKBOOK_CLUSTER", "nonsense")  # the variable is read as the option is
    assert main(["run", "--sections", "records"]) == 2
    assert "'nonsense'" in capsys.readouterr().err
    monkeypatch.setenv("WORKBOOK_CLUSTER", "local")
    assert main(["run", "--sections", "records", "--engine", "kernel"]) == 2
    assert "--engine kernel と併用できません" in capsys.readouterr().err


def test_without_the_extra_the_cluster_is_refused_in_one_line(monkeypatch):
    from helpers.batch.cluster import connected

    monkeypatch.setitem(sys.modules, "distributed", None)  # as if `.[cluster]` were not installed
    with pytest.raises(ClusterError) as info, connected(ClusterSpec(None, 2), 2):
        pass
    assert info.value.exit_code == 4
    assert "pip install" in str(info.value) and "\n" not in str(info.value)


def test_a_closed_port_is_refused_at_once():
    import socket
    import time

    from helpers.batch.cluster import connected

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends
    started = time.monotonic()
    with pytest.raises(ClusterError, match="接続を拒否されました") as info, connected(ClusterSpec(f"tcp://127.0.0.1:{port}"), 1):
        pass
    assert info.value.exit_code == 4 and time.monotonic() - started < 1


@pytest.fixture()
def clean_receipts():
    """Leave this test process as it was: nothing received from a parent."""
    yield
    loaded.receive([])
    register.receive({})
    compare.receive({"earlier": {}, "before": {}})
    cluster_worker._ACTIVE.clear()


def test_a_worker_takes_the_inputs_and_reads_nothing_of_the_parents_disk(clean_receipts, monkeypatch, tmp_path):
    snapshot, plan = load_snapshot(LATER), load_plan(PLAN)
    parents_earlier = compare.earlier_snapshot(snapshot)
    assert parents_earlier == "sample-2023-09-30"
    sent = shipped.pack(LATER, PLAN, snapshot, plan, "auto")
    assert sent.sha256 == hashlib.sha256(sent.data).hexdigest()
    loaded.receive([])  # the parent's own state gone: what follows comes from the bytes only
    register.receive({})

    # another machine: a project folder with no snapshots, no plan and no register
    (tmp_path / "params").mkdir()
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("WORKBOOK_ROOT", str(tmp_path))

    def no_disk(*args, **kwargs):
        raise AssertionError("read from the worker's disk")

    monkeypatch.setattr(register, "_load", no_disk)
    monkeypatch.setattr(compare, "load_snapshot", no_disk)
    shipped.unpack(sent.data, sent.sha256)
    got_snapshot, got_plan, engine = loaded.load(LATER, PLAN)
    assert got_snapshot.as_of == snapshot.as_of and len(got_snapshot.measures) == len(snapshot.measures)
    assert len(got_plan.register().items) == 42
    assert compare.earlier_snapshot(got_snapshot) == parents_earlier
    changes = compare.compare(parents_earlier, got_snapshot, got_plan, "47", after_engine=engine)
    assert changes.before.id == "sample-2023-09-30" and changes.plan_change is None


def test_a_corrupted_shipment_is_refused(clean_receipts):
    snapshot, plan = load_snapshot(LATER), load_plan(PLAN)
    sent = shipped.pack(LATER, PLAN, snapshot, plan, None)
    with pytest.raises(ValueError, match="チェックサム"):
        shipped.unpack(sent.data[:-1] + b"!", sent.sha256)


def test_a_worker_with_other_code_or_inputs_refuses_the_jobs(clean_receipts):
    job = Job("04_records", "47", "沖縄県", "", {})
    mine = shipped.environment()
    cluster_worker.hold("a" * 64, b"x", {}, {**mine, "code": "f" * 64}, "tcp://w1")
    with pytest.raises(cluster_worker.RefusedJob, match="作業ノード tcp://w1 のコード（helpers）が実行元と異なる"):
        cluster_worker.run_page("a" * 64, job)
    cluster_worker.hold("b" * 64, b"x", {}, mine, "tcp://w1")
    with pytest.raises(cluster_worker.RefusedJob, match="チェックサム"):
        cluster_worker.run_page("b" * 64, job)
    with pytest.raises(cluster_worker.RefusedJob, match="この実行の入力を受け取っていません"):
        cluster_worker.run_page("c" * 64, job)
    for sha in ("a", "b"):
        cluster_worker.release(sha * 64)
    assert not cluster_worker._HELD
