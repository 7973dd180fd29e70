"""A small U-Net for landslide mapping on one CPU: tiles, training, prediction, your own chips.

One concept per module:

* :mod:`~course_lib.unet.tiling`: 128 x 128 tiles with stride 64; a spatially blocked split;
* :mod:`~course_lib.unet.normalise`: per-band statistics of the training set; the NaN policy;
* :mod:`~course_lib.unet.augment`: flips, 90-degree rotations, radiometric jitter (aligned);
* :mod:`~course_lib.unet.model`: the U-Net builder and the BCE + Dice loss;
* :mod:`~course_lib.unet.dataset`: samples and streamed tiles (a Keras ``PyDataset``);
* :mod:`~course_lib.unet.train`: training with warm-up + cosine schedule and a time budget;
* :mod:`~course_lib.unet.threshold`: the MCC-optimal threshold on validation;
* :mod:`~course_lib.unet.predict`: blended prediction of any size, optional flip TTA;
* :mod:`~course_lib.unet.trained`, :mod:`~course_lib.unet.trained`: the model with its
  metadata, as one ``.keras`` file;
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
    model = unet.train_unet(train, val, stats, time_budget_s=180)
    probability = model.predict_proba(raster)
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from course_lib.data.chips import (Chip, ChipWindow, chip_windows, load_chip_folder, split_chips,
                                   write_chip)
from course_lib.unet.augment import Augmentation, augment_pair, d4_inverse, d4_transform
from course_lib.unet.normalise import (BandStats, channels_last, fit_band_stats, normalise,
                                       valid_pixels)
from course_lib.unet.predict import predict_scene, taper_window
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
    "TrainConfig": "train", "train_unet": "train", "learning_rate": "train",
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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"course_lib.unet.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'course_lib.unet' has no attribute {name!r}")


__all__ = [
    "Augmentation", "augment_pair", "d4_inverse", "d4_transform", "Chip", "ChipWindow",
    "chip_windows", "load_chip_folder",
    "split_chips", "write_chip", "BandStats", "channels_last", "fit_band_stats", "normalise",
    "valid_pixels", "predict_scene", "taper_window", "ThresholdChoice", "choose_threshold",
    "scores_by_threshold", "BlockedSplit", "blocked_split", "evaluation_split", "random_tile_split",
    "shared_pixels", "tile_coverage", "tile_origins", "tile_starts", "TrainedUNet",
    "save_unet", "load_unet",
    "import_keras_quietly", *_LAZY,
]
