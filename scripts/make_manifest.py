"""Write ``data_samples/SHA256SUMS``: one ``<sha256>  <relative path>`` line per data file.

The format is the one ``sha256sum -c`` reads, so the files can be checked without Python too::

    cd data_samples && sha256sum -c SHA256SUMS

``tests/test_data_samples.py`` verifies every line. Run this after adding or changing a file.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_lib.data.manifest import MANIFEST_NAME, write_manifest  # noqa: E402

if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1] / "data_samples"
    n = write_manifest(root)
    print(f"wrote {root / MANIFEST_NAME} with {n} files")
