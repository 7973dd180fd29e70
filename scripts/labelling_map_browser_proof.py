"""Prove the labelling map in a real JupyterLab: draw with the mouse, save, check coordinates.

What it does (headless Chromium, driven by Playwright, no person):

1. Starts JupyterLab (``devtools.browser_driver.LabServer``: token-less, on a free port of
   127.0.0.1, ``COURSE_OFFLINE=1``) on a temporary notebook that shows a
   :class:`course_lib.viz.labelling_map.LabellingMap` of a small synthetic raster: 200 x 150
   pixels of 10 m on UTM 32N (EPSG:32632) near 61.5 N, 6.2 E, with one magenta pixel (row
   37, col 141), a yellow 20 x 30 pixel "landslide" (rows 90-109, cols 40-69) and a nodata
   corner (rows 0-19, cols 0-29).
2. Runs the map cell, then with the mouse: picks "forest" in the class picker, chooses the
   circle-marker tool and clicks the magenta pixel **where the screenshot shows it**; picks
   "landslide", chooses the polygon tool and clicks the four corners of the yellow patch as
   seen on screen (1 screen pixel inside), then the first corner again to close it; clicks
   once on nodata and once outside the image (both must be refused with a message); picks
   "water", places a point on pixel (120, 160) and moves it with the drag tool to (112,
   170); switches the image layer to dNDVI and back.
3. Runs the next cell, which saves the labels to a GeoPackage, then deletes the water point
   with the eraser tool (the kernel's count must drop to 0), and checks in Python:
   the saved point is in pixel (37, 141), the dragged one in (112, 170); each saved vertex
   is where the mouse clicked,
   computed two independent ways: from the image overlay's position on the page (its
   ``getBoundingClientRect`` and its known Web Mercator bounds) and from Leaflet's own click
   coordinates (``Map.on_interaction``); the polygon's mask (``rasterize``) against the
   yellow patch; no "Error displaying widget", no traceback, no request to any host but the
   lab's own.
4. Saves ``labelling_map_widget.png`` (the whole widget after drawing),
   ``labelling_map_proof.png`` (the map alone), ``labelling_map_dndvi.png`` (the dNDVI layer),
   ``labelling_map_page.png`` (the lab), ``labelling_map_labels.gpkg`` (what was saved) and
   ``labelling_map_proof.json`` (every number) in the output folder.

Usage::

    python scripts/labelling_map_browser_proof.py [--out DIR] [--chromium /usr/bin/chromium]

Needs ipyleaflet and jupyter-leaflet (its prebuilt JupyterLab extension), playwright and a
system Chromium (``apt-get install chromium``). Exit status 0 when every check passed.
``tests/test_labelling_map_browser.py`` runs the same as a test (marked ``browser``).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools import browser_driver  # noqa: E402

ROWS, COLS, RES = 150, 200, 10.0
X0, Y0 = 350_980.0, 6_821_690.0          # upper-left corner, EPSG:32632, near 61.5 N 6.2 E
TARGET = (37, 141)                        # the magenta pixel
PATCH = (slice(90, 110), slice(40, 70))   # the yellow "landslide": rows 90-109, cols 40-69
NODATA = (slice(0, 20), slice(0, 30))
WATER_START, WATER_DROP = (120, 160), (112, 170)   # a point drawn, then dragged
MAP_WIDTH, MAP_HEIGHT = 960, 720
NOTEBOOK = "labelling_map_proof.ipynb"


def synthetic_raster():
    """The 4-band raster (red, green, blue, nir reflectances) described in the module doc."""
    from affine import Affine
    from rasterio.crs import CRS

    from course_lib.data.raster import Raster

    r, c = np.mgrid[0:ROWS, 0:COLS].astype(np.float32)
    wave = 0.5 + 0.5 * np.sin(c / 9.0) * np.cos(r / 7.0)
    red = 0.10 + 0.25 * wave
    green = 0.25 + 0.25 * (1 - wave)
    blue = 0.10 + 0.15 * ((r // 10 + c // 10) % 2)          # a faint 10-pixel checkerboard
    nir = 0.30 + 0.4 * wave
    data = np.stack([red, green, blue, nir]).astype(np.float32)
    data[:, TARGET[0], TARGET[1]] = (1.0, 0.0, 1.0, 0.9)       # magenta in true colour
    data[(slice(None),) + PATCH] = np.array([1.0, 1.0, 0.0, 0.2])[:, None, None]  # yellow
    data[(slice(None),) + NODATA] = np.nan
    return Raster(data=data, transform=Affine(RES, 0, X0, 0, -RES, Y0),
                  crs=CRS.from_epsg(32632), band_names=("red", "green", "blue", "nir"))


def synthetic_layers():
    """True colour, false colour and dNDVI layers of :func:`synthetic_raster`."""
    from dataclasses import replace

    raster = synthetic_raster()
    ndvi = (raster.band("nir") - raster.band("red")) / (raster.band("nir") + raster.band("red"))
    dndvi = replace(raster, data=(ndvi - 0.3)[None].astype(np.float32), band_names=("dNDVI",))
    return {"true colour": (raster, {"bands": ("red", "green", "blue"), "vmin": 0, "vmax": 1}),
            "false colour": (raster, {"bands": ("nir", "red", "green"), "vmin": 0, "vmax": 1}),
            "dNDVI": (dndvi, {"bands": ("dNDVI",), "cmap": "RdBu", "vmin": -0.6, "vmax": 0.6})}


def write_notebook(folder: Path, results: Path) -> None:
    import nbformat

    setup = f"""\
import json, sys
sys.path.insert(0, {str(ROOT / 'scripts')!r})
from labelling_map_browser_proof import synthetic_layers
from course_lib.viz.labelling_map import LabellingMap

labels = LabellingMap(synthetic_layers(), width_px={MAP_WIDTH}, height_px={MAP_HEIGHT})
clicks = []   # Leaflet's own lat/lng of every click on the map
labels.map.on_interaction(
    lambda **event: clicks.append(event["coordinates"]) if event.get("type") == "click" else None)
labels"""
    save = f"""\
path = labels.save({str(results / 'labels.gpkg')!r})
with open({str(results / 'kernel.json')!r}, "w") as f:
    json.dump({{"clicks": clicks, "messages": labels.messages, "counts": labels.counts,
               "basemap": labels.basemap, "zoom": labels.map.zoom,
               "layer": labels.layer_picker.value, "data": labels.draw.data}}, f)
print("saved", path)"""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(save)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, folder / NOTEBOOK)


# ---------------------------------------------------------------- browser helpers
def _run_cell(page, index: int, timeout: float = 180) -> None:
    """Select code cell ``index`` by its prompt, run it with Shift+Enter, wait for it."""
    prompt = page.locator(".jp-CodeCell .jp-InputPrompt").nth(index)
    prompt.scroll_into_view_if_needed()
    prompt.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Enter")
    start = time.time()
    while time.time() - start < timeout:
        time.sleep(0.5)
        text = prompt.inner_text()
        if any(ch.isdigit() for ch in text) and "*" not in text:
            return
    raise TimeoutError(f"cell {index} still running after {timeout} s")


def _wait_for(page, predicate, what: str, timeout: float = 30) -> None:
    start = time.time()
    while time.time() - start < timeout:
        if predicate():
            return
        time.sleep(0.25)
    raise TimeoutError(f"waited {timeout} s for {what}")


def _legend(page) -> str:
    return page.locator(".labelling-counts").inner_text()


def _count(page, name: str) -> tuple[int, int]:
    match = re.search(re.escape(name) + r":\s*(\d+)\s*pts,\s*(\d+)\s*poly", _legend(page))
    return (int(match.group(1)), int(match.group(2))) if match else (-1, -1)


def _click_button(page, selector: str, text: str | None = None) -> None:
    """Move the mouse to an element's centre and click (as a person would)."""
    loc = page.locator(selector)
    if text is not None:
        loc = loc.filter(has_text=re.compile(f"^{re.escape(text)}$"))
    box = loc.first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _geoman_tool(page, icon: str) -> None:
    _click_button(page, f".leaflet-pm-toolbar .button-container:has(.{icon}) "
                        "a.leaflet-buttons-control-button")


def _map_image(page):
    """The map element's screenshot as an (h, w, 3) uint8 array and its page box."""
    import matplotlib.image

    element = page.locator(".leaflet-container").first
    box = element.bounding_box()
    png = element.screenshot()
    image = (matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3] * 255).round()
    return image.astype(np.uint8), box


def _find(image: np.ndarray, rgb: tuple[int, int, int], tol: int = 40) -> np.ndarray:
    """(y, x) of the screenshot pixels of one colour."""
    close = (np.abs(image.astype(int) - np.array(rgb)) <= tol).all(-1)
    return np.argwhere(close)


def _overlay_rect(page) -> dict:
    """The page rectangle of the image overlay (one picture, swapped by the layer buttons),
    the start of its picture's data URL and whether it has loaded."""
    return page.evaluate("""() => {
        const imgs = [...document.querySelectorAll('.leaflet-labelling_images-pane img')];
        const r = imgs[0].getBoundingClientRect();
        return {left: r.left, top: r.top, width: r.width, height: r.height, n: imgs.length,
                src: imgs[0].src.slice(-64),
                loaded: imgs.every(i => i.complete && i.naturalWidth > 0)};
    }""")


def run_proof(out: Path, chromium: str | None = None, keep_lab_root: bool = False) -> dict:
    """Do everything in the module doc; return the measurements (and ``problems``)."""
    from playwright.sync_api import sync_playwright

    from course_lib.data import labels as lb
    from course_lib.viz import labelling_map as lm

    chromium = chromium or browser_driver.find_chromium()
    if not chromium:
        raise RuntimeError("No Chromium: apt-get install chromium, or pass --chromium PATH")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = Path(tempfile.mkdtemp(prefix="labelling-proof-"))
    source = Path(tempfile.mkdtemp(prefix="labelling-notebook-"))
    write_notebook(source, results)
    raster = synthetic_raster()
    # the display grid of the true-colour overlay: page pixel -> Web Mercator -> lon/lat
    image, grid, _ = lm.to_web_mercator(lm.render_rgba(raster, {"vmin": 0, "vmax": 1}), raster)
    grid_h, grid_w = image.shape[:2]
    report: dict = {"chromium": chromium}
    external: list[str] = []
    clicks_page: dict[str, list] = {"point": [], "polygon": [], "drag": []}

    def to_page(row: int, col: int, rect: dict) -> tuple[int, int]:
        """Where the centre of raster pixel (row, col) is on the page (whole pixels)."""
        mx, my = lb.lonlat_to_xy(*lb.rowcol_to_lonlat(row, col, raster), lm.WEB_MERCATOR)
        gx, gy = ~grid @ (mx, my)
        return (round(rect["left"] + gx / grid_w * rect["width"]),
                round(rect["top"] + gy / grid_h * rect["height"]))

    def page_to_lonlat(x: float, y: float, rect: dict) -> tuple[float, float]:
        col = (x - rect["left"]) / rect["width"] * grid_w
        row = (y - rect["top"]) / rect["height"] * grid_h
        mx, my = grid @ (col, row)
        return lb.xy_to_lonlat(mx, my, lm.WEB_MERCATOR)

    started = time.time()
    with browser_driver.LabServer(notebook_dir=source, env={"COURSE_OFFLINE": "1"}) as lab, \
            sync_playwright() as pw:
        browser = browser_driver.launch_browser(pw, chromium)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1300})

            def on_request(request) -> None:
                url = request.url
                if not url.startswith(("data:", "blob:", lab.base, "ws://127.0.0.1")):
                    external.append(url)

            page.on("request", on_request)
            page.goto(f"{lab.base}/lab/tree/notebooks/{NOTEBOOK}?reset")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120000)
            page.wait_for_function("() => (document.querySelector('#jp-main-statusbar') || "
                                   "{innerText: ''}).innerText.includes('Idle')",
                                   timeout=120000)
            browser_driver._dismiss_popups(page)
            # more room for the notebook: close the left sidebar
            page.keyboard.press("Control+b")
            _run_cell(page, 0)
            page.wait_for_selector(".leaflet-container", timeout=60000)
            _wait_for(page, lambda: _overlay_rect(page)["loaded"], "the image overlays")
            _wait_for(page, lambda: page.locator(".labelling-counts").count() > 0, "legend")
            page.locator(".leaflet-container").first.scroll_into_view_if_needed()
            time.sleep(1.5)
            report["overlays"] = _overlay_rect(page)
            shot, box = _map_image(page)

            # ---- a training point on the magenta pixel, class forest
            magenta = _find(shot, (255, 0, 255))
            if not len(magenta):
                raise RuntimeError("the magenta pixel is not visible in the map screenshot")
            my_, mx_ = magenta.mean(axis=0)
            report["magenta screen pixels"] = int(len(magenta))
            _click_button(page, ".widget-toggle-button", "forest")
            time.sleep(0.5)
            _geoman_tool(page, "leaflet-pm-icon-circle-marker")
            point_xy = (round(box["x"] + mx_ + 0.5), round(box["y"] + my_ + 0.5))
            rect = _overlay_rect(page)
            page.mouse.click(*point_xy)
            clicks_page["point"].append((point_xy, page_to_lonlat(*point_xy, rect)))
            _wait_for(page, lambda: _count(page, "forest") == (1, 0), "the forest point")

            # ---- nodata and outside: refused with a message
            page.mouse.click(*to_page(10, 15, _overlay_rect(page)))
            _wait_for(page, lambda: "no data" in page.locator(".widget-html").last.inner_text()
                      or "no data" in page.inner_text(".jp-Notebook"), "the nodata message")
            report["nodata message"] = "no data" in page.inner_text(".jp-Notebook")
            outside_xy = (round(box["x"] + box["width"] - 30), round(box["y"] + box["height"]
                                                                     - 30))
            page.mouse.click(*outside_xy)
            _wait_for(page, lambda: "outside the image" in page.inner_text(".jp-Notebook"),
                      "the outside message")
            report["outside message"] = True
            report["forest after refusals"] = _count(page, "forest")

            # ---- a landslide polygon around the yellow patch
            _click_button(page, ".widget-toggle-button", "landslide")
            time.sleep(0.5)
            _geoman_tool(page, "leaflet-pm-icon-polygon")
            yellow = _find(shot, (255, 255, 0))
            ys, xs = yellow[:, 0].astype(float), yellow[:, 1].astype(float)
            cy, cx = ys.mean(), xs.mean()
            corners = [yellow[np.argmin(xs + ys)], yellow[np.argmax(xs - ys)],
                       yellow[np.argmax(xs + ys)], yellow[np.argmin(xs - ys)]]
            vertices = []
            for yy, xx in corners:            # one screen pixel towards the centre
                vx = xx + 0.5 + np.sign(cx - xx) * 1.0
                vy = yy + 0.5 + np.sign(cy - yy) * 1.0
                vertices.append((round(box["x"] + vx), round(box["y"] + vy)))
            rect = _overlay_rect(page)
            for vertex in vertices:
                page.mouse.click(*vertex)
                clicks_page["polygon"].append((vertex, page_to_lonlat(*vertex, rect)))
                time.sleep(0.4)
            page.mouse.click(*vertices[0])   # close the ring on the first vertex
            _wait_for(page, lambda: _count(page, "landslide") == (0, 1), "the polygon")
            page.keyboard.press("Escape")

            # ---- a water point, dragged to another pixel with the drag tool
            _click_button(page, ".widget-toggle-button", "water")
            time.sleep(0.5)
            _geoman_tool(page, "leaflet-pm-icon-circle-marker")
            rect = _overlay_rect(page)
            water_xy = to_page(*WATER_START, rect)
            page.mouse.click(*water_xy)
            _wait_for(page, lambda: _count(page, "water") == (1, 0), "the water point")
            page.keyboard.press("Escape")
            _geoman_tool(page, "leaflet-pm-icon-drag")
            rect = _overlay_rect(page)
            drop_xy = to_page(*WATER_DROP, rect)
            page.mouse.move(*water_xy)
            page.mouse.down()
            page.mouse.move(*drop_xy, steps=12)
            page.mouse.up()
            clicks_page["drag"].append((drop_xy, page_to_lonlat(*drop_xy, rect)))
            time.sleep(1)
            _geoman_tool(page, "leaflet-pm-icon-drag")      # leave drag mode

            # ---- switch the image layer and back (the overlay's picture is swapped)
            true_src = _overlay_rect(page)["src"]
            _click_button(page, ".widget-toggle-button", "dNDVI")
            _wait_for(page, lambda: _overlay_rect(page)["src"] != true_src
                      and _overlay_rect(page)["loaded"], "dNDVI shown")
            report["dNDVI shown"] = True
            report["image overlays"] = _overlay_rect(page)["n"]
            time.sleep(0.5)
            page.locator(".leaflet-container").first.screenshot(
                path=str(out / "labelling_map_dndvi.png"))
            _click_button(page, ".widget-toggle-button", "true colour")
            _wait_for(page, lambda: _overlay_rect(page)["src"] == true_src, "true colour")

            # ---- save from the notebook
            _run_cell(page, 1)
            time.sleep(1)
            page.mouse.move(box["x"] + 5, box["y"] + box["height"] - 5)
            page.locator(".leaflet-container").first.screenshot(
                path=str(out / "labelling_map_proof.png"))
            widget = page.locator(".jp-OutputArea-output .widget-vbox").first
            widget.scroll_into_view_if_needed()
            time.sleep(0.5)
            widget.screenshot(path=str(out / "labelling_map_widget.png"))
            page.screenshot(path=str(out / "labelling_map_page.png"))

            # ---- delete the water point with the eraser tool (after the save)
            _geoman_tool(page, "leaflet-pm-icon-delete")
            rect = _overlay_rect(page)
            page.mouse.click(*to_page(*WATER_DROP, rect))
            _wait_for(page, lambda: _count(page, "water") == (0, 0), "the water point deleted")
            report["water after delete"] = _count(page, "water")
            _geoman_tool(page, "leaflet-pm-icon-delete")

            report["widget errors"] = page.locator("text=Error displaying widget").count()
            report["tracebacks"] = page.locator(browser_driver.ERROR_OUTPUTS).count()
            report["legend"] = _legend(page)
            report["leaflet version"] = page.evaluate("() => window.L ? window.L.version : null")
        finally:
            browser.close()
            lab.shutdown_kernels()
    report["seconds"] = round(time.time() - started, 1)
    report["external requests"] = external
    try:
        report.update(measure(results, raster, clicks_page))
        shutil.copyfile(results / "labels.gpkg", out / "labelling_map_labels.gpkg")
    finally:
        shutil.rmtree(results, ignore_errors=True)
        shutil.rmtree(source, ignore_errors=True)
    report["problems"] = problems(report)
    (out / "labelling_map_proof.json").write_text(json.dumps(report, indent=2, default=str))
    return report


def measure(results: Path, raster, clicks_page: dict) -> dict:
    """Compare the saved GeoPackage with where the mouse clicked; errors in raster pixels."""
    from course_lib.data import labels as lm

    kernel = json.loads((results / "kernel.json").read_text())
    features, classes = lm.load_labels(results / "labels.gpkg")
    out: dict = {"kernel": {k: kernel[k] for k in ("messages", "counts", "basemap", "zoom",
                                                   "layer")},
                 "saved classes": list(classes), "saved": len(features)}
    points = features[features["kind"] == "point"]
    polygons = features[features["kind"] == "polygon"]
    out["saved kinds"] = features["kind"].tolist()

    def frac(lon, lat):
        return np.array(lm.xy_to_fractional_rowcol(*lm.lonlat_to_xy(lon, lat, raster.crs),
                                                   raster.transform))

    # Leaflet's clicks, in order: forest point, nodata, outside, 4 vertices, closing click,
    # water point (a drag is no click)
    leaflet_clicks = [(lng, lat) for lat, lng in kernel["clicks"]]
    out["Leaflet clicks recorded"] = len(leaflet_clicks)
    forest = points[points["class_name"] == "forest"]
    if len(forest) == 1:
        p = forest.geometry.iloc[0]
        saved = np.array(lm.xy_to_fractional_rowcol(p.x, p.y, raster.transform))
        out["point pixel"] = list(lm.xy_to_rowcol(p.x, p.y, raster.transform))
        out["point fractional row/col"] = saved.round(3).tolist()
        out["point error vs target pixel centre (px)"] = float(
            np.hypot(*(saved - (np.array(TARGET) + 0.5))))
        (_, lonlat), = clicks_page["point"]
        out["point error vs overlay position (px)"] = float(np.hypot(*(saved - frac(*lonlat))))
        if leaflet_clicks:
            out["point error vs Leaflet click (px)"] = float(
                np.hypot(*(saved - frac(*leaflet_clicks[0]))))
    water = points[points["class_name"] == "water"]
    if len(water) == 1 and clicks_page["drag"]:
        p = water.geometry.iloc[0]
        saved = np.array(lm.xy_to_fractional_rowcol(p.x, p.y, raster.transform))
        out["dragged point pixel"] = list(lm.xy_to_rowcol(p.x, p.y, raster.transform))
        (_, lonlat), = clicks_page["drag"]
        out["dragged point error vs overlay position (px)"] = float(
            np.hypot(*(saved - frac(*lonlat))))
    if len(polygons) == 1:
        ring = np.array(polygons.geometry.iloc[0].exterior.coords)[:-1]
        saved = np.array([lm.xy_to_fractional_rowcol(x, y, raster.transform) for x, y in ring])
        expected = np.array([frac(*lonlat) for _, lonlat in clicks_page["polygon"]])
        out["polygon vertices"] = len(ring)
        if len(ring) == len(expected):
            # Geoman may start the ring at any vertex and go either way: best match
            errors = []
            for shift in range(len(ring)):
                for order in (1, -1):
                    cand = np.roll(saved[::order], shift, axis=0)
                    errors.append(np.hypot(*(cand - expected).T).max())
            out["polygon max vertex error vs overlay position (px)"] = float(min(errors))
            leaf = np.array([frac(*c) for c in leaflet_clicks[3:3 + len(ring)]])
            if len(leaf) == len(ring):
                best = [min(np.hypot(*(v - leaf).T)) for v in saved]
                out["polygon max vertex error vs Leaflet clicks (px)"] = float(max(best))
        mask = lm.polygons_to_mask(features, raster, "landslide")
        truth = np.zeros(raster.shape, np.uint8)
        truth[PATCH] = 1
        inter, union = int((mask & truth).sum()), int((mask | truth).sum())
        out["mask pixels"], out["patch pixels"] = int(mask.sum()), int(truth.sum())
        out["mask IoU with the yellow patch"] = inter / union if union else 0.0
        out["mask pixels differing from the patch"] = int((mask != truth).sum())
    return out


def problems(report: dict) -> list[str]:
    found = []
    if report.get("widget errors"):
        found.append(f"{report['widget errors']} 'Error displaying widget'")
    if report.get("tracebacks"):
        found.append(f"{report['tracebacks']} traceback(s)")
    if report.get("external requests"):
        found.append(f"requests to other hosts: {report['external requests'][:5]}")
    if report.get("point pixel") != list(TARGET):
        found.append(f"saved point in pixel {report.get('point pixel')}, not {TARGET}")
    for key in ("point error vs overlay position (px)", "point error vs Leaflet click (px)",
                "dragged point error vs overlay position (px)",
                "polygon max vertex error vs overlay position (px)",
                "polygon max vertex error vs Leaflet clicks (px)"):
        if key not in report:
            found.append(f"no measurement of {key}")
        elif report[key] > 1.0:
            found.append(f"{key} = {report[key]:.3f} > 1 pixel")
    if report.get("mask IoU with the yellow patch", 0) < 0.9:
        found.append(f"mask IoU {report.get('mask IoU with the yellow patch')} < 0.9")
    if sorted(report.get("saved kinds", [])) != ["point", "point", "polygon"]:
        found.append(f"saved {report.get('saved kinds')}, not two points and one polygon")
    if report.get("dragged point pixel") != list(WATER_DROP):
        found.append(f"dragged point in pixel {report.get('dragged point pixel')}, "
                     f"not {WATER_DROP}")
    if report.get("water after delete") != (0, 0):
        found.append(f"water count after the delete: {report.get('water after delete')}")
    if report.get("forest after refusals") != (1, 0):
        found.append(f"forest count after the refused clicks: "
                     f"{report.get('forest after refusals')}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "test_artifacts" / "labelling_map")
    parser.add_argument("--chromium", default=browser_driver.find_chromium())
    args = parser.parse_args()
    report = run_proof(args.out, args.chromium)
    print(json.dumps({k: v for k, v in report.items() if k not in ("kernel",)}, indent=2,
                     default=str))
    print("PASS" if not report["problems"] else "FAIL: " + "; ".join(report["problems"]))
    return 0 if not report["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
