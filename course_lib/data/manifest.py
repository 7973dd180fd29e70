"""sha256 manifests for data folders, in the format that ``sha256sum -c`` reads."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from course_lib.data.atomic import atomic_write
from course_lib.validation import check_path

MANIFEST_NAME = "SHA256SUMS"
#: Files in a data folder that describe the data rather than being data.
NOT_HASHED = {MANIFEST_NAME, "README.md"}


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 digest of a file, read in 1 MiB chunks."""
    path = _check_file(path)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_root(root: Path) -> Path:
    root = check_path(root, "root", must_exist=True,
                      fix="Pass the data folder, e.g. course_lib.config.data_dir().")
    if not root.is_dir():
        raise NotADirectoryError(f"root must be a folder; {root} is a file. Pass its folder, "
                                 "e.g. root.parent.")
    return root


def data_files(root: Path) -> list[Path]:
    """Every data file below ``root`` (sorted, relative), leaving out the manifest and README."""
    root = _check_root(root)
    return sorted(
        p.relative_to(root)
        for p in root.rglob("*")
        if p.is_file() and p.name not in NOT_HASHED and "__pycache__" not in p.parts
    )


def write_manifest(root: Path) -> int:
    """Write ``root/SHA256SUMS`` atomically; return the number of files listed."""
    root = _check_root(root)
    lines = [f"{sha256_of(root / rel)}  {rel.as_posix()}\n" for rel in data_files(root)]
    with atomic_write(root / MANIFEST_NAME, overwrite=True) as tmp:
        tmp.write_text("".join(lines))
    return len(lines)


def read_manifest(root: Path) -> dict[str, str]:
    """Map relative path -> expected sha256 from ``root/SHA256SUMS``."""
    root = check_path(root, "root")   # a missing folder: "No manifest at ..." below
    path = root / MANIFEST_NAME
    if not path.exists():
        raise FileNotFoundError(
            f"No manifest at {path}. Run `python scripts/make_manifest.py` to create it."
        )
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, rel = line.split(maxsplit=1)
            entries[rel.strip()] = digest
    return entries


def verify_manifest(root: Path) -> list[str]:
    """Return a list of problems (missing, changed or unlisted files); empty when all is well."""
    root = check_path(root, "root")
    expected = read_manifest(root)
    problems = []
    for rel, digest in expected.items():
        path = root / rel
        if not path.exists():
            problems.append(f"missing: {rel}")
        elif sha256_of(path) != digest:
            problems.append(f"changed: {rel}")
    listed = set(expected)
    problems += [f"not in manifest: {rel.as_posix()}" for rel in data_files(root)
                 if rel.as_posix() not in listed]
    return problems


def _check_file(path) -> Path:
    """An existing file (not a folder)."""
    path = check_path(path, "path", must_exist=True)
    if not path.is_file():
        raise IsADirectoryError(f"path must be a file; {path} is a folder. Pass one of its "
                                "files, e.g. root / 'README.md'.")
    return path
