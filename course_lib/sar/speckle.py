"""Speckle filters for Sentinel-1 backscatter: the Lee and refined Lee filters.

Both work on linear power, on the last two axes, and are NaN-aware. Sources: Lee (1980,
*IEEE TPAMI* 2:165) for the Lee filter, Lee (1981, *CGIP* 15:380) for the refined Lee filter.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from course_lib.sar.units import S1_IW_GRDH_ENL, _array, _check_linear
from course_lib.validation import check_number, check_odd_window


def _local_mean_var(image: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NaN-aware moving-window mean and variance over the last two axes.

    Uses ``scipy.ndimage.uniform_filter`` on the values (NaN set to 0) and on the valid-pixel
    indicator, so each window averages only its valid pixels. Returns ``(mean, var, count)``
    with ``count`` the fraction of valid pixels in each window.
    """
    size = (1,) * (image.ndim - 2) + (window, window)
    valid = np.isfinite(image)
    filled = np.where(valid, image, 0.0)
    fraction = ndimage.uniform_filter(valid.astype(np.float64), size=size, mode="reflect")
    sum1 = ndimage.uniform_filter(filled, size=size, mode="reflect")
    sum2 = ndimage.uniform_filter(filled * filled, size=size, mode="reflect")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sum1 / fraction
        var = np.maximum(sum2 / fraction - mean * mean, 0.0)  # clip round-off below zero
    return mean, var, fraction


def lee_filter(image: np.ndarray, window: int = 7, looks: float = S1_IW_GRDH_ENL) -> np.ndarray:
    """Lee (1980) adaptive speckle filter for linear SAR intensity.

    For each pixel, with the local mean ``mean_z`` and variance ``var_z`` of the intensity ``z``
    in a ``window`` x ``window`` neighbourhood::

        eta   = 1 / sqrt(ENL)                       # speckle coefficient of variation
        var_x = (var_z - mean_z**2 * eta**2) / (1 + eta**2)   # variance of the true signal
        b     = max(var_x / var_z, 0)
        out   = (1 - b) * mean_z + b * z

    In homogeneous areas ``var_z`` is explained by speckle alone, ``b`` is near 0 and the pixel
    is replaced by the local mean; at edges and bright targets ``var_z`` is large, ``b`` is near
    1 and the pixel is kept. Where ``var_z`` is 0 (a constant neighbourhood) ``b = 0``.

    Args:
        image: linear intensity, band-first ``(..., rows, cols)``; every 2-D slice is filtered
            on its own. NaN is nodata: it is ignored in the local statistics and stays NaN.
        window: odd window size in pixels (3, 5, 7...).
        looks: equivalent number of looks (ENL) of the data; 4.4 for Sentinel-1 IW GRDH.
            More looks = less speckle assumed = a gentler filter.

    Returns:
        float array of the same shape (float32 for float32 input, else float64).

    Raises:
        ValueError: for a 1-D input, an even or < 3 window, a window larger than the image,
            ``looks <= 0``, or negative (dB) values.

    >>> flat = np.full((5, 5), 0.2)
    >>> bool(np.allclose(lee_filter(flat, window=3), flat))
    True
    """
    z, window, looks = _check_filter_inputs(image, window, looks, "lee_filter")
    out_dtype = np.float32 if z.dtype == np.float32 else np.float64
    z64 = z.astype(np.float64)
    mean_z, var_z, _ = _local_mean_var(z64, window)
    eta2 = 1.0 / looks
    var_x = (var_z - mean_z**2 * eta2) / (1.0 + eta2)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(var_z > 0, np.maximum(var_x / var_z, 0.0), 0.0)
    out = (1.0 - b) * mean_z + b * z64
    out[~np.isfinite(z64)] = np.nan
    return out.astype(out_dtype)


def _refined_lee_windows() -> list[np.ndarray]:
    """The eight 7 x 7 edge-aligned half windows of the refined Lee filter (centre included).

    Order: top, bottom, left, right half; then the triangles on either side of the main
    diagonal (top-right, bottom-left) and of the anti-diagonal (top-left, bottom-right).
    """
    r, c = np.indices((7, 7))
    masks = [r <= 3, r >= 3, c <= 3, c >= 3, c >= r, c <= r, r + c <= 6, r + c >= 6]
    return [m.astype(np.float64) for m in masks]


def _refined_lee_2d(z: np.ndarray, eta2: float) -> np.ndarray:
    """Refined Lee on one 2-D float64 slice (NaN = nodata); see :func:`refined_lee_filter`."""
    valid = np.isfinite(z)
    filled = np.where(valid, z, 0.0)
    weight = valid.astype(np.float64)
    mean3, _, _ = _local_mean_var(z, 3)
    # The nine 3 x 3 sample means on a 3 x 3 grid with spacing 2 pixels: m[k] for k = 3 i + j
    # sits at (row, col) offset (2 (i - 1), 2 (j - 1)). Edges: nearest valid value.
    padded = np.pad(np.where(np.isfinite(mean3), mean3, np.nanmean(mean3)), 2, mode="edge")
    rows, cols = z.shape
    m = [padded[2 + dr:2 + dr + rows, 2 + dc:2 + dc + cols]
         for dr in (-2, 0, 2) for dc in (-2, 0, 2)]
    centre = m[4]
    gradients = np.stack([np.abs(m[1] - m[7]),    # vertical change: a horizontal edge
                          np.abs(m[3] - m[5]),    # horizontal change: a vertical edge
                          np.abs(m[2] - m[6]),    # top-right vs bottom-left: a main-diagonal edge
                          np.abs(m[0] - m[8])])   # top-left vs bottom-right: an anti-diagonal edge
    direction = np.argmax(gradients, axis=0)
    # Which side of the edge the centre belongs to: the side whose sample mean is closer.
    sides = [(m[1], m[7]), (m[3], m[5]), (m[2], m[6]), (m[0], m[8])]
    choice = np.empty(z.shape, dtype=np.int8)
    for d, (first, second) in enumerate(sides):
        here = direction == d
        first_side = np.abs(first - centre) <= np.abs(second - centre)
        choice[here] = np.where(first_side[here], 2 * d, 2 * d + 1)
    mean_z = np.empty(z.shape)
    var_z = np.empty(z.shape)
    for index, kernel in enumerate(_refined_lee_windows()):
        sel = choice == index
        if not sel.any():
            continue
        count = ndimage.correlate(weight, kernel, mode="reflect")
        sum1 = ndimage.correlate(filled, kernel, mode="reflect")
        sum2 = ndimage.correlate(filled * filled, kernel, mode="reflect")
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sum1[sel] / count[sel]
            mean_z[sel] = mean
            var_z[sel] = np.maximum(sum2[sel] / count[sel] - mean * mean, 0.0)
    var_x = (var_z - mean_z**2 * eta2) / (1.0 + eta2)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(var_z > 0, np.maximum(var_x / var_z, 0.0), 0.0)
    out = (1.0 - b) * mean_z + b * filled
    out[~valid] = np.nan
    return out


def refined_lee_filter(image: np.ndarray, looks: float = S1_IW_GRDH_ENL) -> np.ndarray:
    """Refined Lee filter (Lee 1981): the Lee filter in an edge-aligned 7 x 7 half window.

    The basic :func:`lee_filter` averages a square window, so near an edge it mixes both sides
    (or, with ``b`` near 1, keeps the speckle). The refined version first finds the local edge
    direction from nine 3 x 3 sample means on the 7 x 7 window (the largest of the vertical,
    horizontal and two diagonal differences), picks the half window on the centre pixel's side of
    the edge (one of eight), and applies the same Lee weighting inside it. Homogeneous areas are
    smoothed about as much; edges and thin features (a narrow debris flow) stay sharper.

    Source: Lee, J.-S. (1981), Refined filtering of image noise using local statistics,
    *Computer Graphics and Image Processing* 15:380-389; the same scheme as the refined Lee of
    ESA SNAP and of Mullissa et al. (2021, *Remote Sensing* 13:1954) for Earth Engine, here with
    the speckle level from the ENL as in :func:`lee_filter`.

    Args:
        image: linear intensity, band-first ``(..., rows, cols)``; NaN = nodata, kept NaN.
        looks: equivalent number of looks.

    >>> flat = np.full((9, 9), 0.3)
    >>> bool(np.allclose(refined_lee_filter(flat), flat))
    True
    """
    z, _, looks = _check_filter_inputs(image, 7, looks, "refined_lee_filter")
    out_dtype = np.float32 if z.dtype == np.float32 else np.float64
    flat = z.reshape(-1, *z.shape[-2:]).astype(np.float64)
    out = np.stack([_refined_lee_2d(band, 1.0 / looks) for band in flat])
    return out.reshape(z.shape).astype(out_dtype)


# --------------------------------------------------------------------------- input checks
def _check_filter_inputs(image, window, looks, what: str) -> tuple[np.ndarray, int, float]:
    """Linear intensity ``(..., rows, cols)`` at least ``window`` pixels on a side, an odd
    window >= 3 and a positive number of looks."""
    z = _array(image, "image")
    window = check_odd_window(window, "window", fix="E.g. 5 or 7 (the Lee filter's usual "
                              "windows).")
    looks = check_number(looks, "looks", minimum=0, min_inclusive=False,
                         fix="The equivalent number of looks (ENL), e.g. 4.4 for S1 IW GRDH.")
    if z.ndim < 2:
        raise ValueError(f"image must have (rows, cols) last for {what}; got shape {z.shape}. "
                         "Pass an image (rows, cols) or a stack (..., rows, cols), not a profile.")
    if min(z.shape[-2:]) < window:
        band_last = (" It looks band-last (rows, cols, bands): move the bands first with "
                     "np.moveaxis(image, -1, 0)." if z.ndim >= 3 and z.shape[-1] <= 4
                     and z.shape[-3] >= window else "")
        raise ValueError(f"window {window} is larger than the image {z.shape[-2:]}: {what} "
                         f"needs at least {window} x {window} pixels. Filter the whole image "
                         f"(not a small crop), or use a smaller window.{band_last}")
    _check_linear(z, f"{what} input")
    return z, window, looks
