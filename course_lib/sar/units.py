"""Sentinel-1 backscatter units: linear power and decibels, and the number of looks.

Backscatter arrives as *linear* power (sigma0, a ratio of powers, >= 0); decibels are
``dB = 10 log10(linear)``. Average, filter and ratio in **linear** units (speckle is
multiplicative in linear power); dB is for looking at images and for the log-ratio change.
A function that expects linear values and receives negative ones raises ``ValueError``,
because negative values almost always mean the input is already in dB.
"""

from __future__ import annotations

import warnings

import numpy as np

from course_lib.validation import as_array, check_bool, check_number, describe

#: Equivalent number of looks of Sentinel-1 IW GRD high-resolution products (ESA product
#: specification, about 4.4); the default for :func:`lee_filter`.
S1_IW_GRDH_ENL = 4.4


def _array(value, name: str, **kwargs) -> np.ndarray:
    """``value`` as a numeric array (bool refused), or a clear error naming ``name``."""
    return as_array(value, name, kinds="iuf", **kwargs)


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


def to_db(linear: np.ndarray | float, *, floor: float | None = None,
          check_units: bool = True) -> np.ndarray:
    """Convert linear backscatter power to decibels: ``10 * log10(linear)``.

    Args:
        linear: linear power (sigma0 or gamma0), any shape; NaN is nodata.
        floor: optional smallest linear value kept; smaller values (including 0) are raised to
            it before the logarithm, e.g. ``floor=1e-5`` (-50 dB). Without a floor, zeros give
            NaN and a warning, never ``-inf``.
        check_units: refuse values whose median is above 10 (+10 dB), see Raises. Pass False
            if such values really are linear power.

    Returns:
        float array of dB values, NaN where the input is NaN (or 0 without a floor).

    Raises:
        ValueError: if any value is negative (the input is probably already in dB), or, with
            ``check_units``, if the median of the values is above 10 (+10 dB): land backscatter
            is mostly 0.001-1 (-30 to 0 dB), so these are digital numbers or amplitudes
            (0-10000 would become +31 to +40 dB), not calibrated linear power.

    >>> to_db(np.array([1.0, 0.1, 0.01])).tolist()
    [0.0, -10.0, -20.0]
    """
    values, floor = _check_to_db_inputs(linear, floor, check_units)
    if floor is not None:
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
    values = _check_db(db, check_units)
    return np.power(np.asarray(10.0, values.dtype), values / 10.0)


def equivalent_number_of_looks(region: np.ndarray) -> float:
    """Estimate the equivalent number of looks (ENL) of a homogeneous region: mean^2 / variance.

    Use linear intensity over an area with no real texture (a lake in calm weather, a flat
    field); texture makes the estimate too low. NaN is ignored.

    >>> rng = np.random.default_rng(0)
    >>> round(equivalent_number_of_looks(rng.gamma(4.0, 0.25, 200_000)), 1)
    4.0
    """
    values = _check_region(region)
    variance = values.var()
    return float(values.mean() ** 2 / variance)


# --------------------------------------------------------------------------- input checks
#: :func:`to_db` refuses values whose median is above this linear power (+10 dB).
MAX_MEDIAN_LINEAR = 10.0


def _check_to_db_inputs(linear, floor, check_units) -> tuple[np.ndarray, float | None]:
    """Linear power as floats (not dB, not digital numbers) and the optional positive floor."""
    check_bool(check_units, "check_units")
    values = _array(linear, "linear", allow_empty=True)
    if values.ndim == 0:
        values = values.astype(np.float64)
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float32)
    _check_linear(values, "to_db input")
    finite = values[np.isfinite(values)]
    if check_units and finite.size and np.median(finite) > MAX_MEDIAN_LINEAR:
        raise ValueError(
            f"linear must be calibrated linear power (sigma0 or gamma0, mostly 0.001-1 over "
            f"land); got {describe(values)} with a median of {float(np.median(finite)):.4g}, "
            f"which would be {10 * np.log10(np.median(finite)):+.0f} dB. These look like digital "
            "numbers or amplitudes: calibrate them first (sigma0 = DN**2 / A**2 with the "
            "product's calibration table), or pass check_units=False if they really are linear "
            "power.")
    if floor is not None:
        floor = check_number(floor, "floor", minimum=0, min_inclusive=False,
                             fix="A small linear power, e.g. 1e-5 (-50 dB).")
    return values, floor


def _check_db(db, check_units) -> np.ndarray:
    """Decibels as floats; more than 100 values all in [0, 2) are linear power, refused."""
    check_bool(check_units, "check_units")
    values = _array(db, "db", allow_empty=True)
    if not np.issubdtype(values.dtype, np.floating):
        values = values.astype(np.float32)
    finite = values[np.isfinite(values)]
    if check_units and finite.size > 100 and finite.min() >= 0 and finite.max() < 2:
        raise ValueError(
            f"db must be decibels; got {describe(values)} with every value in [0, 2): this "
            "looks already linear power (dB values of land backscatter are mostly negative). "
            "Use the values as they are, or pass check_units=False if they really are dB.")
    return values


def _check_region(region) -> np.ndarray:
    """The valid (finite) linear values of a region: at least two, not all equal."""
    values = _array(region, "region", allow_empty=True).astype(np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        raise ValueError("region must hold at least two valid (non-NaN) pixels for "
                         "equivalent_number_of_looks: pick a larger homogeneous area, e.g. "
                         "image[100:140, 200:240].")
    _check_linear(values, "equivalent_number_of_looks input")
    if values.var() == 0:
        raise ValueError("region is constant (variance 0): the ENL is undefined. Pick an area "
                         "of real (speckled) backscatter, not a filled or masked one.")
    return values
