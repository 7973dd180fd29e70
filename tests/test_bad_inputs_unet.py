"""Bad input to the U-Net and the chip loader, tried as a learner would: every public function
of ``course_lib.unet`` and ``course_lib.data.chips`` (and the methods of a trained model) gets
a clear error naming the argument, or a documented correct result.

The same pattern as ``tests/test_bad_inputs.py``: each :func:`bad` case asserts the exception
type **and** a pattern naming the argument (or the problem), and that the message is not one of
numpy's or Keras' obscure ones; each :func:`good` case asserts the documented result;
:func:`test_every_public_function_has_a_bad_input_case` finds the public functions by
introspection and fails when one has no case.
"""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from course_lib import unet
from course_lib.data import chips as chips_module
from course_lib.unet import augment, predict, scene, threshold, tiling
from course_lib.unet import trained as trained_module
from course_lib.validation import CorruptFileError

# the package re-exports the function normalise(): take the module itself
normalise = importlib.import_module("course_lib.unet.normalise")

keras = unet.import_keras_quietly()

from course_lib.unet import dataset, model, train  # noqa: E402  (need Keras)

MODULES = ["course_lib.unet", "course_lib.unet.augment", "course_lib.unet.dataset",
           "course_lib.unet.model", "course_lib.unet.normalise", "course_lib.unet.predict",
           "course_lib.unet.scene", "course_lib.unet.threshold", "course_lib.unet.tiling",
           "course_lib.unet.train", "course_lib.unet.trained", "course_lib.data.chips"]

#: Public methods of the trained model a learner calls: they need cases too.
METHODS = {"course_lib.unet.trained.TrainedUNet": ["predict_proba", "predict", "evaluate",
                                                   "save"]}

#: Public functions deliberately without a bad-input case, with the reason.
EXEMPT = {
    "course_lib.unet.import_keras_quietly": "takes no argument",
    "course_lib.unet.train.clear_compiled_models": "takes no argument",
}

OBSCURE = ("not supported between", "has no attribute", "is out of bounds",
           "object is not subscriptable", "unhashable type", "truth value of an array",
           "could not convert string", "ufunc", "object of type 'NoneType'",
           "'NoneType' object", "BadZipFile", "operands could not be broadcast",
           "negative dimensions")

# --------------------------------------------------------------------------- small data
RNG = np.random.default_rng(7)
X = RNG.normal(size=(64, 64, 2)).astype(np.float32)
Y = (RNG.random((64, 64)) < 0.2).astype(np.uint8)
STATS = normalise.fit_band_stats(X, ["a", "b"], verbose=False)
RGB = RNG.integers(0, 255, (40, 50, 3), dtype=np.uint8)


def _sample():
    return dataset.make_sample(X, Y, STATS, tile=32)


_TRAINED: list = []


def _trained():
    """A 2-step model, trained once for all cases that need one."""
    if not _TRAINED:
        s = [_sample()]
        _TRAINED.append(train.train_unet(s, s, STATS, tile=32, depth=1, base_filters=2,
                                         batch_size=2, steps=2, validations=1, verbose=False))
    return _TRAINED[0]


def _chip_folder(t, n=3, names=("ls_000", "ls_001", "ls_002")):
    for name in names[:n]:
        chips_module.write_chip(RGB, Y[:40, :50], t / "im", t / "ma", name)
    return t / "im", t / "ma"


def _png(path, array, mode=None):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode) if mode else Image.fromarray(array)
    (Image.fromarray(array, mode) if mode else Image.fromarray(array)).save(path)
    return path


# --------------------------------------------------------------------------- cases
BAD: list = []
GOOD: list = []


def bad(func, call, exc, match, name=""):
    """``call(tmp_path, monkeypatch)`` must raise ``exc`` with a message matching ``match``."""
    BAD.append(pytest.param(func, call, exc, match,
                            id=f"{func.__qualname__}-{name or match}"[:90]))


def good(func, call, check, name):
    """``check(call(tmp_path, monkeypatch))`` must be true."""
    GOOD.append(pytest.param(func, call, check, id=f"{func.__qualname__}-{name}"[:90]))


# ---- unet (package)
bad(unet.set_threads, lambda t, m: unet.set_threads(0), ValueError, "^n must")
bad(unet.set_threads, lambda t, m: unet.set_threads("2"), TypeError, "^n must be a number")

# ---- augment
bad(augment.augment_pair, lambda t, m: augment.augment_pair(X, Y[:10], np.random.default_rng(0)),
    ValueError, "differ in size")
bad(augment.augment_pair, lambda t, m: augment.augment_pair(X, Y, None), TypeError, "rng")
bad(augment.augment_pair, lambda t, m: augment.augment_pair(X, Y, np.random.default_rng(0),
                                                            True), TypeError, "aug")
bad(augment.d4_transform, lambda t, m: augment.d4_transform(X, 1.5, False), TypeError, "^k ")
bad(augment.d4_inverse, lambda t, m: augment.d4_inverse(X, 1, "yes"), TypeError, "flip")

# ---- dataset
bad(dataset.allowed_origins, lambda t, m: dataset.allowed_origins(X, 32), TypeError, "sample")
bad(dataset.binary_labels, lambda t, m: dataset.binary_labels(np.array([[0, 7]])), ValueError,
    r"0/1 or 0/255.*\[0, 7\]")
bad(dataset.fixed_tiles, lambda t, m: dataset.fixed_tiles(X), TypeError, "samples")
bad(dataset.make_sample, lambda t, m: dataset.make_sample(X, Y[:5], STATS), ValueError,
    "same size")
bad(dataset.make_sample, lambda t, m: dataset.make_sample(X[..., :1], Y, STATS), ValueError,
    "bands")
bad(dataset.samples_from_chips, lambda t, m: dataset.samples_from_chips("chips", STATS),
    TypeError, "chips")
bad(dataset.samples_from_chips, lambda t, m: dataset.samples_from_chips([X], STATS),
    TypeError, "chips.*load_chip_folder")

# ---- model
bad(model.build_unet, lambda t, m: model.build_unet(3, depth=0), ValueError, "depth")
bad(model.build_unet, lambda t, m: model.build_unet(3.5), ValueError, "n_bands")
bad(model.build_mobilenet_unet, lambda t, m: model.build_mobilenet_unet(0), ValueError,
    "n_bands")
bad(model.count_params, lambda t, m: model.count_params(None), TypeError, "model")
bad(model.bce_dice_loss, lambda t, m: model.bce_dice_loss(None, None), TypeError, "y_true")
good(model.bce_dice_loss,
     lambda t, m: (float(model.bce_dice_loss(np.array([[1.0, 0.0, -1.0]]),
                                             np.array([[0.9, 0.1, 0.2]]))),
                   float(model.bce_dice_loss(np.array([[1.0, 0.0, -1.0]]),
                                             np.array([[0.9, 0.1, 0.9]])))),
     lambda r: r[0] == pytest.approx(r[1], rel=1e-6), "ignored pixels do not count")

# ---- normalise
bad(normalise.channels_last, lambda t, m: normalise.channels_last("image"), TypeError,
    "image must be a numeric array")
bad(normalise.channels_last, lambda t, m: normalise.channels_last(np.zeros((2, 2, 2, 2))),
    ValueError, "image must be")
bad(normalise.check_band_names, lambda t, m: normalise.check_band_names(STATS, ["b", "a"]),
    ValueError, "bands.*select")
bad(normalise.choose_mode, lambda t, m: normalise.choose_mode([]), ValueError, "images")
bad(normalise.fit_band_stats, lambda t, m: normalise.fit_band_stats([], ["a"]), ValueError,
    "images")
bad(normalise.fit_band_stats, lambda t, m: normalise.fit_band_stats([X], "ab"), TypeError,
    "band_names")
bad(normalise.fit_band_stats, lambda t, m: normalise.fit_band_stats([X], ["a", "b"],
                                                                    mode="chip"),
    ValueError, "mode")
bad(normalise.normalise, lambda t, m: normalise.normalise(X[..., :1], STATS), ValueError,
    "bands")
bad(normalise.standardisation, lambda t, m: normalise.standardisation(X, {"mean": 0}),
    TypeError, "stats")
bad(normalise.standardise, lambda t, m: normalise.standardise(X, np.zeros(3), np.ones(3)),
    ValueError, "mean one value per band")
bad(normalise.valid_pixels, lambda t, m: normalise.valid_pixels(None), TypeError, "image")
good(normalise.fit_band_stats,
     lambda t, m: normalise.fit_band_stats([RGB], ["R", "G", "B"], verbose=False).mode,
     lambda mode: mode == "per_chip", "uint8 is normalised per chip")

# ---- predict
bad(predict.check_tta, lambda t, m: predict.check_tta("flip"), ValueError, "tta must be")
bad(predict.check_tta, lambda t, m: predict.check_tta(1), ValueError, "tta must be")
bad(predict.count_tiles, lambda t, m: predict.count_tiles((64, 64), None, 0, 32), ValueError,
    "tile")
bad(predict.predict_sample, lambda t, m: predict.predict_sample(_trained().model, X),
    TypeError, "sample must be a Sample")
bad(predict.predict_sample, lambda t, m: predict.predict_sample(_trained(), _sample()),
    TypeError, "model must be a Keras model")
bad(predict.predict_scene, lambda t, m: predict.predict_scene(_trained().model, X[..., 0]),
    ValueError, "image must be")
bad(predict.prediction_windows,
    lambda t, m: predict.prediction_windows((64, 64), np.ones((10, 10), bool), 32), ValueError,
    "region")
bad(predict.taper_window, lambda t, m: predict.taper_window(0), ValueError, "tile")

# ---- scene
bad(scene.held_out_mask, lambda t, m: scene.held_out_mask("test"), TypeError, "split")
bad(scene.prepare_scene, lambda t, m: scene.prepare_scene(np.moveaxis(X, -1, 0), Y[:10]),
    ValueError, "same grid")

# ---- threshold
bad(threshold.choose_threshold, lambda t, m: threshold.choose_threshold(
    RNG.random(50), np.where(RNG.random(50) < 0.3, 255, 0)), ValueError, "0/255.*mask > 0")
bad(threshold.choose_threshold, lambda t, m: threshold.choose_threshold(
    RNG.random(50) * 100, RNG.random(50) < 0.3), ValueError, "probability.*Percent")
bad(threshold.choose_threshold, lambda t, m: threshold.choose_threshold(
    RNG.random(50), RNG.random(50) < 0.3, metric="auc"), ValueError, "metric")
bad(threshold.scores_by_threshold, lambda t, m: threshold.scores_by_threshold(
    RNG.random(50), RNG.random(40) < 0.3, [0.5]), ValueError, "same pixels")
bad(threshold.scores_by_threshold, lambda t, m: threshold.scores_by_threshold(
    RNG.random(50), RNG.random(50) < 0.3, [50]), ValueError, "thresholds")

# ---- tiling (the tile grid and the blocked split live in course_lib.splits, tested there)
bad(tiling.tile_coverage, lambda t, m: tiling.tile_coverage((-5, 10), np.zeros((1, 2))),
    ValueError, r"shape must be an integer in \[1, inf\]")
bad(tiling.random_tile_split, lambda t, m: tiling.random_tile_split((100, 100), tile=0),
    ValueError, "tile")
bad(tiling.shared_pixels, lambda t, m: tiling.shared_pixels(np.zeros((1, 2)), np.zeros((1, 2)),
                                                            (64, 64), tile=0),
    ValueError, "tile")

# ---- train
bad(train.build_model, lambda t, m: train.build_model(3, {"depth": 3}), TypeError, "cfg")
bad(train.learning_rate, lambda t, m: train.learning_rate("half", train.TrainConfig()),
    TypeError, "progress")
bad(train.train_unet, lambda t, m: train.train_unet([_sample()], [_sample()], STATS,
                                                    config={"steps": 5}),
    TypeError, r"config must be a TrainConfig.*\*\*d")
bad(train.train_unet, lambda t, m: train.train_unet([_sample()], [_sample()], STATS,
                                                    time_budget_s=float("nan")),
    ValueError, "time_budget_s must be a finite number")
bad(train.train_unet, lambda t, m: train.train_unet([_sample()], [_sample()], STATS, steps=5,
                                                    augmentation=True),
    TypeError, "augmentation must be an Augmentation.*unet.Augmentation")
bad(train.train_unet, lambda t, m: train.train_unet([_sample()], [_sample()], STATS, stpes=5),
    TypeError, "unknown training options")
bad(train.train_unet, lambda t, m: train.train_unet([_sample()], [_sample()], "stats",
                                                    steps=5),
    TypeError, "stats must be a BandStats")
bad(train.train_unet, lambda t, m: train.train_unet([], [_sample()], STATS, steps=5),
    ValueError, "train is empty")
bad(train.train_unet, lambda t, m: train.train_unet(_sample(), [_sample()], STATS, steps=5),
    TypeError, "train must be a list")
bad(train.train_unet, lambda t, m: train.train_unet([_sample()], [_sample()], STATS),
    ValueError, "needs a length")
bad(train.TrainConfig, lambda t, m: train.TrainConfig(time_budget_s=True), TypeError,
    "time_budget_s must be a number")
bad(train.TrainConfig, lambda t, m: train.TrainConfig(steps=0), ValueError, "steps")
bad(train.TrainConfig, lambda t, m: train.TrainConfig(tta="yes"), ValueError, "tta")
bad(train.validation_subset, lambda t, m: train.validation_subset(X, 100, 0), TypeError, "val")
good(train.validation_subset,
     lambda t, m: train.validation_subset([_sample()] * 5, 64 * 64 * 2 + 10, 0),
     lambda chosen: len(chosen) == 2, "a seeded subset of whole samples")
bad(train.trained_predict_sample, lambda t, m: train.trained_predict_sample("model", _sample()),
    TypeError, "trained")
bad(train.trained_predict_sample, lambda t, m: train.trained_predict_sample(_trained(), X),
    TypeError, "sample")


# ---- trained model
def _cut_short(t):
    path = trained_module.save_unet(_trained(), t / "model.keras")
    path.write_bytes(path.read_bytes()[:5000])
    return path


bad(trained_module.load_unet, lambda t, m: trained_module.load_unet(_cut_short(t)),
    CorruptFileError, r"model.keras is not a complete model file.*save it again")
bad(trained_module.load_unet, lambda t, m: trained_module.load_unet(t / "none.keras"),
    FileNotFoundError, "no model file")
bad(trained_module.load_unet, lambda t, m: trained_module.load_unet(3), TypeError, "path")
bad(trained_module.save_unet, lambda t, m: trained_module.save_unet(_trained(), t / "m.h5"),
    ValueError, ".keras")
bad(trained_module.save_unet, lambda t, m: trained_module.save_unet("model", t / "m.keras"),
    TypeError, "trained")
bad(trained_module.TrainedUNet.predict, lambda t, m: _trained().predict(X, threshold=50),
    ValueError, r"threshold must be in \[0, 1\].*percent")
bad(trained_module.TrainedUNet.predict, lambda t, m: _trained().predict(X, threshold=-1),
    ValueError, "threshold")
bad(trained_module.TrainedUNet.predict_proba, lambda t, m: _trained().predict_proba(X, tta="x"),
    ValueError, "tta")
bad(trained_module.TrainedUNet.predict_proba,
    lambda t, m: _trained().predict_proba(X, band_names=["b", "a"]), ValueError, "bands")
bad(trained_module.TrainedUNet.evaluate, lambda t, m: _trained().evaluate(X), TypeError,
    "chips")
bad(trained_module.TrainedUNet.save, lambda t, m: (_trained().save(t / "a.keras"),
                                                  _trained().save(t / "a.keras")),
    FileExistsError, "overwrite=True")


# ---- chips
def _truncated_png(t):
    images, masks = _chip_folder(t)
    path = images / "ls_001.png"
    path.write_bytes(path.read_bytes()[:200])
    return images, masks


def _alpha_mask(t):
    images, masks = _chip_folder(t, n=1)
    rgba = np.zeros((40, 50, 4), np.uint8)
    rgba[..., 3] = Y[:40, :50] * 255                    # the labels are in the transparency
    _png(masks / "ls_000.png", rgba, "RGBA")
    return images, masks


def _red_mask(t):
    images, masks = _chip_folder(t, n=1)
    rgb = np.zeros((40, 50, 3), np.uint8)
    rgb[..., 0] = Y[:40, :50] * 255                     # labels in the red channel
    rgb[..., 2] = 255
    _png(masks / "ls_000.png", rgb)
    return images, masks


def _png16(t):
    images, masks = _chip_folder(t, n=1)
    (images / "ls_000.png").unlink()
    _png(images / "ls_000.png", (np.arange(40 * 50).reshape(40, 50) * 20).astype(np.uint16))
    return images, masks


bad(chips_module.load_chip_folder, lambda t, m: chips_module.load_chip_folder(t / "no", t),
    FileNotFoundError, "images_dir.*does not exist")
bad(chips_module.load_chip_folder, lambda t, m: chips_module.load_chip_folder(*_truncated_png(t)),
    CorruptFileError, r"ls_001.png cannot be read.*errors='skip'")
bad(chips_module.load_chip_folder, lambda t, m: chips_module.load_chip_folder(*_red_mask(t)),
    ValueError, r"ls_000.png has 3 bands that differ.*mask_band=0")
bad(chips_module.load_chip_folder, lambda t, m: chips_module.load_chip_folder(*_alpha_mask(t)),
    ValueError, r"ls_000.png has 4 bands.*mask_band='alpha'")
bad(chips_module.load_chip_folder,
    lambda t, m: chips_module.load_chip_folder(*_chip_folder(t), mask_band="green"), ValueError,
    "mask_band")
bad(chips_module.load_chip_folder,
    lambda t, m: chips_module.load_chip_folder(*_chip_folder(t), mask_band=5), ValueError,
    "mask_band=5 but mask .*ls_000.png has 1 band")
bad(chips_module.load_chip_folder,
    lambda t, m: chips_module.load_chip_folder(*_chip_folder(t), errors="ignore"), ValueError,
    "errors")
good(chips_module.load_chip_folder,
     lambda t, m: chips_module.load_chip_folder(*_alpha_mask(t), mask_band="alpha",
                                                verbose=False)[0].mask,
     lambda mask: np.array_equal(mask, Y[:40, :50]), "alpha mask with mask_band='alpha'")
good(chips_module.load_chip_folder,
     lambda t, m: chips_module.load_chip_folder(*_red_mask(t), mask_band=0,
                                                verbose=False)[0].mask,
     lambda mask: np.array_equal(mask, Y[:40, :50]), "red-channel mask with mask_band=0")
good(chips_module.load_chip_folder,
     lambda t, m: chips_module.load_chip_folder(*_png16(t), verbose=False)[0].image,
     lambda image: image.dtype == np.uint16 and int(image.max()) == 1999 * 20,
     "16-bit PNG kept")


def _skipped(t):
    images, masks = _truncated_png(t)
    with pytest.warns(UserWarning, match="ls_001.png"):
        return chips_module.load_chip_folder(images, masks, errors="skip", verbose=False)


good(chips_module.load_chip_folder, lambda t, m: [c.name for c in _skipped(t)],
     lambda names: names == ["ls_000", "ls_002"], "errors='skip' skips and names the file")
bad(chips_module.describe_chips, lambda t, m: chips_module.describe_chips([]), TypeError,
    "chips")
bad(chips_module.split_chips, lambda t, m: chips_module.split_chips(
    chips_module.load_chip_folder(*_chip_folder(t), verbose=False), by="region"), ValueError,
    "by must be one of")
bad(chips_module.split_chips, lambda t, m: chips_module.split_chips([X, X, X]), ValueError,
    "chips must be a list of at least 3 Chip")
bad(chips_module.split_chips, lambda t, m: chips_module.split_chips(
    chips_module.load_chip_folder(*_chip_folder(t), verbose=False), by="group"), ValueError,
    r"3 groups; found \['ls'\]")


def _auto_split(t):
    found = chips_module.load_chip_folder(*_chip_folder(t), verbose=False)
    with pytest.warns(UserWarning, match="at random.*optimistic"):
        return chips_module.split_chips(found)


good(chips_module.split_chips, lambda t, m: _auto_split(t),
     lambda parts: sorted(len(v) for v in parts.values()) == [1, 1, 1],
     "plain names: random with a warning")
bad(chips_module.write_chip, lambda t, m: [chips_module.write_chip(RGB, Y[:40, :50], t, t, "c1")
                                           for _ in range(2)],
    FileExistsError, "chip 'c1' exists.*overwrite=True")
bad(chips_module.write_chip, lambda t, m: chips_module.write_chip(X, Y, t, t, "c1"), ValueError,
    "uint8.*fmt='tif'")
bad(chips_module.write_chip, lambda t, m: chips_module.write_chip(RGB, Y, t, t, "c1"),
    ValueError, "same size")
bad(chips_module.write_chip, lambda t, m: chips_module.write_chip(RGB, Y[:40, :50], t, t, ""),
    ValueError, "name")
bad(chips_module.write_chip, lambda t, m: chips_module.write_chip(RGB, Y[:40, :50], t, t, "c",
                                                                  fmt="bmp"),
    ValueError, "fmt")
good(chips_module.write_chip,
     lambda t, m: [p.name for p in chips_module.write_chip(RGB, Y[:40, :50], t, t, "c1")],
     lambda names: names == ["c1.png", "c1_mask.png"], "one folder: the mask is named _mask")
bad(chips_module.chip_windows, lambda t, m: chips_module.chip_windows((50, 50), sizes=(64,)),
    ValueError, "sizes")
bad(chips_module.chip_windows, lambda t, m: chips_module.chip_windows(50), ValueError, "shape")


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("func, call, exc, match", BAD)
def test_bad_input_gets_a_clear_error(func, call, exc, match, tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            call(tmp_path, monkeypatch)
    message = str(info.value)
    assert re.search(match, message, re.S), f"{func.__qualname__}: {message!r} !~ {match!r}"
    assert not any(text in message for text in OBSCURE), message


@pytest.mark.parametrize("func, call, check", GOOD)
def test_documented_result(func, call, check, tmp_path, monkeypatch):
    assert check(call(tmp_path, monkeypatch))


def public_functions(module_name: str) -> list[str]:
    """Public functions defined in a module (not imported ones), found by introspection."""
    module = importlib.import_module(module_name)
    return sorted(name for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and not name.startswith("_")
                  and obj.__module__ == module_name)


def test_every_public_function_has_a_bad_input_case():
    covered = {f"{p.values[0].__module__}.{p.values[0].__qualname__}" for p in BAD + GOOD}
    missing = [f"{m}.{name}" for m in MODULES for name in public_functions(m)
               if f"{m}.{name}" not in covered and f"{m}.{name}" not in EXEMPT]
    for owner, names in METHODS.items():
        module_name, cls = owner.rsplit(".", 1)
        missing += [f"{owner}.{n}" for n in names
                    if f"{module_name}.{cls}.{n}" not in covered]
    assert not missing, (
        f"Public functions without a bad-input case in tests/test_bad_inputs_unet.py: "
        f"{missing}. Add a bad(...) case (or a good(...) case for a documented result), or "
        "list the function in EXEMPT with the reason.")


def test_the_lists_are_real():
    found = {m: public_functions(m) for m in MODULES}
    assert sum(len(v) for v in found.values()) > 40
    for qualified in EXEMPT:
        module_name, name = qualified.rsplit(".", 1)
        assert name in found.get(module_name, []), f"stale exemption {qualified}"
    for owner, names in METHODS.items():
        module_name, cls = owner.rsplit(".", 1)
        klass = getattr(importlib.import_module(module_name), cls)
        assert all(callable(getattr(klass, n, None)) for n in names)


def test_set_threads_after_tensorflow_started_says_restart(tmp_path):
    """TensorFlow fixes its thread pools when it first runs: a later change is refused with
    the fix (a new process, as after a kernel restart)."""
    code = textwrap.dedent("""
        from course_lib import unet
        unet.set_threads(1)
        keras = unet.import_keras_quietly()
        import numpy as np
        keras.ops.sum(np.ones(3))          # TensorFlow runs: the pools are made
        assert unet.set_threads(1) == 1    # the same number: fine
        try:
            unet.set_threads(2)
        except RuntimeError as err:
            print("REFUSED", err)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert "REFUSED" in out.stdout and "Restart the kernel" in out.stdout, out.stderr[-2000:]
