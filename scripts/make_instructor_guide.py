"""Write the generated parts of the instructor guide: ``instructors/schedule.md``.

The one-day and two-half-day schedules come from the notebooks' own "Time to learn" minutes and
the run times measured in ``bench/REPORT.md`` (``devtools.schedule``). Rerun this script after
adding a notebook, changing a notebook's minutes, or regenerating the benchmark report
(``./course bench`` and ``scripts/build_notebooks.py`` run it for you).

Usage::

    python scripts/make_instructor_guide.py          # write
    python scripts/make_instructor_guide.py --check  # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.schedule import render  # noqa: E402

SCHEDULE = ROOT / "instructors" / "schedule.md"
REPORT = ROOT / "bench" / "REPORT.md"


def expected_text() -> str:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    report = REPORT.read_text() if REPORT.exists() else ""
    return render(notebooks, report)


def write(check: bool = False) -> int:
    text = expected_text()
    if SCHEDULE.exists() and SCHEDULE.read_text() == text:
        return 0
    if check:
        print(f"{SCHEDULE.relative_to(ROOT)} is stale: run python scripts/make_instructor_guide.py")
        return 1
    SCHEDULE.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=SCHEDULE.parent, suffix=".md")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, SCHEDULE)
    print(f"wrote {SCHEDULE.relative_to(ROOT)}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    return write(check=parser.parse_args().check)


if __name__ == "__main__":
    sys.exit(main())
