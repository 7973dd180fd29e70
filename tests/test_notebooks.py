"""Execute every course notebook, in order, each in a fresh kernel, in fast mode.

Fast mode (:mod:`devtools.fast_parameters`, injected after each notebook's ``parameters`` cell)
shrinks epochs and sample sizes but runs every cell. Notebooks
share one output folder so that later notebooks read what earlier ones saved, as a learner's do;
so in a parallel run (pytest-xdist, ``--dist loadfile``: see ``tests/conftest.py``) this file
runs whole and in order on one worker.
"""

import pytest

from devtools.notebook_runner import course_notebooks, execute_notebook

NOTEBOOKS = course_notebooks()


@pytest.fixture(scope="module")
def shared_output_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("course_outputs")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"
    assert NOTEBOOKS[0].name.startswith("00_")


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, shared_output_dir):
    nb = execute_notebook(path, env={"COURSE_OUTPUT_DIR": str(shared_output_dir)}, fast=True)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert all(c.execution_count is not None for c in code_cells), "a cell was not executed"
