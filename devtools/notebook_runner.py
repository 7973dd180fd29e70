"""Execute a course notebook in a fresh kernel (used by the tests and the benchmark)."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from queue import Empty

from jupyter_client import AsyncKernelManager
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import DottedObjectName, Type

from devtools.fast_parameters import fast_parameters

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"


def course_notebooks() -> list[Path]:
    """The numbered solution notebooks, in course order (exercise copies excluded)."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


class ShortPollChannel(AsyncZMQSocketChannel):
    """A kernel channel whose ``get_msg`` waits in short polls instead of one long one.

    Why (https://github.com/jupyter/nbclient/issues/312): nbclient waits for a cell's ``execute_reply`` with one
    ``get_msg(timeout=cell_timeout)`` on the asyncio zmq shell socket, while a second task
    reads the iopub socket. After a cell with widgets and large outputs (an ``interact``
    showing a figure), the event loop sometimes misses the socket's edge-triggered wake-up: the
    reply is already queued but is only picked up when the poll times out. With nbconvert's
    default (no timeout) that is forever; with ``--ExecutePreprocessor.timeout=T`` the cell
    waits T seconds and then succeeds. Measured on notebook 00: ~85 s lost after two of its
    widget cells with T=90. Polling again every ``step`` seconds picks the reply up at once.
    """

    step = 0.2

    async def get_msg(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = self.step if deadline is None else min(
                self.step, max(0.0, deadline - time.monotonic()))
            try:
                return await super().get_msg(timeout=wait)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class ShortPollKernelClient(AsyncKernelClient):
    """An async kernel client whose shell and iopub channels poll in short steps."""

    shell_channel_class = Type(ShortPollChannel)
    iopub_channel_class = Type(ShortPollChannel)


class ShortPollKernelManager(AsyncKernelManager):
    """A kernel manager that hands out :class:`ShortPollKernelClient` clients.

    Use it from nbconvert (the command the README documents and ``tests/test_nbconvert.py``
    runs)::

        jupyter nbconvert --to notebook --execute \\
          --ExecutePreprocessor.kernel_manager_class=devtools.notebook_runner.ShortPollKernelManager \\
          notebooks/00_welcome_and_data.ipynb --output-dir executed/
    """

    client_class = DottedObjectName("devtools.notebook_runner.ShortPollKernelClient")
    client_factory = Type(klass=ShortPollKernelClient)


def parameters_cell(nb) -> int:
    """Index of the notebook's one cell tagged ``parameters`` (papermill's convention)."""
    found = [i for i, cell in enumerate(nb.cells)
             if "parameters" in cell.get("metadata", {}).get("tags", [])]
    if len(found) != 1:
        raise ValueError(f"a course notebook has exactly one cell tagged 'parameters'; found "
                         f"{len(found)}.")
    return found[0]


def with_parameters(nb, parameters: dict):
    """A copy of ``nb`` with ``parameters`` injected after its ``parameters`` cell (papermill)."""
    from papermill.parameterize import parameterize_notebook

    if not parameters:
        return nb
    parameters_cell(nb)
    nb = copy.deepcopy(nb)
    nb.metadata.setdefault("papermill", {})   # papermill records the parameters there
    for cell in nb.cells:                       # and reads every cell's tags
        cell.metadata.setdefault("tags", [])
    return parameterize_notebook(nb, parameters, kernel_name="python3", language="python")


def read_notebook(path: Path, fast: bool = False):
    """Read ``path``; in fast mode, with the fast parameters of :mod:`devtools.fast_parameters`."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return with_parameters(nb, fast_parameters(Path(path).stem)) if fast else nb


def execute_notebook(path: Path, timeout: int = 900, env: dict[str, str] | None = None,
                     fast: bool = False):
    """Run every cell of ``path`` in a new ``python3`` kernel, in the notebook's folder.

    Args:
        path: the notebook.
        timeout: seconds allowed per cell.
        env: extra environment variables for the kernel (e.g. ``{"COURSE_OUTPUT_DIR": ...}``).
        fast: inject the notebook's fast parameters (:mod:`devtools.fast_parameters`) after its
            ``parameters`` cell, as the tests do.

    Returns:
        The executed notebook (``nbformat.NotebookNode``); raises
        ``nbclient.exceptions.CellExecutionError`` naming the failing cell on any error.
    """
    from nbclient import NotebookClient

    nb = read_notebook(path, fast=fast)
    kernel_env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2",
                  **(env or {})}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            kernel_manager_class=ShortPollKernelManager,
                            resources={"metadata": {"path": str(path.parent)}})
    # nbclient passes extra keyword arguments to the kernel manager's start_kernel.
    with client.setup_kernel(env=kernel_env):
        assert isinstance(client.kc, ShortPollKernelClient)
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    return nb


def report_outputs(nb, tag: str = "report") -> str:
    """The printed text of the cells tagged ``tag`` in an executed notebook, in cell order.

    ``bench/run_notebooks.py`` copies it into the performance report, so the scores a notebook
    prints (MCC, recall, training time...) are recorded as the notebook printed them, never
    typed in. Only ``stream`` outputs (``print``) are collected; rich outputs are skipped.

    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("print('MCC 0.5')", metadata={"tags": ["report"]})
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="MCC 0.5\\n")]
    >>> report_outputs(nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("1")]))
    'MCC 0.5'
    """
    texts = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or tag not in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                text = out.get("text", "")
                texts.append("".join(text) if isinstance(text, list) else text)
    return "".join(texts).strip("\n")

