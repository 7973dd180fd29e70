"""Every notebook teaches with self-checks, unfoldable hints, at least two exercises with
solutions and key points; the exercise versions hide every solution and still run.

Conventions (see notebooks_src/06_evaluation.py):

* a **self-check**: a code cell calling ``selfcheck.check_number`` / ``check_choice`` /
  ``check_true_false`` (``course_lib.learner.selfcheck``) on an ``answer = ...`` the learner fills in
  (a "Self-check" question followed by a cell that checks ``answer`` by hand also counts);
* a **hint** before a solution: a markdown ``<details><summary>Hint</summary> ...</details>``;
* **exercises**: at least two, each with a solution cell tagged ``solution``;
* **key points**: a "Key points" heading after the exercises (Carpentries style).
"""

import ast
import json
import re
from pathlib import Path

import pytest

from devtools.notebook_runner import course_notebooks, execute_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = course_notebooks()
SELF_CHECK = re.compile(r"selfcheck\.check_(number|choice|true_false)\(")
HINT = re.compile(r"<details>\s*<summary>[^<]*hint", re.I)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _is_solution(cell: dict) -> bool:
    return "solution" in cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_has_selfcheck_hints_exercises_and_key_points(path):
    cells = _cells(path)
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    markdown = [_source(c) for c in cells if c["cell_type"] == "markdown"]
    assert any(SELF_CHECK.search(s) for s in code) or _answer_cell_after_question(cells), (
        f"{path.name}: no self-check cell (course_lib.learner.selfcheck.check_..., or a "
        "'Self-check' question followed by a cell that checks `answer`)")
    assert any(HINT.search(s) for s in markdown), (
        f"{path.name}: no unfoldable hint (<details><summary>Hint</summary>...</details>)")
    solutions = [i for i, c in enumerate(cells) if _is_solution(c)]
    assert len(solutions) >= 2, f"{path.name}: {len(solutions)} solution cell(s); need >= 2"
    exercises = {m for s in markdown for m in re.findall(r"Exercise\s+(\d+)", s)}
    assert len(exercises) >= 2, f"{path.name}: fewer than two numbered exercises"
    key_points = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                  and re.search(r"^#+.*Key points", _source(c), re.M | re.I)]
    assert key_points, f"{path.name}: no 'Key points' section"
    assert key_points[-1] > solutions[0], f"{path.name}: put the key points after the exercises"


def _answer_cell_after_question(cells: list[dict]) -> bool:
    """A markdown 'Self-check' / 'Check your understanding' question followed by a code cell
    that sets ``answer`` and checks it (the older convention, before course_lib.learner.selfcheck)."""
    for before, cell in zip(cells, cells[1:]):
        if (before["cell_type"] == "markdown" and cell["cell_type"] == "code"
                and re.search(r"self-check|check your understanding", _source(before), re.I)
                and re.search(r"^answer\s*=", _source(cell), re.M)
                and re.search(r"\bif\b|selfcheck", _source(cell))):
            return True
    return False


def _names(tree: ast.AST) -> tuple[set[str], set[str]]:
    stored, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return stored, loaded


def _parse(source: str) -> ast.AST:
    # IPython magics and shell escapes are not Python: blank them out
    lines = ["" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]
    return ast.parse("\n".join(lines))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_exercise_version_hides_solutions_and_needs_none_of_them(path):
    exercise = ROOT / "notebooks" / "exercises" / path.name
    ex_text = "\n".join(_source(c) for c in _cells(exercise))
    shared_text = "\n".join(_source(c) for c in _cells(path) if not _is_solution(c))
    defined_elsewhere: set[str] = set()
    only_in_solutions: set[str] = set()
    for cell in _cells(path):
        source = _source(cell)
        if _is_solution(cell):
            for line in source.splitlines():
                line = line.strip()
                if len(line) > 25 and not line.startswith("#") and line not in shared_text:
                    assert line not in ex_text, (
                        f"{exercise.name} shows solution text: {line!r}")
            if cell["cell_type"] == "code":
                stored, _ = _names(_parse(source))
                only_in_solutions |= stored - defined_elsewhere
            continue
        if cell["cell_type"] != "code":
            continue
        stored, loaded = _names(_parse(source))
        needed = (loaded & only_in_solutions) - defined_elsewhere - stored
        assert not needed, (f"{exercise.name} would fail: a later cell uses {sorted(needed)}, "
                            "defined only in a solution cell")
        defined_elsewhere |= stored


@pytest.mark.notebook
def test_one_exercise_version_executes(tmp_path):
    """The exercise version of the quickest notebook runs from top to bottom, unanswered."""
    path = ROOT / "notebooks" / "exercises" / "06_evaluation.ipynb"
    nb = execute_notebook(path, env={"COURSE_OUTPUT_DIR": str(tmp_path)}, fast=True)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_links_terms_to_the_glossary(path):
    text = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
    links = re.findall(r"\]\(glossary\.md#([\w-]+)\)", text)
    assert links, f"{path.name}: link the first use of a term to the glossary (glossary.md#term)"
    glossary = (ROOT / "notebooks" / "glossary.md").read_text()
    anchors = {re.sub(r"[^\w\s-]", "", h).strip().lower().replace(" ", "-")
               for h in re.findall(r"^### (.+)$", glossary, re.M)}
    assert set(links) <= anchors, f"{path.name}: unknown glossary anchors {set(links) - anchors}"
