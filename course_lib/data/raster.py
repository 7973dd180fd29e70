"""A small georeferenced array container and safe GeoTIFF reading and writing.

Every loader in the course returns a :class:`Raster`: a numpy array whose last two axes are
rows and columns, plus the CRS, the affine transform, band names and (for time series) dates.
It is deliberately thin, so learners see plain numpy, and :meth:`Raster.to_xarray` gives a
labelled ``xarray.DataArray`` when that is more natural.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS

from course_lib.data.atomic import atomic_write
from course_lib.validation import CorruptFileError, check_path, expected_message


@dataclass
class Raster:
    """A georeferenced array.

    Attributes:
        data: array of shape ``(bands, rows, cols)`` or ``(time, bands, rows, cols)``.
            Reflectances are float32 with NaN for nodata unless a loader says otherwise.
        transform: affine transform of the pixel grid (rasterio convention).
        crs: coordinate reference system.
        band_names: one name per band (the second-to-last-but-one axis).
        dates: for time series, one ``numpy.datetime64`` per time step.
        attrs: free-form metadata (units, source, scale factors...).
    """

    data: np.ndarray
    transform: Affine
    crs: CRS
    band_names: tuple[str, ...]
    dates: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.data, np.ndarray):
            raise TypeError(f"Raster data must be a numpy array; got {type(self.data).__name__}. "
                            "Wrap it with np.asarray(...) first.")
        if isinstance(self.band_names, str) or self.band_names is None:
            raise TypeError(f"band_names must be a sequence of names, one per band; got "
                            f"{self.band_names!r}. For one band write ({self.band_names!r},).")
        self.band_names = tuple(self.band_names)
        if self.data.ndim not in (3, 4):
            raise ValueError(
                f"Raster data must be (bands, rows, cols) or (time, bands, rows, cols); "
                f"got shape {self.data.shape}."
            )
        nbands = self.data.shape[-3]
        if len(self.band_names) != nbands:
            raise ValueError(
                f"{len(self.band_names)} band names {self.band_names} for {nbands} bands."
            )
        if self.dates is not None:
            self.dates = np.asarray(self.dates, dtype="datetime64[D]")
            if self.data.ndim != 4 or len(self.dates) != self.data.shape[0]:
                raise ValueError(
                    f"{len(self.dates)} dates for data of shape {self.data.shape}; a time "
                    "series needs data shaped (time, bands, rows, cols) and one date per step."
                )

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the pixel grid."""
        return self.data.shape[-2], self.data.shape[-1]

    @property
    def resolution(self) -> float:
        """Pixel size in CRS units (square pixels assumed)."""
        return abs(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` in CRS units."""
        rows, cols = self.shape
        left, top = self.transform @ (0, 0)
        right, bottom = self.transform @ (cols, rows)
        return min(left, right), min(bottom, top), max(left, right), max(bottom, top)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(left, right, bottom, top)``, the ``extent`` argument of ``plt.imshow``."""
        left, bottom, right, top = self.bounds
        return left, right, bottom, top

    def band(self, name: str) -> np.ndarray:
        """The array of one band by name (all time steps for a time series)."""
        try:
            index = self.band_names.index(name)
        except ValueError:
            raise KeyError(f"No band {name!r}; this raster has {list(self.band_names)}.") from None
        return self.data[..., index, :, :]

    def select(self, names: Sequence[str]) -> "Raster":
        """A new Raster with only the named bands, in the given order."""
        indices = [self.band_names.index(n) if n in self.band_names else None for n in names]
        missing = [n for n, i in zip(names, indices) if i is None]
        if missing:
            raise KeyError(f"No bands {missing}; this raster has {list(self.band_names)}.")
        return replace(self, data=self.data[..., indices, :, :], band_names=tuple(names))

    def to_xarray(self):
        """A labelled ``xarray.DataArray`` with x/y pixel-centre coordinates."""
        import xarray as xr

        rows, cols = self.shape
        xs = (self.transform @ (np.arange(cols) + 0.5, np.full(cols, 0.5)))[0]
        ys = (self.transform @ (np.full(rows, 0.5), np.arange(rows) + 0.5))[1]
        dims = ["band", "y", "x"]
        coords: dict[str, Any] = {"band": list(self.band_names), "y": ys, "x": xs}
        if self.data.ndim == 4:
            dims.insert(0, "time")
            coords["time"] = (
                self.dates if self.dates is not None else np.arange(self.data.shape[0])
            )
        attrs = {**self.attrs, "crs": self.crs.to_string(), "transform": tuple(self.transform)}
        return xr.DataArray(self.data, dims=dims, coords=coords, attrs=attrs)


def check_raster(value: Any, name: str, *, ndim: int | Sequence[int] | None = None,
                 fix: str | None = None) -> Any:
    """``value`` if it is a :class:`~course_lib.data.raster.Raster` (optionally 3-D or 4-D).

    >>> check_raster(np.zeros((2, 2)), "raster")
    Traceback (most recent call last):
    ...
    TypeError: raster must be a course_lib Raster (data, transform, crs, band_names); got float64 array (2, 2). Wrap an array with Raster(data, transform, crs, band_names), or load one with read_geotiff().
    """
    if not isinstance(value, Raster):
        raise TypeError(expected_message(name, "a course_lib Raster (data, transform, crs, band_names)",
                                 value, fix or "Wrap an array with Raster(data, transform, crs, "
                                 "band_names), or load one with read_geotiff()."))
    dims = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if dims is not None and value.data.ndim not in dims:
        expected = " or ".join(f"{d}-D" for d in dims)
        shapes = {3: "(bands, rows, cols)", 4: "(time, bands, rows, cols)"}
        raise ValueError(expected_message(name, f"a {expected} Raster "
                                  f"{' or '.join(shapes.get(d, '') for d in dims)}", value, fix))
    return value


def array_of(value: Any) -> Any:
    """The array of a :class:`Raster`, or the value itself (``ndarray.data`` is a memoryview).

    >>> array_of(np.zeros(2)).shape
    (2,)
    """
    return value if isinstance(value, np.ndarray) else getattr(value, "data", value)


def read_geotiff(path: str | os.PathLike, band_names: Sequence[str] | None = None) -> Raster:
    """Read a (multi-band) GeoTIFF into a :class:`Raster`; nodata becomes NaN for floats.

    Band names come from the file's band descriptions unless given.

    Raises:
        FileNotFoundError: no file at ``path``.
        course_lib.validation.CorruptFileError: the file exists but is not a readable
            GeoTIFF (e.g. truncated); the message says how to make it again.
    """
    path = check_path(path, "path")
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    try:
        with rasterio.open(path) as ds:
            data = ds.read()
            names = band_names or [d or f"band_{i + 1}" for i, d in enumerate(ds.descriptions)]
            if ds.nodata is not None and np.issubdtype(data.dtype, np.floating):
                data[data == ds.nodata] = np.nan
            tags = ds.tags()
            transform, crs = ds.transform, ds.crs
    except rasterio.errors.RasterioIOError as err:
        raise CorruptFileError(
            f"{path} exists but cannot be read as a GeoTIFF ({err}); it is probably truncated by "
            f"an interrupted write. Delete it and make it again: for a cache file pass "
            f"overwrite=True to the function that wrote it, or run `./course reset --cache`."
        ) from err
    return Raster(data=data, transform=transform, crs=crs, band_names=tuple(names),
                  attrs=dict(tags))


def write_geotiff(raster: Raster, path: str | os.PathLike, *, overwrite: bool = False,
                  compress: str = "deflate") -> Path:
    """Write a 3-D :class:`Raster` as a tiled, compressed GeoTIFF, atomically.

    The file is written to a temporary name beside ``path`` (``.<name>.tmp-<pid>-...``) and
    renamed, so a crash never leaves a half-written file under ``path``; temporary files of
    killed writers are removed by the next write (:func:`remove_stale_temps`). The file gets
    the usual permissions of a new file (``0666`` minus the umask, 0644 typically). An existing
    file is kept unless ``overwrite=True``.
    """
    check_raster(raster, "raster", ndim=3,
                 fix="write_geotiff writes (bands, rows, cols): write time steps one by one.")
    path = check_path(path, "path")
    data = raster.data
    nodata = np.nan if np.issubdtype(data.dtype, np.floating) else None
    profile = dict(driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                   dtype=data.dtype, crs=raster.crs, transform=raster.transform, nodata=nodata,
                   compress=compress, tiled=True, blockxsize=256, blockysize=256)
    if data.shape[1] < 256 or data.shape[2] < 256:
        profile.update(tiled=False)
        profile.pop("blockxsize"), profile.pop("blockysize")
    with atomic_write(path, overwrite=overwrite) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data)
            for i, name in enumerate(raster.band_names, start=1):
                dst.set_band_description(i, name)
            dst.update_tags(**{k: str(v) for k, v in raster.attrs.items()})
    return path
