"""A run's page jobs on a Dask cluster: `workbook run --cluster ADDRESS|local[:N]`.

The jobs of a run are independent, so a run can hand them to Dask's `distributed`
scheduler instead of the local pool: a scheduler at `tcp://host:8786` (started with
`dask scheduler`, with `dask worker` processes on any number of machines), or `local`
/ `local:N`, a `LocalCluster` of N worker processes started for the run.

Workers need not share the parent's disk. The run's inputs and notebooks go to every
worker once (`helpers.batch.shipped`, in the run's worker plugin
`helpers.batch.cluster_plugin`, which the scheduler also gives to a worker restarted
mid-run), and each page comes back as bytes (`helpers.batch.cluster_worker`): the parent alone writes them into the run's
unfinished folder, caches and publishes, as with the local pool. The guarantees are the
local pool's: a page that fails is that page's failure; a job whose worker died is
submitted once more and then reported; a signal cancels every future and leaves
nothing half-published; `run.json` names the cluster and each page's worker. A cluster
left without any worker for $WORKBOOK_CLUSTER_WAIT seconds (30 by default), at the start
or mid-run, ends the run with `ClusterError` (exit code 4) instead of a wait for ever.

`distributed` is an optional extra (`pip install '.[cluster]'`): without it `--cluster`
is refused in one line.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from helpers.batch.cluster_spec import ClusterSpec
from helpers.batch.jobs import Job, JobResult
from helpers.core.errors import ClusterError

__all__ = ["Session", "connected", "run_on_cluster", "CONNECT_SECONDS"]

# The local cluster's settings (the workers get them from their nannies):
LOCAL_SETTINGS = {
    # the scheduler does not retry a job whose worker died: the run submits it once
    # more itself, then reports it (the same rule for any scheduler, README)
    "distributed.scheduler.allowed-failures": 0,
    # the workers' statistical profiler samples the running page's stack every 10 ms:
    # CPU spent on a profile nobody reads (`--profile` measures the cells itself)
    "distributed.worker.profile.enabled": False,
    # the workers' memory and system samples, ten and two times a second by default
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    # no HTTP routes on the scheduler (health, metrics, its JSON API): the local cluster
    # answers this run's client only, over TLS
    "distributed.scheduler.http.routes": [],
}
CONNECT_SECONDS = 6  # a scheduler that does not answer by then is reported (the message comes within 10 s)
POLL_SECONDS = 2.0  # while no page comes back, how often the run checks that the cluster still has workers


@dataclass
class Session:
    """A connected client, and what the run record says of the cluster."""

    client: object
    spec: ClusterSpec
    workers: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        return {"scheduler": self.spec.text, "address": self.client.scheduler.address, "workers": self.workers}


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster には追加の部品 distributed が要ります（pip install -c constraints.txt "
                           "'.[cluster]'。make install で入ります）。") from None
    return distributed


@contextlib.contextmanager
def connected(spec: ClusterSpec, default_workers: int) -> Iterator[Session]:
    """A client of the cluster for the run's life (a local cluster is started and ended
    with it). An address that does not answer within `CONNECT_SECONDS`, or a scheduler
    without workers, is a `ClusterError` (exit code 4), before anything is written."""
    distributed = _distributed()
    import dask

    cluster = client = None
    try:
        if spec.address is None:
            from helpers.batch.workers import ready_to_spawn

            ready_to_spawn()  # the local cluster's workers are new processes (multiprocessing's spawn)
            with dask.config.set(LOCAL_SETTINGS):
                cluster = distributed.LocalCluster(
                    n_workers=spec.workers or default_workers, processes=True, threads_per_worker=1,
                    dashboard_address=None, silence_logs=logging.ERROR,
                    # TLS with certificates made for this run: only this run's client may
                    # connect to the scheduler and workers it starts
                    security=True,
                    # libraries imported while the parent validates; Ctrl-C left to the parent
                    preload=["helpers.batch.preload", "helpers.batch.local_worker"])
            client = distributed.Client(cluster, set_as_default=False)
        else:
            _refused_at_once(spec.address)
            _answers_as_a_scheduler(distributed, spec.address)
            client = distributed.Client(spec.address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
            try:
                client.wait_for_workers(1, timeout=spec.wait_seconds)
            except (OSError, TimeoutError):
                raise ClusterError(f"Dask のスケジューラ {spec.address} に作業ノードがありません"
                                   f"（{spec.wait_seconds:g}秒待ちました）。dask worker を起動してください。"
                                   "何も書き出していません。") from None
        yield Session(client, spec)
    except BaseException:
        if cluster is not None:
            # a signal or an error: the run's own workers are stopped now, not after the
            # pages they are running (the external cluster's are left to their scheduler)
            import multiprocessing

            for process in multiprocessing.active_children():
                with contextlib.suppress(Exception):
                    process.kill()
        raise
    finally:
        for closing in (client, cluster):
            if closing is not None:
                with contextlib.suppress(Exception):
                    closing.close()


def _refused_at_once(address: str) -> None:
    """A tcp:// address whose host refuses the connection is reported at once (Dask's
    client would retry until its timeout)."""
    import socket
    from urllib.parse import urlsplit

    if not address.startswith("tcp://"):
        return
    where = urlsplit(address)
    try:
        host, port = where.hostname, where.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise ClusterError(f"スケジューラのアドレス {address} にポート番号がありません（例: tcp://ホスト:8786）。")
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            pass
    except ConnectionRefusedError:
        raise ClusterError(f"Dask のスケジューラ {address} に接続できません（接続を拒否されました）。"
                           "アドレスと、スケジューラが起動しているかを確かめてください。何も書き出していません。") from None
    except OSError:
        return  # no answer or no such host: the client's own attempt says so within its timeout


def _answers_as_a_scheduler(distributed, address: str) -> None:
    """Connect once, within `CONNECT_SECONDS` whatever answers: a host that never answers
    or a service that is not a Dask scheduler (the dashboard's port, say) would leave
    the client waiting, or failing on bytes it cannot read."""
    import asyncio

    async def probe() -> None:
        client = distributed.Client(address, asynchronous=True, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)

        async def start() -> None:
            await client

        try:
            await asyncio.wait_for(start(), CONNECT_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await client.close(timeout=1)

    try:
        asyncio.run(probe())
    except Exception as err:  # whatever the other end did: the run cannot use it
        reason = (f"{CONNECT_SECONDS}秒以内に応答がありません" if isinstance(err, (TimeoutError, OSError))
                  else "応答が Dask のスケジューラのものではありません")
        tls = ("tls:// のスケジューラには、環境変数 DASK_DISTRIBUTED__COMM__TLS__CA_FILE・…__CLIENT__CERT・"
               "…__CLIENT__KEY で証明書を指定してください。" if address.startswith("tls://") else "")
        raise ClusterError(f"Dask のスケジューラ {address} に接続できません（{reason}）。{tls}"
                           "アドレス（ダッシュボードのポートではなくスケジューラのポート、既定 8786）と、"
                           "スケジューラが起動しているかを確かめてください。何も書き出していません。") from None


def run_on_cluster(session: Session, jobs: list[Job], staging: Path, sources: dict[str, Path], shipment,
                   keep: bool, profile: bool, finished: Callable[[JobResult], None]) -> None:
    """Submit the jobs to the cluster (heaviest first, two per worker thread), write
    each page's files into `staging` as it comes back, and hand its result to
    `finished`. A job whose worker died is submitted once more; on any exception (a
    signal, Ctrl-C) every future is cancelled before it propagates."""
    distributed = _distributed()
    from helpers.batch import cluster_worker, shipped
    from helpers.batch.cluster_plugin import RunInputs

    client = session.client
    run_id = uuid.uuid4().hex[:12]
    plugin = f"workbook-inputs-{run_id}"
    notebooks = {name: sources[name].read_bytes() for name in sorted({job.notebook for job in jobs})}
    client.register_plugin(RunInputs(shipment.sha256, shipment.data, notebooks, shipped.environment()), name=plugin)
    pending: dict = {}
    came_back: queue.SimpleQueue = queue.SimpleQueue()  # futures as they finish, failed or cancelled

    def submit(index: int, job: Job, attempt: int, requeued: int = 0):
        future = client.submit(cluster_worker.run_page, shipment.sha256, job, keep, profile,
                               key=f"workbook-page-{run_id}-{index}-{attempt}-{requeued}", pure=False,
                               priority=len(jobs) - index)  # heaviest first, as they were planned
        pending[future] = (index, job, attempt, requeued)
        future.add_done_callback(came_back.put)  # called in the client's thread

    waiting = list(reversed(list(enumerate(jobs))))  # popped from the end: heaviest first

    def fill() -> None:
        """Keep `_AHEAD` jobs per worker thread submitted: the one running and the next,
        which the scheduler hands to the thread as soon as it is free, without a round
        trip through this process between two pages. A job that only waited on a
        worker that died is submitted again without using up its retry (below)."""
        room = _AHEAD * max(1, sum(client.nthreads().values())) - len(pending)
        while room > 0 and waiting:
            submit(*waiting.pop(), 0)
            room -= 1

    watch = _WorkerWatch(session)
    try:
        fill()
        while pending:
            future = watch.next_done(came_back)
            index, job, attempt, requeued = pending.pop(future)
            try:
                result = _result(future, job, attempt, staging, distributed)
            except _WorkerDied:
                started = {str(event["key"]) for _, event in client.get_events(cluster_worker.STARTED_TOPIC)}
                if future.key not in started and requeued < _REQUEUES:
                    submit(index, job, attempt, requeued + 1)  # it was only waiting on that worker
                elif attempt == 0:
                    submit(index, job, 1, requeued)  # its worker died running it: once more
                else:
                    finished(JobResult(job, False, 0.0, dict(_CRASHED), retries=attempt))
                fill()
                continue
            session.workers = sorted({*session.workers, result.worker} - {""})
            finished(result)
            fill()
    except BaseException:
        client.cancel(list(pending), force=True)
        raise
    finally:
        with contextlib.suppress(Exception):  # a long-lived cluster keeps no run's inputs
            client.unregister_worker_plugin(plugin)


class _WorkerWatch:
    """Waits for the next page to come back, and gives up when the cluster has had no
    worker for the spec's `wait_seconds` (every worker stopped or lost mid-run): the
    run would otherwise wait for ever."""

    def __init__(self, session: Session):
        self.session = session
        self.alone_since: float | None = None

    def next_done(self, came_back: queue.SimpleQueue):
        """The next future to finish, as it arrives on `came_back`."""
        while True:
            try:
                return came_back.get(timeout=POLL_SECONDS)
            except queue.Empty:
                pass
            if self.session.client.nthreads():
                self.alone_since = None
            elif self.alone_since is None:
                self.alone_since = time.monotonic()
            elif time.monotonic() - self.alone_since >= self.session.spec.wait_seconds:
                raise ClusterError(
                    f"Dask のスケジューラ {self.session.spec.text} の作業ノードがすべていなくなり、"
                    f"{self.session.spec.wait_seconds:g}秒待っても戻らないため、実行を中止しました。"
                    "dask worker を起動し直してから、もう一度実行してください。"
                    "公開中のレポートはそのままです。")


class _WorkerDied(Exception):
    """The worker that held a job died (Dask's KilledWorker)."""


_CRASHED = {"cell": None, "ename": "WorkerCrashed", "evalue": "作業ノードが2回とも異常終了しました（メモリ不足などの可能性）"}
_REQUEUES = 5  # a job lost while it only waited on dying workers is submitted again this often (each
# death takes down at most one such job per worker thread, with `_AHEAD` jobs submitted per thread)
_AHEAD = 2  # jobs submitted per worker thread: Dask's default worker-saturation (1.1) sends a 1-thread worker 2


def _result(future, job: Job, attempt: int, staging: Path, distributed) -> JobResult:
    """A job's result with its files written into `staging`; `_WorkerDied` when the
    worker that held it died."""
    from helpers.batch.cluster_worker import RefusedJob
    from helpers.batch.page_job import failure

    try:
        output = future.result()
    except distributed.KilledWorker:
        raise _WorkerDied from None
    except distributed.CancelledError:
        return JobResult(job, False, 0.0, {"cell": None, "ename": "Cancelled",
                                           "evalue": "スケジューラがこのページの処理を取り消しました（接続が切れた可能性）"},
                         retries=attempt)
    except RefusedJob as err:
        return JobResult(job, False, 0.0, {"cell": None, "ename": "RefusedJob", "evalue": str(err)}, retries=attempt)
    except Exception as exc:  # anything else that escaped the job is that job's failure
        return JobResult(job, False, 0.0, failure(exc, "ページの実行中に想定外の誤りが起きました"), retries=attempt)
    allowed = {f"{job.notebook}.html", f"{job.notebook}.ipynb", *([job.excel] if job.excel else [])}
    unexpected = sorted(set(output.files) - allowed)
    if unexpected:  # a page leaves only these: nothing else is written into the report
        where = f"作業ノード {output.worker} から想定外のファイルが返りました: {unexpected[:3]}"
        return JobResult(job, False, 0.0, {"cell": None, "ename": "UnexpectedFile", "evalue": where}, retries=attempt)
    folder = staging / job.folder if job.folder else staging
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in output.files.items():
        (folder / name).write_bytes(content)
    result = output.result
    result.job = job  # the result crossed the network: key it by the original job
    result.worker = output.worker
    result.retries = attempt
    return result
