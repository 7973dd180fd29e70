"""The fair race of notebook 06: one shared held-out split that no method trains on, scores with
their spread, the ranking notebook 04 states, per-scene standardisation, and the plots."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_lib import cart, metrics, sampling, splits, transfer
from course_lib.obia import classifier
from course_lib.pipeline import layers
from course_lib.simulator import load_study_area

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def area():
    return load_study_area()


@pytest.fixture(scope="module")
def split(area):
    return splits.evaluation_split(area)


def test_every_notebook_scores_on_the_one_evaluation_split():
    """03, 04, 05 and 06 take their held-out pixels from splits.evaluation_split (05 through
    unet.prepare_scene with the same values, checked in tests/test_splits.py)."""
    sources = {n: (ROOT / "notebooks_src" / f"{n}.py").read_text()
               for n in ("03_salad_obia", "04_cart", "06_evaluation")}
    for name, text in sources.items():
        assert "splits.evaluation_split(" in text, name
        assert ".held_out(" in text, name
    assert "split_segments_by_region(segments, test_region)" in sources["03_salad_obia"]
    assert "splits.outside(split, points" in sources["04_cart"]
    unet_text = (ROOT / "notebooks_src" / "05_unet.py").read_text()
    assert "unet.prepare_scene(x2, truth, block=256, tile=TILE, stride=64, seed=0)" in unet_text


def test_the_study_areas_split(area, split):
    truth = area["landslide_mask"].data[0]
    assert split.shape == truth.shape == (1024, 1024)
    assert np.bincount(split.block_map.ravel()).tolist() == [10, 3, 3]
    held = split.held_out(layers.evaluation_mask(area))
    assert held.sum() > 100_000 and truth[held].sum() > 1_000   # enough landslide pixels to score
    # the U-Net's scene split of notebook 05 is the same split
    from course_lib import unet
    scene_split = unet.blocked_split(truth.shape, block=256, tile=128, stride=64, truth=truth,
                                     seed=0)
    assert scene_split.same_as(split)


def test_cart_never_trains_on_the_held_out_points(area, split):
    """Changing the classes of the points inside the test blocks changes nothing: they are
    left out (splits.outside) before any tree is grown."""
    points = area["training_points"]
    stack = layers.setting_layers(4, area)
    table = sampling.sample_at_points(stack, points, on_invalid="keep")
    keep = splits.outside(split, points["row"].to_numpy(), points["col"].to_numpy())
    assert 0 < (~keep).sum() < len(points)
    assert not split.region("test")[points["row"][keep], points["col"][keep]].any()
    scrambled = table.copy()
    scrambled.loc[~keep, "class_name"] = "landslide"
    held = split.held_out(layers.evaluation_mask(area))
    truth = area["landslide_mask"]
    blocks = split.blocks("test")
    a = cart.seed_runs(table[keep], stack, truth, held, blocks, seeds=[0])
    b = cart.seed_runs(scrambled[keep], stack, truth, held, blocks, seeds=[0])
    pd.testing.assert_frame_equal(a, b)


def test_obia_never_trains_on_a_segment_touching_the_test_blocks(split):
    rng = np.random.default_rng(1)
    labels = (np.arange(1024)[:, None] // 16 * 64 + np.arange(1024)[None, :] // 16 + 1)
    labels[300:303, :] = labels.max() + 1                  # a long segment across blocks
    part = classifier.split_segments_by_region(labels, split.region("test"))
    train = (part == "outside").to_numpy()
    features = pd.DataFrame({"a": rng.normal(size=len(part)), "b": rng.normal(size=len(part))})
    y = (features["a"] > 1).astype(int).to_numpy()
    y_scrambled = y.copy()
    y_scrambled[~train] = 1 - y_scrambled[~train]          # the held-out segments' labels flipped
    f1 = classifier.train_random_forest(features[train], y[train], n_estimators=10)
    f2 = classifier.train_random_forest(features[train], y_scrambled[train], n_estimators=10)
    np.testing.assert_array_equal(classifier.landslide_probability(f1, features),
                                  classifier.landslide_probability(f2, features))
    touching = np.unique(labels[split.region("test")])
    assert not train[touching - 1].any()


def test_unet_scene_never_cuts_training_or_validation_tiles_from_the_test_blocks(area, split):
    pytest.importorskip("keras")
    from course_lib import unet

    x = layers.setting_layers(2, area)
    truth = area["landslide_mask"].data[0]
    scene = unet.prepare_scene(x, truth, block=256, tile=128, stride=64, seed=0)
    test = split.region("test")
    assert scene.split.same_as(split)
    for sample in (*scene.train, *scene.val):
        assert not (sample.region & test).any()
    # the normalisation comes from the training blocks only: changing the test blocks' values
    # changes nothing
    data = x.data.copy()
    data[:, test] = 1e3
    from course_lib.data.raster import Raster
    other = unet.prepare_scene(Raster(data, x.transform, x.crs, x.band_names), truth,
                               block=256, tile=128, stride=64, seed=0)
    np.testing.assert_array_equal(other.stats.mean, scene.stats.mean)


# The values of notebook 04's parameters cell; the ranking its text states is checked with them.
N_SEEDS, N_RESAMPLES = 20, 20


def test_notebook_04_states_only_the_ranking_that_holds_for_every_run(area, split):
    """Notebook 04 says that, over its tree seeds and resampled points, the only ranking that
    held in every run is "setting 4 beat setting 3"; recompute it with its own values."""
    source = (ROOT / "notebooks_src" / "04_cart.py").read_text()
    assert re.search(rf"^N_SEEDS = {N_SEEDS}\b", source, re.M)
    assert re.search(rf"^N_RESAMPLES = {N_RESAMPLES}\b", source, re.M)
    assert "holds one statement only, that Sentinel-2 alone (setting 4) beat radar alone" in source
    from course_lib.config import DEFAULT_SEED

    points = area["training_points"]
    keep = splits.outside(split, points["row"].to_numpy(), points["col"].to_numpy())
    held = split.held_out(layers.evaluation_mask(area))
    truth = area["landslide_mask"]
    by_seed, by_points = {}, {}
    for k in (1, 2, 3, 4):
        stack = layers.setting_layers(k, area)
        table = sampling.sample_at_points(stack, points, on_invalid="keep")[keep]
        by_seed[f"setting {k}"] = cart.seed_runs(
            table, stack, truth, held, split.blocks("test"),
            seeds=sorted({DEFAULT_SEED, *range(N_SEEDS - 1)}))["mcc"]
        by_points[f"setting {k}"] = cart.resample_runs(
            table, stack, truth, held, split.blocks("test"), n_resamples=N_RESAMPLES,
            seed=DEFAULT_SEED)["mcc"]
    runs = pd.concat([pd.DataFrame(by_seed), pd.DataFrame(by_points)], ignore_index=True)
    assert len(runs) == N_SEEDS + N_RESAMPLES
    assert metrics.rankings_that_hold(runs) == [
        f"setting 4 > setting 3 ({len(runs)} of {len(runs)} runs)"]
    places = metrics.first_and_last(runs)
    assert places["setting 4"]["first"] > len(runs) / 2      # "first ... in most runs"
    assert places["setting 3"]["last"] > len(runs) / 2       # "... and setting 3 last"


# ------------------------------------------------------------------ spread helpers


def test_spread_helpers():
    runs = pd.DataFrame({"a": [0.5, 0.7, 0.6], "b": [0.4, 0.8, np.nan], "c": [0.1, 0.2, 0.3]})
    summary = metrics.spread_summary(runs)
    assert summary.loc["b", "runs"] == 2 and summary.loc["a", "mean"] == pytest.approx(0.6)
    assert metrics.wins(runs).loc["a", "c"] == 3
    assert sorted(metrics.rankings_that_hold(runs)) == ["a > c (3 of 3 runs)",
                                                        "b > c (2 of 2 runs)"]
    assert metrics.first_and_last(runs)["c"] == {"first": 0, "last": 2}
    assert metrics.order_counts(runs).sum() == 2            # the row with a NaN is left out
    assert metrics.format_spread(summary)["c"] == "20.0 (10.0-30.0)"
    assert metrics.separated({"x": [0.5, 0.6], "y": [0.55]}) == []        # overlap: no order
    with pytest.raises(TypeError, match="runs"):
        metrics.spread_summary([0.1, 0.2])
    with pytest.raises(ValueError, match="no score"):
        metrics.spread_summary(pd.DataFrame({"a": [np.nan]}))
    with pytest.raises(TypeError, match="samples"):
        metrics.separated([0.1])


# ------------------------------------------------------------------ per-scene standardisation


def test_standardise_removes_a_shift_and_stretch_of_the_whole_scene():
    from affine import Affine
    from rasterio.crs import CRS

    from course_lib.data.raster import Raster

    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 30, 30)).astype(np.float32)
    a[0, 0, 0] = np.nan
    b = 3.0 * a - 7.0                                   # the same scene, other units
    np.testing.assert_allclose(transfer.standardise(a), transfer.standardise(b), atol=1e-5)
    assert np.isnan(transfer.standardise(b)[0, 0, 0])
    raster = Raster(b, Affine(10, 0, 0, 0, -10, 0), CRS.from_epsg(32632), ("x", "y"))
    out = transfer.standardise(raster)
    assert out.band_names == ("x", "y") and out.data.dtype == np.float32
    mean, std = transfer.band_statistics(a)
    np.testing.assert_allclose(transfer.standardise(b, 3 * mean - 7, 3 * std),
                               transfer.standardise(a), atol=1e-5)
    with pytest.raises(ValueError, match="both"):
        transfer.standardise(a, mean=mean)
    with pytest.raises(ValueError, match="finite"):
        transfer.band_statistics(np.full((1, 3, 3), np.nan))


# ------------------------------------------------------------------ plots


def test_fair_race_runs_and_worlds_plots():
    from course_lib.viz import evaluation_plots as ep

    index = pd.MultiIndex.from_tuples([("OBIA", "objects"), ("CART", "S2 only (5)")],
                                      names=["method", "setting"])
    race = pd.DataFrame({"held-out mcc": [0.7, 0.6], "runs min": [0.7, 0.4],
                         "runs max": [0.7, 0.62], "whole-area mcc": [0.8, np.nan],
                         "paper mcc": [np.nan, 0.65]}, index=index)
    fig = ep.plot_fair_race(race)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["OBIA\nobjects", "CART\nS2 only (5)"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "whole area (includes training areas)" in labels and any("paper" in t for t in labels)
    with pytest.raises(TypeError, match="held-out mcc"):
        ep.plot_fair_race(pd.DataFrame({"mcc": [0.5]}))
    runs = {"tree seed": pd.DataFrame({"s1": [0.2, 0.3], "s4": [0.6, 0.61]}),
            "resampled points": pd.DataFrame({"s1": [0.1], "s4": [0.5]})}
    fig = ep.plot_runs(runs, title="t")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["s1", "s4"]
    assert len(fig.axes[0].collections) == 4             # one scatter per kind and contender
    with pytest.raises(TypeError, match="runs"):
        ep.plot_runs([1, 2])
    lc = np.ones((20, 20), np.uint8)
    truth = np.zeros((20, 20), np.uint8)
    truth[5:8, 5:8] = 1
    test = np.zeros((20, 20), bool)
    test[:10, :10] = True
    fig = ep.plot_worlds({"a": (lc, truth, test), "b": (lc, truth, test)})
    assert len(fig.axes) == 2 and fig.axes[0].get_title().startswith("a")


# ------------------------------------------------------------------ notebook 06, section 10

#: Notebook 06's parameters for its other valleys (checked against its parameters cell).
WORLD_SIZE, TRANSFER_SEEDS = 512, 10


def test_notebook_06_cart_transfer_statement_holds_for_every_seed():
    """Section 10 says the CART trained on each new valley's own points beat every CART
    trained on Jølster (alone, standardised per scene, or with the other valley), for every
    tree seed tried; recompute it with the notebook's values."""
    from course_lib.simulator import StudyAreaParams

    source = (ROOT / "notebooks_src" / "06_evaluation.py").read_text()
    assert re.search(rf"^WORLD_SIZE = {WORLD_SIZE}\b", source, re.M)
    assert re.search(rf"^TRANSFER_SEEDS = {TRANSFER_SEEDS}\b", source, re.M)
    worlds = {"J": StudyAreaParams(),
              "B": StudyAreaParams(seed=7, size=WORLD_SIZE, treeline_shift_m=200.0,
                                   cloud_cover=1.5),
              "C": StudyAreaParams(seed=11, size=WORLD_SIZE, valley_axis="north-south",
                                   treeline_shift_m=-100.0)}
    assert 'StudyAreaParams(seed=7, size=WORLD_SIZE, treeline_shift_m=200.0,' in source
    assert 'StudyAreaParams(seed=11, size=WORLD_SIZE, valley_axis="north-south",' in source
    data = {}
    for name, params in worlds.items():
        area = load_study_area(params)
        x = layers.setting_layers(2, area)
        truth = area["landslide_mask"].data[0]
        split = splits.evaluation_split(truth, block=max(128, 256 * params.size // 1024))
        points = area["training_points"]
        table = sampling.sample_at_points(x, points, on_invalid="keep")
        keep = splits.outside(split, points["row"].to_numpy(), points["col"].to_numpy())
        data[name] = dict(x=x, truth=truth, split=split, points=points, table=table,
                          local=table[keep], held=split.held_out(layers.evaluation_mask(area)))
    seeds = list(range(TRANSFER_SEEDS))
    for target, other in (("B", "C"), ("C", "B")):
        w = data[target]
        j_std = sampling.sample_at_points(transfer.standardise(data["J"]["x"]),
                                          data["J"]["points"], on_invalid="keep")
        recipes = {"local": (w["local"], w["x"]), "J": (data["J"]["table"], w["x"]),
                   "J std": (j_std, transfer.standardise(w["x"])),
                   "J+other": (pd.concat([data["J"]["table"], data[other]["table"]]), w["x"])}
        runs = {name: cart.seed_runs(t, stack, w["truth"], w["held"], w["split"].blocks("test"),
                                     seeds=seeds)["mcc"].to_numpy()
                for name, (t, stack) in recipes.items()}
        for name in ("J", "J std", "J+other"):
            assert metrics.separated({"local": runs["local"], name: runs[name]}) == [
                f"local > {name} ({TRANSFER_SEEDS} and {TRANSFER_SEEDS} runs)"], (target, name)
