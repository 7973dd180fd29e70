"""A small U-Net for landslide mapping on one CPU: tiles, training, prediction, your own chips.

One concept per module:

* :mod:`~course_lib.unet.tiling`: 128 x 128 tiles with stride 64; a spatially blocked split;
* :mod:`~course_lib.unet.normalise`: the normalisation, chosen by data type (per chip for
  8-bit imagery, training-set statistics for physical units); the NaN policy;
* :mod:`~course_lib.unet.augment`: flips, 90-degree rotations, radiometric jitter (aligned);
* :mod:`~course_lib.unet.model`: the U-Net builder and the BCE + Dice loss;
* :mod:`~course_lib.unet.dataset`: samples kept as stored and streamed, standardised tiles (a
  Keras ``PyDataset``);
* :mod:`~course_lib.unet.train`: training for a number of steps or a time budget, with a
  warm-up + cosine schedule spanning exactly that;
* :mod:`~course_lib.unet.threshold`: the MCC-optimal threshold on validation;
* :mod:`~course_lib.unet.predict`: blended prediction of any size, optional flip TTA;
* :mod:`~course_lib.unet.trained`: the model with its metadata, as one ``.keras`` file;
* :mod:`~course_lib.data.chips`: the learner's own image / mask chips.

Modules that need Keras (model, dataset, train) are imported on first use, so
``import course_lib.unet`` stays light; call :func:`import_keras_quietly` first to start
TensorFlow without its start-up messages.

Typical use on a scene::

    from course_lib import unet
    keras = unet.import_keras_quietly()
    split = unet.blocked_split(truth.shape, truth=truth, seed=0)
    stats = unet.fit_band_stats(x, band_names, regions=split.region("train"))
    train = [unet.make_sample(x, truth, stats, region=split.region("train"))]
    val = [unet.make_sample(x, truth, stats, region=split.region("val"))]
    model = unet.train_unet(train, val, stats, steps=400)
    probability = model.predict_proba(raster)

and on a folder of chips (notebook 05, section 10)::

    chips = unet.load_chip_folder("chips/images", "chips/masks")
    parts = unet.split_chips(chips)
    stats = unet.fit_band_stats([c.image for c in parts["train"]], ["R", "G", "B"])
    model = unet.train_unet(parts["train"], parts["val"], stats, time_budget_s=15 * 60,
                            tta="flips")
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from course_lib.data.chips import (Chip, ChipWindow, chip_windows, describe_chips,
                                   load_chip_folder, split_chips, write_chip)
from course_lib.unet.augment import Augmentation, augment_pair, d4_inverse, d4_transform
from course_lib.unet.normalise import (BandStats, channels_last, choose_mode, fit_band_stats,
                                       normalise, standardisation, standardise, valid_pixels)
from course_lib.unet.predict import predict_sample, predict_scene, taper_window
from course_lib.unet.threshold import ThresholdChoice, choose_threshold, scores_by_threshold
from course_lib.splits import (BlockedSplit, blocked_split, evaluation_split, tile_origins,
                               tile_starts)
from course_lib.unet.tiling import random_tile_split, shared_pixels, tile_coverage
from course_lib.unet.trained import TrainedUNet, load_unet, save_unet

_LAZY = {
    "build_unet": "model", "build_mobilenet_unet": "model", "bce_dice_loss": "model",
    "IGNORE": "model",
    "Sample": "dataset", "TileDataset": "dataset", "make_sample": "dataset",
    "samples_from_chips": "dataset", "fixed_tiles": "dataset", "binary_labels": "dataset",
    "TrainConfig": "train", "Control": "train", "train_unet": "train", "learning_rate": "train",
    "trained_predict_sample": "train", "clear_compiled_models": "train",
    "SceneData": "scene", "prepare_scene": "scene", "held_out_mask": "scene",
}


def import_keras_quietly() -> Any:
    """``import keras`` with TensorFlow's start-up messages hidden; returns the module.

    TensorFlow prints CUDA, oneDNN and CPU-feature notices to file descriptor 2 while it
    starts; ``TF_CPP_MIN_LOG_LEVEL`` hides only part of them. Redirecting descriptor 2 to
    ``/dev/null`` **only during the import** hides the rest while later errors still show.
    (Never ``TF_ENABLE_ONEDNN_OPTS=0``: it halved training speed in this project's
    measurements on 2 CPU cores, 0.75 instead of about 1.5 steps per second.)
    """
    import sys

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "keras" in sys.modules:
        return sys.modules["keras"]
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    # Every new U-Net traces its own training function; after a few models TensorFlow warns
    # about "excessive retracing", which is expected here and not the learner's doing.
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return keras


def set_threads(n: int) -> int:
    """Let TensorFlow use ``n`` CPU threads (call it before the first model is built).

    TensorFlow sizes its two thread pools (inside one operation, and between operations) when
    it starts running: afterwards they cannot change. On Binder (1 CPU) ``binder/start`` caps
    them to one; on a laptop with more cores, ``unet.set_threads(4)`` before training uses
    four. More threads than cores only adds contention.

    Args:
        n: threads, at least 1.

    Returns:
        ``n``.

    Raises:
        RuntimeError: TensorFlow has already started (a model was built or trained in this
            kernel): restart the kernel and call this first.
    """
    from course_lib.validation import check_integer

    n = check_integer(n, "n", minimum=1, fix="A number of CPU threads, e.g. 2.")
    import_keras_quietly()
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError as err:
        if (tf.config.threading.get_intra_op_parallelism_threads() == n
                and tf.config.threading.get_inter_op_parallelism_threads() == n):
            return n
        raise RuntimeError(
            "TensorFlow has already started in this kernel, so its number of threads is fixed "
            f"({err}). Restart the kernel and call unet.set_threads({n}) before building or "
            "training a model.") from err
    return n


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"course_lib.unet.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'course_lib.unet' has no attribute {name!r}")


__all__ = [
    "Augmentation", "augment_pair", "d4_inverse", "d4_transform", "Chip", "ChipWindow",
    "chip_windows", "describe_chips", "load_chip_folder",
    "split_chips", "write_chip", "BandStats", "channels_last", "choose_mode", "fit_band_stats",
    "normalise", "standardisation", "standardise", "valid_pixels", "predict_sample",
    "predict_scene", "taper_window", "ThresholdChoice", "choose_threshold",
    "scores_by_threshold", "BlockedSplit", "blocked_split", "evaluation_split",
    "random_tile_split",
    "shared_pixels", "tile_coverage", "tile_origins", "tile_starts", "TrainedUNet",
    "save_unet", "load_unet",
    "import_keras_quietly", "set_threads", *_LAZY,
]
