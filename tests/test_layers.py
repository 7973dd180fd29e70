"""course_lib.pipeline.layers: the paper's input layers, settings, NaN policy and point sampling."""

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS
from shapely.geometry import Point, Polygon

from course_lib import sampling
from course_lib.data.raster import Raster
from course_lib.paper import SETTING_BANDS, SETTINGS
from course_lib.pipeline import layers


@pytest.fixture(scope="module")
def small_area():
    from course_lib.simulator import StudyAreaParams, generate_in_memory

    return generate_in_memory(StudyAreaParams(size=128, n_landslides=6))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    return tmp_path


def fake_raster(data, crs="EPSG:32632"):
    data = np.asarray(data, dtype=np.float32)
    names = tuple(f"b{i}" for i in range(data.shape[0]))
    return Raster(data=data, transform=Affine(10, 0, 1000, 0, -10, 2000), crs=CRS.from_string(crs),
                  band_names=names)


def points_at(xy, crs="EPSG:32632", **columns):
    return gpd.GeoDataFrame(columns, geometry=[Point(x, y) for x, y in xy], crs=crs)


def test_change_layers_bands_cache_and_signal(small_area, cache):
    result = layers.change_layers(small_area)
    assert result.band_names == SETTING_BANDS[SETTINGS[1]]
    assert result.data.shape == (13, 128, 128) and result.data.dtype == np.float32
    cached = list((cache / "layers").rglob("*.tif"))
    assert len(cached) == 1
    again = layers.change_layers(small_area)  # read back from the cache
    np.testing.assert_allclose(again.data, result.data, equal_nan=True)
    assert again.band_names == result.band_names
    assert {k: again.attrs[k] for k in result.attrs} == result.attrs
    assert again.crs == small_area["dem"].crs and again.transform == small_area["dem"].transform
    np.testing.assert_allclose(result.band("diff-VV"),
                               result.band("post-VV") - result.band("pre-VV"), atol=1e-4)
    truth = small_area["landslide_mask"].data[0].astype(bool)
    assert np.nanmean(result.band("dNDVI")[truth]) < np.nanmean(result.band("dNDVI")[~truth])
    assert np.nanmean(result.band("diff-VH")[truth]) < np.nanmean(result.band("diff-VH")[~truth])
    asc = layers.change_layers(small_area, geometry="asc")
    assert asc.attrs["s1_geometry"] == "asc"
    assert np.isnan(asc.band("pre-VV")).mean() >= np.isnan(result.band("pre-VV")).mean()
    with pytest.raises(ValueError, match="geometry"):
        layers.change_layers(small_area, geometry="north")
    with pytest.raises(ValueError, match="lee_window"):
        layers.change_layers(small_area, lee_window=4)


def test_geometry_both_keeps_ascending_and_descending_apart(small_area, cache):
    both = layers.change_layers(small_area, geometry="both")
    assert len(both.band_names) == 19
    asc = layers.change_layers(small_area, geometry="asc")
    desc = layers.change_layers(small_area, geometry="desc")
    np.testing.assert_allclose(both.band("pre-VV-asc"), asc.band("pre-VV"), equal_nan=True)
    np.testing.assert_allclose(both.band("diff-VH-desc"), desc.band("diff-VH"), equal_nan=True)
    np.testing.assert_allclose(both.band("dNDVI"), asc.band("dNDVI"), equal_nan=True)
    two = layers.setting_layers(2, small_area, geometry="both")
    assert two.band_names == ("pre-VV-asc", "pre-VV-desc", "post-VV-asc", "post-VV-desc", "dNDVI")


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_setting_layers_have_the_papers_bands_in_order(small_area, cache, k):
    x = layers.setting_layers(k, small_area)
    assert x.band_names == SETTING_BANDS[SETTINGS[k]]
    assert x.data.shape == (len(SETTING_BANDS[SETTINGS[k]]), 128, 128)
    assert x.attrs["setting"] == SETTINGS[k]
    full = layers.change_layers(small_area)
    for name in x.band_names:
        np.testing.assert_array_equal(x.band(name), full.band(name))


def test_setting_numbers_are_checked():
    assert layers.setting_bands(SETTINGS[3]) == ("pre-VV", "post-VV")
    with pytest.raises(ValueError, match="1, 2, 3 or 4"):
        layers.setting_bands(5)
    with pytest.raises(TypeError, match="setting"):
        layers.setting_bands("two")
    with pytest.raises(TypeError, match="setting"):
        layers.setting_bands(True)


def test_cache_key_names_every_version_it_depends_on(small_area, cache, monkeypatch):
    from course_lib.data import cache as cache_module

    versions = dict(cache_module.STAGE_VERSIONS)
    monkeypatch.setattr(cache_module, "STAGE_VERSIONS", versions)
    paths = [layers._cache_path(small_area, "mean", None)]
    for stage in ("s2_composites", "s1_composites", "layers"):
        versions[stage] += 1
        paths.append(layers._cache_path(small_area, "mean", None))
    assert len(set(paths)) == 4


def test_valid_and_evaluation_masks(small_area, cache):
    x = fake_raster([[[1, np.nan], [2, 3]], [[1, 1], [np.inf, 1]]])
    assert sampling.valid_mask(x).tolist() == [[True, False], [False, True]]
    with pytest.raises(ValueError, match="bands, rows, cols"):
        sampling.valid_mask(np.zeros((1, 2, 2, 2)))
    evaluation = layers.evaluation_mask(small_area)
    assert evaluation.shape == (128, 128) and evaluation.dtype == bool
    for k in (1, 2, 3, 4):  # setting 1 holds every band, so its valid pixels are valid everywhere
        assert not (evaluation & ~sampling.valid_mask(layers.setting_layers(k, small_area))).any()


def test_sample_at_points_returns_a_feature_table():
    x = fake_raster([[[1, 2], [3, 4]], [[10, 20], [30, 40]]])
    # pixel centres: col 0 -> x 1005, col 1 -> 1015; row 0 -> y 1995, row 1 -> 1985
    pts = points_at([(1015, 1995), (1005, 1985)], class_name=["forest", "landslide"],
                    label=[0, 1])
    table = sampling.sample_at_points(x, pts)
    assert list(table.columns[:2]) == ["b0", "b1"]
    assert table["b0"].tolist() == [2.0, 3.0] and table["b1"].tolist() == [20.0, 30.0]
    assert table["class_name"].tolist() == ["forest", "landslide"]
    assert table[["row", "col"]].values.tolist() == [[0, 1], [1, 0]]
    empty = sampling.sample_at_points(x, pts.iloc[:0])
    assert len(empty) == 0 and "b0" in empty.columns


def test_sample_at_points_bad_inputs():
    x = fake_raster([[[1, np.nan], [3, 4]]])
    pts = points_at([(1005, 1995), (1015, 1995)], label=[0, 1])
    with pytest.raises(ValueError, match="NaN"):
        sampling.sample_at_points(x, pts)
    with pytest.warns(UserWarning, match="dropped"):
        dropped = sampling.sample_at_points(x, pts, on_invalid="drop")
    assert dropped["label"].tolist() == [0]
    kept = sampling.sample_at_points(x, pts, on_invalid="keep")
    assert np.isnan(kept["b0"].iloc[1])
    with pytest.raises(ValueError, match="outside the raster"):
        sampling.sample_at_points(x, points_at([(5000, 1995)]))
    with pytest.raises(ValueError, match="to_crs"):
        sampling.sample_at_points(x, points_at([(1005, 1995)], crs="EPSG:4326"))
    with pytest.raises(TypeError, match="GeoDataFrame"):
        sampling.sample_at_points(x, [(1005, 1995)])
    with pytest.raises(TypeError, match="Raster"):
        sampling.sample_at_points(x.data, pts)
    with pytest.raises(ValueError, match="on_invalid"):
        sampling.sample_at_points(x, pts, on_invalid="ignore")
    square = gpd.GeoDataFrame(geometry=[Polygon([(1000, 2000), (1010, 2000), (1010, 1990)])],
                              crs="EPSG:32632")
    with pytest.raises(ValueError, match="Points"):
        sampling.sample_at_points(x, square)


def test_training_points_of_the_study_area_sample(small_area, cache):
    x = layers.setting_layers(4, small_area)
    table = sampling.sample_at_points(x, small_area["training_points"], on_invalid="keep")
    assert len(table) == len(small_area["training_points"])
    assert set(table["label"]) <= {0, 1}
    r, c = table["row"].to_numpy(), table["col"].to_numpy()
    np.testing.assert_array_equal(table["dNDVI"].to_numpy(), x.band("dNDVI")[r, c])
