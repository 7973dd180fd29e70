"""Text that points somewhere: every ``course_lib.x.y`` a docstring, notebook or page names
exists, and nothing cites a file or tracker outside the repository."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_FILES = sorted(
    [*ROOT.glob("course_lib/**/*.py"), *ROOT.glob("notebooks_src/*.py"),
     *ROOT.glob("devtools/*.py"), *ROOT.glob("scripts/*.py"), *ROOT.glob("bench/*.py"),
     *ROOT.glob("instructors/*.md"), *ROOT.glob("bench/*.md"), ROOT / "README.md",
     *ROOT.glob("notebooks/*.md"), ROOT / "data_samples" / "README.md", *ROOT.glob("book/*.md")])
REFERENCE = re.compile(r"(?<![\w/.])course_lib(?:\.[A-Za-z_]\w*)+")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                try:
                    obj = importlib.import_module(f"{obj.__name__}.{name}")
                    continue
                except (ImportError, AttributeError):
                    return False
            obj = getattr(obj, name)
        return True
    return False


def test_every_course_lib_reference_resolves():
    broken = {}
    for path in TEXT_FILES:
        for match in set(REFERENCE.findall(path.read_text())):
            dotted = match.rstrip(".")
            if dotted.endswith((".py", ".md")) or not _resolves(dotted):
                broken.setdefault(str(path.relative_to(ROOT)), []).append(dotted)
    assert not broken, f"References to names that do not exist: {broken}"


@pytest.mark.parametrize("pattern", [r"COURSE_DESIGN", r"\.\./shared", r"\bissue \d+\b",
                                     r"(?<!nbclient)(?<!/)\bissues? #\d+"])
def test_no_text_cites_what_a_reader_cannot_open(pattern):
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in TEXT_FILES
             for m in re.finditer(pattern, p.read_text(), flags=re.IGNORECASE)]
    assert not found, found


def test_every_course_lib_path_exists():
    """Paths such as ``course_lib/composites.py`` that the text tells a reader to open exist."""
    missing = {f"{p.relative_to(ROOT)}: {m}" for p in TEXT_FILES
               for m in re.findall(r"(?<![\w.])course_lib/[\w/]+(?:\.py)?", p.read_text())
               if not (ROOT / m.rstrip("/")).exists()}
    assert not missing, sorted(missing)
