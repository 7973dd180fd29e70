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


def lazy_product(path: str | os.PathLike, factor: int = 1, chunk: int = DEFAULT_CHUNK):
    """A study-area product as a lazy Dask array, optionally as a mirrored mosaic.

    Args:
        path: a product GeoTIFF of the simulated study area (e.g. ``.../s2_pre.tif``).
        factor: ``factor x factor`` mirrored copies (1 = the file itself).
        chunk: chunk size in pixels along rows and columns.

    Returns:
        a ``dask.array.Array`` shaped ``(time, bands, rows, cols)`` for time series (with the
        reflectance decoded to float32) or ``(bands, rows, cols)``.
    """
    import dask.array as da

    if not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"factor must be a positive int (copies along each axis); got "
                         f"{factor!r}.")
    if not isinstance(chunk, (int, np.integer)) or chunk < 16:
        raise ValueError(f"chunk must be an int of at least 16 pixels; got {chunk!r}.")
    layout = product_layout(path)
    divisor = {"reflectance_x10000_uint16": 10000.0}.get(layout["encoding"])
    if layout["encoding"] not in ("raw", "reflectance_x10000_uint16"):
        raise ValueError(f"{path}: encoding {layout['encoding']!r} is not supported here.")
    source = MirroredGeoTIFF(path, factor, divisor)
    array = da.from_array(source, chunks=(source.bands, chunk, chunk), lock=False,
                          asarray=True, name=f"read-{Path(path).stem}-x{factor}-{chunk}")
    shape = layout["shape"]
    if len(shape) == 4:
        array = array.reshape(shape[0], shape[1], *array.shape[1:])
    return array
