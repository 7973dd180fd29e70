"""Raster values at points, as a training table, and the course's NaN policy.

**NaN policy** (every classifier of the course follows it). NaN in a layer means *no usable
observation*: a Sentinel-1 pixel in layover or radar shadow in every geometry used (see
:func:`course_lib.sar.layover_shadow_masks`), or a Sentinel-2 pixel that was never clear
(cloud, shadow or snow on every date). Nothing is filled in, because any fill value would be a
made-up reflectance or backscatter that a classifier could learn from. So:

1. never train on NaN (:func:`sample_at_points` raises, or drops the points when asked);
2. predict NaN (nodata) wherever any input band of the pixel is NaN;
3. assess every method and setting on the same pixels (:func:`valid_mask` of all 13 layers,
   :func:`course_lib.pipeline.layers.evaluation_mask`); otherwise a setting with fewer bands
   would be judged on more (and different) pixels than one with more bands.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from course_lib.data.raster import Raster
from course_lib.validation import as_array, check_band_first, check_choice


def valid_mask(raster: Raster | np.ndarray) -> np.ndarray:
    """Pixels with a finite value in every band (the NaN policy's "usable" pixels).

    Args:
        raster: a Raster or an array ``(bands, rows, cols)`` (or ``(rows, cols)``).

    Returns:
        boolean ``(rows, cols)``.

    >>> valid_mask(np.array([[[1.0, np.nan]], [[2.0, 3.0]]])).tolist()
    [[True, False]]
    """
    data = _check_layers(raster)
    return np.isfinite(data).all(axis=0)


def sample_at_points(raster: Raster, points: Any, on_invalid: str = "raise") -> pd.DataFrame:
    """The raster's values at points, as a feature table (band names as columns).

    Each point takes the value of the pixel it falls in (no interpolation: the training points
    of the paper were pixels).

    Args:
        raster: a Raster ``(bands, rows, cols)`` (e.g. from :func:`setting_layers`).
        points: a GeoDataFrame of points on the raster's CRS (e.g. ``area["training_points"]``).
        on_invalid: what to do with points where a band is NaN (NaN policy): ``"raise"`` (the
            default; the message names them), ``"drop"`` (drop them with a warning) or
            ``"keep"`` (keep the NaN, e.g. to inspect them).

    Returns:
        a DataFrame, one row per (kept) point, index as in ``points``: the band values (float)
        followed by the points' own attribute columns (``class_name``, ``label``, ...), and
        ``row`` / ``col`` of the pixel.

    Raises:
        TypeError: ``raster`` is not a Raster or ``points`` not a GeoDataFrame.
        ValueError: points on another CRS, non-point geometries, points outside the raster,
            NaN values with ``on_invalid="raise"``.
    """
    r, c = _check_sampling_inputs(raster, points, on_invalid)
    values = raster.data[:, r, c].T.astype(np.float64) if len(points) else np.empty(
        (0, len(raster.band_names)))
    table = pd.DataFrame(values, columns=list(raster.band_names), index=points.index)
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any() and on_invalid != "keep":
        which = {points.index[i]: [b for b, v in zip(raster.band_names, values[i])
                                   if not np.isfinite(v)] for i in np.flatnonzero(bad)[:5]}
        text = (f"{int(bad.sum())} of {len(points)} points have NaN in some band (no usable "
                f"observation; see the NaN policy in course_lib.sampling), e.g. {which}")
        if on_invalid == "raise":
            raise ValueError(text + ". Use on_invalid='drop' to leave them out of training.")
        warnings.warn(text + "; they are dropped.", stacklevel=2)
    attributes = pd.DataFrame(points.drop(columns=points.geometry.name)).drop(
        columns=[col for col in ("row", "col") if col in points.columns])
    table = pd.concat([table, attributes], axis=1)
    table["row"], table["col"] = r, c
    if on_invalid == "drop":
        table = table[~bad]
    return table


# --------------------------------------------------------------------------- input checks
def _check_layers(raster: Raster | np.ndarray) -> np.ndarray:
    """The numbers of a Raster or array as ``(bands, rows, cols)``."""
    data = raster.data if isinstance(raster, Raster) else as_array(
        raster, "raster", kinds="biuf", fix="Pass a Raster or an array (bands, rows, cols).")
    if data.ndim == 2:
        data = data[None]
    if data.ndim != 3:
        raise ValueError(f"raster must be (bands, rows, cols); got shape {data.shape}. For a "
                         "time series pick one date first, e.g. raster.data[0].")
    if not np.issubdtype(data.dtype, np.number):
        raise TypeError(f"raster must hold numbers; got dtype {data.dtype}.")
    check_band_first(data, "raster")
    return data


def _check_sampling_inputs(raster: Any, points: Any, on_invalid: Any
                           ) -> tuple[np.ndarray, np.ndarray]:
    """The row and column of each point, once the raster, the points (Points, on the raster's
    CRS, inside it) and ``on_invalid`` are checked."""
    import geopandas as gpd
    from rasterio.transform import rowcol

    if not isinstance(raster, Raster):
        raise TypeError(f"raster must be a course_lib Raster (e.g. layers.setting_layers(2)); "
                        f"got {type(raster).__name__}.")
    if raster.data.ndim != 3:
        raise ValueError(f"raster must be (bands, rows, cols); got shape {raster.data.shape}. "
                         "Pick one date or composite the series first (composite_raster).")
    if not isinstance(points, gpd.GeoDataFrame):
        raise TypeError(f"points must be a GeoDataFrame of points; got {type(points).__name__}. "
                        "Make one, e.g. gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), "
                        "crs=raster.crs).")
    check_choice(on_invalid, "on_invalid", ("raise", "drop", "keep"))
    if points.crs is None or raster.crs is None:
        raise ValueError("points and raster must both have a CRS; set it with "
                         "points.set_crs(...) if you know it.")
    if not points.crs.equals(raster.crs):
        raise ValueError(
            f"points are on {points.crs.to_string()} but the raster is on "
            f"{raster.crs.to_string()}; reproject first: points.to_crs(raster.crs)."
        )
    if len(points) and not (points.geom_type == "Point").all():
        kinds = sorted(set(points.geom_type) - {"Point"})
        raise ValueError(f"points must all be Points; found {kinds} (use .centroid or "
                         ".representative_point() for polygons).")
    rows, cols = raster.shape
    r, c = (rowcol(raster.transform, points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
            if len(points) else ([], []))
    r, c = np.asarray(r, dtype=int), np.asarray(c, dtype=int)
    outside = (r < 0) | (r >= rows) | (c < 0) | (c >= cols)
    if outside.any():
        first = points.index[outside][:5].tolist()
        raise ValueError(
            f"{int(outside.sum())} of {len(points)} points lie outside the raster "
            f"(bounds {tuple(round(b) for b in raster.bounds)}), e.g. index {first}; clip them "
            "first, e.g. points[points.within(box(*raster.bounds))]."
        )
    return r, c
