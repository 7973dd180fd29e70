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
