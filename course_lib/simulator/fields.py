"""Seeded random fields: the raw material of the simulated world.

Spatially correlated noise is made by spectral synthesis (filtering white noise in the Fourier
domain), which costs one FFT whatever the correlation length, unlike a wide
``scipy.ndimage.gaussian_filter``. Every function takes a ``numpy.random.Generator`` so the
world is reproducible from one seed.
"""

from __future__ import annotations

import numpy as np

from course_lib.shifts import shift


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int],
                 correlation_px: float) -> np.ndarray:
    """Gaussian-correlated noise with zero mean and unit standard deviation, float32.

    White noise is low-pass filtered with a Gaussian of standard deviation
    ``correlation_px`` pixels (applied as a product in the Fourier domain, periodic edges).

    >>> f = smooth_noise(np.random.default_rng(0), (64, 64), 5.0)
    >>> f.shape, abs(float(f.mean())) < 1e-6, round(float(f.std()), 3)
    ((64, 64), True, 1.0)
    """
    if correlation_px <= 0:
        raise ValueError(f"correlation_px must be positive; got {correlation_px}.")
    white = rng.standard_normal(shape)
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    # Fourier transform of a Gaussian kernel with sigma = correlation_px pixels.
    transfer = np.exp(-2.0 * (np.pi * correlation_px) ** 2 * (kx**2 + ky**2))
    field = np.fft.irfft2(np.fft.rfft2(white) * transfer, s=shape)
    field -= field.mean()
    std = field.std()
    return (field / std if std > 0 else field).astype(np.float32)


def fractal_noise(rng: np.random.Generator, shape: tuple[int, int], beta: float = 3.0,
                  largest_px: float = 512.0, smallest_px: float = 2.0) -> np.ndarray:
    """Power-law ("fractal", 1/f^beta power spectrum) noise, zero mean, unit std, float32.

    ``beta`` near 3 looks like natural terrain or cloud tops (Mandelbrot; Voss 1988).
    Wavelengths longer than ``largest_px`` or shorter than ``smallest_px`` are damped.
    """
    white = rng.standard_normal(shape)
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    k = np.sqrt(kx**2 + ky**2)
    k_low, k_high = 1.0 / largest_px, 1.0 / smallest_px
    amplitude = (np.maximum(k, k_low)) ** (-beta / 2.0) * np.exp(-((k / k_high) ** 2))
    amplitude[0, 0] = 0.0
    field = np.fft.irfft2(np.fft.rfft2(white) * amplitude, s=shape)
    field -= field.mean()
    std = field.std()
    return (field / std if std > 0 else field).astype(np.float32)


def threshold_for_fraction(field: np.ndarray, fraction: float) -> float:
    """The value above which ``fraction`` of the field lies (a quantile)."""
    fraction = float(np.clip(fraction, 0.0, 1.0))
    if fraction <= 0:
        return float(np.max(field)) + 1.0
    if fraction >= 1:
        return float(np.min(field)) - 1.0
    return float(np.quantile(field, 1.0 - fraction))


def smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below ``lo``, 1 above ``hi``, a smooth cubic ramp between.

    >>> smoothstep(np.array([0.0, 0.5, 1.0]), 0.0, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def shift2d(array: np.ndarray, drow: int, dcol: int, fill=0) -> np.ndarray:
    """Shift an array so that ``out[r, c] = array[r - drow, c - dcol]``, filling the gap.

    The course's one shift helper (:func:`course_lib.shifts.shift`, same sign convention).

    >>> shift2d(np.arange(4).reshape(1, 4), 0, 1).tolist()
    [[0, 0, 1, 2]]
    """
    return shift(array, drow, dcol, fill=fill)


def streaky_noise(rng: np.random.Generator, shape: tuple[int, int], along_px: float,
                  across_px: float, angle_deg: float) -> np.ndarray:
    """Anisotropic Gaussian-correlated noise (zero mean, unit std, float32): streaks.

    Correlated over ``along_px`` pixels in the direction ``angle_deg`` (clockwise from north,
    i.e. up the rows) and over ``across_px`` across it, like cirrus drawn out by the wind
    shear at its height (fall streaks; Heymsfield 1975, *J. Atmos. Sci.* 32:799).

    >>> f = streaky_noise(np.random.default_rng(0), (64, 64), 20.0, 2.0, 90.0)
    >>> bool(np.abs(np.diff(f, axis=1)).mean() < np.abs(np.diff(f, axis=0)).mean())
    True
    """
    if along_px <= 0 or across_px <= 0:
        raise ValueError(f"along_px and across_px must be positive; got {along_px}, "
                         f"{across_px}.")
    white = rng.standard_normal(shape)
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    a = np.radians(angle_deg)
    # Unit vector of the streak direction in (row, col): north is -row, east is +col.
    k_along = -ky * np.cos(a) + kx * np.sin(a)
    k_across = ky * np.sin(a) + kx * np.cos(a)
    transfer = np.exp(-2.0 * np.pi**2 * ((along_px * k_along) ** 2
                                         + (across_px * k_across) ** 2))
    field = np.fft.irfft2(np.fft.rfft2(white) * transfer, s=shape)
    field -= field.mean()
    std = field.std()
    return (field / std if std > 0 else field).astype(np.float32)
