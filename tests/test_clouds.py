"""Unit tests for course_lib.clouds: SCL, CFmask, DN conversion, s2cloudless, shadow projection."""

import numpy as np
import pytest

from course_lib import clouds
from course_lib.data import sentinel2


def test_scl_masks_default_classes():
    scl = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)   # (time, 1, rows, cols)
    m = clouds.scl_masks(scl)
    assert m.cloud.shape == (1, 3, 4)
    flat = {name: np.flatnonzero(getattr(m, name)).tolist()
            for name in ("cloud", "shadow", "snow", "nodata", "clear")}
    assert flat == {"cloud": [8, 9, 10], "shadow": [3], "snow": [11], "nodata": [0, 1],
                    "clear": [2, 4, 5, 6, 7]}
    fractions = m.fractions()
    assert fractions["cloud"] == pytest.approx(3 / 12)


def test_scl_masks_selectable_classes_and_errors():
    scl = np.array([[10, 8, 2]], np.uint8)
    m = clouds.scl_masks(scl, cloud=(8, 9), shadow=(2, 3))
    assert m.cloud.tolist() == [[False, True, False]]
    assert m.shadow.tolist() == [[False, False, True]]
    with pytest.raises(ValueError, match="not SCL classes"):
        clouds.scl_masks(scl, cloud=(12,))
    with pytest.raises(ValueError, match="one classification band"):
        clouds.scl_masks(np.zeros((2, 3, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="integer class codes"):
        clouds.scl_masks(np.array([[0.5, 4.0]]))


def test_fmask_masks_codes_and_reflectance_nodata():
    fmask = np.array([[[0, 1, 2], [3, 4, 255]]], np.uint8)           # (time, rows, cols)
    refl = np.full((1, 3, 2, 3), 0.1, np.float32)                     # (time, bands, r, c)
    refl[0, 1, 0, 0] = np.nan                                         # clear code but no value
    m = clouds.fmask_masks(fmask, refl)
    assert m.clear.tolist() == [[[False, True, False], [False, False, False]]]
    assert m.cloud[0, 1, 1] and m.shadow[0, 0, 2] and m.snow[0, 1, 0] and m.nodata[0, 1, 2]
    assert not clouds.fmask_masks(fmask, water_is_clear=False).clear[0, 0, 1]
    with pytest.raises(ValueError, match="not CFmask codes"):
        clouds.fmask_masks(np.array([[5]]))
    with pytest.raises(ValueError, match="does not match"):
        clouds.fmask_masks(fmask, refl[:, :, :1])


def test_fmask_codes_in_bundled_landsat():
    from course_lib.data.samples import load_landsat_series

    refl, fmask = load_landsat_series()
    assert set(np.unique(fmask).tolist()) <= {0, 1, 2, 3, 4, 255}
    m = clouds.fmask_masks(fmask, refl.data)
    assert 0.2 < m.clear.mean() < 0.95 and m.cloud.any() and m.snow.any()


def test_dn_to_reflectance_baselines():
    dn = np.array([0, 1000, 1500, 11000], np.uint16)
    new = sentinel2.dn_to_reflectance(dn, "04.00")
    old = sentinel2.dn_to_reflectance(dn, "02.04")
    assert np.isnan(new[0]) and np.isnan(old[0])
    np.testing.assert_allclose(new[1:], [0.0, 0.05, 1.0], atol=1e-7)
    np.testing.assert_allclose(old[1:], [0.1, 0.15, 1.1], atol=1e-7)
    assert new.dtype == np.float32
    with pytest.raises(ValueError, match="look like reflectance"):
        sentinel2.dn_to_reflectance(np.array([0.1, 0.2]), "04.00")
    # The product-name form is read as two digits of major and two of minor version.
    np.testing.assert_array_equal(sentinel2.dn_to_reflectance(dn, "N0400"), new)
    np.testing.assert_array_equal(sentinel2.dn_to_reflectance(dn, "0204"), old)
    with pytest.raises(ValueError, match="processing_baseline"):
        sentinel2.dn_to_reflectance(dn, "baseline four")


def test_dn_to_reflectance_accepts_the_baseline_as_in_the_product_name():
    """'N0400' (as in S2A_MSIL1C_..._N0400_...) means baseline 04.00: the offset applies."""
    dn = np.array([1500, 11000], np.uint16)
    np.testing.assert_array_equal(sentinel2.dn_to_reflectance(dn, "N0400"),
                                  sentinel2.dn_to_reflectance(dn, "04.00"))
    np.testing.assert_array_equal(sentinel2.dn_to_reflectance(dn, "N0204"),
                                  sentinel2.dn_to_reflectance(dn, "02.04"))


def test_s2cloudless_input_arranges_band_last_and_checks():
    names = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10",
             "B11", "B12")
    cube = np.stack([np.full((2, 3), i / 100, np.float32) for i in range(13)])
    x = clouds.s2cloudless_input(cube, names)
    assert x.shape == (1, 2, 3, 10)
    expected = [names.index(b) / 100 for b in clouds.S2CLOUDLESS_BANDS]
    np.testing.assert_allclose(x[0, 0, 0], expected, rtol=1e-6)
    with pytest.raises(ValueError, match="10 bands"):
        clouds.s2cloudless_input(cube)                     # 13 bands without names
    with pytest.raises(ValueError, match="missing"):
        clouds.s2cloudless_input(cube[:12], names[:12])
    with pytest.raises(ValueError, match="digital numbers"):
        clouds.s2cloudless_input(cube[:10] * 10000 + 500)
    with pytest.raises(ValueError, match=r"\(N, rows, cols, 10\)"):
        clouds.s2cloudless_probability(np.zeros((2, 3, 10), np.float32))


def test_s2cloudless_mask_postprocessing():
    prob = np.zeros((1, 21, 21), np.float32)
    prob[0, 10, 10] = 1.0
    assert clouds.s2cloudless_mask(prob, 0.4, 0, 0).sum() == 1
    assert clouds.s2cloudless_mask(prob, 0.4, 0, 2).sum() > 9           # dilated
    assert clouds.s2cloudless_mask(prob, 0.4, 4, 0).sum() == 0           # averaged away
    assert clouds.s2cloudless_mask(prob[0], 0.4, 0, 0).shape == (21, 21)
    with pytest.raises(ValueError, match="threshold"):
        clouds.s2cloudless_mask(prob, 40)


def test_s2cloudless_on_real_l1c_scene_is_neither_empty_nor_full():
    from course_lib.data.samples import load_sentinel2_l1c

    s2 = load_sentinel2_l1c(bands=clouds.S2CLOUDLESS_BANDS, resolution=60)
    prob = clouds.s2cloudless_probability(clouds.s2cloudless_input(s2.data))
    mask = clouds.s2cloudless_mask(prob, **clouds.S2CLOUDLESS_DEFAULTS)
    assert prob.shape == (1,) + s2.shape and np.nanmax(prob) <= 1
    assert 0.02 < mask.mean() < 0.98, f"cloud fraction {mask.mean():.3f}"


def test_project_clouds_direction():
    cloud = np.zeros((21, 21), bool)
    cloud[10, 10] = True
    # Sun in the south (azimuth 180): the shadow falls north, to smaller row numbers.
    proj = clouds.project_clouds(cloud, 180.0, 50.0, 10.0)
    assert proj[5:11, 10].all() and not proj[11:, 10].any() and not proj[:4, 10].any()
    # Sun in the south-east (135): shadow to the north-west.
    proj = clouds.project_clouds(cloud, 135.0, 50.0, 10.0)
    assert proj[7, 7] and not proj[13, 13]
    with pytest.raises(ValueError, match="2-D"):
        clouds.project_clouds(cloud[None], 180.0, 50.0, 10.0)


def test_cloud_shadow_mask_finds_dark_pixels_behind_cloud():
    rows = cols = 60
    cloud = np.zeros((rows, cols), bool)
    cloud[35:45, 25:35] = True                       # a cloud south of the shadow
    nir = np.full((rows, cols), 0.3, np.float32)
    nir[25:35, 25:35] = 0.05                         # its shadow, north of it (sun in the south)
    nir[5:10, 50:55] = 0.05                          # dark but nowhere near a cloud
    water = np.zeros((rows, cols), bool)
    water[25:28, 25:35] = True                       # a dark lake inside the projection
    out = clouds.cloud_shadow_mask(cloud, nir, solar_azimuth=180.0, pixel_size=10.0,
                                   water=water, max_distance_m=200.0, erode_m=0.0,
                                   buffer_m=0.0)
    assert out.shadow[28:35, 25:35].all()
    assert not out.shadow[25:28].any(), "water is never shadow"
    assert not out.shadow[5:10, 50:55].any(), "dark pixels away from clouds are not shadow"
    assert (out.mask == (cloud | out.shadow)).all()


def test_cloud_shadow_mask_erodes_specks_and_buffers():
    cloud = np.zeros((40, 40), bool)
    cloud[5, 5] = True                               # a one-pixel speck
    cloud[20:30, 20:30] = True
    nir = np.full((40, 40), 0.3, np.float32)
    out = clouds.cloud_shadow_mask(cloud, nir, 180.0, 10.0, erode_m=20.0, buffer_m=50.0)
    assert not out.mask[5, 5], "erosion removes specks"
    # the 10 x 10 block (rows/cols 20-29) erodes by 2 px to 22-27, then grows by 2 + 5 px to
    # 15-34: the block itself plus the 50 m buffer
    assert out.mask[15, 25] and out.mask[25, 34], "dilation buffers by 50 m = 5 px"
    assert not out.mask[14, 25] and not out.mask[25, 35]
    assert out.mask[20:30, 20:30].all()
    with pytest.raises(ValueError, match="same"):
        clouds.cloud_shadow_mask(cloud, nir[:10], 180.0, 10.0)
    with pytest.raises(ValueError, match="digital numbers"):
        clouds.cloud_shadow_mask(cloud, nir * 10000, 180.0, 10.0)


def test_scl_classes_defined_once():
    """One SCL_CLASSES, in clouds, used by the simulated world and the plots."""
    from course_lib.simulator import SCL_CLASSES as world_classes
    from course_lib.viz import study_area_plots

    assert world_classes is sentinel2.SCL_CLASSES
    assert study_area_plots.SCL_CLASSES is sentinel2.SCL_CLASSES
    assert sentinel2.SCL_CLASSES[3] == "cloud shadows"      # ESA's name for class 3


@pytest.mark.parametrize("pixel_size", [10.0, 20.0, 60.0])
def test_buffered_mask_contains_every_region_larger_than_the_erosion(pixel_size):
    """Erode-then-dilate must never shrink a real cloud or shadow (only drop specks).

    With the erosion in pixels and a dilation of only BUFFER, the final mask at 20 and 60 m
    was an opening: smaller than the clouds it started from.
    """
    erode_px = int(round(40.0 / pixel_size))                 # the default erode_m = 40 m
    side = 2 * erode_px + 1                                  # the erosion element's size
    rng = np.random.default_rng(int(pixel_size))
    cloud = np.zeros((90, 90), bool)
    regions = []
    for top, left in [(5, 5), (5, 50), (45, 10), (50, 55)]:
        h, w = rng.integers(side, side + 12, size=2)
        cloud[top:top + h, left:left + w] = True            # rectangles at least one element
        regions.append((top, left, h, w))
    yy, xx = np.mgrid[:90, :90]
    cloud |= (yy - 75) ** 2 + (xx - 30) ** 2 <= (side / 2 + 2) ** 2   # and a disk
    speck = (85, 85)
    cloud[speck] = True
    nir = np.full(cloud.shape, 0.3, np.float32)
    out = clouds.cloud_shadow_mask(cloud, nir, 180.0, pixel_size)
    big = cloud.copy()
    big[speck] = False
    assert out.mask[big].all(), (f"{pixel_size} m: {np.sum(big & ~out.mask)} cloud pixels "
                                 "lost by the buffer step")
    if erode_px > 0:
        assert not out.mask[speck], "a one-pixel speck is still removed"


def test_s2cloudless_settings_keep_one_ground_distance():
    assert clouds.s2cloudless_settings(60) == clouds.S2CLOUDLESS_DEFAULTS
    for pixel in (10, 20, 60):
        s = clouds.s2cloudless_settings(pixel)
        assert s["average_over"] * pixel == pytest.approx(clouds.S2CLOUDLESS_AVERAGE_M, rel=0.1)
        assert s["dilation_size"] * pixel == pytest.approx(clouds.S2CLOUDLESS_DILATION_M,
                                                           rel=0.1)
    with pytest.raises(ValueError, match="pixel_size"):
        clouds.s2cloudless_settings(0)


def test_shadow_projection_distance_from_sun_elevation():
    assert clouds.shadow_projection_distance(45.0, 1000.0) == pytest.approx(1000.0)
    assert clouds.shadow_projection_distance(23.0, 1000.0) == pytest.approx(2356, abs=1)
    # the simulated world's clouds (1-3 km) under a July sun reach past the 1 km default
    assert clouds.shadow_projection_distance(47.0) > clouds.DEFAULT_SHADOW_DISTANCE_M
    with pytest.raises(ValueError, match="sun_elevation"):
        clouds.shadow_projection_distance(-5.0)
