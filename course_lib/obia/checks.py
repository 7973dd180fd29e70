"""Input checks shared by the OBIA modules: label rasters, images and polygons on a grid.

Trainees pass the :class:`~course_lib.obia.segmentation.Segmentation` object where its
``labels`` go, a feature layer where the labels go, an image with the bands first (as a
Raster stores it) where OpenCV wants them last, and polygons in another CRS than the grid. The
checks here turn each into an error that names the argument, what was received and the fix,
in the style of :mod:`course_lib.validation`; a Segmentation is simply accepted for its
labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib import validation
from course_lib.validation import describe, expected_message

__all__ = ["as_labels", "as_image", "check_positive", "crs_name", "check_grid_polygons"]


def as_labels(labels: Any, name: str = "labels") -> np.ndarray:
    """A segment label raster as a 2-D integer array (0 = no segment, 1..n = segments).

    A :class:`~course_lib.obia.segmentation.Segmentation` is accepted for its ``labels``;
    whole-numbered floats are converted.

    Raises:
        TypeError: not an array of numbers, or a boolean mask (label it first).
        ValueError: not 2-D, negative labels (0 means "no segment") or fractional values
            (a feature layer passed for the labels).

    >>> as_labels(np.array([[0.0, 1.0], [2.0, 2.0]])).tolist()
    [[0, 1], [2, 2]]
    >>> as_labels(np.array([[-1, 1]]))
    Traceback (most recent call last):
    ...
    ValueError: labels must be segment labels >= 0 (0 = no segment, 1..n segments); got int64 array (1, 2) with values down to -1. Mark nodata with 0, e.g. labels = np.where(labels < 0, 0, labels).
    """
    if hasattr(labels, "labels") and hasattr(labels, "n_segments"):
        labels = labels.labels                       # a Segmentation
    fix = "Pass the label raster of segment(...), e.g. seg.labels (2-D rows x cols)."
    array = validation.as_array(labels, name, ndim=2, kinds="biuf", fix=fix)
    if array.dtype == bool:
        raise TypeError(expected_message(
            name, "a segment label raster (integers 0..n)", array,
            "This is a boolean mask: label its connected regions first, e.g. "
            "scipy.ndimage.label(mask)[0]."))
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all() or not np.array_equal(array, np.round(array)):
            bad = array[~finite] if not finite.all() else array[array != np.round(array)]
            raise ValueError(
                f"{name} must hold whole-numbered segment labels (0 = no segment, 1..n); got "
                f"{describe(array)} with values such as {bad[:3].tolist()}. Is this a feature "
                f"layer? {fix}")
        array = array.astype(np.int64)
    low = array.min()
    if low < 0:
        raise ValueError(
            f"{name} must be segment labels >= 0 (0 = no segment, 1..n segments); got "
            f"{describe(array)} with values down to {int(low)}. Mark nodata with 0, e.g. "
            f"{name} = np.where({name} < 0, 0, {name}).")
    return array


def as_image(image: Any, name: str = "image") -> np.ndarray:
    """A ``(rows, cols, bands)`` image as float64, refusing bands-first arrays.

    A Raster stores its bands first, ``(bands, rows, cols)``; OpenCV and scikit-image want
    them last. An array whose first axis is short (at most 16) and much shorter than its last
    is taken for bands-first and refused with the fix (``np.moveaxis(x, 0, -1)``).

    >>> as_image(np.zeros((3, 40, 40)))
    Traceback (most recent call last):
    ...
    ValueError: image must be (rows, cols, bands) with the bands last; got float64 array (3, 40, 40), which looks like (bands, rows, cols). Use np.moveaxis(image, 0, -1) (a Raster: np.moveaxis(raster.data, 0, -1)).
    """
    if hasattr(image, "band_names") and hasattr(image, "data"):
        raise TypeError(expected_message(
            name, "a (rows, cols, bands) array", image,
            "A Raster stores its bands first: pass np.moveaxis(raster.data, 0, -1) "
            "(three bands, e.g. of raster.select(['B08', 'B04', 'B03']))."))
    fix = ("From a Raster use np.moveaxis(raster.data, 0, -1); a single band b becomes "
           "b[..., None].")
    array = validation.as_array(image, name, kinds="biuf", fix=fix)
    if array.ndim != 3:
        raise ValueError(f"{name} must be (rows, cols, bands) with bands last; got shape "
                         f"{array.shape}. {fix}")
    if array.shape[0] <= 16 and array.shape[-1] > 2 * array.shape[0] and array.shape[-1] > 16:
        raise ValueError(
            f"{name} must be (rows, cols, bands) with the bands last; got {describe(array)}, "
            f"which looks like (bands, rows, cols). Use np.moveaxis({name}, 0, -1) (a Raster: "
            "np.moveaxis(raster.data, 0, -1)).")
    return array.astype(np.float64, copy=False)


def check_positive(value: Any, name: str, *, integer: bool = False,
                   allow_zero: bool = False) -> float | int:
    """A positive (or non-negative) finite number, or a clear error naming ``name``.

    >>> check_positive(3.0, "min_size", integer=True)
    3
    """
    if integer:
        return validation.check_integer(value, name, minimum=0 if allow_zero else 1)
    return validation.check_number(value, name, minimum=0, min_inclusive=allow_zero)


def _grid_crs(crs: Any) -> Any:
    from pyproj import CRS

    try:
        return CRS.from_user_input(crs)
    except Exception as err:  # pyproj raises CRSError for strings it cannot read
        raise ValueError(expected_message("crs", "a coordinate reference system", crs,
                                          f"e.g. 'EPSG:32632' or raster.crs ({err}).")) from None


def crs_name(crs: Any) -> str:
    """A short name of a CRS for messages, e.g. ``'EPSG:32632'``.

    >>> crs_name("epsg:4326")
    'EPSG:4326'
    """
    try:
        return _grid_crs(crs).to_string()
    except ValueError:
        return str(crs)


def check_grid_polygons(polygons: Any, transform: Any, shape: tuple[int, int], *,
                        crs: Any = None, name: str = "landslides") -> None:
    """Refuse polygons that cannot lie on the grid: not a GeoDataFrame, another CRS, or
    entirely outside the grid (the usual sign of another CRS or a wrong ``transform``).

    Args:
        polygons: a GeoDataFrame (e.g. ``area["landslides"]``).
        transform: the grid's ``affine.Affine``.
        shape: ``(rows, cols)`` of the grid.
        crs: the grid's CRS, when known (compared with ``polygons.crs``).
        name: the argument's name, for messages.
    """
    from affine import Affine

    if not hasattr(polygons, "geometry") or not hasattr(polygons, "columns"):
        raise TypeError(expected_message(
            name, "a GeoDataFrame of polygons", polygons,
            "Read it with geopandas.read_file(...) or use area['landslides']."))
    if not isinstance(transform, Affine):
        raise TypeError(expected_message(
            "transform", "an affine.Affine pixel grid", transform,
            "Pass the grid's transform, e.g. truth.transform (a Raster's)."))
    if crs is not None and polygons.crs is not None:
        grid = _grid_crs(crs)
        if _grid_crs(polygons.crs) != grid:
            raise ValueError(
                f"{name} are in {crs_name(polygons.crs)} but the grid is in {crs_name(grid)}; "
                f"reproject them first: {name} = {name}.to_crs({crs_name(grid)!r}).")
    geometries = polygons.geometry[~(polygons.geometry.isna() | polygons.geometry.is_empty)]
    if len(geometries) == 0:
        return
    rows, cols = shape
    a, b, c, d, e, f = tuple(transform)[:6]
    xs = [c + a * col + b * row for col, row in ((0, 0), (cols, 0), (0, rows), (cols, rows))]
    ys = [f + d * col + e * row for col, row in ((0, 0), (cols, 0), (0, rows), (cols, rows))]
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    minx, miny, maxx, maxy = geometries.total_bounds
    if maxx < left or minx > right or maxy < bottom or miny > top:
        where = f" (their CRS: {crs_name(polygons.crs)})" if polygons.crs is not None else ""
        raise ValueError(
            f"None of the {len(geometries)} {name} overlaps the grid: they span x "
            f"{minx:.6g}-{maxx:.6g}, y {miny:.6g}-{maxy:.6g}{where}, the grid x {left:.6g}-"
            f"{right:.6g}, y {bottom:.6g}-{top:.6g}. They are probably in another CRS: "
            f"reproject them with {name}.to_crs(raster.crs), or check transform=.")
