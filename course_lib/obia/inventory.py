"""Landslide inventory export: dissolved polygons with metadata, as GeoPackage and shapefile.

The ARSET Q&A (seed 000, part 2) recommends that automatically mapped inventories carry their
metadata and be checked by hand. Each polygon here is one connected group of landslide pixels
(the union of adjacent landslide segments), from ``rasterio.features.shapes``, with:

==========  ==================================================================================
id          1..n, in the order rasterio returns the polygons
area_m2     polygon area in m² (CRS units; UTM metres)
prob        mean landslide probability of its pixels (NaN if no probability map was given)
method      e.g. ``"OBIA (SALaD-style) random forest"``
params      the method's parameters as compact JSON (at most 254 characters: a shapefile limit)
source      the source imagery, e.g. ``"Sentinel-2 greenest-pixel composite (simulated)"``
img_dates   the imagery's dates or period, e.g. ``"2019-07-31/2019-09-30"``
mapped_on   the date the inventory was made (ISO 8601)
==========  ==================================================================================

Column names have at most 10 characters so the shapefile keeps them. The GeoPackage also
stores the metadata as layer metadata (``pyogrio``). Writing is atomic (a temporary file in
the same folder, then a rename; the shapefile's parts are written together into a temporary
folder and then renamed one by one), and an existing inventory is never replaced unless
``overwrite=True``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from course_lib import validation

__all__ = ["INVENTORY_COLUMNS", "SHAPEFILE_PARTS", "landslide_polygons", "inventory_metadata",
           "inventory_paths", "write_inventory", "read_inventory"]

#: Attribute columns of an inventory, in order.
INVENTORY_COLUMNS: tuple[str, ...] = ("id", "area_m2", "prob", "method", "params", "source",
                                      "img_dates", "mapped_on")
#: The files of one shapefile.
SHAPEFILE_PARTS: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_METADATA_KEYS = ("method", "params", "source", "img_dates", "mapped_on")


def landslide_polygons(prediction: Any, transform: Any = None, crs: Any = None,
                       probability: Any = None) -> "Any":
    """Dissolve a binary landslide map into polygons (one per 4-connected group of pixels).

    Args:
        prediction: 2-D map or 1-band Raster, 1 = landslide, 0 = not, NaN = nodata.
        transform, crs: the grid (taken from a Raster when omitted).
        probability: optional map of the landslide probability on the same grid.

    Returns:
        a GeoDataFrame with columns ``id``, ``area_m2``, ``prob`` and the geometry
        (empty, with these columns, when nothing is mapped).
    """
    import geopandas as gpd
    from rasterio.features import shapes
    from scipy import ndimage
    from shapely.geometry import shape

    transform = transform if transform is not None else getattr(prediction, "transform", None)
    crs = crs if crs is not None else getattr(prediction, "crs", None)
    if transform is None or crs is None:
        raise ValueError("landslide_polygons needs the grid: pass transform= and crs= or a "
                         "Raster as prediction.")
    binary, valid = validation.binary_and_valid(prediction, "prediction")
    groups, n = ndimage.label(binary & valid)               # 4-connectivity: valid polygons
    prob = np.full(n + 1, np.nan)
    if probability is not None:
        p = validation.as_2d(probability, "probability").astype(np.float64)
        if p.shape != groups.shape:
            raise ValueError(f"probability has shape {p.shape}, prediction {groups.shape}.")
        ok = np.isfinite(p) & (groups > 0)
        sums = np.bincount(groups.ravel(), weights=np.where(ok, p, 0).ravel(), minlength=n + 1)
        counts = np.bincount(groups.ravel(), weights=ok.ravel(), minlength=n + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            prob = sums / counts
    records = [(int(value), shape(geom)) for geom, value in
               shapes(groups.astype(np.int32), mask=groups > 0, connectivity=4,
                      transform=transform)]
    frame = gpd.GeoDataFrame(
        {"id": np.arange(1, len(records) + 1, dtype=np.int64),
         "area_m2": [g.area for _, g in records],
         "prob": [float(prob[v]) for v, _ in records]},
        geometry=[g for _, g in records], crs=crs)
    return frame


def inventory_metadata(method: str, params: Mapping[str, Any] | str, source: str,
                       image_dates: str | Sequence[Any], date_mapped: Any = None
                       ) -> dict[str, str]:
    """The inventory's metadata as short strings (see the module docstring for the fields).

    Args:
        method: how the polygons were made.
        params: the parameters (a dict becomes compact JSON with sorted keys).
        source: the source imagery.
        image_dates: a string, or a sequence of dates joined as ``"first/last"``.
        date_mapped: the mapping date (default: today, UTC calendar of this machine).

    >>> m = inventory_metadata("OBIA", {"hr": 8}, "Sentinel-2", ["2019-08-01", "2019-09-30"],
    ...                        date_mapped="2026-01-02")
    >>> m["params"], m["img_dates"], m["mapped_on"]
    ('{"hr":8}', '2019-08-01/2019-09-30', '2026-01-02')
    """
    text = params if isinstance(params, str) else json.dumps(
        dict(params), sort_keys=True, separators=(",", ":"), default=str)
    if len(text) > 254:
        raise ValueError(f"params is {len(text)} characters as JSON; a shapefile field holds "
                         "254. Keep the essential parameters only.")
    if not isinstance(image_dates, str):
        dates = [str(np.datetime64(d, "D")) for d in image_dates]
        image_dates = dates[0] if len(dates) == 1 else f"{min(dates)}/{max(dates)}"
    mapped = str(np.datetime64(date_mapped, "D")) if date_mapped is not None else \
        date.today().isoformat()
    out = {"method": str(method), "params": text, "source": str(source),
           "img_dates": image_dates, "mapped_on": mapped}
    for key, value in out.items():
        if not value:
            raise ValueError(f"inventory metadata {key!r} is empty; say what it is.")
    return out


def inventory_paths(path: str | os.PathLike, formats: Sequence[str] = ("gpkg", "shp")
                    ) -> dict[str, Path]:
    """Where :func:`write_inventory` writes: ``{"gpkg": stem.gpkg, "shp": stem.shp}``."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() in (".gpkg", ".shp") else path
    unknown = [f for f in formats if f not in ("gpkg", "shp")]
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty selection of ('gpkg', 'shp'); "
                         f"got {list(formats)}.")
    return {f: stem.with_name(f"{stem.name}.{f}") for f in formats}


def _existing(paths: Mapping[str, Path]) -> list[Path]:
    found = []
    for kind, path in paths.items():
        parts = [path.with_suffix(s) for s in SHAPEFILE_PARTS] if kind == "shp" else [path]
        found += [p for p in parts if p.exists()]
    return found


def write_inventory(polygons: Any, path: str | os.PathLike, metadata: Mapping[str, str], *,
                    overwrite: bool = False, formats: Sequence[str] = ("gpkg", "shp"),
                    layer: str = "landslides") -> dict[str, Path]:
    """Write landslide polygons with metadata as GeoPackage and/or shapefile, atomically.

    Args:
        polygons: GeoDataFrame from :func:`landslide_polygons` (``id``, ``area_m2``, ``prob``).
        path: the file stem or a ``.gpkg`` / ``.shp`` path; both formats share the stem.
        metadata: from :func:`inventory_metadata` (added as columns to every polygon).
        overwrite: replace an existing inventory; otherwise ``FileExistsError`` and nothing
            is written.
        formats: ``("gpkg", "shp")`` or one of them.
        layer: the GeoPackage layer name.

    Returns:
        ``{"gpkg": Path, "shp": Path}`` of the files written.
    """
    import pyogrio

    missing = [k for k in _METADATA_KEYS if not metadata.get(k)]
    if missing:
        raise ValueError(f"metadata lacks {missing}; build it with inventory_metadata(...).")
    for column in ("id", "area_m2", "prob"):
        if column not in polygons.columns:
            raise ValueError(f"polygons lacks column {column!r}; make them with "
                             "landslide_polygons(...).")
    if polygons.crs is None:
        raise ValueError("polygons have no CRS; an inventory without a CRS cannot be placed.")
    paths = inventory_paths(path, formats)
    existing = _existing(paths)
    if existing and not overwrite:
        raise FileExistsError(
            f"An inventory already exists: {[p.name for p in existing]} in {existing[0].parent}. "
            "Nothing was written; pass overwrite=True to replace it, or choose another name.")
    table = polygons[["id", "area_m2", "prob", "geometry"]].copy()
    for key in _METADATA_KEYS:
        table[key] = str(metadata[key])
    table = table[[*INVENTORY_COLUMNS, "geometry"]]
    folder = next(iter(paths.values())).parent
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    if "gpkg" in paths:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".inventory-", suffix=".gpkg")
        os.close(fd)
        os.remove(tmp)                       # GDAL creates the GeoPackage itself
        try:
            pyogrio.write_dataframe(table, tmp, layer=layer, driver="GPKG",
                                    geometry_type="MultiPolygon", promote_to_multi=True,
                                    layer_metadata={k: str(metadata[k]) for k in _METADATA_KEYS})
            os.replace(tmp, paths["gpkg"])
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        written["gpkg"] = paths["gpkg"]
    if "shp" in paths:
        tmpdir = tempfile.mkdtemp(dir=folder, prefix=".inventory-")
        try:
            tmp = Path(tmpdir) / paths["shp"].name
            pyogrio.write_dataframe(table, tmp, driver="ESRI Shapefile", encoding="UTF-8",
                                    geometry_type="Polygon")
            for suffix in SHAPEFILE_PARTS:
                part = tmp.with_suffix(suffix)
                if part.exists():
                    os.replace(part, paths["shp"].with_suffix(suffix))
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        written["shp"] = paths["shp"]
    return written


def read_inventory(path: str | os.PathLike) -> Any:
    """Read an inventory back; ``frame.attrs["metadata"]`` holds the metadata fields.

    From a GeoPackage the metadata are its layer metadata, from a shapefile the columns.
    """
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"No inventory at {path}.")
    frame = gpd.read_file(path)
    metadata = {}
    if path.suffix.lower() == ".gpkg":
        metadata = dict(pyogrio.read_info(path).get("layer_metadata") or {})
    if not metadata and len(frame):
        metadata = {k: str(frame[k].iloc[0]) for k in _METADATA_KEYS if k in frame.columns}
    frame.attrs["metadata"] = metadata
    return frame
