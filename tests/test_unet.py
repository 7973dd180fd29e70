"""Tests of course_lib.unet: tiling, split, normalisation, augmentation, prediction, saving,
training time budget, threshold and the chip loader. Tiny models and images keep them fast."""

from __future__ import annotations

import time

import numpy as np
import pytest

from course_lib import unet

# ----------------------------------------------------------------------------- tiling / split

@pytest.mark.parametrize("shape", [(1024, 1024), (300, 517), (128, 128), (129, 200)])
def test_tiles_cover_the_scene(shape):
    origins = unet.tile_origins(shape, 128, 64)
    cover = unet.tile_coverage(shape, origins, 128)
    assert (cover >= 1).all()
    assert (origins[:, 0] + 128 <= shape[0]).all() and (origins[:, 1] + 128 <= shape[1]).all()
    # regular stride except the last, flush tile
    rows = np.unique(origins[:, 0])
    assert rows[0] == 0 and rows[-1] == shape[0] - 128
    assert (np.diff(rows) <= 64).all()


def test_tiles_of_the_paper_grid():
    origins = unet.tile_origins((1024, 1024), 128, 64)
    assert len(origins) == 15 * 15


def test_tile_arguments_are_checked():
    with pytest.raises(ValueError, match="stride"):
        unet.tile_starts(300, 128, 200)
    with pytest.raises(ValueError, match="tile"):
        unet.tile_starts(300, 0, 64)


def test_blocked_split_has_no_overlap_between_sets():
    rng = np.random.default_rng(3)
    truth = (rng.random((1024, 1024)) < 0.01).astype(np.uint8)
    split = unet.blocked_split(truth.shape, block=256, truth=truth, seed=5)
    counts = split.counts()
    assert all(n > 0 for n in counts.values())
    names = list(split.tiles)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert unet.shared_pixels(split.tiles[a], split.tiles[b], truth.shape) == 0
    # every tile lies inside its own set's blocks
    for name, origins in split.tiles.items():
        region = split.region(name)
        for r, c in origins:
            assert region[r:r + 128, c:c + 128].all()
    # the regions partition the scene, with about the requested shares of blocks
    regions = split.region_map()
    assert set(np.unique(regions)) == {0, 1, 2}
    assert np.bincount(split.block_map.ravel()).tolist() == [10, 3, 3]


def test_random_split_leaks_and_blocked_split_is_reproducible():
    random = unet.random_tile_split((512, 512), seed=0)
    assert unet.shared_pixels(random["train"], random["test"], (512, 512)) > 0
    a = unet.blocked_split((512, 512), block=128, seed=1)
    b = unet.blocked_split((512, 512), block=128, seed=1)
    assert np.array_equal(a.block_map, b.block_map)


def test_blocked_split_bad_input():
    with pytest.raises(ValueError, match="at least one tile"):
        unet.blocked_split((512, 512), block=64)
    with pytest.raises(ValueError, match="blocks"):
        unet.blocked_split((256, 256), block=256)
    with pytest.raises(ValueError, match="truth"):
        unet.blocked_split((512, 512), block=128, truth=np.zeros((5, 5)))


# ----------------------------------------------------------------------------- normalisation

def test_band_stats_from_training_region_only():
    x = np.zeros((10, 10, 2), np.float32)
    x[:5, :, 0] = 1.0
    x[5:, :, 0] = 100.0                      # "test" half: must not change the statistics
    x[:5, :, 1] = np.arange(50).reshape(5, 10)
    x[0, 0, 1] = np.nan
    region = np.zeros((10, 10), bool)
    region[:5] = True
    stats = unet.fit_band_stats(x, ["a", "b"], regions=region, verbose=False)
    assert stats.mode == "training" and "physical units" in stats.reason   # float32: auto
    assert stats.mean[0] == pytest.approx(1.0) and stats.std[0] == 1.0  # constant -> std 1
    assert stats.mean[1] == pytest.approx(np.nanmean(x[:5, :, 1]))
    z = unet.normalise(x, stats)
    assert z.dtype == np.float32 and np.isfinite(z).all()
    assert z[0, 0, 1] == 0.0                 # NaN -> 0 after standardising
    assert np.isnan(x[0, 0, 1])              # input untouched
    assert unet.BandStats.from_dict(stats.to_dict()).band_names == ("a", "b")


def test_per_chip_normalisation_and_band_checks():
    img = np.random.default_rng(0).uniform(0, 255, (20, 30, 3)).astype(np.float32)
    stats = unet.fit_band_stats([img], ["r", "g", "b"], mode="per_chip")
    z = unet.normalise(img * 3 + 7, stats)      # another exposure: the same standardised chip
    assert np.allclose(z.mean(axis=(0, 1)), 0, atol=1e-4)
    assert np.allclose(z.std(axis=(0, 1)), 1, atol=1e-3)
    assert np.allclose(z, unet.normalise(img, stats), atol=1e-4)
    with pytest.raises(ValueError, match="bands"):
        unet.normalise(img[..., :2], stats)
    with pytest.raises(ValueError, match="no finite"):
        unet.fit_band_stats(np.full((4, 4, 1), np.nan), ["a"])


def test_normalisation_is_chosen_by_data_type_and_said(capsys):
    """8-bit imagery per chip, physical units (uint16 DN, float) by training statistics."""
    rgb8 = [np.random.default_rng(i).integers(0, 255, (16, 16, 3), dtype=np.uint8)
            for i in range(2)]
    stats = unet.fit_band_stats(rgb8, ["R", "G", "B"])
    assert stats.mode == "per_chip" and "8-bit" in stats.reason
    assert "normalisation: per chip" in capsys.readouterr().out
    dn = [(im.astype(np.uint16) * 40) for im in rgb8]
    assert unet.fit_band_stats(dn, ["R", "G", "B"], verbose=False).mode == "training"
    assert unet.fit_band_stats([im.astype(np.float32) for im in rgb8], ["R", "G", "B"],
                               verbose=False).mode == "training"
    assert capsys.readouterr().out == ""
    # the choice travels with the model's metadata
    again = unet.BandStats.from_dict(stats.to_dict())
    assert again.mode == "per_chip" and again.reason == stats.reason
    # per-chip standardisation of a uint8 image equals that of its float copy
    mean, std = unet.standardisation(rgb8[0], stats)
    assert np.allclose(unet.standardise(rgb8[0], mean, std),
                       unet.normalise(rgb8[0].astype(np.float32), stats), atol=1e-5)


# ----------------------------------------------------------------------------- augmentation

def test_augmentation_keeps_image_and_mask_aligned():
    rng = np.random.default_rng(0)
    mask = (rng.random((32, 32)) < 0.3).astype(np.int8)
    image = np.stack([mask * 5.0, rng.normal(size=(32, 32))], axis=-1).astype(np.float32)
    aug = unet.Augmentation(flips=True, rot90=True, gain=0.0, offset=0.0)
    seen = set()
    for _ in range(40):
        img2, mask2 = unet.augment_pair(image, mask, rng, aug)
        assert np.array_equal(img2[..., 0] == 5.0, mask2 == 1)
        seen.add(mask2.tobytes())
    assert len(seen) == 8                    # all 8 symmetries of the square occur
    # radiometric jitter changes the image, never the mask
    img3, mask3 = unet.augment_pair(image, mask, np.random.default_rng(1),
                                    unet.Augmentation(flips=False, rot90=False, gain=0.2))
    assert np.array_equal(mask3, mask) and not np.allclose(img3, image)


def test_d4_inverse_undoes_transform():
    a = np.arange(12.0).reshape(3, 4)
    for k in range(4):
        for flip in (False, True):
            assert np.array_equal(unet.d4_inverse(unet.d4_transform(a, k, flip), k, flip), a)


# ----------------------------------------------------------------------------- threshold

def test_threshold_is_mcc_optimal_on_a_grid():
    rng = np.random.default_rng(0)
    truth = (rng.random(5000) < 0.05).astype(int)
    prob = np.clip(0.3 * truth + rng.normal(0.2, 0.1, truth.size), 0, 1)
    choice = unet.choose_threshold(prob, truth)
    from sklearn.metrics import matthews_corrcoef

    some = choice.thresholds[::8]
    ours = unet.scores_by_threshold(prob, truth, some)
    theirs = np.array([matthews_corrcoef(truth, prob >= t) for t in some])
    nothing_predicted = np.array([(prob >= t).sum() == 0 for t in some])
    assert np.allclose(ours[~nothing_predicted], theirs[~nothing_predicted])
    assert np.isnan(ours[nothing_predicted]).all()   # undefined, where scikit-learn says 0
    assert choice.score == pytest.approx(np.nanmax(choice.scores))
    assert choice.score == pytest.approx(matthews_corrcoef(truth, prob >= choice.threshold))


def test_threshold_undefined_without_positives():
    choice = unet.choose_threshold(np.linspace(0, 1, 10), np.zeros(10))
    assert choice.threshold == 0.5 and np.isnan(choice.score)


# ----------------------------------------------------------------------------- prediction

class ConstantModel:
    """Stands in for a Keras model: probability 0.3 everywhere."""

    def __init__(self):
        self.shapes = []

    def predict_on_batch(self, x):
        self.shapes.append(x.shape)
        return np.full((*x.shape[:3], 1), 0.3, np.float32)


@pytest.mark.parametrize("shape", [(300, 300), (101, 77), (128, 128), (257, 131), (40, 300)])
def test_blended_prediction_of_constant_model_is_constant(shape):
    model = ConstantModel()
    image = np.random.default_rng(0).normal(size=(*shape, 3)).astype(np.float32)
    prob = unet.predict_scene(model, image, tile=128, stride=64, batch_size=4, tta="flips")
    assert prob.shape == shape
    assert np.allclose(prob, 0.3, atol=1e-6)
    assert all(s == (4, 128, 128, 3) for s in model.shapes)   # fixed batch and tile shape


def test_blending_weights_taper():
    w = unet.taper_window(128)
    assert w[64, 64] > 0.99 and w[0, 0] < 0.01 and w.min() > 0


class CoordinateModel:
    """Predicts from the first band through a sigmoid: shows tiles are put back in place."""

    def predict_on_batch(self, x):
        return 1 / (1 + np.exp(-x[..., :1]))


@pytest.mark.parametrize("tta", [False, "flips", "d4"])
def test_blended_prediction_puts_tiles_back_in_place(tta):
    image = np.random.default_rng(1).normal(size=(200, 150, 2)).astype(np.float32)
    prob = unet.predict_scene(CoordinateModel(), image, tile=64, stride=32, tta=tta)
    assert np.allclose(prob, 1 / (1 + np.exp(-image[..., 0])), atol=1e-5)


# ----------------------------------------------------------------------------- Keras parts

@pytest.fixture(scope="module")
def keras():
    return unet.import_keras_quietly()


def _scene(seed=0, size=192):
    rng = np.random.default_rng(seed)
    truth = np.zeros((size, size), np.uint8)
    for _ in range(12):
        r, c = rng.integers(0, size - 12, 2)
        truth[r:r + 10, c:c + 6] = 1
    x = rng.normal(size=(size, size, 2)).astype(np.float32)
    x[..., 0] += 3 * truth
    x[5:9, 5:9, 1] = np.nan
    return x, truth


def test_unet_builder_shapes_and_loss(keras):
    model = unet.build_unet(3, depth=2, base_filters=4)
    out = model.predict_on_batch(np.zeros((2, 64, 64, 3), np.float32))
    assert out.shape == (2, 64, 64, 1)
    y_true = np.array([[1.0, 0.0, -1.0, 1.0]])
    y_good = np.array([[0.99, 0.01, 0.5, 0.99]])
    y_bad = np.array([[0.01, 0.99, 0.5, 0.01]])
    good = float(unet.bce_dice_loss(y_true, y_good))
    assert good < 0.1 < float(unet.bce_dice_loss(y_true, y_bad))
    # the ignored pixel (-1) does not change the loss
    assert float(unet.bce_dice_loss(y_true, np.array([[0.99, 0.01, 0.9, 0.99]]))) == \
        pytest.approx(good, rel=1e-5)
    with pytest.raises(ValueError, match="depth"):
        unet.build_unet(3, depth=0)


def test_mobilenet_unet_shapes_momentum_weights_file_and_offline_error(keras, tmp_path,
                                                                       monkeypatch):
    model = unet.build_mobilenet_unet(2, bn_momentum=0.9, decoder_filters=(16, 8, 8, 4))
    out = model.predict_on_batch(np.zeros((1, 64, 96, 2), np.float32))
    assert out.shape == (1, 64, 96, 1)
    norms = [layer for layer in model.get_layer("mobilenet_v2_encoder").layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.momentum == 0.9 for layer in norms)   # not Keras' 0.999
    # weights from a file: the same MobileNetV2 without its top, saved as Keras does
    source = keras.applications.MobileNetV2(input_shape=(None, None, 3), include_top=False,
                                            weights=None, alpha=0.35)
    path = tmp_path / "mobilenet_v2_035_notop.weights.h5"
    source.save_weights(path)
    loaded = unet.build_mobilenet_unet(3, weights=str(path), train_encoder=False)
    encoder = loaded.get_layer("mobilenet_v2_encoder")
    assert not encoder.trainable
    kernel = encoder.get_layer("Conv1").get_weights()[0]
    assert np.array_equal(kernel, source.get_layer("Conv1").get_weights()[0])
    with pytest.raises(ValueError, match="could not load MobileNetV2 weights"):
        unet.build_mobilenet_unet(3, weights=str(tmp_path / "missing.weights.h5"))
    # "imagenet" without a network: a clear error, and no request leaves the machine
    from urllib.error import URLError

    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils

    def offline(*args, **kwargs):
        raise URLError("no network")

    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    monkeypatch.setattr(keras_config, "keras_home", lambda: str(tmp_path / "keras_home"))
    with pytest.raises(RuntimeError, match="needs the internet.*weights=None"):
        unet.build_mobilenet_unet(3, weights="imagenet")
    with pytest.raises(ValueError, match="multiple of 32"):
        unet.TrainConfig(architecture="mobilenet_v2", tile=48)
    with pytest.raises(ValueError, match="architecture"):
        unet.TrainConfig(architecture="resnet")


def test_make_sample_ignores_nan_and_pads_small_images(keras):
    x, truth = _scene()
    stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
    s = unet.make_sample(x[:50, :70], truth[:50, :70], stats, tile=64)
    assert s.image.shape == (50, 70, 2) and s.shape == (50, 70)      # the image is not copied
    assert np.shares_memory(s.image, x)
    assert s.label.shape == (64, 70)                                # labels padded to a tile
    assert (s.label[50:] == -1).all() and (s.label[5:9, 5:9] == -1).all()
    tile = s.window(0, 64, 0, 64)                                   # standardised, 0-padded
    assert tile.shape == (64, 64, 2) and (tile[50:] == 0).all() and np.isfinite(tile).all()
    assert np.allclose(tile[:50, :64], unet.normalise(x[:50, :64], stats))
    with pytest.raises(ValueError, match="same size"):
        unet.make_sample(x, truth[:10], stats)


def test_streamed_dataset_is_seeded_and_stays_in_region(keras):
    x, truth = _scene()
    stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
    region = np.zeros(truth.shape, bool)
    region[:100, :] = True
    marker = x.copy()
    marker[100:, :, 1] = 1e6                 # outside the region: must never be cut
    s = unet.make_sample(marker, truth, stats, region=region)
    ds = unet.TileDataset([s], batch_size=4, steps=3, tile=64, seed=7,
                          augmentation=unet.Augmentation())
    xb, yb = ds[0]
    assert xb.shape == (4, 64, 64, 2) and yb.shape == (4, 64, 64, 1)
    assert np.abs(xb).max() < 1e3
    again = unet.TileDataset([s], batch_size=4, steps=3, tile=64, seed=7,
                             augmentation=unet.Augmentation())
    assert np.array_equal(again[0][0], xb)


def test_foreground_oversampling_puts_a_positive_in_every_tile_and_keeps_the_region():
    rows = cols = 200
    truth = np.zeros((rows, cols), np.uint8)
    truth[150:153, 20:23] = 1                 # one small slide, inside the region
    truth[10:13, 180:183] = 1                 # one outside it
    x = np.random.default_rng(0).normal(size=(rows, cols, 2)).astype(np.float32)
    stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
    region = np.zeros(truth.shape, bool)
    region[100:, :] = True
    s = unet.make_sample(x, truth, stats, region=region)
    ds = unet.TileDataset([s], batch_size=16, steps=2, tile=64, seed=3, positive_fraction=1.0)
    _, yb = ds[0]
    assert (yb.reshape(16, -1) == 1).any(axis=1).all()      # every tile holds the slide
    uniform = unet.TileDataset([s], batch_size=16, steps=2, tile=64, seed=3)
    assert (uniform[0][1].reshape(16, -1) == 1).any(axis=1).sum() < 16
    assert np.array_equal(ds[1][1], unet.TileDataset([s], batch_size=16, steps=2, tile=64, seed=3,
                                                     positive_fraction=1.0)[1][1])
    for bad in (-0.1, 1.5, True):
        with pytest.raises(ValueError, match="positive_fraction"):
            unet.TileDataset([s], batch_size=4, steps=1, tile=64, positive_fraction=bad)


@pytest.fixture(scope="module")
def tiny_trained(keras):
    x, truth = _scene()
    split = unet.blocked_split(truth.shape, block=64, tile=64, stride=32, truth=truth, seed=0)
    stats = unet.fit_band_stats(x, ["a", "b"], regions=split.region("train"), verbose=False)
    tr = [unet.make_sample(x, truth, stats, region=split.region("train"), tile=64)]
    va = [unet.make_sample(x, truth, stats, region=split.region("val"), tile=64)]
    model = unet.train_unet(tr, va, stats, tile=64, depth=2, base_filters=4, batch_size=4,
                            steps_per_epoch=4, epochs=2, verbose=False, val_stride=32)
    return model, x, truth


def test_training_records_history_threshold_and_info(tiny_trained):
    model, x, truth = tiny_trained
    assert len(model.history["loss"]) == 2 and model.info["steps"] == 8
    assert model.history["steps"] == [4, 8] and len(model.history["step_lr"]) == 8
    assert 0 < model.threshold < 1
    assert model.info["stop_reason"] == "steps" and model.info["planned_steps"] == 8
    prob = model.predict_proba(x, band_names=["a", "b"])
    assert prob.shape == truth.shape
    assert np.isnan(prob[5:9, 5:9]).all() and np.isfinite(prob[20:, 20:]).all()
    binary = model.predict(x)
    assert set(np.unique(binary[np.isfinite(binary)])) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="bands"):
        model.predict_proba(x, band_names=["b", "a"])


def test_save_load_round_trip_predicts_identically(tiny_trained, tmp_path):
    model, x, _ = tiny_trained
    path = model.save(tmp_path / "tiny.keras")
    loaded = unet.load_unet(path)
    assert loaded.band_names == ("a", "b") and loaded.threshold == model.threshold
    assert np.array_equal(loaded.stats.mean, model.stats.mean)
    a = model.predict_proba(x[:100, :90])
    b = loaded.predict_proba(x[:100, :90])
    assert np.array_equal(a, b, equal_nan=True)
    with pytest.raises(FileExistsError):
        model.save(path)
    with pytest.raises(ValueError, match=".keras"):
        model.save(tmp_path / "tiny.h5")
    with pytest.raises(FileNotFoundError):
        unet.load_unet(tmp_path / "missing.keras")


def test_reused_compiled_model_trains_like_a_new_one_and_leaves_earlier_results(keras):
    """A second run with the same architecture reuses the compiled training step (no new
    graph), yet gives the same weights as a new model, and the first result is untouched."""
    from course_lib.unet import train as train_module

    x, truth = _scene(2, 128)
    stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
    s = [unet.make_sample(x, truth, stats, tile=64)]
    options = dict(tile=64, depth=1, base_filters=2, batch_size=2, steps=6, validations=2,
                   verbose=False)
    unet.clear_compiled_models()
    first = unet.train_unet(s, s, stats, seed=1, **options)
    assert first.info["reused_compiled_model"] is False
    first_weights = [w.copy() for w in first.model.get_weights()]
    other = unet.train_unet(s, s, stats, seed=2, **options)
    reused = unet.train_unet(s, s, stats, seed=1, **options)
    assert other.info["reused_compiled_model"] and reused.info["reused_compiled_model"]
    new = unet.train_unet(s, s, stats, seed=1, reuse_compiled=False, **options)
    assert new.info["reused_compiled_model"] is False
    for a, b, c in zip(reused.model.get_weights(), new.model.get_weights(), first_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)
    assert reused.threshold == pytest.approx(new.threshold)
    # training other models did not change the first result's weights
    for a, b in zip(first.model.get_weights(), first_weights):
        assert np.array_equal(a, b)
    assert not any(np.array_equal(a, b) for a, b in
                   zip(other.model.get_weights()[:1], first_weights[:1]))
    assert len(train_module._COMPILED) == 1
    assert unet.clear_compiled_models() == 1 and not train_module._COMPILED


def test_mobilenet_unet_trains_saves_and_loads(keras, tmp_path):
    x, truth = _scene(3, 128)
    stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
    s = [unet.make_sample(x, truth, stats, tile=64)]
    model = unet.train_unet(s, s, stats, tile=64, architecture="mobilenet_v2", batch_size=2,
                            steps=2, validations=1, verbose=False)
    assert model.info["steps"] == 2 and 0 < model.threshold < 1
    prob = model.predict_proba(x[:70, :100])
    assert prob.shape == (70, 100)
    loaded = unet.load_unet(model.save(tmp_path / "mobilenet.keras"))
    assert np.array_equal(loaded.predict_proba(x[:70, :100]), prob, equal_nan=True)


def test_time_budget_governs_the_whole_call(keras):
    """Without steps, training runs until the budget is used, and the last validation and
    the threshold pass fit in it too; the schedule spans the budget."""
    x, truth = _scene(1, 128)
    stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
    s = [unet.make_sample(x, truth, stats, tile=64)]
    options = dict(tile=64, depth=1, base_filters=2, batch_size=2, verbose=False)
    unet.train_unet(s, s, stats, steps=1, **options)    # builds the graph, kept for reuse
    budget = 4.0
    # the process's CPU seconds, not the wall clock: other jobs on a busy test machine
    # (the suite runs in parallel) would otherwise eat the budget before the validations
    model = unet.train_unet(s, s, stats, time_budget_s=budget, tta="flips", clock="process",
                            **options)
    info = model.info
    assert info["stop_reason"] == "time budget" and info["planned_steps"] is None
    assert "used its time budget" in info["stop_note"] and info["clock"] == "process"
    assert info["steps"] >= 5 and info["validations"] >= 2
    # it stops before the next step would overrun: late by at most one step
    late = max(info["first_step_seconds"], info["max_step_seconds"])
    assert info["budget_seconds_used"] <= budget + late + 1.0
    # the schedule ran its course over the budget: it ended near the final rate
    assert model.history["step_lr"][-1] < 0.3 * max(model.history["step_lr"])
    assert model.tta == "flips" and info["tta"] == "flips"


def test_fixed_steps_give_the_same_model_whatever_the_clock(keras, monkeypatch):
    """With steps the result does not depend on time: a slow machine (a clock that runs 50
    times faster) gives identical weights and threshold, and a safety cap that bites says so."""
    from course_lib.unet import train as train_module

    x, truth = _scene(4, 128)
    stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
    s = [unet.make_sample(x, truth, stats, tile=64)]
    options = dict(tile=64, depth=1, base_filters=2, batch_size=2, steps=12, validations=3,
                   verbose=False, time_budget_s=600)
    quick = unet.train_unet(s, s, stats, **options)
    real = time.perf_counter
    monkeypatch.setattr(train_module.time, "perf_counter",
                        lambda: 50 * real())                         # a busy machine
    slow = unet.train_unet(s, s, stats, **options)
    monkeypatch.undo()
    assert quick.info["stop_reason"] == slow.info["stop_reason"] == "steps"
    assert quick.info["steps"] == slow.info["steps"] == 12
    assert quick.threshold == slow.threshold
    for a, b in zip(quick.model.get_weights(), slow.model.get_weights()):
        assert np.array_equal(a, b)
    capped = unet.train_unet(s, s, stats, **{**options, "time_budget_s": 1e-3})
    assert capped.info["stop_reason"] == "time budget" and capped.info["steps"] < 12
    assert "safety cap" in capped.info["stop_note"]


def test_old_epochs_and_steps_per_epoch_keep_working(keras):
    """Notebook 09's call: epochs x steps_per_epoch steps, a validation every steps_per_epoch."""
    cfg = unet.TrainConfig(epochs=3, steps_per_epoch=5, time_budget_s=60, max_val_tiles=32)
    assert cfg.steps == 15 and cfg.validate_every == 5 and cfg.time_budget_s == 60
    assert cfg.epochs * cfg.steps_per_epoch == 15             # notebook 06 prints this
    with pytest.raises(ValueError, match="steps only"):
        unet.TrainConfig(steps=10, epochs=2)
    # a config made with the former names, changed by keywords, keeps one length
    from course_lib.unet.train import _config

    assert _config(cfg, {"steps": 40}).steps == 40
    assert _config(cfg, {"epochs": 4}).steps == 20
    assert _config(cfg, {"verbose": False}).steps == 15
    with pytest.raises(ValueError, match="needs a length"):
        x, truth = _scene(1, 64)
        stats = unet.fit_band_stats(x, ["a", "b"], verbose=False)
        s = [unet.make_sample(x, truth, stats, tile=64)]
        unet.train_unet(s, s, stats)


def _control_with_fake_clock(cfg):
    """train_unet's controller with a clock the test moves by hand."""
    control = unet.Control(cfg)
    clock = [0.0]
    control.now = lambda: clock[0]
    control.start()
    return control, clock


def test_warm_up_counts_from_the_end_of_the_first_step(keras):
    """A first step of 10 s (building the graph) must not use up a 6 s warm-up."""
    cfg = unet.TrainConfig(time_budget_s=60, warmup=0.1, peak_lr=1.0, final_lr_fraction=0.0)
    control, clock = _control_with_fake_clock(cfg)
    rates = []
    for seconds in [10.0] + [1.0] * 20:          # the first step builds the graph
        rates.append(control.learning_rate())
        clock[0] += seconds
        control.step_done(seconds)
    assert rates[0] == rates[1] == pytest.approx(0.1)     # warm-up floor, after 10 s too
    assert rates[2] == pytest.approx(0.2)                 # 1 of the 5 warm-up seconds left
    assert np.all(np.diff(rates[1:6]) > 0) and rates[6] == pytest.approx(1.0, abs=0.01)


def test_a_slow_first_step_does_not_end_training(keras):
    """A first step of 15 s in a 20 s budget (a new graph on a busy CPU) leaves 5 s of
    training; the next step's time is not estimated from the first one."""
    cfg = unet.TrainConfig(time_budget_s=20)
    control, clock = _control_with_fake_clock(cfg)
    steps = 0
    while not control.should_stop() and steps < 100:
        seconds = 15.0 if steps == 0 else 0.5
        clock[0] += seconds
        control.step_done(seconds)
        steps += 1
    assert steps == 11 and clock[0] <= 20.0           # 15 s + 10 steps of 0.5 s
    assert control.stop_reason == "time budget"


def test_the_budget_keeps_time_for_validation_and_threshold(keras):
    """With 4 tiles to validate and 16 for the threshold, measured at 0.25 s per tile, the
    last 5 s of a 60 s budget are kept free; with steps, the schedule follows the steps."""
    cfg = unet.TrainConfig(time_budget_s=60, validations=4)
    control = unet.Control(cfg, val_tiles=4, final_tiles=16)
    clock = [0.0]
    control.now = lambda: clock[0]
    control.start()
    while not control.should_stop():
        clock[0] += 0.5
        control.step_done(0.5)
        if control.validation_due():
            clock[0] += 1.0                               # 4 tiles at 0.25 s
            control.validation_done(1.0)
    assert control.stop_reason == "time budget"
    last = 0.0 if control.validated_at[-1] == control.step else 1.0
    assert 60 - 7 <= clock[0] and clock[0] + last + 4.0 <= 60    # validation + threshold fit
    assert len(control.validated_at) in (3, 4)
    assert len(set(np.diff(control.validated_at))) <= 2           # evenly, no bunching
    steps_cfg = unet.TrainConfig(steps=100, time_budget_s=1e6)
    c = unet.Control(steps_cfg)
    c.step = 50
    assert c.progress() == 0.5


def test_learning_rate_schedule():
    cfg = unet.TrainConfig(peak_lr=1e-3, warmup=0.1)
    lrs = [unet.learning_rate(p, cfg) for p in np.linspace(0, 1, 101)]
    assert max(lrs) == pytest.approx(1e-3) and lrs[-1] < 1e-4
    assert np.argmax(lrs) == 10
    with pytest.raises(ValueError, match="multiple"):
        unet.TrainConfig(tile=100, depth=3)


# ----------------------------------------------------------------------------- chips

def _write_chip_set(tmp_path, sizes=((60, 60), (128, 128), (300, 180), (97, 203)),
                    fmt="png"):
    rng = np.random.default_rng(0)
    images, masks = tmp_path / "images", tmp_path / "masks"
    for i, (h, w) in enumerate(sizes):
        mask = np.zeros((h, w), np.uint8)
        mask[h // 4: h // 2, w // 4: w // 2] = 1
        if fmt == "tif":
            img = rng.normal(size=(h, w, 4)).astype(np.float32)
        else:
            img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
        unet.write_chip(img, mask, images, masks, f"region{i % 3}_{i:03d}", fmt=fmt)
    return images, masks


@pytest.mark.parametrize("fmt,bands", [("png", 3), ("jpg", 3), ("tif", 4)])
def test_load_chip_folder_mixed_sizes(tmp_path, fmt, bands):
    images, masks = _write_chip_set(tmp_path, fmt=fmt)
    chips = unet.load_chip_folder(images, masks)
    assert [c.name for c in chips] == ["region0_000", "region0_003", "region1_001",
                                       "region2_002"]                 # sorted by name
    assert [c.image.shape[:2] for c in chips] == [(60, 60), (97, 203), (128, 128), (300, 180)]
    dtype = np.float32 if fmt == "tif" else np.uint8                 # kept as stored
    assert all(c.image.shape[-1] == bands and c.image.dtype == dtype for c in chips)
    assert all(set(np.unique(c.mask)) == {0, 1} for c in chips)
    assert [c.group for c in chips] == ["region0", "region0", "region1", "region2"]


def test_load_chip_folder_masks_0_1_and_suffix_in_one_folder(tmp_path):
    from PIL import Image

    folder = tmp_path / "chips"
    folder.mkdir()
    img = np.zeros((20, 30, 3), np.uint8)
    Image.fromarray(img).save(folder / "a.png")
    Image.fromarray(np.eye(20, 30, dtype=np.uint8)).save(folder / "a_mask.png")   # 0/1
    chips = unet.load_chip_folder(folder, folder)
    assert len(chips) == 1 and chips[0].mask.sum() == 20


def test_load_chip_folder_bad_inputs(tmp_path):
    from PIL import Image

    images, masks = _write_chip_set(tmp_path)
    # an image without a mask and a mask without an image: skipped, named in a warning
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(images / "lonely.png")
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(masks / "orphan.png")
    with pytest.warns(UserWarning, match=r"without a mask.*lonely.png.*without an image.*orphan"):
        chips = unet.load_chip_folder(images, masks, verbose=False)
    assert len(chips) == 4 and "lonely" not in [c.name for c in chips]
    (images / "lonely.png").unlink()
    (masks / "orphan.png").unlink()
    # mask of another size
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(masks / "region0_000.png")
    with pytest.raises(ValueError, match="region0_000.png.*same size"):
        unet.load_chip_folder(images, masks)
    # bad mask values, with the file and the fix
    Image.fromarray(np.full((60, 60), 7, np.uint8)).save(masks / "region0_000.png")
    with pytest.raises(ValueError, match=r"region0_000.png holds the values \[7\].*0/1 or 0/255"):
        unet.load_chip_folder(images, masks)
    # empty and missing folders
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no image / mask pair"):
        unet.load_chip_folder(empty, masks)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        unet.load_chip_folder(tmp_path / "nope", masks)
    # different numbers of bands
    Image.fromarray(np.full((60, 60), 255, np.uint8)).save(masks / "region0_000.png")
    (images / "region0_000.png").unlink()
    Image.fromarray(np.zeros((60, 60), np.uint8)).save(images / "region0_000.png")  # 1 band
    with pytest.raises(ValueError, match="numbers of bands"):
        unet.load_chip_folder(images, masks)


def test_split_chips_random_and_by_group(tmp_path):
    sizes = [(40 + i, 50) for i in range(12)]
    images, masks = _write_chip_set(tmp_path, sizes=sizes)
    chips = unet.load_chip_folder(images, masks)
    rnd = unet.split_chips(chips, by="random", seed=0)
    assert sum(len(v) for v in rnd.values()) == 12 and all(rnd.values())
    grp = unet.split_chips(chips, by="group", seed=0)
    groups = {k: {c.group for c in v} for k, v in grp.items()}
    assert all(groups.values())
    assert not (groups["train"] & groups["test"]) and not (groups["train"] & groups["val"])
    with pytest.raises(ValueError, match=r"3 groups; found \['region0', 'region1'\]"):
        unet.split_chips([c for c in chips if c.group != "region2"], by="group")


def test_chip_windows_never_overlap_and_name_their_region(tmp_path):
    windows = unet.chip_windows((300, 240), sizes=(16, 40, 100), n=30, regions=3, seed=4)
    assert 10 <= len(windows) <= 30
    cover = np.zeros((300, 240), int)
    for w in windows:
        assert 0 <= w.row <= 300 - w.size and 0 <= w.col <= 240 - w.size
        cover[w.slices] += 1
        centre_row, centre_col = w.row + w.size // 2, w.col + w.size // 2
        assert w.group == f"r{centre_row * 3 // 300}c{centre_col * 3 // 240}"
    assert cover.max() == 1                                    # no pixel in two chips
    assert windows == unet.chip_windows((300, 240), sizes=(16, 40, 100), n=30, regions=3,
                                        seed=4)
    # the loader reads the same groups back from the file names
    rng = np.random.default_rng(0)
    for w in windows[:6]:
        unet.write_chip(rng.integers(0, 255, (w.size, w.size, 3), dtype=np.uint8),
                        np.zeros((w.size, w.size), np.uint8), tmp_path / "im", tmp_path / "ma",
                        w.name)
    chips = unet.load_chip_folder(tmp_path / "im", tmp_path / "ma")
    assert sorted(c.group for c in chips) == sorted(w.group for w in windows[:6])
    with pytest.raises(ValueError, match="sizes"):
        unet.chip_windows((50, 50), sizes=(64,))
    # with a validity mask, every window is at least min_valid valid
    valid = np.ones((300, 240), bool)
    valid[:, :120] = False
    valid[::7, :120] = True                     # a sparse stripe pattern: ~14 % valid
    kept = unet.chip_windows((300, 240), sizes=(16, 40), n=20, seed=1, valid=valid,
                             min_valid=0.9)
    assert kept and all(valid[w.slices].mean() >= 0.9 for w in kept)
    with pytest.raises(ValueError, match="valid has shape"):
        unet.chip_windows((300, 240), sizes=(16,), valid=valid[:10])


def test_streamed_tiles_and_prediction_on_chips_of_mixed_sizes(tmp_path, tiny_trained):
    model = tiny_trained[0]                       # 2 bands "a", "b"
    rng = np.random.default_rng(2)
    images, masks = tmp_path / "im", tmp_path / "mk"
    for i, (h, w) in enumerate([(40, 50), (90, 70), (150, 140)]):
        unet.write_chip(rng.normal(size=(h, w, 2)).astype(np.float32),
                        rng.random((h, w)) < 0.2, images, masks, f"c{i}", fmt="tif")
    chips = unet.load_chip_folder(images, masks)
    samples = unet.samples_from_chips(chips, model.stats, tile=64)
    assert [s.image.shape[:2] for s in samples] == [(40, 50), (90, 70), (150, 140)]
    assert [s.label.shape for s in samples] == [(64, 64), (90, 70), (150, 140)]
    assert all(s.image is c.image for s, c in zip(samples, chips))     # not copied
    ds = unet.TileDataset(samples, batch_size=6, steps=2, tile=64, seed=0,
                          augmentation=unet.Augmentation())
    xb, yb = ds[1]
    assert xb.shape == (6, 64, 64, 2) and set(np.unique(yb)) <= {-1.0, 0.0, 1.0}
    for c in chips:
        assert model.predict_proba(c.image).shape == c.image.shape[:2]
    # chips smaller than a tile train and validate (their labels are padded, not their images)
    small = unet.train_unet(chips[:2], chips[:1], model.stats, tile=64, depth=2, base_filters=4,
                            batch_size=2, steps=2, validations=1, verbose=False)
    assert small.info["val_pixels"] == 40 * 50 and small.model.count_params() > 0
    assert model.evaluate(chips).f1 >= 0


def test_normalise_accepts_a_raster_and_refuses_other_objects():
    from affine import Affine
    from rasterio.crs import CRS

    from course_lib.data.raster import Raster

    data = np.random.default_rng(0).normal(size=(2, 6, 5)).astype(np.float32)
    raster = Raster(data, Affine(10, 0, 0, 0, -10, 0), CRS.from_epsg(32632), ("a", "b"))
    stats = unet.fit_band_stats(raster, ["a", "b"])
    assert unet.normalise(raster, stats).shape == (6, 5, 2)
    with pytest.raises(TypeError, match="numeric array or a Raster"):
        unet.normalise("not an image", stats)


# ----------------------------------------------------------------------------- notebook 05

def _printed(nb) -> list[str]:
    """Every line a notebook printed, with times and speeds blanked (they may differ)."""
    import re

    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.output_type == "stream" and out.name == "stdout":
                for line in out.text.splitlines():
                    line = re.sub(r"[\d.]+ steps/s", "<rate> steps/s", line)
                    # times are right-aligned, so their padding varies with their width
                    lines.append(re.sub(r" *\d[\d,.]* s\b", " <time> s", line))
    return lines


@pytest.mark.notebook
def test_notebook_05_prints_the_same_scores_under_another_load(tmp_path):
    """Notebook 05 trains fixed numbers of steps, so two fast-mode runs, the second while
    another process keeps a CPU busy, print the same numbers (only times differ)."""
    import subprocess
    import sys
    from pathlib import Path

    from devtools.notebook_runner import execute_notebook

    path = Path(__file__).resolve().parents[1] / "notebooks" / "05_unet.ipynb"
    quiet = _printed(execute_notebook(path, fast=True,
                                      env={"COURSE_OUTPUT_DIR": str(tmp_path / "a")}))
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = _printed(execute_notebook(path, fast=True,
                                         env={"COURSE_OUTPUT_DIR": str(tmp_path / "b")}))
    finally:
        hog.kill()
        hog.wait()
    scores = [line for line in quiet if "MCC" in line]
    assert len(scores) >= 5, quiet
    assert quiet == busy
