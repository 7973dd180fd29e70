"""Tiles of a scene: coverage, the paper's random tile split, and the pixels two tile sets share.

The tile grid and the spatially blocked split live in :mod:`course_lib.splits` (the course's
one evaluation split, shared by every method) and are re-exported here and by
:mod:`course_lib.unet`. The paper cut its scene into 128 x 128 tiles with a stride of 64 pixels
(50 % overlap) and split the tiles **at random** (Ganerød, Lindsay et al. 2023, section 3.2
(v)); :func:`random_tile_split` makes that split so that :func:`shared_pixels` can measure its
leak next to the blocked split.
"""

from __future__ import annotations

import numpy as np

from course_lib.splits import (SET_CODES, SET_NAMES, BlockedSplit, blocked_split,  # noqa: F401
                               tile_origins, tile_starts)
from course_lib.splits import tiles_inside as _inside  # noqa: F401  (used by unet.dataset)
from course_lib.validation import check_integer


def tile_coverage(shape: tuple[int, int], origins: np.ndarray, tile: int = 128) -> np.ndarray:
    """How many tiles cover each pixel (int array of ``shape``)."""
    shape = tuple(check_integer(v, "shape", minimum=1, fix="(rows, cols) in pixels.")
                  for v in shape)
    tile = check_integer(tile, "tile", minimum=1, fix="The tile side in pixels, e.g. 128.")
    count = np.zeros(shape, dtype=np.int32)
    for r, c in np.asarray(origins, dtype=int).reshape(-1, 2):
        count[r:r + tile, c:c + tile] += 1
    return count


def random_tile_split(shape: tuple[int, int], *, tile: int = 128, stride: int = 64,
                      fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
                      seed: int = 0) -> dict[str, np.ndarray]:
    """The paper's split: every tile of the grid dealt at random to train / val / test.

    Overlapping tiles then share pixels across sets (see the module docstring): use it only to
    measure that leak, next to :func:`blocked_split`.
    """
    origins = tile_origins(shape, tile, stride)
    frac = np.asarray(fractions, dtype=float) / np.sum(fractions)
    order = np.random.default_rng(seed).permutation(len(origins))
    n_train = int(round(frac[0] * len(order)))
    n_val = int(round(frac[1] * len(order)))
    parts = np.split(order, [n_train, n_train + n_val])
    return {name: origins[np.sort(idx)] for name, idx in zip(SET_NAMES, parts)}


def shared_pixels(a: np.ndarray, b: np.ndarray, shape: tuple[int, int], tile: int = 128) -> int:
    """Number of pixels covered by a tile of ``a`` and by a tile of ``b`` (0 = no leak)."""
    return int(np.count_nonzero((tile_coverage(shape, a, tile) > 0)
                                & (tile_coverage(shape, b, tile) > 0)))
