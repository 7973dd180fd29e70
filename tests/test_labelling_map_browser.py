"""The labelling map in a real JupyterLab, drawn on with the mouse (headless Chromium).

Runs ``scripts/labelling_map_browser_proof.py``: a point and a polygon placed with the mouse
must be saved within one pixel of where the mouse clicked, a dragged point where it was
dropped, a deleted one gone; no widget error, no traceback, no request to other hosts.
Screenshots and the numbers go to ``test_artifacts/labelling_map/`` (``COURSE_ARTIFACTS_DIR``
moves it). About 45 s.

Skipped, with the reason, without Chromium, playwright, ipyleaflet or the jupyter-leaflet
JupyterLab extension. Deselect with ``-m "not browser"``.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from devtools import browser_driver

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("COURSE_ARTIFACTS_DIR", ROOT / "test_artifacts")) / "labelling_map"
CHROMIUM = browser_driver.find_chromium()


def _labextension_installed() -> bool:
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return False
    return any(Path(p, "jupyter-leaflet", "package.json").exists()
               for p in jupyter_path("labextensions"))


MISSING = [name for name, ok in [
    ("Chromium (apt-get install chromium, or set COURSE_CHROMIUM)", CHROMIUM is not None),
    ("playwright (pip install playwright)", importlib.util.find_spec("playwright") is not None),
    ("ipyleaflet (pip install ipyleaflet)", importlib.util.find_spec("ipyleaflet") is not None),
    ("the jupyter-leaflet JupyterLab extension (pip install jupyter-leaflet)",
     _labextension_installed()),
] if not ok]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(MISSING), reason="labelling-map browser test skipped: needs "
                       + ", ".join(MISSING)),
]


def test_draw_with_the_mouse_save_and_check_coordinates():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import labelling_map_browser_proof as proof
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    report = proof.run_proof(ARTIFACTS, CHROMIUM)
    print({k: v for k, v in report.items() if "error" in k or k in ("point pixel", "seconds")})
    assert not report["problems"], "; ".join(report["problems"])
    assert report["point pixel"] == list(proof.TARGET)
    assert report["polygon max vertex error vs overlay position (px)"] < 1.0
    assert (ARTIFACTS / "labelling_map_widget.png").stat().st_size > 10_000
