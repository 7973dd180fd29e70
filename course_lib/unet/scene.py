"""One georeferenced scene with a truth mask, prepared for :func:`course_lib.unet.train_unet`.

:func:`prepare_scene` ties the steps of notebook 05 together: a blocked split of the scene,
band statistics of the training blocks only, and one training and one validation
:class:`~course_lib.unet.dataset.Sample` (the whole scene, with the region where tiles may be
cut). The test blocks are left for the final score (:func:`held_out_mask`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib.unet.normalise import BandStats, channels_last, fit_band_stats
from course_lib.unet.tiling import BlockedSplit, blocked_split


@dataclass
class SceneData:
    """What :func:`prepare_scene` returns.

    Attributes:
        split: the blocked split.
        stats: band statistics of the training blocks (with the band names).
        train, val: lists with one Sample each (the scene, restricted to the set's blocks).
        band_names: the raster's band names.
    """

    split: BlockedSplit
    stats: BandStats
    train: list
    val: list
    band_names: tuple[str, ...]


def prepare_scene(raster: Any, truth: Any, *, block: int = 256, tile: int = 128,
                  stride: int = 64, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
                  normalisation: str = "training", seed: int = 0) -> SceneData:
    """Split a scene by blocks and make the training and validation samples.

    Args:
        raster: a :class:`~course_lib.data.raster.Raster` ``(bands, rows, cols)``, e.g.
            ``course_lib.pipeline.layers.setting_layers(2)``.
        truth: 0/1 mask (Raster or array) on the same grid.
        block, tile, stride, fractions, seed: see :func:`course_lib.unet.tiling.blocked_split`.
        normalisation: ``"training"`` or ``"per_chip"``.

    Returns:
        a :class:`SceneData`.
    """
    from course_lib.unet.dataset import make_sample

    data = getattr(raster, "data", raster)
    names = tuple(getattr(raster, "band_names", [f"band{i + 1}" for i in range(len(data))]))
    mask = np.asarray(getattr(truth, "data", truth))
    mask = mask[0] if mask.ndim == 3 else mask
    x = channels_last(np.asarray(data), len(names))
    if x.shape[:2] != mask.shape:
        raise ValueError(f"raster is {x.shape[:2]} px but truth {mask.shape}; they must be on "
                         "the same grid.")
    split = blocked_split(mask.shape, block=block, tile=tile, stride=stride,
                          fractions=fractions, truth=mask, seed=seed)
    train_region = split.region("train")
    stats = fit_band_stats(x, names, regions=train_region, mode=normalisation)
    train = [make_sample(x, mask, stats, region=train_region, tile=tile, name="train blocks")]
    val = [make_sample(x, mask, stats, region=split.region("val"), tile=tile,
                       name="validation blocks")]
    return SceneData(split, stats, train, val, names)


def held_out_mask(split: BlockedSplit, valid: np.ndarray | None = None) -> np.ndarray:
    """Pixels to score on: the test blocks (and ``valid``, e.g. ``layers.evaluation_mask``)."""
    if not isinstance(split, BlockedSplit):
        raise TypeError(f"split must be a BlockedSplit (unet.blocked_split or "
                        f"prepare_scene(...).split); got {type(split).__name__}.")
    mask = split.region("test")
    return mask if valid is None else mask & np.asarray(valid, bool)
