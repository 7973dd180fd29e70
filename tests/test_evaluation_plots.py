"""Tests of course_lib.viz.evaluation_plots: figures come back and carry the right numbers."""

import math

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from shapely.geometry import box

from course_lib import metrics, paper
from course_lib.pipeline import predictions as results
from course_lib.viz import evaluation_plots as ep

matplotlib.use("Agg")
TRANSFORM = Affine(10.0, 0.0, 0.0, 0.0, -10.0, 400.0)  # 40 x 40 grid


@pytest.fixture(autouse=True)
def _no_pyplot_figures_left_open():
    """Widget callbacks redraw often: they must not leave pyplot figures open."""
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    assert plt.get_fignums() == []


def _scene(seed=0):
    rng = np.random.default_rng(seed)
    truth = np.zeros((40, 40), dtype=np.uint8)
    truth[5:15, 5:9] = 1
    truth[25:35, 30:33] = 1
    dndvi = rng.normal(0.0, 0.05, truth.shape)
    dndvi[truth == 1] -= 0.4
    dndvi[0, :] = np.nan
    return truth, dndvi


def test_confusion_colours_are_okabe_ito_and_distinct():
    palette = set(ep.OKABE_ITO.values())
    for code in (metrics.TP, metrics.FP, metrics.FN):
        assert ep.CONFUSION_COLORS[code] in palette
    from course_lib.viz.style import NODATA_COLOR
    assert ep.CONFUSION_COLORS[metrics.NODATA] == NODATA_COLOR   # the course's no-data colour
    assert len(set(ep.CONFUSION_COLORS.values())) == 5
    cmap, norm = ep.confusion_colormap()
    for code, colour in ep.CONFUSION_COLORS.items():
        assert to_hex(cmap(norm(code))) == colour.lower()
    style = ep.confusion_folium_style()
    assert set(style["colors"]) == {metrics.TP, metrics.FP, metrics.FN}


def test_plot_confusion_map_has_legend_with_counts():
    codes = np.array([[0, 1, 2, 3, 255, 3]], dtype=np.uint8)
    fig = ep.plot_confusion_map(codes, title="demo")
    assert isinstance(fig, Figure)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "TP: landslide found (2 px)"
    assert any(label.startswith("no data") and "(1 px)" in label for label in labels)


def test_threshold_explorer_numbers_match_metrics():
    truth, dndvi = _scene()
    view = ep.threshold_explorer(dndvi, truth, -0.2)
    assert isinstance(view.figure, Figure)
    predicted = np.where(np.isnan(dndvi), np.nan, dndvi <= -0.2)
    expected = metrics.confusion_counts(truth, predicted)
    assert view.counts == expected
    assert view.scores == expected.scores()
    assert view.scores.mcc > 0.9  # well-separated scene
    title = view.figure.axes[1].get_title()
    assert f"MCC {view.scores.format()['mcc']}" in title


def test_threshold_explorer_above_and_undefined():
    truth, dndvi = _scene()
    prob = -dndvi
    view = ep.threshold_explorer(prob, truth, 0.2, above=True)
    assert view.counts == metrics.threshold_counts(-dndvi, truth, 0.2, above=True)
    # a threshold below every score predicts nothing: precision and MCC undefined, shown "-"
    none = ep.threshold_explorer(dndvi, truth, -5.0)
    assert none.counts.tp == 0 and none.counts.fp == 0
    assert math.isnan(none.scores.mcc) and math.isnan(none.scores.precision)
    assert "MCC -" in none.figure.axes[1].get_title()
    with pytest.raises(ValueError, match="no finite"):
        ep.threshold_explorer(np.full((3, 3), np.nan), np.zeros((3, 3)), 0.0)


def test_confusion_maps_by_region_panels_and_titles():
    truth, dndvi = _scene()
    pred = np.where(np.isnan(dndvi), np.nan, dndvi <= -0.2)
    codes = metrics.confusion_map(truth, pred)
    regions = gpd.GeoDataFrame({"name": ["A", "B"]},
                               geometry=[box(0, 200, 200, 400), box(200, 0, 400, 200)],
                               crs="EPSG:32632")
    table = metrics.metrics_by_region(truth, pred, regions, TRANSFORM)
    fig = ep.plot_confusion_maps_by_region(codes, regions, TRANSFORM, scores=table,
                                           suptitle="demo")
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 3
    titles = [ax.get_title() for ax in visible]
    assert titles[0].startswith(metrics.WHOLE_AREA) and titles[1].startswith("A")
    mcc_a = metrics.format_score(table.loc["A", "mcc"])
    assert f"MCC {mcc_a}" in titles[1]
    # the zoomed panel shows exactly region A's pixels
    image = visible[1].get_images()[0].get_array()
    assert image.shape == (20, 20)
    np.testing.assert_array_equal(np.asarray(image), codes[:20, :20])


def test_plot_comparison_marks_missing_as_dash():
    table = pd.DataFrame(index=paper.PAPER_TABLE4.index)
    ours = pd.DataFrame({"precision": [0.5], "recall": [0.5], "f1": [0.5], "mcc": [0.42],
                         "tp": [1], "fp": [1], "fn": [1], "tn": [1]},
                        index=pd.MultiIndex.from_tuples(
                            [("CART", paper.SETTINGS[4], metrics.WHOLE_AREA)],
                            names=["method", "setting", "region"]))
    both = results.compare_with_paper(ours)
    fig = ep.plot_comparison(both)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(table) == 8 and len(texts) == 16
    assert "42" in texts and "-" in texts and "89" in texts
