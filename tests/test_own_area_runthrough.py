"""Notebook 10 in a real JupyterLab, drawn on with the mouse, and the learner's time counted.

Runs ``scripts/own_area_runthrough.py`` in a short version (the notebook's fast values; 3
landslide points and 2 of each other class clicked, then the landslide outlines of the
simulated learner drawn corner by corner): every saved point must be in the pixel aimed at
and on ground of its class, every outline corner within one pixel of its click; no widget
error, no traceback; the notebook's score table says how many points came from the mouse.
Screenshots and the numbers go to ``test_artifacts/own_area_test/`` (``COURSE_ARTIFACTS_DIR``
moves it). About 4 minutes. The full run-through (the paper's 130 points) is the script
itself: ``python scripts/own_area_runthrough.py``.

Skipped, with the reason, without Chromium, playwright, ipyleaflet or the jupyter-leaflet
JupyterLab extension. Deselect with ``-m "not browser"``.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
from test_labelling_map_browser import MISSING  # noqa: E402

ARTIFACTS = Path(os.environ.get("COURSE_ARTIFACTS_DIR", ROOT / "test_artifacts")) / "own_area_test"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(MISSING), reason="notebook 10 run-through skipped: needs "
                       + ", ".join(MISSING)),
]


def test_notebook_10_drawn_with_the_mouse_and_timed():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import own_area_runthrough as runthrough
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    report = runthrough.run(ARTIFACTS, runthrough.Pace(), fast=True, points_per_class=2,
                            landslide_points=3)
    tally, labels = report["tally"], report["labels"]
    assert not report["widget errors"] and not report["tracebacks"]
    assert tally["point_clicks"] == 3 + 7 * 2
    assert labels["saved mouse points"] == tally["point_clicks"]
    assert labels["points in the pixel aimed at"] == tally["point_clicks"]
    assert labels["points on ground of their class"] == tally["point_clicks"]
    assert labels["max point error vs the click (px)"] < 1.0
    assert labels["saved mouse polygons"] >= 2
    assert labels["max outline corner error vs the click (px)"] < 1.0
    assert "your points (17 drawn with the mouse)" in report["scores printed"][0]
    minutes = report["learner minutes"]
    assert minutes["clicking training points"] == round(17 * 3.5 / 60, 1)
    assert 0 < minutes["of which the paper's CART recipe (no outlines, no U-Net)"] < minutes[
        "total (recipe)"]
    for name in ("runthrough_points.png", "runthrough_outlines.png", "runthrough.json"):
        assert (ARTIFACTS / name).stat().st_size > 1000, name
