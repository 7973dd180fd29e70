"""The Raster container and atomic GeoTIFF writing."""

import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS

from course_lib.data.raster import Raster, read_geotiff, write_geotiff


def make_raster(bands=2, rows=4, cols=5):
    rng = np.random.default_rng(0)
    data = rng.random((bands, rows, cols)).astype(np.float32)
    return Raster(data, Affine(10, 0, 500000, 0, -10, 6800000), CRS.from_epsg(32632),
                  tuple(f"b{i}" for i in range(bands)), attrs={"units": "reflectance"})


def test_geometry_helpers():
    r = make_raster()
    assert r.shape == (4, 5) and r.resolution == 10
    assert r.bounds == (500000, 6799960, 500050, 6800000)
    assert r.extent == (500000, 500050, 6799960, 6800000)
    assert r.select(["b1"]).data.shape == (1, 4, 5)
    np.testing.assert_array_equal(r.band("b1"), r.data[1])


def test_bad_shapes_and_names_are_explained():
    with pytest.raises(ValueError, match="band names"):
        Raster(np.zeros((2, 3, 3)), Affine.identity(), CRS.from_epsg(4326), ("a",))
    with pytest.raises(ValueError, match="bands, rows, cols"):
        Raster(np.zeros((3, 3)), Affine.identity(), CRS.from_epsg(4326), ("a",))
    with pytest.raises(ValueError, match="dates"):
        Raster(np.zeros((2, 1, 3, 3)), Affine.identity(), CRS.from_epsg(4326), ("a",),
               dates=["2019-07-01"])
    with pytest.raises(KeyError, match="has"):
        make_raster().band("nope")


def test_to_xarray_coordinates_are_pixel_centres():
    da = make_raster().to_xarray()
    assert da.dims == ("band", "y", "x")
    assert float(da.x[0]) == 500005 and float(da.y[0]) == 6799995


def test_geotiff_round_trip_and_no_silent_overwrite(tmp_path):
    r = make_raster()
    r.data[0, 0, 0] = np.nan
    path = write_geotiff(r, tmp_path / "x.tif")
    back = read_geotiff(path)
    np.testing.assert_array_equal(back.data, r.data)
    assert back.band_names == r.band_names and back.crs == r.crs
    assert back.transform == r.transform and back.attrs["units"] == "reflectance"
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_geotiff(r, path)
    write_geotiff(r, path, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["x.tif"], "temporary file left behind"


def test_read_missing_file():
    with pytest.raises(FileNotFoundError):
        read_geotiff("no/such/file.tif")


# --- xarray / rioxarray, both ways -------------------------------------------------------------

GRID = Affine(20, 0, 300000, 0, -20, 6820000)


def make_series():
    rng = np.random.default_rng(1)
    data = rng.random((3, 2, 6, 8)).astype(np.float32)
    data[1, 0, 2, 3] = np.nan
    return Raster(data, GRID, CRS.from_epsg(32632), ("B04", "B08"),
                  dates=np.array(["2019-07-05", "2019-07-20", "2019-08-04"], "datetime64[D]"),
                  attrs={"units": "reflectance", "source": "test"})


def assert_same_raster(a, b):
    np.testing.assert_array_equal(a.data, b.data)            # NaN where NaN
    assert a.data.dtype == b.data.dtype
    assert a.transform == b.transform and a.crs == b.crs
    assert a.band_names == b.band_names and a.attrs == b.attrs
    if a.dates is None:
        assert b.dates is None
    else:
        np.testing.assert_array_equal(a.dates, b.dates)


def test_to_xarray_carries_names_dates_grid_and_nodata():
    series = make_series()
    da = series.to_xarray()
    assert da.dims == ("time", "band", "y", "x")
    assert da.band.values.tolist() == ["B04", "B08"]
    np.testing.assert_array_equal(da.time.values.astype("datetime64[D]"), series.dates)
    assert da.rio.crs.to_epsg() == 32632 and da.rio.transform() == GRID
    assert da.rio.resolution() == (20, -20)
    assert np.isnan(da.rio.nodata) and da.attrs["units"] == "reflectance"
    assert (np.diff(da.y.values) < 0).all(), "y must decrease down the rows (north up)"
    assert np.isnan(da.sel(band="B04", time="2019-07-20").values[2, 3])


def test_round_trip_raster_dataarray_raster_is_identical():
    series = make_series()
    assert_same_raster(Raster.from_xarray(series.to_xarray()), series)
    assert np.shares_memory(series.to_xarray().values, series.data), "no copy (Binder's 2 GB)"
    single = make_raster()
    assert_same_raster(Raster.from_xarray(single.to_xarray()), single)
    # a 4-D raster without dates keeps its time axis and comes back without dates
    undated = Raster(series.data, GRID, series.crs, series.band_names)
    assert "time" not in undated.to_xarray().coords
    assert_same_raster(Raster.from_xarray(undated.to_xarray()), undated)
    # integer data (a class map) stay integers, with no nodata declared
    classes = Raster(np.arange(48, dtype=np.uint8).reshape(1, 6, 8), GRID, series.crs, ("SCL",))
    assert classes.to_xarray().rio.nodata is None
    assert_same_raster(Raster.from_xarray(classes.to_xarray()), classes)


def test_round_trip_on_a_geographic_grid_with_awkward_pixels():
    grid = Affine(0.0002, 0, 6.0001, 0, -0.0001, 61.54)      # non-square, not exact in binary
    r = Raster(np.ones((1, 5, 7), np.float32), grid, CRS.from_epsg(4326), ("B04",))
    back = Raster.from_xarray(r.to_xarray())
    assert back.transform.almost_equals(grid, precision=1e-12)
    np.testing.assert_array_equal(back.data, r.data)


def test_off_centre_pixel_lands_on_its_centre_coordinate():
    # pixel (row 4, col 6) of a 20 m grid whose top-left corner is (300000, 6820000):
    # its centre is half a pixel in from its corner: x = 300000 + 20 * 6.5, y = 6820000 - 20 * 4.5
    data = np.zeros((1, 6, 8), np.float32)
    data[0, 4, 6] = 7
    r = Raster(data, GRID, CRS.from_epsg(32632), ("marker",))
    da = r.to_xarray()
    assert float(da.x[6]) == 300130 and float(da.y[4]) == 6819910
    # the coordinates are centres, the transform is the corner: they differ by half a pixel
    assert float(da.x[0]) - da.rio.transform().c == 10
    assert da.rio.transform().f - float(da.y[0]) == 10
    assert float(da.sel(x=300130, y=6819910).item()) == 7
    # any point inside the pixel selects it
    assert float(da.sel(x=300121, y=6819919, method="nearest").item()) == 7
    # and the way back puts the marker at the same row and column
    back = Raster.from_xarray(da)
    assert np.argwhere(back.data[0] == 7).tolist() == [[4, 6]]


def test_from_xarray_rebuilds_the_grid_of_sliced_flipped_and_subsampled_arrays():
    series = make_series()
    da = series.to_xarray()
    part = Raster.from_xarray(da.isel(x=slice(2, 6), y=slice(1, 4)))
    assert part.transform == GRID @ Affine.translation(2, 1)
    np.testing.assert_array_equal(part.data, series.data[..., 1:4, 2:6])
    # y increasing (south up, as some NetCDF files are): flipped back to north up
    south_up = Raster.from_xarray(da.isel(y=slice(None, None, -1)))
    assert_same_raster(south_up, series)
    # every second pixel: a 40 m grid (not the stale 20 m transform written in the attributes)
    # centred on the kept pixels' centres, so its corner moves out by half a 20 m pixel
    coarse = Raster.from_xarray(da.isel(x=slice(0, None, 2), y=slice(0, None, 2)))
    assert coarse.transform == Affine(40, 0, 299990, 0, -40, 6820010)
    # averaging 2 x 2 blocks instead keeps the corner where it was
    block = Raster.from_xarray(da.coarsen(x=2, y=2).mean())
    assert block.transform == Affine(40, 0, 300000, 0, -40, 6820000)
    # dimensions in another order are put in (time, band, y, x) order
    assert_same_raster(Raster.from_xarray(da.transpose("y", "x", "band", "time")), series)


def test_from_xarray_names_bands_like_read_geotiff():
    import xarray as xr

    da = make_raster().to_xarray()
    numbered = da.assign_coords(band=[1, 2])
    assert Raster.from_xarray(numbered).band_names == ("band_1", "band_2")
    described = numbered.assign_attrs(long_name=("red", "nir"))
    assert Raster.from_xarray(described).band_names == ("red", "nir")
    assert "long_name" not in Raster.from_xarray(described).attrs
    one = da.isel(band=0, drop=True).rename("B08")
    r = Raster.from_xarray(one)
    assert r.band_names == ("B08",) and r.data.shape == (1, 4, 5)
    # a band or a date picked by label leaves a scalar coordinate: the name is kept
    picked = Raster.from_xarray(make_series().to_xarray().sel(band="B08").isel(time=0))
    assert picked.band_names == ("B08",) and picked.data.shape == (1, 6, 8)
    assert picked.dates is None
    np.testing.assert_array_equal(picked.data[0], make_series().data[0, 1])
    # a Dataset of bands (as odc-stac returns) stacked into a band dimension
    ds = xr.Dataset({"B04": da.isel(band=0, drop=True), "B08": da.isel(band=1, drop=True)})
    stacked = Raster.from_xarray(ds.to_dataarray("band"))
    assert stacked.band_names == ("B04", "B08")
    np.testing.assert_array_equal(stacked.data, make_raster().data)


def test_from_xarray_computes_dask_arrays():
    series = make_series()
    lazy = series.to_xarray().chunk({"x": 4, "y": 3})
    back = Raster.from_xarray(lazy)
    assert isinstance(back.data, np.ndarray)
    assert_same_raster(back, series)


def test_from_xarray_uses_a_written_transform_when_coordinates_are_missing():
    import xarray as xr

    da = xr.DataArray(np.ones((1, 3, 4), np.float32), dims=("band", "y", "x"))
    da = da.rio.write_crs("EPSG:32632").rio.write_transform(GRID)
    r = Raster.from_xarray(da)
    assert r.transform == GRID and r.band_names == ("band_1",)


def test_geotiff_read_by_rioxarray_equals_read_geotiff(tmp_path):
    import rioxarray

    series = make_series()
    r = Raster(series.data[1], GRID, series.crs, series.band_names, attrs={"units": "reflectance"})
    path = write_geotiff(r, tmp_path / "x.tif")
    ours = read_geotiff(path)
    for masked in (True, False):
        da = rioxarray.open_rasterio(path, masked=masked)
        # what the ecosystem sees is what the course sees: values, pixel-centre coordinates, CRS
        expected = ours.to_xarray()
        np.testing.assert_array_equal(da.values, expected.values)
        np.testing.assert_array_equal(da.x.values, expected.x.values)
        np.testing.assert_array_equal(da.y.values, expected.y.values)
        assert da.rio.crs == ours.crs and da.rio.transform() == ours.transform
        assert_same_raster(Raster.from_xarray(da), ours)


def test_masked_open_rasterio_gives_nan_where_the_file_has_nodata(tmp_path):
    import rasterio
    import rioxarray

    # int16 with a -9999 fill, as the bundled Landsat surface reflectance
    dn = np.arange(48, dtype=np.int16).reshape(1, 6, 8) * 100
    dn[0, 0, :3] = -9999
    path = tmp_path / "landsat_like.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=6, count=1, dtype="int16",
                       crs="EPSG:32613", transform=GRID, nodata=-9999) as dst:
        dst.write(dn)
    r = Raster.from_xarray(rioxarray.open_rasterio(path, masked=True))
    assert np.issubdtype(r.data.dtype, np.floating)
    assert np.isnan(r.data[0, 0, :3]).all() and np.isfinite(r.data[0, 0, 3:]).all()
    np.testing.assert_array_equal(r.data[0, 1], dn[0, 1])
    assert "_FillValue" not in r.attrs and r.crs.to_epsg() == 32613
    # unmasked, integers stay integers with their fill value, as read_geotiff keeps them
    raw = Raster.from_xarray(rioxarray.open_rasterio(path))
    np.testing.assert_array_equal(raw.data, read_geotiff(path).data)
    assert raw.data.dtype == np.int16


def test_the_bundled_landsat_file_through_rioxarray_matches_the_course_loader():
    import rioxarray

    from course_lib.config import data_dir
    from course_lib.data.samples import LANDSAT_FOLDER, load_landsat_series

    series, _ = load_landsat_series()
    scene = series.attrs["scene_ids"][0]
    path = data_dir() / LANDSAT_FOLDER / scene / f"{scene}_b3.tif"
    r = Raster.from_xarray(rioxarray.open_rasterio(path, masked=True))
    np.testing.assert_array_equal(r.data[0] * np.float32(1e-4), series.band("red")[0])
    assert r.transform == series.transform and r.crs == series.crs


def test_from_xarray_refuses_what_it_cannot_place():
    import rioxarray  # noqa: F401  (the .rio accessor)
    import xarray as xr

    da = make_raster().to_xarray()
    with pytest.raises(TypeError, match=r"to_dataarray\('band'\)"):
        Raster.from_xarray(da.to_dataset(name="v"))
    with pytest.raises(TypeError, match="open_rasterio"):
        Raster.from_xarray(da.values)
    with pytest.raises(ValueError, match="write_crs"):
        Raster.from_xarray(xr.DataArray(da.values, dims=da.dims, coords={"x": da.x, "y": da.y}))
    with pytest.raises(ValueError, match="x and y dimensions.*rename"):
        Raster.from_xarray(da.rename({"x": "col", "y": "row"}))
    bare = xr.DataArray(da.values, dims=da.dims).rio.write_crs("EPSG:32632")
    with pytest.raises(ValueError, match="coordinates.*write_transform"):
        Raster.from_xarray(bare)
    irregular = da.assign_coords(x=[500005, 500015, 500030, 500035, 500045])
    with pytest.raises(ValueError, match="regularly spaced x"):
        Raster.from_xarray(irregular)
    with pytest.raises(ValueError, match="time coordinate holds dates"):
        Raster.from_xarray(make_series().to_xarray().assign_coords(time=[0, 1, 2]))
    with pytest.raises(ValueError, match="Select or reduce.*'member'"):
        Raster.from_xarray(da.expand_dims(member=2))
    with pytest.raises(ValueError, match="at least 2 pixels along x"):
        Raster.from_xarray(xr.DataArray(np.ones((1, 3, 1)), dims=("band", "y", "x"),
                                        coords={"y": [3.0, 2.0, 1.0], "x": [5.0]}
                                        ).rio.write_crs("EPSG:32632"))
    rotated = da.rio.write_transform(Affine.translation(500000, 6800000) @ Affine.rotation(15)
                                     @ Affine.scale(10, -10))
    with pytest.raises(ValueError, match="rotated.*reproject"):
        Raster.from_xarray(rotated)


def test_a_rotated_geotiff_is_refused_with_the_fix(tmp_path):
    import rasterio
    import rioxarray

    rotation = Affine.translation(500000, 6800000) @ Affine.rotation(15) @ Affine.scale(10, -10)
    path = tmp_path / "rotated.tif"
    with rasterio.open(path, "w", driver="GTiff", width=5, height=4, count=1, dtype="float32",
                       crs="EPSG:32632", transform=rotation) as dst:
        dst.write(np.ones((1, 4, 5), np.float32))
    with pytest.raises(ValueError, match="rotated.*reproject"):
        Raster.from_xarray(rioxarray.open_rasterio(path))
