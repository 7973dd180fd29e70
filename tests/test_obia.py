"""Tests of course_lib.obia (SALaD-style OBIA) on small seeded fake data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from scipy import ndimage
from skimage.segmentation import find_boundaries

from course_lib.obia import assessment, classifier, features, inventory, labels, scale
from course_lib.obia.segmentation import (METHODS, group_connected, merge_small_regions,
                                          relabel_connected, segment, to_uint8)

CRS = "EPSG:32632"
TRANSFORM = Affine(10, 0, 300000, 0, -10, 6800000)


def blocks_image(seed: int = 0, size: int = 48, noise: float = 4.0) -> np.ndarray:
    """A 3-band image of random rectangles of constant colour plus noise (bands last)."""
    rng = np.random.default_rng(seed)
    image = np.zeros((size, size, 3))
    for _ in range(12):
        r, c = rng.integers(0, size - 8, 2)
        h, w = rng.integers(6, 20, 2)
        image[r:r + h, c:c + w] = rng.uniform(0, 200, 3)
    return image + rng.normal(0, noise, image.shape)


def assert_connected_labels(lab: np.ndarray) -> None:
    for k in range(1, lab.max() + 1):
        _, parts = ndimage.label(lab == k)
        assert parts == 1, f"label {k} has {parts} parts"


# --- segmentation ------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_every_method_gives_connected_consecutive_labels(method):
    image = blocks_image(1)
    valid = np.ones(image.shape[:2], bool)
    valid[:5, :5] = False
    seg = segment(image, method, spatial_radius=6, range_radius=12, min_size=8, valid=valid)
    lab = seg.labels
    assert lab.dtype == np.int32 and lab.shape == valid.shape
    assert (lab[~valid] == 0).all() and (lab[valid] > 0).all()
    assert set(np.unique(lab[lab > 0])) == set(range(1, lab.max() + 1))
    assert relabel_connected(lab).max() == lab.max()
    assert_connected_labels(lab)
    assert seg.n_segments > 1 and seg.params["min_size"] == 8


@pytest.mark.parametrize("method", ["mean-shift", "slic"])
def test_small_regions_merged(method):
    seg = segment(blocks_image(2, noise=20), method, spatial_radius=5, range_radius=8,
                  min_size=12)
    sizes = np.bincount(seg.labels.ravel())[1:]
    assert sizes.min() >= 12


def test_range_radius_controls_segment_count():
    image = blocks_image(3, noise=6)
    fine = segment(image, range_radius=4, spatial_radius=5, min_size=4)
    coarse = segment(image, range_radius=40, spatial_radius=5, min_size=4)
    assert fine.n_segments > coarse.n_segments


def test_group_connected_equal_value_and_tolerance():
    values = np.array([[0, 0, 1, 1], [5, 5, 1, 9]], float)
    valid = np.ones(values.shape, bool)
    equal = group_connected(values, valid, tolerance=0)
    assert equal.max() == 4
    assert equal[0, 0] == equal[0, 1] and equal[0, 2] == equal[0, 3] == equal[1, 2]
    close = group_connected(values, valid, tolerance=1)
    assert close[0, 0] == close[0, 2] and close[1, 0] != close[0, 0]
    # the same value twice, not touching: two labels
    split = group_connected(np.array([[3, 0, 3]], float), np.ones((1, 3), bool))
    assert len(np.unique(split)) == 3


def test_merge_picks_the_closest_neighbour():
    lab = np.array([[1, 1, 1, 2, 3, 3, 3]])
    values = np.array([[0, 0, 0, 8, 10, 10, 10]], float)[..., None]
    merged = merge_small_regions(lab, values, min_size=2)
    assert merged[0, 3] == merged[0, 4] != merged[0, 0]


def test_merge_keeps_islands_in_nodata():
    lab = np.array([[1, 1, 0, 2]])
    merged = merge_small_regions(lab, np.zeros((1, 4, 1)), min_size=2)
    assert merged.tolist() == [[1, 1, 0, 2]]


def test_to_uint8_stretch():
    image = np.dstack([np.linspace(0, 1, 100).reshape(10, 10)] * 3)
    out = to_uint8(image, percentiles=(0, 100))
    assert out.dtype == np.uint8 and out.min() == 0 and out.max() == 255


# --- NaN handling --------------------------------------------------------------------------

def test_nan_pixels_raise_unless_masked():
    image = blocks_image(4)
    image[10:12, 10:14, 1] = np.nan
    with pytest.raises(ValueError, match="valid="):
        segment(image, spatial_radius=5, range_radius=10)
    valid = np.isfinite(image).all(axis=-1)
    seg = segment(image, spatial_radius=5, range_radius=10, valid=valid)
    assert (seg.labels[~valid] == 0).all() and (seg.labels[valid] > 0).all()
    masked = segment(image, spatial_radius=5, range_radius=10, nodata="mask")
    assert np.array_equal(masked.labels, seg.labels)


def test_nan_inside_a_segment_is_a_clear_error():
    lab = np.array([[1, 1, 2, 2]])
    with pytest.raises(ValueError, match="NaN or infinite on 1 pixels inside segments"):
        features.segment_mean(np.array([[0.1, np.nan, 0.3, 0.4]]), lab, "NDVI")
    # NaN outside segments (label 0) is fine
    out = features.segment_mean(np.array([[np.nan, 1.0, 3.0]]), np.array([[0, 1, 1]]))
    assert out.tolist() == [2.0]


def test_classifier_refuses_nan_and_map_keeps_nodata():
    x = pd.DataFrame({"a": [0.0, 1.0, np.nan], "b": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="NaN"):
        classifier.train_random_forest(x, [0, 1, 0], n_estimators=5)
    pixels = classifier.segment_values_to_pixels(np.array([[0, 1], [2, 2]]), [1.0, 0.0])
    assert np.isnan(pixels[0, 0]) and pixels[0, 1] == 1 and pixels[1, 1] == 0


# --- scale selection: Moran's I and the POF ----------------------------------------------

def test_morans_i_hand_computed():
    # 2 x 2 segments, all queen neighbours: z = (-1.5, -0.5, 0.5, 1.5), sum(z) = 0, so
    # z'Wz = sum(z)^2 - sum(z^2) = -5; S0 = 12; I = 4/12 * (-5 / 5) = -1/3
    lab = np.array([[1, 2], [3, 4]])
    w = scale.adjacency_matrix(lab)
    assert w.sum() == 12
    assert scale.morans_i(np.array([1.0, 2, 3, 4]), w) == pytest.approx(-1 / 3)
    # rook: 1-2, 1-3, 2-4, 3-4 (a ring), S0 = 8; y = (1, 2, 4, 3): z = (-1.5, -0.5, 1.5, 0.5),
    # z'Wz = 2 (0.75 - 2.25 - 0.25 + 0.75) = -2, z'z = 5, I = 4/8 * -2/5 = -0.2
    rook = scale.adjacency_matrix(lab, queen=False)
    assert scale.morans_i(np.array([1.0, 2, 4, 3]), rook) == pytest.approx(-0.2)
    # a constant field has no defined I
    assert np.isnan(scale.morans_i(np.ones(4), w))


@pytest.mark.parametrize("transformation", ["b", "r"])
def test_morans_i_matches_esda_on_polygons(transformation):
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    import geopandas as gpd
    from rasterio.features import shapes
    from shapely.geometry import shape

    lab = segment(blocks_image(5), "slic", spatial_radius=6, range_radius=10,
                  min_size=6).labels
    polygons = gpd.GeoDataFrame(
        [{"label": int(v), "geometry": shape(g)}
         for g, v in shapes(lab.astype(np.int32), mask=lab > 0, transform=TRANSFORM)],
        crs=CRS).sort_values("label").reset_index(drop=True)
    assert polygons["label"].tolist() == list(range(1, lab.max() + 1))
    # libpysal's Queen matches shared vertices; put a vertex at every pixel corner, as
    # rasterio drops those in the middle of straight edges
    polygons["geometry"] = polygons.geometry.segmentize(TRANSFORM.a)
    rng = np.random.default_rng(0)
    y = rng.normal(size=len(polygons)) + np.arange(len(polygons)) * 0.05
    weights = libpysal.weights.Queen.from_dataframe(polygons, use_index=False)
    expected = esda.Moran(y, weights, transformation=transformation, permutations=0).I
    ours = scale.morans_i(y, scale.adjacency_matrix(lab), transformation)
    assert ours == pytest.approx(expected, rel=1e-10)


def test_within_segment_variance_is_area_weighted():
    image = np.array([[0.0, 2.0, 5.0, 5.0, 5.0, 5.0]])
    lab = np.array([[1, 1, 2, 2, 2, 2]])
    # segment 1: variance 1 over 2 pixels, segment 2: 0 over 4 -> (2 * 1 + 4 * 0) / 6
    assert scale.within_segment_variance(image, lab) == pytest.approx(1 / 3)


def test_choose_plateau_first_above_threshold():
    f = np.array([0.0, 0.5, 1.6, 1.7, 1.65])
    radius, threshold = scale.choose_plateau([2, 4, 6, 8, 10], f)
    assert threshold == pytest.approx(f.max() - f.std(ddof=1))       # SALaD: sample std
    assert radius == 6
    # the rule changes the choice where F rises slowly: population std sets a higher bar
    slow = [0.0, 1.05, 1.5, 1.6, 1.7]          # thresholds 1.000 (sample), 1.074 (population)
    assert scale.choose_plateau([2, 4, 6, 8, 10], slow)[0] == 4
    assert scale.choose_plateau([2, 4, 6, 8, 10], slow, ddof=0)[0] == 6
    with pytest.raises(ValueError, match="ddof"):
        scale.choose_plateau([2, 4, 6], [0.0, 1.0, 2.0], ddof=2)


def test_plateau_objective_scores_the_layer_it_is_given():
    """SALaD scores v and I on the brightness layer: a layer constant within each block gives
    zero within-segment variance whatever the segmentation, unlike the 8-bit stretch."""
    image = blocks_image(6)
    rows, cols = image.shape[:2]
    flat = np.repeat(np.repeat(np.arange(4.0).reshape(2, 2), rows // 2, 0), cols // 2, 1)
    on_image = scale.plateau_objective(image, [4, 12, 24], spatial_radius=5, min_size=6)
    on_layer = scale.plateau_objective(image, [4, 12, 24], spatial_radius=5, min_size=6,
                                       score_layer=flat[:rows, :cols])
    assert on_layer.params["transformation"] == "r" and on_layer.params["ddof"] == 1
    assert not np.allclose(on_image.table["variance"], on_layer.table["variance"])
    with pytest.raises(ValueError, match="score_layer"):
        scale.plateau_objective(image, [4, 12, 24], score_layer=np.zeros((3, 3)))


def test_plateau_objective_table():
    result = scale.plateau_objective(blocks_image(6), [4, 12, 24, 48], spatial_radius=5,
                                     min_size=6)
    table = result.table
    assert list(table["range_radius"]) == [4, 12, 24, 48]
    assert table["n_segments"].is_monotonic_decreasing
    assert table[["v_norm", "i_norm"]].min().min() == 0 and table["v_norm"].max() == 1
    assert result.chosen in (4, 12, 24, 48)
    with pytest.raises(ValueError, match="increase"):
        scale.plateau_objective(blocks_image(6), [8, 4, 12])


# --- features -------------------------------------------------------------------------------

@pytest.mark.parametrize("levels,window", [(8, 5), (32, 7)])
def test_glcm_matches_scikit_image(levels, window):
    from skimage.feature import graycomatrix, graycoprops

    rng = np.random.default_rng(levels)
    grey = rng.integers(0, levels, (20, 20))
    grey[5:12, 8:15] = levels // 2                      # a uniform patch, high homogeneity
    g_mean, g_homog = features.glcm_texture(grey.astype(float), levels=levels, window=window,
                                            value_range=(0, levels))
    half = window // 2
    for r, c in [(half, half), (8, 10), (12, 3), (19 - half, 19 - half)]:
        patch = grey[r - half:r + half + 1, c - half:c + half + 1].astype(np.uint8)
        glcm = graycomatrix(patch, [1], np.radians([0, 45, 90, 135]), levels=levels,
                            symmetric=True, normed=True)
        assert g_mean[r, c] == pytest.approx(graycoprops(glcm, "mean").mean(), rel=1e-5)
        assert g_homog[r, c] == pytest.approx(graycoprops(glcm, "homogeneity").mean(),
                                              rel=1e-5)


def test_glcm_equals_scikit_image_on_the_full_study_area():
    """On the study area's 1024 x 1024 red band (quantised 0-max as SALaD), 400 windows drawn at
    random: GLCM mean and homogeneity equal scikit-image's within 1e-6. A float32 running sum
    was off by up to 0.12 here; a 20 x 20 image cannot show that."""
    from skimage.feature import graycomatrix, graycoprops

    from course_lib import sampling
    from course_lib.pipeline import layers
    from course_lib.simulator import load_study_area

    stack = layers.change_layers(load_study_area())
    red = np.where(sampling.valid_mask(stack), stack.band("post-R"), np.nan)
    assert red.shape == (1024, 1024)
    g_mean, g_homog = features.glcm_texture(red, levels=32, window=7)
    q = features.quantize(red, 32, (0.0, float(np.nanmax(red))))
    rng = np.random.default_rng(0)
    checked, uniform = 0, 0
    while checked < 400:
        r, c = rng.integers(3, 1021, size=2)
        patch = q[r - 3:r + 4, c - 3:c + 4]
        if (patch < 0).any():
            continue
        glcm = graycomatrix(patch.astype(np.uint8), [1], np.radians([0, 45, 90, 135]), levels=32,
                            symmetric=True, normed=True)
        assert abs(g_mean[r, c] - graycoprops(glcm, "mean").mean()) < 1e-6
        assert abs(g_homog[r, c] - graycoprops(glcm, "homogeneity").mean()) < 1e-6
        checked += 1
    # a uniform window is perfectly homogeneous: exactly 1, not 0.99995
    band = np.full((1024, 1024), 0.1)
    band[0, 0] = 0.5                                   # the maximum, far from the window below
    assert features.glcm_texture(band, levels=32)[1][600, 600] == 1.0


def test_glcm_skips_nodata_pairs():
    band = np.random.default_rng(1).random((12, 12))
    band[:, 6] = np.nan
    g_mean, g_homog = features.glcm_texture(band, levels=32)
    assert np.isfinite(g_mean[:, :6]).all() and np.isfinite(g_homog).sum() > 100


def test_quantize_levels():
    q = features.quantize(np.array([0.0, 0.249, 0.25, 1.0, np.nan]), levels=4)
    assert q.tolist() == [0, 0, 1, 3, -1]


def test_shape_features_orientation_and_axes():
    from skimage.measure import regionprops

    lab = np.zeros((30, 30), int)
    lab[2, 2:20] = 1                                   # east-west bar
    lab[5:25, 25] = 2                                  # north-south bar
    for i in range(8):                                 # south-west to north-east diagonal
        lab[28 - i, 5 + i] = 3
    lab[10:16, 8:14] = 4                               # a square
    table = features.shape_features(lab, resolution=10)
    assert table.loc[1, "axis_azimuth_deg"] == pytest.approx(90)
    assert table.loc[2, "axis_azimuth_deg"] == pytest.approx(0)
    assert table.loc[3, "axis_azimuth_deg"] == pytest.approx(45)
    assert np.isnan(table.loc[4, "axis_azimuth_deg"])
    assert table.loc[4, "elongation"] == pytest.approx(0, abs=1e-9)
    assert table.loc[1, "area_m2"] == 18 * 100
    for prop in regionprops(lab):
        row = table.loc[prop.label]
        assert row["major_axis_m"] == pytest.approx(10 * prop.axis_major_length, abs=1e-6)
        assert row["minor_axis_m"] == pytest.approx(10 * prop.axis_minor_length, abs=1e-6)
    aspect = np.full(lab.shape, 180.0)                 # every slope faces south
    oriented = features.shape_features(lab, 10, aspect=aspect)
    assert oriented.loc[2, "axis_vs_downslope_deg"] == pytest.approx(0)    # runs downhill
    assert oriented.loc[1, "axis_vs_downslope_deg"] == pytest.approx(90)   # across the slope
    assert oriented.loc[3, "axis_vs_downslope_deg"] == pytest.approx(45)


def test_object_features_table():
    lab = np.array([[1, 1, 2], [1, 2, 2], [3, 3, 3]])
    ndvi = np.array([[0.1, 0.3, 0.8], [0.2, 0.6, 0.7], [0.5, 0.5, 0.5]])
    table = features.object_features(lab, {"NDVI": ndvi}, red=ndvi, resolution=10)
    assert table.index.tolist() == [1, 2, 3]
    assert table["NDVI"].tolist() == pytest.approx([0.2, 0.7, 0.5])
    assert {"GLCM mean", "GLCM homogeneity", "area_m2", "elongation"} <= set(table.columns)


# --- labels --------------------------------------------------------------------------------

def test_fifty_percent_rule_at_the_boundary():
    lab = np.repeat(np.array([[1, 2, 3]]), 10, axis=0)         # three columns of 10 pixels
    truth = np.zeros(lab.shape, int)
    truth[:5, 0] = 1                                           # exactly 50 %
    truth[:4, 1] = 1                                           # 40 %
    truth[:6, 2] = 1                                           # 60 %
    y, fraction = labels.label_segments(lab, truth)
    assert fraction.tolist() == pytest.approx([0.5, 0.4, 0.6])
    assert y.tolist() == [1, 0, 1]
    strict, _ = labels.label_segments(lab, truth, min_fraction=0.55)
    assert strict.tolist() == [0, 0, 1]
    with pytest.raises(ValueError, match="min_fraction"):
        labels.label_segments(lab, truth, min_fraction=0)


def test_uncaptured_slides_are_reported():
    import geopandas as gpd
    from shapely.geometry import box

    lab = np.zeros((10, 10), int)
    lab[:, :5], lab[:, 5:] = 1, 2
    x0, y0 = TRANSFORM.c, TRANSFORM.f
    slides = gpd.GeoDataFrame({"id": [7, 8]}, geometry=[
        box(x0, y0 - 100, x0 + 40, y0),                   # inside segment 1
        box(x0 + 60, y0 - 20, x0 + 70, y0)], crs=CRS)     # two pixels in segment 2
    table = labels.captured_landslides(lab, np.array([1, 0]), slides, TRANSFORM)
    assert table["id"].tolist() == [7, 8]
    assert table["captured"].tolist() == [True, False]
    assert table["n_pixels"].tolist() == [40, 2]


# --- classifier ----------------------------------------------------------------------------

def test_a_tie_is_not_a_landslide_as_in_scikit_learn():
    """SALaD classifies with RandomForestClassifier.predict: a 0.5 tie goes to class 0."""
    from sklearn.ensemble import RandomForestClassifier

    x = np.array([[0.0], [1.0], [0.0], [1.0]])
    forest = RandomForestClassifier(n_estimators=2, random_state=0, bootstrap=False,
                                    max_features=None).fit(x, [0, 1, 1, 0])   # 50/50 leaves
    p = classifier.landslide_probability(forest, pd.DataFrame(x))
    assert (p == 0.5).all()
    assert (classifier.landslide_class(p) == forest.predict(x)).all()
    assert classifier.landslide_class([0.49, 0.5, 0.51]).tolist() == [0.0, 0.0, 1.0]


def test_segments_are_split_by_the_test_blocks():
    from course_lib import splits

    rng = np.random.default_rng(0)
    truth = (rng.random((512, 512)) < 0.02).astype(np.uint8)
    split = splits.evaluation_split(truth)
    lab = (np.arange(512)[:, None] // 32 * 16 + np.arange(512)[None, :] // 32 + 1)
    lab[250:260, :] = lab.max() + 1                     # one long segment across blocks
    part = classifier.split_segments_by_region(lab, split.region("test"))
    assert set(part) == {"inside", "outside", "across"}
    assert part.iloc[-1] == "across"
    outside = np.flatnonzero(part == "outside") + 1
    assert not np.isin(lab[split.region("test")], outside).any()
    with pytest.raises(ValueError, match="region"):
        classifier.split_segments_by_region(lab, np.ones((5, 5), bool))


def _toy_features(seed=0, n=120):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    x = pd.DataFrame({"dNDVI": -0.5 * y + rng.normal(0, 0.1, n), "noise": rng.normal(size=n)})
    return x, y


def test_random_forest_is_seeded_and_weighted():
    x, y = _toy_features()
    a = classifier.landslide_probability(classifier.train_random_forest(x, y, n_estimators=30), x)
    b = classifier.landslide_probability(classifier.train_random_forest(x, y, n_estimators=30), x)
    assert np.array_equal(a, b)
    model = classifier.train_random_forest(x, y, n_estimators=30, class_weight="balanced")
    assert model.class_weight == "balanced" and model.n_estimators == 30
    import inspect
    signature = inspect.signature(classifier.train_random_forest)
    assert signature.parameters["n_estimators"].default == 500   # SALaD
    with pytest.raises(ValueError, match="both classes"):
        classifier.train_random_forest(x, np.zeros(len(y)), n_estimators=5)


def test_importances_rank_the_informative_feature_first():
    x, y = _toy_features(1)
    model = classifier.train_random_forest(x, y, n_estimators=30)
    table = classifier.importances(model, x, y, n_repeats=3)
    assert table.index[0] == "dNDVI"
    assert table.loc["dNDVI", "impurity"] > table.loc["noise", "impurity"]
    assert list(table.columns) == ["impurity", "permutation", "permutation_std"]


def test_spatial_split_never_puts_a_segment_on_both_sides():
    lab = np.array([[1, 1, 2, 2, 3, 3, 4]])
    part = classifier.split_segments_by_column(lab, column=3)
    assert part.tolist() == ["west", "gap", "east", "east"]
    wide = classifier.split_segments_by_column(lab, column=3, gap=2)
    assert wide.tolist() == ["gap", "gap", "gap", "east"]


# --- inventory export ----------------------------------------------------------------------

def _prediction():
    pred = np.zeros((12, 12), np.float32)
    pred[1:6, 1:6] = 1
    pred[3, 3] = 0                                   # a hole
    pred[8:11, 7:11] = 1
    pred[0, 11] = np.nan                             # nodata
    prob = np.where(pred == 1, 0.8, 0.1).astype(np.float32)
    prob[8:11, 7:11] = 0.6
    return pred, prob


def _metadata():
    return inventory.inventory_metadata(
        "OBIA (SALaD-style) random forest", {"range_radius": 8, "spatial_radius": 10},
        "Sentinel-2 greenest-pixel composite (simulated)", ["2019-08-01", "2019-09-30"],
        date_mapped="2026-11-28")


def test_polygons_dissolve_and_carry_probability():
    pred, prob = _prediction()
    polygons = inventory.landslide_polygons(pred, TRANSFORM, CRS, probability=prob)
    assert polygons["id"].tolist() == [1, 2]
    assert sorted(polygons["area_m2"]) == [1200.0, 2400.0]
    assert sorted(polygons["prob"]) == pytest.approx([0.6, 0.8])
    assert len(polygons.geometry.iloc[np.argmax(polygons.area)].interiors) == 1


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
def test_export_round_trip_keeps_geometry_crs_metadata(tmp_path, suffix):
    pred, prob = _prediction()
    polygons = inventory.landslide_polygons(pred, TRANSFORM, CRS, probability=prob)
    written = inventory.write_inventory(polygons, tmp_path / "inventory", _metadata())
    assert set(written) == {"gpkg", "shp"}
    back = inventory.read_inventory(tmp_path / f"inventory{suffix}")
    assert back.crs.to_epsg() == 32632
    assert back["id"].tolist() == polygons["id"].tolist()
    for a, b in zip(back.geometry, polygons.geometry):
        assert a.symmetric_difference(b).area == pytest.approx(0, abs=1e-6)
    assert back["area_m2"].tolist() == pytest.approx(polygons["area_m2"].tolist())
    assert back["prob"].tolist() == pytest.approx(polygons["prob"].tolist(), rel=1e-6)
    assert back.attrs["metadata"] == _metadata()
    for key, value in _metadata().items():
        assert (back[key] == value).all()
    assert [c for c in back.columns if c != "geometry"] == list(inventory.INVENTORY_COLUMNS)
    assert not list(tmp_path.glob(".inventory-*"))          # no temporary files left


def test_overwrite_refused_and_file_intact(tmp_path):
    pred, prob = _prediction()
    polygons = inventory.landslide_polygons(pred, TRANSFORM, CRS, probability=prob)
    paths = inventory.write_inventory(polygons, tmp_path / "inv.gpkg", _metadata())
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(FileExistsError, match="overwrite=True"):
        inventory.write_inventory(polygons.iloc[:1], tmp_path / "inv", _metadata())
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before
    inventory.write_inventory(polygons.iloc[:1], tmp_path / "inv", _metadata(), overwrite=True)
    assert len(inventory.read_inventory(paths["gpkg"])) == 1
    assert len(inventory.read_inventory(paths["shp"])) == 1


def test_empty_inventory_and_bad_metadata(tmp_path):
    polygons = inventory.landslide_polygons(np.zeros((5, 5)), TRANSFORM, CRS)
    assert len(polygons) == 0
    paths = inventory.write_inventory(polygons, tmp_path / "none", _metadata())
    assert len(inventory.read_inventory(paths["gpkg"])) == 0
    with pytest.raises(ValueError, match="lacks"):
        inventory.write_inventory(polygons, tmp_path / "x", {"method": "OBIA"})
    with pytest.raises(ValueError, match="254"):
        inventory.inventory_metadata("m", {"p": "x" * 300}, "s", "2019")


# --- object assessment ---------------------------------------------------------------------

def test_detection_by_size():
    import geopandas as gpd
    from rasterio.features import shapes
    from shapely.geometry import shape

    truth = np.zeros((40, 40), np.uint8)
    truth[2:4, 2:4] = 1            # 4 px = 400 m2: small, missed
    truth[10:20, 10:20] = 1        # 100 px = 1 ha: large, found
    truth[30:36, 30:36] = 1        # 36 px = 0.36 ha: medium, found
    slides = gpd.GeoDataFrame(geometry=[shape(g) for g, v in
                                        shapes(truth, mask=truth == 1, transform=TRANSFORM)],
                              crs=CRS)
    pred = truth.astype(np.float32).copy()
    pred[2:4, 2:4] = 0
    pred[25:27, 0:2] = 1           # a false object of 400 m2
    table = assessment.detection_by_size(pred, slides, TRANSFORM, truth=truth)
    assert table["landslides"].tolist() == [1, 1, 1, 3]
    assert table["found"].tolist() == [0, 1, 1, 2]
    assert table.loc["all", "recall"] == pytest.approx(2 / 3)
    assert table["false objects"].tolist() == [1, 0, 0, 1]
    assert table.loc["all", "predicted objects"] == 3


# --- widget callback -----------------------------------------------------------------------

def test_segmentation_explorer_callback():
    from course_lib.viz import obia_plots

    image = blocks_image(7)
    rgb = to_uint8(image)
    truth = np.zeros(image.shape[:2], int)
    truth[10:20, 10:20] = 1
    view = obia_plots.segmentation_explorer(image, rgb, method="felzenszwalb", range_radius=10,
                                            spatial_radius=5, min_size=6, truth=truth)
    assert view.n_segments == view.segmentation.labels.max() > 1
    assert f"{view.n_segments:,} segments" in view.figure.axes[0].get_title()
    pof = scale.plateau_objective(image, [4, 16, 32], spatial_radius=5, min_size=6)
    assert obia_plots.plot_pof(pof).axes
    compare = obia_plots.compare_segmentations(rgb, {"a": view.segmentation.labels})
    assert len(compare.axes) == 1
    table = pd.DataFrame({"impurity": [0.7, 0.3], "permutation": [0.2, 0.0],
                          "permutation_std": [0.01, 0.0]}, index=["dNDVI", "slope"])
    assert [t.get_text() for t in obia_plots.plot_importances(table).axes[0].get_yticklabels()] \
        == ["slope", "dNDVI"]
    probability = np.where(truth == 1, 0.9, 0.1)
    probability[0, 0] = np.nan
    assert obia_plots.plot_probability_map(probability, truth, split_x=20).axes
    region = np.zeros(np.shape(probability), bool)
    region[: region.shape[0] // 2] = True
    fig = obia_plots.plot_probability_map(probability, truth, held_out=region)
    assert len(fig.axes[0].collections) >= 2          # the truth and the held-out outlines


def test_boundary_overlay_blends_boundaries_and_draws_the_truth_on_top():
    from matplotlib.colors import to_rgb

    from course_lib.viz import obia_plots

    rgb = np.zeros((20, 20, 3))
    labels = np.arange(400).reshape(20, 20) + 1          # every pixel its own segment
    truth = np.zeros((20, 20), np.uint8)
    truth[5:12, 6:10] = 1
    out = obia_plots.boundary_overlay(rgb, labels, truth=truth, boundary_alpha=0.5)
    outline = find_boundaries(truth == 1, mode="thick")
    assert np.allclose(out[outline], to_rgb(obia_plots.OKABE_ITO["sky blue"]))
    # over-segmented: boundaries everywhere, but half-transparent (yellow at half strength)
    assert np.allclose(out[0, 0], [0.5, 0.5, 0.0])
