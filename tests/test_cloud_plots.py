"""The widget callbacks and figures of notebook 01 (course_lib.viz.cloud_plots / composite_plots)."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_lib import clouds
from course_lib.viz import cloud_plots, composite_plots

matplotlib.use("Agg")


def _prob_and_rgb():
    yy, xx = np.mgrid[:40, :50]
    prob = np.clip(1.2 - np.hypot(yy - 20, xx - 25) / 10, 0, 1).astype(np.float32)
    rgb = cloud_plots.rgb_image(np.stack([prob, prob, prob]) * 0.3)
    return prob, rgb


def test_s2cloudless_explorer_fraction_follows_parameters():
    prob, rgb = _prob_and_rgb()
    fig, low = cloud_plots.s2cloudless_explorer(prob, rgb, threshold=0.2, average_over=0,
                                                dilation_size=0)
    _, high = cloud_plots.s2cloudless_explorer(prob, rgb, threshold=0.8, average_over=0,
                                               dilation_size=0)
    _, dilated = cloud_plots.s2cloudless_explorer(prob, rgb, threshold=0.8, average_over=0,
                                                  dilation_size=3)
    assert isinstance(fig, Figure)
    assert 0 < high < low < 1 and dilated > high
    assert low == pytest.approx(float((prob > 0.2).mean()))
    with pytest.raises(ValueError, match="match"):
        cloud_plots.s2cloudless_explorer(prob[:10], rgb)


def test_cloud_fraction_curve_is_decreasing():
    prob, _ = _prob_and_rgb()
    fig, numbers = cloud_plots.cloud_fraction_curve(prob, [0.2, 0.5, 0.8], 0, 0)
    assert isinstance(fig, Figure)
    assert numbers["raw"][0] > numbers["raw"][1] > numbers["raw"][2]


def test_mask_figures():
    scl = np.full((3, 20, 30), 4, np.uint8)
    scl[0, :5] = 9
    scl[1, 5:8] = 3
    scl[2, 10:12] = 11
    masks = clouds.scl_masks(scl)
    rgb = np.zeros((20, 30, 3), np.float32)
    one = clouds.CloudMasks(*(getattr(masks, n)[0] for n in ("cloud", "shadow", "snow", "nodata")))
    assert isinstance(cloud_plots.mask_overlay_figure(rgb, one, "t"), Figure)
    assert isinstance(cloud_plots.mask_timeline_figure(["a", "b", "c"], masks), Figure)
    with pytest.raises(ValueError, match="dates"):
        cloud_plots.mask_timeline_figure(["a"], masks)
    with pytest.raises(ValueError, match="one date"):
        cloud_plots.mask_overlay_figure(rgb, masks)


def test_shadow_projection_figure():
    cloud = np.zeros((30, 30), bool)
    cloud[15:20, 10:20] = True
    nir = np.full((30, 30), 0.3, np.float32)
    nir[8:15, 10:20] = 0.05
    result = clouds.cloud_shadow_mask(cloud, nir, 180.0, 10.0, max_distance_m=100.0)
    fig = cloud_plots.shadow_projection_figure(np.zeros((30, 30, 3)), result, 180.0, "t")
    assert isinstance(fig, Figure) and len(fig.axes) == 6


def _series():
    rng = np.random.default_rng(3)
    stack = rng.uniform(0.02, 0.4, (5, 3, 12, 14)).astype(np.float32)
    clear = rng.random((5, 12, 14)) > 0.3
    dates = np.array(["2010-06-01", "2010-06-17", "2010-07-03", "2010-07-19", "2010-08-04"],
                     dtype="datetime64[D]")
    return stack, clear, dates


def test_composite_window_explorer_numbers():
    stack, clear, dates = _series()
    fig, numbers = composite_plots.composite_window_explorer(
        stack, clear, dates, "2010-06-10", "2010-08-01", rgb_bands=[2, 1, 0], red_band=0,
        nir_band=1)
    assert isinstance(fig, Figure)
    assert numbers["n_dates"] == 3
    assert numbers["clear_fraction"] == pytest.approx(clear[1:4].mean())
    assert numbers["mean_abs_difference"] >= 0


def test_composite_window_explorer_empty_window_is_undefined_not_an_error():
    stack, clear, dates = _series()
    fig, numbers = composite_plots.composite_window_explorer(
        stack, clear, dates, "2011-01-01", "2011-02-01", [2, 1, 0], 0, 1)
    assert numbers["n_dates"] == 0 and np.isnan(numbers["clear_fraction"])
    with pytest.raises(ValueError, match="before it starts"):
        composite_plots.dates_in_window(dates, "2010-08-01", "2010-06-01")


def test_landsat_composite_explorer_on_real_series():
    fig, numbers = composite_plots.landsat_composite_explorer("2010-06-01", "2010-09-30")
    assert isinstance(fig, Figure)
    assert numbers["n_dates"] >= 5 and 0 < numbers["clear_fraction"] < 1


def test_index_browser_both_catalogues():
    rng = np.random.default_rng(0)
    bands = {b: rng.uniform(0.02, 0.4, (16, 16)).astype(np.float32)
             for b in ("B02", "B03", "B04", "B08", "B11", "B12")}
    fig, numbers = composite_plots.index_browser("NDVI", bands)
    assert isinstance(fig, Figure) and numbers["undefined_fraction"] == 0
    fig, numbers = composite_plots.index_browser("EVI", bands, catalogue="spyndex")
    assert "N" in numbers["formula"]
    with pytest.raises(KeyError):
        composite_plots.index_browser("NDRE", bands, catalogue="spyndex")  # needs red edge
    with pytest.raises(ValueError, match="catalogue"):
        composite_plots.index_browser("NDVI", bands, catalogue="x")


def test_composites_figure():
    from affine import Affine
    from rasterio.crs import CRS

    from course_lib.data.raster import Raster

    names = ("B02", "B03", "B04", "B08", "B11", "B12")
    r = Raster(np.full((6, 8, 8), 0.1, np.float32), Affine(10, 0, 0, 0, -10, 80),
               CRS.from_epsg(32632), names)
    fig = composite_plots.composites_figure({"pre_median": r, "post_greenest": r})
    assert isinstance(fig, Figure)


def test_mask_timeline_places_dates_in_time():
    """Bars sit at their dates: a 2-month gap is wider than a 1-day gap."""
    from course_lib.clouds import CloudMasks

    shape = (3, 4, 4)
    masks = CloudMasks(cloud=np.zeros(shape, bool), shadow=np.zeros(shape, bool),
                       snow=np.zeros(shape, bool), nodata=np.zeros(shape, bool))
    dates = np.array(["2010-01-01", "2010-01-02", "2010-03-02"], dtype="datetime64[D]")
    fig = cloud_plots.mask_timeline_figure(dates, masks)
    bars = fig.axes[0].containers[0]
    centres = np.array([b.get_x() + b.get_width() / 2 for b in bars])
    np.testing.assert_allclose(np.diff(centres), [1.0, 59.0])
    labelled = cloud_plots.mask_timeline_figure(["a", "b", "c"], masks)   # plain labels: even
    bars = labelled.axes[0].containers[0]
    assert np.diff([b.get_x() for b in bars]).tolist() == [1.0, 1.0]
