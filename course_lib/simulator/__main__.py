"""Generate the default study area into the cache: ``python -m course_lib.simulator``.

Binder's ``postBuild`` runs this so that learners start with the world ready. Prints the
time taken, the folder and its size.
"""

from __future__ import annotations

import argparse
import time

from course_lib.simulator.params import StudyAreaParams
from course_lib.simulator.products import load_study_area, study_area_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=StudyAreaParams.size)
    parser.add_argument("--seed", type=int, default=StudyAreaParams.seed)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    params = StudyAreaParams(seed=args.seed, size=args.size)
    existed = (study_area_folder(params) / "metadata.json").exists()
    t0 = time.perf_counter()
    area = load_study_area(params, progress=not args.no_progress)
    seconds = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in area.folder.iterdir()) / 1e6
    what = "reused the cached" if existed else "generated the"
    print(f"Study area: {what} world in {seconds:.1f} s; {size_mb:.1f} MB in {area.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
