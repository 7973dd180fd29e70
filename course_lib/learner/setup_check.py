"""A one-minute check of a learner's set-up: ``./course check`` (or ``python -m course_lib.learner.setup_check``).

Each component of the course gets one line, ``PASS`` or ``FAIL``, and every failure names its
fix. ``./course test`` stays the full check for instructors (every unit test and notebook);
this one is for trainees on the morning of a workshop, and for notebook 00's first cell::

    from course_lib.learner import setup_check
    check.run_checks()          # prints the table, returns True when everything passed

Components, in order: the Python version, the course's packages and their minimum versions
(read from ``pyproject.toml``), the sha256 checksums of the bundled real data
(``data_samples/SHA256SUMS``), the simulated study area (generated now if it is not cached:
about 20 s), the ipywidgets front-end extension of JupyterLab, a tiny Keras forward pass, and
the free memory (the course's budget is 1.5 GB per notebook, as on Binder's 2 GB).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from course_lib.config import REPO_ROOT, data_dir

MIN_PYTHON = (3, 10)
#: Free memory a notebook may need: the course's per-notebook budget (Binder has 2 GB).
MIN_FREE_MB = 1536
#: The front-end half of ipywidgets 8 in JupyterLab 4 (the ``jupyterlab_widgets`` package).
WIDGETS_LABEXTENSION = "@jupyter-widgets/jupyterlab-manager"
COMPONENTS = ("python", "packages", "data", "study-area", "widgets", "keras", "memory")
SETUP_FIX = "rerun the set-up: delete .venv/.course-installed, then ./course check"


@dataclasses.dataclass
class Result:
    """The outcome of one component's check."""

    component: str
    ok: bool
    detail: str
    fix: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        """One line for the table: status, component, what was found, and the fix if failed."""
        text = f"{'PASS' if self.ok else 'FAIL'}  {self.component:<11s} {self.detail}"
        if not self.ok and self.fix:
            text += f"\n      fix: {self.fix}"
        return text


# --------------------------------------------------------------------------- components
def check_python(version_info: tuple[int, ...] | None = None) -> Result:
    """The interpreter is at least ``MIN_PYTHON`` (3.10)."""
    if version_info is not None and (
            isinstance(version_info, str) or len(version_info) < 2
            or not all(isinstance(v, int) for v in tuple(version_info)[:2])):
        raise TypeError(f"version_info must be a tuple of ints such as (3, 11, 4) (like "
                        f"sys.version_info); got {version_info!r}")
    version = tuple((version_info or sys.version_info)[:3])
    text = ".".join(map(str, version))
    if version[:2] >= MIN_PYTHON:
        return Result("python", True, f"Python {text}")
    return Result("python", False, f"Python {text} is older than 3.10",
                  "install Python 3.11 and run PYTHON=python3.11 ./course check")


def course_requirements(pyproject: Path | None = None) -> list[str]:
    """The course's runtime requirements (PEP 508 strings) from ``pyproject.toml``.

    Falls back to the installed ``course_lib`` metadata when the repository's file is not
    there (a non-editable install) or Python lacks ``tomllib`` (3.10); a ``pyproject`` given
    explicitly must exist.
    """
    if pyproject is not None:
        if not isinstance(pyproject, (str, os.PathLike)):
            raise TypeError(f"pyproject must be a path to pyproject.toml; got {pyproject!r}")
        pyproject = Path(pyproject)
        if not pyproject.is_file():
            raise FileNotFoundError(f"pyproject: {pyproject} does not exist; pass the course's "
                                    "pyproject.toml (or nothing, for the repository's).")
    pyproject = pyproject or REPO_ROOT / "pyproject.toml"
    try:
        import tomllib
        return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])
    except (ImportError, OSError, KeyError):
        reqs = importlib.metadata.requires("course_lib") or []
        return [r for r in reqs if "extra ==" not in r]


def _installed_version(name: str) -> str:
    """Installed version of distribution ``name`` (raises ``PackageNotFoundError``)."""
    return importlib.metadata.version(name)


def check_packages(requirements: Iterable[str] | None = None,
                   installed_version: Callable[[str], str] | None = None) -> Result:
    """Every requirement that applies to this platform is installed at a good version.

    Args:
        requirements: PEP 508 strings; default: ``course_requirements()``.
        installed_version: looks a distribution's version up (default
            ``importlib.metadata.version``); tests pass a fake one.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    if installed_version is not None and not callable(installed_version):
        raise TypeError(f"installed_version must be a function name -> version (e.g. "
                        f"importlib.metadata.version); got {installed_version!r}")
    lookup = installed_version or _installed_version
    if isinstance(requirements, str):
        requirements = [requirements]               # one requirement, not its letters
    reqs = []
    for text in (course_requirements() if requirements is None else requirements):
        try:
            reqs.append(Requirement(text))
        except (InvalidRequirement, TypeError) as err:
            raise ValueError(f"requirements: {text!r} is not a requirement such as "
                             f"'numpy>=1.26' ({err})") from None
    reqs = [r for r in reqs if r.marker is None or r.marker.evaluate()]
    missing, old = [], []
    for req in reqs:
        try:
            version = lookup(req.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(req)
            continue
        try:
            good = req.specifier.contains(Version(version), prereleases=True)
        except InvalidVersion:
            good = True   # a local build with an odd version string: trust it
        if not good:
            old.append((req, version))
    if not missing and not old:
        return Result("packages", True, f"{len(reqs)} packages at the required versions")
    problems = [f"{r.name} missing" for r in missing]
    problems += [f"{r.name} {v} (needs {r.specifier})" for r, v in old]
    wanted = " ".join(f'"{r.name}{r.specifier}"' for r in missing + [r for r, _ in old])
    fix = f"{Path(sys.executable).name} -m pip install {wanted}   (or {SETUP_FIX})"
    return Result("packages", False, "; ".join(problems), fix)


def check_data(root: Path | None = None) -> Result:
    """The bundled real samples match ``data_samples/SHA256SUMS``."""
    from course_lib.data.manifest import read_manifest, verify_manifest

    root = root or data_dir()
    fix = ("restore the bundled data: git checkout -- data_samples  (or download the course "
           "again)")
    try:
        expected = read_manifest(root)
        problems = verify_manifest(root)
    except (FileNotFoundError, ValueError) as err:
        return Result("data", False, str(err), fix)
    if problems:
        shown = ", ".join(problems[:3]) + (f" and {len(problems) - 3} more"
                                           if len(problems) > 3 else "")
        return Result("data", False, f"{len(problems)} problem(s): {shown}", fix)
    return Result("data", True, f"{len(expected)} files match data_samples/SHA256SUMS")


def check_study_area(generate: bool = True) -> Result:
    """The default simulated world is cached (or is generated now when ``generate``)."""
    if not isinstance(generate, bool):
        raise TypeError(f"generate must be True or False (generate the world when it is not "
                        f"cached); got {generate!r}")
    from course_lib.simulator import load_study_area
    from course_lib.simulator.products import study_area_folder

    folder = study_area_folder()
    fix = ("regenerate it: ./course reset --cache, then ./course check (or "
           "python -m course_lib.simulator)")
    if (folder / "metadata.json").exists():
        try:
            area = load_study_area(progress=False)
            n = len(area["landslides"])
        except Exception as err:   # a damaged cache: say what and how to fix it
            return Result("study-area", False, f"the cache is damaged: {err}", fix)
        return Result("study-area", True, f"cached ({n} simulated landslides)")
    if not generate:
        return Result("study-area", False, "not generated yet", fix)
    try:
        start = time.perf_counter()
        area = load_study_area(progress=False)
        n = len(area["landslides"])
    except Exception as err:
        return Result("study-area", False, f"generation failed: {err}", fix)
    return Result("study-area", True,
                  f"generated now in {time.perf_counter() - start:.0f} s ({n} landslides)")


def labextension_dirs() -> list[Path]:
    """The folders where JupyterLab looks for prebuilt front-end extensions."""
    from jupyter_core.paths import jupyter_path

    return [Path(p) for p in jupyter_path("labextensions")]


def check_widgets(search_dirs: Iterable[Path] | None = None) -> Result:
    """ipywidgets 8 and its JupyterLab front-end extension are installed and match."""
    fix = ('pip install "ipywidgets>=8" jupyterlab_widgets, restart JupyterLab and reload the '
           "page")
    try:
        ipywidgets = importlib.metadata.version("ipywidgets")
    except importlib.metadata.PackageNotFoundError:
        return Result("widgets", False, "ipywidgets is not installed", fix)
    if int(ipywidgets.split(".")[0]) < 8:
        return Result("widgets", False, f"ipywidgets {ipywidgets} is older than 8", fix)
    if isinstance(search_dirs, (str, os.PathLike)):
        search_dirs = [search_dirs]                 # one folder, not its letters
    dirs = [Path(d) for d in search_dirs] if search_dirs is not None else labextension_dirs()
    for folder in dirs:
        package = folder / WIDGETS_LABEXTENSION / "package.json"
        if package.exists():
            found = re.search(r'"version"\s*:\s*"([^"]+)"', package.read_text())
            version = found.group(1) if found else "?"
            return Result("widgets", True,
                          f"ipywidgets {ipywidgets}, JupyterLab extension {version}")
    return Result("widgets", False,
                  f"the JupyterLab extension {WIDGETS_LABEXTENSION} is not installed "
                  "(widgets would show 'Error displaying widget')", fix)


def _start_keras_quietly():
    """``import keras`` and start TensorFlow's CPU device with descriptor 2 redirected to a
    temporary file, so its start-up log lines (absl, oneDNN, CPU features) stay out of the
    check's table; returns the module. When the start fails, the captured lines are added
    to the exception as a note, so the FAIL line shows them.

    Only the start-up is captured: errors of the forward pass afterwards go to the terminal.
    """
    import tempfile

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        try:
            os.dup2(captured.fileno(), 2)
            try:
                import keras

                if keras.backend.backend() == "tensorflow":
                    import tensorflow as tf

                    tf.constant(0.0) + 1.0     # the CPU device starts (and logs) here
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
                os.close(saved)
        except BaseException as err:
            captured.seek(0)
            log = captured.read().decode("utf-8", "replace").strip()
            if log:
                err.add_note(f"TensorFlow's start-up log:\n{log}")
            raise
    return keras


def check_keras() -> Result:
    """Keras builds a tiny convolutional model and runs one forward pass.

    TensorFlow's start-up lines are silenced during the import only (they are not the
    learner's business); a failing import reports them in the FAIL line's detail.
    """
    fix = ('pip install "keras>=3.3" "tensorflow-cpu>=2.16" and set KERAS_BACKEND=tensorflow '
           f"(or {SETUP_FIX})")
    try:
        keras = _start_keras_quietly()
        import numpy as np

        keras.utils.set_random_seed(2019)
        model = keras.Sequential([keras.Input((8, 8, 3)),
                                  keras.layers.Conv2D(2, 3, padding="same"),
                                  keras.layers.Conv2D(1, 1, activation="sigmoid")])
        out = np.asarray(model.predict(np.zeros((1, 8, 8, 3), "float32"), verbose=0))
    except Exception as err:
        notes = "; ".join(getattr(err, "__notes__", []))
        return Result("keras", False, f"{type(err).__name__}: {err}"
                      + (f" ({notes})" if notes else ""), fix)
    if out.shape != (1, 8, 8, 1) or not np.isfinite(out).all():
        return Result("keras", False, f"forward pass gave shape {out.shape}", fix)
    return Result("keras", True, f"Keras {keras.__version__} on {keras.backend.backend()}: "
                                 "forward pass ok")


def available_memory_mb() -> float:
    """Memory available to this process in MB: the smaller of the machine's available memory
    and what is left under a container limit (cgroup v2 or v1, as on Binder)."""
    try:
        import psutil
        free = psutil.virtual_memory().available / 2**20
    except ImportError:
        text = Path("/proc/meminfo").read_text()
        free = int(re.search(r"MemAvailable:\s+(\d+)", text).group(1)) / 1024
    for limit_file, usage_file in (
            ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
             "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:
            free = min(free, (int(limit) - usage) / 2**20)
        break
    return free


def check_memory(free_mb: float | None = None, need_mb: float = MIN_FREE_MB) -> Result:
    """At least ``need_mb`` of memory is free for a notebook's kernel."""
    for name, value in (("free_mb", free_mb), ("need_mb", need_mb)):
        if value is None and name == "free_mb":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                or value < 0 or (name == "need_mb" and value == 0):
            kind = "positive" if name == "need_mb" else "non-negative"
            raise ValueError(f"{name} must be a {kind} number of megabytes; got {value!r}")
    free = available_memory_mb() if free_mb is None else free_mb
    if free >= need_mb:
        return Result("memory", True, f"{free / 1024:.1f} GB free (a notebook needs up to "
                                      f"{need_mb / 1024:.1f} GB)")
    return Result("memory", False,
                  f"only {free / 1024:.2f} GB free; a notebook needs up to "
                  f"{need_mb / 1024:.1f} GB",
                  "shut down the kernels of other notebooks (Running tab, or Kernel > Shut "
                  "Down Kernel) and close other programs")


# --------------------------------------------------------------------------- running
def _checks(generate: bool) -> dict[str, Callable[[], Result]]:
    return {"python": check_python, "packages": check_packages, "data": check_data,
            "study-area": lambda: check_study_area(generate), "widgets": check_widgets,
            "keras": check_keras, "memory": check_memory}


def run_checks(components: Iterable[str] | None = None, *, generate: bool = True,
               out=None) -> list[Result]:
    """Run the checks and print one line per component (with the fix for each failure).

    Args:
        components: names from ``COMPONENTS`` (default: all, in that order).
        generate: generate the study area when it is not cached (about 20 s).
        out: where to print (default ``sys.stdout``).

    Returns:
        The results, in order; ``all(r.ok for r in results)`` is the verdict.
    """
    out = out or sys.stdout
    if not hasattr(out, "write"):
        raise TypeError(f"out must be a stream with .write (e.g. sys.stdout or io.StringIO()); "
                        f"got {out!r}. To save to a file: with open('log.txt', 'w') as f: "
                        "run_checks(out=f)")
    checks = _checks(generate)
    if isinstance(components, str):
        components = [components]                   # one component, not its letters
    names = list(components) if components is not None else list(COMPONENTS)
    unknown = [n for n in names if n not in checks]
    if unknown:
        raise ValueError(f"components: unknown {unknown}; choose from {list(COMPONENTS)}")
    results = []
    start = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        try:
            result = checks[name]()
        except Exception as err:  # a check must never crash the table
            result = Result(name, False, f"the check itself failed: {type(err).__name__}: "
                                         f"{err}", SETUP_FIX)
        result.seconds = time.perf_counter() - t0
        results.append(result)
        print(result.line(), file=out, flush=True)
    failed = [r.component for r in results if not r.ok]
    verdict = ("all checks passed" if not failed
               else f"{len(failed)} check(s) failed: {', '.join(failed)}")
    print(f"{verdict} ({time.perf_counter() - start:.0f} s)", file=out, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    """``./course check [COMPONENT ...] [--no-generate]``; returns the exit code."""
    if isinstance(argv, str):
        import shlex

        argv = shlex.split(argv)                     # "python memory", not its letters
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("components", nargs="*", metavar="COMPONENT",
                        help=f"any of {', '.join(COMPONENTS)} (default: all)")
    parser.add_argument("--no-generate", action="store_true",
                        help="fail instead of generating the study area when it is not cached")
    args = parser.parse_args(argv)
    unknown = [c for c in args.components if c not in COMPONENTS]
    if unknown:
        parser.error(f"unknown component(s) {unknown}; choose from {', '.join(COMPONENTS)}")
    results = run_checks(args.components or None, generate=not args.no_generate)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
