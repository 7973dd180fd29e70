"""Landslide-by-landslide assessment: which mapped landslides a map found, and its false objects."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine

from course_lib.metrics.pixel import _ratio, _valid_mask
from course_lib.metrics.regions import _check_crs, _check_frame, _check_shape, _check_transform
from course_lib.validation import (binary_and_valid, check_integer, check_number, check_same_shape,
                                   describe)

if TYPE_CHECKING:  # pragma: no cover - type hints only
    import geopandas as gpd


@dataclass(frozen=True)
class ObjectScores:
    """Landslide-by-landslide assessment of a binary map.

    Areas are in square CRS units (m² for UTM), counted in whole pixels.

    Attributes:
        n_landslides: mapped landslides (inventory polygons) with at least one valid pixel.
        n_detected: of those, how many the prediction overlaps enough (see
            :func:`object_metrics`).
        landslide_area, detected_area: total area of the assessed / detected landslides.
        n_predicted_objects: connected components of the prediction.
        n_false_detections: predicted components that touch no true landslide pixel.
        predicted_area, false_detection_area: area of all / of the false components.
        n_unassessed: inventory polygons entirely in nodata (left out).
    """

    n_landslides: int
    n_detected: int
    landslide_area: float
    detected_area: float
    n_predicted_objects: int
    n_false_detections: int
    predicted_area: float
    false_detection_area: float
    n_unassessed: int = 0

    @property
    def detection_rate(self) -> float:
        """Share of landslides detected (object recall); NaN when there are none."""
        return _ratio(self.n_detected, self.n_landslides)

    @property
    def detected_area_fraction(self) -> float:
        """Share of landslide area belonging to detected landslides; NaN when none."""
        return _ratio(self.detected_area, self.landslide_area)

    @property
    def false_detection_rate(self) -> float:
        """Share of predicted objects that are false detections; NaN when nothing predicted."""
        return _ratio(self.n_false_detections, self.n_predicted_objects)

    @property
    def false_area_fraction(self) -> float:
        """Share of predicted area in false detections; NaN when nothing predicted."""
        return _ratio(self.false_detection_area, self.predicted_area)

    def as_dict(self) -> dict[str, float]:
        """Counts, areas and the four rates as a plain dict."""
        return {**asdict(self), "detection_rate": self.detection_rate,
                "detected_area_fraction": self.detected_area_fraction,
                "false_detection_rate": self.false_detection_rate,
                "false_area_fraction": self.false_area_fraction}


def polygon_pixels(geometry: Any, transform: Affine, shape: tuple[int, int]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the pixels of one polygon (centre inside; all touched if none).

    Rasterised within the polygon's bounding window only, so many small polygons on a large
    grid stay cheap, and overlapping polygons each keep all their pixels.
    """
    from rasterio.features import geometry_mask
    from rasterio.windows import from_bounds

    rows, cols = _check_polygon_call(geometry, transform, shape)
    window = from_bounds(*geometry.bounds, transform=transform)
    r0 = max(int(math.floor(window.row_off)) - 1, 0)
    c0 = max(int(math.floor(window.col_off)) - 1, 0)
    r1 = min(int(math.ceil(window.row_off + window.height)) + 1, rows)
    c1 = min(int(math.ceil(window.col_off + window.width)) + 1, cols)
    if r1 <= r0 or c1 <= c0:
        return np.empty(0, int), np.empty(0, int)
    sub_transform = transform @ Affine.translation(c0, r0)
    sub_shape = (r1 - r0, c1 - c0)
    inside = geometry_mask([geometry], out_shape=sub_shape, transform=sub_transform, invert=True)
    if not inside.any():  # slivers narrower than a pixel: keep every pixel they touch
        inside = geometry_mask([geometry], out_shape=sub_shape, transform=sub_transform,
                               invert=True, all_touched=True)
    rr, cc = np.nonzero(inside)
    return rr + r0, cc + c0


def object_metrics(prediction: Any, landslides: "gpd.GeoDataFrame",
                   transform: Affine | None = None, *, truth: Any = None, valid: Any = None,
                   min_overlap_fraction: float = 0.1, min_overlap_pixels: int = 1,
                   connectivity: int = 2, crs: Any = None) -> ObjectScores:
    """Count detected landslides and false detections (object-level assessment).

    * A mapped landslide (inventory polygon) is **detected** when the prediction marks at least
      ``min_overlap_pixels`` of its valid pixels **and** at least ``min_overlap_fraction`` of
      them as landslide. With the defaults (1 pixel and 10 %) a slide counts as found when a
      tenth of it is mapped, a common choice for inventories where finding a slide matters more
      than its outline. Set ``min_overlap_fraction=0`` to count any overlap.
    * A **false detection** is a connected component of the prediction
      (``scipy.ndimage.label``; ``connectivity=2`` joins diagonal neighbours, 8-connectivity)
      that touches no true landslide pixel. True landslide pixels are ``truth`` if given, else
      the union of the inventory polygons.

    Args:
        prediction: binary map (NaN = nodata), 2-D or single-band Raster.
        landslides: inventory polygons in the grid's CRS.
        transform: the grid's affine transform (taken from ``prediction`` if it is a Raster).
        truth: optional binary truth mask (e.g. ``area["landslide_mask"]``).
        valid: optional boolean mask of pixels that count.
        min_overlap_fraction: share of a landslide's valid pixels that must be predicted.
        min_overlap_pixels: minimum number of predicted pixels inside a landslide.
        connectivity: 1 (4-neighbours) or 2 (8-neighbours) for the prediction's components.
        crs: the grid's CRS, to check the polygons against (taken from a Raster if omitted).
    """
    from scipy import ndimage

    transform, pred, keep, truth_mask = _check_object_inputs(
        prediction, landslides, transform, truth, valid, crs, min_overlap_fraction,
        min_overlap_pixels, connectivity)
    pred = pred & keep
    pixel_area = abs(transform.a * transform.e - transform.b * transform.d)

    true_pixels = np.zeros(pred.shape, dtype=bool)
    n_landslides = n_detected = n_unassessed = 0
    landslide_px = detected_px = 0
    for geometry in landslides.geometry:
        if geometry is None or geometry.is_empty:
            continue
        rr, cc = polygon_pixels(geometry, transform, pred.shape)
        true_pixels[rr, cc] = True
        ok = keep[rr, cc]
        n_valid = int(ok.sum())
        if n_valid == 0:
            n_unassessed += 1
            continue
        n_landslides += 1
        landslide_px += n_valid
        hit = int(pred[rr, cc][ok].sum())
        if hit >= min_overlap_pixels and hit >= min_overlap_fraction * n_valid:
            n_detected += 1
            detected_px += n_valid

    if truth_mask is not None:
        true_pixels = truth_mask
    structure = ndimage.generate_binary_structure(2, connectivity)
    labels, n_objects = ndimage.label(pred, structure=structure)
    sizes = np.bincount(labels.ravel(), minlength=n_objects + 1)
    touching = np.unique(labels[true_pixels & pred])
    false = np.ones(n_objects + 1, dtype=bool)
    false[0] = False
    false[touching] = False
    return ObjectScores(
        n_landslides=n_landslides, n_detected=n_detected,
        landslide_area=landslide_px * pixel_area, detected_area=detected_px * pixel_area,
        n_predicted_objects=int(n_objects), n_false_detections=int(false.sum()),
        predicted_area=float(sizes[1:].sum()) * pixel_area,
        false_detection_area=float(sizes[false].sum()) * pixel_area,
        n_unassessed=n_unassessed)


# --------------------------------------------------------------------------- input checks
def _check_polygon_call(geometry: Any, transform: Any, shape: Any) -> tuple[int, int]:
    """A shapely geometry, an affine grid and its ``(rows, cols)``."""
    if not hasattr(geometry, "bounds") or not hasattr(geometry, "geom_type"):
        raise TypeError(f"geometry must be a shapely polygon (e.g. a row of a GeoDataFrame's "
                        f".geometry); got {describe(geometry)}.")
    _check_transform(transform)
    return _check_shape(shape)


def _check_object_inputs(prediction: Any, landslides: Any, transform: Any, truth: Any,
                         valid: Any, crs: Any, min_overlap_fraction: Any,
                         min_overlap_pixels: Any, connectivity: Any
                         ) -> tuple[Affine, np.ndarray, np.ndarray, np.ndarray | None]:
    """The grid (from a Raster if not given), the boolean prediction, the pixels that count,
    the true landslide pixels (or None), and the settings; slides on the grid's CRS."""
    transform = transform if transform is not None else getattr(prediction, "transform", None)
    crs = crs if crs is not None else getattr(prediction, "crs", None)
    if transform is None:
        raise ValueError("object_metrics needs the grid's transform: pass transform= or a "
                         "Raster as prediction.")
    _check_transform(transform)
    _check_frame(landslides, "landslides")
    check_number(min_overlap_fraction, "min_overlap_fraction", minimum=0, maximum=1,
                 fix="Pass a fraction, e.g. 0.1 for a tenth of the landslide (not 10).")
    check_integer(min_overlap_pixels, "min_overlap_pixels", minimum=1)
    if connectivity not in (1, 2) or isinstance(connectivity, bool):
        raise ValueError(f"connectivity must be 1 (4-neighbours) or 2 (8-neighbours); "
                         f"got {connectivity!r}. Pass connectivity=2 to join diagonal "
                         "neighbours (8-connectivity), 1 for edge neighbours only.")
    pred, p_valid = binary_and_valid(prediction, "prediction")
    keep = p_valid & _valid_mask(valid, pred.shape)
    check_same_shape(prediction=pred, valid=keep)
    _check_crs(landslides, crs, transform, pred.shape, name="landslides")
    truth_mask = None
    if truth is not None:
        t, t_valid = binary_and_valid(truth, "truth")
        check_same_shape(prediction=pred, truth=t)
        truth_mask = t & t_valid
    return transform, pred, keep, truth_mask
