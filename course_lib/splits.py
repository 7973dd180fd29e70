"""The course's one evaluation split: training, validation and test blocks of a scene.

Every method of the course (the dNDVI threshold of notebook 06, CART per setting in 04, OBIA
in 03, the U-Net in 05) is scored on the **same held-out pixels**: the test blocks of
:func:`evaluation_split` intersected with the evaluation mask
(``course_lib.pipeline.layers.evaluation_mask``). No method trains on them: the U-Net cuts its
training and validation tiles from the other blocks, OBIA trains on segments that do not touch
the test blocks, CART on the training points outside them (:func:`outside`). Scores over the
whole area, where shown, include the areas a method trained on and are labelled so.

Why blocks, not a random split. Ganerød, Lindsay et al. (2023, *Remote Sensing* 15:895,
section 3.2 (v)) cut their scene into 128 x 128 tiles with a stride of 64 pixels (50 %
overlap) and split the tiles **at random** into training, validation and test sets. A test
tile then shares pixels with up to eight training tiles, so the test score partly measures
memory, not generalisation (spatial autocorrelation; Roberts et al. 2017, *Ecography* 40:913,
"Cross-validation strategies for data with temporal, spatial, hierarchical, or phylogenetic
structure"). Here the scene is divided into square **blocks**; whole blocks go to one set, and
a tile belongs to a set only if it lies entirely inside that set's blocks, so no pixel is
shared by tiles of two sets.

The course's split (:func:`evaluation_split`): blocks of 256 x 256 pixels (2.56 km at 10 m,
wider than a debris flow is long, so a slide rarely crosses into another set), 60 / 20 / 20 %
of the blocks for training / validation / test, dealt after ranking the blocks by their share
of landslide pixels (a stratified deal: every set gets blocks with many and with few
landslides), seed 0. On the course's 1024 x 1024 study area: 10, 3 and 3 of 16 blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib.validation import check_integer, check_mask, describe

#: Set names and their codes in a split's ``block_map`` / ``region_map``.
SET_NAMES: tuple[str, ...] = ("train", "val", "test")
SET_CODES: dict[str, int] = {name: i for i, name in enumerate(SET_NAMES)}

#: The course's evaluation split (:func:`evaluation_split`): block side, tile side and stride
#: (pixels), shares of blocks for train / val / test, and seed.
EVALUATION_BLOCK = 256
EVALUATION_TILE = 128
EVALUATION_STRIDE = 64
EVALUATION_FRACTIONS = (0.6, 0.2, 0.2)
EVALUATION_SEED = 0


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int (pixels); got {value!r}.")
    return int(value)


def tile_starts(length: int, tile: int = 128, stride: int = 64) -> np.ndarray:
    """Start offsets of tiles along one axis that cover ``[0, length)`` completely.

    Regular steps of ``stride``, plus one last tile flush with the end when the steps do not
    reach it. A length shorter than a tile gives one start (0): pad the image first.

    >>> tile_starts(256, 128, 64).tolist()
    [0, 64, 128]
    >>> tile_starts(300, 128, 64).tolist()
    [0, 64, 128, 172]
    >>> tile_starts(100, 128, 64).tolist()
    [0]
    """
    length = _positive_int(length, "length")
    tile, stride = _positive_int(tile, "tile"), _positive_int(stride, "stride")
    if stride > tile:
        raise ValueError(f"stride ({stride}) larger than tile ({tile}) would leave gaps; "
                         "use stride <= tile.")
    if length <= tile:
        return np.array([0])
    starts = list(range(0, length - tile + 1, stride))
    if starts[-1] + tile < length:
        starts.append(length - tile)
    return np.array(starts)


def tile_origins(shape: tuple[int, int], tile: int = 128, stride: int = 64) -> np.ndarray:
    """Top-left ``(row, col)`` of every tile covering an image of ``shape`` (rows, cols).

    >>> tile_origins((256, 200), 128, 64).shape
    (9, 2)
    """
    rows, cols = tile_starts(shape[0], tile, stride), tile_starts(shape[1], tile, stride)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    return np.stack([rr.ravel(), cc.ravel()], axis=1)


def tiles_inside(region: np.ndarray, origins: np.ndarray, tile: int) -> np.ndarray:
    """True for each origin whose ``tile`` x ``tile`` tile lies entirely inside ``region``.

    Counted with a summed-area table, so each tile costs four look-ups.

    >>> region = np.zeros((4, 4), bool); region[:2, :2] = True
    >>> tiles_inside(region, np.array([[0, 0], [0, 2]]), 2).tolist()
    [True, False]
    """
    sat = np.pad(region.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    r, c = origins[:, 0], origins[:, 1]
    r1 = np.minimum(r + tile, region.shape[0])
    c1 = np.minimum(c + tile, region.shape[1])
    total = sat[r1, c1] - sat[r, c1] - sat[r1, c] + sat[r, c]
    return total == (r1 - r) * (c1 - c)


@dataclass
class BlockedSplit:
    """A spatially blocked split of one scene.

    Attributes:
        shape: (rows, cols) of the scene.
        block: block size in pixels.
        block_map: int8 per block (``n_block_rows, n_block_cols``): 0 train, 1 val, 2 test.
        tile, stride: the tiling.
        tiles: per set name, the ``(n, 2)`` top-left corners of the tiles entirely inside that
            set's blocks.
    """

    shape: tuple[int, int]
    block: int
    block_map: np.ndarray
    tile: int
    stride: int
    tiles: dict[str, np.ndarray]

    def region(self, name: str) -> np.ndarray:
        """Boolean pixel mask (rows, cols) of one set's blocks (``"train"``, ``"val"``, ``"test"``)."""
        if name not in SET_CODES:
            raise ValueError(f"name must be one of {SET_NAMES}; got {name!r}.")
        return self.region_map() == SET_CODES[name]

    def region_map(self) -> np.ndarray:
        """int8 pixel map (rows, cols): 0 train, 1 val, 2 test."""
        full = np.repeat(np.repeat(self.block_map, self.block, axis=0), self.block, axis=1)
        return full[: self.shape[0], : self.shape[1]]

    def counts(self) -> dict[str, int]:
        """Number of tiles per set."""
        return {name: len(t) for name, t in self.tiles.items()}

    def blocks(self, name: str) -> list[tuple[slice, slice]]:
        """The ``(rows, cols)`` slices of each block of one set, e.g. to predict only there.

        >>> split = blocked_split((512, 512), block=256, seed=1)
        >>> len(split.blocks("train")) + len(split.blocks("val")) + len(split.blocks("test"))
        4
        """
        if name not in SET_CODES:
            raise ValueError(f"name must be one of {SET_NAMES}; got {name!r}.")
        rows, cols = self.shape
        return [(slice(int(i) * self.block, min((int(i) + 1) * self.block, rows)),
                 slice(int(j) * self.block, min((int(j) + 1) * self.block, cols)))
                for i, j in zip(*np.nonzero(self.block_map == SET_CODES[name]))]

    def held_out(self, valid: Any = None) -> np.ndarray:
        """The pixels every method is scored on: the test blocks (and ``valid``, if given).

        Args:
            valid: optional boolean mask of pixels that count, e.g.
                ``layers.evaluation_mask(area)``.
        """
        test = self.region("test")
        if valid is None:
            return test
        return test & check_mask(valid, "valid", shape=self.shape,
                                 example="valid = layers.evaluation_mask(area)")

    def same_as(self, other: "BlockedSplit") -> bool:
        """True when ``other`` puts every pixel into the same set (tiling aside)."""
        return (isinstance(other, BlockedSplit) and other.shape == self.shape
                and np.array_equal(other.region_map(), self.region_map()))


def blocked_split(shape: tuple[int, int], *, block: int = 256, tile: int = 128,
                  stride: int = 64, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
                  truth: np.ndarray | None = None, seed: int = 0) -> BlockedSplit:
    """Split a scene into train / validation / test by square blocks.

    Blocks are shuffled with ``seed``; when ``truth`` is given they are first ranked by their
    share of positive pixels and dealt out in that order (a stratified deal), so every set gets
    blocks with many and with few landslides. Each set receives about ``fractions`` of the
    blocks, at least one each.

    Args:
        shape: (rows, cols) of the scene.
        block: block side in pixels; at least one tile. Larger blocks leak less context
            between sets, smaller blocks give more blocks to split.
        tile, stride: tiling (the paper: 128 and 64).
        fractions: shares of blocks for train, val, test (normalised to sum 1).
        truth: optional 0/1 mask of ``shape`` for the stratified deal.
        seed: random seed.

    Returns:
        a :class:`BlockedSplit`.

    >>> s = blocked_split((512, 512), block=256, fractions=(0.5, 0.25, 0.25), seed=1)
    >>> sorted(s.counts().items())
    [('test', 9), ('train', 18), ('val', 9)]
    """
    rows, cols = (_positive_int(v, "shape") for v in shape)
    block, tile = _positive_int(block, "block"), _positive_int(tile, "tile")
    if block < tile:
        raise ValueError(f"block ({block}) must be at least one tile ({tile}) so that every "
                         "set can hold whole tiles.")
    nbr, nbc = -(-rows // block), -(-cols // block)
    n_blocks = nbr * nbc
    if n_blocks < 3:
        raise ValueError(f"a {rows} x {cols} scene has only {n_blocks} blocks of {block} px; "
                         "use a smaller block so that train, val and test get one each.")
    frac = np.asarray(fractions, dtype=float)
    if frac.shape != (3,) or (frac < 0).any() or frac.sum() <= 0:
        raise ValueError(f"fractions must be three non-negative shares; got {fractions!r}.")
    frac = frac / frac.sum()
    counts = np.maximum(np.round(frac * n_blocks).astype(int), 1)
    while counts.sum() > n_blocks:
        counts[np.argmax(counts)] -= 1
    counts[0] += n_blocks - counts.sum()
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_blocks)
    if truth is not None:
        truth = np.asarray(truth)
        if truth.shape != (rows, cols):
            raise ValueError(f"truth has shape {truth.shape}, the scene {(rows, cols)}.")
        padded = np.zeros((nbr * block, nbc * block), dtype=float)
        padded[:rows, :cols] = truth > 0
        share = padded.reshape(nbr, block, nbc, block).mean(axis=(1, 3)).ravel()
        order = order[np.argsort(-share[order], kind="stable")]
    # Deal blocks in rank order to the set that is furthest below its target share.
    labels = np.empty(n_blocks, dtype=np.int8)
    given = np.zeros(3, dtype=int)
    for b in order:
        need = np.where(given < counts, (counts - given) / counts, -1.0)
        k = int(np.argmax(need))
        labels[b] = k
        given[k] += 1
    block_map = labels.reshape(nbr, nbc)
    split = BlockedSplit((rows, cols), block, block_map, tile, int(stride), {})
    origins = tile_origins((rows, cols), tile, stride)
    regions = split.region_map()
    for name, code in SET_CODES.items():
        split.tiles[name] = origins[tiles_inside(regions == code, origins, tile)]
    return split


def _truth_of(area_or_truth: Any) -> np.ndarray:
    """The 2-D 0/1 truth of a study area, a truth Raster or an array."""
    truth = area_or_truth
    if hasattr(truth, "metadata") and hasattr(truth, "__getitem__") \
            and not hasattr(truth, "band_names"):
        truth = truth["landslide_mask"]          # a study area
    data = np.asarray(getattr(truth, "data", truth)) if truth is not None else None
    if data is not None and data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data is None or data.ndim != 2 or data.dtype.kind not in "biuf":
        raise TypeError(f"area_or_truth must be a study area (load_study_area()), its "
                        f"landslide_mask Raster or a 2-D 0/1 array; got {describe(area_or_truth)}.")
    return data


def evaluation_split(area_or_truth: Any, *, block: int = EVALUATION_BLOCK,
                     seed: int = EVALUATION_SEED) -> BlockedSplit:
    """The course's evaluation split of a scene: the one every method is scored on.

    :func:`blocked_split` with the course's values (:data:`EVALUATION_BLOCK`,
    :data:`EVALUATION_TILE`, :data:`EVALUATION_STRIDE`, :data:`EVALUATION_FRACTIONS`,
    :data:`EVALUATION_SEED`), dealt by the share of landslide pixels of each block. Notebook
    05's ``unet.prepare_scene(x, truth, block=256, tile=128, stride=64, seed=0)`` makes the
    same split (``tests/test_splits.py`` checks it).

    Args:
        area_or_truth: the study area (``load_study_area()``; its ``landslide_mask`` is used),
            the truth Raster, or a 2-D 0/1 array.
        block: block side in pixels; keep the default for the course's study area. A smaller
            world may need smaller blocks (at least 3 blocks, one tile each).
        seed: the deal's seed; keep the default to score on the course's test blocks.

    Returns:
        a :class:`BlockedSplit`; ``split.held_out(valid)`` gives the pixels to score on.

    >>> truth = np.zeros((512, 512), np.uint8); truth[:40, :40] = 1
    >>> split = evaluation_split(truth)
    >>> np.bincount(split.block_map.ravel()).tolist()    # train, val, test blocks
    [2, 1, 1]
    """
    truth = _truth_of(area_or_truth)
    block = check_integer(block, "block", minimum=EVALUATION_TILE,
                          fix=f"blocks must hold at least one {EVALUATION_TILE}-px tile.")
    return blocked_split(truth.shape, block=block, tile=EVALUATION_TILE,
                         stride=EVALUATION_STRIDE, fractions=EVALUATION_FRACTIONS,
                         truth=truth, seed=seed)


def outside(split: BlockedSplit, rows: Any, cols: Any, name: str = "test") -> np.ndarray:
    """True for each point (pixel ``rows``, ``cols``) that is **not** in ``name``'s blocks.

    The training points of CART that may train a model scored on the test blocks:
    ``keep = outside(split, points["row"], points["col"])``.

    >>> split = blocked_split((512, 512), block=256, seed=1)
    >>> outside(split, [0, 300], [0, 300]).dtype
    dtype('bool')
    """
    r = np.asarray(rows)
    c = np.asarray(cols)
    if r.shape != c.shape or r.dtype.kind not in "iu" or c.dtype.kind not in "iu":
        raise TypeError(f"rows and cols must be integer pixel indices of equal length; got "
                        f"{describe(rows)} and {describe(cols)}. Use points['row'], points['col'].")
    if r.size and (r.min() < 0 or c.min() < 0 or r.max() >= split.shape[0]
                   or c.max() >= split.shape[1]):
        raise ValueError(f"rows and cols must lie on the {split.shape} grid of the split; got "
                         f"rows {r.min()}-{r.max()}, cols {c.min()}-{c.max()}.")
    return ~split.region(name)[r, c]
