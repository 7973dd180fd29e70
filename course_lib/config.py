"""Paths, seeds and CPUs shared by every notebook and test.

Every path can be moved with an environment variable, so an instructor can point a whole
class at a shared, read-only data folder:

* ``COURSE_DATA_DIR``: the bundled real samples (default ``data_samples/`` in the repository).
* ``COURSE_CACHE_DIR``: generated data such as the simulated study area (default
  ``data_cache/``).
* ``COURSE_OUTPUT_DIR``: what the notebooks save for later notebooks, e.g. predictions and
  result tables (default ``course_outputs/``).
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root: the folder that holds ``course_lib/``.
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Seed used by every random step of the course unless the learner passes another one.
DEFAULT_SEED = 2019  # the year of the Jølster event


def _dir_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """Folder with the bundled real samples (read-only for the course)."""
    return _dir_from_env("COURSE_DATA_DIR", REPO_ROOT / "data_samples")


def cache_dir() -> Path:
    """Folder for generated data (created on demand)."""
    path = _dir_from_env("COURSE_CACHE_DIR", REPO_ROOT / "data_cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def output_dir() -> Path:
    """Folder where notebooks save results for later notebooks (created on demand)."""
    path = _dir_from_env("COURSE_OUTPUT_DIR", REPO_ROOT / "course_outputs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def available_cpus() -> int:
    """CPUs this process may use: its CPU affinity and the cgroup quota (Binder: 1).

    ``os.cpu_count()`` counts the machine's CPUs, not those a container or ``taskset`` allows.

    >>> available_cpus() >= 1
    True
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, int(float(quota) / float(period))))
    except (OSError, ValueError):
        pass
    return cpus
