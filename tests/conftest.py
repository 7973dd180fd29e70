"""Shared test set-up: quiet TensorFlow, the fast mode, and parallel runs with pytest-xdist.

``./course test`` (and so CI) runs the suite on every available CPU: pyproject's ``addopts``
hold ``-n auto --dist loadfile --no-loadscope-reorder``. Pass ``-n 0`` to run in one process
(e.g. with ``-s`` or to time one test). How the parallel run is kept safe and balanced:

* :func:`pytest_xdist_auto_num_workers`: ``-n auto`` starts one worker per CPU this process may
  use (affinity and cgroup quota, not the machine's count), at most :data:`MAX_WORKERS`; on one
  CPU it runs serially, without xdist.
* Each worker caps the threads of BLAS, OpenMP and TensorFlow at its share of the CPUs (below),
  and the notebook kernels and JupyterLab it starts inherit the cap, so two workers on two cores
  do not run four busy threads.
* ``--dist loadfile``: each test file runs whole, in order, on one worker. That matters for the
  two long chains, ``tests/test_notebooks.py`` (every notebook in order, later ones reading
  what earlier ones saved) and ``tests/test_browser.py`` (one JupyterLab, every notebook in
  order). :func:`pytest_collection_modifyitems` puts them first (:data:`CHAINS`) and
  ``--no-loadscope-reorder`` keeps that order, so both start at once on different workers while
  the other files fill in whichever worker is free. (Not ``--dist loadgroup``: with pytest 9
  and pytest-xdist 3.8 its ``xdist_group`` marks are silently ignored, and a chain would be
  split between workers.)
* Nothing else is shared between the chains: each has its own ``COURSE_OUTPUT_DIR`` (a
  temporary folder per run), its own notebook copy (the browser test serves a temporary copy),
  its own port (JupyterLab on a free port, see ``devtools.browser_driver.LabServer``). The
  generated data in ``data_cache/`` is shared: the study area is generated under an exclusive
  lock file (``tests/test_study_area.py::test_parallel_processes_generate_once``) and the
  cached layers and composites are written to a temporary file and renamed
  (``tests/test_parallel_safety.py::test_parallel_processes_share_the_layers_cache``).
"""

import os
from pathlib import Path

from course_lib.config import available_cpus

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

#: The long test files that run as chains (longest first): a parallel run starts them first.
CHAINS = ("test_browser.py", "test_notebooks.py")
TESTS = Path(__file__).resolve().parent
#: Most workers ``-n auto`` starts: the two chains plus two for the short tests. More would
#: only add memory (each worker imports TensorFlow; a notebook kernel takes up to 1.5 GB).
MAX_WORKERS = 4
#: Thread-count variables of the numerical libraries (OpenBLAS, MKL, OpenMP, numexpr,
#: TensorFlow's two pools).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def worker_threads(cpus: int, workers: int) -> int:
    """Threads each of ``workers`` parallel test processes may use on ``cpus`` CPUs.

    >>> worker_threads(2, 2), worker_threads(8, 2), worker_threads(2, 4)
    (1, 4, 1)
    """
    return max(1, cpus // max(1, workers))


def chains_first(items: list) -> list:
    """The collected tests with the files of :data:`CHAINS` first, in that order; otherwise in
    collection order (a stable sort)."""
    def rank(item) -> int:
        path = Path(str(item.fspath))
        if path.parent == TESTS and path.name in CHAINS:
            return CHAINS.index(path.name)
        return len(CHAINS)

    return sorted(items, key=rank)


def pytest_collection_modifyitems(config, items):
    """In a parallel run, hand the long chains out first (a serial run keeps its order)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items[:] = chains_first(items)


def pytest_xdist_auto_num_workers(config):
    """Workers for ``-n auto``: the CPUs this process may use, at most ``MAX_WORKERS``; 0 (a
    serial run) on one CPU. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` overrides it, as in xdist."""
    wanted = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if wanted:
        return int(wanted)
    cpus = available_cpus()
    return 0 if cpus < 2 else min(cpus, MAX_WORKERS)


#: The thread caps this process set (name: value); empty outside a parallel run.
CAPPED: dict[str, str] = {}

# In an xdist worker, before numpy or TensorFlow are imported (this file is loaded before the
# tests are collected): cap the threads, unless the caller set a cap of their own.
if os.environ.get("PYTEST_XDIST_WORKER"):
    _threads = str(worker_threads(available_cpus(),
                                  int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))))
    for _name in THREAD_VARIABLES:
        if _name not in os.environ:
            os.environ[_name] = CAPPED[_name] = _threads
