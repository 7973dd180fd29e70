"""Object-level assessment by landslide size: which slides are found, how many false objects.

NASA ARSET's question-and-answer sessions ask how small a landslide a satellite method can
map. Pixel scores cannot answer it (a large slide outweighs dozens of small ones), so this module
counts objects per size class with :func:`course_lib.metrics.object_metrics` (a slide is
detected when the map covers at least ``min_overlap_fraction`` of it; a false object is a
connected group of mapped pixels touching no true landslide pixel).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import ndimage

from course_lib import metrics, validation
from course_lib.metrics.objects import polygon_pixels
from course_lib.obia.checks import check_grid_polygons

__all__ = ["SIZE_CLASSES_M2", "size_class_names", "detection_by_size"]

#: Default size classes (m²): < 0.25 ha, 0.25-1 ha, >= 1 ha (25, 100 Sentinel-2 pixels).
SIZE_CLASSES_M2: tuple[float, ...] = (0.0, 2500.0, 10000.0, np.inf)


def size_class_names(edges: Sequence[float] = SIZE_CLASSES_M2) -> list[str]:
    """Readable names of size classes in hectares.

    >>> size_class_names()
    ['< 0.25 ha', '0.25-1 ha', '>= 1 ha']
    """
    edges = _check_edges(edges)

    def ha(v: float) -> str:
        return f"{v / 1e4:g}"

    names = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        if lo <= 0:
            names.append(f"< {ha(hi)} ha")
        elif np.isinf(hi):
            names.append(f">= {ha(lo)} ha")
        else:
            names.append(f"{ha(lo)}-{ha(hi)} ha")
    return names


def _check_edges(edges: Any) -> list[float]:
    if isinstance(edges, (str, bytes)) or not hasattr(edges, "__len__"):
        raise TypeError(validation.expected_message(
            "edges", "a sequence of size-class edges in m²", edges,
            "e.g. (0, 2500, 10000, np.inf): < 0.25 ha, 0.25-1 ha, >= 1 ha."))
    values = [float(validation.check_number(e, "edges")) if not
              (isinstance(e, (int, float, np.number)) and np.isinf(e)) else float(e)
              for e in edges]
    if len(values) < 2:
        raise ValueError(f"edges needs at least 2 values (one class); got {values}. E.g. "
                         "(0, 2500, 10000, np.inf).")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"edges must increase; got {values}. E.g. (0, 2500, 10000, np.inf).")
    return values


def detection_by_size(prediction: Any, landslides: Any, transform: Any = None, *,
                      truth: Any = None, valid: Any = None,
                      edges: Sequence[float] = SIZE_CLASSES_M2, area_column: str = "area_m2",
                      min_overlap_fraction: float = 0.1, crs: Any = None) -> pd.DataFrame:
    """Landslides found and false objects, per size class and in total.

    Args:
        prediction: binary map (NaN = nodata), 2-D or 1-band Raster.
        landslides: inventory polygons (their ``area_column`` sets the size class; the
            polygon area when the column is missing).
        transform, truth, valid, min_overlap_fraction, crs: as
            :func:`course_lib.metrics.object_metrics`.
        edges: class edges in m².

    Returns:
        one row per size class plus ``"all"``: ``landslides``, ``found``, ``recall``
        (NaN when a class is empty), ``predicted objects`` and ``false objects`` (the
        predicted objects, 8-connected, sized with the same classes by their own area).
    """
    transform = transform if transform is not None else getattr(prediction, "transform", None)
    if transform is None:
        raise ValueError("detection_by_size needs transform= (or a Raster as prediction).")
    crs = crs if crs is not None else getattr(prediction, "crs", None)
    pred, p_valid = validation.binary_and_valid(prediction, "prediction")
    check_grid_polygons(landslides, transform, pred.shape, crs=crs)
    validation.check_number(min_overlap_fraction, "min_overlap_fraction", minimum=0, maximum=1,
                            fix="It is a fraction: 0.1 means a tenth of the landslide (not 10).")
    edges = _check_edges(edges)
    pixel_area = abs(transform.a * transform.e - transform.b * transform.d)
    if edges[0] > 0 or not np.isinf(edges[-1]):
        raise ValueError(f"edges must start at 0 and end with np.inf so that every landslide "
                         f"has a size class; got {edges}. E.g. (0, 2500, 10000, np.inf).")
    inner = [e for e in edges[1:-1]]
    if inner and min(inner) < pixel_area:
        raise ValueError(f"edges are areas in m²; got {edges}, with classes smaller than one "
                         f"pixel ({pixel_area:g} m²). Hectares? Multiply by 10 000: 0.25 ha = "
                         "2500 m².")
    if area_column in landslides.columns:
        sizes = landslides[area_column].to_numpy(dtype=float)
    elif area_column == "area_m2":
        sizes = landslides.geometry.area.to_numpy(dtype=float)
    else:
        raise ValueError(f"area_column {area_column!r} is not a column of landslides; they have "
                         f"{[c for c in landslides.columns if c != 'geometry']} (the default "
                         "'area_m2' falls back to the polygons' area).")
    names = size_class_names(edges)
    which = np.digitize(sizes, edges[1:-1])
    if valid is None:
        keep = p_valid
    else:
        keep = p_valid & validation.check_mask(valid, "valid", shape=pred.shape,
                                               example="valid = np.isfinite(image)")
    pred = pred & keep
    if truth is not None:
        t, t_valid = validation.binary_and_valid(truth, "truth")
        true_pixels = t & t_valid
    else:
        true_pixels = np.zeros(pred.shape, bool)
        for geometry in landslides.geometry:
            rr, cc = polygon_pixels(geometry, transform, pred.shape)
            true_pixels[rr, cc] = True
    groups, n = ndimage.label(pred, structure=np.ones((3, 3)))
    group_area = np.bincount(groups.ravel(), minlength=n + 1)[1:] * pixel_area
    false = np.ones(n + 1, bool)
    false[np.unique(groups[true_pixels & pred])] = False
    false = false[1:]
    group_class = np.digitize(group_area, edges[1:-1])
    rows = {}
    for k, name in enumerate([*names, "all"]):
        subset = landslides if name == "all" else landslides[which == k]
        in_class = np.ones(n, bool) if name == "all" else group_class == k
        if len(subset):
            scores = metrics.object_metrics(prediction, subset, transform, truth=truth,
                                            valid=valid, min_overlap_fraction=min_overlap_fraction,
                                            crs=crs)
            found, total = scores.n_detected, scores.n_landslides
        else:
            found = total = 0
        rows[name] = {"landslides": total, "found": found,
                      "recall": found / total if total else float("nan"),
                      "predicted objects": int(in_class.sum()),
                      "false objects": int((false & in_class).sum())}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "size class"
    return table
