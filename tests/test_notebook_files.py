"""Static checks on the committed notebooks: no outputs, template sections, built from source."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALL_NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
SOLUTION_NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; rebuild with scripts/build_notebooks.py"


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_follows_course_template(path):
    nb = json.loads(path.read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for heading in ("Learning objectives", "Prerequisites", "Time to learn", "Summary",
                    "Exercise"):
        assert heading in text, f"{path.name} lacks a '{heading}' section"
    tags = [t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])]
    assert "solution" in tags, f"{path.name} has no cell tagged 'solution'"
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "widgets" in code or "explorer" in code, f"{path.name} has no widget explorer"


def test_exercise_versions_hide_solutions():
    for path in SOLUTION_NOTEBOOKS:
        ex = json.loads((ROOT / "notebooks" / "exercises" / path.name).read_text())
        assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in ex["cells"])


def test_built_notebooks_match_sources():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_notebooks.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_exercise_versions_do_not_claim_to_hold_the_solutions():
    """The exercise copies say they are the exercise version (the build script rewrites it)."""
    for path in SOLUTION_NOTEBOOKS:
        ex = json.loads((ROOT / "notebooks" / "exercises" / path.name).read_text())
        text = "\n".join("".join(c["source"]) for c in ex["cells"] if c["cell_type"] == "markdown")
        assert "this folder holds the notebooks *with* solutions" not in text, path.name
        assert "version **with solutions**" not in text, path.name
    welcome = ROOT / "notebooks" / "exercises" / "00_welcome_and_data.ipynb"
    assert "**exercise** version" in welcome.read_text()


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_and_fast_mode_never_does_more(path):
    """papermill's convention: one cell tagged ``parameters`` of plain assignments; the fast
    values (devtools/fast_parameters.py) name only those parameters and never ask for more work."""
    import ast

    import nbformat

    from devtools.fast_parameters import fast_parameters, no_more_work
    from devtools.notebook_runner import parameters_cell, read_notebook

    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[parameters_cell(nb)]
    tree = ast.parse(cell.source)
    assert tree.body and all(isinstance(node, ast.Assign) for node in tree.body), (
        "the parameters cell holds plain assignments only")
    values: dict = {}
    exec(cell.source, {}, values)   # the course's own cell: assignments of plain values
    full = {node.targets[0].id: values[node.targets[0].id] for node in tree.body}
    fast = fast_parameters(path.stem)
    assert set(fast) <= set(full), f"fast values for unknown parameters {set(fast) - set(full)}"
    for name, value in fast.items():
        assert no_more_work(name, full[name], value), (name, full[name], value)
        assert isinstance(value, (bool, int, float, str, list)), (name, type(value))
    injected = read_notebook(path, fast=True)
    assert len(injected.cells) == len(nb.cells) + (1 if fast else 0)
