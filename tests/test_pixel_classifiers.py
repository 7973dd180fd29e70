"""Tests of course_lib.cart on small seeded fake stacks."""

import warnings

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from rasterio.crs import CRS
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from course_lib import cart as pc, postprocess, sampling
from course_lib.data.raster import Raster

BANDS = ("pre-VV", "post-VV", "dNDVI")
CLASSES = ("landslide", "water", "forest", "bare_rock")
N_POINTS = (10, 8, 7, 6)     # unequal, so no two first splits purify the classes equally


def fake_world(seed=0, rows=40, cols=60):
    """A 3-band stack with four class regions, a landslide strip, NaN pixels, and points."""
    rng = np.random.default_rng(seed)
    klass = np.full((rows, cols), 2)                    # forest
    klass[:, : cols // 4] = 1                            # water on the left
    klass[rows // 2:, cols // 2:] = 3                    # bare rock bottom right
    klass[5:15, 30:36] = 0                               # a landslide
    means = {0: (-9.0, -14.0, -0.5), 1: (-20.0, -20.0, 0.0), 2: (-8.0, -8.0, 0.05),
             3: (-6.0, -6.0, 0.0)}
    data = np.empty((3, rows, cols), dtype=np.float32)
    for b in range(3):
        centre = np.vectorize(lambda k: means[k][b])(klass)
        data[b] = centre + rng.normal(0, 0.6 if b < 2 else 0.05, size=(rows, cols))
    data[0, 0, 0] = np.nan                               # S1 shadow at one pixel
    data[2, rows - 1, :3] = np.nan                       # never clear in S2
    raster = Raster(data, Affine(10, 0, 1000, 0, -10, 5000), CRS.from_epsg(32632), BANDS)
    points = []
    for code, name in enumerate(CLASSES):
        rr, cc = np.nonzero(klass == code)
        valid = np.isfinite(data[:, rr, cc]).all(axis=0)
        pick = rng.choice(np.flatnonzero(valid), size=N_POINTS[code], replace=False)
        for r, c in zip(rr[pick], cc[pick]):
            points.append({"id": len(points) + 1, "class_name": name,
                           **{b: float(data[i, r, c]) for i, b in enumerate(BANDS)}})
    return raster, klass, pd.DataFrame(points)


# ------------------------------------------------------------------ focal mode filter


def test_focal_mode_removes_an_isolated_pixel_and_keeps_a_block():
    m = np.zeros((20, 20), dtype=np.float32)
    m[3, 3] = 1                                          # salt
    m[10:16, 10:16] = 1                                  # a 6 x 6 landslide
    out = postprocess.focal_mode(m, 3)
    assert out[3, 3] == 0
    block = out[10:16, 10:16]
    corners = [(0, 0), (0, 5), (5, 0), (5, 5)]           # a 3 x 3 mode rounds the corners
    inner = np.ones((6, 6), bool)
    for r, c in corners:
        inner[r, c] = False
    assert block[inner].all()
    assert out.sum() == 32                               # nothing added outside the block
    hole = np.ones((9, 9), np.float32)
    hole[4, 4] = 0                                       # pepper is filled too
    assert postprocess.focal_mode(hole, 3)[4, 4] == 1


def test_focal_mode_keeps_nan_and_nan_does_not_vote():
    m = np.zeros((7, 7), dtype=np.float32)
    m[2:5, 2:5] = 1
    m[3, 3] = np.nan                                     # a hole in a landslide
    m[0, 0] = np.nan
    out = postprocess.focal_mode(m, 3)
    assert np.isnan(out[3, 3]) and np.isnan(out[0, 0])
    assert np.isnan(out).sum() == 2
    # (2, 3): 8 valid neighbours incl. itself: 5 ones, 3 zeros (the NaN centre not counted)
    assert out[2, 3] == 1
    assert out.dtype == np.float32


def test_focal_mode_window_one_is_identity_and_bad_windows_are_refused():
    m = (np.random.default_rng(1).random((8, 8)) > 0.5).astype(float)
    assert np.array_equal(postprocess.focal_mode(m, 1), m)
    for bad in (0, 2, 4, 2.5, -1):
        with pytest.raises(ValueError, match="window"):
            postprocess.focal_mode(m, bad)
    with pytest.raises(TypeError, match="window"):
        postprocess.focal_mode(m, "3")
    with pytest.raises(ValueError, match="binary"):
        postprocess.focal_mode(m * 2, 3)


# ------------------------------------------------------------------ training table


def test_training_table_with_nan_raises_clearly_or_drops_with_warning():
    raster, _, table = fake_world()
    table.loc[3, "post-VV"] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*post-VV.*id 4"):
        pc.fit_pixel_classifier(table, BANDS)
    with pytest.warns(UserWarning, match="Leaving out 1 training point"):
        clf = pc.fit_pixel_classifier(table, BANDS, on_nan="drop")
    assert sum(clf.n_points.values()) == len(table) - 1
    # a band the setting does not use may be NaN: the policy only looks at the bands used
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pc.fit_pixel_classifier(table, ["pre-VV", "dNDVI"])
    with pytest.raises(ValueError, match="on_nan"):
        pc.training_arrays(table, BANDS, on_nan="fill")


def test_training_table_errors_name_the_problem():
    _, _, table = fake_world()
    with pytest.raises(ValueError, match=r"lacks the columns \['diff-VV'\]"):
        pc.fit_pixel_classifier(table, ["pre-VV", "diff-VV"])
    with pytest.raises(ValueError, match="No training point of class 'landslide'"):
        pc.fit_pixel_classifier(table[table.class_name != "landslide"], BANDS)
    with pytest.raises(ValueError, match="empty"):
        pc.training_arrays(table.iloc[:0], BANDS)
    with pytest.raises(TypeError, match="DataFrame"):
        pc.training_arrays(table.to_numpy(), BANDS)


# ------------------------------------------------------------------ prediction


def test_chunked_prediction_equals_unchunked():
    raster, _, table = fake_world()
    for estimator in (pc.make_cart(), pc.make_random_forest(20)):
        clf = pc.fit_pixel_classifier(table, BANDS, estimator)
        whole = clf.predict_classes(raster, chunk_pixels=10 ** 9)
        for chunk in (1, 7, 59, 61, 600):
            np.testing.assert_array_equal(clf.predict_classes(raster, chunk_pixels=chunk), whole)
        np.testing.assert_array_equal(clf.landslide_score(raster, chunk_pixels=13),
                                      clf.landslide_score(raster, chunk_pixels=10 ** 9))
        # and equal to scikit-learn on the plain (pixels, bands) table
        X = raster.data.reshape(3, -1).T
        ok = np.isfinite(X).all(axis=1)
        labels = clf.estimator.predict(X[ok])
        expected = np.searchsorted(clf.estimator.classes_, labels)
        np.testing.assert_array_equal(whole.ravel()[ok], expected)


def test_prediction_is_nan_where_any_band_is_nan_and_maps_the_landslide():
    raster, klass, table = fake_world()
    clf, binary = pc.classify_stack(table, raster, focal_window=1)
    nan = ~np.isfinite(raster.data).all(axis=0)
    assert np.array_equal(np.isnan(binary), nan)
    assert set(np.unique(binary[~nan])) <= {0.0, 1.0}
    # the binary map is the landslide class of the eight-class (here four-class) map
    classes = clf.predict_classes(raster)
    assert np.array_equal(binary[~nan] == 1, classes[~nan] == clf.landslide_index)
    truth = klass == 0
    assert (binary[truth] == 1).mean() > 0.9 and (binary[~truth & ~nan] == 1).mean() < 0.05
    cleaned = clf.predict_landslides(raster, focal_window=3)
    assert np.array_equal(np.isnan(cleaned), nan)


def test_bands_are_matched_by_name_and_plain_arrays_must_match():
    raster, _, table = fake_world()
    clf = pc.fit_pixel_classifier(table, ["dNDVI", "pre-VV"])
    shuffled = raster.select(["post-VV", "dNDVI", "pre-VV"])
    np.testing.assert_array_equal(clf.predict_classes(shuffled), clf.predict_classes(raster))
    with pytest.raises(ValueError, match="trained on 2"):
        clf.predict_classes(raster.data)
    np.testing.assert_array_equal(clf.predict_classes(raster.select(["dNDVI", "pre-VV"]).data),
                                  clf.predict_classes(raster))
    with pytest.raises(ValueError, match=r"lacks the bands \['dNDVI'\]"):
        clf.predict_classes(raster.select(["pre-VV", "post-VV"]))


def test_any_sklearn_classifier_and_seeded_runs_repeat():
    raster, _, table = fake_world()
    estimator = LogisticRegression(max_iter=500)
    clf = pc.fit_pixel_classifier(table, BANDS, estimator)
    assert not hasattr(estimator, "coef_")               # the learner's object stays unfitted
    assert clf.classes == tuple(sorted(CLASSES))
    assert np.nanmean(clf.predict_landslides(raster)) > 0
    a = pc.classify_stack(table, raster, pc.make_random_forest(15))[1]
    b = pc.classify_stack(table, raster, pc.make_random_forest(15))[1]
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ explaining the tree


def test_tree_summary_and_first_split_are_computed_from_the_tree():
    _, _, table = fake_world()
    clf = pc.fit_pixel_classifier(table, BANDS)
    tree = clf.estimator
    summary = pc.tree_summary(clf)
    assert summary.depth == tree.get_depth() and summary.n_leaves == tree.get_n_leaves()
    assert len(summary.splits) == tree.tree_.node_count - summary.n_leaves
    root = summary.root
    assert root["band"] == BANDS[tree.tree_.feature[0]]
    assert root["threshold"] == pytest.approx(tree.tree_.threshold[0])
    assert sum(root["left (<=)"].values()) + sum(root["right (>)"].values()) == len(table)
    assert set(summary.bands["band"]) | set(summary.unused) == set(BANDS)
    assert summary.bands["importance"].sum() == pytest.approx(1.0)
    gains = pc.single_band_splits(table, BANDS)
    assert gains.index[0] == root["band"]                # CART picks the best single split
    assert gains["gini decrease"].is_monotonic_decreasing
    text = pc.describe_first_split(summary, gains)
    assert root["band"] in text and gains.index[1] in text
    with pytest.raises(TypeError, match="DecisionTreeClassifier"):
        pc.tree_summary(pc.fit_pixel_classifier(table, BANDS, pc.make_random_forest(5)))


def test_tree_summary_of_a_stump_and_of_a_single_leaf():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    stump = DecisionTreeClassifier(random_state=0).fit(X, ["a", "a", "b", "b"])
    s = pc.tree_summary(stump, ["x"])
    assert (s.depth, s.n_leaves) == (1, 2)
    assert s.root["left (<=)"] == {"a": 2} and s.root["right (>)"] == {"b": 2}
    assert s.root["threshold"] == pytest.approx(1.5)
    leaf = pc.tree_summary(DecisionTreeClassifier().fit(X, ["a"] * 4), ["x"])
    assert leaf.root is None and leaf.unused == ("x",)
    assert "single leaf" in pc.describe_first_split(leaf)


# ------------------------------------------------------------------ few points, single bands


def test_bootstrap_classifiers_keep_class_counts_and_repeat():
    raster, _, table = fake_world()
    fits = pc.bootstrap_classifiers(table, BANDS, 3, seed=5)
    assert len(fits) == 3
    expected = table["class_name"].value_counts().to_dict()
    assert all(f.n_points == expected for f in fits)
    again = pc.bootstrap_classifiers(table, BANDS, 3, seed=5)
    for a, b in zip(fits, again):
        np.testing.assert_array_equal(a.predict_classes(raster), b.predict_classes(raster))
    with pytest.raises(ValueError, match="n_resamples"):
        pc.bootstrap_classifiers(table, BANDS, 0)


def test_band_separability_ranks_the_informative_band_first():
    raster, klass, _ = fake_world()
    truth = (klass == 0).astype(np.uint8)
    table = pc.band_separability(raster, truth)
    assert table.index[0] == "dNDVI"                     # -0.5 vs ~0 with spread ~0.05
    on = raster.band("dNDVI")[(truth == 1)]
    assert table.loc["dNDVI", "mean landslide"] == pytest.approx(np.nanmean(on), rel=1e-5)
    assert table.loc["dNDVI", "separation"] < -3
    valid = np.zeros(truth.shape, bool)
    valid[:, :20] = True                                 # no landslide pixel in view
    assert table.index.tolist() != [] and np.isnan(
        pc.band_separability(raster, truth, valid)["separation"]).all()


# ------------------------------------------------------------------ on course_lib.pipeline.layers


@pytest.fixture(scope="module")
def small_area(tmp_path_factory):
    """A small simulated world in memory; its layers are cached in a temporary folder."""
    from course_lib.simulator import StudyAreaParams, generate_in_memory

    mp = pytest.MonkeyPatch()
    mp.setenv("COURSE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield generate_in_memory(StudyAreaParams(size=128, n_landslides=8))
    mp.undo()


def test_each_setting_stack_has_the_papers_bands_in_order(small_area):
    from course_lib.pipeline import layers

    paper = {  # Ganerød, Lindsay et al. 2023, Table 1, typed here on purpose
        1: ["pre-VV", "post-VV", "diff-VV", "pre-VH", "post-VH", "diff-VH", "post-R", "post-G",
            "post-B", "post-NIR", "dNDVI", "elevation", "slope"],
        2: ["pre-VV", "post-VV", "dNDVI"],
        3: ["pre-VV", "post-VV"],
        4: ["post-R", "post-G", "post-B", "post-NIR", "dNDVI"],
    }
    full = layers.setting_layers(1, small_area)
    for k, bands in paper.items():
        stack = layers.setting_layers(k, small_area)
        assert list(stack.band_names) == bands
        assert stack.data.shape == (len(bands), 128, 128) and stack.data.dtype == np.float32
        for i, band in enumerate(bands):   # the same values as in the 13-band stack
            np.testing.assert_array_equal(stack.data[i], full.band(band))


def test_cart_on_the_layers_follows_the_nan_policy(small_area):
    from course_lib.pipeline import layers

    points = small_area["training_points"]
    stack = layers.setting_layers(2, small_area)
    table = sampling.sample_at_points(stack, points, on_invalid="keep")
    assert len(table) == len(points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf, binary = pc.classify_stack(table, stack, focal_window=3, on_nan="drop")
    assert np.array_equal(np.isnan(binary), ~sampling.valid_mask(stack))
    usable = np.isfinite(table[list(stack.band_names)].to_numpy()).all(axis=1)
    assert sum(clf.n_points.values()) == int(usable.sum())


def test_sampling_outside_the_raster_raises_a_clear_error(small_area):
    import geopandas as gpd

    from course_lib.pipeline import layers

    stack = layers.setting_layers(3, small_area)
    left, bottom, right, top = stack.bounds
    points = gpd.GeoDataFrame({"class_name": ["landslide", "water"]},
                              geometry=gpd.points_from_xy([left + 15, right + 500],
                                                          [top - 15, top - 15]),
                              crs=stack.crs)
    with pytest.raises(ValueError, match="outside the raster"):
        sampling.sample_at_points(stack, points)
    with pytest.raises(ValueError, match="reproject"):
        sampling.sample_at_points(stack, points.iloc[:1].to_crs(4326))


def test_bad_inputs_get_clear_errors():
    raster, klass, table = fake_world()
    clf = pc.fit_pixel_classifier(table, BANDS)
    with pytest.raises(ValueError, match="chunk_pixels"):
        clf.predict_classes(raster, chunk_pixels=0)
    with pytest.raises(ValueError, match=r"stack must be .*image\[None\]"):
        clf.predict_classes(raster.data[0])
    with pytest.raises(ValueError, match="stack must be"):
        clf.predict_classes(None)
    with pytest.raises(ValueError, match="band_names is empty"):
        pc.fit_pixel_classifier(table, [])
    with pytest.raises(ValueError, match="single class"):
        pc.fit_pixel_classifier(table[table.class_name == "landslide"], BANDS)
    with pytest.raises(ValueError, match="truth must be binary"):
        pc.band_separability(raster, klass)              # class codes, not a mask
    with pytest.raises(ValueError, match="band names for a tree"):
        pc.tree_summary(clf.estimator, ["only-one"])


def test_classify_at_points_samples_trains_without_nan_points_and_maps():
    import warnings

    import geopandas as gpd

    raster, klass, _ = fake_world()
    t = raster.transform
    cells = [(10, 32, "landslide"), (12, 33, "landslide"), (20, 5, "water"), (22, 6, "water"),
             (5, 50, "forest"), (8, 45, "forest"), (30, 50, "bare_rock"), (35, 55, "bare_rock"),
             (0, 0, "water")]                                  # (0, 0) is NaN in one band
    points = gpd.GeoDataFrame(
        {"id": range(1, len(cells) + 1), "class_name": [n for *_, n in cells]},
        geometry=gpd.points_from_xy([t.c + (c + 0.5) * t.a for _, c, _ in cells],
                                    [t.f + (r + 0.5) * t.e for r, _, _ in cells]),
        crs=raster.crs)
    with pytest.warns(UserWarning):
        clf, binary, table = pc.classify_at_points(raster, points, focal_window=1)
    assert len(table) == len(points) and sum(clf.n_points.values()) == len(points) - 1
    _, expected = pc.classify_stack(table, raster, focal_window=1, on_nan="drop")
    np.testing.assert_array_equal(binary, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pc.classify_at_points(raster, points, focal_window=1, quiet=True)


# ------------------------------------------------------------------ spread over seeds and points


def test_predict_blocks_equals_the_whole_area_prediction_on_the_blocks():
    raster, klass, table = fake_world(seed=3)
    fit = pc.fit_pixel_classifier(table, BANDS, on_nan="drop")
    blocks = [(slice(0, 20), slice(20, 40)), (slice(20, 40), slice(40, 60))]
    for window in (1, 3, 5):
        whole = fit.predict_landslides(raster, focal_window=window)
        part = pc.predict_blocks(fit, raster, blocks, focal_window=window)
        inside = np.zeros(whole.shape, bool)
        for rs, cs in blocks:
            inside[rs, cs] = True
        np.testing.assert_array_equal(part[inside], whole[inside])
        assert np.isnan(part[~inside]).all()


def test_seed_and_resample_runs_score_every_run_on_the_held_out_pixels():
    raster, klass, table = fake_world(seed=4)
    truth = (klass == 0).astype(np.uint8)
    blocks = [(slice(0, 20), slice(20, 60))]
    valid = np.zeros(truth.shape, bool)
    valid[0:20, 20:60] = True
    seeds = pc.seed_runs(table, raster, truth, valid, blocks, seeds=[0, 1, 2])
    assert list(seeds.index) == [0, 1, 2] and list(seeds.columns) == ["mcc", "precision",
                                                                      "recall", "f1"]
    from course_lib import metrics
    one = pc.fit_pixel_classifier(table, BANDS, pc.make_cart(random_state=1), on_nan="drop")
    expected = metrics.evaluate(truth, one.predict_landslides(raster, focal_window=3),
                                valid=valid).mcc
    assert seeds.loc[1, "mcc"] == pytest.approx(expected)
    again = pc.resample_runs(table, raster, truth, valid, blocks, n_resamples=3, seed=5)
    assert len(again) == 3 and again.equals(pc.resample_runs(table, raster, truth, valid,
                                                             blocks, n_resamples=3, seed=5))
    with pytest.raises(TypeError, match="stack"):
        pc.predict_blocks(one, "stack.tif", blocks)
