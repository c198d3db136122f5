"""`--cluster` and $WORKBOOK_CLUSTER read and checked, before the run's libraries load
(the cluster itself is `helpers.batch.cluster`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.core.errors import WorkbookError

__all__ = ["ClusterSpec", "parse_cluster", "ENV_VAR"]

ENV_VAR = "WORKBOOK_CLUSTER"
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|inproc)://[A-Za-z0-9_.\-\[\]:]+$")
_LOCAL = re.compile(r"^local(?::(\d+))?$")


@dataclass(frozen=True)
class ClusterSpec:
    """Where a run's jobs go: a scheduler's address, or a local cluster of `workers` processes."""

    address: str | None = None
    workers: int | None = None  # local only; None: --jobs, or one per core

    @property
    def text(self) -> str:
        if self.address:
            return self.address
        return f"local:{self.workers}" if self.workers else "local"


def parse_cluster(text: str | None) -> ClusterSpec | None:
    """`--cluster` (or $WORKBOOK_CLUSTER) read: None for no cluster ("" or "none").

    >>> parse_cluster("local:2"), parse_cluster("tcp://10.0.0.5:8786").address, parse_cluster("none")
    (ClusterSpec(address=None, workers=2), 'tcp://10.0.0.5:8786', None)
    """
    text = (text or "").strip()
    if text in ("", "none"):
        return None
    local = _LOCAL.match(text)
    if local:
        workers = int(local.group(1)) if local.group(1) else None
        if workers == 0:
            raise WorkbookError("--cluster local:N の N には 1 以上の作業プロセス数を指定してください。")
        return ClusterSpec(None, workers)
    if _ADDRESS.match(text):
        return ClusterSpec(text, None)
    raise WorkbookError(f"--cluster には tcp://ホスト:ポート（スケジューラのアドレス）、local または local:N を指定してください"
                        f"（指定: {text!r}）。")
