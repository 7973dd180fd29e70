"""A dask.distributed cluster sized for the machine: one worker on Binder's CPU, more where there are cores."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Sequence

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


@dataclass(frozen=True)
class Workload:
    """The set-up of notebook 08's measurement for this machine (see :func:`scaling_workload`).

    Attributes:
        factor: the mirrored mosaic is ``factor x factor`` copies of the study area.
        trees: trees of the random forest (the heavy workload).
        workers: worker processes of the cluster (one thread each).
        baseline: what the cluster is compared with: ``"numpy"`` (the course's functions on
            whole arrays, one process) or ``"synchronous"`` (the same Dask graph in this
            process, one chunk after another).
        reason: one sentence saying why, to print.
    """

    factor: int
    trees: int
    workers: int
    baseline: str
    reason: str


#: Peak memory (MB) of the whole-array NumPy run on the x2 mosaic, measured on one CPU
#: (bench/dask_speedup.md): above what Binder allows a session (about 1.5 GB of its 2 GB).
WHOLE_ARRAY_X2_MB = 1560


def scaling_workload(cpus: int | None = None, factor: int = 2, trees: int = 50) -> Workload:
    """The measurement notebook 08 can make here: mosaic size, trees, workers, baseline, why.

    * **Two or more CPUs** (not Binder): up to four workers (one per CPU), compared with one
      process running NumPy on whole arrays. With the x2 mosaic (4 x the study area) and a
      random forest of 50 trees a 512 x 512 chunk is about a second of work: enough for the
      per-task overhead (about a millisecond) not to matter.
    * **One CPU, or Binder**: one worker, compared with the same graph run in this process one
      chunk at a time (Dask's synchronous scheduler). On one core a cluster can only be
      slower (the notebook, the scheduler and the worker share it); what it gives is
      bounded memory. The whole-array NumPy run is not made: on the x2 mosaic it peaks at
      about :data:`WHOLE_ARRAY_X2_MB` MB, more than a Binder session may use.

    Args:
        cpus: CPUs to plan for (default :func:`~course_lib.config.available_cpus`; Binder
            counts as one whatever it reports).
        factor: the mosaic's size (``factor x factor`` copies of the study area).
        trees: trees of the random forest.

    Returns:
        a :class:`Workload`; print its ``reason``.

    >>> w = scaling_workload(cpus=1)
    >>> w.workers, w.baseline
    (1, 'synchronous')
    """
    if cpus is not None:
        cpus = validation.check_integer(cpus, "cpus", minimum=1,
                                        fix="None counts the CPUs this process may use.")
    factor = validation.check_integer(factor, "factor", minimum=1,
                                      fix="2 makes a mosaic of 2 x 2 copies (4 x the area).")
    trees = validation.check_integer(trees, "trees", minimum=1, fix="e.g. 50 trees.")
    cpus = available_cpus() if cpus is None else cpus
    if on_binder() or cpus < 2:
        where = "Binder, 1 CPU" if on_binder() else "1 CPU"
        memory = (f" The whole-array NumPy run is skipped: on this mosaic it needs about "
                  f"{WHOLE_ARRAY_X2_MB / 1000:.1f} GB, more than Binder allows."
                  if factor >= 2 else "")
        return Workload(
            factor=factor, trees=trees, workers=1, baseline="synchronous",
            reason=f"{where}: one worker, compared with the same graph run in this process one "
                   "chunk at a time. On one core a cluster cannot be faster (the notebook, "
                   f"the scheduler and the worker share it); it bounds memory instead.{memory}")
    workers = min(cpus, 4)
    return Workload(
        factor=factor, trees=trees, workers=workers, baseline="numpy",
        reason=f"{cpus} CPUs: {workers} worker processes, compared with one process running "
               "NumPy on whole arrays.")


def start_cluster(n_workers: int | None = None, memory_limit: str = "1GB",
                  threads_per_worker: int = 1, trim_memory: bool = False):
    """Start a ``LocalCluster`` and a ``Client`` with a memory limit per worker.

    Args:
        n_workers: worker processes (default :func:`suggested_workers`).
        memory_limit: per worker; above 60 % of it workers spill to disk, at 95 % a worker
            is restarted (dask.distributed defaults).
        threads_per_worker: 1 keeps NumPy's and Dask's parallelism from competing.
        trim_memory: keep dask.distributed's ``MALLOC_TRIM_THRESHOLD_=65536`` in the workers
            (True) or glibc's defaults (False, the default here). Dask sets the variable so
            that memory a task frees goes back to the system at once and the worker's
            memory monitor sees the truth; it also makes glibc map and unmap every NumPy
            temporary above 128 kB afresh. Measured on this course's landslide map (x2
            mosaic, random forest): 1.5 million page faults per run instead of 55 000, and
            two workers x1.04 faster than one process instead of x1.47 (bench/dask_speedup.md).
            The price of False: a worker keeps about 100 MB more than it uses (freed memory
            waits in glibc for reuse), which its monitor counts as unmanaged memory. A worker
            restarted later by its nanny inherits the notebook's environment of that moment.

    Returns:
        ``(client, cluster)``. Close both when done (``client.close(); cluster.close()``).

    The same analysis code works against a real cluster: replace this call by
    ``Client(gateway_cluster)`` (Dask Gateway) or ``Client(KubeCluster(...))`` (dask-kubernetes).
    """
    import dask
    from dask.distributed import Client, LocalCluster

    checks.check_cluster_args(n_workers, memory_limit, threads_per_worker)
    validation.check_bool(trim_memory, "trim_memory")
    n_workers = n_workers or suggested_workers()[0]
    config = {} if trim_memory else {f"{PRE_SPAWN}.{TRIM_VARIABLE}": None}
    # A nanny also copies its variables into this process's environment, which the next
    # workers inherit: without trimming, the variable is kept out of it while they start.
    saved = None if trim_memory else os.environ.pop(TRIM_VARIABLE, None)
    try:
        with dask.config.set(config):
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                   processes=True, memory_limit=memory_limit,
                                   dashboard_address=":0", silence_logs=40)
    finally:
        if saved is not None:
            os.environ[TRIM_VARIABLE] = saved
    return Client(cluster), cluster


#: dask.distributed's configuration of the variables set in each worker before it starts.
PRE_SPAWN = "distributed.nanny.pre-spawn-environ"
#: The glibc variable that dask.distributed sets in its workers to hand memory back at once.
TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"


@dataclass
class Measurement:
    """What :func:`measure` found.

    Attributes:
        results: the computed arrays, in the order given.
        seconds: wall time of the computation.
        peak_mb: the highest memory in use (RSS) during it, this process and all its child
            processes (the cluster's workers and nannies) together.
        start_mb: the same total just before it started.
    """

    results: list
    seconds: float
    peak_mb: float
    start_mb: float


class _PeakMemory:
    """Samples the RSS of this process and its children in a thread (psutil, every 20 ms)."""

    def __init__(self, interval: float = 0.02):
        import psutil

        self.me, self.interval = psutil.Process(), interval
        self.peak = self.start = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        import psutil

        total = 0
        for proc in [self.me, *self.me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        self.peak = max(self.peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "_PeakMemory":
        self.start = self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def measure(*arrays, scheduler: str | None = None) -> Measurement:
    """Compute Dask arrays (or Dask-backed DataArrays) together; time them and watch memory.

    Args:
        *arrays: lazy arrays to compute in one go (shared tasks run once); or ONE function
            without arguments, run in this process (e.g. the whole-array NumPy version, to
            measure it the same way).
        scheduler: ``"synchronous"`` runs every task in this process, one after another (the
            single-process baseline); None uses the active distributed ``Client`` if there
            is one (else Dask's threads).

    Returns:
        a :class:`Measurement`: results, wall seconds and peak memory of this process plus
        the cluster's processes. Time a cluster after warming it up (:func:`warm_up`): a
        fresh worker imports the course's modules when its first task arrives.
    """
    import dask

    checks.check_scheduler(scheduler)
    call = len(arrays) == 1 and callable(arrays[0]) and not hasattr(arrays[0], "__dask_graph__")
    if not arrays or (not call and not all(dask.is_dask_collection(a) for a in arrays)):
        raise TypeError("measure needs lazy arrays to compute (or one function without "
                        "arguments); got " + (", ".join(validation.describe(a) for a in arrays)
                                                or "nothing") +
                        ". E.g. measure(maps) or measure(maps, scheduler='synchronous'); "
                        "a NumPy array is already computed.")
    release_freed_memory()
    with _PeakMemory() as memory:
        start = time.perf_counter()
        results = [arrays[0]()] if call else list(dask.compute(*arrays, scheduler=scheduler))
        seconds = time.perf_counter() - start
    release_freed_memory()
    return Measurement(results, seconds, memory.peak / 1e6, memory.start / 1e6)


def release_freed_memory() -> bool:
    """Hand the memory this process has freed back to the operating system (glibc only).

    Freed NumPy temporaries stay in the C library's heap, counted in the process's memory
    (RSS), until it decides to return them; after a large computation that can be hundreds of
    MB that nothing uses. :func:`measure` calls this before and after each measurement, so
    that one cell's leftovers neither count in the next measurement nor crowd out a worker
    on a machine with little memory (Binder). Returns False where there is no glibc (macOS,
    Windows, musl), where it does nothing.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError, TypeError):
        return False
    trim(0)
    return True


def task_counts(array: Any) -> dict[str, int]:
    """Tasks of a lazy array's graph by step (the name Dask gives each layer), most first.

    >>> import dask.array as da
    >>> task_counts(da.ones(8, chunks=4) + 1)
    {'add': 2, 'ones_like': 2}
    """
    import dask

    if not dask.is_dask_collection(array):
        raise TypeError(validation.expected_message("array", "a lazy Dask array (or a "
                                                    "Dask-backed DataArray)", array))
    counts: dict[str, int] = {}
    for name, layer in array.__dask_graph__().layers.items():
        step = name.rsplit("-", 1)[0] if "-" in name else name
        counts[step] = counts.get(step, 0) + len(layer)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _imports() -> int:
    """Import what the course's tasks use (run in each worker by :func:`warm_up`)."""
    import rasterio  # noqa: F401
    import s2cloudless  # noqa: F401
    import skimage.filters.rank  # noqa: F401
    import sklearn.ensemble  # noqa: F401

    import course_lib.clouds
    import course_lib.composites
    import course_lib.postprocess  # noqa: F401
    return os.getpid()


def warm_up(client: Any) -> int:
    """Import the course's modules in every worker of ``client`` now, not in the first task.

    A fresh worker imports scikit-learn, scikit-image, rasterio and s2cloudless when its first
    task needs them (a second or two each): a measurement that includes that is a measurement
    of imports. Returns the number of workers warmed.
    """
    if not hasattr(client, "run") or not hasattr(client, "scheduler_info"):
        raise TypeError(validation.expected_message(
            "client", "a dask.distributed Client", client,
            "e.g. the first value start_cluster() returns."))
    return len(client.run(_imports))


def _nothing(i: int) -> int:
    return i


def task_overhead(n_tasks: int = 400, scheduler: str | None = None) -> float:
    """Seconds the scheduler spends per task, measured on ``n_tasks`` tasks that do nothing.

    What a task costs besides its work: the scheduler's bookkeeping, the message to a worker
    and back (with a cluster), the result's transfer. Compare it with the work of one chunk.

    Args:
        n_tasks: how many empty tasks to time.
        scheduler: as in :func:`measure`.
    """
    import dask

    n_tasks = validation.check_integer(n_tasks, "n_tasks", minimum=10,
                                       fix="A few hundred tasks time the overhead well.")
    checks.check_scheduler(scheduler)
    tasks = [dask.delayed(_nothing)(i) for i in range(n_tasks)]
    start = time.perf_counter()
    dask.compute(*tasks, scheduler=scheduler)
    return (time.perf_counter() - start) / n_tasks


def same_results(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
    """True if every pair of arrays is identical (NaN equal to NaN)."""
    for name, value in (("a", a), ("b", b)):
        if value is None or not hasattr(value, "__len__"):
            raise TypeError(f"{name} must be a list of arrays (e.g. the results of "
                            f"measure); got {validation.describe(value)}.")
    return len(a) == len(b) and all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))
