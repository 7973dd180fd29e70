"""Sentinel-1 composites and change: median backscatter, log-ratio, orbit geometries.

Ganerød et al. (2023, *Remote Sensing* 15:895) built median composites per period and compared
them; this module does the same on arrays (linear power in, linear or dB out) and shows what
averaging the ascending and descending geometries does to a landslide's signature.
"""

from __future__ import annotations

import warnings

import numpy as np

from course_lib.sar.units import _array, _check_linear
from course_lib.validation import check_choice, check_integer, check_mask, check_number


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
    values = _check_stack(stack)
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
    pre, post = _check_linear_pair("log_ratio_db", pre=pre, post=post)
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
    check_choice(how, "how", ("mean", "stack"))
    asc, desc = _check_linear_pair("combine_geometries", ascending=ascending,
                                   descending=descending)
    if how == "stack":
        return np.stack([asc, desc])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # both NaN: NaN, as documented
        return np.nanmean(np.stack([asc, desc]), axis=0)


#: Widths, in pixels, of the zone of decreased backscatter inside a landslide's near edge and
#: of the band of increased backscatter beyond its far edge. The same numbers as the simulated
#: world's generator (``course_lib.simulator.sentinel1``: NEAR_EDGE_PX, FAR_BAND_PX),
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

    mask, look_azimuth_deg, near_width, far_width = _check_edge_inputs(
        mask, look_azimuth_deg, near_width, far_width)
    near = np.zeros_like(mask)
    far = np.zeros_like(mask)
    for k in range(1, max(near_width, far_width) + 1):
        # seen_from_sensor[r, c] = mask at the pixel k steps towards the sensor
        seen_from_sensor = shift(mask, *azimuth_offset(look_azimuth_deg, k), fill=False)
        if k <= near_width:
            near |= mask & ~seen_from_sensor
        if k <= far_width:
            far |= ~mask & seen_from_sensor
    return near, far


# --------------------------------------------------------------------------- input checks
def _check_stack(stack) -> np.ndarray:
    """Linear power ``(time, ..., rows, cols)`` with at least one date and one valid value."""
    values = _array(stack, "stack", allow_empty=True)
    if values.ndim >= 1 and values.shape[0] == 0:
        raise ValueError(f"stack has 0 dates (shape {values.shape}): nothing to composite. "
                         "Widen the date window.")
    if values.ndim < 3:
        raise ValueError(f"stack must be (time, ..., rows, cols) for median_backscatter; got "
                         f"shape {values.shape}. Add a time axis with image[None].")
    if not np.any(np.isfinite(values)):
        raise ValueError("stack is NaN everywhere (all-NaN): median_backscatter has nothing to "
                         "composite. Check the masks (layover and shadow) and the date window.")
    _check_linear(values, "median_backscatter input")
    return values


def _check_linear_pair(what: str, **pair) -> tuple[np.ndarray, np.ndarray]:
    """Two linear-power arrays of the same shape (named as the caller's arguments)."""
    (name_a, a), (name_b, b) = ((name, _array(value, name)) for name, value in pair.items())
    if a.shape != b.shape:
        raise ValueError(f"{name_a} {a.shape} and {name_b} {b.shape} must have the same shape; "
                         "resample both to the same grid first.")
    _check_linear(a, f"{what} {name_a}")
    _check_linear(b, f"{what} {name_b}")
    return a, b


def _check_edge_inputs(mask, look_azimuth_deg, near_width, far_width
                       ) -> tuple[np.ndarray, float, int, int]:
    """A 2-D boolean mask, a look azimuth in degrees and two widths in whole pixels >= 0."""
    mask = check_mask(mask, "mask", ndim=2, example="mask = area['landslide_id'].data[0] == 7")
    look_azimuth_deg = check_number(look_azimuth_deg, "look_azimuth_deg", units="degrees",
                                    fix="Degrees clockwise from north, e.g. "
                                    "look_azimuth_from_heading(-10.0) = 80.0.")
    near_width = check_integer(near_width, "near_width", minimum=0,
                               fix="A whole number of pixels, e.g. 2.")
    far_width = check_integer(far_width, "far_width", minimum=0,
                              fix="A whole number of pixels, e.g. 3.")
    return mask, look_azimuth_deg, near_width, far_width
