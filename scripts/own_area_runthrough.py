"""Time a learner's run-through of notebook 10 in a real JupyterLab, drawing with the mouse.

The paper says its CART recipe takes "around 30 min after the image is available"
(Ganerød, Lindsay et al. 2023, section 5.3 (i)). Does notebook 10 keep that promise for a
learner who reads it for the first time? This script does what such a learner does, in a real
JupyterLab in headless Chromium (driven by Playwright), and **counts the learner's time**:

1. serves a copy of ``notebooks/10_your_own_area.ipynb`` (``COURSE_OFFLINE=1``; the map made
   larger with the notebook's ``MAP_WIDTH``/``MAP_HEIGHT`` parameters, and with ``--fast`` the
   test values of ``devtools/fast_parameters.py``);
2. runs the cells one by one with Shift+Enter, timing each;
3. under the first map: looks at the dNDVI and false-colour images, zooms in once with the
   map's **+** button, and **clicks the training points with the mouse**, class by class in
   each view, panning by dragging the map when the next points are out of view. The points
   are the simulated learner's plan (:func:`course_lib.simulator.labeller.simulated_points`,
   the paper's 18 + 112 by default), so the notebook's top-up adds nothing and the notebook's
   scores are those of a run without a person;
4. types the self-check answer;
5. under the map of part 2: zooms in twice and **draws the landslide outlines** corner by
   corner (:func:`~course_lib.simulator.labeller.simulated_outlines`), closing each on its
   first corner;
6. reads the labels the notebook saved (its GeoPackage) and checks that every point is in
   the pixel aimed at and every corner within one pixel of where it was clicked.

The learner's time is counted, not the machine's: reading at ``--wpm`` words per minute
(the notebook's Markdown, up to the exercises), ``--cell-seconds`` to look at and run each
code cell plus what the cell took to run (measured here), ``--pace`` seconds per training
point (finding a good pixel and clicking it), ``--vertex-pace`` per outline corner,
``--switch-seconds`` per class or tool button, ``--pan-seconds`` per zoom, pan or image
switch, ``--answer-seconds`` for the self-check and ``--explore-seconds`` for the widget.
The exercises are counted apart. With ``--real-pace`` the script also waits that long, so the
lab sees a person's rhythm (a run of the paper's 130 points then takes the full half hour).

Usage::

    python scripts/own_area_runthrough.py                 # the paper's 130 points, 4 chips
    python scripts/own_area_runthrough.py --pace 3 --wpm 220
    python scripts/own_area_runthrough.py --fast --points-per-class 2 --landslide-points 3

Writes ``runthrough.json`` (every number), ``runthrough_points.png`` (the map after the
points), ``runthrough_outlines.png``, ``runthrough_page.png`` and the saved labels
(``runthrough_labels.gpkg``) to ``--out`` (default ``test_artifacts/own_area``). Needs
ipyleaflet, jupyter-leaflet, playwright and a system Chromium, as
``scripts/labelling_map_browser_proof.py``. ``tests/test_own_area_runthrough.py`` runs a
short version as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools import browser_driver  # noqa: E402

NOTEBOOK = "10_your_own_area.ipynb"
#: Geoman toolbar icons.
CIRCLE_MARKER, POLYGON = "leaflet-pm-icon-circle-marker", "leaflet-pm-icon-polygon"
DEBUG = bool(os.environ.get("RUNTHROUGH_DEBUG"))
#: Zoom levels the learner goes in before clicking points: from the whole area (zoom 12 in a
#: 1100 x 700 map) to zoom 14, where a 10 m pixel is about two screen pixels wide.
POINT_ZOOMS = 2
#: Page pixels kept clear of the map's edges and of its toolbar (left) when clicking; drags
#: start right of SAFE_LEFT (the toolbar's action buttons reach about 380 px into the map).
EDGE, TOOLBAR, SAFE_LEFT = 30, 60, 400


@dataclass
class Pace:
    """The learner's time per action (seconds) and reading speed."""

    wpm: float = 180.0
    cell_seconds: float = 5.0
    pace: float = 3.5
    vertex_pace: float = 2.0
    switch_seconds: float = 1.5
    pan_seconds: float = 3.0
    answer_seconds: float = 20.0
    explore_seconds: float = 60.0
    real: bool = False


@dataclass
class Tally:
    """What the learner did, counted."""

    point_clicks: int = 0
    vertex_clicks: int = 0
    switches: int = 0
    pans: int = 0
    finish_clicks: int = 0
    cell_runs: list = field(default_factory=list)    # (code cell index, seconds, part)

    def wait(self, seconds: float, pace: Pace) -> None:
        if pace.real:
            time.sleep(seconds)


def log(message: str) -> None:
    """One progress line (the run takes minutes)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- the notebook
def words(text: str) -> int:
    """Words a learner reads in Markdown: links' targets, HTML tags and code fences dropped.

    >>> words("Read [the paper](https://x.org/y) <b>now</b>: 18 points.")
    6
    """
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return len(re.findall(r"[A-Za-zÀ-ÿ0-9][\w'’-]*", text))


def prepare_notebook(folder: Path, fast: bool, parameters: dict) -> dict:
    """Write the parameterised copy of notebook 10 into ``folder``; return its layout."""
    import nbformat

    from devtools.notebook_runner import read_notebook, with_parameters

    nb = read_notebook(ROOT / "notebooks" / NOTEBOOK, fast=fast)
    nb = with_parameters(nb, parameters)
    nbformat.write(nb, folder / NOTEBOOK)
    code = [c for c in nb.cells if c.cell_type == "code"]
    exercises = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                     and "## Exercises" in c.source)
    first_exercise_code = sum(1 for c in nb.cells[:exercises] if c.cell_type == "code")

    def find(text: str) -> int:
        return next(i for i, c in enumerate(code) if text in c.source)

    return {
        "n_code": len(code),
        "points_map": find("labels = LabellingMap("),
        "outline_map": find('labels.show_layer("dNDVI")'),
        "answer": find("answer = ..."),
        "explorer": find("explorer(\n    show_clicks"),
        "first_exercise": first_exercise_code,
        "words_recipe": sum(words(c.source) for c in nb.cells[:exercises]
                            if c.cell_type == "markdown"),
        "words_exercises": sum(words(c.source) for c in nb.cells[exercises:]
                               if c.cell_type == "markdown"),
    }


# ---------------------------------------------------------------- browser helpers
def _run_cell(page, index: int, timeout: float = 300) -> float:
    """Run code cell ``index`` with Shift+Enter; return the seconds until it finished."""
    prompt = page.locator(".jp-CodeCell .jp-InputPrompt").nth(index)
    prompt.scroll_into_view_if_needed()
    prompt.click()
    page.keyboard.press("Escape")
    start = time.time()
    page.keyboard.press("Shift+Enter")
    while time.time() - start < timeout:
        time.sleep(0.2)
        text = prompt.inner_text()
        if any(ch.isdigit() for ch in text) and "*" not in text:
            return time.time() - start
    raise TimeoutError(f"code cell {index} still running after {timeout} s")


def _wait_for(predicate, what: str, timeout: float = 30) -> None:
    start = time.time()
    while time.time() - start < timeout:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"waited {timeout} s for {what}")


class MapView:
    """One view of the labelling map in the output of one code cell."""

    def __init__(self, page, cell_index: int, grid) -> None:
        self.page = page
        self.cell = page.locator(".jp-CodeCell").nth(cell_index)
        self.grid = grid
        self.container = self.cell.locator(".leaflet-container").first

    def box(self) -> dict:
        return self.container.bounding_box()

    def centre_on_screen(self) -> None:
        """Scroll the page so the whole map is on screen (mouse events need it there)."""
        self.container.evaluate("(e) => e.scrollIntoView({block: 'center'})")
        time.sleep(0.5)

    def overlay(self) -> dict:
        return self.cell.evaluate("""(cell) => {
            const img = cell.querySelector('.leaflet-labelling_images-pane img');
            const r = img.getBoundingClientRect();
            return {left: r.left, top: r.top, width: r.width, height: r.height,
                    src: img.src.slice(-64), loaded: img.complete && img.naturalWidth > 0};
        }""")

    def counts(self) -> dict[str, tuple[int, int]]:
        text = self.cell.locator(".labelling-counts").inner_text()
        found = re.findall(r"([a-z /]+?):\s*(\d+)\s*pts,\s*(\d+)\s*poly", text)
        return {name.strip(): (int(p), int(q)) for name, p, q in found}

    def click_centre(self, locator) -> None:
        box = locator.bounding_box()
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def button(self, text: str) -> None:
        loc = self.cell.locator(".widget-toggle-button").filter(
            has_text=re.compile(f"^{re.escape(text)}$"))
        self.click_centre(loc.first)

    def tool(self, icon: str) -> None:
        self.click_centre(self.cell.locator(
            f".leaflet-pm-toolbar .button-container:has(.{icon}) a.leaflet-buttons-control-button"
        ).first)

    def tool_active(self, icon: str) -> bool:
        return bool(self.cell.evaluate(f"""(cell) => {{
            const c = cell.querySelector('.leaflet-pm-toolbar .button-container:has(.{icon})');
            return !!c && c.classList.contains('active');
        }}"""))

    def zoom_in(self) -> None:
        before = self.overlay()["width"]
        self.click_centre(self.cell.locator(".leaflet-control-zoom-in").first)
        _wait_for(lambda: self.overlay()["width"] > 1.5 * before, "the zoom")
        time.sleep(0.6)

    def zoom_out(self) -> None:
        before = self.overlay()["width"]
        self.click_centre(self.cell.locator(".leaflet-control-zoom-out").first)
        _wait_for(lambda: self.overlay()["width"] < 0.75 * before, "the zoom out")
        time.sleep(0.6)

    def page_xy(self, lonlat: tuple[float, float]) -> tuple[float, float]:
        """Where a lon/lat position is on the page (through the overlay's Mercator grid)."""
        from course_lib.data import labels as lb
        from course_lib.viz.labelling_map import WEB_MERCATOR

        rect = self.overlay()
        mx, my = lb.lonlat_to_xy(*lonlat, WEB_MERCATOR)
        gx, gy = ~self.grid.transform @ (mx, my)
        h, w = self.grid.index.shape
        return rect["left"] + gx / w * rect["width"], rect["top"] + gy / h * rect["height"]

    def page_to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        from course_lib.data import labels as lb
        from course_lib.viz.labelling_map import WEB_MERCATOR

        rect = self.overlay()
        h, w = self.grid.index.shape
        mx, my = self.grid.transform @ ((x - rect["left"]) / rect["width"] * w,
                                        (y - rect["top"]) / rect["height"] * h)
        return lb.xy_to_lonlat(mx, my, WEB_MERCATOR)

    def controls(self) -> list[dict]:
        """Page rectangles of the map's controls (zoom, toolbar, the toolbar's actions such
        as "Cancel", the scale): a click there would press a control, not draw."""
        return self.cell.evaluate("""(cell) => [...cell.querySelectorAll(
            '.leaflet-control, .leaflet-pm-actions-container')]
            .map(e => e.getBoundingClientRect())
            .filter(r => r.width > 0 && r.height > 0)
            .map(r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))""")

    def action_zone(self) -> list[dict]:
        """Where the toolbar's action buttons ("Finish", "Cancel"...) appear beside a tool
        while it is active: kept clear even while they are hidden."""
        bar = self.cell.evaluate("""(cell) => {
            const r = cell.querySelector('.leaflet-pm-toolbar').getBoundingClientRect();
            return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
        }""")
        return [{**bar, "right": bar["right"] + 320}]

    def inside(self, x: float, y: float, controls: list[dict] | None = None) -> bool:
        b = self.box()
        if not (b["x"] + TOOLBAR <= x <= b["x"] + b["width"] - EDGE
                and b["y"] + EDGE <= y <= b["y"] + b["height"] - EDGE):
            return False
        controls = self.controls() if controls is None else controls
        return not any(c["left"] - 12 <= x <= c["right"] + 12
                       and c["top"] - 12 <= y <= c["bottom"] + 12 for c in controls)

    def pan_to(self, lonlats: list[tuple[float, float]], max_drags: int = 8) -> int:
        """Drag the map until the middle of ``lonlats`` is in the middle of the part of the
        map right of the toolbar (a drag moves the map by at most that part's size); returns
        the number of drags."""
        for drag in range(1, max_drags + 1):
            xs, ys = zip(*(self.page_xy(p) for p in lonlats))
            b = self.box()
            cx, cy = b["x"] + (b["width"] + SAFE_LEFT - EDGE) / 2, b["y"] + b["height"] / 2
            tx, ty = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
            # drag inside the part of the map right of the toolbar and its actions, so the
            # mouse never presses a control
            left, right = b["x"] + SAFE_LEFT, b["x"] + b["width"] - EDGE
            top, bottom = b["y"] + EDGE, b["y"] + b["height"] - EDGE
            limit_x, limit_y = right - left, bottom - top
            dx = float(np.clip(cx - tx, -limit_x, limit_x))
            dy = float(np.clip(cy - ty, -limit_y, limit_y))
            sx = left if dx > 0 else right
            sy = top if dy > 0 else bottom
            before = self.overlay()["left"], self.overlay()["top"]
            self.page.mouse.move(sx, sy)
            self.page.mouse.down()
            self.page.mouse.move(sx + dx, sy + dy, steps=15)
            self.page.mouse.up()
            _wait_for(lambda: (self.overlay()["left"], self.overlay()["top"]) != before or
                      (abs(dx) < 2 and abs(dy) < 2), "the pan")
            time.sleep(0.6)          # Leaflet's inertia ends
            if abs(dx) < limit_x and abs(dy) < limit_y:
                return drag
        return max_drags


# ---------------------------------------------------------------- drawing
def draw_points(view: MapView, plan, raster, labels_of: dict, pace: Pace, tally: Tally,
                clicked: list) -> None:
    """Click every planned point: class by class within each view; pan when none is in view."""
    from course_lib.data import labels as lb

    remaining = list(plan.itertuples())
    current = None
    expected: dict[str, int] = {}
    pans_without_progress = 0
    while remaining:
        # a person aims at the middle of the pixel they chose
        positions = {r.order: view.page_xy(lb.rowcol_to_lonlat(r.row, r.col, raster))
                     for r in remaining}
        controls = view.controls() + view.action_zone()
        visible = [r for r in remaining if view.inside(*positions[r.order], controls)]
        if not visible:
            pans_without_progress += 1
            if pans_without_progress > 3:
                raise RuntimeError(f"{len(remaining)} points stay out of view after panning")
            # bring the next point to the centre (the others near it come along)
            drags = view.pan_to([lb.rowcol_to_lonlat(remaining[0].row, remaining[0].col,
                                                      raster)])
            tally.pans += drags
            tally.wait(drags * pace.pan_seconds, pace)
            log(f"panned; {len(remaining)} points to go")
            continue
        pans_without_progress = 0
        for cls in dict.fromkeys(r.class_name for r in visible):
            group = [r for r in visible if r.class_name == cls]
            if cls != current:
                view.button(labels_of[cls])
                tally.switches += 1
                tally.wait(pace.switch_seconds, pace)
                current = cls
                time.sleep(0.3)
            if not view.tool_active(CIRCLE_MARKER):
                view.tool(CIRCLE_MARKER)
                tally.switches += 1
                tally.wait(pace.switch_seconds, pace)
                time.sleep(0.2)
            for r in group:
                target = lb.rowcol_to_lonlat(r.row, r.col, raster)
                x, y = view.page_xy(target)
                # a marker already placed under the click would catch it: a person zooms in
                close = [c["lonlat"] for c in clicked]
                zoomed = 0
                while close and zoomed < 3 and min(
                        np.hypot(*np.subtract(view.page_xy(c), (x, y))) for c in close) < 12:
                    drags = view.pan_to([target])
                    view.zoom_in()
                    zoomed += 1
                    tally.pans += drags + 1
                    tally.wait((drags + 1) * pace.pan_seconds, pace)
                    x, y = view.page_xy(target)
                x, y = round(x), round(y)
                lonlat = view.page_to_lonlat(x, y)
                view.page.mouse.click(x, y)
                clicked.append({"order": r.order, "class_name": cls, "row": int(r.row),
                                "col": int(r.col), "lonlat": lonlat})
                tally.point_clicks += 1
                tally.wait(pace.pace, pace)
                expected[cls] = expected.get(cls, 0) + 1
                # the kernel labels each new point and sends the drawings back: wait for it,
                # as a person's pace always does (a click in between could be overwritten)
                label = labels_of[cls]
                _wait_for(lambda: view.counts().get(label, (0, 0))[0] == expected[cls],
                          f"{expected[cls]} {cls} points")
                for _ in range(zoomed):
                    view.zoom_out()
                    tally.pans += 1
                    tally.wait(pace.pan_seconds, pace)
                if zoomed:          # the view moved: the other points' places too
                    break
            done = {c["order"] for c in clicked}
            remaining = [r for r in remaining if r.order not in done]
            if any(r.order not in done for r in group):
                break                # positions changed (a zoom): look at the view again


def draw_outlines(view: MapView, outlines, pace: Pace, tally: Tally, drawn: list) -> None:
    """Draw each outline corner by corner with the polygon tool, closing on the first."""
    from course_lib.data import labels as lb

    view.button("landslide")
    tally.switches += 1
    tally.wait(pace.switch_seconds, pace)
    n = view.counts().get("landslide", (0, 0))[1]
    for row in outlines.itertuples():
        corners = list(row.geometry.exterior.coords)[:-1]
        lonlats = [lb.xy_to_lonlat(x, y, outlines.crs) for x, y in corners]
        zone = view.controls() + view.action_zone()

        def in_view() -> bool:
            return all(view.inside(*view.page_xy(p), zone) for p in lonlats)

        if not in_view():
            drags = view.pan_to(lonlats)
            tally.pans += drags
            tally.wait(drags * pace.pan_seconds, pace)
        # corners closer than a vertex marker on screen would end the outline early: a
        # person zooms in on a small landslide, and out again afterwards
        zoomed = 0
        while min_gap(view, lonlats) < 14 and fits_twice(view, lonlats) and zoomed < 4:
            drags = view.pan_to(lonlats)
            view.zoom_in()
            zoomed += 1
            tally.pans += drags + 1
            tally.wait((drags + 1) * pace.pan_seconds, pace)
        if zoomed and not in_view():
            drags = view.pan_to(lonlats)
            tally.pans += drags
            tally.wait(drags * pace.pan_seconds, pace)
        if not in_view():
            raise RuntimeError(f"outline {row.order} does not fit in the map's view")
        view.tool(POLYGON)
        tally.switches += 1
        tally.wait(pace.switch_seconds, pace)
        time.sleep(0.2)
        clicks = [tuple(round(v) for v in view.page_xy(p)) for p in lonlats]
        if DEBUG:
            log(f"outline {row.order}: zoomed {zoomed}, box {view.box()}, clicks {clicks}, "
                f"polygon tool active {view.tool_active(POLYGON)}")
            view.page.screenshot(path=f"/tmp/own-area/debug_{row.order}_before.png")
        clicked = []
        for x, y in clicks + clicks[:1]:
            view.page.mouse.move(x, y, steps=4)
            view.page.mouse.click(x, y)
            clicked.append(view.page_to_lonlat(x, y))
            if DEBUG and len(clicked) <= 2:
                view.page.screenshot(path=f"/tmp/own-area/debug_{row.order}_{len(clicked)}.png")
            tally.vertex_clicks += 1
            tally.wait(pace.vertex_pace, pace)
            time.sleep(0.3)
        n += 1
        try:
            _wait_for(lambda: view.counts().get("landslide", (0, 0))[1] == n, f"outline {n}",
                      timeout=5)
        except TimeoutError:
            # the closing click did not end the outline: press the toolbar's Finish, as a
            # person would
            finish = view.cell.locator(".leaflet-pm-actions-container .action-finish")
            view.click_centre(finish.first)
            tally.switches += 1
            tally.finish_clicks += 1
            tally.wait(pace.switch_seconds, pace)
            _wait_for(lambda: view.counts().get("landslide", (0, 0))[1] == n, f"outline {n}")
        drawn.append({"order": int(row.order), "corners": clicked[:-1]})
        for _ in range(zoomed):
            view.zoom_out()
            tally.pans += 1
            tally.wait(pace.pan_seconds, pace)


def fits_twice(view: MapView, lonlats: list) -> bool:
    """Would the outline still fit in the map one zoom level closer (twice as large)?"""
    xy = np.array([view.page_xy(p) for p in lonlats])
    width, height = np.ptp(xy[:, 0]), np.ptp(xy[:, 1])
    b = view.box()
    return (2 * width <= b["width"] - SAFE_LEFT - EDGE - 40
            and 2 * height <= b["height"] - 2 * EDGE - 40)


def min_gap(view: MapView, lonlats: list) -> float:
    """The smallest distance on screen (page pixels) between two corners of an outline."""
    xy = np.array([view.page_xy(p) for p in lonlats])
    gaps = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    return float(gaps[np.triu_indices(len(xy), 1)].min()) if len(xy) > 1 else np.inf


# ---------------------------------------------------------------- checking
def check_labels(path: Path, raster, clicked: list, drawn: list, area=None) -> dict:
    """Compare the saved GeoPackage with the clicks: pixels and errors in raster pixels."""
    from course_lib.data import labels as lb
    from course_lib.simulator import TRAINING_CLASSES

    features, _ = lb.load_labels(path)
    mouse = features[features["source"] == "mouse"]
    points = mouse[mouse["kind"] == "point"].reset_index(drop=True)
    out: dict = {"saved mouse points": len(points),
                 "saved mouse polygons": int((mouse["kind"] == "polygon").sum())}
    if len(points) != len(clicked):
        out["problem"] = f"{len(points)} mouse points saved, {len(clicked)} clicked"
        return out
    # the saved points are in click order (their label ids)
    points = points.sort_values("label_id").reset_index(drop=True)
    rows, cols = lb.xy_to_rowcol(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(),
                                 raster.transform)
    aimed = np.array([(c["row"], c["col"]) for c in clicked])
    out["points in the pixel aimed at"] = int(((rows == aimed[:, 0]) & (cols == aimed[:, 1])).sum())
    out["points of the right class"] = int((points["class_name"].to_numpy()
                                            == np.array([c["class_name"] for c in clicked])).sum())
    if area is not None:        # what the ground really is where each point landed
        cover = area["landcover"].data[0][rows, cols]
        slide = area["landslide_mask"].data[0][rows, cols] == 1
        right = [slide[i] if name == "landslide" else
                 (cover[i] in TRAINING_CLASSES[name] and not slide[i])
                 for i, name in enumerate(points["class_name"])]
        out["points on ground of their class"] = int(np.sum(right))
    frac = np.column_stack(lb.xy_to_fractional_rowcol(points.geometry.x.to_numpy(),
                                                      points.geometry.y.to_numpy(),
                                                      raster.transform))
    at_click = np.array([lb.xy_to_fractional_rowcol(*lb.lonlat_to_xy(*c["lonlat"], raster.crs),
                                                    raster.transform) for c in clicked])
    out["max point error vs the click (px)"] = float(np.hypot(*(frac - at_click).T).max())
    out["max point distance from the aimed pixel's centre (px)"] = float(
        np.hypot(*(frac - (aimed + 0.5)).T).max())
    polygons = mouse[mouse["kind"] == "polygon"].sort_values("label_id")
    errors = []
    for geometry, outline in zip(polygons.geometry, drawn):
        saved = np.array([lb.xy_to_fractional_rowcol(x, y, raster.transform)
                          for x, y in list(geometry.exterior.coords)[:-1]])
        clicks = np.array([lb.xy_to_fractional_rowcol(*lb.lonlat_to_xy(*p, raster.crs),
                                                      raster.transform)
                           for p in outline["corners"]])
        # every clicked corner is a saved vertex (whatever the ring's start and direction)
        errors.append(max(np.hypot(*(saved - c).T).min() for c in clicks))
    out["max outline corner error vs the click (px)"] = float(max(errors)) if errors else None
    return out


# ---------------------------------------------------------------- the run
def run(out: Path, pace: Pace, fast: bool = False, points_per_class: int | None = None,
        landslide_points: int | None = None, chromium: str | None = None,
        map_size: tuple[int, int] = (1100, 700)) -> dict:
    """Do everything in the module doc; return the report."""
    from playwright.sync_api import sync_playwright

    from course_lib import splits
    from course_lib.data import labels as lb
    from course_lib.pipeline import layers
    from course_lib.simulator import labeller, load_study_area
    from course_lib.viz.labelling_map import class_label, display_grid
    from devtools.fast_parameters import fast_parameters
    from devtools.notebook_runner import parameters_cell, read_notebook

    chromium = chromium or browser_driver.find_chromium()
    if not chromium:
        raise RuntimeError("No Chromium: apt-get install chromium, or pass --chromium PATH")
    out.mkdir(parents=True, exist_ok=True)
    # the notebook's own values, as the learner's copy will have them
    nb = read_notebook(ROOT / "notebooks" / NOTEBOOK, fast=False)
    values: dict = {}
    exec(nb.cells[parameters_cell(nb)].source, {}, values)
    if fast:
        values.update(fast_parameters(Path(NOTEBOOK).stem))
    parameters = {"MAP_WIDTH": map_size[0], "MAP_HEIGHT": map_size[1]}
    if points_per_class is not None:
        parameters["POINTS_PER_CLASS"] = values["POINTS_PER_CLASS"] = points_per_class
    if landslide_points is not None:
        parameters["LANDSLIDE_POINTS"] = values["LANDSLIDE_POINTS"] = landslide_points

    area = load_study_area()
    stack = layers.setting_layers(1, area)
    # the notebook's simulated learner keeps out of the held-out test blocks; so does this one
    test_blocks = splits.evaluation_split(area).region("test")
    plan = labeller.simulated_points(area, stack, n_landslide=values["LANDSLIDE_POINTS"],
                                     n_per_class=values["POINTS_PER_CLASS"], avoid=test_blocks)
    outlines = labeller.simulated_outlines(area, stack, n_chips=values["N_CHIPS"],
                                           chip_size=values["CHIP_SIZE"], avoid=test_blocks)
    grid = display_grid(stack)          # the widget's own display grid (same defaults)
    labels_of = {name: class_label(name) for name in plan["class_name"].unique()}

    folder = Path(tempfile.mkdtemp(prefix="own-area-runthrough-"))
    layout = prepare_notebook(folder, fast, parameters)
    tally = Tally()
    clicked: list = []
    drawn: list = []
    report: dict = {"parameters": {**parameters, "fast": fast},
                    "pace": asdict(pace), "layout": layout}
    started = time.time()
    try:
        with browser_driver.LabServer(notebook_dir=folder, env={"COURSE_OFFLINE": "1"},
                                      fast=False) as lab, sync_playwright() as pw:
            browser = browser_driver.launch_browser(pw, chromium)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1300})
                page.goto(f"{lab.base}/lab/tree/notebooks/{NOTEBOOK}?reset")
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120000)
                page.wait_for_function("() => (document.querySelector('#jp-main-statusbar') "
                                       "|| {innerText: ''}).innerText.includes('Idle')",
                                       timeout=120000)
                browser_driver._dismiss_popups(page)
                page.keyboard.press("Control+b")
                for index in range(layout["n_code"]):
                    part = "exercises" if index >= layout["first_exercise"] else "recipe"
                    log(f"code cell {index} of {layout['n_code']}")
                    if index == layout["answer"]:
                        editor = page.locator(".jp-CodeCell").nth(index).locator(
                            ".jp-InputArea-editor .cm-content")
                        editor.scroll_into_view_if_needed()
                        editor.click()
                        page.keyboard.press("Control+a")
                        page.keyboard.type('answer = "b"')
                        tally.wait(pace.answer_seconds, pace)
                    seconds = _run_cell(page, index)
                    tally.cell_runs.append((index, round(seconds, 2), part))
                    if index == layout["points_map"]:
                        view = MapView(page, index, grid)
                        view.centre_on_screen()
                        _wait_for(lambda: view.overlay()["loaded"], "the image", 120)
                        first = view.overlay()["src"]
                        for name in ("dNDVI", "false colour", "true colour"):
                            view.button(name)
                            tally.switches += 1
                            tally.wait(pace.pan_seconds, pace)
                            _wait_for(lambda: view.overlay()["loaded"] and (
                                (view.overlay()["src"] == first) == (name == "true colour")),
                                f"the {name} image", 60)
                        for _ in range(POINT_ZOOMS):
                            view.zoom_in()
                            tally.pans += 1
                            tally.wait(pace.pan_seconds, pace)
                        log(f"drawing {len(plan)} points")
                        draw_points(view, plan, stack, labels_of, pace, tally, clicked)
                        for _ in range(POINT_ZOOMS):      # back to the whole area
                            view.zoom_out()
                            tally.pans += 1
                            tally.wait(pace.pan_seconds, pace)
                        view.pan_to([lb.rowcol_to_lonlat(stack.shape[0] / 2, stack.shape[1] / 2,
                                                         stack)])
                        time.sleep(0.5)
                        view.container.screenshot(path=str(out / "runthrough_points.png"))
                        report["counts after drawing"] = view.counts()
                    if index == layout["outline_map"]:
                        view = MapView(page, index, grid)
                        view.centre_on_screen()
                        _wait_for(lambda: view.overlay()["loaded"], "the image", 120)
                        for _ in range(2):
                            view.zoom_in()
                            tally.pans += 1
                            tally.wait(pace.pan_seconds, pace)
                        log(f"drawing {len(outlines)} outlines")
                        draw_outlines(view, outlines, pace, tally, drawn)
                        time.sleep(0.5)
                        view.container.screenshot(path=str(out / "runthrough_outlines.png"))
                page.screenshot(path=str(out / "runthrough_page.png"))
                report["widget errors"] = page.locator("text=Error displaying widget").count()
                report["tracebacks"] = page.locator(browser_driver.ERROR_OUTPUTS).count()
                saved = lab.root / "outputs" / "own_area" / "my_labels.gpkg"
                if saved.exists():
                    shutil.copyfile(saved, out / "runthrough_labels.gpkg")
                outputs = page.evaluate("() => [...document.querySelectorAll("
                                        "'.jp-OutputArea-output')].map(e => e.textContent)")
                report["scores printed"] = [t for t in outputs if "provided points" in t
                                            and "MCC" in t][:1]
            except BaseException:
                page.screenshot(path=str(out / "runthrough_failed.png"))
                raise
            finally:
                browser.close()
                lab.shutdown_kernels()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report["machine seconds"] = round(time.time() - started, 1)
    if (out / "runthrough_labels.gpkg").exists():
        report["labels"] = check_labels(out / "runthrough_labels.gpkg", stack, clicked, drawn,
                                        area)
    report["tally"] = {k: v for k, v in asdict(tally).items() if k != "cell_runs"}
    report["cell runs"] = tally.cell_runs
    report["learner minutes"] = learner_minutes(layout, tally, pace)
    (out / "runthrough.json").write_text(json.dumps(report, indent=2, default=str))
    return report


def learner_minutes(layout: dict, tally: Tally, pace: Pace) -> dict:
    """The learner's time, in minutes, by part (see the module doc)."""
    def run_seconds(part: str) -> float:
        return sum(s for _, s, p in tally.cell_runs if p == part)

    n_recipe = sum(1 for _, _, p in tally.cell_runs if p == "recipe")
    n_exercises = len(tally.cell_runs) - n_recipe
    parts = {
        "reading (recipe)": layout["words_recipe"] / pace.wpm * 60,
        "looking at and running code cells": n_recipe * pace.cell_seconds,
        "waiting for cells to run": run_seconds("recipe"),
        "clicking training points": tally.point_clicks * pace.pace,
        "drawing outline corners": tally.vertex_clicks * pace.vertex_pace,
        "class, tool and image buttons": tally.switches * pace.switch_seconds,
        "zooming and panning": tally.pans * pace.pan_seconds,
        "self-check and widget": pace.answer_seconds + pace.explore_seconds,
    }
    minutes = {k: round(v / 60, 1) for k, v in parts.items()}
    minutes["total (recipe)"] = round(sum(parts.values()) / 60, 1)
    minutes["of which the paper's CART recipe (no outlines, no U-Net)"] = round(
        (sum(parts.values()) - parts["drawing outline corners"]) / 60, 1)
    minutes["exercises (reading and running)"] = round(
        (layout["words_exercises"] / pace.wpm * 60 + n_exercises * pace.cell_seconds
         + run_seconds("exercises")) / 60, 1)
    return minutes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = Pace()
    parser.add_argument("--out", type=Path, default=ROOT / "test_artifacts" / "own_area")
    parser.add_argument("--chromium", default=None)
    parser.add_argument("--fast", action="store_true", help="the test values of the notebook")
    parser.add_argument("--points-per-class", type=int, default=None)
    parser.add_argument("--landslide-points", type=int, default=None)
    for name in ("wpm", "cell_seconds", "pace", "vertex_pace", "switch_seconds",
                 "pan_seconds", "answer_seconds", "explore_seconds"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float,
                            default=getattr(defaults, name))
    parser.add_argument("--real-pace", action="store_true",
                        help="wait as long as the learner would (the run takes the full time)")
    args = parser.parse_args()
    pace = Pace(**{k: getattr(args, k) for k in ("wpm", "cell_seconds", "pace", "vertex_pace",
                                                 "switch_seconds", "pan_seconds",
                                                 "answer_seconds", "explore_seconds")},
                real=args.real_pace)
    report = run(args.out, pace, fast=args.fast, points_per_class=args.points_per_class,
                 landslide_points=args.landslide_points, chromium=args.chromium)
    for key in ("tally", "labels", "learner minutes", "scores printed", "widget errors",
                "tracebacks", "machine seconds"):
        print(f"{key}: {json.dumps(report.get(key), indent=2, default=str)}")
    labels = report.get("labels", {})
    ok = (not report.get("tracebacks") and not report.get("widget errors")
          and labels.get("saved mouse points") == report["tally"]["point_clicks"]
          and labels.get("max point error vs the click (px)", 9) < 1.0)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
