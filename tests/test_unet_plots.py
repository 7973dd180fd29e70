"""Tests of course_lib.viz.unet_plots (figures, and the threshold widget callback)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_lib import unet
from course_lib.viz import unet_plots as up


def test_architecture_drawing_has_one_box_per_level():
    fig = up.plot_architecture(depth=3, base_filters=8, n_bands=3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum("2 x conv" in t for t in texts) == 7
    assert any("16 x 16 x 64" in t for t in texts)          # bottleneck of depth 3, base 8


def test_split_plot_with_random_panel():
    truth = np.zeros((512, 512), np.uint8)
    truth[100:120, 300:330] = 1
    split = unet.blocked_split(truth.shape, block=128, truth=truth, seed=0)
    fig = up.plot_split(split, truth, random_tiles=unet.random_tile_split(truth.shape, seed=0))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert "train" in fig.axes[0].get_title()


def test_augmentation_and_history_plots():
    rng = np.random.default_rng(0)
    mask = (rng.random((64, 64)) < 0.1).astype(np.int8)
    image = rng.normal(size=(64, 64, 3)).astype(np.float32)
    fig = up.plot_augmentations(image, mask, n=4)
    assert len(fig.axes) == 5
    # the copies show different flips / rotations: no two outlines are the same
    outlines = [ax.collections[0].get_paths()[0].vertices for ax in fig.axes]
    assert all(not (a.shape == b.shape and np.allclose(a, b))
               for i, a in enumerate(outlines) for b in outlines[:i])
    hist = {"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.95], "lr": [1e-3, 2e-3, 1e-3]}
    fig = up.plot_history(hist)
    assert len(fig.axes) == 2
    fig = up.plot_history({**hist, "step_lr": [1e-4, 5e-4, 1e-3, 8e-4, 2e-4]})
    assert fig.axes[1].get_xlabel() == "training step"
    assert len(fig.axes[1].lines[0].get_xdata()) == 5


def test_probability_threshold_view_scores_only_valid_pixels():
    rng = np.random.default_rng(1)
    truth = (rng.random((60, 60)) < 0.1).astype(np.uint8)
    prob = np.clip(truth * 0.6 + rng.random((60, 60)) * 0.4, 0, 1).astype(np.float32)
    valid = np.zeros_like(truth, bool)
    valid[:30] = True
    view = up.probability_threshold_view(prob, truth, 0.5, valid=valid, chosen=0.4)
    c = view.counts
    assert c.tp + c.fp + c.fn + c.tn == valid.sum()
    expected_tp = int(((prob >= 0.5) & (truth == 1) & valid).sum())
    assert c.tp == expected_tp
    assert view.scores.mcc == pytest.approx(
        unet.scores_by_threshold(prob, truth, [0.5], valid=valid)[0])


def test_chip_prediction_plot_handles_mixed_sizes():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (s, s + 10, 3)).astype(np.float32) for s in (40, 90)]
    masks = [(rng.random(im.shape[:2]) < 0.2).astype(np.uint8) for im in images]
    probs = [rng.random(im.shape[:2]).astype(np.float32) for im in images]
    fig = up.plot_chip_predictions(images, masks, probs, 0.5)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 4
    # the probabilities have a colour bar, in the course's probability map
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and bars[0].get_ylabel() == "landslide probability"
    assert panels[2].images[0].get_cmap().name.startswith("cividis")
    # one band of a float chip, in grey, named in the title
    fig = up.plot_chip_predictions(images, masks, probs, 0.5, band=2, band_name="dNDVI")
    shown = fig.axes[0].images[0].get_array()
    assert shown.ndim == 2 and shown.shape == images[0].shape[:2]
    assert "dNDVI" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="no chips"):
        up.plot_chip_predictions([], [], [], 0.5)
