"""Execute every course notebook, in order, each in a fresh kernel, in fast mode.

Fast mode (:mod:`devtools.fast_parameters`, injected after each notebook's ``parameters`` cell)
shrinks epochs and sample sizes but runs every cell. Notebooks
share one output folder so that later notebooks read what earlier ones saved, as a learner's do;
so in a parallel run (pytest-xdist, ``--dist loadfile``: see ``tests/conftest.py``) this file
runs whole and in order on one worker.
"""

import os
import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from devtools.notebook_runner import course_notebooks, execute_notebook

NOTEBOOKS = course_notebooks()
ROOT = Path(__file__).resolve().parents[1]


#: Notebooks that still print a path of the machine, and the fix their authors should make.
STILL_PRINTS_PATHS: dict[str, str] = {}


def machine_paths(nb, folders=()) -> list[str]:
    """The places where an executed notebook's text outputs show a path of the machine it ran
    on (the repository, the home folder, the temporary folder, ``folders``, or a
    ``PosixPath(...)`` repr): ``"cell N: ...snippet..."``. A trainee's notebook should say
    "saved to outputs/map.tif", never ``/home/jovyan/...`` or ``PosixPath('/tmp/...')``.
    Images are not searched; text, HTML, streams (stdout and stderr) and errors are."""
    places = {str(ROOT), str(Path.home()), tempfile.gettempdir(), "/tmp",
              *(str(f) for f in folders)}
    places = sorted({p.rstrip("/") for p in places if len(p.rstrip("/")) > 1}, key=len,
                    reverse=True)
    pattern = re.compile(r"PosixPath\(|WindowsPath\(|(?<![\w.])(?:"
                         + "|".join(re.escape(p) for p in places) + r")(?=/|\b)")
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            texts = [output.get("text", "")] if output.output_type == "stream" else []
            texts += ["\n".join(output.get("traceback", []))] \
                if output.output_type == "error" else []
            data = output.get("data", {})
            texts += [data[k] for k in ("text/plain", "text/html", "text/markdown") if k in data]
            for text in texts:
                text = "".join(text) if isinstance(text, list) else str(text)
                for match in pattern.finditer(text):
                    start = max(match.start() - 40, 0)
                    found.append(f"cell {index}: ...{text[start:match.end() + 40]}...")
    return found


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
    cache = os.environ.get("COURSE_CACHE_DIR")
    paths = machine_paths(nb, [shared_output_dir] + ([cache] if cache else []))
    if path.stem in STILL_PRINTS_PATHS:          # strict: remove the entry once it is fixed
        assert paths, f"{path.name} no longer prints paths: remove it from STILL_PRINTS_PATHS"
    else:
        assert not paths, f"{path.name} prints paths of this machine:\n" + "\n".join(paths)
    blind = explorers_without_first_view(nb)
    assert not blind, (f"{path.name}: explorer cells {blind} show no first view (a PNG), so "
                       "the rendered course would show nothing there")


def explorers_without_first_view(nb) -> list[int]:
    """Indices of the cells that call ``explorer(...)`` (:mod:`course_lib.viz.explore`) but
    have no PNG output: the book, GitHub and nbviewer would show no figure there."""
    call = re.compile(r"(?<!\w)explorer\(")
    return [i for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and call.search(cell.source)
            and not any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))]


def test_machine_paths_are_found_in_every_kind_of_text_output(tmp_path):
    """The check of test_notebook_runs, on a made-up executed notebook."""
    def cell(*outputs):
        code = nbformat.v4.new_code_cell("x")
        code.outputs = list(outputs)
        return code

    nb = nbformat.v4.new_notebook(cells=[
        cell(nbformat.v4.new_output("stream", name="stdout",
                                    text="saved to outputs/map.tif (12 MB), 40/tmp ratio\n")),
        cell(nbformat.v4.new_output("execute_result", data={
            "text/plain": f"PosixPath('{tmp_path}/x.tif')"})),
        cell(nbformat.v4.new_output("stream", name="stderr",
                                    text=f"{ROOT}/.venv/lib/site.py:3: UserWarning: x\n")),
        cell(nbformat.v4.new_output("display_data", data={
            "text/html": f"<td>{Path.home()}/data</td>", "image/png": "/tmp/not-text"})),
        cell(nbformat.v4.new_output("stream", name="stdout", text=f"{tmp_path}/out\n")),
    ])
    nb.cells.append(nbformat.v4.new_code_cell("explore.explorer(view, t=slider)"))
    nb.cells.append(nbformat.v4.new_code_cell("threshold_explorer(score, truth, -0.3)"))
    assert explorers_without_first_view(nb) == [5]
    found = machine_paths(nb, [tmp_path])
    assert sorted({f.split(":")[0] for f in found}) == ["cell 1", "cell 2", "cell 3", "cell 4"], found
