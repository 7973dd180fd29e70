"""Labels drawn on a raster: where they are, how they are stored, what they become.

A learner marks **training points** (one class each, for a pixel classifier such as CART) and
**polygons** (landslide outlines, for a U-Net's masks) on a map of their own raster
(:class:`course_lib.viz.labelling_map.LabellingMap`). This module is everything about those
labels that is not the map: exact conversions between the map's longitude/latitude and the
raster's pixels, the labels as a table, the problems a learner can cause, the GeoPackage they
are saved in, and what they become::

    features = features_from_geojson(drawn, raster.crs)   # GeoJSON in lon/lat -> raster CRS
    points = training_points(features, raster)            # for sampling.sample_at_points
    mask = polygons_to_mask(features, raster)              # uint8 0/1 on the raster's grid
    windows = polygon_chips(features, stack, "chips/")     # chips for load_chip_folder
    save_labels(features, "my_labels.gpkg")                # later: load_labels(...)

Coordinates, and how exact they are
-----------------------------------
A web map speaks longitude/latitude (EPSG:4326, x = longitude first, as GeoJSON); the raster
is usually on a projected CRS (UTM). A position goes to the raster's CRS with PROJ
(:func:`lonlat_to_xy`, through pyproj) and to a pixel with the raster's affine transform
(:func:`xy_to_rowcol`, ``rasterio.transform.rowcol``: the pixel that contains the point,
rounding down). The chain is exact: a point 0.1 mm inside a pixel edge lands in that pixel
(tested with off-centre points on a known UTM grid; errors below 10 micrometres). Points and
polygon vertices use the same conversion (:func:`transform_geometry`), so they agree exactly.
Leaflet rounds the GeoJSON it emits to 6 decimals of a degree: at most 6 cm on the ground.

Classes and properties
----------------------
Each feature carries ``class_name`` (the same names as the training points of the course's
study area, ``course_lib.simulator.TRAINING_CLASSES`` plus ``"landslide"``, so a learner's
points and the provided ones train the same classifier), ``label_id`` (1, 2, ... in drawing
order) and ``source`` (``"mouse"`` for features drawn in the browser, otherwise who added
them, e.g. ``"simulated learner"``).

GeoPackage layout (:func:`save_labels`, :func:`load_labels`)
------------------------------------------------------------
Three layers in the raster's CRS: ``label_points`` (Point) and ``label_polygons`` (Polygon, or
MultiPolygon when one is) with the columns ``label_id``, ``class_name`` and ``source``, and
``label_classes`` (a plain table: ``class_name``, ``colour``, ``position``) so that a reload
restores the learner's class list. Saving is atomic (:func:`course_lib.data.atomic.atomic_write`:
a temporary file beside the target, renamed when complete). An existing file is never
replaced unless ``overwrite=True``, and even then **only the three** ``label_*`` **layers are
replaced: every other layer in the file is kept** (the file is copied to the temporary file,
the layers rewritten in the copy, the copy renamed). A file that is not a readable GeoPackage
is never overwritten.

Problems the learner causes (nothing drawn, one class only, a point outside the image or on
nodata) raise :class:`LabellingProblem`, a ``ValueError`` whose message says what to draw
next and which IPython shows without a traceback.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.data.atomic import atomic_write
from course_lib.data.raster import Raster, check_raster
from course_lib.validation import check_choice, check_integer, check_path, describe

__all__ = [
    "LONLAT", "POINTS_LAYER", "POLYGONS_LAYER", "CLASSES_LAYER", "FEATURE_COLUMNS",
    "LabellingProblem", "reproject_xy", "lonlat_to_xy", "xy_to_lonlat", "xy_to_rowcol",
    "xy_to_fractional_rowcol", "rowcol_to_xy", "lonlat_to_rowcol", "rowcol_to_lonlat",
    "transform_geometry", "nodata_mask", "geometry_kind", "features_from_geojson",
    "features_to_geojson", "pixel_problems", "training_points", "polygons_to_mask",
    "polygon_chip_windows", "polygon_chips", "save_labels", "load_labels",
]

#: Longitude/latitude on WGS 84: what a web map and GeoJSON use.
LONLAT = "EPSG:4326"
#: Layer names in the GeoPackage.
POINTS_LAYER, POLYGONS_LAYER, CLASSES_LAYER = "label_points", "label_polygons", "label_classes"
#: Columns of a feature table (besides the geometry).
FEATURE_COLUMNS = ("label_id", "class_name", "kind", "source")


class LabellingProblem(ValueError):
    """Something about the drawn labels that the learner has to fix; the message says what.

    IPython (and so JupyterLab) shows it as the message alone, without a traceback.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"Labelling problem: {self}"]


# ---------------------------------------------------------------- coordinate conversions
def _as_arrays(*values):
    scalar = all(np.ndim(v) == 0 for v in values)
    return scalar, [np.atleast_1d(np.asarray(v, dtype=float)) for v in values]


def _crs_key(crs) -> str:
    """A hashable description of ``crs`` (an EPSG string, a rasterio or pyproj CRS)."""
    if isinstance(crs, str):
        return crs
    to_wkt = getattr(crs, "to_wkt", None)
    return to_wkt() if to_wkt else str(crs)


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str):
    import pyproj

    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(src),
                                       pyproj.CRS.from_user_input(dst), always_xy=True)


def reproject_xy(x, y, src_crs, dst_crs):
    """Coordinates from ``src_crs`` to ``dst_crs`` (x = easting or longitude first); every
    conversion in this module goes through here (PROJ, via pyproj)."""
    scalar, (x, y) = _as_arrays(x, y)
    xs, ys = _transformer(_crs_key(src_crs), _crs_key(dst_crs)).transform(x, y)
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    return (float(xs[0]), float(ys[0])) if scalar else (xs, ys)


def lonlat_to_xy(lon, lat, crs):
    """Longitude/latitude (degrees, EPSG:4326) to ``(x, y)`` in ``crs``; scalars or arrays.

    >>> x, y = lonlat_to_xy(9.0, 0.0, "EPSG:32632")   # UTM 32's central meridian at the equator
    >>> round(x, 6), round(y, 6)
    (500000.0, 0.0)
    """
    return reproject_xy(lon, lat, LONLAT, crs)


def xy_to_lonlat(x, y, crs):
    """``(x, y)`` in ``crs`` to longitude/latitude (degrees); scalars or arrays."""
    return reproject_xy(x, y, crs, LONLAT)


def xy_to_rowcol(x, y, transform):
    """The pixel ``(row, col)`` holding ``(x, y)`` on the grid ``transform`` (floor, as
    ``rasterio.transform.rowcol``); may be outside the raster (negative or too large).

    >>> from affine import Affine
    >>> xy_to_rowcol(1015.0, 1987.0, Affine(10, 0, 1000, 0, -10, 2000))
    (1, 1)
    """
    from rasterio.transform import rowcol

    scalar, (x, y) = _as_arrays(x, y)
    rows, cols = rowcol(transform, x, y)
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    return (int(rows[0]), int(cols[0])) if scalar else (rows, cols)


def xy_to_fractional_rowcol(x, y, transform):
    """``(row, col)`` as floats: 37.5 is the centre of row 37. For measuring errors."""
    scalar, (x, y) = _as_arrays(x, y)
    cols, rows = ~transform @ (x, y)
    return (float(rows[0]), float(cols[0])) if scalar else (rows, cols)


def rowcol_to_xy(row, col, transform, offset: str = "center"):
    """``(x, y)`` of a pixel's centre (or ``offset="ul"``, its upper-left corner)."""
    check_choice(offset, "offset", ("center", "ul"))
    scalar, (row, col) = _as_arrays(row, col)
    shift = {"center": 0.5, "ul": 0.0}[offset]
    xs, ys = transform @ (col + shift, row + shift)
    return (float(xs[0]), float(ys[0])) if scalar else (np.asarray(xs), np.asarray(ys))


def lonlat_to_rowcol(lon, lat, raster: Raster):
    """The pixel ``(row, col)`` of ``raster`` under a lon/lat position (may be outside)."""
    x, y = lonlat_to_xy(lon, lat, raster.crs)
    return xy_to_rowcol(x, y, raster.transform)


def rowcol_to_lonlat(row, col, raster: Raster, offset: str = "center"):
    """Longitude/latitude of a pixel's centre (or ``offset="ul"``, its upper-left corner)."""
    x, y = rowcol_to_xy(row, col, raster.transform, offset)
    return xy_to_lonlat(x, y, raster.crs)


def transform_geometry(geometry, src_crs, dst_crs):
    """A shapely geometry reprojected vertex by vertex with :func:`reproject_xy` (the
    conversion of the point functions above, so points and polygons agree exactly)."""
    import shapely

    def convert(coords: np.ndarray) -> np.ndarray:
        if len(coords) == 0:
            return coords
        xs, ys = reproject_xy(coords[:, 0], coords[:, 1], src_crs, dst_crs)
        return np.column_stack([xs, ys])

    return shapely.transform(geometry, convert)


# ---------------------------------------------------------------- features
def nodata_mask(raster: Raster) -> np.ndarray:
    """True where ``raster`` has no data in any band: NaN for floats, else
    ``raster.attrs["nodata"]`` when set."""
    data = raster.data
    if np.issubdtype(data.dtype, np.floating):
        return np.isnan(data).any(axis=0)
    nodata = raster.attrs.get("nodata")
    if nodata is None:
        return np.zeros(raster.shape, dtype=bool)
    return (data == nodata).any(axis=0)


def geometry_kind(geometry_type: str | None) -> str | None:
    """``"point"`` or ``"polygon"`` for a GeoJSON/shapely geometry type, else None."""
    return {"Point": "point", "Polygon": "polygon", "MultiPolygon": "polygon"}.get(
        geometry_type or "")


def _empty_features(crs):
    import geopandas as gpd

    return gpd.GeoDataFrame({c: [] for c in FEATURE_COLUMNS}, geometry=[], crs=crs).astype(
        {"label_id": "int64", "class_name": "object", "kind": "object", "source": "object"})


def features_from_geojson(features: Sequence[Mapping], crs) -> Any:
    """GeoJSON features in lon/lat (with ``class_name``, ``label_id`` and ``source``
    properties) as a GeoDataFrame in ``crs``: columns ``label_id``, ``class_name``, ``kind``
    (``"point"``/``"polygon"``), ``source`` and geometry. Other geometry types are skipped."""
    import geopandas as gpd
    from shapely.geometry import shape

    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        kind = geometry_kind((feature.get("geometry") or {}).get("type"))
        if kind is None:
            continue
        rows.append({"label_id": int(props.get("label_id", -1)),
                     "class_name": str(props.get("class_name", "")), "kind": kind,
                     "source": str(props.get("source", "mouse")),
                     "geometry": transform_geometry(shape(feature["geometry"]), LONLAT, crs)})
    if not rows:
        return _empty_features(crs)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    return frame.astype({"label_id": "int64", "class_name": "object", "kind": "object",
                         "source": "object"})


def features_to_geojson(frame: Any, properties: Sequence[str] = ("class_name",)) -> list[dict]:
    """GeoJSON Features in lon/lat, as a web map's draw control emits them, from a
    GeoDataFrame of points or polygons (its own CRS), with the given columns as properties.

    The inverse of :func:`features_from_geojson`; :meth:`LabellingMap.add_geojson
    <course_lib.viz.labelling_map.LabellingMap.add_geojson>` takes what it returns, so code (a
    test, the fast run of a notebook, a simulated learner) adds features exactly as a click
    would.
    """
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise TypeError(f"frame must be a GeoDataFrame with a CRS; got {describe(frame)}.")
    missing = [p for p in properties if p not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks the columns {missing}; it has {list(frame.columns)}.")
    out = []
    for row in frame.itertuples():
        geometry = transform_geometry(row.geometry, frame.crs, LONLAT)
        out.append({"type": "Feature", "geometry": geometry.__geo_interface__,
                    "properties": {p: _plain(getattr(row, p)) for p in properties}})
    return out


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def pixel_problems(features: Any, raster: Raster) -> Any:
    """Per feature: ``""`` if fine, else ``"outside"`` (a point outside the raster or a
    polygon not touching it) or ``"nodata"`` (a point on a nodata pixel)."""
    import pandas as pd
    from shapely.geometry import box

    rows, cols = raster.shape
    footprint = box(*raster.bounds)
    nodata = nodata_mask(raster)
    result = []
    for geometry, kind in zip(features.geometry, features["kind"]):
        if kind == "point":
            r, c = xy_to_rowcol(geometry.x, geometry.y, raster.transform)
            if not (0 <= r < rows and 0 <= c < cols):
                result.append("outside")
            elif nodata[r, c]:
                result.append("nodata")
            else:
                result.append("")
        else:
            result.append("" if geometry.intersects(footprint) else "outside")
    return pd.Series(result, index=features.index, dtype=object)


def _check_features(features: Any, raster: Raster) -> Any:
    """The feature table in the raster's CRS (it is reprojected if needed)."""
    import geopandas as gpd

    check_raster(raster, "raster", ndim=3, fix="Pick one date of a time series first.")
    if not isinstance(features, gpd.GeoDataFrame) or "kind" not in features.columns:
        what = ("a GeoDataFrame without a 'kind' column" if isinstance(features, gpd.GeoDataFrame)
                else describe(features))
        raise TypeError(f"features must be the GeoDataFrame of features_from_geojson (or "
                        f"LabellingMap.features); got {what}. Convert a table of your own with "
                        "features_from_geojson(features_to_geojson(table), crs).")
    if features.crs is not None and raster.crs is not None and not features.crs.equals(
            raster.crs):
        return features.to_crs(raster.crs)
    return features


def training_points(features: Any, raster: Raster, classes: Sequence[str] | None = None,
                    min_classes: int = 2) -> Any:
    """The valid points of ``features`` as a GeoDataFrame in the raster's CRS: columns
    ``label_id``, ``class_name``, ``class_id`` (1-based position in ``classes``), ``source``,
    ``row``, ``col`` and the point geometry. ``course_lib.sampling.sample_at_points(stack,
    points)`` turns it into a training table, as it does the study area's points.

    Points outside the raster or on nodata are left out and a line says how many.
    ``min_classes=1`` accepts points of one class (e.g. landslide points to join with
    other points); a classifier needs two.

    Raises:
        LabellingProblem: no points, or points of fewer than ``min_classes`` classes (the
            message says what to draw next).
    """
    features = _check_features(features, raster)
    min_classes = check_integer(min_classes, "min_classes", minimum=1)
    points = features[features["kind"] == "point"]
    if points.empty:
        raise LabellingProblem(
            "No training points yet. Pick a class above the map, choose the circle-marker "
            "tool in the map's toolbar and click on the image; do this for each class.")
    problems = pixel_problems(points, raster)
    if (problems != "").any():
        counts = problems[problems != ""].value_counts()
        said = ", ".join(f"{n} {'outside the image' if why == 'outside' else 'on nodata'}"
                         for why, n in counts.items())
        print(f"Left out {int(counts.sum())} point(s): {said}.")
    points = points[problems == ""].copy()
    present = list(dict.fromkeys(points["class_name"]))
    if len(present) < min_classes:
        only = f"only for {present[0]!r}" if present else "none inside the image"
        raise LabellingProblem(
            f"A classifier needs points of at least two classes; you have points {only}. "
            "Pick another class above the map and click some of its pixels.")
    order = list(classes) if classes is not None else sorted(present)
    points["class_id"] = [order.index(c) + 1 if c in order else 0 for c in points["class_name"]]
    rc = xy_to_rowcol(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(),
                      raster.transform)
    points["row"], points["col"] = rc
    return points[["label_id", "class_name", "class_id", "source", "row", "col", "geometry"]]


def polygons_to_mask(features: Any, raster: Raster, class_name: str | None = "landslide",
                     all_touched: bool = False) -> np.ndarray:
    """A uint8 0/1 mask on ``raster``'s grid: 1 inside the polygons of ``class_name``
    (every polygon when ``None``); ``rasterio.features.rasterize``, a pixel is inside when
    its centre is (or, with ``all_touched``, when the polygon touches it).

    Raises:
        LabellingProblem: no polygon of that class.
    """
    from rasterio.features import rasterize

    features = _check_features(features, raster)
    polygons = features[features["kind"] == "polygon"]
    if class_name is not None:
        polygons = polygons[polygons["class_name"] == class_name]
    if polygons.empty:
        which = f"{class_name!r} " if class_name else ""
        raise LabellingProblem(
            f"No {which}polygons drawn yet. Pick {class_name or 'a class'} above the map, "
            "choose the polygon tool in the map's toolbar, click around the area and click "
            "the first corner again to close the polygon.")
    return rasterize(((g, 1) for g in polygons.geometry), out_shape=raster.shape,
                     transform=raster.transform, fill=0, dtype="uint8",
                     all_touched=all_touched)


# ---------------------------------------------------------------- chips
def polygon_chip_windows(features: Any, raster: Raster, size: int = 64,
                         class_name: str = "landslide", prefix: str = "drawn") -> list:
    """Square windows of ``size`` pixels around the drawn polygons, none overlapping another.

    Each polygon (in drawing order) gets the window centred on its bounding box, or, if that
    overlaps an earlier window, the nearest position that does not and still holds the
    polygon's centre pixel (at least ``size // 4`` pixels from the window's edge); a polygon
    that reaches into an earlier window needs no window of its own (it is in that chip's
    mask), and one for which no free position exists is left out with a printed line. Windows that never
    overlap can be split at random into training and validation chips without the leak of
    overlapping tiles (notebook 05).

    Returns:
        a list of :class:`course_lib.data.chips.ChipWindow` named ``{prefix}_{i:03d}``.
    """
    from course_lib.data.chips import ChipWindow

    size = check_integer(size, "size", minimum=8, fix="A chip is at least 8 pixels a side; "
                         "the U-Net's tile size (e.g. 64) is a good choice.")
    features = _check_features(features, raster)
    rows, cols = raster.shape
    if size > min(rows, cols):
        raise ValueError(f"size {size} is larger than the raster ({rows} x {cols} pixels).")
    polygons = features[(features["kind"] == "polygon") & (features["class_name"] == class_name)]
    if polygons.empty:
        polygons_to_mask(features, raster, class_name)   # raises the LabellingProblem
    taken = np.zeros((rows, cols), dtype=bool)
    windows: list = []
    margin = size // 4
    for label_id, geometry in zip(polygons["label_id"], polygons.geometry):
        cr, cc = xy_to_rowcol(geometry.centroid.x, geometry.centroid.y, raster.transform)
        left, bottom, right, top = geometry.bounds
        r0, c0 = xy_to_rowcol(left, top, raster.transform)
        r1, c1 = xy_to_rowcol(right, bottom, raster.transform)
        if not (0 <= cr < rows and 0 <= cc < cols) or _touches(geometry, taken, raster,
                                                               (r0, c0, r1, c1)):
            continue
        centre_r, centre_c = (r0 + r1) // 2 - size // 2, (c0 + c1) // 2 - size // 2
        rr = np.arange(max(0, cr - size + 1 + margin), min(rows - size, cr - margin) + 1)
        cc_ = np.arange(max(0, cc - size + 1 + margin), min(cols - size, cc - margin) + 1)
        if not rr.size or not cc_.size:
            continue
        grid_r, grid_c = np.meshgrid(rr, cc_, indexing="ij")
        order = np.argsort((grid_r - centre_r) ** 2 + (grid_c - centre_c) ** 2, axis=None,
                           kind="stable")
        for k in order:
            r, c = int(grid_r.flat[k]), int(grid_c.flat[k])
            if not taken[r:r + size, c:c + size].any():
                taken[r:r + size, c:c + size] = True
                windows.append(ChipWindow(f"{prefix}_{len(windows) + 1:03d}", r, c, size))
                break
        else:
            print(f"Polygon #{label_id}: no free {size} x {size} window around it (it is "
                  "close to other chips); it is in no chip of its own.")
    return windows


def _touches(geometry: Any, taken: np.ndarray, raster: Raster,
             box: tuple[int, int, int, int]) -> bool:
    """True when any pixel of ``geometry`` (all touched) is already in a window."""
    from rasterio.features import geometry_mask
    from rasterio.windows import Window, transform as window_transform

    rows, cols = taken.shape
    r0, c0 = max(0, box[0]), max(0, box[1])
    r1, c1 = min(rows - 1, box[2]), min(cols - 1, box[3])
    if r1 < r0 or c1 < c0 or not taken[r0:r1 + 1, c0:c1 + 1].any():
        return False
    window = Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1)
    inside = ~geometry_mask([geometry], out_shape=(window.height, window.width),
                            transform=window_transform(window, raster.transform),
                            all_touched=True)
    return bool((inside & taken[r0:r1 + 1, c0:c1 + 1]).any())


def polygon_chips(features: Any, image: Raster, folder: str | os.PathLike, size: int = 64,
                  class_name: str = "landslide", prefix: str = "drawn",
                  overwrite: bool = False) -> list:
    """Image / mask chips around the drawn polygons, for ``load_chip_folder``.

    Windows come from :func:`polygon_chip_windows`; each chip's image is the window of
    ``image`` (float32 GeoTIFF, NaN kept as nodata) and its mask the window of
    :func:`polygons_to_mask` (**every** drawn polygon of ``class_name`` inside it). Everything
    else in the window is taken as *not* landslide, so a landslide that was not drawn
    teaches the network that it is none: draw every landslide inside each chip. Files go to
    ``folder/images`` and ``folder/masks`` (``course_lib.data.chips.write_chip``), which
    ``course_lib.data.chips.load_chip_folder(folder / "images", folder / "masks")`` reads.

    Args:
        features: the labels (:func:`features_from_geojson`), on ``image``'s grid or any CRS.
        image: the layers to cut the chips from (e.g. a setting's stack).
        folder: where to write; it must hold no chips of ``prefix`` yet, unless ``overwrite``
            (then those chips are replaced, and any of them not written again removed).
        size: chip side in pixels.

    Returns:
        the :class:`~course_lib.data.chips.ChipWindow` of each chip written.
    """
    from course_lib.data.chips import write_chip

    folder = check_path(folder, "folder")
    check_raster(image, "image", ndim=3, fix="Pick one date of a time series first.")
    windows = polygon_chip_windows(features, image, size, class_name, prefix)
    mask = polygons_to_mask(features, image, class_name)
    images_dir, masks_dir = folder / "images", folder / "masks"
    old = [p for d in (images_dir, masks_dir) if d.is_dir()
           for p in d.glob(f"{prefix}_[0-9][0-9][0-9].*")]
    if old and not overwrite:
        raise FileExistsError(f"{folder} already holds {len(old)} chip file(s) named "
                              f"{prefix}_NNN; pass overwrite=True to replace them, or write to "
                              "another folder.")
    for path in old:
        path.unlink()
    data = np.moveaxis(image.data, 0, -1)
    for window in windows:
        write_chip(data[window.slices].astype(np.float32), mask[window.slices], images_dir,
                   masks_dir, window.name, fmt="tif")
    return windows


# ---------------------------------------------------------------- the GeoPackage
def _class_table(classes: Mapping[str, str]):
    import pandas as pd

    return pd.DataFrame({"class_name": list(classes), "colour": list(classes.values()),
                         "position": np.arange(1, len(classes) + 1)})


def save_labels(features: Any, path: str | os.PathLike, classes: Mapping[str, str] | None = None,
                overwrite: bool = False) -> Path:
    """Write labelled features to the GeoPackage ``path`` atomically (see the module doc).

    Args:
        features: GeoDataFrame with ``label_id``, ``class_name``, ``kind``, ``source`` and
            geometry (:func:`features_from_geojson`).
        path: a ``.gpkg`` file.
        classes: class name -> colour, stored so that a reload restores the class list
            (default: the classes present, in grey).
        overwrite: replace the ``label_*`` layers of an existing file (others are kept).

    Raises:
        LabellingProblem: nothing to save.
        FileExistsError: the file exists and ``overwrite`` is False.
        ValueError: the path is not ``.gpkg``, or the existing file is not a GeoPackage.
    """
    import pyogrio
    from pyogrio.errors import DataSourceError

    path = check_path(path, "path", fix="Save labels to a .gpkg file.")
    if path.suffix.lower() != ".gpkg":
        raise ValueError(f"path must end in .gpkg (a GeoPackage); got {str(path)!r}. Save "
                         "labels to e.g. 'my_labels.gpkg'.")
    if features is None or len(features) == 0:
        raise LabellingProblem("Nothing to save: no points or polygons drawn yet.")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists. Pass overwrite=True to replace its labels (other layers "
            "in the file are kept), or save under another name.")
    if path.exists():
        try:
            pyogrio.list_layers(path)
        except (DataSourceError, OSError) as err:
            raise ValueError(f"{path} exists but is not a readable GeoPackage ({err}); it was "
                             "left as it is. Delete it or save under another name.") from None
    if classes is None:
        classes = {name: "#777777" for name in dict.fromkeys(features["class_name"])}
    columns = ["label_id", "class_name", "source", "geometry"]
    frame = features.assign(source=features["source"]) if "source" in features.columns else \
        features.assign(source="mouse")
    points = frame[frame["kind"] == "point"][columns]
    polygons = frame[frame["kind"] == "polygon"][columns]
    multi = bool((polygons.geom_type == "MultiPolygon").any())
    with atomic_write(path, overwrite=overwrite, suffix=".gpkg") as tmp:
        if path.exists():
            shutil.copyfile(path, tmp)       # keep the file's other layers
        else:
            tmp.unlink()                     # GDAL creates the GeoPackage itself
        pyogrio.write_dataframe(points, tmp, layer=POINTS_LAYER, driver="GPKG",
                                geometry_type="Point")
        pyogrio.write_dataframe(polygons, tmp, layer=POLYGONS_LAYER, driver="GPKG",
                                geometry_type="MultiPolygon" if multi else "Polygon",
                                promote_to_multi=multi)
        pyogrio.write_dataframe(_class_table(classes), tmp, layer=CLASSES_LAYER, driver="GPKG")
    return path


def load_labels(path: str | os.PathLike) -> tuple[Any, dict[str, str]]:
    """Read what :func:`save_labels` wrote: ``(features, classes)``, the GeoDataFrame (in the
    file's CRS, sorted by ``label_id``) and the class name -> colour mapping."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from pyogrio.errors import DataSourceError

    path = check_path(path, "path", must_exist=True)
    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except (DataSourceError, OSError) as err:
        raise ValueError(f"{path} is not a readable GeoPackage ({err}).") from None
    missing = [n for n in (POINTS_LAYER, POLYGONS_LAYER) if n not in layers]
    if missing:
        raise ValueError(f"{path} has no labelling layers {missing}; its layers are {layers}. "
                         "Was it written by LabellingMap.save (or save_labels)?")
    parts = []
    for layer, kind in ((POINTS_LAYER, "point"), (POLYGONS_LAYER, "polygon")):
        frame = pyogrio.read_dataframe(path, layer=layer)
        frame["kind"] = kind
        if "source" not in frame.columns:
            frame["source"] = "mouse"
        parts.append(frame)
    crs = next((p.crs for p in parts if p.crs is not None), None)
    features = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                crs=crs)
    features = features[[*FEATURE_COLUMNS, "geometry"]].astype({"label_id": "int64"})
    if CLASSES_LAYER in layers:
        table = pyogrio.read_dataframe(path, layer=CLASSES_LAYER).sort_values("position")
        classes = dict(zip(table["class_name"].astype(str), table["colour"].astype(str)))
    else:
        classes = {name: "#777777" for name in dict.fromkeys(features["class_name"])}
    return features.sort_values("label_id").reset_index(drop=True), classes
