"""Execute a course notebook in a fresh kernel (used by the tests and the benchmark)."""

from __future__ import annotations

import os
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def course_notebooks() -> list[Path]:
    """The numbered solution notebooks, in course order (exercise copies excluded)."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def execute_notebook(path: Path, timeout: int = 900, env: dict[str, str] | None = None):
    """Run every cell of ``path`` in a new ``python3`` kernel, in the notebook's folder.

    Args:
        path: the notebook.
        timeout: seconds allowed per cell.
        env: extra environment variables for the kernel (e.g. ``{"COURSE_FAST": "1"}``).

    Returns:
        The executed notebook (``nbformat.NotebookNode``); raises
        ``nbclient.exceptions.CellExecutionError`` naming the failing cell on any error.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    kernel_env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2",
                  **(env or {})}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    # nbclient passes extra keyword arguments to the kernel manager's start_kernel.
    client.execute(env=kernel_env)
    return nb
