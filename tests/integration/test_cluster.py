"""`workbook run --cluster`: the page jobs on a Dask cluster whose workers do not share
the run's disk (each worker's project folder holds only the code's reference data), with
the local pool's guarantees: a failing page, a worker killed mid-run, a scheduler that
does not answer, SIGTERM, incremental reuse and `--profile`.

The byte-for-byte comparison of `--cluster local:2` with the local pool is in
`test_runner_batch.py`, beside the local pool's run it compares with."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.core.paths import project_root
from run_helpers import SNAPSHOT, descendants, gone, start, workbook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

distributed = pytest.importorskip("distributed")

OKINAWA = ("--snapshot", SNAPSHOT, "--scope", "47", "--each", "office", "--sections", "records")
REPORT = f"{SNAPSHOT}_47_each-office"


def _worker_root(folder: Path) -> Path:
    """A worker machine's project folder: the installed code's reference data, nothing
    of the run's (no snapshots, no plan, no notebooks)."""
    (folder / "data").mkdir(parents=True)
    shutil.copytree(project_root() / "data" / "reference", folder / "data" / "reference")
    shutil.copy(project_root() / "pyproject.toml", folder / "pyproject.toml")
    return folder


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A LocalCluster of two worker processes, one thread each, whose scheduler reports
    a job whose worker died at once (the run submits it once more itself)."""
    import dask

    from helpers.batch.workers import ready_to_spawn

    ready_to_spawn()  # pytest-xdist's workers are embedded interpreters
    root = _worker_root(tmp_path_factory.mktemp("worker-machine"))
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        local = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                         env={"WORKBOOK_ROOT": str(root)}, silence_logs=40)
    client = distributed.Client(local, set_as_default=False)
    yield local, client
    client.close()
    local.close()


def _marked_notebook(project: Path, cell: str) -> None:
    """Put `cell` first among the records notebook's code cells after its parameters."""
    path = project / "notebooks" / "04_records.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    at = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c.get("metadata", {}).get("tags", [])) + 1
    nb["cells"].insert(at, {"cell_type": "code", "execution_count": None, "id": "fault", "metadata": {},
                            "outputs": [], "source": cell})
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


def _pages(record: Path) -> dict[str, dict]:
    return {p["area_code"]: p for p in json.loads(record.read_text(encoding="utf-8"))["notebooks"]}


def test_a_failing_page_and_a_killed_worker_are_that_pages_alone(project, cluster, tmp_path):
    """47001 raises; 47002's worker is killed the first time (the job runs again and
    succeeds); 47003's worker is killed every time (reported after one retry). The
    others are kept in failed/ with the run record naming each page's worker, none of
    them lost with a dying worker."""
    local, client = cluster
    marks = tmp_path / "marks"
    marks.mkdir()
    _marked_notebook(project, (
        "import os, pathlib, signal\n"
        f"_mark = pathlib.Path({str(marks)!r}) / scope\n"
        "if scope == '47001':\n    raise ValueError('この事務所の表が壊れている')\n"
        "if scope == '47003' or (scope == '47002' and not _mark.exists()):\n"
        "    _mark.touch()\n    os.kill(os.getpid(), signal.SIGKILL)\n"))
    done = workbook("run", *OKINAWA, "--cluster", local.scheduler_address, "--profile", root=project)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "沖縄第1事務所 04_records: セル 3 で ValueError: この事務所の表が壊れている" in done.stderr
    assert "沖縄第3事務所 04_records: セル None で WorkerCrashed" in done.stderr
    [failed] = list((project / "reports" / "failed").iterdir())
    record = json.loads((failed / "run.json").read_text(encoding="utf-8"))
    assert record["cluster"]["scheduler"] == local.scheduler_address
    pages = {p["area_code"]: p for p in record["notebooks"]}
    assert pages["47001"]["outcome"] == "failed" and (failed / "47001" / "04_records.ipynb").is_file()
    assert pages["47002"]["outcome"] == "ok" and pages["47002"]["retries"] == 1
    assert pages["47003"]["outcome"] == "failed" and pages["47003"]["retries"] == 1
    assert pages["47003"]["error"]["ename"] == "WorkerCrashed"
    for code in ("47", "47002", "47004", "47005"):
        assert pages[code]["outcome"] == "ok", (code, pages[code]["error"], pages[code].get("retries"))
        assert (failed / (f"{code}/04_records.html" if code != "47" else "04_records.html")).is_file(), sorted(failed.rglob("*"))
        assert pages[code]["worker"].startswith("tcp://127.0.0.1:")
        assert code == "47002" or "retries" not in pages[code]  # a worker's death took only its own job
        assert pages[code]["cells"] and all(c["seconds"] >= 0 for c in pages[code]["cells"])  # --profile
    assert (failed / "04_records.html").is_file()
    client.wait_for_workers(2, timeout=30)  # the killed workers are restarted by their nannies
    assert not (project / "reports" / REPORT).exists()  # nothing published


def test_sigterm_cancels_the_clusters_jobs_and_publishes_nothing(project, cluster):
    local, client = cluster
    _marked_notebook(project, "import time\ntime.sleep(12)\n")  # every page still running when stopped
    proc = start("run", *OKINAWA, "--cluster", local.scheduler_address, root=project)
    deadline = time.monotonic() + 60
    while not _running(client) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _running(client), "no job reached the cluster"
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "実行を中止しました" in err and "Traceback" not in err
    assert not any((project / "reports" / ".runs").glob("*.partial"))
    assert not (project / "reports" / REPORT).exists()
    deadline = time.monotonic() + 30
    while _running(client) and time.monotonic() < deadline:  # the futures were cancelled
        time.sleep(0.2)
    assert not _running(client)


def test_ctrl_c_ends_the_runs_own_cluster_quietly(project, tmp_path):
    """Ctrl-C in the terminal reaches every process of the run: the main process
    cancels the jobs and ends its local cluster (exit 130); the workers print nothing."""
    started = tmp_path / "started"
    _marked_notebook(project, f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(20)\n")
    # as from a terminal: SIGINT not ignored (pytest-xdist's workers ignore it, and their
    # children would inherit that)
    proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", *OKINAWA, "--cluster", "local:1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=dict(os.environ, WORKBOOK_ROOT=str(project)), start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 90
    while not started.exists() and time.monotonic() < deadline:  # a page is running on the worker
        time.sleep(0.2)
    assert started.exists(), "no page started"
    runs = project / "reports" / ".runs"
    workers = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "中断しました（Ctrl-C）" in err and "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not any(runs.glob("*.partial")) and not (project / "reports" / REPORT).exists()
    assert gone(workers), "the cluster's processes outlived the run"


def _running(client) -> bool:
    return any(client.processing().values())


def test_a_scheduler_that_does_not_answer_is_reported_within_ten_seconds(project):
    with socket.socket() as silent:  # takes connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        done = workbook("run", *OKINAWA, "--cluster", f"tcp://127.0.0.1:{port}", root=project)
        assert time.monotonic() - started < 10
    assert done.returncode == 4, done.stderr  # not 1, a page's failure
    assert f"tcp://127.0.0.1:{port} に接続できません（6秒以内に応答がありません）" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "reports").exists()  # nothing written


def tls_settings(folder: Path) -> dict[str, str]:
    """A self-signed certificate (its own CA) for the scheduler, the workers and the run,
    as the README's `openssl req -x509` makes one, and the run's Dask settings for it."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "workbook-dask")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    prefix = "DASK_DISTRIBUTED__COMM__"
    return {f"{prefix}REQUIRE_ENCRYPTION": "True", f"{prefix}TLS__CA_FILE": str(cert_file),
            f"{prefix}TLS__CLIENT__CERT": str(cert_file), f"{prefix}TLS__CLIENT__KEY": str(key_file)}


@pytest.fixture()
def dask_processes(tmp_path):
    """`dask scheduler` and two `dask worker` processes, as an operator starts them on
    two machines (here: two worker project folders, neither the run's), with TLS on:
    yields the scheduler's address and the run's TLS settings."""
    bin_dir = Path(sys.executable).parent
    address_file = tmp_path / "scheduler.json"
    tls = tls_settings(tmp_path)
    cert, key = tls["DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT"], tls["DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY"]
    flags = ["--tls-ca-file", cert, "--tls-cert", cert, "--tls-key", key]
    env = dict(os.environ, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0")
    procs = [subprocess.Popen([bin_dir / "dask", "scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(address_file), *flags], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    for n in (1, 2):
        root = _worker_root(tmp_path / f"machine-{n}")
        procs.append(subprocess.Popen(
            [bin_dir / "dask", "worker", "--scheduler-file", str(address_file), "--nthreads", "1", "--nworkers", "1",
             "--no-dashboard", "--name", f"machine-{n}", "--preload", "helpers.batch.preload", *flags],
            env=dict(env, WORKBOOK_ROOT=str(root)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))
    deadline = time.monotonic() + 30
    while not address_file.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    yield json.loads(address_file.read_text(encoding="utf-8"))["address"], tls, procs[1:]
    for proc in procs:
        with _quiet():
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=30)


class _quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is ProcessLookupError


def test_a_scheduler_and_two_workers_started_by_hand_publish_the_report(project, dask_processes, tmp_path):
    """The operator's setup: WORKBOOK_CLUSTER names the scheduler; the run publishes
    every page, and an unchanged re-run sends nothing. Without the certificate the run
    cannot connect. When both workers stop mid-run, the run ends after
    WORKBOOK_CLUSTER_WAIT seconds without one (exit 4), publishing nothing."""
    address, tls, worker_procs = dask_processes
    assert address.startswith("tls://")
    stranger = workbook("run", *OKINAWA, "--cluster", address, root=project)
    assert stranger.returncode == 4 and "証明書" in stranger.stderr, stranger.stderr
    env = dict(os.environ, WORKBOOK_CLUSTER=address, **tls)
    done = workbook("run", *OKINAWA, root=project, env=env)
    assert done.returncode == 0, done.stderr
    report = project / "reports" / REPORT
    pages = _pages(report / "run.json")
    assert len(pages) == 6 and all(p["outcome"] == "ok" for p in pages.values())
    record = json.loads((report / "run.json").read_text(encoding="utf-8"))
    assert record["cluster"]["scheduler"] == address
    assert {p["worker"] for p in pages.values()} <= set(record["cluster"]["workers"])
    for code, page in pages.items():  # each office's own page (byte for byte: test_runner_batch.py)
        html = (report / (f"{code}/04_records.html" if code != "47" else "04_records.html")).read_text(encoding="utf-8")
        assert page["area_name"] in html and "Traceback" not in html
    again = workbook("run", *OKINAWA, root=project, env=env)
    assert again.returncode == 0, again.stderr
    assert "うち 6 件は入力が前回と同じため再利用" in again.stderr

    started = tmp_path / "started"
    _marked_notebook(project, f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(20)\n")
    proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", *OKINAWA, "--force"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", start_new_session=True,
                            env=dict(env, WORKBOOK_ROOT=str(project), WORKBOOK_CLUSTER_WAIT="2"))
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists(), "no page started"
    for worker in worker_procs:  # both machines stop (their nannies and workers)
        os.killpg(worker.pid, signal.SIGKILL)
    stopped = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 4, err
    assert time.monotonic() - stopped < 15
    assert "作業ノードがすべていなくなり、2秒待っても戻らないため、実行を中止しました" in err
    assert "Traceback" not in err
    assert not any((project / "reports" / ".runs").glob("*.partial"))
    assert (report / "run.json").is_file()  # the report published before stays as it was
