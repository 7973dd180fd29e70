"""Draw training points and landslide polygons on a map of a georeferenced raster, offline.

A learner picks a class, clicks points (training samples for a pixel classifier such as CART)
and draws polygons (landslide outlines for a U-Net mask) on an ipyleaflet map of their own
raster, saves them to a GeoPackage, and later turns them into a table of points or a 0/1
mask on the raster's grid::

    from course_lib.viz.labelling_map import LabellingMap
    labels = LabellingMap({"true colour": (raster, {"bands": ("B4", "B3", "B2")}),
                           "dNDVI": (dndvi, {"bands": ("dNDVI",), "cmap": "RdBu",
                                             "vmin": -0.5, "vmax": 0.5})})
    labels                                   # the map, the class picker and the counts
    labels.save("my_labels.gpkg")            # later: labels.load("my_labels.gpkg")
    points = labels.training_points()        # GeoDataFrame of points in the raster's CRS
    mask = labels.polygon_mask("landslide")  # uint8 0/1 array on the raster's grid

Coordinates, and how exact they are
-----------------------------------
* The map works in longitude/latitude (EPSG:4326) and displays in Web Mercator (EPSG:3857).
  The raster is usually on a projected CRS (UTM). Each image layer is **reprojected to
  EPSG:3857** before it is shown (:func:`to_web_mercator`: nearest neighbour onto a grid
  ``upsample`` times finer than the raster, each display pixel's centre converted exactly),
  so a raster pixel is drawn where it is: its edges are off by at most half a display pixel,
  ``1 / (2 * upsample)`` of a raster pixel (0.125 px with the default ``upsample=4``).
  Placing the UTM image by its corner bounds alone would be wrong by the meridian
  convergence (about 2.5 degrees at 6 E, 61.5 N in zone 32: several pixels across a 2 km
  image), which is why it is not done.
* Leaflet snaps the image's corners to whole screen pixels, so on screen the image can be off
  by up to half a *screen* pixel more (about 0.1 raster pixel at zoom 15 for 10 m pixels).
* A point drawn on the map arrives as lon/lat (GeoJSON) and is converted to the raster's CRS
  with PROJ (:func:`lonlat_to_xy`) and to a pixel with ``rasterio.transform.rowcol``
  (:func:`xy_to_rowcol`): this chain is exact (errors below 10 micrometres; tested with
  off-centre points next to pixel edges). Every geometry uses the same conversion. Leaflet
  itself rounds the GeoJSON it emits to 6 decimals of a degree (at most 6 cm: 0.006 of a
  10 m pixel).

The drawn features live in the draw control's ``data`` (GeoJSON in lon/lat, each with the
properties ``class_name`` and ``label_id``), which the browser and the kernel keep in sync;
:attr:`LabellingMap.features` turns it into a GeoDataFrame in the raster's CRS. Tests and a
fast notebook run add features without a person through :meth:`LabellingMap.add_geojson`,
with exactly the GeoJSON the draw control emits.

GeoPackage layout (:func:`save_labels`, :func:`load_labels`)
------------------------------------------------------------
Three layers: ``label_points`` (Point), ``label_polygons`` (Polygon, or MultiPolygon when one
is) with the columns ``label_id`` and ``class_name``, in the raster's CRS, and
``label_classes`` (a plain table: ``class_name``, ``colour``, ``position``) so that a reload
restores the learner's class list. Saving is atomic: the file is written in a temporary folder
next to the target and moved over it with ``os.replace``, so an interrupted save leaves the old
file whole. An existing file is never replaced unless ``overwrite=True``, and even then **only
the three ``label_*`` layers are replaced: every other layer in the file is kept** (the
existing file is copied into the temporary folder, the three layers are rewritten in the copy,
and the copy replaces the original). A file that exists but is not a readable GeoPackage is
never overwritten.

Problems the learner causes (nothing drawn, one class only, a point outside the image or on
nodata) give a plain message: in the widget's message line while drawing, and as a
:class:`LabellingProblem` (a ``ValueError`` that IPython shows as its message, without a
traceback) from the methods that need labels.
"""

from __future__ import annotations

import base64
import html
import io
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.data.raster import Raster

#: The eight classes of the course's reference paper, in its order.
DEFAULT_CLASSES = ("landslide", "water", "snow/ice", "bare rock", "agriculture", "forest",
                   "alpine scrub", "urban")
#: Okabe & Ito's colour-blind-safe palette (2008), one colour per default class.
OKABE_ITO = ("#D55E00", "#0072B2", "#56B4E9", "#000000", "#F0E442", "#009E73", "#E69F00",
             "#CC79A7")
#: Paul Tol's 'muted' palette, for a learner's classes beyond the eight above.
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99",
             "#999933", "#AA4499")
#: Colours of the default classes: landslide vermillion, water blue, snow/ice sky blue, bare
#: rock black, agriculture yellow, forest bluish green, alpine scrub orange, urban purple.
DEFAULT_COLOURS = dict(zip(DEFAULT_CLASSES, OKABE_ITO))
#: Layer names in the GeoPackage.
POINTS_LAYER, POLYGONS_LAYER, CLASSES_LAYER = "label_points", "label_polygons", "label_classes"
LONLAT = "EPSG:4326"
WEB_MERCATOR = "EPSG:3857"
#: Where the OpenStreetMap basemap comes from (added only when this host answers).
TILE_HOST = "tile.openstreetmap.org"
#: Web Mercator metres per screen pixel at zoom 0 (256-pixel tiles).
ZOOM0_RESOLUTION = 2 * np.pi * 6378137.0 / 256
#: The map pane of the image layers: above tiles (200), below the drawings (400).
IMAGE_PANE = "labelling_images"


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
    ``rasterio.transform.rowcol``); may be outside the raster (negative or too large)."""
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


# ---------------------------------------------------------------- image layers
def _check_raster(raster: Any, what: str) -> Raster:
    if not isinstance(raster, Raster):
        raise TypeError(f"{what} must be a course_lib Raster; got {type(raster).__name__}.")
    if raster.data.ndim != 3:
        raise ValueError(f"{what} is a time series {raster.data.shape}; pick one date first, "
                         "e.g. Raster(data=series.data[0], ...).")
    if raster.crs is None:
        raise ValueError(f"{what} has no CRS: the map cannot place it.")
    return raster


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


def render_rgba(raster: Raster, style: Mapping[str, Any] | None = None) -> np.ndarray:
    """An ``(rows, cols, 4)`` uint8 RGBA image of ``raster``; transparent where nodata.

    ``style`` keys (all optional):
        ``bands``: three band names (an RGB composite) or one (a colour-mapped band);
        default the first three bands, or the first band when there are fewer.
        ``vmin``, ``vmax``: the values shown darkest and brightest, one number or one per
        band; default the 2nd and 98th percentiles of each band.
        ``cmap``: the matplotlib colour map of a single band (default ``"viridis"``).
    """
    import matplotlib

    style = dict(style or {})
    unknown = set(style) - {"bands", "vmin", "vmax", "cmap"}
    if unknown:
        raise ValueError(f"Unknown style keys {sorted(unknown)}; use bands, vmin, vmax, cmap.")
    names = style.get("bands")
    if names is None:
        names = raster.band_names[:3] if len(raster.band_names) >= 3 else raster.band_names[:1]
    if isinstance(names, str):
        names = (names,)
    if len(names) not in (1, 3):
        raise ValueError(f"style['bands'] must name 1 or 3 bands; got {list(names)}.")
    data = np.stack([raster.band(n) for n in names]).astype(np.float64)
    nodata = raster.attrs.get("nodata")
    if not np.issubdtype(raster.data.dtype, np.floating) and nodata is not None:
        data[data == nodata] = np.nan
    invalid = np.isnan(data).any(axis=0)

    def per_band(value, default):
        if value is None:
            return np.array([default(band) for band in data])
        return np.broadcast_to(np.asarray(value, dtype=float), (len(data),)).copy()

    def percentile(q):
        return lambda band: (np.nanpercentile(band, q) if np.isfinite(band).any() else 0.0)

    vmin = per_band(style.get("vmin"), percentile(2))
    vmax = per_band(style.get("vmax"), percentile(98))
    span = np.where(vmax > vmin, vmax - vmin, 1.0)
    scaled = np.clip((data - vmin[:, None, None]) / span[:, None, None], 0, 1)
    scaled = np.nan_to_num(scaled, nan=0.0)
    if len(names) == 1:
        cmap = matplotlib.colormaps[style.get("cmap", "viridis")]
        rgba = cmap(scaled[0])
    else:
        rgba = np.concatenate([np.moveaxis(scaled, 0, -1), np.ones(raster.shape + (1,))], -1)
    rgba = np.round(rgba * 255).astype(np.uint8)
    rgba[..., 3] = np.where(invalid, 0, 255)
    return rgba


def to_web_mercator(rgba: np.ndarray, raster: Raster, upsample: int = 4,
                    max_pixels: int = 2_000_000):
    """Reproject an RGBA image on ``raster``'s grid to a Web Mercator grid for display.

    Nearest neighbour onto a grid ``upsample`` times finer than the raster's (less when the
    result would have more than ``max_pixels`` pixels, down to 1): the centre of every
    display pixel is converted exactly (PROJ, per pixel: about 0.5 s per million) to the
    raster's CRS and shows the raster pixel it falls in. (GDAL's warper,
    ``rasterio.warp.reproject``, interpolates the transformation along each row, and its
    ``tolerance`` made no difference with rasterio 1.4: about 1 % of display pixels next to
    a raster pixel edge came out in the neighbouring pixel, up to 0.015 pixel away. Harmless,
    but not exact.) Outside the raster the result is transparent.

    Returns:
        ``(image, transform, bounds)``: the ``(h, w, 4)`` uint8 image, its EPSG:3857 affine
        transform, and its ``[[south, west], [north, east]]`` in degrees for Leaflet.
    """
    from affine import Affine
    from rasterio.warp import calculate_default_transform

    rows, cols = raster.shape
    base, width, height = calculate_default_transform(raster.crs, WEB_MERCATOR, cols, rows,
                                                      *raster.bounds)
    factor = max(1, min(int(upsample), int(np.sqrt(max_pixels / max(width * height, 1)))))
    resolution = base.a / factor
    left, top = base.c, base.f
    width, height = int(width * factor), int(height * factor)
    dst_transform = Affine(resolution, 0.0, left, 0.0, -resolution, top)
    out = np.zeros((height, width, 4), dtype=np.uint8)
    centres = np.arange(width) + 0.5
    for start in range(0, height, 256):           # a block of rows at a time: bounded memory
        stop = min(height, start + 256)
        dcol, drow = np.meshgrid(centres, np.arange(start, stop) + 0.5)
        mx, my = dst_transform @ (dcol.ravel(), drow.ravel())
        xs, ys = reproject_xy(mx, my, WEB_MERCATOR, raster.crs)
        fc, fr = ~raster.transform @ (xs, ys)
        r, c = np.floor(fr).astype(np.int64), np.floor(fc).astype(np.int64)
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        block = np.zeros((r.size, 4), dtype=np.uint8)
        block[inside] = rgba[r[inside], c[inside]]
        out[start:stop] = block.reshape(stop - start, width, 4)
    right, bottom = dst_transform @ (width, height)
    (west, east), (south, north) = xy_to_lonlat([left, right], [bottom, top], WEB_MERCATOR)
    return out, dst_transform, [[float(south), float(west)], [float(north), float(east)]]


def png_data_url(rgba: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URL of an RGBA uint8 image (made locally)."""
    import matplotlib.image

    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, rgba, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def fit_zoom(bounds_3857: tuple[float, float, float, float], width_px: int, height_px: int,
             max_zoom: int = 20) -> int:
    """The largest whole zoom at which ``(left, bottom, right, top)`` in EPSG:3857 metres
    fits in ``width_px`` x ``height_px`` screen pixels."""
    left, bottom, right, top = bounds_3857
    scale = min(width_px / max(right - left, 1e-9), height_px / max(top - bottom, 1e-9))
    return int(np.clip(np.floor(np.log2(scale * ZOOM0_RESOLUTION)), 1, max_zoom))


# ---------------------------------------------------------------- features and helpers
def _class_colours(classes) -> dict[str, str]:
    if classes is None:
        return dict(DEFAULT_COLOURS)
    if isinstance(classes, str):
        raise TypeError(f"classes must be a list of class names; got the string {classes!r}. "
                        f"For one class write [{classes!r}] (you will need two to train).")
    if isinstance(classes, Mapping):
        colours = {str(k): str(v) for k, v in classes.items()}
    else:
        names = [str(c) for c in classes]
        palette = [c for c in OKABE_ITO + TOL_MUTED]
        free = [c for c in palette if c not in {DEFAULT_COLOURS.get(n) for n in names}]
        colours = {}
        for name in names:
            colours[name] = DEFAULT_COLOURS.get(name) or (free.pop(0) if free else "#777777")
    if not colours:
        raise ValueError("classes is empty: give at least two class names.")
    if len(colours) != len(list(classes)):
        raise ValueError(f"classes has repeated names: {list(classes)}.")
    return colours


def _style(kind: str, colour: str) -> dict[str, Any]:
    if kind == "point":
        return {"color": "#ffffff", "weight": 1.5, "fillColor": colour, "fillOpacity": 0.95,
                "opacity": 1.0, "radius": 6}
    return {"color": colour, "weight": 2.5, "fillColor": colour, "fillOpacity": 0.15,
            "opacity": 1.0}


def _kind(geometry_type: str | None) -> str | None:
    return {"Point": "point", "Polygon": "polygon", "MultiPolygon": "polygon"}.get(
        geometry_type or "")


def features_from_geojson(features: Sequence[Mapping], crs) -> "gpd.GeoDataFrame":  # noqa: F821
    """GeoJSON features in lon/lat (with ``class_name`` and ``label_id`` properties) as a
    GeoDataFrame in ``crs`` with columns ``label_id``, ``class_name``, ``kind``, geometry."""
    import geopandas as gpd
    from shapely.geometry import shape

    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        kind = _kind((feature.get("geometry") or {}).get("type"))
        if kind is None:
            continue
        rows.append({"label_id": int(props.get("label_id", -1)),
                     "class_name": str(props.get("class_name", "")), "kind": kind,
                     "geometry": transform_geometry(shape(feature["geometry"]), LONLAT, crs)})
    frame = gpd.GeoDataFrame(rows, columns=["label_id", "class_name", "kind", "geometry"],
                             geometry="geometry", crs=crs)
    return frame.astype({"label_id": "int64", "class_name": "object", "kind": "object"})


def pixel_problems(features, raster: Raster) -> "pd.Series":  # noqa: F821
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


def points_to_frame(features, raster: Raster, classes: Sequence[str] | None = None):
    """The valid points of ``features`` as a GeoDataFrame in the raster's CRS, with columns
    ``label_id``, ``class_name``, ``class_id`` (1-based position in ``classes``), ``row``,
    ``col`` and the point geometry; for a sampling function that takes points.

    Points outside the raster or on nodata are left out and a line says how many.

    Raises:
        LabellingProblem: no points, or points of one class only.
    """
    features = features.to_crs(raster.crs) if features.crs != raster.crs else features
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
    if len(present) < 2:
        only = f"only for {present[0]!r}" if present else "none inside the image"
        raise LabellingProblem(
            f"A classifier needs points of at least two classes; you have points {only}. "
            "Pick another class above the map and click some of its pixels.")
    order = list(classes) if classes is not None else sorted(present)
    points["class_id"] = [order.index(c) + 1 if c in order else 0 for c in points["class_name"]]
    rc = xy_to_rowcol(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(),
                      raster.transform)
    points["row"], points["col"] = rc
    return points[["label_id", "class_name", "class_id", "row", "col", "geometry"]]


def polygons_to_mask(features, raster: Raster, class_name: str | None = "landslide",
                     all_touched: bool = False) -> np.ndarray:
    """A uint8 0/1 mask on ``raster``'s grid: 1 inside the polygons of ``class_name``
    (every polygon when ``None``); ``rasterio.features.rasterize``, pixel centres inside.

    Raises:
        LabellingProblem: no polygon of that class.
    """
    from rasterio.features import rasterize

    features = features.to_crs(raster.crs) if features.crs != raster.crs else features
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


def save_labels(features, path: str | os.PathLike, classes: Mapping[str, str] | None = None,
                overwrite: bool = False) -> Path:
    """Write labelled features to the GeoPackage ``path`` atomically (see the module doc).

    Args:
        features: GeoDataFrame with ``label_id``, ``class_name``, ``kind`` and geometry.
        classes: class name -> colour, stored so that a reload restores the class list.
        overwrite: replace the ``label_*`` layers of an existing file (others are kept).

    Raises:
        LabellingProblem: nothing to save.
        FileExistsError: the file exists and ``overwrite`` is False.
        ValueError: the path is not ``.gpkg``, or the existing file is not a GeoPackage.
    """
    import pandas as pd
    import pyogrio

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ValueError(f"Save labels to a GeoPackage: a path ending in .gpkg; got {path}.")
    if features is None or len(features) == 0:
        raise LabellingProblem("Nothing to save: no points or polygons drawn yet.")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists. Pass overwrite=True to replace its labels (other layers "
            "in the file are kept), or save under another name.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"The folder {folder} does not exist; create it first.")
    if path.exists():
        try:
            pyogrio.list_layers(path)
        except Exception as err:
            raise ValueError(f"{path} exists but is not a readable GeoPackage ({err}); it was "
                             "left as it is. Delete it or save under another name.") from None
    if classes is None:
        classes = _class_colours(list(dict.fromkeys(features["class_name"])))
    points = features[features["kind"] == "point"][["label_id", "class_name", "geometry"]]
    polygons = features[features["kind"] == "polygon"][["label_id", "class_name", "geometry"]]
    table = pd.DataFrame({"class_name": list(classes), "colour": list(classes.values()),
                          "position": np.arange(1, len(classes) + 1)})
    tmpdir = Path(tempfile.mkdtemp(dir=folder, prefix=f".{path.name}."))
    try:
        tmp = tmpdir / path.name
        if path.exists():
            shutil.copyfile(path, tmp)
        multi = (polygons.geom_type == "MultiPolygon").any()
        pyogrio.write_dataframe(points, tmp, layer=POINTS_LAYER, driver="GPKG",
                                geometry_type="Point")
        pyogrio.write_dataframe(polygons, tmp, layer=POLYGONS_LAYER, driver="GPKG",
                                geometry_type="MultiPolygon" if multi else "Polygon",
                                promote_to_multi=bool(multi))
        pyogrio.write_dataframe(table, tmp, layer=CLASSES_LAYER, driver="GPKG")
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return path


def load_labels(path: str | os.PathLike):
    """Read what :func:`save_labels` wrote: ``(features, classes)``, the GeoDataFrame (in
    the file's CRS) and the class name -> colour mapping."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    try:
        layers = [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as err:
        raise ValueError(f"{path} is not a readable GeoPackage ({err}).") from None
    missing = [n for n in (POINTS_LAYER, POLYGONS_LAYER) if n not in layers]
    if missing:
        raise ValueError(f"{path} has no labelling layers {missing}; its layers are {layers}. "
                         "Was it written by LabellingMap.save?")
    parts = []
    for layer, kind in ((POINTS_LAYER, "point"), (POLYGONS_LAYER, "polygon")):
        frame = pyogrio.read_dataframe(path, layer=layer)
        frame["kind"] = kind
        parts.append(frame)
    crs = next((p.crs for p in parts if p.crs is not None), None)
    features = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                crs=crs)
    features = features[["label_id", "class_name", "kind", "geometry"]].astype(
        {"label_id": "int64"})
    if CLASSES_LAYER in layers:
        table = pyogrio.read_dataframe(path, layer=CLASSES_LAYER).sort_values("position")
        classes = dict(zip(table["class_name"].astype(str), table["colour"].astype(str)))
    else:
        classes = _class_colours(list(dict.fromkeys(features["class_name"])))
    return features.sort_values("label_id").reset_index(drop=True), classes


# ---------------------------------------------------------------- the widget
class LabellingMap:
    """An ipyleaflet map of one or more image layers of a raster, with a class picker, a
    draw toolbar (circle markers for points, polygons; edit, drag and delete) and a live
    count per class.

    Args:
        layers: image layers, name -> ``(Raster, style)`` (or a bare Raster); styles as
            :func:`render_rgba`. The first is shown first; buttons above the map switch.
        classes: class names (default: the course's eight, :data:`DEFAULT_CLASSES`) or a
            mapping name -> colour. Colours default to Okabe-Ito / Paul Tol.
        raster: the labelling grid (pixels, nodata checks, masks); default the first
            layer's raster.
        basemap: add OpenStreetMap under the images: ``None`` when its server answers
            (checked once), ``True``/``False`` to decide. Without it the map has no tile
            layer at all and fetches nothing from the network.
        upsample: display grid finer than the raster by this factor (see the module doc).
        width_px, height_px: the map's size; the start zoom fits the raster in it.
    """

    def __init__(self, layers: Mapping[str, Any], classes=None, *, raster: Raster | None = None,
                 basemap: bool | None = None, upsample: int = 4, width_px: int = 900,
                 height_px: int = 600) -> None:
        import ipyleaflet
        import ipywidgets as widgets

        if not isinstance(layers, Mapping) or not layers:
            raise TypeError("layers must be a dict: name -> (Raster, style), e.g. "
                            "{'true colour': (raster, {'bands': ('B4', 'B3', 'B2')})}.")
        self.layers = {}
        for name, value in layers.items():
            layer_raster, style = (value if isinstance(value, tuple) else (value, None))
            self.layers[str(name)] = (_check_raster(layer_raster, f"layer {name!r}"), style)
        first = next(iter(self.layers.values()))[0]
        self.raster = _check_raster(raster if raster is not None else first, "raster")
        self.colours = _class_colours(classes)
        self.messages: list[str] = []
        self._next_id = 1
        self._pushing = False
        self._nodata = nodata_mask(self.raster)

        overlays, all_bounds = [], []
        for name, (layer_raster, style) in self.layers.items():
            image, dst_transform, bounds = to_web_mercator(render_rgba(layer_raster, style),
                                                           layer_raster, upsample=upsample)
            h, w = image.shape[:2]
            right, bottom = dst_transform @ (w, h)
            all_bounds.append((dst_transform.c, bottom, right, dst_transform.f))
            overlays.append(ipyleaflet.ImageOverlay(
                url=png_data_url(image), bounds=bounds, name=name, pane=IMAGE_PANE,
                pm_ignore=True, snap_ignore=True, visible=not overlays))
        self.image_layers = dict(zip(self.layers, overlays))
        left, bottom = min(b[0] for b in all_bounds), min(b[1] for b in all_bounds)
        right, top = max(b[2] for b in all_bounds), max(b[3] for b in all_bounds)
        self.display_bounds_3857 = (left, bottom, right, top)
        centre_lon, centre_lat = xy_to_lonlat((left + right) / 2, (bottom + top) / 2,
                                              WEB_MERCATOR)

        if basemap is None:
            from course_lib.data.online import network_available
            basemap = network_available(TILE_HOST, timeout=1.5)
        self.basemap = bool(basemap)
        map_layers = []
        if self.basemap:
            osm = ipyleaflet.basemap_to_tiles(ipyleaflet.basemaps.OpenStreetMap.Mapnik)
            osm.name, osm.base = "OpenStreetMap", True
            map_layers.append(osm)
        # layers given explicitly: ipyleaflet adds no default basemap, so offline nothing is
        # requested from any tile server
        self.map = ipyleaflet.Map(
            center=[centre_lat, centre_lon], zoom=fit_zoom(self.display_bounds_3857,
                                                          width_px, height_px),
            layers=tuple(map_layers + overlays), min_zoom=2, max_zoom=22,
            interpolation="nearest", scroll_wheel_zoom=True,
            panes={IMAGE_PANE: {"zIndex": 350}},
            layout=widgets.Layout(width=f"{width_px}px", height=f"{height_px}px"))
        self.map.attribution_control = False if not self.basemap else True
        if self.basemap:
            self.map.add(ipyleaflet.LayersControl(position="topright"))
        self.map.add(ipyleaflet.ScaleControl(position="bottomleft", imperial=False))

        current = next(iter(self.colours))
        self.draw = ipyleaflet.GeomanDrawControl(
            position="topleft", marker={}, circle={}, rectangle={}, polyline={}, text={},
            circlemarker={"pathOptions": _style("point", self.colours[current]),
                          "snappable": False},
            polygon={"pathOptions": _style("polygon", self.colours[current]),
                     "snappable": False},
            edit=True, drag=True, remove=True, cut=False, rotate=False)
        self.map.add(self.draw)
        self.draw.observe(self._on_data, names="data")

        self.picker = widgets.ToggleButtons(options=list(self.colours), value=current,
                                            description="Class:",
                                            style={"button_width": "auto"})
        self.picker.observe(self._on_class, names="value")
        self.layer_picker = widgets.ToggleButtons(options=list(self.layers),
                                                  description="Image:",
                                                  style={"button_width": "auto"})
        self.layer_picker.observe(self._on_layer, names="value")
        self.legend = widgets.HTML()
        self.message = widgets.HTML()
        help_text = ("Pick a class, then in the map's toolbar: <b>circle marker</b> = one "
                     "training point per click; <b>polygon</b> = click the corners, click the "
                     "first corner again to close. Edit, drag and delete tools are below them.")
        self.widget = widgets.VBox([widgets.HTML(help_text), self.layer_picker, self.picker,
                                    self.legend, self.map, self.message])
        self._update_counts()

    # ------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _say(self, text: str, problem: bool = False) -> None:
        """Show one line under the map (problems in red) and keep it in :attr:`messages`."""
        self.messages.append(text)
        colour = "#b00020" if problem else "#1b5e20"
        self.message.value = f"<span style='color:{colour}'>{text}</span>"

    def _on_layer(self, change) -> None:
        for name, overlay in self.image_layers.items():
            overlay.visible = name == change["new"]

    def _on_class(self, change) -> None:
        colour = self.colours[change["new"]]
        self.draw.circlemarker = {**self.draw.circlemarker,
                                  "pathOptions": _style("point", colour)}
        self.draw.polygon = {**self.draw.polygon, "pathOptions": _style("polygon", colour)}

    def _update_counts(self) -> None:
        counts = {name: [0, 0] for name in self.colours}
        for feature in self.draw.data:
            props = feature.get("properties") or {}
            kind = _kind((feature.get("geometry") or {}).get("type"))
            if props.get("class_name") in counts and kind:
                counts[props["class_name"]][kind == "polygon"] += 1
        self.counts = {name: {"points": p, "polygons": q} for name, (p, q) in counts.items()}
        items = "".join(
            f"<span style='display:inline-block;white-space:nowrap;margin:1px 16px 1px 0'>"
            f"<span style='display:inline-block;width:12px;height:12px;background:{colour};"
            f"border:1px solid #888;vertical-align:middle'></span> {html.escape(name)}: "
            f"<b>{counts[name][0]}</b> pts, <b>{counts[name][1]}</b> poly</span>"
            for name, colour in self.colours.items())
        self.legend.value = f"<div class='labelling-counts'>{items}</div>"

    # ------------------------------------------------------------ features
    def _problem(self, geometry_lonlat: Mapping) -> str:
        """Why a new feature cannot be kept ("" when it can)."""
        frame = features_from_geojson([{"geometry": geometry_lonlat, "properties": {}}],
                                      self.raster.crs)
        if frame.empty:
            return (f"A {geometry_lonlat.get('type')} cannot be used: draw points (circle "
                    "marker) or polygons.")
        why = pixel_problems(frame, self.raster).iloc[0]
        if why == "outside":
            return "That was outside the image, so it was not kept: draw on the image."
        if why == "nodata":
            return ("That pixel has no data (masked cloud or outside the scene), so the point "
                    "was not kept: click on a pixel with data.")
        return ""

    def _feature(self, geometry: Mapping, class_name: str, label_id: int) -> dict:
        kind = _kind(geometry.get("type"))
        return {"type": "Feature", "geometry": dict(geometry),
                "properties": {"class_name": class_name, "label_id": int(label_id),
                               "type": "circlemarker" if kind == "point" else "polygon",
                               "style": _style(kind, self.colours[class_name])}}

    def _on_data(self, change) -> None:
        """The browser changed the drawings: label new features with the current class,
        drop those that cannot be used, and update the counts."""
        if self._pushing:
            self._update_counts()
            return
        kept, changed, said, bad = [], False, "", False
        for feature in change["new"]:
            props = feature.get("properties") or {}
            if "class_name" in props and "label_id" in props:
                kept.append(feature)
                continue
            changed = True
            problem = self._problem(feature.get("geometry") or {})
            if problem:
                said, bad = problem, True
                continue
            kept.append(self._feature(feature["geometry"], self.picker.value, self._next_id))
            said, bad = f"Added {self.picker.value} #{self._next_id}.", False
            self._next_id += 1
        if changed:
            self._push(kept)
        self._update_counts()
        if said:
            self._say(said, problem=bad)

    def _push(self, data: list) -> None:
        self._pushing = True
        try:
            self.draw.data = data
        finally:
            self._pushing = False
        self._update_counts()

    def add_geojson(self, feature: Mapping, class_name: str | None = None) -> int:
        """Add a feature as the draw control emits it (a GeoJSON Feature or geometry in
        lon/lat) with ``class_name`` (default: the picker's class); returns its label id.

        Raises:
            LabellingProblem: the class is unknown, or the feature is outside the image or
                (a point) on nodata.
        """
        geometry = feature.get("geometry", feature) if isinstance(feature, Mapping) else None
        if not isinstance(geometry, Mapping) or "type" not in geometry:
            raise TypeError(f"feature must be a GeoJSON Feature or geometry dict; got "
                            f"{type(feature).__name__}.")
        class_name = self.picker.value if class_name is None else str(class_name)
        if class_name not in self.colours:
            raise LabellingProblem(f"Unknown class {class_name!r}; the classes are "
                                   f"{list(self.colours)}.")
        problem = self._problem(geometry)
        if problem:
            raise LabellingProblem(problem)
        label_id = self._next_id
        self._next_id += 1
        self._push(list(self.draw.data) + [self._feature(geometry, class_name, label_id)])
        return label_id

    def remove(self, label_id: int) -> None:
        """Delete one feature by its label id."""
        data = [f for f in self.draw.data
                if (f.get("properties") or {}).get("label_id") != label_id]
        if len(data) == len(self.draw.data):
            raise LabellingProblem(f"No feature with label id {label_id}.")
        self._push(data)

    @property
    def features(self):
        """All drawn features: GeoDataFrame in the raster's CRS, columns ``label_id``,
        ``class_name``, ``kind`` (``"point"``/``"polygon"``) and geometry."""
        return features_from_geojson(self.draw.data, self.raster.crs)

    def check(self) -> list[str]:
        """Plain-language problems with the labels so far (printed; empty when none)."""
        features = self.features
        found = []
        if features.empty:
            found.append("Nothing drawn yet.")
        else:
            points = features[features["kind"] == "point"]
            classes = sorted(set(points["class_name"]))
            if len(classes) < 2:
                found.append(f"Training points of {len(classes)} class(es) {classes}: a "
                             "classifier needs at least two.")
            problems = pixel_problems(features, self.raster)
            for why in ("outside", "nodata"):
                ids = features.loc[problems == why, "label_id"].tolist()
                if ids:
                    where = "outside the image" if why == "outside" else "on nodata pixels"
                    found.append(f"Features {ids} are {where} (moved there after drawing?).")
        for line in found:
            print(line)
        return found

    def training_points(self):
        """The points as a GeoDataFrame in the raster's CRS (:func:`points_to_frame`)."""
        return points_to_frame(self.features, self.raster, list(self.colours))

    def polygon_mask(self, class_name: str | None = "landslide",
                     all_touched: bool = False) -> np.ndarray:
        """The polygons of ``class_name`` as a 0/1 mask on the raster's grid."""
        return polygons_to_mask(self.features, self.raster, class_name, all_touched)

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Save the features and the class list to a GeoPackage (:func:`save_labels`)."""
        written = save_labels(self.features, path, self.colours, overwrite=overwrite)
        self._say(f"Saved {len(self.draw.data)} feature(s) to {written}.")
        return written

    def load(self, path: str | os.PathLike, replace: bool = False) -> int:
        """Continue from a saved GeoPackage; returns the number of features loaded.

        Classes in the file that this map lacks are added to the picker. Refuses when
        features are already drawn, unless ``replace=True`` (they are then dropped).
        """
        features, colours = load_labels(path)
        if self.draw.data and not replace:
            raise LabellingProblem(
                f"The map already has {len(self.draw.data)} feature(s). Pass replace=True to "
                "drop them and load the file, or load it into a new map.")
        new = [name for name in colours if name not in self.colours]
        for name in dict.fromkeys(list(features["class_name"])):
            if name not in self.colours and name not in colours:
                colours[name] = "#777777"
                new.append(name)
        if new:
            for name in new:
                self.colours[name] = colours[name]
            self.picker.options = list(self.colours)
        data = []
        for row in features.itertuples():
            geometry = transform_geometry(row.geometry, features.crs or self.raster.crs, LONLAT)
            data.append(self._feature(geometry.__geo_interface__, row.class_name,
                                      row.label_id))
        self._next_id = int(features["label_id"].max()) + 1 if len(features) else 1
        self._push(data)
        self._say(f"Loaded {len(data)} feature(s) from {path}.")
        return len(data)
