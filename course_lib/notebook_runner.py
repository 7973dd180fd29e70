"""Execute a course notebook in a fresh kernel (used by the tests and the benchmark)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from queue import Empty

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def course_notebooks() -> list[Path]:
    """The numbered solution notebooks, in course order (exercise copies excluded)."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def _poll_in_short_steps(channel, step: float = 0.2) -> None:
    """Make ``channel.get_msg`` wait in short polls instead of one long one.

    With ipywidgets' Output widget, the asyncio zmq poll in nbclient sometimes misses the
    execute reply and waits for the whole cell timeout (jupyter/nbclient issue #312); polling
    again every ``step`` seconds picks the reply up at once.
    """
    original = channel.get_msg

    async def get_msg(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = step if deadline is None else min(step, max(0.0, deadline - time.monotonic()))
            try:
                return await original(timeout=wait)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


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
    with client.setup_kernel(env=kernel_env):
        _poll_in_short_steps(client.kc.shell_channel)
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    return nb
