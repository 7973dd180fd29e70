"""One source for the dependencies (pyproject.toml); the locks and environment files agree.

pyproject.toml's ``dependencies`` are what a trainee gets, its ``dev`` extra the test and book
tools. ``requirements/*.lock.txt`` pin both (``./course lock``); ``environment.yml`` and
``binder/`` are generated from them by ``scripts/make_environment_files.py``.
"""

import ast
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_environment_files",
                                               ROOT / "scripts" / "make_environment_files.py")
derived = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(derived)

#: Tools that a trainee never needs: none of them may reach the runtime lock.
DEV_TOOLS = {"pytest", "pytest-xdist", "playwright", "sphinx", "myst-nb", "sphinx-book-theme",
             "jupytext", "import-linter", "papermill", "libpysal", "esda"}
#: Dev-extra packages that JupyterLab itself needs (nbconvert: nbclient and nbformat;
#: jupyter-events: pyyaml), so the runtime lock has them too.
ALSO_JUPYTERLAB_DEPENDENCIES = {"nbclient", "nbformat", "pyyaml"}


def pins(path: Path) -> dict[str, str]:
    """``{normalised name: version}`` of a lock file (or binder/requirements.txt)."""
    found = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.!_-]+)", line.strip())
        assert match, f"{path.relative_to(ROOT)}: {line!r} is not an exact name==version pin"
        name = canonicalize_name(match.group(1))
        assert name not in found, f"{path.relative_to(ROOT)} pins {name} twice"
        found[name] = match.group(2)
    return found


def lock_environment() -> dict[str, str]:
    """Marker values of the lock's platform (Linux x86_64, CPython 3.11), whatever runs this."""
    python = derived.lock_python(derived.RUNTIME_LOCK.read_text())
    return {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
            "os_name": "posix", "python_version": python, "python_full_version": f"{python}.0",
            "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "extra": ""}


def requirements(kind: str) -> list[Requirement]:
    runtime, dev = derived.project_requirements()
    return [Requirement(r) for r in {"runtime": runtime, "dev": dev}[kind]]


def applies(req: Requirement) -> bool:
    return req.marker is None or req.marker.evaluate(lock_environment())


# ------------------------------------------------------------------- pyproject.toml itself
def test_runtime_and_dev_lists_are_apart():
    runtime = {canonicalize_name(r.name) for r in requirements("runtime")}
    dev = {canonicalize_name(r.name) for r in requirements("dev")}
    assert not runtime & dev, f"in both lists: {sorted(runtime & dev)}"
    assert not runtime & DEV_TOOLS, f"dev tools in the runtime list: {sorted(runtime & DEV_TOOLS)}"


# ------------------------------------------------------------------------------ the locks
@pytest.mark.parametrize("kind, lock", [("runtime", derived.RUNTIME_LOCK),
                                        ("dev", derived.DEV_LOCK)])
def test_lock_pins_every_requirement_within_its_range(kind, lock):
    pinned = pins(lock)
    for req in filter(applies, requirements(kind)):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{lock.relative_to(ROOT)} does not pin {req}: run ./course lock"
        assert req.specifier.contains(Version(pinned[name]), prereleases=True), (
            f"{lock.relative_to(ROOT)} pins {name}=={pinned[name]}, outside {req}: run "
            "./course lock")


def test_runtime_lock_has_no_dev_tooling():
    pinned = set(pins(derived.RUNTIME_LOCK))
    dev_only = {canonicalize_name(r.name) for r in requirements("dev")}
    dev_only = (dev_only - ALSO_JUPYTERLAB_DEPENDENCIES) | DEV_TOOLS
    assert not pinned & dev_only, (
        f"the runtime lock installs {sorted(pinned & dev_only)} for trainees; a runtime package "
        "now depends on them, or the lock was made with the dev extra")


def test_dev_lock_keeps_the_runtime_pins():
    runtime, dev = pins(derived.RUNTIME_LOCK), pins(derived.DEV_LOCK)
    changed = {name: (version, dev.get(name)) for name, version in runtime.items()
               if dev.get(name) != version}
    assert not changed, f"runtime pin -> dev pin: {changed}; run ./course lock"
    assert set(dev) > set(runtime), "the dev lock adds no tools"


def test_locks_name_one_platform_and_no_local_builds():
    runtime = derived.RUNTIME_LOCK.read_text()
    assert derived.lock_platform(runtime) == derived.lock_platform(derived.DEV_LOCK.read_text())
    assert re.fullmatch(r"Linux x86_64 Python 3\.\d+", derived.lock_platform(runtime))
    for lock in (derived.RUNTIME_LOCK, derived.DEV_LOCK):
        assert not [v for v in pins(lock).values() if "+" in v], "a local build is not on PyPI"


def test_runtime_lock_provides_every_run_time_import():
    """Every third-party module that course_lib or a notebook imports comes with a package of
    the runtime lock (directly or as a dependency), so nothing a trainee runs needs dev tools."""
    providers = importlib.metadata.packages_distributions()
    pinned = set(pins(derived.RUNTIME_LOCK))
    missing = {}
    for path in sorted([*(ROOT / "course_lib").rglob("*.py"),
                        *(ROOT / "notebooks_src").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for module in {n.split(".")[0] for n in names}:
                if module in sys.stdlib_module_names or module == "course_lib":
                    continue
                dists = {canonicalize_name(d) for d in providers.get(module, [])}
                if not dists & pinned:
                    missing.setdefault(module, []).append(str(path.relative_to(ROOT)))
    assert not missing, (f"imported at run time but not in the runtime lock: {missing}; add the "
                         "package to pyproject.toml's dependencies and run ./course lock")


# ----------------------------------------------------------------- the generated files
def test_generated_files_are_up_to_date():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_environment_files.py"),
                           "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_conda_environment_has_the_runtime_packages_only():
    conda, pip = set(), set()
    for dep in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]:
        if isinstance(dep, dict):
            pip |= {canonicalize_name(Requirement(item).name) for item in dep["pip"]}
        else:
            conda.add(canonicalize_name(re.split(r"[<>=!~ ]", dep, maxsplit=1)[0]))
    assert {"python", "pip"} <= conda
    found = (conda - {"python", "pip"}) | pip
    expected = {canonicalize_name(r.name) for r in requirements("runtime")}
    assert found == expected, (f"environment.yml: missing {sorted(expected - found)}, extra "
                               f"{sorted(found - expected)}")
    assert 'pip install -e ".[dev]"' in (ROOT / "environment.yml").read_text()


def test_binder_installs_the_runtime_lock():
    binder = ROOT / "binder"
    # repo2docker builds from environment.yml and ignores requirements.txt when both exist.
    assert not (binder / "environment.yml").exists()
    assert pins(binder / "requirements.txt") == pins(derived.RUNTIME_LOCK)
    python = derived.lock_python(derived.RUNTIME_LOCK.read_text())
    assert (binder / "runtime.txt").read_text().strip() == f"python-{python}"
    assert "pip install --no-deps -e ." in (binder / "postBuild").read_text()


def test_binder_start_caps_threads_and_execs():
    text = (ROOT / "binder" / "start").read_text()
    for var in ("OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "TF_NUM_INTRAOP_THREADS=1",
                "KERAS_BACKEND=tensorflow"):
        assert var in text
    assert text.rstrip().endswith('exec "$@"')
