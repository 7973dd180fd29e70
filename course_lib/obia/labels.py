"""Training labels for segments: SALaD's 50 % rule, and the slides no segment captures.

SALaD (Amatya et al. 2021) labels a segment "landslide" when at least half of its area lies
inside a mapped landslide. The original silently dropped the first training polygon; here
every inventory polygon is accounted for: :func:`captured_landslides` lists, for each mapped
slide, how much of it falls in segments labelled landslide, so slides that no segment
captures (too small or too thin for the segmentation) are reported, not lost.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from course_lib import validation
from course_lib.metrics.objects import polygon_pixels
from course_lib.obia.checks import as_labels, check_grid_polygons

__all__ = ["landslide_fraction", "label_segments", "captured_landslides"]


def landslide_fraction(labels: np.ndarray, truth: Any) -> np.ndarray:
    """Share of each segment's pixels (1..n; index 0 = segment 1) inside the truth mask.

    Args:
        labels: segment raster, 0 = no segment (or a Segmentation).
        truth: binary landslide mask on the same grid (array or 1-band Raster): 0/1 or
            True/False; NaN counts as not landslide. A 0/255 mask or a probability map is
            refused with the fix (``truth > 0``, ``probability >= 0.5``): read as it is, it
            would label no segment landslide.

    >>> landslide_fraction(np.array([[1, 1, 2, 2]]), np.array([[1, 0, 1, 1]])).tolist()
    [0.5, 1.0]
    """
    labels = as_labels(labels)
    mask, valid = validation.binary_and_valid(truth, "truth")
    if mask.shape != labels.shape:
        raise ValueError(f"truth has shape {mask.shape} but labels have {labels.shape}: put "
                         "them on the same pixel grid.")
    inside = mask & valid & (labels > 0)
    sizes = np.bincount(labels.ravel(), minlength=int(labels.max()) + 1)
    hits = np.bincount(labels.ravel(), weights=inside.ravel(), minlength=len(sizes))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (hits / sizes)[1:]


def label_segments(labels: np.ndarray, truth: Any, min_fraction: float = 0.5
                   ) -> tuple[np.ndarray, np.ndarray]:
    """SALaD's rule: a segment is landslide (1) when ``fraction >= min_fraction``.

    Returns:
        ``(y, fraction)``: int8 class per segment 1..n and the landslide fraction.

    >>> y, f = label_segments(np.array([[1, 1, 2, 2]]), np.array([[1, 0, 0, 0]]))
    >>> y.tolist(), f.tolist()
    ([1, 0], [0.5, 0.0])
    """
    validation.check_number(min_fraction, "min_fraction", minimum=0, maximum=1,
                            min_inclusive=False,
                            fix="It is a fraction: 0.5 means half the segment (not 50).")
    fraction = landslide_fraction(labels, truth)
    return (fraction >= min_fraction).astype(np.int8), fraction


def captured_landslides(labels: np.ndarray, is_landslide: np.ndarray, landslides: Any,
                        transform: Any, id_column: str = "id", *, crs: Any = None
                        ) -> pd.DataFrame:
    """For every mapped slide: how much of it lies in segments labelled (or predicted) landslide.

    Args:
        labels: segment raster.
        is_landslide: 0/1 (or bool) per segment 1..n, e.g. ``y`` of :func:`label_segments`.
        landslides: inventory GeoDataFrame in the grid's CRS (polygons that all lie off the
            grid are refused: that is another CRS or a wrong transform).
        transform: the grid's affine transform.
        id_column: the slides' id column; with the default ``"id"``, the row number when the
            table has no such column (another name that is missing is refused).
        crs: the grid's CRS, to check the polygons' against (``truth.crs``).

    Returns:
        a DataFrame, one row per slide: ``id``, ``n_pixels``, ``captured_pixels``,
        ``captured_fraction`` and ``captured`` (at least one pixel in a landslide segment).
    """
    labels = as_labels(labels)
    check_grid_polygons(landslides, transform, labels.shape, crs=crs)
    if id_column != "id" and id_column not in landslides.columns:
        raise ValueError(f"id_column {id_column!r} is not a column of landslides; they have "
                         f"{[c for c in landslides.columns if c != 'geometry']}.")
    flags = validation.check_mask(is_landslide, "is_landslide", ndim=1,
                                  example="is_landslide = probability >= 0.5")
    flags = np.concatenate([[False], flags])
    if len(flags) != int(labels.max()) + 1:
        raise ValueError(f"is_landslide has {len(flags) - 1} values for {int(labels.max())} "
                         "segments (one 0/1 per segment 1..n, e.g. y of label_segments).")
    in_landslide_segment = flags[labels]
    rows = []
    for i, row in enumerate(landslides.itertuples(index=False)):
        geometry = row.geometry
        ident = getattr(row, id_column, i)
        if geometry is None or geometry.is_empty:
            rr = cc = np.empty(0, int)
        else:
            rr, cc = polygon_pixels(geometry, transform, labels.shape)
        n = len(rr)
        hit = int(in_landslide_segment[rr, cc].sum()) if n else 0
        rows.append({"id": ident, "n_pixels": n, "captured_pixels": hit,
                     "captured_fraction": hit / n if n else float("nan"), "captured": hit > 0})
    return pd.DataFrame(rows, columns=["id", "n_pixels", "captured_pixels",
                                       "captured_fraction", "captured"])
