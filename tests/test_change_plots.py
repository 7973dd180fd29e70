"""The widget callbacks and figures of notebook 02 on small seeded arrays."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.viz import change_plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _speckled(shape=(64, 64), looks=4.4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.gamma(looks, 0.05 / looks, size=shape)


def test_db_linear_histograms_show_the_skew():
    fig, stats = change_plots.db_linear_histograms(_speckled(looks=1.0))
    assert len(fig.axes) == 2
    assert stats["skew_linear"] > 1.5 and abs(stats["skew_db"]) < stats["skew_linear"]
    # the mean of dB values is below the dB of the linear mean (Jensen's inequality)
    assert stats["mean_db"] < stats["db_of_mean_linear"]
    with pytest.raises(ValueError, match="finite"):
        change_plots.db_linear_histograms(np.full((3, 3), np.nan))


def test_lee_filter_explorer_raises_enl_more_with_a_larger_window():
    image = _speckled()
    region = (slice(8, 56), slice(8, 56))
    fig3, small = change_plots.lee_filter_explorer(image, window=3, looks=4.4, homogeneous=region)
    fig7, large = change_plots.lee_filter_explorer(image, window=7, looks=4.4, homogeneous=region)
    assert small["enl_before"] == pytest.approx(4.4, rel=0.15)
    assert large["enl_after"] > small["enl_after"] > small["enl_before"]
    assert large["std_db_after"] < large["std_db_before"]
    _, refined = change_plots.lee_filter_explorer(image, looks=4.4, homogeneous=region,
                                                  method="refined")
    assert refined["enl_after"] > 5 * refined["enl_before"]
    with pytest.raises(ValueError, match="one band"):
        change_plots.lee_filter_explorer(np.stack([image, image]))
    with pytest.raises(ValueError, match="method"):
        change_plots.lee_filter_explorer(image, method="frost")


def test_change_panels_and_geometry_comparison():
    asc = np.zeros((20, 20))
    asc[5:15, 5:10], asc[5:15, 10:15] = -3.0, 3.0
    desc = -asc
    mean = np.where(asc != 0, 1.0, 0.0)
    truth = asc != 0
    zones = {"west_edge": np.zeros_like(truth), "nowhere": np.zeros_like(truth)}
    zones["west_edge"][5:15, 5] = True
    fig, stats = change_plots.geometry_comparison(asc, desc, mean, outline=truth, zones=zones)
    assert stats["west_edge_asc"] == -3.0 and stats["west_edge_desc"] == 3.0
    assert stats["west_edge_mean"] == 1.0 and np.isnan(stats["nowhere_asc"])
    assert len([ax for ax in fig.axes if ax.get_title()]) == 3
    assert stats["decrease_share_asc"] == pytest.approx(0.5)
    assert stats["decrease_share_mean"] == 0.0 and stats["increase_share_mean"] == 0.0
    fig = change_plots.change_panels({"a": asc, "b": desc, "c": mean, "d": asc}, ncols=3,
                                     cmaps={"d": "gray"}, limits={"d": (-1.0, 0.5)})
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 4
    image = titled[3].get_images()[0]
    assert image.get_cmap().name == "gray" and image.get_clim() == (-1.0, 0.5)
    with pytest.raises(ValueError, match="at least one"):
        change_plots.change_panels({})


def test_slope_correction_panels():
    sigma0 = np.full((10, 10), -10.0)
    layover = np.zeros((10, 10), bool)
    shadow = np.zeros((10, 10), bool)
    layover[0, :5] = True
    shadow[9, :] = True
    fig = change_plots.slope_correction_panels(sigma0, sigma0 + 1, layover, shadow)
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert "5.0 %" in titles and "10.0 %" in titles


def test_log_ratio_threshold_explorer_counts_and_undefined_precision():
    change = np.zeros((10, 10))
    change[2:5, 2:5] = -4.0
    change[8, 8] = -4.0  # one false alarm
    truth = np.zeros((10, 10), bool)
    truth[2:6, 2:5] = True  # 12 true pixels, 9 found
    _, stats = change_plots.log_ratio_threshold_explorer(change, truth, -2.0)
    assert stats["precision"] == pytest.approx(9 / 10)
    assert stats["recall"] == pytest.approx(9 / 12)
    _, none = change_plots.log_ratio_threshold_explorer(change, truth, -10.0)
    assert np.isnan(none["precision"]) and none["recall"] == 0.0
    _, both = change_plots.log_ratio_threshold_explorer(-change, truth, -2.0, direction="both")
    assert both["recall"] == pytest.approx(9 / 12)
    with pytest.raises(ValueError, match="direction"):
        change_plots.log_ratio_threshold_explorer(change, truth, -2.0, direction="up")
    with pytest.raises(ValueError, match="must match"):
        change_plots.log_ratio_threshold_explorer(change, truth[:5], -2.0)


def test_binned_profile_recovers_a_linear_trend():
    rng = np.random.default_rng(5)
    x = rng.uniform(-30, 30, 5000)
    y = 0.2 * x + rng.normal(0, 0.1, x.size)
    y[:10] = np.nan
    fig, out = change_plots.binned_profile(x, {"trend": y, "flat": np.zeros_like(x)},
                                           np.arange(-30, 31, 10), "x", "y")
    np.testing.assert_allclose(out["trend"], 0.2 * out["centres"], atol=0.1)
    assert np.all(out["flat"] == 0)
    with pytest.raises(ValueError, match="same number"):
        change_plots.binned_means(np.ones(3), np.ones(4), [0, 1])


def test_change_panels_write_units_on_every_colour_bar():
    layers = {"pre-VV": np.zeros((4, 4)), "elevation": np.ones((4, 4))}
    fig = change_plots.change_panels(layers, units={"pre-VV": "dB", "elevation": "m"})
    labels = sorted(ax.get_ylabel() for ax in fig.axes[len(layers):])
    assert labels == ["dB", "m"]


def test_threshold_explorer_uses_the_colour_blind_safe_confusion_colours():
    from matplotlib.colors import to_rgb

    from course_lib.metrics import FN, FP, TP
    from course_lib.viz.evaluation_plots import CONFUSION_COLORS

    change = np.zeros((3, 3))
    change[0, 0] = change[0, 1] = -5.0            # flagged
    truth = np.zeros((3, 3), bool)
    truth[0, 0] = truth[2, 2] = True              # TP at (0, 0), FN at (2, 2), FP at (0, 1)
    fig, _ = change_plots.log_ratio_threshold_explorer(change, truth, -2.0)
    rgb = fig.axes[1].get_images()[0].get_array()
    for (r, c), code in (((0, 0), TP), ((0, 1), FP), ((2, 2), FN)):
        np.testing.assert_allclose(rgb[r, c], to_rgb(CONFUSION_COLORS[code]))
