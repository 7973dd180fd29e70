"""Sentinel-1 backscatter: decibels, speckle filtering, change images and slope correction.

Conventions used by every function in this module:

* **Units.** Backscatter arrives as *linear* power (sigma0, a ratio of powers, >= 0). Decibels
  are ``dB = 10 log10(linear)``. Averaging, filtering, compositing and ratios are done in
  **linear** units (the speckle model is multiplicative in linear power); dB is for looking at
  images and for the final log-ratio change layer. A function that expects linear values and
  receives negative ones raises :class:`ValueError`, because negative values almost always
  mean the input is already in dB.
* **Axes.** Arrays are **band-first**: the last two axes are always ``(rows, cols)``; any
  leading axes (bands, or time and bands) are carried along untouched. Spatial filters work on
  the last two axes only.
* **Nodata** is NaN. NaN propagates: a NaN input pixel gives a NaN output pixel, and filters
  and composites ignore NaN neighbours or dates (they are "NaN-aware").
* **Angles** are in **degrees**. Azimuths are measured clockwise from grid north (0 = north,
  90 = east), like terrain aspect. See :func:`range_slope_angle` for the look direction.

Contents: units (:func:`to_db`, :func:`to_linear`, :func:`equivalent_number_of_looks`);
speckle filters (:func:`lee_filter`, :func:`refined_lee_filter`); composites and change
(:func:`median_backscatter`, :func:`log_ratio_db`, :func:`combine_geometries`,
:func:`look_direction_edges`); the slope correction (:func:`radiometric_slope_correction` and
its parts). All of these are pure functions on arrays. Only the last section touches the
simulated study area: :func:`study_area_s1_composite` (the paper's Table 1 layers built from it
live in :mod:`course_lib.layers`).

Sources: the Lee filter follows Lee (1980, *IEEE TPAMI* 2:165) in the form given in the
course's design reference, the refined Lee filter Lee (1981, *CGIP* 15:380); the slope
correction is the angular-based volume model of Vollrath, Mullissa and Reiche (2020, *Remote
Sensing* 12:1867), as used by Ganerød et al. (2023, *Remote Sensing* 15:895) for the Jølster
landslides.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import ndimage

from course_lib.validation import (as_array, check_angle_degrees, check_integer, check_mask,
                                   check_number, describe)

#: Equivalent number of looks of Sentinel-1 IW GRD high-resolution products (ESA product
#: specification, about 4.4); the default for :func:`lee_filter`.
S1_IW_GRDH_ENL = 4.4

__all__ = [
    "S1_IW_GRDH_ENL",
    "to_db",
    "to_linear",
    "equivalent_number_of_looks",
    "lee_filter",
    "refined_lee_filter",
    "median_backscatter",
    "log_ratio_db",
    "combine_geometries",
    "look_direction_edges",
    "NEAR_EDGE_PIXELS",
    "FAR_BAND_PIXELS",
    "look_azimuth_from_heading",
    "range_slope_angle",
    "volume_scf",
    "layover_shadow_masks",
    "SlopeCorrection",
    "radiometric_slope_correction",
    "study_area_s1_composite",
    "S1_COMPOSITE_VERSION",
]


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

def _array(value, name: str, **kwargs) -> np.ndarray:
    """``value`` as a numeric array (bool refused), or a clear error naming ``name``."""
    return as_array(value, name, kinds="iuf", **kwargs)


def _check_incidence(theta: np.ndarray, name: str = "incidence_deg") -> None:
    """Incidence angles must be degrees of a real SAR geometry (Sentinel-1 IW: 30-46)."""
    with np.errstate(invalid="ignore"):
        if np.any((theta < 10) | (theta > 80)):
            raise ValueError(
                f"{name} must be in degrees between 10 and 80 (Sentinel-1 IW: about 30 "
                f"to 46); got values from {np.nanmin(theta):.3g} to {np.nanmax(theta):.3g}. "
                "Values below 10 are probably radians: use np.degrees().")


def _check_linear(values: np.ndarray, what: str) -> None:
    """Raise if ``values`` cannot be linear power (negative values mean dB was passed)."""
    with np.errstate(invalid="ignore"):
        n_negative = int(np.count_nonzero(values < 0))
    if n_negative:
        raise ValueError(
            f"{what} must be linear power (>= 0), but {n_negative} value(s) are negative, "
            f"as low as {np.nanmin(values):.3g}. These look like decibels: convert them first "
            "with to_linear(db)."
        )


def to_db(linear: np.ndarray | float, *, floor: float | None = None) -> np.ndarray:
    """Convert linear backscatter power to decibels: ``10 * log10(linear)``.

    Args:
        linear: linear power (sigma0 or gamma0), any shape; NaN is nodata.
        floor: optional smallest linear value kept; smaller values (including 0) are raised to
            it before the logarithm, e.g. ``floor=1e-5`` (-50 dB). Without a floor, zeros give
            NaN and a warning, never ``-inf``.

    Returns:
        float array of dB values, NaN where the input is NaN (or 0 without a floor).

    Raises:
        ValueError: if any value is negative (the input is probably already in dB).

    >>> to_db(np.array([1.0, 0.1, 0.01])).tolist()
    [0.0, -10.0, -20.0]
    """
    values = _array(linear, "linear", allow_empty=True)
    if values.ndim == 0:
        values = values.astype(np.float64)
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float32)
    _check_linear(values, "to_db input")
    if floor is not None:
        floor = check_number(floor, "floor", minimum=0, min_inclusive=False,
                             fix="A small linear power, e.g. 1e-5 (-50 dB).")
        values = np.where(values < floor, np.asarray(floor, values.dtype), values)
    zero = values == 0
    if np.any(zero):
        warnings.warn(
            f"to_db: {int(zero.sum())} zero value(s) have no logarithm and became NaN; pass "
            "floor=1e-5 (or another small power) to clip them instead.",
            RuntimeWarning, stacklevel=2,
        )
        values = np.where(zero, np.nan, values)
    return 10.0 * np.log10(values)


def to_linear(db: np.ndarray | float, *, check_units: bool = True) -> np.ndarray:
    """Convert decibels to linear power: ``10 ** (db / 10)``. NaN stays NaN.

    Raises ``ValueError`` when more than 100 values are all in [0, 2): that is linear power
    (Sentinel-1 sigma0 over land is mostly below 0.5), not dB (mostly between -25 and +5 dB),
    and converting it again gives a wrong result. Pass ``check_units=False`` if such values
    really are dB.

    >>> to_linear(np.array([0.0, -10.0, 10.0])).tolist()
    [1.0, 0.1, 10.0]
    """
    values = _array(db, "db", allow_empty=True)
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float32)
    finite = values[np.isfinite(values)]
    if check_units and finite.size > 100 and finite.min() >= 0 and finite.max() < 2:
        raise ValueError(
            f"db must be decibels; got {describe(values)} with every value in [0, 2): this "
            "looks already linear power (dB values of land backscatter are mostly negative). "
            "Use the values as they are, or pass check_units=False if they really are dB.")
    return np.power(np.asarray(10.0, values.dtype), values / 10.0)


def equivalent_number_of_looks(region: np.ndarray) -> float:
    """Estimate the equivalent number of looks (ENL) of a homogeneous region: mean^2 / variance.

    Use linear intensity over an area with no real texture (a lake in calm weather, a flat
    field); texture makes the estimate too low. NaN is ignored.

    >>> rng = np.random.default_rng(0)
    >>> round(equivalent_number_of_looks(rng.gamma(4.0, 0.25, 200_000)), 1)
    4.0
    """
    values = _array(region, "region", allow_empty=True).astype(np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        raise ValueError("equivalent_number_of_looks needs at least two valid (non-NaN) pixels.")
    _check_linear(values, "equivalent_number_of_looks input")
    variance = values.var()
    if variance == 0:
        raise ValueError("The region is constant (variance 0): the ENL is undefined.")
    return float(values.mean() ** 2 / variance)


# --------------------------------------------------------------------------------------------
# Speckle filtering
# --------------------------------------------------------------------------------------------

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
        ValueError: for a 1-D input, an even or < 3 window, ``looks <= 0``, or negative (dB)
            values.

    >>> flat = np.full((5, 5), 0.2)
    >>> bool(np.allclose(lee_filter(flat, window=3), flat))
    True
    """
    z = _array(image, "image")
    if isinstance(window, (bool, np.bool_)) or not isinstance(window, (int, float, np.number)):
        raise TypeError(f"window must be an odd integer >= 3 (e.g. 5 or 7); got "
                        f"{describe(window)}.")
    looks = check_number(looks, "looks", minimum=0, min_inclusive=False,
                         fix="The equivalent number of looks (ENL), e.g. 4.4 for S1 IW GRDH.")
    if z.ndim < 2:
        raise ValueError(f"lee_filter needs an array with (rows, cols) last; got shape {z.shape}.")
    if int(window) != window or window < 3 or window % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 3 (e.g. 5 or 7); got {window}.")
    if not looks > 0:
        raise ValueError(f"looks (the ENL) must be positive; got {looks}.")
    _check_linear(z, "lee_filter input")
    out_dtype = np.float32 if z.dtype == np.float32 else np.float64
    z64 = z.astype(np.float64)
    mean_z, var_z, _ = _local_mean_var(z64, int(window))
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
    z = _array(image, "image")
    looks = check_number(looks, "looks", minimum=0, min_inclusive=False,
                         fix="The equivalent number of looks (ENL), e.g. 4.4 for S1 IW GRDH.")
    if z.ndim < 2:
        raise ValueError(
            f"refined_lee_filter needs (rows, cols) last; got shape {z.shape}."
        )
    if min(z.shape[-2:]) < 7:
        raise ValueError(f"refined_lee_filter needs at least 7 x 7 pixels; got {z.shape[-2:]}.")
    if not looks > 0:
        raise ValueError(f"looks (the ENL) must be positive; got {looks}.")
    _check_linear(z, "refined_lee_filter input")
    out_dtype = np.float32 if z.dtype == np.float32 else np.float64
    flat = z.reshape(-1, *z.shape[-2:]).astype(np.float64)
    out = np.stack([_refined_lee_2d(band, 1.0 / looks) for band in flat])
    return out.reshape(z.shape).astype(out_dtype)


# --------------------------------------------------------------------------------------------
# Composites and change
# --------------------------------------------------------------------------------------------

def median_backscatter(stack: np.ndarray) -> np.ndarray:
    """Per-pixel temporal median of a linear-power time series (NaN-aware).

    Not to be confused with :func:`course_lib.composites.median_composite` (optical
    reflectance with a clear-sky mask, float32, raises on an all-cloud stack).

    Args:
        stack: linear power shaped ``(time, ..., rows, cols)``, e.g. ``(time, 2, rows, cols)``
            for VV and VH. The median is taken over axis 0.

    Returns:
        ``stack.shape[1:]``; NaN where a pixel has no valid date.

    Raises:
        ValueError: if the stack is not at least 3-D, is all NaN, or holds negative (dB) values.
            (The median commutes with the monotonic dB transform, but keep the whole chain in
            linear units so averages and ratios stay correct.)

    >>> median_backscatter(np.array([[[1.0]], [[3.0]], [[np.nan]], [[2.0]]])).tolist()
    [[2.0]]
    """
    values = _array(stack, "stack", allow_empty=True)
    if values.ndim >= 1 and values.shape[0] == 0:
        raise ValueError(f"stack has 0 dates (shape {values.shape}): nothing to composite. "
                         "Widen the date window.")
    if values.ndim < 3:
        raise ValueError(
            f"median_backscatter needs (time, ..., rows, cols); got shape {values.shape}."
        )
    if not np.any(np.isfinite(values)):
        raise ValueError("median_backscatter: every value is NaN, there is nothing to composite.")
    _check_linear(values, "median_backscatter input")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "All-NaN slice": documented NaN
        return np.nanmedian(values, axis=0)


def log_ratio_db(pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Log-ratio change image in dB: ``10 log10(post / pre) = dB(post) - dB(pre)``.

    Negative values are a backscatter decrease, positive an increase. Compute it on median
    composites (or filtered images): on single speckled images the ratio is very noisy.

    Args:
        pre, post: linear power of the same shape (band-first).

    Returns:
        the change in dB; NaN where either input is NaN or zero.

    >>> log_ratio_db(np.array([0.1, 0.1]), np.array([0.01, 0.2])).round(2).tolist()
    [-10.0, 3.01]
    """
    pre = _array(pre, "pre")
    post = _array(post, "post")
    if pre.shape != post.shape:
        raise ValueError(f"pre {pre.shape} and post {post.shape} must have the same shape.")
    _check_linear(pre, "log_ratio_db pre")
    _check_linear(post, "log_ratio_db post")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = post / pre
        ratio = np.where((pre > 0) & (post > 0), ratio, np.nan)
        return 10.0 * np.log10(ratio)


def combine_geometries(ascending: np.ndarray, descending: np.ndarray,
                       how: str = "mean") -> np.ndarray:
    """Combine ascending and descending backscatter, in linear units.

    The paper (Ganerød et al. 2023) averaged both orbit geometries. Beware: a landslide seen by
    a side-looking radar darkens on the slope side nearer the sensor and brightens on the far
    side (Lindsay et al., cited there). Ascending and descending passes look from opposite
    sides (Sentinel-1 looks roughly east when ascending and west when descending), so the near
    and far sides swap: where one geometry sees a decrease the other sees an increase, and the
    average of the two can cancel the signature, leaving little or mostly an increase.
    Keep the geometries apart (``how="stack"``) when the classifier can use both.

    Args:
        ascending, descending: linear power of the same shape (NaN = masked, e.g. layover).
        how: ``"mean"`` for the NaN-aware mean (a pixel masked in one geometry takes the
            other's value) or ``"stack"`` for ``np.stack([asc, desc])``.

    Returns:
        the mean (same shape) or the stack (a new leading axis of 2).

    >>> combine_geometries(np.array([0.1, np.nan]), np.array([0.3, 0.2])).round(3).tolist()
    [0.2, 0.2]
    """
    asc = _array(ascending, "ascending")
    desc = _array(descending, "descending")
    if asc.shape != desc.shape:
        raise ValueError(
            f"ascending {asc.shape} and descending {desc.shape} must have the same shape; "
            "resample both to the same grid first."
        )
    _check_linear(asc, "combine_geometries ascending")
    _check_linear(desc, "combine_geometries descending")
    if how == "stack":
        return np.stack([asc, desc])
    if how != "mean":
        raise ValueError(f"how must be 'mean' or 'stack'; got {how!r}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # both NaN: NaN, as documented
        return np.nanmean(np.stack([asc, desc]), axis=0)


#: Widths, in pixels, of the zone of decreased backscatter inside a landslide's near edge and
#: of the band of increased backscatter beyond its far edge. The same numbers as the simulated
#: world's generator (``course_lib.data.study_area.sentinel1``: NEAR_EDGE_PX, FAR_BAND_PX),
#: so :func:`look_direction_edges` finds exactly the zones the simulation changed.
NEAR_EDGE_PIXELS, FAR_BAND_PIXELS = 2, 3


def look_direction_edges(mask: np.ndarray, look_azimuth_deg: float,
                         near_width: int = NEAR_EDGE_PIXELS,
                         far_width: int = FAR_BAND_PIXELS) -> tuple[np.ndarray, np.ndarray]:
    """The near edge and the far band of a patch (e.g. a landslide) as seen by a side-looking radar.

    * near edge: pixels **inside** ``mask`` within ``near_width`` pixels of its edge on the
      sensor side (where the paper, after Lindsay et al., reports decreased backscatter);
    * far band: pixels **outside** ``mask`` within ``far_width`` pixels beyond its far edge
      (the band of increased backscatter).

    A pixel is in the near edge when the pixel ``k`` steps towards the sensor is outside the
    mask, for some ``k <= near_width``; it is in the far band when it is outside and the pixel
    ``k`` steps towards the sensor is inside, for some ``k <= far_width``. The steps use
    :func:`course_lib.shifts.shift` and :func:`course_lib.shifts.azimuth_offset`, the same
    convention as the generator of the simulated world.

    Args:
        mask: boolean ``(rows, cols)`` on a north-up grid.
        look_azimuth_deg: look azimuth, sensor towards ground (:func:`look_azimuth_from_heading`).
        near_width: near-edge width in pixels (default 2, as the generator darkens).
        far_width: far-band width in pixels (default 3, as the generator brightens).

    >>> m = np.zeros((1, 9), bool); m[0, 2:6] = True
    >>> near, far = look_direction_edges(m, 90.0)   # looking east: the sensor is in the west
    >>> np.flatnonzero(near).tolist(), np.flatnonzero(far).tolist()
    ([2, 3], [6, 7, 8])
    """
    from course_lib.shifts import azimuth_offset, shift

    mask = check_mask(mask, "mask", example="mask = area['landslide_id'].data[0] == 7")
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D (rows, cols); got shape {mask.shape}.")
    check_number(look_azimuth_deg, "look_azimuth_deg", units="degrees")
    for name, value in (("near_width", near_width), ("far_width", far_width)):
        if int(value) != value or value < 0:
            raise ValueError(f"{name} must be a whole number of pixels >= 0; got {value!r}.")
    near = np.zeros_like(mask)
    far = np.zeros_like(mask)
    for k in range(1, max(int(near_width), int(far_width)) + 1):
        # seen_from_sensor[r, c] = mask at the pixel k steps towards the sensor
        seen_from_sensor = shift(mask, *azimuth_offset(look_azimuth_deg, k), fill=False)
        if k <= near_width:
            near |= mask & ~seen_from_sensor
        if k <= far_width:
            far |= ~mask & seen_from_sensor
    return near, far


# --------------------------------------------------------------------------------------------
# Radiometric slope correction (Vollrath et al. 2020)
# --------------------------------------------------------------------------------------------

def look_azimuth_from_heading(heading_deg: float, right_looking: bool = True) -> float:
    """Azimuth of the radar look direction (from the sensor towards the ground), in degrees.

    Sentinel-1 looks to the right of its flight direction, so the look azimuth is
    ``heading + 90``: about 80 degrees (east) on ascending passes over Norway (heading about
    -10) and about 280 degrees (west) on descending passes (heading about 190).

    >>> look_azimuth_from_heading(-10.0), look_azimuth_from_heading(190.0)
    (80.0, 280.0)
    """
    heading_deg = check_number(heading_deg, "heading_deg", units="degrees")
    if not isinstance(right_looking, (bool, np.bool_)):
        raise TypeError(f"right_looking must be True or False; got {describe(right_looking)}.")
    return float((heading_deg + (90.0 if right_looking else -90.0)) % 360.0)


def range_slope_angle(slope_deg: np.ndarray, aspect_deg: np.ndarray,
                      look_azimuth_deg: float | np.ndarray) -> np.ndarray:
    """Terrain slope projected into the radar's range direction (``alpha_r``), in degrees.

    Vollrath et al. (2020) write ``alpha_r = atan(tan(slope) * cos(phi_i - aspect))`` with
    ``phi_i`` the azimuth of the incidence-angle gradient *pointing back towards the sensor*
    (their ``ee.Terrain.aspect`` of the incidence-angle image). This function takes the more
    familiar **look azimuth** (sensor towards ground, ``heading + 90`` for Sentinel-1; see
    :func:`look_azimuth_from_heading`) and uses ``phi_i = look_azimuth + 180``. So:

    * ``alpha_r > 0``: the slope **faces the sensor** (foreshortening; layover when steeper than
      the incidence angle);
    * ``alpha_r < 0``: the slope **faces away** (darker; radar shadow when steeper than
      ``90 - incidence``).

    Args:
        slope_deg: terrain slope, 0..90 degrees, ``(rows, cols)``.
        aspect_deg: downslope direction, degrees clockwise from north. NaN aspect (flat cells)
            is allowed where the slope is 0: ``alpha_r`` is then 0.
        look_azimuth_deg: look azimuth, a scalar or broadcastable array.

    >>> round(float(range_slope_angle(30.0, 270.0, 90.0)), 6)  # looking east, west-facing
    30.0
    >>> round(float(range_slope_angle(30.0, 90.0, 90.0)), 6)  # an east-facing slope faces away
    -30.0
    """
    slope = check_angle_degrees(_array(slope_deg, "slope_deg"), "slope_deg", kind="slope")
    aspect = check_angle_degrees(_array(aspect_deg, "aspect_deg"), "aspect_deg", kind="aspect")
    if slope.shape != aspect.shape:
        raise ValueError(f"slope {slope.shape} and aspect {aspect.shape} must have the same shape.")
    look = _array(look_azimuth_deg, "look_azimuth_deg").astype(np.float64)
    try:
        np.broadcast_shapes(look.shape, slope.shape)
    except ValueError:
        raise ValueError(f"look_azimuth_deg must be one angle in degrees or an array on the "
                         f"slope's grid {slope.shape}; got shape {look.shape}.") from None
    phi_i = np.radians(look + 180.0)
    alpha_r = np.degrees(np.arctan(np.tan(np.radians(slope)) * np.cos(phi_i - np.radians(aspect))))
    return np.where(slope == 0, 0.0, alpha_r)  # flat cells have no aspect but no slope either


def volume_scf(incidence_deg: np.ndarray | float, alpha_r_deg: np.ndarray) -> np.ndarray:
    """Slope correction factor of the volume-scattering model (Vollrath et al. 2020, eq. 7).

    ``SCF = tan(90 - theta_i + alpha_r) / tan(90 - theta_i)``: 1 on flat ground, > 1 on slopes
    facing the sensor (which look too bright), < 1 on slopes facing away. It is negative or
    infinite inside layover and shadow, where no correction is meaningful: mask those.

    >>> float(volume_scf(35.0, 0.0))
    1.0
    """
    theta = _array(incidence_deg, "incidence_deg").astype(np.float64)
    _check_incidence(theta)
    theta = np.radians(theta)
    alpha_r = np.radians(_array(alpha_r_deg, "alpha_r_deg").astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.tan(np.pi / 2 - theta + alpha_r) / np.tan(np.pi / 2 - theta)


def layover_shadow_masks(incidence_deg: np.ndarray | float,
                         alpha_r_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Active layover and shadow (Vollrath et al. 2020): where the geometry loses information.

    * layover: ``alpha_r > theta_i`` (a slope facing the sensor steeper than the incidence
      angle: its top is imaged before its foot);
    * shadow: ``alpha_r < -(90 - theta_i)`` (a slope facing away steeper than the grazing
      angle: the radar beam never reaches it).

    These are the *active* masks only; the passive ones (pixels hidden behind a layover or
    shadow further along the range line) need a ray trace and are not computed.

    Returns:
        ``(layover, shadow)`` boolean arrays (False where the inputs are NaN).

    >>> lay, sha = layover_shadow_masks(35.0, np.array([40.0, 0.0, -60.0]))
    >>> lay.tolist(), sha.tolist()
    ([True, False, False], [False, False, True])
    """
    theta = _array(incidence_deg, "incidence_deg").astype(np.float64)
    _check_incidence(theta)
    alpha_r = _array(alpha_r_deg, "alpha_r_deg").astype(np.float64)
    with np.errstate(invalid="ignore"):
        return alpha_r > theta, alpha_r < -(90.0 - theta)


@dataclass
class SlopeCorrection:
    """Result of :func:`radiometric_slope_correction` (all arrays band-first like the input).

    Attributes:
        gamma0: terrain-flattened gamma0 in linear power, NaN inside layover and shadow if
            ``mask=True`` was used.
        scf: slope correction factor (volume model), ``(rows, cols)``.
        alpha_r: range slope angle in degrees, ``(rows, cols)``.
        layover: boolean layover mask, ``(rows, cols)``.
        shadow: boolean radar-shadow mask, ``(rows, cols)``.
    """

    gamma0: np.ndarray
    scf: np.ndarray
    alpha_r: np.ndarray
    layover: np.ndarray
    shadow: np.ndarray


def radiometric_slope_correction(sigma0: np.ndarray, slope_deg: np.ndarray,
                                 aspect_deg: np.ndarray, incidence_deg: float | np.ndarray,
                                 look_azimuth_deg: float, mask: bool = True) -> SlopeCorrection:
    """Angular-based radiometric slope correction with the volume model (Vollrath et al. 2020).

    ``gamma0_flat = sigma0 / cos(theta_i) / SCF`` with ``SCF`` from :func:`volume_scf` and
    ``alpha_r`` from :func:`range_slope_angle`. On flat terrain this is the usual
    ``gamma0 = sigma0 / cos(theta_i)``. Ganerød et al. (2023) applied this correction (in Google
    Earth Engine) before compositing.

    Args:
        sigma0: linear sigma0, band-first ``(..., rows, cols)`` (e.g. ``(2, rows, cols)`` for
            VV and VH, or ``(time, 2, rows, cols)``).
        slope_deg, aspect_deg: terrain slope and aspect (degrees), ``(rows, cols)``, on the same
            grid as ``sigma0`` (e.g. from ``course_lib.terrain``).
        incidence_deg: ellipsoid incidence angle, a scalar or ``(rows, cols)`` array (it grows
            from near to far range, about 30 to 46 degrees across a Sentinel-1 IW swath).
        look_azimuth_deg: azimuth of the look direction, sensor towards ground
            (:func:`look_azimuth_from_heading`).
        mask: set gamma0 to NaN inside layover and shadow (recommended).

    Raises:
        ValueError: on grids that do not match or negative (dB) sigma0.
    """
    sigma0 = _array(sigma0, "sigma0", min_ndim=2)
    slope = _array(slope_deg, "slope_deg")
    aspect = _array(aspect_deg, "aspect_deg")
    grid = sigma0.shape[-2:]
    for name, arr in (("slope", slope), ("aspect", aspect)):
        if arr.shape != grid:
            raise ValueError(
                f"{name} {arr.shape} must match the (rows, cols) {grid} of sigma0 "
                f"{sigma0.shape}; resample it to the SAR grid first."
            )
    theta = _array(incidence_deg, "incidence_deg").astype(np.float64)
    if theta.ndim and theta.shape != grid:
        raise ValueError(f"incidence_deg {theta.shape} must be a scalar or match {grid}.")
    _check_incidence(theta)
    if not isinstance(mask, (bool, np.bool_)):
        raise TypeError(f"mask must be True or False; got {describe(mask)}.")
    _check_linear(sigma0, "radiometric_slope_correction sigma0")
    alpha_r = range_slope_angle(slope, aspect, look_azimuth_deg)
    scf = volume_scf(theta, alpha_r)
    layover, shadow = layover_shadow_masks(theta, alpha_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma0 = sigma0 / np.cos(np.radians(theta)) / scf
    if mask:
        gamma0 = np.where(layover | shadow, np.nan, gamma0)
    dtype = sigma0.dtype if np.issubdtype(sigma0.dtype, np.floating) else np.float64
    return SlopeCorrection(gamma0=gamma0.astype(dtype), scf=scf, alpha_r=alpha_r,
                           layover=layover, shadow=shadow)


# --------------------------------------------------------------------------------------------
# The simulated study area's Sentinel-1 composites (course_lib.layers builds the paper's
# Table 1 layers from them).
# --------------------------------------------------------------------------------------------

#: The orbit geometries of the study area.
GEOMETRIES = ("asc", "desc")
#: Bump when :func:`study_area_s1_composite` changes what it computes: it is part of the cache
#: key of :func:`course_lib.layers.change_layers`, so stale cached layers are not reused.
#: 2: the Lee filter runs on every date, before the median, with the data's ENL.
S1_COMPOSITE_VERSION = 2


def study_area_s1_composite(area, geometry: str, period: str, slope_correction: bool = True,
                            lee_window: int | None = None) -> np.ndarray:
    """Median composite ``(2, rows, cols)`` (VV, VH) in linear units for one geometry and period.

    Each date is first slope-corrected to gamma0 with :func:`radiometric_slope_correction`
    (layover and shadow become NaN), as Ganerød et al. (2023) did; optionally each date is
    Lee-filtered; then the NaN-aware temporal median is taken.

    Why filter each date and not the composite: the Lee filter needs the equivalent number of
    looks (ENL) of the image it filters. A single Sentinel-1 IW GRDH date has about 4.4
    (``speckle_looks`` in the metadata), but the median of three dates has an ENL near 9.5:
    filtering the composite with 4.4 would treat real texture as speckle and over-smooth.
    Filtering the dates, whose ENL is known, keeps the filter's assumption true.

    Args:
        area: the study area (``load_study_area()``), or a mapping with ``s1_<geometry>_<period>``,
            ``incidence_<geometry>``, ``slope`` and ``aspect`` Rasters.
        geometry: ``"asc"`` or ``"desc"``.
        period: ``"pre"`` or ``"post"``.
        slope_correction: False keeps sigma0 (no terrain flattening, no masks).
        lee_window: if given, Lee-filter every date with this window and the single-date ENL
            (``speckle_looks``, default :data:`S1_IW_GRDH_ENL`) before the median.
    """
    if geometry not in GEOMETRIES:
        raise ValueError(f"geometry must be one of {GEOMETRIES}; got {geometry!r}.")
    if period not in ("pre", "post"):
        raise ValueError(f"period must be 'pre' or 'post'; got {period!r}.")
    needed = (f"s1_{geometry}_{period}",) + (
        (f"incidence_{geometry}", "slope", "aspect") if slope_correction else ())
    if isinstance(area, (str, bytes)) or not hasattr(area, "__getitem__") or \
            not all(name in area for name in needed):
        raise TypeError(f"area must be the study area (load_study_area()) or a mapping with "
                        f"{needed}; got {describe(area)}.")
    stack = area[f"s1_{geometry}_{period}"]
    data = stack.data
    if slope_correction:
        incidence = area[f"incidence_{geometry}"]
        data = radiometric_slope_correction(
            data, area["slope"].data[0], area["aspect"].data[0], incidence.data[0],
            float(stack.attrs["look_azimuth_deg"])).gamma0
    if lee_window:
        looks = float(stack.attrs.get("speckle_looks", S1_IW_GRDH_ENL))
        data = lee_filter(data, window=lee_window, looks=looks)    # every date on its own
    return median_backscatter(data).astype(np.float32)

