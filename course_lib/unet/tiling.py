"""Tiles of a scene and a spatially blocked train / validation / test split.

The paper cut its scene into 128 x 128 tiles with a stride of 64 pixels (50 % overlap) and
split the tiles **at random** into training, validation and test sets (Ganerød, Lindsay et al.
2023, section 3.2 (v)). With 50 % overlap a test tile then shares pixels with up to eight
training tiles, so the test score partly measures memory, not generalisation (spatial
autocorrelation; Roberts et al. 2017, *Ecography* 40:913, "cross-validation strategies for
data with temporal, spatial, hierarchical, or phylogenetic structure"). Here the scene is
divided into square **blocks**; whole blocks go to one set, and a tile belongs to a set only
if it lies entirely inside that set's blocks. No pixel is shared by tiles of two sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Set codes of a split's ``block_map`` / ``region_map``.
SET_NAMES: tuple[str, ...] = ("train", "val", "test")
SET_CODES: dict[str, int] = {name: i for i, name in enumerate(SET_NAMES)}


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


def tile_coverage(shape: tuple[int, int], origins: np.ndarray, tile: int = 128) -> np.ndarray:
    """How many tiles cover each pixel (int array of ``shape``)."""
    count = np.zeros(shape, dtype=np.int32)
    for r, c in np.asarray(origins, dtype=int).reshape(-1, 2):
        count[r:r + tile, c:c + tile] += 1
    return count


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


def _inside(region: np.ndarray, origins: np.ndarray, tile: int) -> np.ndarray:
    """True for each origin whose tile lies entirely inside ``region`` (summed-area table)."""
    sat = np.pad(region.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    r, c = origins[:, 0], origins[:, 1]
    r1 = np.minimum(r + tile, region.shape[0])
    c1 = np.minimum(c + tile, region.shape[1])
    total = sat[r1, c1] - sat[r, c1] - sat[r1, c] + sat[r, c]
    return total == (r1 - r) * (c1 - c)


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
        split.tiles[name] = origins[_inside(regions == code, origins, tile)]
    return split


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
