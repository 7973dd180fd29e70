"""Predict a whole scene of any size with overlapping tiles blended by a tapering window.

A U-Net sees less context near the border of a tile, so its predictions are worst there.
Predicting overlapping tiles and averaging them with a weight that is highest in the tile's
centre and tapers towards its edges removes the visible seams of a plain mosaic (the idea of
smooth tile blending, e.g. Chevalier 2017, "Smoothly-Blend-Image-Patches"; the Hann window,
Blackman and Tukey 1958). With a stride of half a tile the shifted Hann windows add up to a
constant, so every pixel is weighted by the tiles' centres. Images smaller than a tile are
padded (with 0, the training mean) and cropped back; the output always has the input's size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib.unet.augment import d4_inverse, d4_transform
from course_lib.unet.tiling import tile_origins

#: Test-time augmentation choices: the identity, the 4 flips, or all 8 symmetries of a square.
TTA_CHOICES = {None: [(0, False)], False: [(0, False)],
               "flips": [(0, False), (0, True), (2, False), (2, True)],
               "d4": [(k, f) for k in range(4) for f in (False, True)]}


def taper_window(tile: int, floor: float = 1e-3) -> np.ndarray:
    """A 2-D tapering weight ``(tile, tile)``: Hann window, shifted half a pixel, floored.

    The half-pixel shift keeps the edge weight above 0, and ``floor`` keeps it usable where a
    pixel is covered by a single tile (the scene's border).

    >>> w = taper_window(4); w.shape, float(w.max()) <= 1.0, float(w.min()) > 0
    ((4, 4), True, True)
    """
    if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 1:
        raise ValueError(f"tile must be a positive int (pixels); got {tile!r}.")
    i = np.arange(tile)
    w = np.sin(np.pi * (i + 0.5) / tile) ** 2
    w = np.maximum(w, floor)
    return np.outer(w, w).astype(np.float32)


def check_tta(tta: Any) -> Any:
    """``tta`` as one of False, ``"flips"``, ``"d4"`` (True means ``"flips"``), else ValueError.

    >>> check_tta(True), check_tta(None), check_tta("d4")
    ('flips', False, 'd4')
    """
    try:
        known = tta in TTA_CHOICES or tta is True
    except TypeError:
        known = False
    if not known or isinstance(tta, (int, float)) and not isinstance(tta, bool):
        raise ValueError(f"tta must be False (none), 'flips' (4 flips averaged; True means "
                         f"this) or 'd4' (all 8 symmetries); got {tta!r}.")
    return "flips" if tta is True else (tta or False)


def _tta_list(tta: Any) -> list[tuple[int, bool]]:
    return TTA_CHOICES[check_tta(tta)]


def predict_scene(model: Any, image: np.ndarray, *, tile: int = 128, stride: int = 64,
                  batch_size: int = 8, tta: Any = False) -> np.ndarray:
    """Blended probability map of a standardised ``(rows, cols, bands)`` image.

    Args:
        model: a Keras model (or any object with ``predict_on_batch``) mapping
            ``(n, tile, tile, bands)`` to ``(n, tile, tile, 1)``.
        image: float32 standardised image without NaN (see
            :func:`course_lib.unet.normalise.normalise`).
        tile: tile size (as trained).
        stride: step between tiles; ``tile // 2`` blends every pixel from up to 4 tiles.
        batch_size: tiles per call to the model (memory vs. speed).
        tta: test-time augmentation: ``False``, ``"flips"`` (4 flips averaged) or ``"d4"`` (8).

    Returns:
        float32 ``(rows, cols)`` probabilities.
    """
    x = np.asarray(image, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"image must be (rows, cols, bands); got shape {x.shape}.")
    rows, cols = x.shape[:2]
    pr, pc = max(tile - rows, 0), max(tile - cols, 0)
    if pr or pc:
        x = np.pad(x, ((0, pr), (0, pc), (0, 0)))
    shape = x.shape[:2]
    origins = tile_origins(shape, tile, stride)
    window = taper_window(tile)
    total = np.zeros(shape, dtype=np.float64)
    weight = np.zeros(shape, dtype=np.float64)
    variants = _tta_list(tta)
    for start in range(0, len(origins), batch_size):
        chunk = origins[start:start + batch_size]
        batch = np.stack([x[r:r + tile, c:c + tile] for r, c in chunk])
        n = len(batch)
        if n < batch_size:  # a fixed batch shape avoids re-tracing the model's function
            batch = np.concatenate([batch, np.zeros((batch_size - n, *batch.shape[1:]),
                                                    np.float32)])
        prob = np.zeros((n, tile, tile), dtype=np.float64)
        for k, flip in variants:
            moved = np.stack([d4_transform(b, k, flip) for b in batch])
            out = np.asarray(model.predict_on_batch(moved))[..., 0]
            prob += np.stack([d4_inverse(o, k, flip) for o in out[:n]])
        prob /= len(variants)
        for (r, c), p in zip(chunk, prob):
            total[r:r + tile, c:c + tile] += p * window
            weight[r:r + tile, c:c + tile] += window
    return (total / weight)[:rows, :cols].astype(np.float32)


def prediction_windows(shape: tuple[int, int], region: np.ndarray | None,
                       tile: int) -> list[tuple[int, int, int, int]]:
    """``(r0, r1, c0, c1)`` windows to predict to cover ``region`` (all of ``shape`` if None).

    With a region (e.g. the validation blocks of a scene) only a window around each connected
    part of it, with a margin of a quarter tile for context, is predicted, not the whole scene.
    """
    from scipy import ndimage

    rows, cols = (int(v) for v in shape)
    if region is None:
        return [(0, rows, 0, cols)]
    if np.ndim(region) != 2 or np.shape(region)[0] < rows or np.shape(region)[1] < cols:
        raise ValueError(f"region has shape {np.shape(region)} but the sample is "
                         f"{(rows, cols)}; they must be the same grid.")
    labels, _ = ndimage.label(region[:rows, :cols])
    margin = tile // 4
    out = []
    for box in ndimage.find_objects(labels):
        out.append((max(box[0].start - margin, 0), min(box[0].stop + margin, rows),
                    max(box[1].start - margin, 0), min(box[1].stop + margin, cols)))
    return out


def count_tiles(shape: tuple[int, int], region: np.ndarray | None, tile: int,
                stride: int) -> int:
    """How many tiles :func:`predict_sample` feeds the network for one sample (one TTA
    variant): what a prediction costs, for time estimates."""
    total = 0
    for r0, r1, c0, c1 in prediction_windows(shape, region, tile):
        total += len(tile_origins((max(r1 - r0, tile), max(c1 - c0, tile)), tile, stride))
    return total


def predict_sample(model: Any, sample: Any, *, tile: int = 128, stride: int | None = None,
                   tta: Any = False, batch_size: int = 8) -> np.ndarray:
    """Blended probabilities of a :class:`~course_lib.unet.dataset.Sample`'s region.

    The sample's image is standardised window by window (it stays as stored). The result has
    the sample's unpadded size and is NaN where the label is -1 (ignored pixels: NaN inputs)
    or outside the region.

    Args:
        model: a Keras model (``predict_on_batch``).
        sample: the sample (its ``region``, if any, limits what is predicted).
        tile, stride, tta, batch_size: see :func:`predict_scene` (stride default half a tile).
    """
    if not (hasattr(sample, "window") and hasattr(sample, "label")):
        raise TypeError(f"sample must be a Sample (unet.make_sample); got "
                        f"{type(sample).__name__}.")
    if not hasattr(model, "predict_on_batch"):
        raise TypeError(f"model must be a Keras model (TrainedUNet.model); got "
                        f"{type(model).__name__}.")
    rows, cols = sample.shape
    step = stride or tile // 2
    region = None if sample.region is None else sample.region[:rows, :cols]
    prob = np.full((rows, cols), np.nan, np.float32)
    for r0, r1, c0, c1 in prediction_windows((rows, cols), region, tile):
        part = predict_scene(model, sample.window(r0, r1, c0, c1), tile=tile, stride=step,
                             batch_size=batch_size, tta=tta)
        if region is None:
            prob[r0:r1, c0:c1] = part
        else:
            inside = region[r0:r1, c0:c1]
            prob[r0:r1, c0:c1][inside] = part[inside]
    prob[sample.label[:rows, :cols] < 0] = np.nan
    return prob
