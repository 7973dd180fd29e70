"""Samples (images with labels and their standardisation) and a streamed tile dataset for Keras.

A :class:`Sample` is one image **as stored** (``uint8``, ``uint16`` or ``float32``; a view of
the caller's array, never a copy), the mean and standard deviation that standardise it, its
labels (0/1, and -1 = ignore: NaN inputs, padding) and optionally the region where training
tiles may be cut (the training blocks of a scene). :class:`TileDataset` is a
``keras.utils.PyDataset`` that cuts tiles from the samples batch by batch and standardises
only those tiles, so neither the tiles nor a standardised float32 copy of the images ever
exist all at once: a folder of 50 million 8-bit RGB pixels stays 150 MB (as float32 it would
be 600 MB, and a standardised copy another 600 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from course_lib.unet.augment import Augmentation, augment_pair
from course_lib.unet.normalise import (BandStats, channels_last, standardisation, standardise,
                                       valid_pixels)
from course_lib.unet.tiling import tile_origins
from course_lib.validation import expected_message

IGNORE = -1


@dataclass
class Sample:
    """One image ready for the network.

    Attributes:
        image: ``(rows, cols, bands)`` as stored (any numeric dtype; NaN allowed in floats).
        label: int8 ``(rows', cols')``: 1 landslide, 0 not, -1 ignore; padded with -1 to at
            least one tile in each direction (``rows' = max(rows, tile)``).
        region: optional boolean, the label's shape: tiles are cut only where they lie
            entirely inside it (None = anywhere).
        name: for messages.
        shape: (rows, cols) of the image.
        mean, std: float32 per band: the standardisation ``(x - mean) / std`` of this
            sample (the training statistics, or the chip's own for ``per_chip``).
    """

    image: np.ndarray
    label: np.ndarray
    region: np.ndarray | None
    name: str
    shape: tuple[int, int]
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def window(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """Standardised float32 ``image[r0:r1, c0:c1]``, padded with 0 beyond the image.

        Zero is the standardised mean: "no information", as for NaN (the NaN policy).
        """
        rows, cols = self.shape
        part = self.image[max(r0, 0):min(r1, rows), max(c0, 0):min(c1, cols)]
        mean = np.zeros(part.shape[-1], np.float32) if self.mean is None else self.mean
        std = np.ones(part.shape[-1], np.float32) if self.std is None else self.std
        x = standardise(part, mean, std)
        if x.shape[:2] != (r1 - r0, c1 - c0):
            top, left = max(-r0, 0), max(-c0, 0)
            x = np.pad(x, ((top, r1 - r0 - top - x.shape[0]),
                           (left, c1 - c0 - left - x.shape[1]), (0, 0)))
        return x

    def standardised(self) -> np.ndarray:
        """The whole image standardised (float32; for prediction of a small sample)."""
        return self.window(0, self.shape[0], 0, self.shape[1])


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
    if m.dtype.kind not in "biuf":
        raise TypeError(expected_message(name, "a numeric 0/1 array", mask))
    finite = np.isfinite(m) if m.dtype.kind == "f" else None
    top = np.nanmax(m) if m.size and (finite is None or finite.any()) else 0
    if top == 255:
        values = set(np.unique(m[finite] if finite is not None else m).tolist())
        if values <= {0, 255}:
            out = (m == 255).astype(np.int8)
        else:
            out = None
    else:
        values = set(np.unique(m[finite] if finite is not None else m).tolist())
        out = (m == 1).astype(np.int8) if values <= {0, 1} else None
    if out is None:
        shown = sorted(values)[:6]
        raise ValueError(f"{name} must hold 0/1 or 0/255 labels; found values {shown}"
                         f"{' ...' if len(values) > 6 else ''}. Make a binary mask first, e.g. "
                         "mask = (codes == landslide_code).")
    if finite is not None:
        out[~finite] = IGNORE
    return out


def make_sample(image: Any, mask: np.ndarray | None, stats: BandStats, *,
                region: np.ndarray | None = None, tile: int = 128, name: str = "") -> Sample:
    """An image with its labels and standardisation; no copy of the image is made.

    Args:
        image: ``(rows, cols, bands)`` or ``(bands, rows, cols)`` array or a Raster, any dtype.
        mask: 0/1 (or 0/255) labels of the same size, or None (prediction only: all 0).
        stats: the normalisation (training statistics, or ``per_chip``: this image's own).
        region: pixels where training tiles may be cut (e.g. ``split.region("train")``).
        tile: labels (and region) of smaller images are padded to one tile (label -1, the
            loss ignores it; the image is padded with 0 when tiles are cut).
        name: for messages.
    """
    n = len(stats.band_names)
    x = channels_last(image, n)
    if x.shape[-1] != n:
        raise ValueError(f"{name or 'the image'} has {x.shape[-1]} bands, the model expects "
                         f"{n} ({stats.band_names}).")
    rows, cols = x.shape[:2]
    if mask is None:
        y = np.zeros((rows, cols), dtype=np.int8)
    else:
        y = binary_labels(mask, f"mask of {name or 'the image'}")
        if y.shape != (rows, cols):
            raise ValueError(f"mask of {name or 'the image'} is {y.shape}, the image "
                             f"{(rows, cols)}; they must be the same size.")
    if x.dtype.kind == "f":
        y[~valid_pixels(x, n)] = IGNORE
    mean, std = standardisation(x, stats)
    pr, pc = max(tile - rows, 0), max(tile - cols, 0)
    if region is not None and np.asarray(region).shape != (rows, cols):
        raise ValueError(f"region is {np.asarray(region).shape}, the image {(rows, cols)}.")
    if pr or pc:
        y = np.pad(y, ((0, pr), (0, pc)), constant_values=IGNORE)
        if region is not None:
            region = np.pad(region, ((0, pr), (0, pc)), constant_values=True)
    return Sample(x, y, None if region is None else np.asarray(region, bool), name,
                  (rows, cols), mean, std)


def allowed_origins(sample: Sample, tile: int) -> np.ndarray | None:
    """Flat indices (``row * cols + col``) of every top-left corner whose tile fits the region.

    None when the sample has no region (every corner of the padded label fits; they are drawn
    as two random numbers, not listed: a 1,200 px chip has 1.2 million of them).
    """
    if not isinstance(sample, Sample):
        raise TypeError(expected_message("sample", "a Sample", sample,
                                         "Make one with unet.make_sample(image, mask, stats)."))
    rows, cols = sample.label.shape
    if sample.region is None:
        return None
    sat = np.pad(sample.region.astype(np.int32).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    full = (sat[tile:, tile:] - sat[:-tile, tile:] - sat[tile:, :-tile] + sat[:-tile, :-tile])
    r, c = np.nonzero(full == tile * tile)
    return (r * cols + c).astype(np.int64)


def fixed_tiles(samples: Sequence[Sample], tile: int = 128, stride: int = 64,
                max_tiles: int | None = None, seed: int = 0) -> list[tuple[int, int, int]]:
    """``(sample index, row, col)`` of the regular tiles inside each sample's region.

    With ``max_tiles`` a seeded random subset is kept.
    """
    if not isinstance(samples, (list, tuple)) or not all(isinstance(s, Sample) for s in samples):
        raise TypeError(expected_message("samples", "a list of Sample objects", samples))
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
    """Batches of standardised tiles cut on the fly from :class:`Sample` objects (a Keras
    ``PyDataset``).

    Two modes:

    * ``tiles=None`` (training): each batch holds random crops from random samples (a sample
      is drawn with probability proportional to its area, so a big chip gives more tiles than
      a small one), then augmented. Batch ``i`` of epoch ``e`` is drawn from a generator
      seeded with ``(seed, e, i)``: the same seed gives the same batches. With
      ``positive_fraction`` > 0, that share of the tiles (on average) is placed so that it
      holds a landslide pixel at a random position (**foreground oversampling**).
    * ``tiles=[(sample, row, col), ...]``: those tiles in order, no augmentation.

    Only the tiles of the batch are standardised (``Sample.window``): the images stay as
    stored.

    Args:
        samples: the samples.
        batch_size: tiles per batch.
        steps: batches per epoch (training mode).
        tile: tile size.
        tiles: fixed tiles.
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
            fits = [o is None or o.size > 0 for o in self._origins]
            weights = np.array([float(np.prod(s.shape)) if ok else 0.0
                                for s, ok in zip(self.samples, fits)])
            if weights.sum() == 0:
                empty = [s.name or str(i) for i, s in enumerate(self.samples)]
                raise ValueError(f"no tile of {self.tile} px fits inside any sample's region "
                                 f"(e.g. {empty[:3]}); use larger regions or smaller tiles.")
            self._weights = weights / weights.sum()
            self._positives: list[np.ndarray] = []
            self._allowed: list[np.ndarray | None] = []
            if self.positive_fraction > 0:
                for sample, origins in zip(self.samples, self._origins):
                    positive = sample.label == 1
                    allowed = None
                    if sample.region is not None:
                        positive &= sample.region
                        allowed = np.zeros(sample.label.size, dtype=bool)
                        allowed[origins] = True
                        allowed = allowed.reshape(sample.label.shape)
                    self._allowed.append(allowed)
                    flat = np.flatnonzero(positive)
                    # int32 halves the memory of the positions (a 50-megapixel chip folder
                    # with 17 % landslide pixels has 8.5 million of them)
                    self._positives.append(flat.astype(np.int32) if sample.label.size < 2 ** 31
                                           else flat)
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
        return s.window(r, r + t, c, c + t), s.label[r:r + t, c:c + t]

    def _random_origin(self, i: int, rng: np.random.Generator) -> tuple[int, int]:
        rows, cols = self.samples[i].label.shape
        origins = self._origins[i]
        if origins is None:
            return (int(rng.integers(rows - self.tile + 1)),
                    int(rng.integers(cols - self.tile + 1)))
        return divmod(int(origins[rng.integers(origins.size)]), cols)

    def _around_positive(self, i: int, rng: np.random.Generator,
                         fallback: tuple[int, int]) -> tuple[int, int]:
        """A tile origin whose tile holds a random positive pixel of sample ``i``, anywhere in
        the tile; ``fallback`` when the sample has none or no such tile fits its region."""
        positives, allowed, t = self._positives[i], self._allowed[i], self.tile
        if positives.size == 0:
            return fallback
        rows, cols = self.samples[i].label.shape
        for _ in range(50):   # near a region's edge some placements do not fit: try again
            p = int(positives[rng.integers(positives.size)])
            pr, pc = divmod(p, cols)
            # origins whose tile covers (pr, pc) and lies inside the grid
            r = int(rng.integers(max(0, pr - t + 1), max(0, min(pr, rows - t)) + 1))
            c = int(rng.integers(max(0, pc - t + 1), max(0, min(pc, cols - t)) + 1))
            if allowed is None or allowed[r, c]:
                return r, c
        return fallback

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if self.tiles is not None:
            chosen = self.tiles[index * self.batch_size:(index + 1) * self.batch_size]
            pairs = [self._cut(*k) for k in chosen]
        else:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            which = rng.choice(len(self.samples), self.batch_size, p=self._weights)
            pairs = []
            for i in which:
                r, c = self._random_origin(int(i), rng)
                if self.positive_fraction > 0 and rng.random() < self.positive_fraction:
                    r, c = self._around_positive(int(i), rng, (r, c))
                x, y = self._cut(int(i), r, c)
                if self.augmentation is not None:
                    x, y = augment_pair(x, y, rng, self.augmentation)
                pairs.append((x, y))
        x = np.stack([p[0] for p in pairs]).astype(np.float32, copy=False)
        y = np.stack([p[1] for p in pairs]).astype(np.float32)[..., None]
        return x, y


def samples_from_chips(chips: Sequence[Any], stats: BandStats, tile: int = 128) -> list[Sample]:
    """:func:`make_sample` for every :class:`course_lib.data.chips.Chip` (no image is copied)."""
    if isinstance(chips, (str, bytes)) or not hasattr(chips, "__iter__"):
        raise TypeError(expected_message("chips", "a list of Chip objects", chips,
                                         "Read them with unet.load_chip_folder(...)."))
    chips = list(chips)
    bad = [type(c).__name__ for c in chips if not (hasattr(c, "image") and hasattr(c, "mask"))]
    if bad or not chips:
        raise TypeError(expected_message("chips", "a non-empty list of Chip objects (with "
                                         ".image and .mask)", chips,
                                         "Read them with unet.load_chip_folder(...)."))
    return [make_sample(c.image, c.mask, stats, tile=tile, name=c.name) for c in chips]
