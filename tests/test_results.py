"""Tests of course_lib.pipeline.predictions: the prediction store, the results table, the paper's Table 4."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import box

from course_lib import metrics, paper
from course_lib.data.raster import Raster
from course_lib.metrics import WHOLE_AREA
from course_lib.pipeline import predictions as results

TRANSFORM = Affine(10.0, 0.0, 0.0, 0.0, -10.0, 100.0)  # 10 x 10 grid, 10 m pixels
CRS = "EPSG:32632"


@pytest.fixture()
def store(tmp_path, monkeypatch):
    """A private output folder, so tests never touch the learner's saved predictions."""
    monkeypatch.setenv("COURSE_OUTPUT_DIR", str(tmp_path))
    return tmp_path / "predictions"


def _truth():
    truth = np.zeros((10, 10), dtype=np.uint8)
    truth[1:4, 1:4] = 1   # 9 px in region A
    truth[7:9, 7:9] = 1   # 4 px in region B
    return Raster(truth[None], TRANSFORM, CRS, ("landslide",))


def _regions():
    return gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[box(0, 50, 50, 100),
                                                           box(50, 0, 100, 50)], crs=CRS)


def test_settings_names_and_bands():
    assert paper.SETTINGS == {1: "S1, S2 and DEM (13)", 2: "S1 (VV) and S2 (3)",
                                3: "S1 (VV) only (2)", 4: "S2 only (5)"}
    for name, bands in paper.SETTING_BANDS.items():
        assert f"({len(bands)})" in name  # the band count in the name is right
    assert results.setting_name(3) == paper.SETTINGS[3]
    assert results.setting_name("setting 1") == paper.SETTINGS[1]
    assert results.setting_name("S1 (VV) only (2)") == paper.SETTINGS[3]
    assert results.setting_name("SALaD features") == "SALaD features"
    with pytest.raises(ValueError, match="1-4"):
        results.setting_name(5)
    with pytest.raises(ValueError):
        results.setting_name("  ")
    assert results.method_name("u-net") == "U-Net" and results.method_name("obia") == "OBIA"


def test_paper_table4():
    t = paper.PAPER_TABLE4
    assert t.shape == (8, 4)
    assert t.loc[("CART", paper.SETTINGS[3]), "mcc"] == pytest.approx(0.20)
    assert t.loc[("U-Net", paper.SETTINGS[2]), "mcc"] == pytest.approx(0.89)
    assert t.loc[("U-Net", paper.SETTINGS[1]), "recall"] == pytest.approx(0.33)
    assert t.loc[("CART", paper.SETTINGS[4]), "precision"] == pytest.approx(0.59)
    assert ((t >= 0) & (t <= 1)).all().all()


def test_save_load_roundtrip_with_nodata_and_score(store):
    pred = np.zeros((10, 10), dtype=float)
    pred[1:4, 1:3] = 1
    pred[0, 0] = np.nan
    score = np.linspace(0, 1, 100, dtype=np.float32).reshape(10, 10)
    path = results.save_prediction("cart", 4, pred, TRANSFORM, CRS, score=score, verbose=False)
    assert path == store / "cart__s2-only-5.tif"
    saved = results.load_prediction("CART", "S2 only (5)")
    assert saved.method == "CART" and saved.setting == "S2 only (5)"
    np.testing.assert_array_equal(saved.prediction.data[0], pred)
    np.testing.assert_allclose(saved.score.data[0], score)
    assert saved.prediction.transform == TRANSFORM and saved.prediction.crs == CRS
    assert not list(store.glob(".*"))  # no temporary files left behind


def test_save_takes_grid_from_raster_and_accepts_bool(store):
    pred = Raster(np.ones((1, 10, 10), dtype=bool), TRANSFORM, CRS, ("p",))
    results.save_prediction("U-Net", 2, pred, verbose=False)
    saved = results.load_prediction("U-Net", 2)
    assert saved.score is None and saved.prediction.data.sum() == 100


def test_save_errors(store):
    with pytest.raises(ValueError, match="transform"):
        results.save_prediction("CART", 1, np.zeros((10, 10)))
    with pytest.raises(ValueError, match="binary"):
        results.save_prediction("CART", 1, np.full((10, 10), 0.5), TRANSFORM, CRS)
    with pytest.raises(ValueError, match="same grid"):
        results.save_prediction("CART", 1, np.zeros((10, 10)), TRANSFORM, CRS,
                                score=np.zeros((5, 5)))
    with pytest.raises(FileNotFoundError, match="04 CART"):
        results.load_prediction("CART", 3)


def test_resaving_same_method_setting_replaces_but_never_another(store, capsys):
    results.save_prediction("CART", 4, np.zeros((10, 10)), TRANSFORM, CRS)
    assert "Saved prediction CART / S2 only (5)" in capsys.readouterr().out
    results.save_prediction("CART", 4, np.ones((10, 10)), TRANSFORM, CRS)
    assert "Replaced" in capsys.readouterr().out
    assert results.load_prediction("CART", 4).prediction.data.sum() == 100
    # another spelling of the same setting is the same setting
    results.save_prediction("cart", "S2-only 5", np.ones((10, 10)), TRANSFORM, CRS)
    assert "Replaced the earlier prediction CART / S2 only (5)" in capsys.readouterr().out
    # a different setting whose file name collides is refused, the old file kept
    results.save_prediction("CART", "dNDVI < -0.2", np.ones((10, 10)), TRANSFORM, CRS)
    with pytest.raises(FileExistsError, match="already holds"):
        results.save_prediction("CART", "dNDVI -0.2", np.zeros((10, 10)), TRANSFORM, CRS)
    assert results.load_prediction("CART", "dNDVI < -0.2").prediction.data.sum() == 100


def test_list_predictions_order_and_empty(store):
    empty = results.list_predictions()
    assert empty.empty and list(empty.columns) == ["method", "setting", "saved_at",
                                                   "has_score", "path"]
    z = np.zeros((10, 10))
    for method, setting in [("U-Net", 2), ("baseline", "dNDVI < -0.2"), ("CART", 4),
                            ("CART", 1), ("OBIA", "SALaD features")]:
        results.save_prediction(method, setting, z, TRANSFORM, CRS, verbose=False)
    listed = results.list_predictions()
    assert list(zip(listed.method, listed.setting)) == [
        ("OBIA", "SALaD features"), ("CART", paper.SETTINGS[1]), ("CART", paper.SETTINGS[4]),
        ("U-Net", paper.SETTINGS[2]), ("baseline", "dNDVI < -0.2")]


def test_results_table_empty_when_nothing_saved(store):
    table = results.results_table(_truth(), _regions())
    assert table.empty and list(table.index.names) == ["method", "setting", "region"]
    both = results.compare_with_paper(table)
    assert len(both) == 8 and both["course mcc"].isna().all()


def test_results_table_and_comparison(store):
    truth = _truth()
    perfect = truth.data[0].astype(float)
    results.save_prediction("U-Net", 2, perfect, TRANSFORM, CRS, verbose=False)
    nothing = np.zeros((10, 10))
    results.save_prediction("CART", 3, nothing, TRANSFORM, CRS, verbose=False)
    table = results.results_table(truth, _regions())
    assert set(table.index.get_level_values("region")) == {WHOLE_AREA, "A", "B"}
    unet = table.loc[("U-Net", paper.SETTINGS[2], WHOLE_AREA)]
    assert unet.mcc == 1.0 and unet.tp == 13 and unet.fp == 0
    cart = table.loc[("CART", paper.SETTINGS[3], "A")]
    assert math.isnan(cart.mcc) and math.isnan(cart.precision) and cart.recall == 0.0
    assert cart.fn == 9
    both = results.compare_with_paper(table)
    assert both.loc[("U-Net", paper.SETTINGS[2]), "course mcc"] == 1.0
    assert both.loc[("U-Net", paper.SETTINGS[2]), "paper mcc"] == pytest.approx(0.89)
    assert math.isnan(both.loc[("CART", paper.SETTINGS[1]), "course mcc"])
    assert list(both.columns[:2]) == ["course mcc", "paper mcc"]
    assert both.index[0][0] == "CART"
    text = metrics.format_percent(both)
    assert text.loc[("CART", paper.SETTINGS[3]), "course mcc"] == "-"
    assert text.loc[("U-Net", paper.SETTINGS[2]), "paper mcc"] == "89"


def test_results_table_skips_other_grids_with_a_warning(store):
    other = Affine(10.0, 0.0, 5000.0, 0.0, -10.0, 100.0)
    results.save_prediction("CART", 1, np.zeros((10, 10)), other, CRS, verbose=False)
    results.save_prediction("CART", 2, np.zeros((10, 10)), TRANSFORM, CRS, verbose=False)
    with pytest.warns(UserWarning, match="cart__s1-s2-and-dem-13.tif"):
        table = results.results_table(_truth())
    assert set(table.index.get_level_values("setting")) == {paper.SETTINGS[2]}


def test_results_table_with_valid_mask(store):
    truth = _truth()
    pred = np.zeros((10, 10))
    pred[0, :] = 1  # 10 false positives
    results.save_prediction("CART", 4, pred, TRANSFORM, CRS, verbose=False)
    valid = np.ones((10, 10), bool)
    valid[0, :] = False
    table = results.results_table(truth, valid=valid)
    row = table.loc[("CART", paper.SETTINGS[4], WHOLE_AREA)]
    assert row.fp == 0 and row.tp + row.fp + row.fn + row.tn == 90


def test_format_percent_keeps_counts():
    df = pd.DataFrame({"mcc": [0.5], "tp": [3]})
    out = metrics.format_percent(df)
    assert out.loc[0, "mcc"] == "50" and out.loc[0, "tp"] == 3


def test_results_table_with_plain_array_truth(store):
    truth = _truth()
    results.save_prediction("CART", 2, truth.data[0], TRANSFORM, CRS, verbose=False)
    table = results.results_table(truth.data[0], _regions(), transform=TRANSFORM)
    assert table.loc[("CART", paper.SETTINGS[2], "B"), "mcc"] == 1.0
    with pytest.raises(ValueError, match="transform"):
        results.results_table(truth.data[0], _regions())


def test_paper_mcc_is_the_standard_one_about_sqrt_precision_recall():
    """With TN dominating, MCC ~ sqrt(P x R): 6 of the paper's 8 Table 4 MCCs fit it; the two
    that do not are CART setting 1 and U-Net setting 2 (the comment in results.py says so)."""
    table = paper.PAPER_TABLE4
    expected = np.sqrt(table["precision"] * table["recall"])
    misfits = sorted((m, s) for (m, s), ok in ((table["mcc"] - expected).abs() <= 0.015).items()
                     if not ok)
    assert misfits == sorted([("CART", paper.SETTINGS[1]), ("U-Net", paper.SETTINGS[2])])
    assert "own formula" not in (results.__doc__ or "") + open(results.__file__).read()
