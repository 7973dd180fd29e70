"""Tests of course_lib.viz.cart_plots: the widget callback and the figures, on fake data."""

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from matplotlib.figure import Figure
from shapely.geometry import box

from course_lib import cart as pc, metrics
from course_lib.data.raster import Raster
from course_lib.viz import cart_plots as cp

sys.path.insert(0, str(Path(__file__).parent))
from test_pixel_classifiers import BANDS, fake_world  # noqa: E402

from course_lib import postprocess


@pytest.fixture(scope="module")
def world():
    raster, klass, table = fake_world(seed=3)
    truth = (klass == 0).astype(np.uint8)
    return raster, truth, table


def test_cart_explorer_returns_the_numbers_it_shows(world):
    raster, truth, table = world
    valid = np.ones(truth.shape, bool)
    valid[:, :5] = False
    view = cp.cart_explorer({2: raster}, table, truth, setting=2, max_depth=3,
                            min_samples_leaf=2, focal_window=3, valid=valid)
    assert isinstance(view.figure, Figure)
    assert view.counts == metrics.confusion_counts(truth, view.prediction, valid)
    assert view.scores == view.counts.scores()
    assert view.classifier.estimator.get_depth() <= 3
    assert view.classifier.band_names == BANDS
    assert view.scores.mcc > 0.8                         # the fake landslide is easy
    title = view.figure.axes[1].get_title()
    assert f"MCC {view.scores.format()['mcc']}" in title
    # the paper's CART bars are drawn next to the learner's
    assert len(view.figure.axes[1].patches) == 8
    # a function of k works as well as a dict, and so does another classifier
    other = cp.cart_explorer(lambda k: raster, table, truth, setting=2,
                             estimator=pc.make_random_forest(10), focal_window=1)
    assert "RandomForestClassifier" in other.figure.texts[0].get_text()
    # points with NaN in the setting's bands are left out, and the title says so
    holes = table.copy()
    holes.loc[[0, 1], "dNDVI"] = np.nan
    view = cp.cart_explorer({2: raster}, holes, truth, setting=2)
    assert f"trained on {len(table) - 2} of {len(table)} points" in \
        view.figure.texts[0].get_text()


def test_training_points_table_and_figure(world):
    raster, _, _ = world
    rng = np.random.default_rng(0)
    n = 24
    classes = ["landslide"] * 6 + ["water"] * 9 + ["forest"] * 9
    xs = rng.uniform(1000, 1600, n)
    ys = rng.uniform(4600, 5000, n)
    aspect = np.r_[[10, 100, 190, 280, np.nan, 359], rng.uniform(0, 360, 18)]
    points = gpd.GeoDataFrame({"class_name": classes, "aspect_deg": aspect,
                               "elevation_m": rng.uniform(50, 900, n),
                               "in_shadow": rng.random(n) < 0.3},
                              geometry=gpd.points_from_xy(xs, ys), crs=raster.crs)
    table = cp.training_points_table(points)
    assert list(table.index) == ["landslide", "water", "forest", "total"]
    assert table.loc["total", "points"] == n
    assert table.loc["landslide", ["facing N", "facing E", "facing S", "facing W"]].tolist() \
        == [2, 1, 1, 1]                                  # the flat point (NaN aspect) is in none
    assert table.loc["total", "in shadow"] == points["in_shadow"].sum()
    fig = cp.plot_training_points(points, Raster(raster.data[:1], raster.transform, raster.crs,
                                                 ("elevation",)))
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    with pytest.raises(ValueError, match="in_shadow"):
        cp.training_points_table(points.drop(columns="in_shadow"))


def test_plot_tree_figure(world):
    _, _, table = world
    clf = pc.fit_pixel_classifier(table, BANDS)
    fig = cp.plot_tree_figure(clf, max_depth=1)
    assert isinstance(fig, Figure)
    assert str(pc.tree_summary(clf).n_leaves) in fig.axes[0].get_title()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert pc.tree_summary(clf).root["band"] in texts
    with pytest.raises(TypeError, match="DecisionTreeClassifier"):
        cp.plot_tree_figure(pc.fit_pixel_classifier(table, BANDS, pc.make_random_forest(3)))


def test_side_by_side_and_speckle_zoom(world):
    raster, truth, table = world
    codes, scores = {}, {}
    for name, bands in {"S1 only": BANDS[:2], "S1 and dNDVI": BANDS}.items():
        pred = pc.fit_pixel_classifier(table, bands).predict_landslides(raster)
        codes[name] = metrics.confusion_map(truth, pred)
        scores[name] = metrics.evaluate(truth, pred)
    fig = cp.plot_settings_confusion(codes, scores, extent=raster.extent, suptitle="x")
    assert [a.get_title().split("\n")[0] for a in fig.axes[:2]] == list(codes)
    region = box(1000, 4700, 1300, 5000)
    window = cp.zoom_window(region, raster.transform, raster.shape)
    rows, cols, _ = window
    assert (rows, cols) == (slice(0, 30), slice(0, 30))
    fig = cp.speckle_zoom_figure(raster.band("pre-VV"), raster.band("post-VV"), codes, window)
    fp = int(np.count_nonzero(codes["S1 only"][rows, cols] == metrics.FP))
    assert f"{fp:,} false alarms here" in fig.axes[2].get_title()


def test_classification_steps_figure(world):
    raster, truth, table = world
    clf = pc.fit_pixel_classifier(table, BANDS)
    classes = clf.predict_classes(raster)
    binary = clf.predict_landslides(raster)
    cleaned = postprocess.focal_mode(binary, 3)
    window = (slice(0, 20), slice(25, 45), [0, 20, 0, 20])
    fig = cp.plot_classification_steps(classes, clf.classes, binary, cleaned, window,
                                       truth=truth, focal_window=3)
    assert len(fig.axes) == 3
    expected = int(np.nansum(cleaned[0:20, 25:45]))
    assert fig.axes[2].get_title().endswith(f"{expected:,} landslide px")


def test_truth_outline_is_drawn_where_the_truth_is():
    truth = np.zeros((20, 20), np.uint8)
    truth[2:6, 12:16] = 1                                # top right, in map coordinates too
    codes = truth.astype(np.float32)
    window = (slice(0, 20), slice(0, 20), [1000.0, 1200.0, 4800.0, 5000.0])
    fig = cp.plot_classification_steps(codes, ["landslide"], codes, codes, window, truth=truth)
    verts = np.concatenate([p.vertices for c in fig.axes[1].collections
                            for p in c.get_paths()])
    # rows 2-6 lie 20-60 m below the top (y 4940-4980), columns 12-16 at x 1120-1160
    assert 4930 < verts[:, 1].min() and verts[:, 1].max() < 4990
    assert 1110 < verts[:, 0].min() and verts[:, 0].max() < 1170
