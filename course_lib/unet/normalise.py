"""Per-band normalisation from the training set, and the NaN policy for the U-Net.

Inputs are standardised band by band, ``z = (x - mean) / std``, with the mean and standard
deviation of the **training pixels only** (statistics of validation or test pixels would leak
information about them). The statistics travel with the model (:mod:`course_lib.unet.trained`)
together with the band names, so a scene with the bands in another order is refused instead
of silently misread.

``mode="per_chip"`` standardises every image by its own statistics instead. **Which to use
depends on what the numbers mean**, so ``mode="auto"`` (the default) decides by the data type
and says so:

* 8-bit imagery (``uint8``: photographs, web-map tiles, stretched true-colour exports) is
  display brightness: the same slope is brighter in another camera, exposure, season or sun
  angle. Standardising each chip by its own mean and standard deviation removes those
  differences, and the network learns shapes and contrasts instead of one sensor's brightness.
  On 8-bit RGB chips made like a learner's (``bench/unet.md``, notebook 05's recipe, 15
  minutes on 2 cores), per-chip standardisation reached F1 0.49 (two runs) on another region's
  chips (another camera's stretch and colour balance) against 0.39 with training-set
  statistics, and did not lose in the training region (test F1 0.71 against 0.68);
* physical units (``uint16`` digital numbers of reflectance, ``float`` reflectance, dB, dNDVI)
  mean the same everywhere: a dNDVI of -0.3 is vegetation loss in any valley. One mean and
  standard deviation per band from the training pixels keep that meaning; per-chip
  statistics would turn a chip without any change into one with "strong" changes.

The choice is stored with the model (:mod:`course_lib.unet.trained`) with its reason, and
applied the same way at prediction.

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

from course_lib.validation import check_choice, expected_message

MODES = ("training", "per_chip")
#: The reasons :func:`fit_band_stats` gives for its choice with ``mode="auto"``.
REASONS = {
    "per_chip": "per chip: 8-bit imagery (uint8) is display brightness, so each image is "
                "standardised by its own mean and standard deviation (images of other cameras, "
                "exposures or illumination then look alike to the network)",
    "training": "training-set statistics: {dtype} values are physical units (reflectance, "
                "dB, dNDVI), so every image is standardised with one mean and standard "
                "deviation per band from the training pixels (a value keeps its meaning)",
}


@dataclass
class BandStats:
    """Normalisation statistics and the band names they belong to.

    Attributes:
        band_names: one name per band, in the order the model expects.
        mean, std: per band (ignored for ``mode="per_chip"``).
        mode: ``"training"`` (statistics of the training set) or ``"per_chip"``.
        reason: why this mode (filled by :func:`fit_band_stats`; stored with the model).
    """

    band_names: tuple[str, ...]
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    std: np.ndarray = field(default_factory=lambda: np.ones(0))
    mode: str = "training"
    reason: str = ""

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
                "std": self.std.tolist(), "mode": self.mode, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict) -> "BandStats":
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(d["band_names"]), np.asarray(d["mean"]), np.asarray(d["std"]),
                   d.get("mode", "training"), d.get("reason", ""))


def channels_last(image: np.ndarray, n_bands: int | None = None) -> np.ndarray:
    """An image as ``(rows, cols, bands)``; a ``(bands, rows, cols)`` raster is transposed.

    A 2-D array is one band. A 3-D array is taken as bands-first when its first axis is the
    smallest and, if ``n_bands`` is given, equals it. A course ``Raster`` gives its ``data``.

    >>> channels_last(np.zeros((3, 5, 7))).shape
    (5, 7, 3)
    >>> channels_last(np.zeros((5, 7, 3))).shape
    (5, 7, 3)
    """
    a = np.asarray(image if isinstance(image, np.ndarray) else getattr(image, "data", image))
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


def choose_mode(images: Sequence[np.ndarray]) -> str:
    """``"per_chip"`` when every image is 8-bit (``uint8``), else ``"training"``.

    See the module docstring for why (display brightness against physical units).

    >>> choose_mode([np.zeros((2, 2, 3), np.uint8)]), choose_mode([np.zeros((2, 2), "f4")])
    ('per_chip', 'training')
    """
    if isinstance(images, np.ndarray) or not isinstance(images, (list, tuple)) or not images:
        raise ValueError(expected_message("images", "a non-empty list of images", images,
                                          "E.g. [c.image for c in chips]."))
    dtypes = {np.asarray(i if isinstance(i, np.ndarray) else getattr(i, "data", i)).dtype
              for i in images}
    return "per_chip" if dtypes == {np.dtype(np.uint8)} else "training"


def fit_band_stats(images: Sequence[np.ndarray] | np.ndarray, band_names: Sequence[str], *,
                   regions: Sequence[np.ndarray | None] | np.ndarray | None = None,
                   mode: str = "auto", verbose: bool = True) -> BandStats:
    """Per-band mean and standard deviation over the training pixels (NaN ignored).

    Args:
        images: one ``(rows, cols, bands)`` image or a list of them (chips), any dtype.
        band_names: the names of the bands.
        regions: optional boolean mask (or one per image) of the pixels to use, e.g. the
            training blocks of :func:`course_lib.unet.tiling.blocked_split`.
        mode: ``"auto"`` (by data type: ``"per_chip"`` for 8-bit imagery, ``"training"``
            otherwise; see the module docstring), ``"training"`` or ``"per_chip"``.
        verbose: with ``mode="auto"``, print the choice and its reason.

    Returns:
        :class:`BandStats` (also with ``mode="per_chip"`` the training statistics are
        computed and kept, for reference). A band with no finite training value raises
        ``ValueError``; a constant band gets std 1 (so it becomes 0, not NaN).

    >>> s = fit_band_stats(np.array([[[1.0], [3.0]]]), ["a"], verbose=False)
    >>> float(s.mean[0]), float(s.std[0]), s.mode
    (2.0, 1.0, 'training')
    """
    names = tuple(str(b) for b in band_names) if band_names is not None and not isinstance(
        band_names, str) else None
    if not names:
        raise TypeError(expected_message("band_names", "a list of band names, e.g. ['R', 'G', "
                                         "'B']", band_names))
    check_choice(mode, "mode", ("auto", *MODES))
    single = isinstance(images, np.ndarray) or hasattr(images, "band_names")
    imgs = [images] if single else list(images) if isinstance(images, (list, tuple)) else None
    if not imgs:
        raise ValueError(expected_message("images", "a non-empty list of training images", images,
                                          "E.g. [c.image for c in parts['train']]."))
    if regions is None or isinstance(regions, np.ndarray):
        regions = [regions] * len(imgs)
    n = len(names)
    chosen = choose_mode(imgs) if mode == "auto" else mode
    total = np.zeros(n)
    total2 = np.zeros(n)
    count = np.zeros(n)
    for img, region in zip(imgs, regions):
        img = channels_last(img, n)
        if img.shape[-1] != n:
            raise ValueError(f"an image has {img.shape[-1]} bands but {n} band names {names}.")
        pix = img[region] if region is not None else img.reshape(-1, n)
        for b in range(n):   # band by band: one float64 band at a time, not the whole image
            vals = pix[:, b].astype(np.float64)
            ok = np.isfinite(vals)
            vals = vals[ok] if not ok.all() else vals
            total[b] += vals.sum()
            total2[b] += np.dot(vals, vals)
            count[b] += vals.size
    if (count == 0).any():
        bad = [b for b, c in zip(names, count) if c == 0]
        raise ValueError(f"bands {bad} have no finite value in the training pixels.")
    mean = total / count
    std = np.sqrt(np.maximum(total2 / count - mean ** 2, 0.0))
    std[std < 1e-12] = 1.0
    if mode == "auto":
        dtype = "/".join(sorted({str(channels_last(i, n).dtype) for i in imgs}))
        reason = REASONS[chosen].format(dtype=dtype)
        if verbose:
            print(f"normalisation: {reason}")
    else:
        reason = f"{'per chip' if chosen == 'per_chip' else 'training-set statistics'} " \
                 "(chosen by the caller)"
    return BandStats(names, mean, std, chosen, reason)


def standardisation(image: np.ndarray, stats: BandStats) -> tuple[np.ndarray, np.ndarray]:
    """The float32 mean and standard deviation per band that standardise ``image``.

    The training statistics for ``mode="training"``; the image's own (NaN ignored, computed
    band by band without a float copy of the whole image) for ``mode="per_chip"``.
    """
    if not isinstance(stats, BandStats):
        raise TypeError(expected_message("stats", "a BandStats", stats,
                                         "Make it with unet.fit_band_stats(images, band_names)."))
    n = len(stats.band_names)
    if stats.mode != "per_chip":
        return stats.mean.astype(np.float32), stats.std.astype(np.float32)
    img = channels_last(image, n)
    mean, std = np.zeros(n), np.ones(n)
    for b in range(n):
        band = img[..., b]
        if band.dtype.kind == "f":
            ok = np.isfinite(band)
            band = band[ok] if not ok.all() else band
        if band.size:
            mean[b] = band.mean(dtype=np.float64)
            std[b] = band.std(dtype=np.float64)
    std = np.where(np.isfinite(std) & (std > 1e-12), std, 1.0)
    return np.nan_to_num(mean).astype(np.float32), std.astype(np.float32)


def standardise(image: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(image - mean) / std`` as a new float32 array, NaN and infinities set to 0.

    >>> standardise(np.array([[[4], [0]]], np.uint8), np.float32([2]), np.float32([2]))[..., 0]
    array([[ 1., -1.]], dtype=float32)
    """
    bands = np.shape(image)[-1] if np.ndim(image) == 3 else None
    for name, value in (("mean", mean), ("std", std)):
        if bands is None or np.shape(value) != (bands,):
            raise ValueError(f"image must be (rows, cols, bands) and {name} one value per band; "
                             f"got image {np.shape(image)} and {name} {np.shape(value)}.")
    x = np.asarray(image).astype(np.float32)   # a copy: the caller's array is never changed
    x -= mean
    x /= std
    np.nan_to_num(x, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return x


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
    return standardise(img, *standardisation(img, stats))


def valid_pixels(image: np.ndarray, n_bands: int | None = None) -> np.ndarray:
    """Boolean ``(rows, cols)``: finite in every band (the NaN policy's usable pixels)."""
    return np.isfinite(channels_last(image, n_bands)).all(axis=-1)
