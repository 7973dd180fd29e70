"""The package's shape: its layers (import-linter), and one home for each shared idea."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_lib"


def _definitions(name: str) -> list[str]:
    """Modules of course_lib that define a top-level function or class called ``name``."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        if any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name
               for node in tree.body):
            found.append(str(path.relative_to(ROOT)))
    return sorted(found)


def test_import_contracts_hold():
    """The layers of the package docstring, no cycles, and no developer tooling imported."""
    from importlinter import cli

    assert cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"),
                            no_cache=True) == cli.EXIT_STATUS_SUCCESS


def test_every_top_level_entry_is_in_a_layer():
    """A new module must be placed in a layer (the contract is exhaustive, and says so)."""
    text = (ROOT / "pyproject.toml").read_text()
    assert "exhaustive = true" in text
    entries = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    entries |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    layers = text[text.index("layers = ["):text.index("]", text.index("layers = ["))]
    named = set(re.findall(r"[a-z_0-9]+", layers)) - {"layers"}
    assert entries == named


@pytest.mark.parametrize("name, home", [
    ("focal_mode", "course_lib/postprocess.py"),
    ("predict_in_chunks", "course_lib/blockwise.py"),
    ("network_available", "course_lib/data/online.py"),
    ("atomic_write", "course_lib/data/atomic.py"),
    ("dn_to_reflectance", "course_lib/data/sentinel2.py"),
    ("check_reflectance", "course_lib/validation.py"),
])
def test_one_definition_per_idea(name, home):
    """Shared ideas are defined once; the Dask versions wrap them instead of repeating them."""
    defined = _definitions(name)
    if name == "focal_mode":   # the lazy Dask wrapper calls the one definition
        assert "course_lib/scaling/chunked.py" in defined
        defined.remove("course_lib/scaling/chunked.py")
        source = (PACKAGE / "scaling" / "chunked.py").read_text()
        assert "postprocess.focal_mode(" in source
    assert defined == [home]


def test_developer_tooling_is_outside_the_package():
    for name in ("notebook_runner", "browser_check", "browser_driver", "schedule"):
        assert not list(PACKAGE.rglob(f"{name}.py")), name
    assert (ROOT / "devtools" / "notebook_runner.py").exists()
