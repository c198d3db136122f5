"""The run's inputs as a Dask worker plugin: given to every worker of the cluster once,
and by the scheduler to any worker that joins or is restarted during the run.

Scattered data would be lost with the workers that held it (two workers killed at
once lose every copy); a plugin is kept by the scheduler until the run unregisters it.
"""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

__all__ = ["RunInputs"]


class RunInputs(WorkerPlugin):
    """One run's inputs, notebooks and the parent's environment, held on each worker."""

    idempotent = False

    def __init__(self, sha256: str, data: bytes, notebooks: dict[str, bytes], environment: dict):
        self.sha256 = sha256
        self.data = data
        self.notebooks = notebooks
        self.environment = environment

    def setup(self, worker) -> None:
        from helpers.batch import cluster_worker

        cluster_worker.hold(self.sha256, self.data, self.notebooks, self.environment, worker.address)

    def teardown(self, worker) -> None:
        from helpers.batch import cluster_worker

        cluster_worker.release(self.sha256)
