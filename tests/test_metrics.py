"""Tests of course_lib.metrics: counts, scores, undefined cases, regions, objects, codes."""

import math

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box
from sklearn.metrics import f1_score as sk_f1, matthews_corrcoef, precision_score, recall_score

from course_lib import metrics
from course_lib.data.raster import Raster
from course_lib.metrics import ConfusionCounts, Scores

TRANSFORM = Affine(10.0, 0.0, 1000.0, 0.0, -10.0, 2000.0)  # 10 m pixels, top-left (1000, 2000)


def _box_px(r0, c0, r1, c1):
    """A polygon covering pixel rows r0..r1-1 and columns c0..c1-1 of TRANSFORM."""
    x0, y0 = TRANSFORM @ (c0, r0)
    x1, y1 = TRANSFORM @ (c1, r1)
    return box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


# --- counts ---------------------------------------------------------------------------------

def test_counts_by_hand():
    truth = np.array([[1, 1, 0, 0], [1, 0, 0, 0]])
    pred = np.array([[1, 0, 1, 0], [1, 0, 0, 0]])
    c = metrics.confusion_counts(truth, pred)
    assert c == ConfusionCounts(tp=2, fp=1, fn=1, tn=4)
    assert c.total == 8


def test_counts_match_sklearn_confusion_matrix():
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(0)
    truth = rng.random((40, 50)) < 0.1
    pred = rng.random((40, 50)) < 0.2
    c = metrics.confusion_counts(truth, pred)
    tn, fp, fn, tp = confusion_matrix(truth.ravel(), pred.ravel(), labels=[0, 1]).ravel()
    assert (c.tp, c.fp, c.fn, c.tn) == (tp, fp, fn, tn)


def test_nodata_excluded_by_mask_and_nan():
    truth = np.array([[1, 1, 0, 0, 1]])
    pred = np.array([[1.0, np.nan, 1.0, 0.0, 0.0]])
    valid = np.array([[True, True, True, True, False]])
    c = metrics.confusion_counts(truth, pred, valid=valid)
    assert c == ConfusionCounts(tp=1, fp=1, fn=0, tn=1)
    truth_nan = np.array([[np.nan, 1, 0, 0, 1]])
    c2 = metrics.confusion_counts(truth_nan, pred, valid=valid)
    assert c2 == ConfusionCounts(tp=0, fp=1, fn=0, tn=1)


def test_single_band_raster_accepted():
    truth = Raster(np.array([[[1, 0], [0, 0]]], dtype=np.uint8), TRANSFORM, "EPSG:32632",
                   ("landslide",))
    c = metrics.confusion_counts(truth, np.array([[1, 1], [0, 0]]))
    assert c == ConfusionCounts(tp=1, fp=1, fn=0, tn=2)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="Shapes differ"):
        metrics.confusion_counts(np.zeros((3, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="Shapes differ"):
        metrics.confusion_counts(np.zeros((3, 3)), np.zeros((3, 3)), valid=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="2-D"):
        metrics.confusion_counts(np.zeros((2, 3, 3)), np.zeros((2, 3, 3)))


def test_non_binary_is_a_clear_error():
    with pytest.raises(ValueError, match="binary.*Threshold"):
        metrics.confusion_counts(np.zeros((2, 2)), np.array([[0.2, 0.9], [0, 1]]))
    with pytest.raises(ValueError, match="0/255"):
        metrics.confusion_counts(np.array([[0, 255]], dtype=np.uint8), np.zeros((1, 2)))
    with pytest.raises(TypeError, match="boolean"):
        metrics.confusion_counts(np.zeros((1, 2)), np.zeros((1, 2)), valid=np.ones((1, 2)))


# --- scores ---------------------------------------------------------------------------------

def test_mcc_equals_sklearn_on_many_random_cases():
    rng = np.random.default_rng(2019)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(5, 400))
        p_true, p_pred, agree = rng.random(3)
        truth = rng.random(n) < p_true * 0.3
        noise = rng.random(n) < p_pred * 0.3
        pred = np.where(rng.random(n) < agree, truth, noise)
        c = metrics.confusion_counts(truth[None, :], pred[None, :])
        s = c.scores()
        if math.isnan(s.mcc):  # sklearn returns 0 where MCC is undefined
            assert min(c.tp + c.fp, c.tp + c.fn, c.tn + c.fp, c.tn + c.fn) == 0
            continue
        assert s.mcc == pytest.approx(matthews_corrcoef(truth, pred), abs=1e-12)
        if not math.isnan(s.precision):
            assert s.precision == pytest.approx(precision_score(truth, pred))
        if not math.isnan(s.recall):
            assert s.recall == pytest.approx(recall_score(truth, pred))
        if not math.isnan(s.f1):
            assert s.f1 == pytest.approx(sk_f1(truth, pred))
        checked += 1
    assert checked > 200


def test_mcc_large_counts_do_not_overflow():
    c = ConfusionCounts(tp=3_000_000, fp=1_000_000, fn=500_000, tn=900_000_000)
    truth_like = metrics.mcc(c)
    expected = (3e6 * 9e8 - 1e6 * 5e5) / math.sqrt(4e6 * 3.5e6 * 9.01e8 * 9.005e8)
    assert truth_like == pytest.approx(expected)


def test_mcc_range_and_symmetry():
    assert metrics.mcc(ConfusionCounts(5, 0, 0, 95)) == 1.0
    assert metrics.mcc(ConfusionCounts(0, 5, 95, 0)) == -1.0


@pytest.mark.parametrize("counts, undefined", [
    # all-negative truth and prediction: only TN
    (ConfusionCounts(0, 0, 0, 100), {"precision", "recall", "f1", "mcc"}),
    # all-positive truth and prediction: only TP
    (ConfusionCounts(100, 0, 0, 0), {"mcc"}),
    # no predicted positives ("no landslide anywhere")
    (ConfusionCounts(0, 0, 5, 95), {"precision", "mcc"}),
    # no true positives in the truth
    (ConfusionCounts(0, 7, 0, 93), {"recall", "mcc"}),
    # everything predicted positive
    (ConfusionCounts(5, 95, 0, 0), {"mcc"}),
    # truth all positive, some missed
    (ConfusionCounts(60, 0, 40, 0), {"mcc"}),
    # no pixels at all
    (ConfusionCounts(0, 0, 0, 0), {"precision", "recall", "f1", "mcc", "accuracy"}),
])
def test_zero_denominators_are_undefined_never_zero(counts, undefined):
    s = counts.scores()
    for name in ("precision", "recall", "f1", "mcc", "accuracy"):
        value = getattr(s, name)
        if name in undefined:
            assert math.isnan(value), f"{name} should be undefined for {counts}"
            assert s.format()[name] == "-"
            assert not s.is_defined(name)
        else:
            assert not math.isnan(value), f"{name} should be defined for {counts}"


def test_predict_nothing_worked_example():
    truth = np.zeros((100, 100), dtype=np.uint8)
    truth[:, :2] = 1  # 2 % landslide
    s = metrics.evaluate(truth, np.zeros_like(truth))
    assert s.accuracy == pytest.approx(0.98)
    assert s.recall == 0.0
    assert math.isnan(s.mcc) and math.isnan(s.precision)


def test_scores_format():
    s = Scores(precision=0.7349, recall=float("nan"), f1=0.5, mcc=-0.1, accuracy=1.0)
    assert s.format() == {"precision": "73", "recall": "-", "f1": "50", "mcc": "-10",
                          "accuracy": "100"}
    assert s.format(percent=False, digits=2)["precision"] == "0.73"
    assert metrics.format_score(None) == "-"


def test_negative_counts_rejected():
    with pytest.raises(ValueError, match="tp"):
        ConfusionCounts(-1, 0, 0, 0)


# --- confusion map --------------------------------------------------------------------------

def test_confusion_map_codes():
    truth = np.array([[0, 0, 1, 1, 1, 0]])
    pred = np.array([[0, 1, 0, 1, np.nan, 1]])
    valid = np.array([[True, True, True, True, True, False]])
    codes = metrics.confusion_map(truth, pred, valid=valid)
    assert codes.dtype == np.uint8
    assert codes.tolist() == [[metrics.TN, metrics.FP, metrics.FN, metrics.TP, metrics.NODATA,
                               metrics.NODATA]]
    assert metrics.CONFUSION_CODES == {"TN": 0, "FP": 1, "FN": 2, "TP": 3, "nodata": 255}
    # the map and the counts agree
    rng = np.random.default_rng(1)
    t, p = rng.random((30, 30)) < 0.2, rng.random((30, 30)) < 0.3
    codes = metrics.confusion_map(t, p)
    c = metrics.confusion_counts(t, p)
    assert [(codes == k).sum() for k in (3, 1, 2, 0)] == [c.tp, c.fp, c.fn, c.tn]


# --- thresholds -----------------------------------------------------------------------------

def test_threshold_sweep_matches_direct_thresholding():
    rng = np.random.default_rng(3)
    truth = rng.random((50, 60)) < 0.1
    score = np.where(truth, rng.normal(-0.3, 0.1, truth.shape), rng.normal(0, 0.1, truth.shape))
    score[0, :5] = np.nan
    thresholds = [-0.5, -0.2, -0.1, 0.0, float(score[3, 3])]
    for above in (True, False):
        sweep = metrics.threshold_sweep(score, truth, thresholds, above=above)
        for thr, counts in zip(thresholds, sweep):
            pred = np.where(np.isnan(score), np.nan, (score >= thr) if above else (score <= thr))
            assert counts == metrics.confusion_counts(truth, pred)
    assert metrics.threshold_counts(score, truth, -0.2, above=False) == sweep[1]


# --- regions --------------------------------------------------------------------------------

def _regions():
    return gpd.GeoDataFrame({"name": ["A", "B"]},
                            geometry=[_box_px(0, 0, 4, 4), _box_px(4, 4, 8, 10)],
                            crs="EPSG:32632")


def test_metrics_by_region_hand_made():
    truth = np.zeros((8, 10), dtype=np.uint8)
    pred = np.zeros((8, 10), dtype=np.uint8)
    truth[1:3, 1:3] = 1        # 4 landslide pixels in A
    pred[1:3, 1:2] = 1         # 2 of them found
    pred[5, 5] = 1             # a false positive in B
    truth[6, 8] = 1            # a missed landslide pixel in B
    table = metrics.metrics_by_region(truth, pred, _regions(), TRANSFORM)
    assert list(table.index) == [metrics.WHOLE_AREA, "A", "B"]
    a, b, whole = table.loc["A"], table.loc["B"], table.loc[metrics.WHOLE_AREA]
    assert (a.tp, a.fp, a.fn, a.tn, a.n_pixels) == (2, 0, 2, 12, 16)
    assert a.precision == 1.0 and a.recall == 0.5
    assert (b.tp, b.fp, b.fn, b.tn, b.n_pixels) == (0, 1, 1, 22, 24)
    assert math.isnan(b.precision) is False and b.precision == 0.0
    assert math.isnan(b.mcc) is False
    assert (whole.tp, whole.fp, whole.fn, whole.n_pixels) == (2, 1, 3, 80)
    assert whole.landslide_fraction == pytest.approx(5 / 80)


def test_metrics_by_region_undefined_in_a_region_without_landslides():
    truth = np.zeros((8, 10), dtype=np.uint8)
    truth[6, 8] = 1
    table = metrics.metrics_by_region(truth, np.zeros_like(truth), _regions(), TRANSFORM)
    assert math.isnan(table.loc["A", "recall"]) and math.isnan(table.loc["A", "mcc"])


def test_metrics_by_region_takes_transform_from_raster_and_checks_crs():
    truth = Raster(np.zeros((1, 8, 10), np.uint8), TRANSFORM, "EPSG:32632", ("landslide",))
    table = metrics.metrics_by_region(truth, np.zeros((8, 10)), _regions())
    assert table.loc["A", "n_pixels"] == 16
    with pytest.raises(ValueError, match="to_crs"):
        metrics.metrics_by_region(truth, np.zeros((8, 10)), _regions().set_crs(
            "EPSG:4326", allow_override=True))
    with pytest.raises(ValueError, match="transform"):
        metrics.metrics_by_region(np.zeros((8, 10)), np.zeros((8, 10)), _regions())
    far = gpd.GeoDataFrame({"name": ["X"]}, geometry=[box(0, 0, 10, 10)], crs="EPSG:32632")
    with pytest.raises(ValueError, match="covers no pixel"):
        metrics.metrics_by_region(truth, np.zeros((8, 10)), far)


# --- objects --------------------------------------------------------------------------------

def test_object_metrics_hand_made():
    shape = (20, 20)
    slides = gpd.GeoDataFrame(geometry=[
        _box_px(1, 1, 6, 3),      # 10 px, 5 predicted -> detected
        _box_px(10, 10, 20, 11),  # 10 px, 1 predicted -> below 20 % -> missed
        _box_px(1, 15, 3, 17),    # 4 px, none predicted -> missed
    ], crs="EPSG:32632")
    pred = np.zeros(shape, dtype=np.uint8)
    pred[1:6, 1] = 1            # inside slide 1 (5 of its 10 pixels)
    pred[5:8, 1] = 1            # the same object runs on outside slide 1: still no false one
    pred[19, 10] = 1            # one pixel in slide 2
    pred[12:14, 3:6] = 1        # false detection, 6 px
    pred[0, 19] = 1             # false detection, 1 px
    res = metrics.object_metrics(pred, slides, TRANSFORM, min_overlap_fraction=0.2)
    assert res.n_landslides == 3 and res.n_detected == 1 and res.n_unassessed == 0
    assert res.landslide_area == 24 * 100 and res.detected_area == 10 * 100
    assert res.n_predicted_objects == 4 and res.n_false_detections == 2
    assert res.false_detection_area == 7 * 100
    assert res.predicted_area == (7 + 1 + 6 + 1) * 100
    assert res.detection_rate == pytest.approx(1 / 3)
    assert res.false_detection_rate == 0.5
    # any overlap counts: slide 2 is now detected
    loose = metrics.object_metrics(pred, slides, TRANSFORM, min_overlap_fraction=0.0)
    assert loose.n_detected == 2
    # a pixel threshold instead of a fraction
    strict = metrics.object_metrics(pred, slides, TRANSFORM, min_overlap_fraction=0.0,
                                    min_overlap_pixels=6)
    assert strict.n_detected == 0


def test_object_metrics_connectivity_and_nodata():
    slides = gpd.GeoDataFrame(geometry=[_box_px(0, 0, 2, 2), _box_px(8, 8, 10, 10)],
                              crs="EPSG:32632")
    pred = np.zeros((10, 10))
    pred[0, 0] = 1
    pred[1, 1] = 1
    pred[2, 2] = 1      # diagonal neighbour of (1, 1): joins the slide's object only with 8
    pred[5, 5] = 1
    pred[6, 6] = 1      # diagonal pair: one object with 8-connectivity, two with 4
    eight = metrics.object_metrics(pred, slides, TRANSFORM)
    four = metrics.object_metrics(pred, slides, TRANSFORM, connectivity=1)
    assert eight.n_false_detections == 1 and four.n_false_detections == 3
    # slide 2 entirely in nodata: left out and reported
    valid = np.ones((10, 10), bool)
    valid[8:, 8:] = False
    res = metrics.object_metrics(pred, slides, TRANSFORM, valid=valid)
    assert res.n_landslides == 1 and res.n_unassessed == 1 and res.n_detected == 1


def test_object_metrics_nothing_predicted_is_undefined_rates():
    slides = gpd.GeoDataFrame(geometry=[_box_px(0, 0, 2, 2)], crs="EPSG:32632")
    res = metrics.object_metrics(np.zeros((5, 5)), slides, TRANSFORM)
    assert res.detection_rate == 0.0
    assert math.isnan(res.false_detection_rate) and math.isnan(res.false_area_fraction)
    with pytest.raises(ValueError, match="transform"):
        metrics.object_metrics(np.zeros((5, 5)), slides)


def test_object_metrics_small_sliver_polygon_kept():
    sliver = box(1000.0 + 12, 2000.0 - 18, 1000.0 + 14, 2000.0 - 12)  # 2 m wide, no centre
    slides = gpd.GeoDataFrame(geometry=[sliver], crs="EPSG:32632")
    pred = np.zeros((5, 5))
    pred[1, 1] = 1
    res = metrics.object_metrics(pred, slides, TRANSFORM)
    assert res.n_landslides == 1 and res.n_detected == 1


def test_object_metrics_uses_truth_mask_for_false_detections():
    slides = gpd.GeoDataFrame(geometry=[_box_px(0, 0, 2, 2)], crs="EPSG:32632")
    pred = np.zeros((6, 6))
    pred[4, 4] = 1
    truth = np.zeros((6, 6))
    truth[4, 4] = 1
    assert metrics.object_metrics(pred, slides, TRANSFORM).n_false_detections == 1
    assert metrics.object_metrics(pred, slides, TRANSFORM, truth=truth).n_false_detections == 0
