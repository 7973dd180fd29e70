"""``./course``'s set-up: which lock it installs, when it reinstalls, and its fallback.

Runs the real script against a fake environment (``COURSE_VENV``) whose ``python`` logs the
pip and pytest calls instead of running them, and whose ``jupyter`` logs its arguments, so
nothing is installed and each case takes a fraction of a second.
"""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = "requirements/runtime.lock.txt"
DEV_LOCK = "requirements/dev.lock.txt"

FAKE_PYTHON = """#!/usr/bin/env bash
# A fake environment's python: log pip and pytest, answer the platform question, run the rest.
if [ "$1" = -m ] && { [ "$2" = pip ] || [ "$2" = pytest ]; }; then
  echo "$*" >> "$FAKE_LOG"
  exit 0
fi
if [ "$1" = -c ] && [[ "$2" == *platform.system* ]]; then
  echo "$FAKE_PLATFORM"
  exit 0
fi
exec @REAL@ "$@"
"""
FAKE_JUPYTER = """#!/usr/bin/env bash
echo "jupyter $*" >> "$FAKE_LOG"
"""


@pytest.fixture
def course(tmp_path):
    """Run ``./course ARGS`` on a fake environment; returns (calls logged, printed output)."""
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (("python", FAKE_PYTHON.replace("@REAL@", shlex.quote(sys.executable))),
                       ("jupyter", FAKE_JUPYTER)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "calls.log"
    locked = next(line.split(": ", 1)[1] for line in (ROOT / RUNTIME_LOCK).read_text().splitlines()
                  if line.startswith("# platform: "))

    def run(*args, platform=locked, returncode=0, **env_vars):
        log.write_text("")
        env = {**os.environ, "COURSE_VENV": str(tmp_path / "venv"), "PYTHON": sys.executable,
               "FAKE_LOG": str(log), "FAKE_PLATFORM": platform, **env_vars}
        done = subprocess.run([str(ROOT / "course"), *args], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == returncode, done.stderr
        return log.read_text().splitlines(), done.stdout + done.stderr

    run.stamp = tmp_path / "venv" / ".course-installed"
    run.locked = locked
    return run


def installs(calls):
    """The requirement arguments of the pip install calls, pip's own upgrade left out."""
    return [c.split(" install --quiet ", 1)[1] for c in calls
            if c.startswith("-m pip install") and "--upgrade pip" not in c]


def test_lab_installs_the_runtime_lock_then_course_lib_and_passes_allow_root_as_root(course):
    calls, out = course("lab", "--no-browser")
    assert installs(calls) == [f"-r {RUNTIME_LOCK}", "--no-deps -e ."]
    root = ["--allow-root"] if os.geteuid() == 0 else []
    assert calls[-1].split() == ["jupyter", "lab", *root, "notebooks/00_welcome_and_data.ipynb",
                                 "--no-browser"]
    assert course.stamp.read_text().split()[1] == "runtime"
    assert "exact versions" not in out
    calls, _ = course("lab")
    assert installs(calls) == [], "installed again with nothing changed"


def test_test_after_lab_adds_the_dev_tools_and_lab_after_test_keeps_them(course):
    course("lab")
    calls, _ = course("test", "-x")
    assert installs(calls) == [f"-r {DEV_LOCK}", "--no-deps -e ."]
    assert calls[-1] == "-m pytest -x"
    assert course.stamp.read_text().split()[1] == "dev"
    for cmd in ("lab", "test"):
        calls, _ = course(cmd)
        assert installs(calls) == [], f"./course {cmd} installed again"


def test_a_changed_lock_or_pyproject_reinstalls_keeping_the_tools(course):
    course("test")
    key, kind = course.stamp.read_text().split()
    course.stamp.write_text(f"{'0' * len(key)} {kind}\n")   # as after an edit of a lock
    calls, _ = course("lab")
    assert installs(calls) == [f"-r {DEV_LOCK}", "--no-deps -e ."]
    assert course.stamp.read_text().split() == [key, "dev"]


def test_an_old_stamp_without_a_kind_reinstalls(course):
    course.stamp.write_text("dcc05f0802159122f7106555216a6b16bea751cfbfea4736eacd6cf9cb909351\n")
    calls, _ = course("lab")
    assert installs(calls) == [f"-r {RUNTIME_LOCK}", "--no-deps -e ."]


@pytest.mark.parametrize("cmd, target", [("lab", "."), ("test", ".[dev]")])
def test_other_platforms_get_the_ranges_and_one_line_saying_so(course, cmd, target):
    calls, out = course(cmd, platform="Darwin arm64 Python 3.12")
    assert installs(calls) == [f"-e {target}"]
    said = [line for line in out.splitlines() if "exact versions" in line]
    assert len(said) == 1 and course.locked in said[0] and "Darwin arm64 Python 3.12" in said[0]


def test_usage_names_the_lock_command(course):
    done = subprocess.run([str(ROOT / "course"), "nonsense"], capture_output=True, text=True)
    assert done.returncode == 2 and "lock" in done.stderr and "data" in done.stderr


def test_data_offline_says_why_and_how_the_course_carries_on(course, tmp_path):
    calls, out = course("data", returncode=1, COURSE_OFFLINE="1",
                        COURSE_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    assert installs(calls) == [f"-r {RUNTIME_LOCK}", "--no-deps -e ."]
    assert "No network" in out and "COURSE_OFFLINE" in out and "made-up patches" in out
    assert "Run `./course data` again" in out and "Traceback" not in out
    assert not (tmp_path / "cache" / "landslide4sense" / "course_subset").exists()
