"""Reset the course for a new class: ``./course reset`` (or ``python -m course_lib.learner.reset``).

Deletes what the notebooks generated (``course_outputs/``) and, with ``--cache``, the generated
study area (``data_cache/``, regenerated on next use from its seed). Never touches
``data_samples/`` or the notebooks. Asks before deleting unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from course_lib.config import cache_dir, output_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", action="store_true", help="also delete generated data")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    targets = [output_dir()] + ([cache_dir()] if args.cache else [])
    print("Will delete:", *targets, sep="\n  ")
    if not args.yes and input("Proceed? [y/N] ").strip().lower() != "y":
        print("Nothing deleted.")
        return 1
    for target in targets:
        shutil.rmtree(target, ignore_errors=True)
    print("Done. The notebooks will regenerate what they need.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
