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
from course_lib.obia.segmentation import segment_sizes

__all__ = ["landslide_fraction", "label_segments", "captured_landslides"]


def landslide_fraction(labels: np.ndarray, truth: Any) -> np.ndarray:
    """Share of each segment's pixels (1..n; index 0 = segment 1) inside the truth mask.

    Args:
        labels: segment raster, 0 = no segment.
        truth: binary landslide mask on the same grid (array or 1-band Raster); NaN counts
            as not landslide.

    >>> landslide_fraction(np.array([[1, 1, 2, 2]]), np.array([[1, 0, 1, 1]])).tolist()
    [0.5, 1.0]
    """
    mask = validation.as_2d(truth, "truth")
    labels = np.asarray(labels)
    if mask.shape != labels.shape:
        raise ValueError(f"truth has shape {mask.shape} but labels have {labels.shape}.")
    inside = (mask == 1) & (labels > 0)
    sizes = segment_sizes(labels)
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
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction must be in (0, 1]; got {min_fraction}.")
    fraction = landslide_fraction(labels, truth)
    return (fraction >= min_fraction).astype(np.int8), fraction


def captured_landslides(labels: np.ndarray, is_landslide: np.ndarray, landslides: Any,
                        transform: Any, id_column: str = "id") -> pd.DataFrame:
    """For every mapped slide: how much of it lies in segments labelled (or predicted) landslide.

    Args:
        labels: segment raster.
        is_landslide: 0/1 (or bool) per segment 1..n, e.g. ``y`` of :func:`label_segments`.
        landslides: inventory GeoDataFrame in the grid's CRS.
        transform: the grid's affine transform.
        id_column: the slides' id column (the row number if absent).

    Returns:
        a DataFrame, one row per slide: ``id``, ``n_pixels``, ``captured_pixels``,
        ``captured_fraction`` and ``captured`` (at least one pixel in a landslide segment).
    """
    labels = np.asarray(labels)
    flags = np.concatenate([[0], np.asarray(is_landslide).astype(bool)])
    if len(flags) != int(labels.max()) + 1:
        raise ValueError(f"is_landslide has {len(flags) - 1} values for {int(labels.max())} "
                         "segments.")
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
