"""Unit tests for course_lib.composites on small hand-made and seeded arrays."""

import warnings

import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS

from course_lib import clouds, composites
from course_lib.composites import (AllCloudError, argmax_over_time, clear_count,
                                   greenest_pixel_composite, median_composite, nanmedian_over_time)
from course_lib.data.cache import stage_key
from course_lib.data.raster import Raster
from course_lib.pipeline.composites import study_area_composites

RED, NIR = 0, 1


def _stack():
    """3 dates, bands (red, nir, swir), 2 x 2 pixels, hand-made."""
    red = np.array([[[0.10, 0.10], [0.10, 0.05]],
                    [[0.05, 0.20], [0.10, 0.05]],
                    [[0.20, 0.05], [0.10, 0.05]]], dtype=np.float32)
    nir = np.array([[[0.30, 0.30], [0.40, 0.45]],
                    [[0.45, 0.25], [0.40, 0.30]],
                    [[0.25, 0.40], [0.40, 0.20]]], dtype=np.float32)
    swir = np.arange(12, dtype=np.float32).reshape(3, 2, 2) / 100 + np.array(
        [0.1, 0.2, 0.3], dtype=np.float32)[:, None, None]
    return np.stack([red, nir, swir], axis=1)  # (3, 3, 2, 2)


def test_median_of_clear_observations_and_never_clear_pixel_is_nan():
    stack = _stack()
    clear = np.ones((3, 2, 2), bool)
    clear[:, 1, 1] = False                      # an all-cloud pixel
    clear[2, 0, 0] = False                      # one cloudy date at (0, 0)
    out = median_composite(stack, clear)
    assert out.shape == (3, 2, 2) and out.dtype == np.float32
    assert np.allclose(out[:, 0, 0], (stack[0, :, 0, 0] + stack[1, :, 0, 0]) / 2)
    assert np.allclose(out[:, 0, 1], np.median(stack[:, :, 0, 1], axis=0))
    assert np.isnan(out[:, 1, 1]).all(), "never-clear pixels must be NaN, not 0"


def test_median_treats_nan_as_missing():
    stack = _stack()
    stack[0, :, 0, 0] = np.nan
    out = median_composite(stack)
    assert np.allclose(out[:, 0, 0], np.median(stack[1:, :, 0, 0], axis=0))


def test_xarray_input_is_accepted():
    xr = pytest.importorskip("xarray")
    stack = _stack()
    da = xr.DataArray(stack, dims=("time", "band", "y", "x"))
    np.testing.assert_array_equal(median_composite(da), median_composite(stack))
    np.testing.assert_array_equal(
        greenest_pixel_composite(da, red_band=RED, nir_band=NIR),
        greenest_pixel_composite(stack, red_band=RED, nir_band=NIR))


def test_nanmedian_over_time_matches_numpy():
    rng = np.random.default_rng(0)
    values = rng.random((7, 5, 6)).astype(np.float32)
    values[rng.random(values.shape) < 0.4] = np.nan
    values[:, 0, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(values, axis=0)
    np.testing.assert_allclose(nanmedian_over_time(values), expected, rtol=1e-6)


def test_greenest_pixel_picks_highest_ndvi_date():
    stack = _stack()
    out, index = greenest_pixel_composite(stack, red_band=RED, nir_band=NIR, return_index=True)
    ndvi = (stack[:, NIR] - stack[:, RED]) / (stack[:, NIR] + stack[:, RED])
    np.testing.assert_array_equal(index, np.argmax(ndvi, axis=0))
    assert index[0, 0] == 1 and index[0, 1] == 2


def test_greenest_pixel_band_consistency_property():
    """Every band of every output pixel comes from the same date: the argmax of the score."""
    rng = np.random.default_rng(42)
    stack = rng.uniform(0.01, 0.6, (6, 5, 20, 30)).astype(np.float32)
    clear = rng.random((6, 20, 30)) > 0.5
    clear[:, 0, 0] = False
    out, index = greenest_pixel_composite(stack, clear, red_band=2, nir_band=3,
                                          return_index=True)
    ndvi = (stack[:, 3] - stack[:, 2]) / (stack[:, 3] + stack[:, 2])
    expected = np.argmax(np.where(clear, ndvi, -np.inf), axis=0)
    ok = clear.any(axis=0)
    np.testing.assert_array_equal(index[ok], expected[ok])
    rows, cols = np.nonzero(ok)
    for band in range(stack.shape[1]):
        np.testing.assert_array_equal(out[band, rows, cols],
                                      stack[index[rows, cols], band, rows, cols])
    # and never from a cloudy date
    assert clear[index[rows, cols], rows, cols].all()
    assert index[0, 0] == -1 and np.isnan(out[:, 0, 0]).all()


def test_greenest_pixel_with_custom_score_and_nan_scores():
    stack = _stack()
    score = np.array([3.0, 1.0, 2.0], np.float32)[:, None, None] * np.ones((3, 2, 2), np.float32)
    score[0, 1, 0] = np.nan                      # unusable, must not win
    out, index = greenest_pixel_composite(stack, score=score, return_index=True)
    assert index.tolist() == [[0, 0], [2, 0]]
    np.testing.assert_array_equal(out[:, 1, 0], stack[2, :, 1, 0])


def test_argmax_over_time_matches_numpy_argmax_including_ties():
    rng = np.random.default_rng(1)
    score = rng.integers(0, 4, (9, 8, 8)).astype(np.float32)   # many ties
    index, best = argmax_over_time(score)
    np.testing.assert_array_equal(index, np.argmax(score, axis=0))
    np.testing.assert_array_equal(best, score.max(axis=0))


def test_all_cloud_stack_raises():
    stack = _stack()
    clear = np.zeros((3, 2, 2), bool)
    with pytest.raises(AllCloudError, match="No clear observation"):
        median_composite(stack, clear)
    with pytest.raises(AllCloudError, match="widen the date window"):
        greenest_pixel_composite(stack, clear, red_band=RED, nir_band=NIR)
    with pytest.raises(AllCloudError):
        median_composite(np.full((2, 1, 2, 2), np.nan, np.float32))


def test_clear_count():
    stack = _stack()
    clear = np.ones((3, 2, 2), bool)
    clear[:, 1, 1] = False
    stack[0, 2, 0, 0] = np.nan                   # a nodata band drops that observation
    count = clear_count(clear, stack)
    assert count.tolist() == [[2, 3], [3, 0]]
    assert count.dtype == np.int32


@pytest.mark.parametrize("bad_clear,error", [
    (np.ones((2, 2, 2), bool), "does not match"),
    (np.ones((3, 2, 2), np.uint8), "boolean"),
])
def test_bad_clear_masks_raise(bad_clear, error):
    with pytest.raises((ValueError, TypeError), match=error):
        median_composite(_stack(), bad_clear)
    with pytest.raises((ValueError, TypeError), match=error):
        greenest_pixel_composite(_stack(), bad_clear, red_band=RED, nir_band=NIR)


def test_bad_stacks_raise():
    with pytest.raises(ValueError, match=r"\(time, bands, rows, cols\)"):
        median_composite(np.zeros((3, 4, 4), np.float32))
    with pytest.raises(ValueError, match="red_band and nir_band"):
        greenest_pixel_composite(_stack())
    with pytest.raises(ValueError, match="out of range"):
        greenest_pixel_composite(_stack(), red_band=0, nir_band=5)
    with pytest.raises(ValueError, match="score of shape"):
        greenest_pixel_composite(_stack(), score=np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="digital numbers"):
        greenest_pixel_composite(_stack() * 10000, red_band=RED, nir_band=NIR)
    with pytest.raises(ValueError, match="digital numbers"):
        median_composite(_stack() * 10000)
    with pytest.raises(TypeError, match="floats"):
        median_composite((_stack() * 10000).astype(np.uint16))


def _fake_area(n=16, dates=4, seed=0):
    rng = np.random.default_rng(seed)
    bands = ("B02", "B03", "B04", "B08", "B11", "B12")
    transform = Affine(10, 0, 345000, 0, -10, 6822000)
    crs = CRS.from_epsg(32632)
    area = {}
    for period in ("pre", "post"):
        data = rng.uniform(0.01, 0.5, (dates, 6, n, n)).astype(np.float32)
        scl = np.full((dates, 1, n, n), 4, np.uint8)
        scl[0, 0, :4] = 9          # cloud
        scl[1, 0, 4:8] = 3         # shadow
        scl[2, 0, 8:10] = 11       # snow
        scl[:, 0, -1, -1] = 8      # never clear
        days = np.arange(dates) * 5 + (0 if period == "pre" else 60)
        when = np.datetime64("2019-06-01") + days
        area[f"s2_{period}"] = Raster(data, transform, crs, bands, dates=when)
        area[f"s2_{period}_scl"] = Raster(scl, transform, crs, ("SCL",), dates=when)
    return area


def test_composite_raster_masks_scl_and_keeps_georeferencing():
    area = _fake_area()
    out = composites.composite_raster(area["s2_pre"], area["s2_pre_scl"], "greenest")
    assert out.data.shape == (6, 16, 16) and out.dates is None
    assert out.transform == area["s2_pre"].transform
    assert np.isnan(out.data[:, -1, -1]).all()
    assert out.attrs["clear_count_min"] == 0 and out.attrs["clear_count_max"] == 4
    # row 0 was cloudy on date 0: its values come from dates 1-3 only
    _, index = greenest_pixel_composite(area["s2_pre"].data,
                                        area["s2_pre_scl"].data[:, 0] == 4,
                                        red_band=2, nir_band=3, return_index=True)
    assert (index[:4] != 0).all()
    with pytest.raises(ValueError, match="kind"):
        composites.composite_raster(area["s2_pre"], area["s2_pre_scl"], "mean")


def test_study_area_composites_cache_roundtrip(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))

    class Params:
        def short_hash(self):
            return "abc123"

    class Area(dict):
        params = Params()

    area = Area(_fake_area())
    first = study_area_composites(area)
    assert set(first) == {"pre_median", "post_median", "pre_greenest", "post_greenest"}
    files = sorted(p.name for p in (tmp_path / "s2_composites" / "abc123").iterdir())
    v = stage_key("s2_composites")
    assert files == [f"{v}_post_greenest.tif", f"{v}_post_median.tif",
                     f"{v}_pre_greenest.tif", f"{v}_pre_median.tif"]
    second = study_area_composites(area)   # read back from the cache
    for key in first:
        np.testing.assert_array_equal(first[key].data, second[key].data)
        assert second[key].band_names == first[key].band_names
    # a plain dict (no params) is computed but not cached
    study_area_composites(_fake_area(seed=1), kinds=("median",))
    assert len(list((tmp_path / "s2_composites").iterdir())) == 1


def test_study_area_composites_on_a_small_generated_world(tmp_path, monkeypatch):
    """Integration with the real study-area generator (a 128 x 128 miniature, in memory)."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    from course_lib.simulator import StudyAreaParams
    from course_lib.simulator.products import generate_in_memory

    area = generate_in_memory(StudyAreaParams(size=128, n_landslides=5))
    result = study_area_composites(area)
    for name, raster in result.items():
        assert raster.data.shape == (6, 128, 128) and raster.data.dtype == np.float32, name
        assert raster.band_names == ("B02", "B03", "B04", "B08", "B11", "B12")
        finite = raster.data[np.isfinite(raster.data)]
        assert finite.size and finite.min() >= 0 and finite.max() < 2, name
        # never-clear pixels are NaN in every band, nowhere else
        assert np.array_equal(np.isnan(raster.data).any(axis=0), np.isnan(raster.data).all(axis=0))
    folder = tmp_path / "s2_composites" / area.params.short_hash()
    assert len(list(folder.glob(f"{stage_key('s2_composites')}_*.tif"))) == 4
    assert all(r.attrs["mask"].startswith("cloud probability") for r in result.values())


def test_greenest_pixel_skips_a_date_with_nan_in_another_band():
    """A date whose NDVI wins but whose SWIR is NaN is no observation: the clear date wins."""
    stack = np.array([[[[0.05]], [[0.50]], [[np.nan]]],      # date 0: greenest, SWIR missing
                      [[[0.05]], [[0.30]], [[0.20]]]],       # date 1: complete
                     dtype=np.float32)                       # bands: red, nir, swir
    out, index = greenest_pixel_composite(stack, red_band=0, nir_band=1, return_index=True)
    assert index[0, 0] == 1 and np.isfinite(out).all()
    np.testing.assert_allclose(out[:, 0, 0], [0.05, 0.30, 0.20])
    assert clear_count(np.ones((2, 1, 1), bool), stack)[0, 0] == 1   # the same one date
    # the same rule with a custom score
    score = np.array([[[9.0]], [[1.0]]], np.float32)
    _, index = greenest_pixel_composite(stack, score=score, return_index=True)
    assert index[0, 0] == 1


def test_study_area_composites_mask_clouds_with_the_cloud_probability():
    """Clouds from s2_*_cloudprob (as the paper's s2cloudless), shadow and snow from SCL."""
    area = _fake_area()
    for period in ("pre", "post"):
        scl = area[f"s2_{period}_scl"]
        prob = np.zeros(scl.data.shape, np.float32)
        prob[3, 0, 8:13, 2:7] = 0.9           # a cloud that SCL (vegetation, 4) missed
        area[f"s2_{period}_cloudprob"] = Raster(prob, scl.transform, scl.crs, ("prob",),
                                                dates=scl.dates)
    # at 60 m the s2cloudless disks are 4 (averaging) and 2 (dilation) pixels
    clear = clouds.clear_sky_mask(area["s2_pre_scl"], area["s2_pre_cloudprob"],
                                             pixel_size=60.0)
    assert not clear[3, 8:13, 2:7].any()               # cloud probability masks the cloud ...
    assert not clear[3, 10, 7] and clear[3, 10, 9]     # ... dilated, not everywhere
    assert clear[0, :4, :-1].all()                     # SCL cloud no longer used for clouds
    assert not clear[1, 4:8].any() and not clear[2, 8:10].any()   # SCL shadow, snow still are
    result = study_area_composites(area, use_cache=False)
    assert result["pre_greenest"].attrs["mask"].startswith("cloud probability")
    with pytest.raises(ValueError, match="cloudprob"):
        clouds.clear_sky_mask(area["s2_pre_scl"], np.zeros((4, 3, 3)))


def test_greenest_pixel_and_clear_count_agree_on_random_gaps():
    """Count > 0 <=> the greenest composite is complete in every band; count 0 <=> all NaN."""
    rng = np.random.default_rng(11)
    stack = rng.uniform(0.01, 0.5, (5, 4, 30, 30)).astype(np.float32)
    holes = rng.random(stack.shape) < 0.15                  # NaN in random bands and dates
    stack[holes] = np.nan
    clear = rng.random((5, 30, 30)) < 0.6
    out = greenest_pixel_composite(stack, clear, red_band=2, nir_band=3)
    count = clear_count(clear, stack)
    complete = np.isfinite(out).all(axis=0)
    np.testing.assert_array_equal(complete, count > 0)
    assert np.isnan(out[:, count == 0]).all()
