"""A small georeferenced array container and safe GeoTIFF reading and writing.

Every loader in the course returns a :class:`Raster`: a numpy array whose last two axes are
rows and columns, plus the CRS, the affine transform, band names and (for time series) dates.
It is deliberately thin, so learners see plain numpy. :meth:`Raster.to_xarray` and
:meth:`Raster.from_xarray` convert both ways to the georeferenced ``xarray.DataArray`` of
rioxarray and odc-stac (the same numbers, with the grid as pixel-centre coordinates).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS

from course_lib.data.atomic import atomic_write
from course_lib.validation import (CorruptFileError, check_bool, check_choice, check_path,
                                   expected_message)

if TYPE_CHECKING:
    import xarray


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

    def to_xarray(self) -> xarray.DataArray:
        """This raster as a georeferenced ``xarray.DataArray``, as rioxarray and odc-stac make them.

        Dimensions are ``(band, y, x)``, or ``(time, band, y, x)`` for a time series. The ``band``
        coordinate holds the band *names*; ``time`` holds the dates (a 4-D raster without dates
        gets a ``time`` dimension without coordinate). ``x`` and ``y`` are the coordinates of the
        pixel **centres** (so ``x[0]`` is half a pixel right of the transform's top-left corner),
        as GDAL, rioxarray and odc-stac write them; ``y`` decreases down the rows (north up). The
        CRS and the affine transform are written the CF way rioxarray reads them
        (``da.rio.crs``, ``da.rio.transform()``), and float data declare NaN as their nodata
        (``da.rio.nodata``), so ``da.rio.to_raster(path)`` writes a correct GeoTIFF. ``attrs``
        are copied. :meth:`from_xarray` is the way back.

        Returns:
            A numpy-backed ``xarray.DataArray`` sharing this raster's data (no copy).

        >>> r = Raster(np.zeros((2, 3, 4), "float32"), Affine(10, 0, 500000, 0, -10, 6800000),
        ...            CRS.from_epsg(32632), ("B04", "B08"))
        >>> da = r.to_xarray()
        >>> da.dims, da.band.values.tolist(), da.rio.crs.to_epsg()
        (('band', 'y', 'x'), ['B04', 'B08'], 32632)
        >>> float(da.x[0]), float(da.y[0])   # centre of the top-left pixel
        (500005.0, 6799995.0)
        >>> da.rio.transform() == r.transform
        True
        """
        import rioxarray  # noqa: F401  (registers the .rio accessor)
        import xarray as xr
        from rioxarray.rioxarray import affine_to_coords

        rows, cols = self.shape
        coords: dict[str, Any] = {"band": list(self.band_names),
                                  **affine_to_coords(self.transform, cols, rows)}
        dims = ["band", "y", "x"]
        if self.data.ndim == 4:
            dims.insert(0, "time")
            if self.dates is not None:
                coords["time"] = self.dates
        da = xr.DataArray(self.data, dims=dims, coords=coords, attrs=dict(self.attrs))
        da.rio.write_crs(self.crs, inplace=True)          # inplace: rioxarray would copy the data
        da.rio.write_transform(self.transform, inplace=True)
        if np.issubdtype(self.data.dtype, np.floating):
            da.rio.write_nodata(np.nan, encoded=True, inplace=True)
        return da

    @classmethod
    def from_xarray(cls, da: xarray.DataArray) -> Raster:
        """A :class:`Raster` from a georeferenced ``xarray.DataArray`` (rioxarray, odc-stac, ...).

        The inverse of :meth:`to_xarray`, and the bridge from the xarray ecosystem:
        ``Raster.from_xarray(rioxarray.open_rasterio(path, masked=True))`` equals
        ``read_geotiff(path)`` for a float GeoTIFF, and
        ``Raster.from_xarray(ds[["B04", "B08"]].to_dataarray("band"))`` takes bands of an
        odc-stac Dataset.

        * **Dimensions** (any order): ``y`` and ``x`` (or the names rioxarray recognises, such as
          ``latitude``/``longitude``), plus optionally ``band`` and ``time``; a 2-D array is one
          band. Nothing else: select or reduce other dimensions first.
        * **Grid**: the CRS is ``da.rio.crs``; the transform is rebuilt from the x/y
          coordinates, which are pixel centres: ``left = x[0] - dx / 2`` (rioxarray's
          ``da.rio.transform(recalc=True)``), so a sliced or subsampled array gets its own,
          correct grid. Without coordinates, a transform written with ``da.rio.write_transform``
          is used. Rows are flipped if ``y`` increases, so the Raster is always north up.
        * **Band names**: the ``band`` coordinate when it holds names; else the band
          descriptions rioxarray puts in ``attrs["long_name"]``; else ``da.name`` for a single
          band; else ``band_1, band_2, ...`` (numbered as the file's bands).
        * **Dates**: the ``time`` coordinate, as days (``datetime64[D]``).
        * **Nodata**: float data keep their NaN (``open_rasterio(..., masked=True)`` already
          put NaN where the file had nodata); a float nodata value still in the data
          (``masked=False``) becomes NaN, as :func:`read_geotiff` does. Integer data are kept as
          they are (e.g. Sentinel-2 SCL, 0 = no data).
        * **attrs** are kept, except the encoding ones (``_FillValue``, ``nodata``,
          ``long_name``, and ``scale_factor``/``add_offset`` when they are 1 and 0; other scales
          stay in ``attrs``: the values are not scaled here).

        A Dask-backed array is computed: a Raster holds numpy arrays. A numpy-backed array is
        not copied when its dimensions are already in order (the Raster shares its memory, as
        :meth:`to_xarray` shares the Raster's).

        Args:
            da: the DataArray. For a Dataset, pick or stack variables first, e.g.
                ``ds["B04"]`` or ``ds[["B04", "B08"]].to_dataarray("band")``.

        Raises:
            TypeError: ``da`` is not a DataArray.
            ValueError: no CRS, no x/y dimension or coordinates, 2-D or irregularly spaced
                coordinates, a rotated grid, or dimensions other than ``time``, ``band``, y, x.
                Each message says how to fix it.

        >>> r = Raster(np.arange(24, dtype="float32").reshape(2, 3, 4),
        ...            Affine(10, 0, 500000, 0, -10, 6800000), CRS.from_epsg(32632), ("B04", "B08"))
        >>> back = Raster.from_xarray(r.to_xarray())
        >>> back.band_names, back.transform == r.transform, np.array_equal(back.data, r.data)
        (('B04', 'B08'), True, True)
        >>> Raster.from_xarray(r.to_xarray().isel(x=slice(1, 3))).transform.c  # sliced grid
        500010.0
        """
        import rioxarray  # noqa: F401  (registers the .rio accessor)

        y_dim, x_dim = _check_dataarray(da, "da")
        order = [d for d in ("time", "band") if d in da.dims] + [y_dim, x_dim]
        da = da.transpose(*order)
        for dim, decreasing in ((y_dim, True), (x_dim, False)):     # north up, west to east
            if dim in da.coords and da.sizes[dim] > 1 and \
                    (da[dim].values[1] < da[dim].values[0]) != decreasing:
                da = da.isel({dim: slice(None, None, -1)})
        transform = da.rio.transform(recalc=True)
        data = np.asarray(da.values)
        if "band" not in da.dims:
            data = data[None] if data.ndim == 2 else data[:, None]
        nodata = da.rio.nodata
        if np.issubdtype(data.dtype, np.floating) and nodata is not None and not np.isnan(nodata):
            data = np.where(data == nodata, np.asarray(np.nan, data.dtype), data)
        dates = (np.asarray(da["time"].values).astype("datetime64[D]")
                 if "time" in da.dims and "time" in da.coords else None)
        attrs = {k: v for k, v in da.attrs.items() if k not in _ENCODING_ATTRS
                 and not (k in _TRIVIAL_SCALING and _TRIVIAL_SCALING[k] == v)}
        return cls(data=data, transform=transform, crs=CRS.from_user_input(da.rio.crs),
                   band_names=_band_names(da, data.shape[-3]), dates=dates, attrs=attrs)


#: Attributes that describe how a file encodes its values, not the values: not copied.
_ENCODING_ATTRS = frozenset({"_FillValue", "missing_value", "nodata", "long_name", "grid_mapping"})
_TRIVIAL_SCALING = {"scale_factor": 1.0, "add_offset": 0.0}


def _dataarray_message(name: str, expected: str, da: Any, fix: str) -> str:
    """The course's message shape, describing a DataArray by its dimensions and sizes."""
    sizes = ", ".join(f"{dim}: {size}" for dim, size in da.sizes.items())
    return f"{name} must be {expected}; got a {da.dtype} DataArray ({sizes}). {fix}"


def _check_dataarray(da: Any, name: str) -> tuple[str, str]:
    """The names of the y and x dimensions of a georeferenced DataArray, or a clear error."""
    import xarray as xr
    from rioxarray.exceptions import MissingSpatialDimensionError

    if not isinstance(da, xr.DataArray):
        fix = ("Pick or stack its variables first: ds['B04'], or "
               "ds[['B04', 'B08']].to_dataarray('band').") if isinstance(da, xr.Dataset) else \
            ("Open a file with rioxarray.open_rasterio(path, masked=True), or use "
             "Raster.to_xarray().")
        raise TypeError(expected_message(name, "an xarray DataArray", da, fix))
    try:
        y_dim, x_dim = str(da.rio.y_dim), str(da.rio.x_dim)
    except MissingSpatialDimensionError:
        raise ValueError(_dataarray_message(
            name, "a DataArray with x and y dimensions", da,
            "Rename the spatial ones, e.g. da.rename({'col': 'x', 'row': 'y'}), or name them "
            "with da.rio.set_spatial_dims(x_dim=..., y_dim=...).")) from None
    extra = [d for d in da.dims if d not in (y_dim, x_dim, "band", "time")]
    if extra:
        raise ValueError(_dataarray_message(
            name, "a DataArray with dimensions (time, band, y, x) or fewer", da,
            f"Select or reduce {extra} first (da.isel({extra[0]}=0), da.mean('{extra[0]}')), "
            "or rename the one that holds bands to 'band'."))
    if "time" in da.dims and "time" in da.coords and da["time"].dtype.kind != "M":
        raise ValueError(_dataarray_message(
            name, "a DataArray whose time coordinate holds dates", da,
            f"Its time coordinate is {da['time'].dtype}: convert it, e.g. "
            "da.assign_coords(time=pandas.to_datetime(da.time.values)), or drop it with "
            "da.drop_vars('time')."))
    if da.rio.crs is None:
        raise ValueError(_dataarray_message(
            name, "a DataArray with a CRS (da.rio.crs)", da,
            "Write the CRS the data are in, e.g. da = da.rio.write_crs('EPSG:32632')."))
    cached = da.rio.transform()
    if cached.b != 0 or cached.d != 0:
        raise ValueError(_dataarray_message(
            name, "a DataArray on a north-up grid", da,
            f"Its transform is rotated ({tuple(cached)[:6]}): warp it onto a north-up grid "
            "first, e.g. da.rio.reproject(da.rio.crs)."))
    grid_mapping = da.coords.get(da.rio.grid_mapping)
    has_transform = grid_mapping is not None and "GeoTransform" in grid_mapping.attrs
    for dim in (x_dim, y_dim):
        if dim not in da.coords:
            if not has_transform:
                raise ValueError(_dataarray_message(
                    name, f"a DataArray with {dim} coordinates (pixel centres) or a transform",
                    da, f"Add them, e.g. da.assign_coords({dim}=...), or write the affine "
                    "transform with da.rio.write_transform(transform)."))
            continue
        values = np.asarray(da[dim].values)
        if values.ndim != 1 or values.dtype.kind not in "iuf":
            raise ValueError(_dataarray_message(
                name, f"a DataArray with 1-D numeric {dim} coordinates", da,
                "2-D coordinates mean a curvilinear or rotated grid: reproject it onto a "
                "regular one first (da.rio.reproject(crs))."))
        if values.size < 2:
            if not has_transform:
                raise ValueError(_dataarray_message(
                    name, f"a DataArray with at least 2 pixels along {dim}, or a transform", da,
                    "One pixel does not give the pixel size: write the transform with "
                    "da.rio.write_transform(transform)."))
            continue
        step = (values[-1] - values[0]) / (values.size - 1)
        regular = values[0] + step * np.arange(values.size)
        if step == 0 or np.max(np.abs(values - regular)) > 1e-3 * abs(step):
            raise ValueError(_dataarray_message(
                name, f"a DataArray with regularly spaced {dim} coordinates", da,
                f"{dim} goes {values[:4].tolist()}...: resample it onto a regular grid first, "
                "e.g. da.rio.reproject(da.rio.crs, resolution=...)."))
    return y_dim, x_dim


def _band_names(da: Any, nbands: int) -> tuple[str, ...]:
    """Band names from the band coordinate, the band descriptions or the DataArray's name."""
    labels = np.atleast_1d(da["band"].values) if "band" in da.coords else None
    if labels is not None and labels.dtype.kind in "UO":
        return tuple(str(v) for v in labels)
    described = da.attrs.get("long_name")
    if isinstance(described, str):
        described = (described,)
    if isinstance(described, (tuple, list)) and len(described) == nbands \
            and all(isinstance(d, str) and d for d in described):
        return tuple(described)
    if nbands == 1 and "band" not in da.dims and da.name is not None:
        return (str(da.name),)
    numbers = labels if labels is not None else np.arange(1, nbands + 1)
    return tuple(f"band_{v}" for v in numbers)


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
        default = ("Pick one date first, e.g. dataclasses.replace(r, data=r.data[0], "
                   "dates=None), or composite the series (composite_raster)."
                   if value.data.ndim == 4 else "Pass a time series (time, bands, rows, cols), "
                   "e.g. area['s2_post'].")
        raise ValueError(expected_message(name, f"a {expected} Raster "
                                  f"{' or '.join(shapes.get(d, '') for d in dims)}", value,
                                  fix or default))
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
        IsADirectoryError: ``path`` is a folder.
        ValueError: ``band_names`` without one name per band of the file.
        course_lib.validation.CorruptFileError: the file exists but is not a readable
            GeoTIFF (e.g. truncated); the message says how to make it again.
    """
    path = _check_readable(path, band_names)
    try:
        with rasterio.open(path) as ds:
            data = ds.read()
            _check_band_count(band_names, ds.count, path)
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

    Raises:
        TypeError: ``raster`` is not a Raster, or holds booleans (GeoTIFF has no bool type).
        ValueError: a time series (4-D), a Raster without a CRS or transform (a GeoTIFF that
            GIS software cannot place on the map), or an unknown ``compress``.
        FileExistsError: ``path`` exists and ``overwrite`` is False.
        NotADirectoryError, PermissionError: ``path`` lies under a file, or in a folder that
            cannot be written.
    """
    path = _check_write_call(raster, path, overwrite, compress)
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


#: Compressions of GDAL's GeoTIFF driver (``compress=``).
GTIFF_COMPRESSIONS = ("deflate", "lzw", "zstd", "lzma", "packbits", "jpeg", "webp", "lerc",
                      "none")


def _check_readable(path: Any, band_names: Any) -> Path:
    """An existing file (not a folder) and, if given, a sequence of band names."""
    path = check_path(path, "path", must_exist=True)
    if path.is_dir():
        raise IsADirectoryError(f"path: {path} is a folder, not a GeoTIFF. Pass one of its "
                                "files, e.g. sorted(path.glob('*.tif'))[0].")
    if band_names is not None and (isinstance(band_names, str) or
                                   not hasattr(band_names, "__len__")):
        raise TypeError(expected_message("band_names", "a sequence of names, one per band",
                                         band_names, "For one band write ('B04',)."))
    return path


def _check_band_count(band_names: Any, count: int, path: Path) -> None:
    """One name per band of the file."""
    if band_names is not None and len(band_names) != count:
        raise ValueError(f"band_names has {len(band_names)} names but {path.name} has {count} "
                         "band(s): pass one name per band, or leave band_names out to use the "
                         "file's band descriptions.")


def _check_write_call(raster: Any, path: Any, overwrite: Any, compress: Any) -> Path:
    """A Raster a GeoTIFF can hold, a path in a folder that can be written, and the options."""
    _check_writable_raster(raster)
    path = check_path(path, "path")
    check_bool(overwrite, "overwrite")
    check_choice(compress.lower() if isinstance(compress, str) else compress, "compress",
                 GTIFF_COMPRESSIONS, fix="'deflate' (the default) suits every course raster.")
    folder = next((p for p in path.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise NotADirectoryError(f"path: {folder} is a file, so {path} cannot be made inside it. "
                                 "Choose another folder, e.g. course_lib.config.output_dir().")
    if folder is not None and not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"path: {folder} is a read-only folder, so {path.name} cannot be "
                              "written there. Choose a folder you can write to, e.g. "
                              "course_lib.config.output_dir().")
    return path


def _check_writable_raster(raster: Any) -> None:
    """A 3-D Raster with a CRS, an affine transform and a dtype GeoTIFF has."""
    check_raster(raster, "raster", ndim=3,
                 fix="write_geotiff writes (bands, rows, cols): write time steps one by one.")
    if raster.crs is None:
        raise ValueError("raster.crs is None: the GeoTIFF would have no coordinate reference "
                         "system and no GIS could place it. Set it first, e.g. "
                         "dataclasses.replace(raster, crs=CRS.from_epsg(32632)) (the study "
                         "area's UTM zone 32N), or copy it from the raster it was made from.")
    if not isinstance(raster.transform, Affine):
        raise TypeError(expected_message("raster.transform", "an affine.Affine pixel grid",
                                         raster.transform, "Copy it from the raster the data "
                                         "came from, e.g. area['dem'].transform."))
    if raster.data.dtype == bool:
        raise TypeError("raster.data is boolean, which GeoTIFF cannot store. Convert it first, "
                        "e.g. dataclasses.replace(raster, data=raster.data.astype(np.uint8)).")
