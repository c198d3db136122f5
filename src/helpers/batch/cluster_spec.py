"""`--cluster`, $WORKBOOK_CLUSTER and $WORKBOOK_CLUSTER_WAIT read and checked, before the
run's libraries load (the cluster itself is `helpers.batch.cluster`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from helpers.core.errors import WorkbookError

__all__ = ["ClusterSpec", "parse_cluster", "ENV_VAR", "WAIT_ENV_VAR", "DEFAULT_WAIT_SECONDS"]

ENV_VAR = "WORKBOOK_CLUSTER"
# how long a run waits for a scheduler to have a worker: at the start, and whenever
# every worker is gone mid-run (a worker restarting after a crash comes back within it)
WAIT_ENV_VAR = "WORKBOOK_CLUSTER_WAIT"
DEFAULT_WAIT_SECONDS = 30.0
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|inproc)://[A-Za-z0-9_.\-\[\]:]+$")
_LOCAL = re.compile(r"^local(?::(\d+))?$")


@dataclass(frozen=True)
class ClusterSpec:
    """Where a run's jobs go: a scheduler's address, or a local cluster of `workers` processes."""

    address: str | None = None
    workers: int | None = None  # local only; None: --jobs, or one per core
    wait_seconds: float = DEFAULT_WAIT_SECONDS  # without any worker, then the run gives up

    @property
    def text(self) -> str:
        if self.address:
            return self.address
        return f"local:{self.workers}" if self.workers else "local"


def parse_cluster(text: str | None) -> ClusterSpec | None:
    """`--cluster` (or $WORKBOOK_CLUSTER) read: None for no cluster ("" or "none").

    >>> parse_cluster("local:2").workers, parse_cluster("tcp://10.0.0.5:8786").address, parse_cluster("none")
    (2, 'tcp://10.0.0.5:8786', None)
    """
    text = (text or "").strip()
    if text in ("", "none"):
        return None
    local = _LOCAL.match(text)
    if local:
        workers = int(local.group(1)) if local.group(1) else None
        if workers == 0:
            raise WorkbookError("--cluster local:N の N には 1 以上の作業プロセス数を指定してください。")
        return ClusterSpec(None, workers, _wait_seconds())
    if _ADDRESS.match(text):
        return ClusterSpec(text, None, _wait_seconds())
    raise WorkbookError(f"--cluster には tcp://ホスト:ポート（スケジューラのアドレス）、local または local:N を指定してください"
                        f"（指定: {text!r}）。")


def _wait_seconds() -> float:
    """$WORKBOOK_CLUSTER_WAIT: seconds, a positive number (default 30)."""
    text = os.environ.get(WAIT_ENV_VAR, "").strip()
    if not text:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise WorkbookError(f"環境変数 {WAIT_ENV_VAR} には作業ノードを待つ秒数（正の数）を指定してください"
                            f"（指定: {text!r}）。")
    return seconds
