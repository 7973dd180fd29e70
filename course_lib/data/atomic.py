"""Atomic writes: a learner's file is either the old one or the new one, never half of each.

Every writer of the course (GeoTIFFs, models, inventories, chips, manifests) writes to a
temporary file beside the target, named ``.<name>.tmp-<pid>-<random>``, and renames it over the
target only when it is complete (``os.replace`` is atomic on one file system). A crash or a
killed kernel leaves at most a hidden temporary file, which the next write into the same folder
removes (:func:`remove_stale_temps`). An existing file is never replaced unless the caller
says ``overwrite=True``.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "a.txt") as tmp:
...     _ = tmp.write_text("hello")
>>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
('hello', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator

from course_lib.validation import check_path

#: Temporary files of :func:`atomic_write` are named ``.<name>.tmp-<pid>-<random>``.
TEMP_MARKER = ".tmp-"
#: A temporary file older than this (seconds) is stale even if its process id is in use again.
STALE_TEMP_AGE_S = 3600.0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True   # exists but is not ours, or we cannot tell: keep the file
    return True


def remove_stale_temps(folder: str | os.PathLike, name: str | None = None) -> list[Path]:
    """Delete temporary files (and folders) left by writers that were killed.

    A temporary file ``.<name>.tmp-<pid>-<random>`` is stale when the process ``pid`` no
    longer runs or the file is older than :data:`STALE_TEMP_AGE_S`; live writers' files are
    left alone. Writers of several files at once (an inventory's GeoPackage and shapefile)
    stage them in a temporary *folder* named the same way, removed by the same rule. Called by
    :func:`atomic_write` before every write (for all names in the folder), so a killed
    kernel's leftovers disappear at the next write.

    Returns:
        The paths removed.
    """
    folder = check_path(folder, "folder")
    pattern = f".{name}{TEMP_MARKER}*" if name else f".*{TEMP_MARKER}*"
    removed = []
    if not folder.is_dir():
        return removed
    for temp in folder.glob(pattern):
        if temp.is_symlink() or not (temp.is_file() or temp.is_dir()):
            continue
        try:
            pid = int(temp.name.rsplit(TEMP_MARKER, 1)[1].split("-", 1)[0])
        except (IndexError, ValueError):
            continue   # not one of ours
        try:
            age = time.time() - temp.stat().st_mtime
        except FileNotFoundError:
            continue
        if pid != os.getpid() and (not pid_alive(pid) or age > STALE_TEMP_AGE_S):
            if temp.is_dir():
                shutil.rmtree(temp, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
            removed.append(temp)
    return removed


def file_mode_mask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)   # no /proc: read it by setting and restoring
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, *, overwrite: bool = False,
                 suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    The folder is created if needed and cleared of stale temporary files first. The new file
    gets the usual permissions of a new file (``0666`` minus the umask), not ``mkstemp``'s
    private 0600, so a shared cache on a workshop server stays readable. If the ``with`` block
    raises, the temporary file is removed and ``path`` is left as it was.

    Args:
        path: the file to write.
        overwrite: replace an existing file (otherwise ``FileExistsError``).
        suffix: ending of the temporary name, for libraries that infer the format from it
            (e.g. ``".keras"``, ``".gpkg"``).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
    """
    path = check_path(path, "path")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, suffix=suffix,
                                prefix=f".{path.name}{TEMP_MARKER}{os.getpid()}-")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~file_mode_mask())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
