"""Augmentation that keeps an image and its mask aligned.

Geometric changes (the 8 symmetries of a square: flips and 90-degree rotations, the "D4"
dihedral group) are applied to the image **and** the mask with the same draw; radiometric
jitter (a small per-band gain and offset on the standardised values, and Gaussian noise)
changes the image only. Landslides run downslope in any compass direction, so flips and
rotations are label-preserving here; the U-Net paper itself relied on such augmentation for
small training sets (Ronneberger et al. 2015, *U-Net*, MICCAI, section 3.1), and the
Landslide4Sense baselines used flips and rotations (Ghorbanzadeh et al. 2022, arXiv
2206.00515).

Written with numpy (``np.rot90``, ``np.flip``) rather than Keras preprocessing layers or
albumentations: the Keras layers transform one tensor at a time (keeping a mask aligned needs
extra plumbing), and albumentations would add OpenCV to the Binder image for eight array views.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.validation import expected_message


@dataclass(frozen=True)
class Augmentation:
    """What :func:`augment_pair` may do.

    Attributes:
        flips: random horizontal / vertical flips.
        rot90: random rotations by multiples of 90 degrees.
        gain: standard deviation of a per-band multiplicative jitter (0.1 = +-10 %).
        offset: standard deviation of a per-band additive jitter (standardised units).
        noise: standard deviation of per-pixel Gaussian noise (standardised units).
    """

    flips: bool = True
    rot90: bool = True
    gain: float = 0.1
    offset: float = 0.1
    noise: float = 0.0

    @classmethod
    def none(cls) -> "Augmentation":
        """No augmentation at all."""
        return cls(False, False, 0.0, 0.0, 0.0)


def d4_transform(array: np.ndarray, k: int, flip: bool) -> np.ndarray:
    """Rotate the first two axes by ``k`` x 90 degrees, after an optional left-right flip.

    >>> a = np.arange(4).reshape(2, 2)
    >>> d4_transform(a, 1, False).tolist()
    [[1, 3], [0, 2]]
    """
    _check_d4(array, k, flip)
    out = np.flip(array, axis=1) if flip else array
    return np.rot90(out, k=k, axes=(0, 1))


def _check_d4(array: np.ndarray, k: int, flip: bool) -> None:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(expected_message("k", "an int (quarter turns)", k, "E.g. k=1 for 90 "
                                         "degrees."))
    if not isinstance(flip, (bool, np.bool_)):
        raise TypeError(expected_message("flip", "True or False", flip))
    if np.ndim(array) < 2:
        raise ValueError(expected_message("array", "an image of at least 2 dimensions", array))


def d4_inverse(array: np.ndarray, k: int, flip: bool) -> np.ndarray:
    """Undo :func:`d4_transform` (used by test-time augmentation)."""
    _check_d4(array, k, flip)
    out = np.rot90(array, k=-k, axes=(0, 1))
    return np.flip(out, axis=1) if flip else out


def augment_pair(image: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
                 aug: Augmentation = Augmentation()) -> tuple[np.ndarray, np.ndarray]:
    """Augment one ``(rows, cols, bands)`` image and its ``(rows, cols)`` mask together.

    Args:
        image: standardised image (float32).
        mask: labels (any dtype; -1 = ignore is kept as is).
        rng: a seeded ``numpy.random.Generator`` (the training loop owns it).
        aug: the :class:`Augmentation` settings.

    Returns:
        new (image, mask) arrays; the inputs are not changed. Rotations by 90 or 270 degrees
        swap rows and columns, so use square tiles.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(expected_message("rng", "a numpy Generator", rng,
                                         "E.g. rng = np.random.default_rng(0)."))
    if not isinstance(aug, Augmentation):
        raise TypeError(expected_message("aug", "an Augmentation", aug,
                                         "E.g. unet.Augmentation() or Augmentation.none()."))
    if np.ndim(image) != 3 or np.ndim(mask) != 2:
        raise ValueError(f"image must be (rows, cols, bands) and mask (rows, cols); got "
                         f"{np.shape(image)} and {np.shape(mask)}.")
    if image.shape[:2] != mask.shape[:2]:
        raise ValueError(f"image {image.shape[:2]} and mask {mask.shape[:2]} differ in size.")
    k = int(rng.integers(4)) if aug.rot90 else 0
    flip = bool(rng.integers(2)) if aug.flips else False
    img = d4_transform(image, k, flip)
    msk = d4_transform(mask, k, flip)
    if aug.gain or aug.offset or aug.noise:
        n = img.shape[-1]
        gain = 1.0 + aug.gain * rng.standard_normal(n)
        offset = aug.offset * rng.standard_normal(n)
        img = img * gain.astype(np.float32) + offset.astype(np.float32)
        if aug.noise:
            img = img + (aug.noise * rng.standard_normal(img.shape)).astype(np.float32)
    return np.ascontiguousarray(img, dtype=np.float32), np.ascontiguousarray(msk)
