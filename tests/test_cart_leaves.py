"""course_lib.cart.leaves: which training points decide a tree's landslide pixels."""

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from course_lib import cart
from course_lib.cart.leaves import leaf_report
from course_lib.data.raster import Raster


def small_world():
    """Two bands on 40 x 40 pixels: landslides are bright in band a, water dark in band b."""
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 0.4, (40, 40))
    b = rng.uniform(0.3, 1.0, (40, 40))
    a[5:15, 5:15] = rng.uniform(0.7, 1.0, (10, 10))       # a landslide
    b[25:35, 25:35] = rng.uniform(0.0, 0.2, (10, 10))     # a lake
    a[0, 30:40] = 0.9                                     # landslide-like: a false alarm row
    data = np.stack([a, b]).astype(np.float32)
    data[:, 39, 0] = np.nan
    truth = np.zeros((40, 40), np.uint8)
    truth[5:15, 5:15] = 1
    stack = Raster(data=data, transform=Affine(10, 0, 0, 0, -10, 400), crs="EPSG:32632",
                   band_names=("a", "b"))
    table = pd.DataFrame({"a": [0.8, 0.9, 0.75, 0.1, 0.2, 0.3, 0.1],
                          "b": [0.6, 0.5, 0.7, 0.1, 0.15, 0.6, 0.8],
                          "class_name": ["landslide"] * 3 + ["water"] * 2 + ["forest"] * 2,
                          "label_id": [11, 12, 13, 21, 22, 31, 32]})
    return stack, truth, table


def test_leaf_report_counts_the_pixels_each_landslide_point_decides():
    stack, truth, table = small_world()
    classifier = cart.fit_pixel_classifier(table, ["a", "b"], cart.make_cart())
    report = leaf_report(classifier, table, stack, truth)
    raw = classifier.predict_landslides(stack, focal_window=1)
    # every landslide pixel of the (unfiltered) map is in exactly one landslide leaf
    assert report.leaves["pixels"].sum() == int(np.nansum(raw))
    assert report.leaves["share"].sum() == pytest.approx(1.0)
    assert sorted(p for ps in report.leaves["points"] for p in ps) == [11, 12, 13]
    assert (report.leaves["true"] + report.leaves["false_alarms"] == report.leaves["pixels"]).all()
    assert report.leaves["true"].sum() == int(np.nansum(raw * truth))
    # the row of bright pixels is among the false alarms
    assert report.leaves["false_alarms"].sum() >= 10
    # the point table: one row per point, its leaf's class and pixels
    assert report.points["id"].tolist() == table["label_id"].tolist()
    landslide_rows = report.points[report.points["class"] == "landslide"]
    assert (landslide_rows["leaf_class"] == "landslide").all()   # pure leaves
    assert (report.points.loc[report.points["class"] != "landslide", "landslide_pixels"] == 0).all()
    # the leaf map: NaN where a band is NaN, a leaf of the tree elsewhere
    assert np.isnan(report.leaf_map[39, 0])
    assert set(np.unique(report.leaf_map[np.isfinite(report.leaf_map)]).astype(int)) <= set(
        np.flatnonzero(classifier.estimator.tree_.children_left == -1))
    assert "landslide leaves make the" in report.text() and "#11" in report.text()


def test_valid_mask_and_bad_inputs():
    stack, truth, table = small_world()
    classifier = cart.fit_pixel_classifier(table, ["a", "b"], cart.make_cart())
    valid = np.ones((40, 40), bool)
    valid[:, 20:] = False
    half = leaf_report(classifier, table, stack, valid=valid)
    assert "true" not in half.leaves.columns
    assert half.leaves["pixels"].sum() < leaf_report(classifier, table, stack).leaves[
        "pixels"].sum()
    forest = cart.fit_pixel_classifier(table, ["a", "b"], cart.make_random_forest(5))
    with pytest.raises(TypeError, match="decision tree"):
        leaf_report(forest, table, stack)
    with pytest.raises(ValueError, match="lacks the columns"):
        leaf_report(classifier, table.drop(columns="b"), stack)
    with pytest.raises(ValueError, match="truth has shape"):
        leaf_report(classifier, table, stack, truth[:10])
