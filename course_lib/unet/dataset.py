"""Samples (normalised images with labels) and a streamed tile dataset for Keras.

A :class:`Sample` is one image, already standardised (float32, no NaN), with its labels
(0/1, and -1 = ignore: NaN inputs, padding) and optionally the region where training tiles may
be cut (the training blocks of a scene). :class:`TileDataset` is a ``keras.utils.PyDataset``
that cuts tiles from the samples on the fly, batch by batch, so the tiles never exist all at
once as float32 copies: a 1024 x 1024 x 3 scene is 12 MB, its 225 overlapping tiles 44 MB, and
an augmented epoch of random crops would be far more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from course_lib.unet.augment import Augmentation, augment_pair
from course_lib.unet.normalise import BandStats, normalise, valid_pixels
from course_lib.unet.tiling import tile_origins

IGNORE = -1


@dataclass
class Sample:
    """One image ready for the network.

    Attributes:
        image: float32 ``(rows, cols, bands)``, standardised, NaN replaced by 0; at least one
            tile in each direction (small images are padded by :func:`make_sample`).
        label: int8 ``(rows, cols)``: 1 landslide, 0 not, -1 ignore.
        region: optional boolean ``(rows, cols)``: tiles are cut only where they lie entirely
            inside it (None = anywhere).
        name: for messages.
        shape: (rows, cols) of the image before padding.
    """

    image: np.ndarray
    label: np.ndarray
    region: np.ndarray | None
    name: str
    shape: tuple[int, int]


def binary_labels(mask: np.ndarray, name: str = "mask") -> np.ndarray:
    """A mask as int8 0/1 with -1 for NaN; values 0/255 are accepted as 0/1.

    >>> binary_labels(np.array([[0, 255]])).tolist()
    [[0, 1]]
    """
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 2:
        raise ValueError(f"{name} must be 2-D (rows, cols); got shape {m.shape}.")
    m = m.astype(np.float64)
    finite = np.isfinite(m)
    values = set(np.unique(m[finite]).tolist())
    if values <= {0.0, 1.0}:
        out = m
    elif values <= {0.0, 255.0}:
        out = m / 255.0
    else:
        shown = sorted(values)[:6]
        raise ValueError(f"{name} must hold 0/1 or 0/255 labels; found values {shown}"
                         f"{' ...' if len(values) > 6 else ''}.")
    return np.where(finite, out, IGNORE).astype(np.int8)


def make_sample(image: np.ndarray, mask: np.ndarray | None, stats: BandStats, *,
                region: np.ndarray | None = None, tile: int = 128, name: str = "") -> Sample:
    """Standardise an image, label NaN inputs -1, and pad it to at least one tile.

    Args:
        image: ``(rows, cols, bands)`` or ``(bands, rows, cols)``.
        mask: 0/1 (or 0/255) labels of the same size, or None (prediction only: all 0).
        stats: the normalisation.
        region: pixels where training tiles may be cut (e.g. ``split.region("train")``).
        tile: the tile size; smaller images are padded (value 0, label -1) at the bottom/right.
        name: for messages.
    """
    n = len(stats.band_names)
    x = normalise(image, stats)
    rows, cols = x.shape[:2]
    if mask is None:
        y = np.zeros((rows, cols), dtype=np.int8)
    else:
        y = binary_labels(mask, f"mask of {name or 'the image'}")
        if y.shape != (rows, cols):
            raise ValueError(f"mask of {name or 'the image'} is {y.shape}, the image "
                             f"{(rows, cols)}; they must be the same size.")
    y[~valid_pixels(image, n)] = IGNORE
    pr, pc = max(tile - rows, 0), max(tile - cols, 0)
    if pr or pc:
        x = np.pad(x, ((0, pr), (0, pc), (0, 0)))
        y = np.pad(y, ((0, pr), (0, pc)), constant_values=IGNORE)
        if region is not None:
            region = np.pad(region, ((0, pr), (0, pc)), constant_values=True)
    if region is not None and np.asarray(region).shape != x.shape[:2]:
        raise ValueError(f"region is {np.asarray(region).shape}, the image {(rows, cols)}.")
    return Sample(x, y, None if region is None else np.asarray(region, bool), name,
                  (rows, cols))


def allowed_origins(sample: Sample, tile: int) -> np.ndarray:
    """Flat indices (``row * cols + col``) of every top-left corner whose tile fits the region."""
    rows, cols = sample.label.shape
    if sample.region is None:
        rr, cc = np.meshgrid(np.arange(rows - tile + 1), np.arange(cols - tile + 1),
                             indexing="ij")
        return (rr * cols + cc).ravel()
    sat = np.pad(sample.region.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    full = (sat[tile:, tile:] - sat[:-tile, tile:] - sat[tile:, :-tile] + sat[:-tile, :-tile])
    r, c = np.nonzero(full == tile * tile)
    return r * cols + c


def fixed_tiles(samples: Sequence[Sample], tile: int = 128, stride: int = 64,
                max_tiles: int | None = None, seed: int = 0) -> list[tuple[int, int, int]]:
    """``(sample index, row, col)`` of the regular tiles inside each sample's region.

    Used for validation. With ``max_tiles`` a seeded random subset is kept.
    """
    out: list[tuple[int, int, int]] = []
    for i, s in enumerate(samples):
        origins = tile_origins(s.label.shape, tile, stride)
        if s.region is not None:
            from course_lib.unet.tiling import _inside

            origins = origins[_inside(s.region, origins, tile)]
        out += [(i, int(r), int(c)) for r, c in origins]
    if max_tiles is not None and len(out) > max_tiles:
        keep = np.sort(np.random.default_rng(seed).choice(len(out), max_tiles, replace=False))
        out = [out[k] for k in keep]
    return out


def _py_dataset_base():
    import keras

    return keras.utils.PyDataset


class TileDataset(_py_dataset_base()):
    """Batches of tiles cut on the fly from :class:`Sample` objects (a Keras ``PyDataset``).

    Two modes:

    * ``tiles=None`` (training): each batch holds random crops from random samples (a sample
      is drawn with probability proportional to its unpadded area, so a big chip gives more
      tiles than a small one), then augmented. Batch ``i`` of epoch ``e`` is drawn from a
      generator seeded with ``(seed, e, i)``: the same seed gives the same batches.
      With ``positive_fraction`` > 0, that share of the tiles (on average) is placed so that
      it holds a landslide pixel at a random position (**foreground oversampling**).
    * ``tiles=[(sample, row, col), ...]`` (validation): those tiles in order, no augmentation.

    Args:
        samples: the samples.
        batch_size: tiles per batch.
        steps: batches per epoch (training mode).
        tile: tile size.
        tiles: fixed tiles (validation mode).
        augmentation: :class:`~course_lib.unet.augment.Augmentation` (training mode).
        seed: random seed.
        positive_fraction: share of training tiles drawn around a positive (label 1) pixel
            instead of anywhere (0 = uniform crops). Landslides cover a few percent of a
            scene, so most uniform crops hold none and teach only "no landslide"; nnU-Net
            samples a third of its patches around foreground for the same reason (Isensee
            et al. 2021, *Nature Methods* 18:203). Measured on the study area in
            ``bench/unet.md``.
    """

    def __init__(self, samples: Sequence[Sample], *, batch_size: int = 8, steps: int = 50,
                 tile: int = 128, tiles: list[tuple[int, int, int]] | None = None,
                 augmentation: Augmentation | None = None, seed: int = 0,
                 positive_fraction: float = 0.0) -> None:
        super().__init__(workers=1, use_multiprocessing=False)
        if isinstance(positive_fraction, bool) or not 0.0 <= float(positive_fraction) <= 1.0:
            raise ValueError(f"positive_fraction must be between 0 and 1 (a share of the tiles); "
                             f"got {positive_fraction!r}.")
        self.positive_fraction = float(positive_fraction)
        if not samples:
            raise ValueError("samples is empty: nothing to cut tiles from.")
        self.samples = list(samples)
        self.batch_size, self.steps, self.tile = int(batch_size), int(steps), int(tile)
        self.tiles = tiles
        self.augmentation = augmentation if tiles is None else None
        self.seed, self.epoch = int(seed), 0
        if tiles is None:
            self._origins = [allowed_origins(s, self.tile) for s in self.samples]
            empty = [s.name or str(i) for i, (s, o) in enumerate(zip(self.samples,
                                                                      self._origins))
                     if o.size == 0]
            weights = np.array([0.0 if o.size == 0 else float(np.prod(s.shape))
                                for s, o in zip(self.samples, self._origins)])
            if weights.sum() == 0:
                raise ValueError(f"no tile of {self.tile} px fits inside any sample's region "
                                 f"(e.g. {empty[:3]}); use larger regions or smaller tiles.")
            self._weights = weights / weights.sum()
            self._positives, self._allowed = [], []
            if self.positive_fraction > 0:
                for sample, origins in zip(self.samples, self._origins):
                    allowed = np.zeros(sample.label.size, dtype=bool)
                    allowed[origins] = True
                    positive = sample.label == 1
                    if sample.region is not None:
                        positive &= sample.region
                    self._allowed.append(allowed.reshape(sample.label.shape))
                    self._positives.append(np.flatnonzero(positive))
        elif not tiles:
            raise ValueError("tiles is empty: no validation tile fits the regions.")

    def __len__(self) -> int:
        if self.tiles is not None:
            return -(-len(self.tiles) // self.batch_size)
        return self.steps

    def on_epoch_end(self) -> None:
        self.epoch += 1

    def _cut(self, i: int, r: int, c: int) -> tuple[np.ndarray, np.ndarray]:
        s, t = self.samples[i], self.tile
        return s.image[r:r + t, c:c + t], s.label[r:r + t, c:c + t]

    def _around_positive(self, i: int, rng: np.random.Generator,
                         fallback: tuple[int, int]) -> tuple[int, int]:
        """A tile origin whose tile holds a random positive pixel of sample ``i``, anywhere in
        the tile; ``fallback`` when the sample has none or no such tile fits its region."""
        positives, allowed, t = self._positives[i], self._allowed[i], self.tile
        if positives.size == 0:
            return fallback
        rows, cols = allowed.shape
        for _ in range(50):   # near a region's edge some placements do not fit: try again
            p = int(positives[rng.integers(positives.size)])
            pr, pc = divmod(p, cols)
            # origins whose tile covers (pr, pc) and lies inside the grid
            r = int(rng.integers(max(0, pr - t + 1), max(0, min(pr, rows - t)) + 1))
            c = int(rng.integers(max(0, pc - t + 1), max(0, min(pc, cols - t)) + 1))
            if allowed[r, c]:
                return r, c
        return fallback

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        t = self.tile
        if self.tiles is not None:
            chosen = self.tiles[index * self.batch_size:(index + 1) * self.batch_size]
            pairs = [self._cut(*k) for k in chosen]
        else:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            which = rng.choice(len(self.samples), self.batch_size, p=self._weights)
            pairs = []
            for i in which:
                origins = self._origins[i]
                flat = int(origins[rng.integers(origins.size)])
                cols = self.samples[i].label.shape[1]
                r, c = flat // cols, flat % cols
                if self.positive_fraction > 0 and rng.random() < self.positive_fraction:
                    r, c = self._around_positive(int(i), rng, (r, c))
                x, y = self._cut(int(i), r, c)
                if self.augmentation is not None:
                    x, y = augment_pair(x, y, rng, self.augmentation)
                pairs.append((x, y))
        x = np.stack([p[0] for p in pairs]).astype(np.float32, copy=False)
        y = np.stack([p[1] for p in pairs]).astype(np.float32)[..., None]
        return x, y


def samples_from_chips(chips: Sequence, stats: BandStats, tile: int = 128) -> list[Sample]:
    """:func:`make_sample` for every :class:`course_lib.data.chips.Chip`."""
    return [make_sample(c.image, c.mask, stats, tile=tile, name=c.name) for c in chips]
