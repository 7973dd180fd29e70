"""Lazy reading: a study-area GeoTIFF as a chunked Dask array, optionally a mirrored mosaic.

Each chunk reads only its own window (rasterio), so Dask tasks in any worker process read
their part of the file themselves. A ``factor x factor`` mirrored mosaic stands in for a region
several times larger; mirroring keeps the terrain continuous across the seams.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from course_lib import validation
from course_lib.config import available_cpus  # noqa: F401 (part of this module's API)

DEFAULT_CHUNK = 512


def _mirror_runs(start: int, stop: int, n: int) -> list[tuple[int, int, bool]]:
    """Source runs ``(src_start, src_stop, reversed)`` covering mosaic indices start:stop.

    Copies alternate orientation (even copies as is, odd copies mirrored), so the mosaic is
    continuous across seams.

    >>> _mirror_runs(2, 6, 4)
    [(2, 4, False), (2, 4, True)]
    """
    runs = []
    i = start
    while i < stop:
        copy, offset = divmod(i, n)
        end = min(stop, (copy + 1) * n)
        length = end - i
        if copy % 2 == 0:
            runs.append((offset, offset + length, False))
        else:
            runs.append((n - offset - length, n - offset, True))
        i = end
    return runs


class MirroredGeoTIFF:
    """An array-like view of a GeoTIFF as a ``factor x factor`` mirrored mosaic.

    ``obj[bands, rows, cols]`` reads only the needed windows (rasterio), so Dask tasks
    can read their own chunk in any worker process. Picklable (it holds the path, not an open
    file).
    """

    def __init__(self, path: str | os.PathLike, factor: int = 1, divisor: float | None = None):
        if not isinstance(factor, (int, np.integer)) or factor < 1:
            raise ValueError(f"factor must be a positive int; got {factor!r}.")
        if divisor is not None:
            validation.check_number(divisor, "divisor", minimum=0, min_inclusive=False,
                                    fix="e.g. 10000 for reflectance stored x 10000.")
        path = _existing_geotiff(path)
        self.path, self.factor, self.divisor = str(path), int(factor), divisor
        with _open(path) as ds:
            self.bands, self.rows, self.cols = ds.count, ds.height, ds.width
            self.source_dtype = np.dtype(ds.dtypes[0])
        self.shape = (self.bands, self.rows * self.factor, self.cols * self.factor)
        self.dtype = np.dtype(np.float32) if divisor else self.source_dtype
        self.ndim = 3

    def __getitem__(self, key) -> np.ndarray:
        import rasterio
        from rasterio.windows import Window

        band_key, row_key, col_key = key
        bands = list(range(self.bands))[band_key]
        r0, r1, _ = row_key.indices(self.shape[1])
        c0, c1, _ = col_key.indices(self.shape[2])
        out = np.empty((len(bands), r1 - r0, c1 - c0), dtype=self.source_dtype)
        with rasterio.open(self.path) as ds:
            ro = 0
            for sr0, sr1, rrev in _mirror_runs(r0, r1, self.rows):
                co = 0
                for sc0, sc1, crev in _mirror_runs(c0, c1, self.cols):
                    block = ds.read([b + 1 for b in bands],
                                    window=Window(sc0, sr0, sc1 - sc0, sr1 - sr0))
                    if rrev:
                        block = block[:, ::-1, :]
                    if crev:
                        block = block[:, :, ::-1]
                    out[:, ro:ro + (sr1 - sr0), co:co + (sc1 - sc0)] = block
                    co += sc1 - sc0
                ro += sr1 - sr0
        if self.divisor:  # decoded exactly as the study area decodes it (a division)
            return out.astype(np.float32) / np.float32(self.divisor)
        return out


def _existing_geotiff(path: Any) -> Path:
    """``path`` as a Path to an existing file, or a clear error naming it."""
    path = validation.check_path(path, "path", fix="Pass a product GeoTIFF, e.g. "
                                 "load_study_area().folder / 's2_pre.tif'.")
    if not path.is_file():
        raise FileNotFoundError(f"path: {path} does not exist (or is not a file). Pass a product "
                                "GeoTIFF, e.g. load_study_area().folder / 's2_pre.tif'.")
    return path


def _open(path: Path):
    """``rasterio.open(path)``, a file GDAL cannot read refused with a clear message."""
    import rasterio

    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        from course_lib.validation import CorruptFileError

        raise CorruptFileError(f"path: {path} is not a readable GeoTIFF ({err}). Pass a "
                               "study-area product, e.g. load_study_area().folder / "
                               "'s2_pre.tif'.") from err


def product_layout(path: str | os.PathLike) -> dict[str, Any]:
    """The study-area product's tag: shape ``(time, bands, rows, cols)``, band names, dates."""
    path = _existing_geotiff(path)
    with _open(path) as ds:
        tags = ds.tags()
    if "course_product" not in tags:
        raise ValueError(f"{path} is not a study-area product (no 'course_product' tag).")
    return json.loads(tags["course_product"])


#: How the study area stores each kind of product, and the divisor that decodes it (the same
#: division as the simulator's reader): reflectance x 10000 in uint16, cloud probability x 100
#: in uint8; ``raw`` products (SCL codes) are used as stored.
DIVISORS = {"raw": None, "reflectance_x10000_uint16": 10000.0, "probability_x100_uint8": 100.0}


def _divisor(path: Any, layout: dict[str, Any]) -> float | None:
    """The divisor decoding a product of this layout, or a clear error for another encoding."""
    if layout["encoding"] not in DIVISORS:
        raise ValueError(f"{path}: encoding {layout['encoding']!r} is not supported here; "
                         f"the lazy reader decodes {list(DIVISORS)}.")
    return DIVISORS[layout["encoding"]]


def lazy_product(path: str | os.PathLike, factor: int = 1, chunk: int = DEFAULT_CHUNK):
    """A study-area product as a lazy Dask array, optionally as a mirrored mosaic.

    Args:
        path: a product GeoTIFF of the simulated study area (e.g. ``.../s2_pre.tif``).
        factor: ``factor x factor`` mirrored copies (1 = the file itself).
        chunk: chunk size in pixels along rows and columns.

    Returns:
        a ``dask.array.Array`` shaped ``(time, bands, rows, cols)`` for time series (with the
        reflectance and the cloud probability decoded to float32 0-1) or
        ``(bands, rows, cols)``.
    """
    import dask.array as da

    _check_factor(factor)
    if not isinstance(chunk, (int, np.integer)) or chunk < 16:
        raise ValueError(f"chunk must be an int of at least 16 pixels; got {chunk!r}.")
    layout = product_layout(path)
    source = MirroredGeoTIFF(path, factor, _divisor(path, layout))
    array = da.from_array(source, chunks=(source.bands, chunk, chunk), lock=False,
                          asarray=True, name=f"read-{Path(path).stem}-x{factor}-{chunk}")
    shape = layout["shape"]
    if len(shape) == 4:
        array = array.reshape(shape[0], shape[1], *array.shape[1:])
    return array


def read_product(path: str | os.PathLike, factor: int = 1) -> np.ndarray:
    """A study-area product (or its ``factor x factor`` mirrored mosaic) read at once.

    The same windows and the same decoding as :func:`lazy_product`, in one NumPy array: the
    whole-array baseline that the chunked graph is compared with. It needs the whole array in
    memory (a 4-date, 6-band stack of the x2 mosaic is 400 MB as float32).

    Args:
        path: a product GeoTIFF of the simulated study area.
        factor: ``factor x factor`` mirrored copies (1 = the file itself).

    Returns:
        ``(time, bands, rows, cols)`` or ``(bands, rows, cols)``, decoded as
        :func:`lazy_product` decodes it.
    """
    _check_factor(factor)
    layout = product_layout(path)
    source = MirroredGeoTIFF(path, factor, _divisor(path, layout))
    data = source[:, :, :]
    shape = layout["shape"]
    return data.reshape(shape[0], shape[1], *data.shape[1:]) if len(shape) == 4 else data


def lazy_dataarray(path: str | os.PathLike, factor: int = 1, chunk: int = DEFAULT_CHUNK):
    """:func:`lazy_product` as a georeferenced, Dask-backed ``xarray.DataArray``.

    The layout of :meth:`course_lib.data.raster.Raster.to_xarray` (and of rioxarray and
    odc-stac): dimensions ``(time, band, y, x)`` or ``(band, y, x)``, the band names and dates
    as coordinates, ``x``/``y`` the map coordinates of the pixel centres, the CRS and transform
    written the way rioxarray reads them (``da.rio.crs``, ``da.rio.transform()``), NaN declared
    as the nodata of float data. The only difference from ``Raster.to_xarray`` is that the
    values are a Dask array: nothing is read until it is computed, and
    ``Raster.from_xarray(da)`` (or ``.compute()``) reads only what a selection keeps.

    The mosaic keeps the file's top-left corner and pixel size and extends ``factor`` times to
    the east and south: a stand-in grid for a larger region, not a real place.

    Args:
        path: a product GeoTIFF of the simulated study area.
        factor: ``factor x factor`` mirrored copies (1 = the file itself).
        chunk: chunk size in pixels along ``y`` and ``x``.

    Returns:
        a Dask-backed ``xarray.DataArray`` named after the product.
    """
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr
    from rioxarray.rioxarray import affine_to_coords

    array = lazy_product(path, factor=factor, chunk=chunk)
    layout = product_layout(path)
    with _open(_existing_geotiff(path)) as ds:
        transform, crs = ds.transform, ds.crs
    rows, cols = array.shape[-2:]
    coords: dict[str, Any] = {"band": list(layout["band_names"]),
                              **affine_to_coords(transform, cols, rows)}
    dims = ["band", "y", "x"]
    if array.ndim == 4:
        dims.insert(0, "time")
        if layout.get("dates"):
            coords["time"] = np.array(layout["dates"], dtype="datetime64[D]")
    out = xr.DataArray(array, dims=dims, coords=coords, name=layout.get("name"),
                       attrs={"description": layout.get("description", ""),
                              "mosaic_factor": int(factor)})
    out.rio.write_crs(crs, inplace=True)
    out.rio.write_transform(transform, inplace=True)
    if np.issubdtype(array.dtype, np.floating):
        out.rio.write_nodata(np.nan, encoded=True, inplace=True)
    return out


def _check_factor(factor: Any) -> None:
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be a positive int (copies along each axis); got "
                         f"{factor!r}.")
