"""Refresh the version lock: ``requirements/runtime.lock.txt`` and ``requirements/dev.lock.txt``.

Run as ``./course lock`` (or ``python3.11 scripts/lock_requirements.py``) on Linux x86_64 with
Python 3.11, the platform of Binder and CI; it needs PyPI and nothing else. In a fresh
temporary virtual environment it

1. installs the runtime ranges of ``pyproject.toml`` (``[project] dependencies``) and writes
   ``pip freeze`` to the runtime lock: what ``./course lab``, ``./course check`` and Binder
   install;
2. adds the ``dev`` extra, constrained to the runtime pins (so the dev lock holds them
   unchanged, or pip says which tool conflicts), and writes ``pip freeze`` to the dev lock:
   what ``./course test``, ``book`` and ``bench`` install;
3. regenerates the files derived from the lock (``scripts/make_environment_files.py``).

The files are replaced only when everything succeeded (each through a temporary file). pip,
setuptools and wheel are not pinned (``pip freeze`` leaves them out). Review the diff, run
``./course test`` and commit ``requirements/`` and ``binder/`` together.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The one platform the lock is made for (and ./course compares with its own).
PLATFORM = ("Linux", "x86_64", (3, 11))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.!+_-]+)$")


def platform_line(system: str, machine: str, version: tuple[int, int]) -> str:
    """``Linux x86_64 Python 3.11``: the lock's ``# platform:`` value (``./course`` reads it)."""
    return f"{system} {machine} Python {version[0]}.{version[1]}"


def here() -> str:
    return platform_line(platform.system(), platform.machine(), sys.version_info[:2])


def run(*args: str) -> str:
    """Run a command, echoing it; stop with its output on failure."""
    print("lock:", " ".join(args[2:] if args[1:3] == ("-m", "pip") else args), flush=True)
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"lock: failed ({' '.join(args)}); nothing was changed")
    sys.stderr.write(done.stderr)   # pip's warnings, if any
    return done.stdout


def freeze(python: str) -> list[str]:
    """``pip freeze`` of the environment as ``name==version`` lines, sorted by name."""
    lines = [line.strip() for line in run(python, "-m", "pip", "freeze").splitlines()
             if line.strip() and not line.startswith("#")]
    for line in lines:
        match = PIN.match(line)
        if not match:
            raise SystemExit(f"lock: pip freeze gave {line!r}, not name==version; nothing was "
                             "changed")
        if "+" in match.group(2):
            raise SystemExit(f"lock: {line} has a local version label: it was not installed from "
                             "PyPI (check your pip configuration); nothing was changed")
    return sorted(lines, key=lambda line: re.sub(r"[-_.]+", "-", line.split("==")[0]).lower())


def lock_text(kind: str, pins: list[str], platform_value: str) -> str:
    who = {"runtime": "the runtime packages (pyproject.toml's dependencies): ./course lab,\n"
                      "# ./course check and Binder (binder/requirements.txt) install this",
           "dev": "the runtime packages plus the dev extra (tests, notebook execution, book):\n"
                  "# ./course test, ./course book and ./course bench install this"}[kind]
    return (f"# Exact versions of {who}.\n"
            f"# Resolved from the ranges in pyproject.toml by ./course lock on "
            f"{datetime.date.today().isoformat()}; do not edit by hand.\n"
            "# Elsewhere than on the platform below, ./course installs the ranges instead.\n"
            f"# platform: {platform_value}\n"
            + "".join(f"{pin}\n" for pin in pins))


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    wanted = platform_line(*PLATFORM)
    if here() != wanted:
        print(f"lock: the lock is made on {wanted} (Binder's and CI's platform); this is "
              f"{here()}. Run it there, e.g. PYTHON=python3.11 ./course lock", file=sys.stderr)
        return 2

    sys.path.insert(0, str(ROOT / "scripts"))
    import make_environment_files as derived

    runtime, dev = derived.project_requirements()
    with tempfile.TemporaryDirectory(prefix="course-lock-") as tmp:
        tmp = Path(tmp)
        run(sys.executable, "-m", "venv", str(tmp / "venv"))
        python = str(tmp / "venv" / "bin" / "python")
        run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        (tmp / "runtime.in").write_text("".join(f"{r}\n" for r in runtime))
        run(python, "-m", "pip", "install", "--quiet", "-r", str(tmp / "runtime.in"))
        runtime_pins = freeze(python)
        (tmp / "runtime.pins").write_text("".join(f"{p}\n" for p in runtime_pins))
        (tmp / "dev.in").write_text("".join(f"{r}\n" for r in dev))
        run(python, "-m", "pip", "install", "--quiet", "-c", str(tmp / "runtime.pins"),
            "-r", str(tmp / "dev.in"))
        dev_pins = freeze(python)

    missing = sorted(set(runtime_pins) - set(dev_pins))
    if missing:
        raise SystemExit(f"lock: the dev install changed runtime pins {missing}; nothing was "
                         "changed")
    texts = {derived.RUNTIME_LOCK: lock_text("runtime", runtime_pins, wanted),
             derived.DEV_LOCK: lock_text("dev", dev_pins, wanted)}
    for path, text in texts.items():
        derived.write_atomically(path, text)
        print(f"lock: wrote {path.relative_to(ROOT)} ({text.count('==')} pins)")
    for path in derived.write_files():
        print(f"lock: wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
