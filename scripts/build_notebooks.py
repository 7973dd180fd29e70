"""Build the course notebooks from their sources (the scikit-learn MOOC's way).

``notebooks_src/NN_name.py`` (jupytext percent format, solutions included) is the only place a
notebook is edited. This script writes, without outputs:

* ``notebooks/NN_name.ipynb``: the full notebook, solutions included (instructors, CI);
* ``notebooks/exercises/NN_name.ipynb``: the same with every cell tagged ``solution`` replaced
  by an empty "your answer" cell (trainees).

Usage::

    python scripts/build_notebooks.py          # rebuild all
    python scripts/build_notebooks.py --check  # exit 1 if a built notebook is out of date

``tests/test_notebook_files.py`` runs the check, so a source edit without a rebuild fails CI.
"""

from __future__ import annotations

import argparse
import copy
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebooks_src"
SOLUTIONS = ROOT / "notebooks"
EXERCISES = ROOT / "notebooks" / "exercises"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
PLACEHOLDER = "# Write your answer here, then compare with the solution notebook.\n"
#: Markdown that says which version the reader has open. Sources use the first; the exercise
#: copies get the second, so no exercise notebook claims to hold the solutions.
WHICH_VERSION = {
    "solutions": "You are reading the version **with solutions** (in `notebooks/`).",
    "exercises": ("You are reading the **exercise** version (in `notebooks/exercises/`): the "
                  "solution cells are empty; the same notebook with solutions is in "
                  "`notebooks/`."),
}


def _clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"  # stable ids keep rebuilds byte-identical
        meta = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        cell.metadata = meta
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _deeper(match: re.Match) -> str:
    return "](" + ("../glossary.md" if match.group(1) == "glossary.md" else "")


def exercise_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of ``nb`` with every ``solution``-tagged cell replaced by a placeholder."""
    ex = copy.deepcopy(nb)
    for cell in ex.cells:
        if cell.cell_type == "markdown":   # exercises/ is one folder deeper: fix links
            cell.source = re.sub(r"\]\((glossary\.md|exercises/)", _deeper, cell.source)
            cell.source = cell.source.replace(WHICH_VERSION["solutions"],
                                              WHICH_VERSION["exercises"])
        if "solution" in cell.metadata.get("tags", []):
            cell.cell_type = "code"
            cell.source = PLACEHOLDER
            cell.metadata = {"tags": ["exercise"]}
            cell.outputs, cell.execution_count = [], None
    return ex


def built_notebooks() -> dict[Path, str]:
    """Map each target path to the text it should contain."""
    targets = {}
    for src in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        nb = _clean(jupytext.read(src))
        targets[SOLUTIONS / f"{src.stem}.ipynb"] = nbformat.writes(nb) + "\n"
        targets[EXERCISES / f"{src.stem}.ipynb"] = nbformat.writes(exercise_version(nb)) + "\n"
    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args()
    stale = []
    for path, text in built_notebooks().items():
        if not path.exists() or path.read_text() != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".ipynb.tmp")
                tmp.write_text(text)
                tmp.replace(path)
    # The instructors' schedule is generated from the notebooks' minutes: keep it in step.
    guide = [sys.executable, str(ROOT / "scripts" / "make_instructor_guide.py")]
    guide_stale = subprocess.run(guide + (["--check"] if args.check else []),
                                 capture_output=True, text=True).returncode != 0
    if args.check and (stale or guide_stale):
        print("Out of date (run python scripts/build_notebooks.py):", *stale,
              *(["instructors/schedule.md"] if guide_stale else []), sep="\n  ")
        return 1
    if not args.check:
        print(f"built {len(stale)} changed notebook(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
