"""STAC loading offline: items whose assets are small GeoTIFFs written here."""

import socket
from datetime import datetime, timezone

import numpy as np
import pystac
import pytest
import rasterio
from affine import Affine
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import RasterBand, RasterExtension

from course_lib.composites import composite_raster
from course_lib.data import online, stac

CRS = "EPSG:32632"
TRANSFORM = Affine(20, 0, 300000, 0, -20, 6820000)
SHAPE = (24, 32)


def _tif(path, data, dtype, nodata, transform=TRANSFORM):
    with rasterio.open(path, "w", driver="GTiff", width=SHAPE[1], height=SHAPE[0], count=1,
                       dtype=dtype, crs=CRS, transform=transform, nodata=nodata) as dst:
        dst.write(data.astype(dtype), 1)
    return str(path)


def _item(item_id, when, assets, properties, transform=TRANSFORM):
    from rasterio.warp import transform_bounds

    left, top = transform.c, transform.f
    right, bottom = left + 20 * SHAPE[1], top - 20 * SHAPE[0]
    w, s, e, n = transform_bounds(CRS, "EPSG:4326", left, bottom, right, top)
    geometry = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
    item = pystac.Item(item_id, geometry, [w, s, e, n], when, properties=dict(properties))
    ProjectionExtension.add_to(item)
    RasterExtension.add_to(item)
    for key, (href, dtype, nodata) in assets.items():
        asset = pystac.Asset(href, media_type=pystac.MediaType.GEOTIFF, roles=["data"])
        item.add_asset(key, asset)
        proj = ProjectionExtension.ext(asset)
        proj.epsg, proj.shape, proj.transform = 32632, list(SHAPE), list(transform)[:6]
        RasterExtension.ext(asset).bands = [RasterBand.create(data_type=dtype, nodata=nodata)]
    return item


@pytest.fixture(scope="module")
def reflectance():
    rng = np.random.default_rng(5)
    return {b: rng.uniform(0.02, 0.5, SHAPE).astype(np.float32) for b in stac.S2_BANDS}


@pytest.fixture(scope="module")
def s2_items(tmp_path_factory, reflectance):
    folder = tmp_path_factory.mktemp("s2")
    items = []
    for day, baseline, offset in ((5, "02.13", 0), (20, "04.00", 1000)):
        assets = {}
        for band, refl in reflectance.items():
            dn = np.round(refl * 10000) + offset
            dn[0, 0] = 0                       # one no-data pixel
            assets[band] = (_tif(folder / f"{day}_{band}.tif", dn, "uint16", 0), "uint16", 0)
        scl = np.full(SHAPE, 4, np.uint8)
        scl[:, :8] = 9 if day == 5 else 4      # cloud on the first date's left side
        assets["SCL"] = (_tif(folder / f"{day}_SCL.tif", scl, "uint8", 0), "uint8", 0)
        when = datetime(2019 if offset == 0 else 2022, 7, day, 10, 30, tzinfo=timezone.utc)
        items.append(_item(f"S2_{day}", when, assets, {"s2:processing_baseline": baseline}))
    return items


def test_jolster_preset():
    w = stac.JOLSTER
    assert w.event == "2019-07-30" and w.pre[1] < w.event < w.post[0]
    assert w.datetime("post") == "2019-07-31/2019-08-30"
    west, south, east, north = w.bbox
    assert west < 6.11 < east and south < 61.49 < north     # Vassenden
    with pytest.raises(ValueError, match="'pre' or 'post'"):
        w.period("during")


def test_processing_baseline_from_properties_or_id(s2_items):
    assert stac.processing_baseline(s2_items[1]) == "04.00"
    item = s2_items[0].clone()
    item.properties.pop("s2:processing_baseline")
    item.id = "S2B_MSIL2A_20190729T105039_N0213_R051_T32VLP_20190729T134206"
    assert stac.processing_baseline(item) == "02.13"
    item.id = "no-baseline"
    with pytest.raises(ValueError, match="processing baseline"):
        stac.processing_baseline(item)
    item.properties["earthsearch:boa_offset_applied"] = True
    assert stac.offset_baseline(item) == "00.00"


def test_load_s2_handles_the_offset_and_keeps_scl(s2_items, reflectance):
    refl, scl = stac.load_s2(s2_items, crs=CRS, resolution=20)
    assert refl.band_names == stac.S2_BANDS and scl.band_names == ("SCL",)
    assert refl.data.shape[0] == 2 and refl.data.dtype == np.float32
    assert refl.attrs["processing_baselines"] == ["02.13", "04.00"]
    assert list(refl.dates.astype(str)) == ["2019-07-05", "2022-07-20"]
    rows, cols = refl.shape
    expected = reflectance["B04"][:rows, :cols]
    got = refl.band("B04")
    # both baselines give the same reflectance: the 1000 offset is removed only from 04.00
    np.testing.assert_allclose(got[0][1:, 1:], expected[1:, 1:], atol=6e-5)
    np.testing.assert_allclose(got[1][1:, 1:], expected[1:, 1:], atol=6e-5)
    assert np.isnan(got[:, 0, 0]).all()
    assert set(np.unique(scl.data[0])) == {4, 9} and scl.data.dtype == np.uint8
    assert refl.crs.to_epsg() == 32632 and refl.resolution == 20
    # the result composites with course_lib as the simulated area does
    median = composite_raster(refl, scl, "median")
    assert median.data.shape == (6, rows, cols)
    np.testing.assert_allclose(median.band("B04")[1:, :8], expected[1:, :8], atol=6e-5)


def test_load_s1_linear_and_nan(tmp_path):
    vv = np.full(SHAPE, 0.05, np.float32)
    vv[2, 2] = 0
    assets = {"vv": (_tif(tmp_path / "vv.tif", vv, "float32", 0), "float32", 0),
              "vh": (_tif(tmp_path / "vh.tif", vv / 5, "float32", 0), "float32", 0)}
    item = _item("S1A_x", datetime(2019, 7, 10, 5, tzinfo=timezone.utc), assets,
                 {"sat:orbit_state": "descending"})
    ds = stac.load_s1_dataset([item], crs=CRS, resolution=20)
    assert set(ds.data_vars) == {"VV", "VH"} and ds["orbit_state"].values.tolist() == ["descending"]
    assert np.isnan(ds["VV"].values[0, 2, 2]) and ds["VV"].dtype == np.float32
    s1 = stac.load_s1([item], crs=CRS, resolution=20)
    assert s1.band_names == ("VV", "VH") and s1.data.shape[:2] == (1, 2)
    np.testing.assert_array_equal(s1.band("VH"), ds["VH"].values)
    assert np.isnan(s1.band("VV")[0, 2, 2])
    np.testing.assert_allclose(np.nanmax(s1.band("VH")), 0.01, rtol=1e-6)
    assert s1.attrs["orbit_state"] == ["descending"]


def test_load_s2_dataset_is_the_odc_stac_dataset_in_reflectance(s2_items, reflectance):
    ds = stac.load_s2_dataset(s2_items, crs=CRS, resolution=20)
    assert set(ds.data_vars) == {*stac.S2_BANDS, "SCL"}
    assert ds["B04"].dims == ("time", "y", "x") and ds["B04"].dtype == np.float32
    assert ds["SCL"].dtype == np.uint8
    assert ds["processing_baseline"].values.tolist() == ["02.13", "04.00"]
    assert ds.rio.crs.to_epsg() == 32632 and ds.odc.geobox.resolution.x == 20
    # x/y are pixel centres: half a pixel in from the grid's corner
    assert float(ds.x[0]) == TRANSFORM.c + 10 and float(ds.y[0]) == TRANSFORM.f - 10
    rows, cols = ds.sizes["y"], ds.sizes["x"]
    expected = reflectance["B04"][:rows, :cols]
    # both baselines give the same reflectance: the 1000 offset is removed only from 04.00
    for t in (0, 1):
        np.testing.assert_allclose(ds["B04"][t].values[1:, 1:], expected[1:, 1:], atol=6e-5)
    assert np.isnan(ds["B04"].values[:, 0, 0]).all()
    # the Rasters are built from this Dataset: the same numbers, the same grid
    refl, scl = stac.s2_rasters(ds)
    np.testing.assert_array_equal(refl.band("B04"), ds["B04"].values)
    np.testing.assert_array_equal(scl.data[:, 0], ds["SCL"].values)
    assert refl.transform == ds.rio.transform() and refl.attrs["processing_baselines"] == \
        ["02.13", "04.00"]
    assert list(refl.dates.astype(str)) == ["2019-07-05", "2022-07-20"]


def test_groups_of_baselines_share_one_grid_over_all_items(tmp_path):
    # an old-baseline scene and a new-baseline scene 8 pixels further east
    east = TRANSFORM @ Affine.translation(8, 0)
    items = []
    for name, transform, baseline, offset, year in (("old", TRANSFORM, "02.13", 0, 2019),
                                                    ("new", east, "04.00", 1000, 2022)):
        dn = np.full(SHAPE, 1000 + offset)
        assets = {b: (_tif(tmp_path / f"{name}_{b}.tif", dn, "uint16", 0, transform), "uint16", 0)
                  for b in stac.S2_BANDS}
        assets["SCL"] = (_tif(tmp_path / f"{name}_SCL.tif", np.full(SHAPE, 4), "uint8", 0,
                              transform), "uint8", 0)
        items.append(_item(f"S2_{name}", datetime(year, 7, 1, 10, 30, tzinfo=timezone.utc),
                           assets, {"s2:processing_baseline": baseline}, transform))
    refl, _ = stac.load_s2(items, crs=CRS, resolution=20)
    assert refl.shape == (SHAPE[0], SHAPE[1] + 8), "the grid must cover both scenes"
    old, new = refl.band("B04")
    assert np.isnan(old[:, -8:]).all() and np.isnan(new[:, :8]).all()
    np.testing.assert_allclose(old[:, :-8], 0.1)
    np.testing.assert_allclose(new[:, 8:], 0.1)


def test_load_s2_dataset_lazy_with_chunks(s2_items):
    import dask.array

    lazy = stac.load_s2_dataset(s2_items, crs=CRS, resolution=20, chunks={"x": 16, "y": 16})
    assert isinstance(lazy["B04"].data, dask.array.Array)      # nothing read yet
    eager = stac.load_s2_dataset(s2_items, crs=CRS, resolution=20)
    np.testing.assert_array_equal(lazy["B04"].values, eager["B04"].values)
    refl, _ = stac.load_s2(s2_items, crs=CRS, resolution=20, chunks={"x": 16, "y": 16})
    assert isinstance(refl.data, np.ndarray)
    np.testing.assert_array_equal(refl.band("B04"), eager["B04"].values)


def test_earth_search_names_and_an_offset_already_removed(tmp_path, reflectance):
    names = stac.CATALOGS["earth-search"]["s2_assets"]
    assets = {}
    for band, refl in reflectance.items():     # a 2022 product whose provider removed the offset
        dn = np.round(refl * 10000)
        assets[names[band]] = (_tif(tmp_path / f"{band}.tif", dn, "uint16", 0), "uint16", 0)
    assets["scl"] = (_tif(tmp_path / "scl.tif", np.full(SHAPE, 4), "uint8", 0), "uint8", 0)
    item = _item("S2_es", datetime(2022, 7, 1, 10, 30, tzinfo=timezone.utc), assets,
                 {"s2:processing_baseline": "04.00", "earthsearch:boa_offset_applied": True})
    ds = stac.load_s2_dataset([item], crs=CRS, resolution=20, catalog="earth-search")
    assert {"B04", "B08", "SCL"} <= set(ds.data_vars) and "red" not in ds.data_vars
    assert ds["processing_baseline"].values.tolist() == ["00.00"]
    np.testing.assert_allclose(ds["B08"][0].values, reflectance["B08"], atol=6e-5)


def test_a_geographic_crs_needs_a_resolution_in_degrees(s2_items):
    with pytest.raises(ValueError, match="degrees.*EPSG:32632.*resolution=0.0002"):
        stac.load_s2(s2_items, crs="EPSG:4326", resolution=20)
    refl, _ = stac.load_s2(s2_items, crs="EPSG:4326", resolution=0.0002)
    assert refl.crs.to_epsg() == 4326 and min(refl.shape) >= 10
    assert np.isfinite(refl.data).mean() > 0.5
    assert refl.transform.a == pytest.approx(0.0002)


def test_a_grid_of_fewer_than_two_pixels_is_refused(s2_items):
    # the items cover 640 x 480 m: 500 m pixels would give about one pixel
    with pytest.raises(ValueError, match=r"grid of 1\.\d x 1\.\d pixels.*metres.*smaller"):
        stac.load_s2(s2_items, crs=CRS, resolution=500)
    with pytest.raises(ValueError, match="grid of"):
        stac.load_s1_dataset(s2_items, crs=CRS, resolution=5000)


def test_bad_inputs(s2_items):
    with pytest.raises(ValueError, match="No items"):
        stac.load_s2([])
    with pytest.raises(ValueError, match="resolution must be"):
        stac.load_s2(s2_items, crs=CRS, resolution=-5)
    with pytest.raises(TypeError, match="resolution must be a number"):
        stac.load_s2(s2_items, crs=CRS, resolution="20")
    with pytest.raises(ValueError, match="crs must be a coordinate reference system"):
        stac.load_s2(s2_items, crs="UTM 32", resolution=20)
    with pytest.raises(ValueError, match="west < east.*Longitude first"):
        stac.load_s2(s2_items, bbox=(6.3, 61.44, 6.0, 61.54), crs=CRS)
    west, south, east, north = s2_items[0].bbox
    with pytest.raises(ValueError, match="does not overlap any item.*longitude first"):
        stac.load_s2(s2_items, bbox=(south, west, north, east), crs=CRS)   # lat/lon swapped
    with pytest.raises(ValueError, match="4 numbers"):
        stac.load_s2(s2_items, bbox=(6.0, 61.44, 6.3), crs=CRS)
    with pytest.raises(ValueError, match="Unknown bands"):
        stac.load_s2_dataset(s2_items, bands=("B8A",))
    with pytest.raises(TypeError, match="load_s2_dataset"):
        stac.s2_rasters(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="catalog must be one of"):
        stac.search("s2", catalog="nowhere")
    with pytest.raises(ValueError, match="not set up for s1"):
        stac.search("s1", catalog="earth-search")


def test_search_offline_message(monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(online.OfflineError) as err:
        stac.search("s2", stac.JOLSTER, "pre")
    message = str(err.value)
    assert "planetarycomputer.microsoft.com" in message and "load_study_area" in message
    with pytest.raises(online.OfflineError):
        stac.load_event()


def test_items_from_rasters_round_trip(tmp_path):
    from affine import Affine as A
    from rasterio.crs import CRS as RCRS

    from course_lib.data.raster import Raster

    rng = np.random.default_rng(0)
    refl = rng.uniform(0.01, 0.5, (2, 6, 20, 30)).astype(np.float32)
    refl[0, :, 0, 0] = np.nan
    common = dict(transform=A(20, 0, 300000, 0, -20, 6820000), crs=RCRS.from_epsg(32632),
                  dates=np.array(["2019-07-01", "2019-07-11"], "datetime64[D]"))
    reflectance = Raster(refl, band_names=stac.S2_BANDS, **common)
    scl = Raster(np.full((2, 1, 20, 30), 4, np.uint8), band_names=("SCL",), **common)
    items = stac.items_from_rasters(reflectance, scl, tmp_path, processing_baseline="04.00")
    assert [stac.processing_baseline(i) for i in items] == ["04.00", "04.00"]
    loaded, loaded_scl = stac.load_s2(items, crs="EPSG:32632", resolution=20)
    assert loaded.data.shape == refl.shape
    np.testing.assert_allclose(loaded.data, refl, atol=6e-5)   # NaN where NaN
    assert (loaded_scl.data == 4).all()
