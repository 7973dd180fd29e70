"""Scores per region (the whole area and the paper's subplots A-D) on a pixel grid.

A pixel belongs to a region when its centre lies inside the polygon
(``rasterio.features.geometry_mask``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine

from course_lib.metrics.pixel import _ratio, _valid_mask, confusion_counts
from course_lib.validation import as_2d, check_integer, describe

if TYPE_CHECKING:  # pragma: no cover - type hints only
    import geopandas as gpd
    import pandas as pd


#: Name of the row for the whole study area in :func:`metrics_by_region`.
WHOLE_AREA = "Whole area"


def region_masks(regions: "gpd.GeoDataFrame", transform: Affine, shape: tuple[int, int], *,
                 name_column: str = "name", crs: Any = None,
                 whole_area: str | None = WHOLE_AREA) -> dict[str, np.ndarray]:
    """Boolean masks (True inside) of each named region on a pixel grid.

    A pixel belongs to a region when its centre lies inside the polygon
    (``rasterio.features.geometry_mask``). The whole grid comes first, named ``whole_area``
    (skip it with ``whole_area=None``).
    """
    from rasterio.features import geometry_mask

    shape = _check_region_inputs(regions, transform, shape, name_column, crs)
    masks: dict[str, np.ndarray] = {}
    if whole_area is not None:
        masks[whole_area] = np.ones(shape, dtype=bool)
    for name, geometry in zip(regions[name_column], regions.geometry):
        inside = geometry_mask([geometry], out_shape=shape, transform=transform, invert=True)
        if not inside.any():
            raise ValueError(f"Region {name!r} covers no pixel of the grid: is it in the "
                             "raster's CRS and extent? If not, reproject the regions with "
                             "regions.to_crs(raster.crs).")
        masks[str(name)] = inside
    return masks


def metrics_by_region(truth: Any, prediction: Any, regions: "gpd.GeoDataFrame | None" = None,
                      transform: Affine | None = None, *, valid: Any = None,
                      name_column: str = "name", crs: Any = None,
                      whole_area: str = WHOLE_AREA) -> "pd.DataFrame":
    """Counts and scores for the whole grid and each region (e.g. the subplots A-D).

    Args:
        truth, prediction, valid: as in :func:`confusion_counts`. If ``truth`` is a Raster its
            transform and CRS are used when ``transform``/``crs`` are not given.
        regions: GeoDataFrame of polygons with a ``name_column``; None for the whole area only.
        transform: affine transform of the grid (needed with ``regions`` and array inputs).

    Returns:
        A DataFrame indexed by region name with columns tp, fp, fn, tn, n_pixels,
        landslide_fraction, precision, recall, f1, mcc, accuracy (scores as fractions, NaN =
        undefined).
    """
    import pandas as pd

    transform, crs, t_shape = _truth_grid(truth, regions, transform, crs)
    if regions is None:
        masks = {whole_area: np.ones(t_shape, dtype=bool)}
    else:
        masks = region_masks(regions, transform, t_shape, name_column=name_column, crs=crs,
                             whole_area=whole_area)
    base = _valid_mask(valid, t_shape)
    rows = {}
    for name, inside in masks.items():
        counts = confusion_counts(truth, prediction, valid=base & inside)
        positives = counts.tp + counts.fn
        rows[name] = {**counts.as_dict(), "n_pixels": counts.total,
                      "landslide_fraction": _ratio(positives, counts.total),
                      **counts.scores().as_dict()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "region"
    return table


# --------------------------------------------------------------------------- input checks
def _check_frame(frame: Any, name: str) -> None:
    if not hasattr(frame, "geometry") or not hasattr(frame, "columns"):
        raise TypeError(f"{name} must be a GeoDataFrame of polygons (e.g. area['subplots'] or "
                        f"gpd.read_file(...)); got {describe(frame)}.")


def _check_transform(transform: Any, name: str = "transform") -> Affine:
    if not isinstance(transform, Affine):
        raise TypeError(f"{name} must be an affine.Affine pixel grid (e.g. raster.transform); "
                        f"got {describe(transform)}.")
    return transform


def _check_crs(regions: "gpd.GeoDataFrame", crs: Any, transform: Affine | None = None,
               shape: tuple[int, int] | None = None, name: str = "regions") -> None:
    """Refuse polygons on another CRS than the grid, the one mistake that counts 0 pixels.

    With the grid's CRS known (``crs=``, or from a Raster) the two CRSs are compared. Without
    it, polygons in degrees (a geographic CRS such as EPSG:4326) on a grid whose pixels are
    wider than one unit (metres of a projected CRS) are refused, and so are polygons of which
    none touches the grid: either way every slide or region would count 0 pixels.
    """
    from rasterio.crs import CRS

    fix = (f"reproject them with {name}.to_crs(raster.crs) (e.g. area['landslide_mask'].crs), "
           "and pass crs= (or a Raster) so the CRS is checked")
    if crs is not None and regions.crs is not None:
        if CRS.from_user_input(regions.crs) != CRS.from_user_input(crs):
            raise ValueError(f"The {name} are in {regions.crs} but the raster is in {crs}; "
                             f"reproject them with {name}.to_crs(raster.crs).")
        return
    if transform is None or shape is None:
        return
    pixel = math.hypot(transform.a, transform.d)
    if regions.crs is not None and CRS.from_user_input(regions.crs).is_geographic and pixel > 1:
        raise ValueError(f"The {name} are in {regions.crs} (degrees) but the grid's pixels are "
                         f"{pixel:g} units wide, i.e. metres of a projected CRS: {fix}.")
    geometries = [g for g in regions.geometry if g is not None and not g.is_empty]
    if geometries:
        rows, cols = shape
        xs, ys = zip(*(transform @ c for c in ((0, 0), (cols, 0), (0, rows), (cols, rows))))
        left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
        if not any(g.bounds[0] < right and g.bounds[2] > left and g.bounds[1] < top
                   and g.bounds[3] > bottom for g in geometries):
            raise ValueError(f"None of the {len(geometries)} {name} polygons touches the grid "
                             f"(x {left:.10g} to {right:.10g}, y {bottom:.10g} to {top:.10g}; "
                             f"{name} are in {regions.crs}): are they on another CRS or area? "
                             f"If so, {fix}.")


def _check_shape(shape: Any) -> tuple[int, int]:
    """``(rows, cols)`` as two positive ints."""
    if not (isinstance(shape, (tuple, list)) and len(shape) == 2):
        raise TypeError(f"shape must be (rows, cols); got {shape!r}. E.g. truth.shape.")
    rows, cols = (check_integer(v, "shape", minimum=1, fix="Pass the grid's (rows, cols), e.g. "
                                "truth.shape.") for v in shape)
    return rows, cols


def _check_region_inputs(regions: Any, transform: Any, shape: Any, name_column: Any,
                         crs: Any) -> tuple[int, int]:
    """Named polygons on the grid's CRS, an affine transform and the grid's shape."""
    _check_frame(regions, "regions")
    _check_transform(transform)
    shape = _check_shape(shape)
    if not isinstance(name_column, str) or name_column not in regions.columns:
        raise KeyError(f"The regions have no column {name_column!r}; columns: "
                       f"{list(regions.columns)}. Pass name_column= with the column of names.")
    _check_crs(regions, crs, transform, shape)
    return shape


def _truth_grid(truth: Any, regions: Any, transform: Any, crs: Any
                ) -> tuple[Affine | None, Any, tuple[int, int]]:
    """The truth's transform and CRS (from a Raster unless given) and its shape; a
    transform is needed as soon as there are regions."""
    transform = transform if transform is not None else getattr(truth, "transform", None)
    crs = crs if crs is not None else getattr(truth, "crs", None)
    t_shape = as_2d(truth, "truth").shape
    if regions is not None and transform is None:
        raise ValueError("Per-region metrics need the grid's transform: pass transform= or "
                         "a Raster as truth.")
    return transform, crs, t_shape
