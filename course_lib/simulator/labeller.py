"""A simulated person labelling the study area: training points and landslide outlines.

Notebook 10 asks the learner to draw training points and a few landslide outlines on a map.
Where nobody draws (the automatic tests, the rendered book, a learner who runs every cell
without drawing, and the run-through that times a learner with the mouse) these functions
place the same labels the way a careful person would, following the paper's advice for its
CART (Ganerød, Lindsay et al. 2023, section 3.2 (iv), after S. Levick's tutorial: 18 landslide
points and 112 points of seven other classes, "from diverse slope aspects, elevations, and
within shadow areas"):

* **what a person can see**: only pixels with a value in every layer shown (a composite
  that was never clear shows nothing), and landslides only where the image shows them: the
  vegetation was stripped (dNDVI below -0.2, the simulator's own "visible" rule);
* **clear examples**: the middle of a landslide's visible scar, and pixels at least two
  pixels inside a patch of one land cover, away from any landslide and from the other
  changes between the dates (clear-cuts, mowing, flood sediment: a person would not pick a
  forest point on a fresh clear-cut);
* **spread out**: points of one class at least ``spacing_m`` apart (halved until enough fit),
  a share of them on shaded slopes, landslide points on different landslides, the larger
  (more noticeable) ones more likely;
* **in a person's order**: class by class (one change of class in the picker each), as a
  learner works.

A person also makes mistakes; this one makes none, so its labels are an upper bound of what
careful clicking gives. The truth mask is used only to decide what the images *show*; the
random choices are seeded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

from course_lib.config import DEFAULT_SEED
from course_lib.data.raster import Raster, check_raster
from course_lib.simulator.landcover import TRAINING_CLASSES
from course_lib.validation import check_integer, check_number

__all__ = ["VISIBLE_DNDVI", "visible_landslides", "simulated_points", "simulated_outlines"]

#: dNDVI below which a landslide pixel shows in the images (the simulator's visibility rule
#: for its own training points).
VISIBLE_DNDVI = -0.2


def _inputs(area: Any, layers: Raster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    check_raster(layers, "layers", ndim=3, fix="Pass the stack the learner sees, e.g. "
                 "layers.setting_layers(1, area).")
    if "dNDVI" not in layers.band_names:
        raise ValueError(f"layers must include a 'dNDVI' band (what shows a landslide); it has "
                         f"{layers.band_names}.")
    ids = np.asarray(area["landslide_id"].data[0])
    if ids.shape != layers.shape:
        raise ValueError(f"layers {layers.shape} are not on the study area's grid {ids.shape}.")
    valid = np.isfinite(layers.data).all(axis=0)
    return ids, valid, layers.band("dNDVI")


def _avoided(avoid: Any, shape: tuple[int, int]) -> np.ndarray:
    from course_lib.validation import check_mask

    if avoid is None:
        return np.zeros(shape, dtype=bool)
    return check_mask(avoid, "avoid", shape=shape,
                      example="avoid = splits.evaluation_split(area).region('test')")


def visible_landslides(area: Any, layers: Raster) -> np.ndarray:
    """Landslide ids where the images show the landslide (dNDVI below :data:`VISIBLE_DNDVI`
    and a value in every layer), 0 elsewhere."""
    ids, valid, dndvi = _inputs(area, layers)
    with np.errstate(invalid="ignore"):
        return np.where(valid & (dndvi < VISIBLE_DNDVI), ids, 0)


def _spread(candidates: np.ndarray, k: int, spacing_px: float, cols: int,
            rng: np.random.Generator, shaded: np.ndarray | None = None,
            shade_share: float = 0.0) -> list[int]:
    """Up to ``k`` flat indices from ``candidates``, each at least ``spacing_px`` from the
    others (halved until enough fit); first ``shade_share`` of them from ``shaded`` ones."""
    chosen: list[int] = []
    n_shade = int(round(k * shade_share)) if shaded is not None else 0
    plan = [(candidates[shaded[candidates]], n_shade)] if n_shade else []
    plan.append((candidates, k))
    spacing = float(spacing_px)
    while len(chosen) < k and spacing >= 1 and candidates.size:
        for pool, target in plan:
            for flat in rng.permutation(pool):
                if len(chosen) >= target:
                    break
                r, c = divmod(int(flat), cols)
                picked = np.array([divmod(p, cols) for p in chosen]).reshape(-1, 2)
                if not len(picked) or (((picked - (r, c)) ** 2).sum(axis=1)
                                       >= spacing ** 2).all():
                    chosen.append(int(flat))
        spacing /= 2
    return chosen


def simulated_points(area: Any, layers: Raster, *, n_landslide: int = 18,
                     n_per_class: int = 16, spacing_m: float = 300.0,
                     shade_share: float = 0.25, avoid: Any = None,
                     seed: int = DEFAULT_SEED + 10) -> Any:
    """Training points as a careful person would click them (see the module doc).

    Args:
        area: the study area (``load_study_area()``).
        layers: the stack the learner sees and samples (with a ``dNDVI`` band), on the
            study area's grid.
        n_landslide: landslide points, one per landslide (the paper: 18).
        n_per_class: points of each of the seven other classes (the paper: 112 in all, 16
            each).
        spacing_m: least distance between two points of one class.
        shade_share: share of each class's points on shaded slopes (hillshade below 0.25),
            when the class has shaded pixels.
        avoid: optional boolean mask of pixels where no point goes (e.g. the held-out test
            blocks, ``splits.evaluation_split(area).region("test")``: left unlabelled to check
            the map, as a careful mapper keeps part of the area back).
        seed: random seed (other than the provided points' seed, so the points differ).

    Returns:
        a GeoDataFrame in the area's CRS, in click order: ``order`` (1, 2, ...),
        ``class_name``, ``row``, ``col``, ``in_shadow`` and the point (somewhere inside the
        pixel, as a click is).
    """
    import geopandas as gpd

    n_landslide = check_integer(n_landslide, "n_landslide", minimum=0)
    n_per_class = check_integer(n_per_class, "n_per_class", minimum=0)
    spacing_m = check_number(spacing_m, "spacing_m", minimum=0)
    shade_share = check_number(shade_share, "shade_share", minimum=0, maximum=1)
    ids, valid, _ = _inputs(area, layers)
    valid = valid & ~_avoided(avoid, ids.shape)
    rng = np.random.default_rng(seed)
    shape = ids.shape
    res = float(layers.resolution)
    shaded = (np.asarray(area["hillshade"].data[0]) < 0.25).ravel()
    records: list[tuple[str, int]] = []

    # landslides: the middle of the visible scar of different landslides, larger ones first
    seen = np.where(valid, visible_landslides(area, layers), 0)
    labels, sizes = np.unique(seen[seen > 0], return_counts=True)
    keep = sizes >= 4
    labels, sizes = labels[keep], sizes[keep]
    if labels.size and n_landslide:
        pick = rng.choice(labels, size=min(n_landslide, labels.size), replace=False,
                          p=sizes / sizes.sum())
        objects = ndimage.find_objects(seen)
        for slide in pick:
            box = objects[slide - 1]
            depth = ndimage.distance_transform_edt(np.pad(seen[box] == slide, 1))[1:-1, 1:-1]
            middle = np.argwhere(depth >= max(1.0, 0.6 * depth.max()))
            r, c = middle[rng.integers(len(middle))] + (box[0].start, box[1].start)
            records.append(("landslide", int(r) * shape[1] + int(c)))

    # other classes: inside patches of one land cover, away from landslides and other changes
    landcover = np.asarray(area["landcover"].data[0])
    changed = np.asarray(area["other_changes"].data[0]) > 0
    away = ~ndimage.binary_dilation((ids > 0) | changed, iterations=3) & valid
    for name, codes in TRAINING_CLASSES.items():
        inner = ndimage.binary_erosion(np.isin(landcover, codes), iterations=2) & away
        chosen = _spread(np.flatnonzero(inner.ravel()), n_per_class, spacing_m / res,
                         shape[1], rng, shaded, shade_share)
        records += [(name, flat) for flat in chosen]

    rows = np.array([divmod(f, shape[1])[0] for _, f in records], dtype=np.int64)
    cols = np.array([divmod(f, shape[1])[1] for _, f in records], dtype=np.int64)
    offset = rng.uniform(0.15, 0.85, size=(2, len(records)))
    x, y = layers.transform @ (cols + offset[0], rows + offset[1])
    return gpd.GeoDataFrame(
        {"order": np.arange(1, len(records) + 1), "class_name": [n for n, _ in records],
         "row": rows, "col": cols, "in_shadow": shaded[[f for _, f in records]]
         if records else np.zeros(0, bool)},
        geometry=gpd.points_from_xy(x, y), crs=layers.crs)


def _outline(mask: np.ndarray, transform: Any, tolerance: float):
    """The largest polygon of a boolean mask, simplified as a person clicks its corners."""
    from rasterio.features import shapes
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform
    from shapely.geometry import shape

    box = ndimage.find_objects(mask.astype(np.uint8))[0]
    r0, c0 = max(0, box[0].start - 2), max(0, box[1].start - 2)
    part = mask[r0:box[0].stop + 2, c0:box[1].stop + 2]
    filled = ndimage.binary_fill_holes(ndimage.binary_closing(part, iterations=1) | part)
    local = window_transform(Window(c0, r0, part.shape[1], part.shape[0]), transform)
    polygons = [shape(g) for g, v in shapes(filled.astype(np.uint8), mask=filled,
                                            transform=local) if v == 1]
    biggest = max(polygons, key=lambda p: p.area)
    simple = biggest.simplify(tolerance, preserve_topology=True)
    return simple if simple.is_valid and not simple.is_empty else biggest


def simulated_outlines(area: Any, layers: Raster, *, n_chips: int = 4, chip_size: int = 64,
                       min_pixels: int = 30, tolerance_px: float = 1.5, avoid: Any = None,
                       seed: int = DEFAULT_SEED + 11) -> Any:
    """Landslide outlines as a person would draw them for U-Net chips (see the module doc).

    ``n_chips`` landslides of at least ``min_pixels`` visible pixels that fit in half a chip
    are picked (the larger more likely) whose ``chip_size`` windows do not overlap; in each window the person traces
    **every** landslide the image shows (what a chip's mask needs, see
    :func:`course_lib.data.labels.polygon_chips`), the focus landslide first. Each outline is
    the visible part of one landslide, simplified to the corners a person would click
    (Douglas-Peucker, ``tolerance_px`` pixels). No chip touches the pixels of ``avoid``
    (e.g. the held-out test blocks: a U-Net must not train where it is scored).

    Returns:
        a GeoDataFrame in the area's CRS, in drawing order: ``order``, ``class_name``
        (``"landslide"``), ``chip`` (1..n_chips), ``landslide_id``, ``vertices`` (clicks
        needed, the closing click included) and the polygon.
    """
    import geopandas as gpd

    n_chips = check_integer(n_chips, "n_chips", minimum=0)
    chip_size = check_integer(chip_size, "chip_size", minimum=8)
    min_pixels = check_integer(min_pixels, "min_pixels", minimum=1)
    tolerance = check_number(tolerance_px, "tolerance_px", minimum=0) * float(layers.resolution)
    seen = visible_landslides(area, layers)
    avoided = _avoided(avoid, seen.shape)
    rng = np.random.default_rng(seed)
    labels, sizes = np.unique(seen[seen > 0], return_counts=True)
    objects = ndimage.find_objects(seen)
    fits = np.array([max(objects[s - 1][0].stop - objects[s - 1][0].start,
                         objects[s - 1][1].stop - objects[s - 1][1].start) <= chip_size // 2
                     for s in labels], dtype=bool)
    big = (sizes >= min_pixels) & fits
    rows, cols = seen.shape
    taken = np.zeros(seen.shape, dtype=bool)
    records = []
    if big.any():
        order = rng.choice(labels[big], size=int(big.sum()), replace=False,
                           p=sizes[big] / sizes[big].sum())
        for slide in order:
            if len({r["chip"] for r in records}) >= n_chips:
                break
            box = objects[slide - 1]
            centre_r = (box[0].start + box[0].stop - 1) // 2
            centre_c = (box[1].start + box[1].stop - 1) // 2
            r0 = int(np.clip(centre_r - chip_size // 2, 0, rows - chip_size))
            c0 = int(np.clip(centre_c - chip_size // 2, 0, cols - chip_size))
            window = (slice(r0, r0 + chip_size), slice(c0, c0 + chip_size))
            if taken[max(0, r0 - 1):r0 + chip_size + 1, max(0, c0 - 1):c0 + chip_size + 1].any() \
                    or avoided[window].any():
                continue
            inside = [slide] + [s for s in np.unique(seen[window]) if s and s != slide
                                and not avoided[seen == s].any()]
            chip = len({r["chip"] for r in records}) + 1
            for s in inside:
                polygon = _outline(seen == s, layers.transform, tolerance)
                records.append({"chip": chip, "landslide_id": int(s), "geometry": polygon,
                                    "vertices": len(polygon.exterior.coords)})
            taken[window] = True
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=layers.crs) if records else \
        gpd.GeoDataFrame({"chip": [], "landslide_id": [], "vertices": []}, geometry=[],
                         crs=layers.crs)
    frame.insert(0, "class_name", "landslide")
    frame.insert(0, "order", np.arange(1, len(frame) + 1))
    return frame
