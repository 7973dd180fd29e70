"""Input checks shared by every public function of ``course_lib``: one place, one style.

Trainees pass the wrong thing all the time: ``None``, a string or a list where an array goes,
a percent where a fraction goes, class codes where a boolean mask goes, radians where degrees
go, digital numbers where reflectance goes. Without a check, such input either fails deep
inside numpy (``'<=' not supported between int and str``) or, worse, gives a wrong result
with no error. The helpers here turn each of those into an error that says three things:

1. **which argument** is wrong (its name, as the caller wrote it);
2. **what was received** (type, shape, dtype or value: :func:`describe`);
3. **how to fix it** (a concrete call, e.g. ``mask = scl == 6`` or ``np.degrees(slope)``).

Errors are the built-in ``TypeError`` (wrong kind of object), ``ValueError`` (right kind,
wrong value, shape or units) and ``FileNotFoundError``, plus :class:`CorruptFileError` for a
damaged file (an ``OSError``), so ``except ValueError`` keeps working in learners' code.

Examples:
    >>> check_number(0.5, "threshold", minimum=0, maximum=1)
    0.5
    >>> check_number("0.5", "threshold")
    Traceback (most recent call last):
    ...
    TypeError: threshold must be a number; got str '0.5'. Pass a number, e.g. 0.5 (not a string).
    >>> check_mask(np.array([[0, 6], [6, 4]]), "water", example="water = scl == 6")
    Traceback (most recent call last):
    ...
    ValueError: water must be a boolean mask (True/False, or 0/1); got int64 array (2, 2) with values such as [4, 6]. These look like class codes: build the mask first, e.g. water = scl == 6.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = [
    "CorruptFileError",
    "describe",
    "as_array",
    "check_number",
    "check_integer",
    "check_choice",
    "check_mask",
    "check_fraction",
    "check_angle_degrees",
    "check_same_shape",
    "check_raster",
    "check_path",
]


class CorruptFileError(OSError):
    """A file exists but cannot be read (truncated, e.g. by an interrupted write).

    The message names the file and how to repair it (delete it, ``overwrite=True`` or
    ``./course reset --cache``).
    """


def describe(value: Any) -> str:
    """A short description of ``value`` for error messages: type, dtype and shape, or value.

    >>> describe(None), describe("B04"), describe([1, 2]), describe(np.zeros((2, 3), "f4"))
    ('None', "str 'B04'", 'list of 2 items', 'float32 array (2, 3)')
    >>> describe(3.5)
    'float 3.5'
    """
    if value is None:
        return "None"
    data = getattr(value, "data", None)
    if isinstance(data, np.ndarray) and hasattr(value, "band_names"):
        return f"{type(value).__name__} of {data.dtype} {data.shape}"
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array {value.shape}"
    if isinstance(value, (str, bytes)):
        text = repr(value)
        return f"{type(value).__name__} {text if len(text) < 60 else text[:57] + '...'}"
    if isinstance(value, (list, tuple, set, dict)):
        return f"{type(value).__name__} of {len(value)} items"
    if isinstance(value, (numbers.Number, np.generic)):
        return f"{type(value).__name__} {value!r}"
    return type(value).__name__


def _message(name: str, expected: str, value: Any, fix: str | None) -> str:
    text = f"{name} must be {expected}; got {describe(value)}."
    return f"{text} {fix}" if fix else text


def _examples(values: np.ndarray, k: int = 5) -> list:
    """A few distinct values, as plain Python numbers, for messages."""
    return [v.item() if hasattr(v, "item") else v for v in np.unique(values)[:k]]


def as_array(value: Any, name: str, *, ndim: int | Sequence[int] | None = None,
             min_ndim: int | None = None, kinds: str = "biuf", allow_empty: bool = False,
             raster: bool = True, fix: str | None = None) -> np.ndarray:
    """``value`` as a numpy array, or a clear error naming ``name``.

    Args:
        value: an array, a :class:`~course_lib.data.raster.Raster` (its ``.data`` is used
            when ``raster`` is True), an xarray DataArray, or a (nested) list of numbers.
        name: the argument's name, used in messages.
        ndim: the allowed number(s) of dimensions.
        min_ndim: the smallest allowed number of dimensions.
        kinds: allowed numpy dtype kinds: ``b`` bool, ``i``/``u`` integers, ``f`` floats.
        allow_empty: accept arrays with no element.
        raster: unwrap a Raster's ``.data``.
        fix: how to fix it, appended to the shape message.

    Raises:
        TypeError: ``None``, a string, a mapping or objects that are not numbers; a dtype
            outside ``kinds``.
        ValueError: the wrong number of dimensions, or an empty array.

    >>> as_array([[1, 2]], "x", ndim=2).shape
    (1, 2)
    >>> as_array(None, "dem")
    Traceback (most recent call last):
    ...
    TypeError: dem must be a numeric array; got None. Pass a numpy array (or a Raster).
    """
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise TypeError(_message(name, "a numeric array", value,
                                 "Pass a numpy array (or a Raster)."))
    data = value.data if raster and hasattr(value, "band_names") and hasattr(value, "data") \
        else value
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as err:   # ragged lists
        raise TypeError(_message(name, "a numeric array", value,
                                 f"It cannot be made into an array ({err}).")) from None
    if array.dtype.kind not in kinds:
        wanted = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "float"}
        allowed = " or ".join(dict.fromkeys(wanted[k] for k in kinds if k in wanted))
        hint = ("It holds non-numbers (strings or objects); pass numbers."
                if array.dtype.kind in "OUSV" else fix)
        raise TypeError(_message(name, f"an array of {allowed} values", value, hint))
    dims = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if dims is not None and array.ndim not in dims:
        expected = " or ".join(f"{d}-D" for d in dims)
        raise ValueError(_message(name, f"a {expected} array", value, fix))
    if min_ndim is not None and array.ndim < min_ndim:
        raise ValueError(_message(name, f"an array with at least {min_ndim} dimensions",
                                  value, fix))
    if not allow_empty and array.size == 0:
        raise ValueError(_message(name, "a non-empty array", value, fix or
                                  "It has no element: check the selection or date window "
                                  "that made it."))
    return array


def check_number(value: Any, name: str, *, minimum: float | None = None,
                 maximum: float | None = None, min_inclusive: bool = True,
                 max_inclusive: bool = True, units: str = "", fix: str | None = None) -> float:
    """A finite real number within optional bounds, or a clear error naming ``name``.

    Numpy scalars and 0-d arrays are accepted; ``bool``, ``None``, strings and NaN are not.

    >>> check_number(np.float32(2), "x", minimum=0)
    2.0
    >>> check_number(float("nan"), "threshold")
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a finite number; got float nan. Pass a number, e.g. 0.5.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        hint = "Pass a number, e.g. 0.5 (not a string)." if isinstance(value, str) else \
            "Pass a single number, not an array or list." if hasattr(value, "__len__") else \
            "Pass a number."
        raise TypeError(_message(name, "a number", value, hint))
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(_message(name, "a finite number", value, fix or
                                  "Pass a number, e.g. 0.5."))
    unit = f" {units}" if units else ""
    too_low = minimum is not None and (number < minimum if min_inclusive else number <= minimum)
    too_high = maximum is not None and (number > maximum if max_inclusive else number >= maximum)
    if too_low or too_high:
        if minimum is not None and maximum is not None:
            left = "[" if min_inclusive else "("
            right = "]" if max_inclusive else ")"
            expected = f"in {left}{minimum:g}, {maximum:g}{right}{unit}"
        elif minimum is not None:
            expected = ("positive (> 0)" if minimum == 0 and not min_inclusive else
                        f"{'>=' if min_inclusive else '>'} {minimum:g}") + unit
        else:
            expected = f"{'<=' if max_inclusive else '<'} {maximum:g}{unit}"
        raise ValueError(_message(name, expected, value, fix))
    return number


def check_integer(value: Any, name: str, *, minimum: int | None = None,
                  maximum: int | None = None, fix: str | None = None) -> int:
    """An integer (a whole-numbered float such as ``3.0`` is accepted) within bounds.

    >>> check_integer(3.0, "window")
    3
    >>> check_integer(-1, "average_over", minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: average_over must be an integer in [0, inf]; got int -1.
    """
    number = check_number(value, name, fix=fix)
    if number != int(number):
        raise ValueError(_message(name, "a whole number", value, fix))
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        low = "-inf" if minimum is None else str(minimum)
        high = "inf" if maximum is None else str(maximum)
        raise ValueError(_message(name, f"an integer in [{low}, {high}]", value, fix))
    return int(number)


def check_choice(value: Any, name: str, choices: Iterable[Any], fix: str | None = None) -> Any:
    """``value`` if it is one of ``choices``, else a ValueError listing them.

    >>> check_choice("mean", "how", ("mean", "stack"))
    'mean'
    """
    options = tuple(choices)
    try:
        ok = value in options
    except TypeError:   # unhashable or incomparable
        ok = False
    if not ok:
        raise ValueError(_message(name, f"one of {options}", value, fix))
    return value


def check_mask(value: Any, name: str, *, shape: tuple[int, ...] | None = None,
               ndim: int | Sequence[int] | None = None, example: str | None = None
               ) -> np.ndarray:
    """A boolean mask: bool arrays as they are; 0/1 numbers converted; anything else refused.

    Class codes (e.g. an SCL layer, values 0-11) are the classic mistake: numpy would take them
    as True wherever they are non-zero. NaN is refused too (a mask has no nodata: decide what
    it means first).

    Args:
        value: the mask (array or single-band Raster).
        name: the argument's name.
        shape: the required shape, if any.
        ndim: the allowed number(s) of dimensions.
        example: how to build the mask, for the message, e.g. ``"water = scl == 6"``.

    >>> check_mask([[1, 0]], "clear").tolist()
    [[True, False]]
    """
    array = as_array(value, name, ndim=ndim, allow_empty=True)
    if array.dtype != bool:
        finite = array[~np.isnan(array)] if array.dtype.kind == "f" else array
        bad = (finite != 0) & (finite != 1)
        if bad.any() or finite.size != array.size:
            what = "NaN values" if finite.size != array.size and not bad.any() else \
                f"values such as {_examples(finite[bad])}"
            fix = (f"These look like class codes: build the mask first, e.g. "
                   f"{example or name + ' = codes == value'}." if bad.any() else
                   f"Decide what NaN means first, e.g. {name} = np.isfinite(x) & (x > 0).")
            raise ValueError(f"{name} must be a boolean mask (True/False, or 0/1); got "
                             f"{describe(array)} with {what}. {fix}")
        array = array == 1
    if shape is not None and array.shape != tuple(shape):
        raise ValueError(f"{name} has shape {array.shape} but must be {tuple(shape)} (the "
                         "same grid as the data it masks).")
    return array


def check_fraction(array: np.ndarray, name: str, *, what: str = "a fraction",
                   fix: str | None = None) -> np.ndarray:
    """Refuse values outside [0, 1] (NaN allowed): a percent where a fraction goes.

    >>> check_fraction(np.array([0.2, np.nan]), "probability").tolist()[0]
    0.2
    >>> check_fraction(np.array([20.0, 95.0]), "probability")
    Traceback (most recent call last):
    ...
    ValueError: probability must be a fraction in [0, 1] (NaN = nodata); got float64 array (2,) with values up to 95. Percent? Divide by 100.
    """
    values = np.asarray(array)
    if values.size == 0:
        return values
    with np.errstate(invalid="ignore"):
        low, high = np.nanmin(values) if np.isfinite(values).any() else 0, \
            np.nanmax(values) if np.isfinite(values).any() else 0
    if np.isinf(values).any() or low < 0 or high > 1:
        extreme = high if high > 1 else low
        hint = fix or ("Percent? Divide by 100." if 1 < high <= 100 and low >= 0 else
                       "Rescale it to 0-1.")
        raise ValueError(f"{name} must be {what} in [0, 1] (NaN = nodata); got "
                         f"{describe(values)} with values {'up' if high > 1 else 'down'} to "
                         f"{float(extreme):g}. {hint}")
    return values


def check_angle_degrees(array: Any, name: str, *, kind: str = "slope") -> np.ndarray:
    """Refuse terrain angles that look like radians or percent instead of degrees.

    * ``kind="slope"``: values must lie in [0, 90]; more than 90 is percent; a grid (16 or
      more valid cells) whose steepest cell is below pi/2 = 1.571 is almost surely radians (a
      real terrain in degrees that flat would not need slope correction).
    * ``kind="aspect"``: values in [0, 360]; a grid of 16 or more valid cells all below
      2 pi = 6.283 is radians.

    Single values cannot be judged and are only range-checked.

    >>> check_angle_degrees(np.radians(np.full((4, 4), 30.0)), "slope_deg")
    Traceback (most recent call last):
    ...
    ValueError: slope_deg must be in degrees between 0 and 90; got float64 array (4, 4) whose largest value is 0.524, which looks like radians. Convert with np.degrees(slope_deg).
    """
    values = np.asarray(array, dtype=np.float64)
    finite = values[np.isfinite(values)]
    top = 90.0 if kind == "slope" else 360.0
    if finite.size == 0:
        return values
    low, high = float(finite.min()), float(finite.max())
    if low < 0 or high > top:
        hint = ("Percent slope? Convert with np.degrees(np.arctan(percent / 100))."
                if kind == "slope" and high > top else "Use degrees clockwise from north, "
                "0-360 (e.g. aspect % 360).")
        raise ValueError(f"{name} must be in degrees between 0 and {top:g}; got "
                         f"{describe(values)} with values from {low:.3g} to {high:.3g}. {hint}")
    radian_top = math.pi / 2 if kind == "slope" else 2 * math.pi
    if finite.size >= 16 and 0 < high <= radian_top + 1e-9:
        raise ValueError(f"{name} must be in degrees between 0 and {top:g}; got "
                         f"{describe(values)} whose largest value is {high:.3g}, which looks like "
                         f"radians. Convert with np.degrees({name}).")
    return values


def check_same_shape(**arrays: Any) -> None:
    """Raise one ValueError naming every argument and its shape when the shapes differ.

    >>> check_same_shape(truth=np.zeros((2, 2)), prediction=np.zeros((2, 3)))
    Traceback (most recent call last):
    ...
    ValueError: Shapes differ: truth (2, 2), prediction (2, 3). Put them on the same pixel grid (crop or resample one to the other).
    """
    shapes = {name: np.shape(a) for name, a in arrays.items() if a is not None}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} {s}" for n, s in shapes.items())
        raise ValueError(f"Shapes differ: {listed}. Put them on the same pixel grid (crop or "
                         "resample one to the other).")


def check_raster(value: Any, name: str, *, ndim: int | Sequence[int] | None = None,
                 fix: str | None = None) -> Any:
    """``value`` if it is a :class:`~course_lib.data.raster.Raster` (optionally 3-D or 4-D).

    >>> check_raster(np.zeros((2, 2)), "raster")
    Traceback (most recent call last):
    ...
    TypeError: raster must be a course_lib Raster (data, transform, crs, band_names); got float64 array (2, 2). Wrap an array with Raster(data, transform, crs, band_names), or load one with read_geotiff().
    """
    from course_lib.data.raster import Raster

    if not isinstance(value, Raster):
        raise TypeError(_message(name, "a course_lib Raster (data, transform, crs, band_names)",
                                 value, fix or "Wrap an array with Raster(data, transform, crs, "
                                 "band_names), or load one with read_geotiff()."))
    dims = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if dims is not None and value.data.ndim not in dims:
        expected = " or ".join(f"{d}-D" for d in dims)
        shapes = {3: "(bands, rows, cols)", 4: "(time, bands, rows, cols)"}
        raise ValueError(_message(name, f"a {expected} Raster "
                                  f"{' or '.join(shapes.get(d, '') for d in dims)}", value, fix))
    return value


def check_path(value: Any, name: str, *, must_exist: bool = False, fix: str | None = None
               ) -> Path:
    """``value`` as a :class:`~pathlib.Path`; FileNotFoundError if it must exist and does not.

    >>> check_path(3, "path")
    Traceback (most recent call last):
    ...
    TypeError: path must be a file path (str or pathlib.Path); got int 3.
    """
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value):
        raise TypeError(_message(name, "a file path (str or pathlib.Path)", value, fix))
    path = Path(value)
    if must_exist and not path.exists():
        raise FileNotFoundError(f"{name}: {path} does not exist." + (f" {fix}" if fix else ""))
    return path
