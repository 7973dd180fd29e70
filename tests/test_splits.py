"""The course's one evaluation split (course_lib.splits): shared by every method, never trained on."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from course_lib import splits, unet


def _truth(shape=(1024, 1024), seed=3):
    rng = np.random.default_rng(seed)
    return (rng.random(shape) < 0.01).astype(np.uint8)


def test_unet_reexports_the_one_split():
    """unet.blocked_split keeps working, and is the very same function as splits'."""
    assert unet.blocked_split is splits.blocked_split
    assert unet.BlockedSplit is splits.BlockedSplit
    assert unet.evaluation_split is splits.evaluation_split
    assert unet.tile_origins is splits.tile_origins
    from course_lib.unet import tiling
    assert tiling.blocked_split is splits.blocked_split


def test_evaluation_split_is_the_course_values():
    truth = _truth()
    split = splits.evaluation_split(truth)
    same = splits.blocked_split(truth.shape, block=256, tile=128, stride=64,
                                fractions=(0.6, 0.2, 0.2), truth=truth, seed=0)
    assert split.same_as(same) and np.array_equal(split.block_map, same.block_map)
    assert np.bincount(split.block_map.ravel()).tolist() == [10, 3, 3]
    # a Raster-like object and a study-area-like object give the same split
    class FakeRaster:
        band_names = ("mask",)
        data = truth[None]

    class FakeArea:
        metadata: dict = {}

        def __getitem__(self, name):
            assert name == "landslide_mask"
            return FakeRaster()

    assert splits.evaluation_split(FakeRaster()).same_as(split)
    assert splits.evaluation_split(FakeArea()).same_as(split)


def test_notebook_05_scene_uses_the_evaluation_split():
    """unet.prepare_scene, called as notebook 05 calls it (block=256, tile=128, stride=64,
    seed=0), splits as evaluation_split does (the split itself is compared in
    tests/test_comparison.py, which imports Keras)."""
    from course_lib.unet import scene

    defaults = {k: p.default for k, p in inspect.signature(scene.prepare_scene).parameters.items()}
    assert defaults["fractions"] == splits.EVALUATION_FRACTIONS
    assert splits.EVALUATION_BLOCK == 256 and splits.EVALUATION_TILE == 128
    assert splits.EVALUATION_STRIDE == 64 and splits.EVALUATION_SEED == 0


def test_held_out_and_outside():
    truth = _truth()
    split = splits.evaluation_split(truth)
    valid = np.ones(truth.shape, bool)
    valid[:10] = False
    held = split.held_out(valid)
    assert held.sum() == (split.region("test") & valid).sum() > 0
    rows, cols = np.nonzero(split.region("test"))
    assert not splits.outside(split, rows[:50], cols[:50]).any()
    rows, cols = np.nonzero(split.region("train"))
    assert splits.outside(split, rows[:50], cols[:50]).all()
    with pytest.raises(TypeError, match="rows and cols"):
        splits.outside(split, [0.5], [1.5])
    with pytest.raises(ValueError, match="grid"):
        splits.outside(split, [5000], [0])
    with pytest.raises(ValueError, match="valid"):
        split.held_out(np.ones((5, 5), bool))


def test_evaluation_split_bad_input():
    with pytest.raises(TypeError, match="area_or_truth"):
        splits.evaluation_split("truth.tif")
    with pytest.raises(TypeError, match="area_or_truth"):
        splits.evaluation_split(np.zeros(10))
    with pytest.raises(ValueError, match="block"):
        splits.evaluation_split(_truth((512, 512)), block=64)
    with pytest.raises(ValueError, match="blocks"):
        splits.evaluation_split(_truth((256, 256)))
