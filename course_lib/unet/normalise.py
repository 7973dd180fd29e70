"""Per-band normalisation from the training set, and the NaN policy for the U-Net.

Inputs are standardised band by band, ``z = (x - mean) / std``, with the mean and standard
deviation of the **training pixels only** (statistics of validation or test pixels would leak
information about them). The statistics travel with the model (:mod:`course_lib.unet.trained`)
together with the band names, so a scene with the bands in another order is refused instead
of silently misread.

``mode="per_chip"`` standardises every image by its own statistics instead. For 8-bit imagery
from mixed sources (other cameras, seasons, illumination) it generalised far better in this
project's measurements on real chips (F1 on another region rose from 0.16 to 0.41); for physical
layers in known units (dB, dNDVI) training-set statistics are the natural default.

**NaN policy** (as :mod:`course_lib.sampling`: NaN = no usable observation). Nothing is invented
where a band is NaN: after standardising, NaN becomes 0 (the training mean, so the network sees
"no information"), the loss **ignores** those pixels (label -1, see
:func:`course_lib.unet.model.bce_dice_loss`), and prediction returns NaN wherever any input band
is NaN (:func:`course_lib.unet.predict.predict_scene`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

MODES = ("training", "per_chip")


@dataclass
class BandStats:
    """Normalisation statistics and the band names they belong to.

    Attributes:
        band_names: one name per band, in the order the model expects.
        mean, std: per band (ignored for ``mode="per_chip"``).
        mode: ``"training"`` (statistics of the training set) or ``"per_chip"``.
    """

    band_names: tuple[str, ...]
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    std: np.ndarray = field(default_factory=lambda: np.ones(0))
    mode: str = "training"

    def __post_init__(self) -> None:
        self.band_names = tuple(str(b) for b in self.band_names)
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}; got {self.mode!r}.")
        n = len(self.band_names)
        self.mean = np.asarray(self.mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(self.std, dtype=np.float64).reshape(-1)
        if self.mode == "per_chip" and self.mean.size == 0:
            self.mean, self.std = np.zeros(n), np.ones(n)
        if self.mean.size != n or self.std.size != n:
            raise ValueError(f"{n} band names but {self.mean.size} means and {self.std.size} "
                             "standard deviations.")

    def to_dict(self) -> dict:
        """JSON-ready form (stored with the model)."""
        return {"band_names": list(self.band_names), "mean": self.mean.tolist(),
                "std": self.std.tolist(), "mode": self.mode}

    @classmethod
    def from_dict(cls, d: dict) -> "BandStats":
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(d["band_names"]), np.asarray(d["mean"]), np.asarray(d["std"]),
                   d.get("mode", "training"))


def channels_last(image: np.ndarray, n_bands: int | None = None) -> np.ndarray:
    """An image as ``(rows, cols, bands)``; a ``(bands, rows, cols)`` raster is transposed.

    A 2-D array is one band. A 3-D array is taken as bands-first when its first axis is the
    smallest and, if ``n_bands`` is given, equals it. A course ``Raster`` gives its ``data``.

    >>> channels_last(np.zeros((3, 5, 7))).shape
    (5, 7, 3)
    >>> channels_last(np.zeros((5, 7, 3))).shape
    (5, 7, 3)
    """
    a = np.asarray(getattr(image, "data", image))
    if a.ndim == 0 or not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"image must be a numeric array or a Raster; got {type(image).__name__}"
                        f" ({a.dtype}).")
    if a.ndim == 2:
        return a[:, :, None]
    if a.ndim != 3:
        raise ValueError(f"image must be (rows, cols), (rows, cols, bands) or (bands, rows, "
                         f"cols); got shape {a.shape}.")
    first_is_bands = a.shape[0] < min(a.shape[1], a.shape[2]) and (
        n_bands is None or a.shape[0] == n_bands) and not (
        n_bands is not None and a.shape[2] == n_bands)
    return np.moveaxis(a, 0, -1) if first_is_bands else a


def fit_band_stats(images: Sequence[np.ndarray] | np.ndarray, band_names: Sequence[str], *,
                   regions: Sequence[np.ndarray | None] | np.ndarray | None = None,
                   mode: str = "training") -> BandStats:
    """Per-band mean and standard deviation over the training pixels (NaN ignored).

    Args:
        images: one ``(rows, cols, bands)`` image or a list of them (chips).
        band_names: the names of the bands.
        regions: optional boolean mask (or one per image) of the pixels to use, e.g. the
            training blocks of :func:`course_lib.unet.tiling.blocked_split`.
        mode: ``"training"`` or ``"per_chip"`` (then no statistics are needed).

    Returns:
        :class:`BandStats`. A band with no finite training value raises ``ValueError``; a
        constant band gets std 1 (so it becomes 0, not NaN).

    >>> s = fit_band_stats(np.array([[[1.0], [3.0]]]), ["a"])
    >>> float(s.mean[0]), float(s.std[0])
    (2.0, 1.0)
    """
    names = tuple(band_names)
    if mode == "per_chip":
        return BandStats(names, mode="per_chip")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}.")
    single = isinstance(images, np.ndarray) or hasattr(images, "band_names")
    imgs = [images] if single else list(images)
    if not imgs:
        raise ValueError("images is empty: pass at least one training image.")
    if regions is None or isinstance(regions, np.ndarray):
        regions = [regions] * len(imgs)
    n = len(names)
    total = np.zeros(n)
    total2 = np.zeros(n)
    count = np.zeros(n)
    for img, region in zip(imgs, regions):
        img = channels_last(img, n)
        if img.shape[-1] != n:
            raise ValueError(f"an image has {img.shape[-1]} bands but {n} band names {names}.")
        pix = img[region] if region is not None else img.reshape(-1, n)
        pix = pix.astype(np.float64)
        ok = np.isfinite(pix)
        vals = np.where(ok, pix, 0.0)
        total += vals.sum(0)
        total2 += (vals ** 2).sum(0)
        count += ok.sum(0)
    if (count == 0).any():
        bad = [b for b, c in zip(names, count) if c == 0]
        raise ValueError(f"bands {bad} have no finite value in the training pixels.")
    mean = total / count
    std = np.sqrt(np.maximum(total2 / count - mean ** 2, 0.0))
    std[std < 1e-12] = 1.0
    return BandStats(names, mean, std, "training")


def check_band_names(stats: BandStats, band_names: Sequence[str] | None) -> None:
    """Refuse an image whose bands differ from the model's (names and order)."""
    if band_names is None:
        return
    names = tuple(str(b) for b in band_names)
    if names != stats.band_names:
        raise ValueError(f"the image has bands {names} but the model was trained on "
                         f"{stats.band_names}; select them in that order, e.g. "
                         f"raster.select({list(stats.band_names)}).")


def normalise(image: np.ndarray, stats: BandStats) -> np.ndarray:
    """Standardise an image; NaN becomes 0 (see the module's NaN policy).

    Args:
        image: ``(rows, cols, bands)`` (or bands-first, transposed automatically).
        stats: from :func:`fit_band_stats` (or the loaded model).

    Returns:
        float32 ``(rows, cols, bands)`` with no NaN. Use :func:`valid_pixels` on the input
        for the pixels whose prediction is defined.

    >>> s = BandStats(("a",), [2.0], [2.0])
    >>> normalise(np.array([[[4.0], [np.nan]]]), s)[..., 0].tolist()
    [[1.0, 0.0]]
    """
    n = len(stats.band_names)
    img = channels_last(image, n)
    if img.shape[-1] != n:
        raise ValueError(f"the image has {img.shape[-1]} bands, the model expects {n} "
                         f"({stats.band_names}).")
    x = img.astype(np.float32)  # a copy: the caller's array is never changed
    if stats.mode == "per_chip":
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(x, axis=(0, 1)) if np.isfinite(x).any() else np.zeros(n)
            std = np.nanstd(x, axis=(0, 1)) if np.isfinite(x).any() else np.ones(n)
        mean = np.nan_to_num(mean)
        std = np.where(np.isfinite(std) & (std > 1e-12), std, 1.0)
    else:
        mean, std = stats.mean, stats.std
    x -= mean.astype(np.float32)
    x /= std.astype(np.float32)
    np.nan_to_num(x, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return x


def valid_pixels(image: np.ndarray, n_bands: int | None = None) -> np.ndarray:
    """Boolean ``(rows, cols)``: finite in every band (the NaN policy's usable pixels)."""
    return np.isfinite(channels_last(image, n_bands)).all(axis=-1)
