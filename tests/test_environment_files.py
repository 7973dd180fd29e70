"""pyproject.toml, environment.yml and binder/environment.yml must name the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda needs these in its own files; pip-only variants of TensorFlow are one package for us.
CONDA_ONLY = {"python", "pip"}
ALIASES = {"tensorflow": "tensorflow-cpu"}


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")
    return ALIASES.get(name, name)


def pyproject_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(r) for r in reqs}


def conda_packages(path: Path) -> set[str]:
    names = set()
    for dep in yaml.safe_load(path.read_text())["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        names |= {_name(i) for i in items}
    return names - CONDA_ONLY


def test_three_dependency_lists_agree():
    expected = pyproject_packages()
    for path in (ROOT / "environment.yml", ROOT / "binder" / "environment.yml"):
        found = conda_packages(path)
        assert found == expected, (
            f"{path.relative_to(ROOT)} differs from pyproject.toml: missing "
            f"{sorted(expected - found)}, extra {sorted(found - expected)}"
        )


def test_binder_start_caps_threads_and_execs():
    text = (ROOT / "binder" / "start").read_text()
    for var in ("OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "TF_NUM_INTRAOP_THREADS=1",
                "KERAS_BACKEND=tensorflow"):
        assert var in text
    assert text.rstrip().endswith('exec "$@"')
