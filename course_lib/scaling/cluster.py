"""A dask.distributed cluster sized for the machine: one worker on Binder's CPU, more where there are cores."""

from __future__ import annotations

import os
import time
from typing import Sequence

import numpy as np

from course_lib import validation
from course_lib.config import available_cpus  # noqa: F401 (part of this module's API)
from course_lib.scaling import checks


def on_binder() -> bool:
    """True on mybinder.org (it sets ``BINDER_LAUNCH_HOST`` / ``BINDER_SERVICE_HOST``)."""
    return bool(os.environ.get("BINDER_LAUNCH_HOST") or os.environ.get("BINDER_SERVICE_HOST"))


def suggested_workers(wanted: int = 2) -> tuple[int, str]:
    """How many worker processes to start here, and why."""
    validation.check_integer(wanted, "wanted", minimum=1, fix="A number of worker processes.")
    cpus = available_cpus()
    if on_binder() or cpus < 2:
        return 1, (f"{'Binder, ' if on_binder() else ''}{cpus} CPU available: one worker (a "
                   "second would only compete for the same core and memory)")
    n = max(1, min(wanted, cpus))
    return n, f"{cpus} CPUs available: {n} workers"


def start_cluster(n_workers: int | None = None, memory_limit: str = "1GB",
                  threads_per_worker: int = 1):
    """Start a ``LocalCluster`` and a ``Client`` with a memory limit per worker.

    Args:
        n_workers: worker processes (default :func:`suggested_workers`).
        memory_limit: per worker; above 60 % of it workers spill to disk, at 95 % a worker
            is restarted (dask.distributed defaults).
        threads_per_worker: 1 keeps NumPy's and Dask's parallelism from competing.

    Returns:
        ``(client, cluster)``. Close both when done (``client.close(); cluster.close()``).

    The same analysis code works against a real cluster: replace this call by
    ``Client(gateway_cluster)`` (Dask Gateway) or ``Client(KubeCluster(...))`` (dask-kubernetes).
    """
    from dask.distributed import Client, LocalCluster

    checks.check_cluster_args(n_workers, memory_limit, threads_per_worker)
    n_workers = n_workers or suggested_workers()[0]
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                           processes=True, memory_limit=memory_limit,
                           dashboard_address=":0", silence_logs=40)
    return Client(cluster), cluster


def timed_compute(*arrays, scheduler=None) -> tuple[list[np.ndarray], float]:
    """Compute Dask arrays together; return the results and the wall time in seconds.

    ``scheduler="synchronous"`` runs every task in this process, one after another (the
    single-process baseline); ``None`` uses the active distributed ``Client`` if there is one.
    """
    import dask

    checks.check_scheduler(scheduler)
    start = time.perf_counter()
    results = dask.compute(*arrays, scheduler=scheduler)
    return list(results), time.perf_counter() - start


def same_results(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
    """True if every pair of arrays is identical (NaN equal to NaN)."""
    for name, value in (("a", a), ("b", b)):
        if value is None or not hasattr(value, "__len__"):
            raise TypeError(f"{name} must be a list of arrays (e.g. the results of "
                            f"timed_compute); got {validation.describe(value)}.")
    return len(a) == len(b) and all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))
