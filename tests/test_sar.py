"""Unit tests for course_lib.sar on small hand-made arrays."""

import warnings

import numpy as np
import pytest

from course_lib import sar
from course_lib.data.cache import STAGE_VERSIONS
from course_lib.pipeline import sentinel1 as pipeline_sentinel1
from course_lib.pipeline.sentinel1 import study_area_s1_composite
from course_lib.sar.speckle import _refined_lee_windows

# ---- units ---------------------------------------------------------------------------------

def test_db_round_trip():
    linear = np.array([[1e-4, 0.01, 0.05], [0.2, 1.0, 3.0]], dtype=np.float32)
    back = sar.to_linear(sar.to_db(linear))
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, linear, rtol=1e-5)
    np.testing.assert_allclose(sar.to_db(np.array([0.1, 1.0, 10.0])), [-10.0, 0.0, 10.0])


def test_to_db_rejects_decibels_passed_as_linear():
    db_values = np.array([-15.0, -8.0, 0.5])
    with pytest.raises(ValueError, match="decibels"):
        sar.to_db(db_values)


def test_to_db_zero_gives_nan_with_warning_or_floor():
    with pytest.warns(RuntimeWarning, match="zero"):
        out = sar.to_db(np.array([0.0, 0.1]))
    assert np.isnan(out[0]) and out[1] == pytest.approx(-10.0)
    clipped = sar.to_db(np.array([0.0, 0.1]), floor=1e-5)
    assert clipped[0] == pytest.approx(-50.0)


def test_nan_propagates_through_units():
    out = sar.to_db(np.array([np.nan, 1.0]))
    assert np.isnan(out[0]) and out[1] == 0.0
    assert np.isnan(sar.to_linear(np.array([np.nan]))[0])


def test_to_linear_refuses_values_that_look_linear():
    rng = np.random.default_rng(1)
    values = rng.uniform(0.0, 0.5, 500)
    with pytest.raises(ValueError, match="already linear"):
        sar.to_linear(values)
    assert sar.to_linear(values, check_units=False)[0] == pytest.approx(10 ** (values[0] / 10))


def test_enl_of_gamma_speckle():
    rng = np.random.default_rng(2)
    assert sar.equivalent_number_of_looks(rng.gamma(4.4, 0.1 / 4.4, 100_000)) == pytest.approx(
        4.4, rel=0.05)
    with pytest.raises(ValueError, match="constant"):
        sar.equivalent_number_of_looks(np.ones(10))


# ---- Lee filter ----------------------------------------------------------------------------

def test_lee_filter_keeps_a_constant_image():
    image = np.full((2, 12, 15), 0.07, dtype=np.float32)
    out = sar.lee_filter(image, window=5, looks=4.4)
    assert out.shape == image.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, image, rtol=1e-6)


@pytest.mark.parametrize("looks, window", [(1.0, 7), (4.4, 5)])
def test_lee_filter_reduces_speckle_variance_and_keeps_mean(looks, window):
    rng = np.random.default_rng(3)
    speckled = rng.gamma(looks, 0.1 / looks, size=(200, 200))  # mean 0.1, variance 0.01 / L
    out = sar.lee_filter(speckled, window=window, looks=looks)
    ratio = out.var() / speckled.var()
    # On pure speckle the filter tends to the box mean, whose variance is var / window**2;
    # the adaptive weight b lets a little speckle through, so allow up to twice that.
    assert 0.9 / window**2 < ratio < 2.0 / window**2
    assert out.mean() == pytest.approx(speckled.mean(), rel=0.01)


def test_lee_filter_keeps_a_strong_edge():
    image = np.full((20, 20), 0.01)
    image[:, 10:] = 1.0  # a 20 dB step
    out = sar.lee_filter(image, window=5, looks=4.4)
    assert out[5, 2] == pytest.approx(0.01) and out[5, 17] == pytest.approx(1.0)
    # at the edge b is close to 1, so the pixel keeps most of its own value
    assert out[5, 10] > 0.8


def test_lee_filter_is_nan_aware():
    rng = np.random.default_rng(4)
    image = rng.gamma(4.4, 0.1 / 4.4, size=(30, 30))
    image[10:13, 10:13] = np.nan
    out = sar.lee_filter(image, window=5)
    assert np.isnan(out[10:13, 10:13]).all()
    assert np.isfinite(out[~np.isnan(image)]).all()


def test_lee_filter_bad_input():
    with pytest.raises(ValueError, match="decibels"):
        sar.lee_filter(np.full((8, 8), -12.0))
    with pytest.raises(ValueError, match="odd"):
        sar.lee_filter(np.ones((8, 8)), window=4)
    with pytest.raises(ValueError, match="rows, cols"):
        sar.lee_filter(np.ones(8))
    with pytest.raises(ValueError, match="positive"):
        sar.lee_filter(np.ones((8, 8)), looks=0)


# ---- composites and change ------------------------------------------------------------------

def test_median_backscatter_is_nan_aware_and_checks_input():
    stack = np.array([0.1, 0.3, np.nan, 0.2, 5.0]).reshape(5, 1, 1, 1)
    assert sar.median_backscatter(stack)[0, 0, 0] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="NaN"):
        sar.median_backscatter(np.full((3, 1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="time"):
        sar.median_backscatter(np.ones((4, 4)))
    with pytest.raises(ValueError, match="decibels"):
        sar.median_backscatter(np.full((3, 2, 2), -10.0))


def test_log_ratio_sign_and_value():
    pre = np.array([0.1, 0.1, 0.1, np.nan])
    post = np.array([0.05, 0.1, 0.2, 0.1])
    change = sar.log_ratio_db(pre, post)
    assert change[0] < 0 and change[1] == 0 and change[2] > 0 and np.isnan(change[3])
    assert change[2] == pytest.approx(10 * np.log10(2))
    np.testing.assert_allclose(change[:3], sar.to_db(post[:3]) - sar.to_db(pre[:3]))
    with pytest.raises(ValueError, match="same shape"):
        sar.log_ratio_db(np.ones(3), np.ones(4))


def test_averaging_geometries_cancels_a_symmetric_signature():
    # A slide seen from the west (ascending) darkens its west half and brightens its east
    # half by the same factor; seen from the east (descending) it is the mirror image.
    pre = np.full((1, 8), 0.1)
    factor = np.array([1, 1, 0.5, 0.5, 2.0, 2.0, 1, 1])
    asc_post = pre * factor
    desc_post = pre * factor[::-1]
    asc_change = sar.log_ratio_db(pre, asc_post)
    assert asc_change.min() == pytest.approx(-3.01, abs=0.01)
    mean_post = sar.combine_geometries(asc_post, desc_post)
    mean_change = sar.log_ratio_db(pre, mean_post)
    # the 3 dB decrease is gone: averaging 0.5 and 2 in linear units gives 1.25 (+1 dB)
    assert np.all(mean_change > -0.01)
    assert np.abs(mean_change).max() < np.abs(asc_change).max() / 2
    stacked = sar.combine_geometries(asc_post, desc_post, how="stack")
    assert stacked.shape == (2, 1, 8)


def test_combine_geometries_fills_masked_pixels_and_checks_shapes():
    out = sar.combine_geometries(np.array([np.nan, 0.2]), np.array([0.4, np.nan]))
    np.testing.assert_allclose(out, [0.4, 0.2])
    with pytest.raises(ValueError, match="same shape"):
        sar.combine_geometries(np.ones((2, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="how"):
        sar.combine_geometries(np.ones(2), np.ones(2), how="median")


def test_look_direction_edges_mirror_between_geometries():
    mask = np.zeros((20, 20), bool)
    mask[5:15, 8:12] = True
    near_asc, far_asc = sar.look_direction_edges(mask, 78.0, near_width=2, far_width=2)  # east
    near_desc, far_desc = sar.look_direction_edges(mask, 282.0, near_width=2, far_width=2)
    assert not (near_asc & ~mask).any() and not (far_asc & mask).any()
    assert set(np.nonzero(near_asc)[1]) == {8, 9} and set(np.nonzero(far_asc)[1]) == {12, 13}
    assert set(np.nonzero(near_desc)[1]) == {10, 11} and set(np.nonzero(far_desc)[1]) == {6, 7}
    with pytest.raises(ValueError, match="2-D"):
        sar.look_direction_edges(np.zeros(5, bool), 78.0)
    with pytest.raises(ValueError, match="near_width"):
        sar.look_direction_edges(mask, 78.0, near_width=-1)


def test_look_direction_edges_match_the_generator_widths():
    """Defaults: 2 pixels darkened inside the near edge, 3 brightened beyond the far edge."""
    from course_lib.simulator import sentinel1

    assert (sar.NEAR_EDGE_PIXELS, sar.FAR_BAND_PIXELS) == (sentinel1.NEAR_EDGE_PX,
                                                           sentinel1.FAR_BAND_PX)
    mask = np.zeros((20, 24), bool)
    mask[5:15, 8:16] = True
    near, far = sar.look_direction_edges(mask, 80.0)          # ascending, looks east
    middle = slice(6, 14)                                      # rows away from the corners
    assert set(np.nonzero(near[middle])[1]) == {8, 9}
    assert set(np.nonzero(far[middle])[1]) == {16, 17, 18}


# ---- Vollrath slope correction ------------------------------------------------------------

def test_look_azimuth_from_heading():
    assert sar.look_azimuth_from_heading(-12.0) == pytest.approx(78.0)
    assert sar.look_azimuth_from_heading(192.0) == pytest.approx(282.0)
    assert sar.look_azimuth_from_heading(0.0, right_looking=False) == pytest.approx(270.0)


def test_flat_terrain_scf_is_one_and_gamma0_is_sigma0_over_cos_theta():
    sigma0 = np.full((2, 4, 5), 0.05)
    flat = np.zeros((4, 5))
    aspect = np.full((4, 5), np.nan)  # flat cells often have no aspect
    result = sar.radiometric_slope_correction(sigma0, flat, aspect, 38.0, 80.0)
    np.testing.assert_allclose(result.scf, 1.0)
    np.testing.assert_allclose(result.gamma0, 0.05 / np.cos(np.radians(38.0)))
    assert not result.layover.any() and not result.shadow.any()


def test_sign_convention_of_range_slope():
    look_east = 90.0  # ascending-like: the sensor is west of the scene
    assert sar.range_slope_angle(np.array(20.0), np.array(270.0), look_east) == pytest.approx(20)
    assert sar.range_slope_angle(np.array(20.0), np.array(90.0), look_east) == pytest.approx(-20)
    # a slope facing north is seen side-on: no range slope
    assert sar.range_slope_angle(np.array(20.0), np.array(0.0), look_east) == pytest.approx(
        0, abs=1e-9)


def test_foreslope_is_darkened_and_backslope_brightened():
    sigma0 = np.full((1, 2), 0.1)
    slope = np.array([[25.0, 25.0]])
    aspect = np.array([[270.0, 90.0]])  # west-facing (towards the sensor), east-facing (away)
    result = sar.radiometric_slope_correction(sigma0, slope, aspect, 38.0, 90.0)
    flat_gamma0 = 0.1 / np.cos(np.radians(38.0))
    assert result.scf[0, 0] > 1 > result.scf[0, 1]
    assert result.gamma0[0, 0] < flat_gamma0 < result.gamma0[0, 1]


def test_steep_slope_facing_the_sensor_is_layover():
    theta = 35.0
    slope = np.array([[40.0, 30.0]])
    aspect = np.array([[270.0, 270.0]])  # facing a sensor that looks east
    result = sar.radiometric_slope_correction(np.full((1, 2), 0.1), slope, aspect, theta, 90.0)
    assert result.layover.tolist() == [[True, False]]
    assert not result.shadow.any()
    assert np.isnan(result.gamma0[0, 0]) and np.isfinite(result.gamma0[0, 1])


def test_steep_slope_facing_away_is_shadow():
    theta = 35.0  # shadow needs a back slope steeper than 90 - 35 = 55 degrees
    slope = np.array([[60.0, 50.0]])
    aspect = np.array([[90.0, 90.0]])
    result = sar.radiometric_slope_correction(np.full((1, 2), 0.1), slope, aspect, theta, 90.0)
    assert result.shadow.tolist() == [[True, False]]
    assert not result.layover.any()
    unmasked = sar.radiometric_slope_correction(np.full((1, 2), 0.1), slope, aspect, theta,
                                                90.0, mask=False)
    assert np.isfinite(unmasked.gamma0[0, 1])


def test_slope_correction_bad_input_and_nan():
    sigma0 = np.full((2, 4, 4), 0.1)
    with pytest.raises(ValueError, match="must match"):
        sar.radiometric_slope_correction(sigma0, np.zeros((4, 5)), np.zeros((4, 5)), 35, 80)
    with pytest.raises(ValueError, match="decibels"):
        sar.radiometric_slope_correction(sigma0 - 20, np.zeros((4, 4)), np.zeros((4, 4)), 35, 80)
    with pytest.raises(ValueError, match="between 0 and 90"):
        sar.radiometric_slope_correction(sigma0, np.full((4, 4), 100.0), np.zeros((4, 4)), 35, 80)
    with pytest.raises(ValueError, match="radians"):
        sar.radiometric_slope_correction(sigma0, np.zeros((4, 4)), np.zeros((4, 4)), 0.6, 80)
    slope = np.full((4, 4), 10.0)
    slope[0, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = sar.radiometric_slope_correction(sigma0, slope, np.zeros((4, 4)), 35, 80)
    assert np.isnan(result.gamma0[:, 0, 0]).all() and np.isfinite(result.gamma0[:, 1, 1]).all()
    assert not result.layover[0, 0] and not result.shadow[0, 0]


def test_incidence_angle_may_vary_across_range():
    theta = np.tile(np.linspace(30.0, 45.0, 6), (3, 1))
    result = sar.radiometric_slope_correction(np.full((3, 6), 0.1), np.zeros((3, 6)),
                                              np.zeros((3, 6)), theta, 80.0)
    np.testing.assert_allclose(result.gamma0, 0.1 / np.cos(np.radians(theta)))


# ---- pipeline on a small simulated study area -------------------------------------------------

@pytest.fixture(scope="module")
def small_area():
    from course_lib.simulator import StudyAreaParams, generate_in_memory

    return generate_in_memory(StudyAreaParams(size=128, n_landslides=6))


def test_study_area_s1_composite_masks_layover_and_flattens_terrain(small_area):
    corrected = study_area_s1_composite(small_area, "asc", "pre")
    raw = study_area_s1_composite(small_area, "asc", "pre", slope_correction=False)
    assert corrected.shape == raw.shape == (2, 128, 128)
    assert np.isnan(corrected).any() and not np.isnan(raw).any()
    # the correction removes most of the brightness that comes from facing the sensor
    alpha_r = sar.range_slope_angle(small_area["slope"].data[0], small_area["aspect"].data[0],
                                    small_area["s1_asc_pre"].attrs["look_azimuth_deg"])
    ok = np.isfinite(corrected[0]) & (np.abs(alpha_r) < 25)
    r_raw = np.corrcoef(sar.to_db(raw[0][ok]), alpha_r[ok])[0, 1]
    r_cor = np.corrcoef(sar.to_db(corrected[0][ok]), alpha_r[ok])[0, 1]
    assert abs(r_cor) < abs(r_raw)
    filtered = study_area_s1_composite(small_area, "asc", "pre", lee_window=5)
    both = np.isfinite(filtered[0]) & np.isfinite(corrected[0])
    assert np.std(sar.to_db(filtered[0][both])) < np.std(sar.to_db(corrected[0][both]))
    with pytest.raises(ValueError, match="geometry"):
        study_area_s1_composite(small_area, "north", "pre")
    with pytest.raises(ValueError, match="period"):
        study_area_s1_composite(small_area, "asc", "during")


# ---- refined Lee ----------------------------------------------------------------------------

def test_refined_lee_windows_are_halves_with_the_centre():
    windows = _refined_lee_windows()
    assert len(windows) == 8
    assert all(w.sum() == 28 and w[3, 3] == 1 for w in windows)


def test_refined_lee_keeps_constant_images_and_nan():
    image = np.full((2, 12, 12), 0.05, dtype=np.float32)
    out = sar.refined_lee_filter(image)
    assert out.dtype == np.float32 and out.shape == image.shape
    np.testing.assert_allclose(out, image, rtol=1e-6)
    rng = np.random.default_rng(6)
    speckled = rng.gamma(4.4, 0.1 / 4.4, size=(30, 30))
    speckled[5:8, 5:8] = np.nan
    out = sar.refined_lee_filter(speckled)
    assert np.isnan(out[5:8, 5:8]).all() and np.isfinite(out[~np.isnan(speckled)]).all()


def test_refined_lee_preserves_edges_better_than_lee():
    rng = np.random.default_rng(7)
    truth = np.full((120, 120), 0.02)
    truth[:, 60:] = 0.5  # a 14 dB step, like forest next to a lake
    speckled = truth * rng.gamma(4.4, 1 / 4.4, truth.shape)
    near_edge = (slice(10, 110), slice(56, 64))
    flat = (slice(10, 110), slice(80, 115))

    def error_db(x, where):
        return np.mean(np.abs(sar.to_db(x[where]) - sar.to_db(truth[where])))

    refined = sar.refined_lee_filter(speckled, looks=4.4)
    basic = sar.lee_filter(speckled, window=7, looks=4.4)
    assert error_db(refined, near_edge) < 0.75 * error_db(basic, near_edge)
    assert error_db(refined, near_edge) < error_db(speckled, near_edge)
    # still a real speckle filter in flat areas (a 28-pixel half window)
    assert sar.equivalent_number_of_looks(refined[flat]) > 10 * 4.4
    assert refined[flat].mean() == pytest.approx(speckled[flat].mean(), rel=0.02)


def test_refined_lee_bad_input():
    with pytest.raises(ValueError, match="7 x 7"):
        sar.refined_lee_filter(np.ones((5, 5)))
    with pytest.raises(ValueError, match="decibels"):
        sar.refined_lee_filter(np.full((8, 8), -3.0))
    with pytest.raises(ValueError, match="positive"):
        sar.refined_lee_filter(np.ones((8, 8)), looks=-1)


def test_lee_filter_in_the_composite_gets_data_with_the_enl_it_assumes(monkeypatch):
    """The Lee filter's ENL must describe the image it filters.

    A single date has ENL 4.4; the median of three dates about 9.5. Filtering the median
    with looks=4.4 (the old code) over-smooths; filtering each date keeps the assumption.
    """
    from types import SimpleNamespace

    rng = np.random.default_rng(3)
    looks = 4.4
    speckled = rng.gamma(looks, 0.1 / looks, size=(3, 2, 64, 64)).astype(np.float32)
    stack = SimpleNamespace(data=speckled, attrs={"look_azimuth_deg": 80.0,
                                                  "speckle_looks": looks})
    seen = []
    real_lee = sar.lee_filter

    def recording_lee(image, window=7, looks=sar.S1_IW_GRDH_ENL):
        seen.append((sar.equivalent_number_of_looks(image), looks))
        return real_lee(image, window=window, looks=looks)

    monkeypatch.setattr(pipeline_sentinel1, "lee_filter", recording_lee)
    out = study_area_s1_composite({"s1_asc_pre": stack}, "asc", "pre",
                                      slope_correction=False, lee_window=5)
    assert out.shape == (2, 64, 64) and out.dtype == np.float32
    assert seen, "the Lee filter was not used"
    for measured, assumed in seen:
        assert measured == pytest.approx(assumed, rel=0.15), (
            f"Lee filter told ENL {assumed} for data with ENL {measured:.1f}")
    assert STAGE_VERSIONS["s1_composites"] >= 2
