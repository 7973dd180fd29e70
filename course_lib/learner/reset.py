"""Reset the course for a new class: ``./course reset`` (or ``python -m course_lib.learner.reset``).

Deletes what the notebooks generated (``course_outputs/``) and, with ``--cache``, the generated
study area and downloads (``data_cache/``, regenerated or downloaded again on next use). Never
touches ``data_samples/`` or the notebooks. Lists what it will delete (the learner's saved
maps and inventories live in ``course_outputs/``) and asks before deleting unless ``--yes`` is
given; without a terminal to answer, nothing is deleted.

It refuses a folder that is not the course's to delete: the output or cache folder can be
moved with ``COURSE_OUTPUT_DIR`` / ``COURSE_CACHE_DIR``, and a mistyped variable (the home
folder, the repository itself, a project under git) must never be emptied.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from pathlib import Path

from course_lib.config import REPO_ROOT, cache_dir, data_dir, output_dir

#: Entries that mark a folder as someone's project or the course itself, never to be deleted.
_PROTECTED_ENTRIES = (".git", "notebooks_src", "data_samples", "course_lib", "pyproject.toml")


def refusal(target: Path) -> str | None:
    """Why ``target`` must not be deleted by a reset, or None when it may be.

    A target is refused when it is the file-system root, the home folder, the repository or
    one of its ancestors, the bundled data, or a folder holding a ``.git`` folder, notebook
    sources, the bundled data, the package or a ``pyproject.toml``.

    >>> refusal(Path.home()) is not None, refusal(REPO_ROOT) is not None
    (True, True)
    """
    if not isinstance(target, (str, Path)) or not str(target):
        raise TypeError(f"target must be a folder path; got {target!r}")
    target = Path(target).resolve()
    home = Path.home().resolve()
    if target == Path(target.anchor) or target == home:
        return "it is the file-system root or your home folder"
    if target == REPO_ROOT or target in REPO_ROOT.parents:
        return "it is the course's repository or a folder that contains it"
    if target == data_dir().resolve():
        return "it is the bundled real data (data_samples)"
    found = [name for name in _PROTECTED_ENTRIES if (target / name).exists()]
    if found:
        return f"it holds {found}, so it is a project, not an output folder"
    return None


def _summary(target: Path) -> str:
    """What a target holds, in one line (the top-level entries, the first few named)."""
    if not target.exists():
        return "(does not exist)"
    entries = sorted(p.name + ("/" if p.is_dir() else "") for p in target.iterdir())
    shown = ", ".join(entries[:6]) + (f" and {len(entries) - 6} more" if len(entries) > 6 else "")
    return f"{len(entries)} entries: {shown}" if entries else "(empty)"


def main(argv: list[str] | str | None = None) -> int:
    """Run the reset; returns the exit code (0 deleted, 1 nothing deleted, 2 refused)."""
    if isinstance(argv, str):
        argv = shlex.split(argv)                 # "--cache --yes", not its letters
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", action="store_true", help="also delete generated data")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    targets = [output_dir()] + ([cache_dir()] if args.cache else [])
    for target in targets:
        reason = refusal(target)
        if reason:
            variable = "COURSE_OUTPUT_DIR" if target == output_dir() else "COURSE_CACHE_DIR"
            print(f"Refusing to delete {target}: {reason}. Nothing deleted. Point {variable} "
                  "at the course's own folder (or unset it) and run the reset again.",
                  file=sys.stderr)
            return 2
    print("Will delete:")
    for target in targets:
        print(f"  {target}  {_summary(target)}")
    if not args.yes:
        try:
            answer = input("Proceed? [y/N] ")
        except EOFError:
            print("\nNothing deleted (no answer: run with --yes to delete without asking).")
            return 1
        if answer.strip().lower() != "y":
            print("Nothing deleted.")
            return 1
    failed: list[str] = []
    for target in targets:
        if sys.version_info >= (3, 12):
            shutil.rmtree(target, onexc=lambda _f, path, exc: failed.append(f"{path}: {exc}"))
        else:
            shutil.rmtree(target, onerror=lambda _f, path, exc: failed.append(f"{path}: {exc[1]}"))
    if failed:
        print(f"Could not delete {len(failed)} item(s), e.g. {failed[0]}. Close programs that "
              "use them and run the reset again.", file=sys.stderr)
        return 1
    print("Done. The notebooks will regenerate what they need.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
