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
    TypeError: threshold must be a number; got str '0.5'. Pass a number, not a string: threshold=0.5.
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
    "expected_message",
    "as_array",
    "check_number",
    "check_integer",
    "check_choice",
    "check_bool",
    "check_odd_window",
    "check_crs",
    "check_grid_in_crs",
    "check_mask",
    "check_fraction",
    "check_angle_degrees",
    "check_same_shape",
    "check_band_first",
    "check_path",
    "as_2d",
    "binary_and_valid",
    "MAX_REFLECTANCE",
    "check_reflectance",
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


def expected_message(name: str, expected: str, value: Any, fix: str | None = None) -> str:
    """The one shape of every message: ``<name> must be <expected>; got <value>. <fix>``.

    >>> expected_message("window", "an odd int", 4, "Use 3 or 5.")
    'window must be an odd int; got int 4. Use 3 or 5.'
    """
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
        raise TypeError(expected_message(name, "a numeric array", value,
                                 "Pass a numpy array (or a Raster)."))
    data = value.data if raster and hasattr(value, "band_names") and hasattr(value, "data") \
        else value
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as err:   # ragged lists
        raise TypeError(expected_message(name, "a numeric array", value,
                                 f"It cannot be made into an array ({err}). Give every row "
                                 "the same length, or pass a numpy array.")) from None
    if array.dtype.kind not in kinds:
        wanted = {"b": "bool", "i": "integer", "u": "unsigned integer", "f": "float"}
        allowed = " or ".join(dict.fromkeys(wanted[k] for k in kinds if k in wanted))
        hint = ("It holds non-numbers (strings or objects); pass numbers."
                if array.dtype.kind in "OUSV" else fix or f"Convert it first, e.g. "
                f"{name}.astype(np.float32).")
        raise TypeError(expected_message(name, f"an array of {allowed} values", value, hint))
    dims = (ndim,) if isinstance(ndim, int) else tuple(ndim) if ndim is not None else None
    if dims is not None and array.ndim not in dims:
        expected = " or ".join(f"{d}-D" for d in dims)
        raise ValueError(expected_message(name, f"a {expected} array", value,
                                          fix or _axis_fix(name, array.ndim, max(dims))))
    if min_ndim is not None and array.ndim < min_ndim:
        raise ValueError(expected_message(name, f"an array with at least {min_ndim} dimensions",
                                  value, fix or _axis_fix(name, array.ndim, min_ndim)))
    if not allow_empty and array.size == 0:
        raise ValueError(expected_message(name, "a non-empty array", value, fix or
                                  "It has no element: check the selection or date window "
                                  "that made it."))
    return array


def _axis_fix(name: str, ndim: int, wanted: int) -> str:
    """How to get from ``ndim`` to ``wanted`` dimensions, for messages."""
    if ndim > wanted:
        return (f"Pick one slice first, e.g. {name}[0] (one date or one band), or check that "
                "the axes are in the documented order.")
    return f"Add an axis, e.g. {name}[None], or pass the whole array, not one row of it."


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
        raise TypeError(expected_message(name, "a number", value, _number_fix(name, value, fix)))
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(expected_message(name, "a finite number", value, fix or
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
        raise ValueError(expected_message(name, expected, value,
                                          fix or f"Pass a value {expected}."))
    return number


def _number_fix(name: str, value: Any, fix: str | None) -> str:
    """How to pass a number instead of ``value`` (a string, a sequence or another object)."""
    if isinstance(value, str):
        try:
            hint = f"Pass a number, not a string: {name}={float(value):g}."
        except ValueError:
            hint = "Pass a number, not a string."
        return f"{hint} {fix}" if fix else hint
    if hasattr(value, "__len__"):
        hint = "Pass a single number, not an array or list."
        return f"{hint} {fix}" if fix else hint
    return fix or "Pass a number, e.g. 0.5."


def check_integer(value: Any, name: str, *, minimum: int | None = None,
                  maximum: int | None = None, fix: str | None = None) -> int:
    """An integer (a whole-numbered float such as ``3.0`` is accepted) within bounds.

    >>> check_integer(3.0, "window")
    3
    >>> check_integer(-1, "average_over", minimum=0)
    Traceback (most recent call last):
    ...
    ValueError: average_over must be an integer in [0, inf]; got int -1. Pass a whole number in that range, e.g. average_over=0.
    """
    number = check_number(value, name, fix=fix)
    if number != int(number):
        raise ValueError(expected_message(name, "a whole number", value,
                                          fix or f"Round it, e.g. {name}={round(number)}."))
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        low = "-inf" if minimum is None else str(minimum)
        high = "inf" if maximum is None else str(maximum)
        example = int(number)
        if minimum is not None:
            example = max(example, minimum)
        if maximum is not None:
            example = min(example, maximum)
        raise ValueError(expected_message(name, f"an integer in [{low}, {high}]", value,
                                          fix or f"Pass a whole number in that range, e.g. "
                                          f"{name}={example}."))
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
        raise ValueError(expected_message(name, f"one of {options}", value, fix))
    return value


def check_bool(value: Any, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (numpy bools too), else a TypeError.

    A string such as ``"False"`` is truthy in Python, so it is refused rather than taken.

    >>> check_bool(np.True_, "mask")
    True
    >>> check_bool("no", "overwrite")
    Traceback (most recent call last):
    ...
    TypeError: overwrite must be True or False; got str 'no'. Pass overwrite=True or overwrite=False (in Python any non-empty string, 'no' included, counts as True).
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(expected_message(name, "True or False", value,
                                         f"Pass {name}=True or {name}=False (in Python any "
                                         "non-empty string, 'no' included, counts as True)."))
    return bool(value)


def check_odd_window(value: Any, name: str = "window", *, minimum: int = 3,
                     fix: str | None = None) -> int:
    """An odd window side in pixels, at least ``minimum``, so the window has a centre pixel.

    >>> check_odd_window(5.0, "window")
    5
    >>> check_odd_window(4, "window")
    Traceback (most recent call last):
    ...
    ValueError: window must be an odd number of pixels >= 3 (the window needs a centre pixel); got int 4. E.g. 3, 5 or 7.
    """
    fix = fix or "E.g. 3, 5 or 7."
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise TypeError(expected_message(name, f"an odd number of pixels >= {minimum}", value,
                                         fix))
    number = check_integer(value, name, fix=fix)
    if number < minimum or number % 2 == 0:
        raise ValueError(expected_message(
            name, f"an odd number of pixels >= {minimum} (the window needs a centre pixel)",
            value, fix))
    return number


def check_crs(value: Any, name: str = "crs"):
    """``value`` as a ``rasterio.crs.CRS`` (from a CRS, an EPSG code, ``"EPSG:32632"``, WKT...).

    >>> check_crs(32632, "crs").to_string()
    'EPSG:32632'
    >>> check_crs("UTM", "crs")
    Traceback (most recent call last):
    ...
    ValueError: crs must be a coordinate reference system; got str 'UTM'. Pass raster.crs, an EPSG code such as 32632 or the string 'EPSG:32632'.
    """
    from rasterio.crs import CRS
    from rasterio.errors import CRSError

    fix = "Pass raster.crs, an EPSG code such as 32632 or the string 'EPSG:32632'."
    if value is None or isinstance(value, (bool, np.bool_, float)):
        raise TypeError(expected_message(name, "a coordinate reference system", value, fix))
    try:
        return CRS.from_user_input(value)
    except (CRSError, TypeError, ValueError):
        raise ValueError(expected_message(name, "a coordinate reference system", value,
                                          fix)) from None


def check_grid_in_crs(transform: Any, shape: tuple[int, int], crs: Any, name: str = "crs"
                      ) -> None:
    """Refuse a CRS in which the grid's coordinates cannot lie (e.g. UTM metres as degrees).

    A geographic CRS (longitude and latitude, EPSG:4326) cannot hold x beyond +-540 or y beyond
    +-90; a projected CRS cannot hold a grid whose corners fall outside the area it is defined
    for (its ``area_of_use``, widened by 10 degrees). A CRS of the right kind but the wrong
    zone (UTM 33N for 32N coordinates) cannot be told apart from the numbers and passes.

    >>> from affine import Affine
    >>> check_grid_in_crs(Affine(10, 0, 345000, 0, -10, 6822000), (8, 8), "EPSG:4326")
    Traceback (most recent call last):
    ...
    ValueError: crs is EPSG:4326 (longitude and latitude in degrees), but the grid's corner lies at x = 345000, y = 6822000: these are metres of a projected CRS. Pass the CRS the transform belongs to, e.g. crs=area['landslide_mask'].crs (EPSG:32632 for the study area).
    """
    crs = check_crs(crs, name)
    rows, cols = shape
    xs, ys = zip(*(transform @ corner for corner in ((0, 0), (cols, 0), (0, rows),
                                                        (cols, rows))))
    fix = ("Pass the CRS the transform belongs to, e.g. crs=area['landslide_mask'].crs "
           "(EPSG:32632 for the study area).")
    if crs.is_geographic:
        if max(abs(x) for x in xs) > 540 or max(abs(y) for y in ys) > 90:
            raise ValueError(f"{name} is {crs.to_string()} (longitude and latitude in degrees), "
                             f"but the grid's corner lies at x = {xs[0]:.10g}, y = {ys[0]:.10g}: "
                             f"these are metres of a projected CRS. {fix}")
        return
    from pyproj import CRS as ProjCRS, Transformer

    proj = ProjCRS.from_user_input(crs.to_wkt())
    area = proj.area_of_use
    with np.errstate(all="ignore"):
        lon, lat = Transformer.from_crs(proj, "EPSG:4326", always_xy=True).transform(xs, ys)
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    outside = not (np.isfinite(lon).all() and np.isfinite(lat).all())
    if area is not None and not outside:
        outside = (lon.min() < area.west - 10 or lon.max() > area.east + 10
                   or lat.min() < area.south - 10 or lat.max() > area.north + 10)
    if outside:
        where = (f"area of use {area.name}" if area is not None else "its valid area")
        raise ValueError(f"{name} is {crs.to_string()}, but the grid's corner x = {xs[0]:.10g}, "
                         f"y = {ys[0]:.10g} lies outside that CRS's {where}: the transform "
                         f"belongs to another CRS. {fix}")


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


def check_band_first(array: np.ndarray, name: str, *, band_axis: int = -3) -> None:
    """Refuse an array that looks band-last, ``(..., rows, cols, bands)``.

    The course's arrays are band-first, ``(bands, rows, cols)``. Band-last data (as matplotlib
    and Keras like it) has a handful of values on the last axis and many on the band axis: at
    most 16 "columns" and at least four times as many "rows" and "bands". Real images are
    never that narrow.

    >>> check_band_first(np.zeros((64, 64, 4)), "stack")
    Traceback (most recent call last):
    ...
    ValueError: stack of shape (64, 64, 4) looks band-last (..., rows, cols, bands): 4 columns but 64 bands. The course's arrays are band-first (bands, rows, cols): move the band axis with np.moveaxis(stack, -1, -3).
    """
    shape = np.shape(array)
    if len(shape) < 3:
        return
    last, rows, bands = shape[-1], shape[-2], shape[band_axis]
    if last <= 16 and min(rows, bands) >= 4 * last:
        raise ValueError(f"{name} of shape {shape} looks band-last (..., rows, cols, bands): "
                         f"{last} columns but {bands} bands. The course's arrays are band-first "
                         f"(bands, rows, cols): move the band axis with "
                         f"np.moveaxis({name}, -1, {band_axis}).")


def check_path(value: Any, name: str, *, must_exist: bool = False, fix: str | None = None
               ) -> Path:
    """``value`` as a :class:`~pathlib.Path`; FileNotFoundError if it must exist and does not.

    >>> check_path(3, "path")
    Traceback (most recent call last):
    ...
    TypeError: path must be a file path (str or pathlib.Path); got int 3. Pass a path, e.g. 'outputs/map.tif' or pathlib.Path('outputs') / 'map.tif'.
    """
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value):
        raise TypeError(expected_message(name, "a file path (str or pathlib.Path)", value,
                                         fix or "Pass a path, e.g. 'outputs/map.tif' or "
                                         "pathlib.Path('outputs') / 'map.tif'."))
    path = Path(value)
    if must_exist and not path.exists():
        raise FileNotFoundError(
            f"{name}: {path} does not exist. " + (fix or f"Check the spelling and the folder "
                                                  f"(a relative path starts in {Path.cwd()})."))
    return path


def as_2d(array: Any, name: str = "array") -> np.ndarray:
    """Return ``array`` (numpy array or single-band Raster) as a 2-D ``(rows, cols)`` array.

    >>> as_2d(np.zeros((1, 2, 3))).shape
    (2, 3)
    """
    data = as_array(array, name, kinds="biuf",
                    fix="Pass a 2-D (rows, cols) array or a single-band Raster.")
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (rows, cols) or a single-band (1, rows, cols) raster; got shape "
            f"{data.shape}. Pick one band or one date first."
        )
    return data


def binary_and_valid(array: Any, name: str = "array") -> tuple[np.ndarray, np.ndarray]:
    """Split a binary map into a boolean map and a validity mask (False where NaN).

    Accepts bool, integer or float arrays holding only 0 and 1 (NaN allowed in floats, meaning
    nodata).

    Raises:
        ValueError: when the array holds anything but 0, 1 (and NaN), e.g. a probability map
            that was not thresholded, or a 0/255 mask.

    >>> b, v = binary_and_valid(np.array([[0.0, 1.0, np.nan]]))
    >>> b.tolist(), v.tolist()
    ([[False, True, False]], [[True, True, False]])
    """
    data = as_2d(array, name)
    if data.dtype == bool:
        return data, np.ones(data.shape, dtype=bool)
    if not (np.issubdtype(data.dtype, np.integer) or np.issubdtype(data.dtype, np.floating)):
        raise TypeError(f"{name} must be a numeric or boolean array; got dtype {data.dtype}.")
    valid = ~np.isnan(data) if np.issubdtype(data.dtype, np.floating) else np.ones(data.shape, bool)
    values = data[valid]
    bad = (values != 0) & (values != 1)
    if bad.any():
        examples = np.unique(values[bad])[:5].tolist()
        raise ValueError(
            f"{name} must be binary (0 = no landslide, 1 = landslide, NaN = nodata); found other "
            f"values such as {examples}. Threshold a score map first (e.g. score >= 0.5) or "
            "convert a 0/255 mask with mask > 0."
        )
    return _to_bool(data, valid), valid


def _to_bool(data: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``data == 1`` where valid, False elsewhere (NaN compares False anyway)."""
    return (data == 1) & valid


#: Values above this are not plausible reflectance. Top-of-atmosphere reflectance of bright
#: snow or cloud can exceed 1, and a few specular pixels reach 2-3 (the bundled L1C scene has
#: five such pixels in B8A/B12), while digital numbers are in the hundreds to thousands.
MAX_REFLECTANCE = 2.0
#: An array is taken for digital numbers when more than this fraction of it exceeds
#: :data:`MAX_REFLECTANCE` (so a handful of specular pixels does not trip the check).
DN_FRACTION = 0.01


def check_reflectance(array, name: str = "band") -> np.ndarray:
    """Return ``array`` as floats, raising if it looks like digital numbers, not reflectance.

    Args:
        array: reflectance values (0-1 scale, NaN allowed), any shape.
        name: band name used in the error message.

    Raises:
        TypeError: for integer arrays (DN are stored as integers; integer differences overflow).
        ValueError: if more than 1 % of the values exceed :data:`MAX_REFLECTANCE` (DN passed
            instead of reflectance).

    >>> check_reflectance(np.array([0.1, np.nan]), "B04").dtype
    dtype('float64')
    >>> check_reflectance(np.array([1200.0]), "B04")
    Traceback (most recent call last):
    ...
    ValueError: B04 has 100 % of values > 2: these look like digital numbers (reflectance x 10000). Convert first, e.g. course_lib.data.sentinel2.dn_to_reflectance(dn, baseline).
    """
    if isinstance(array, (bool, np.bool_)):
        raise TypeError(f"{name} must be reflectance (floats 0-1); got {describe(array)}.")
    values = as_array(array, name, kinds="biuf", allow_empty=True,
                      fix="Pass reflectance as floats (0-1 scale, NaN for nodata).")
    if np.issubdtype(values.dtype, np.integer) or values.dtype == bool:
        raise TypeError(
            f"{name} is an integer array ({values.dtype}): pass reflectance as floats "
            "(DN / 10000, or course_lib.data.sentinel2.dn_to_reflectance for Sentinel-2), not raw DN."
        )
    if values.size:
        with np.errstate(invalid="ignore"):
            n_high = int(np.count_nonzero(values > MAX_REFLECTANCE))
        if n_high > DN_FRACTION * values.size:
            top = float(np.nanmax(values))
            if top <= 100:
                raise ValueError(
                    f"{name} has {100 * n_high / values.size:.0f} % of values > "
                    f"{MAX_REFLECTANCE:g}, up to {top:.3g}: these look like reflectance in "
                    "percent. Divide by 100 first.")
            raise ValueError(
                f"{name} has {100 * n_high / values.size:.0f} % of values > "
                f"{MAX_REFLECTANCE:g}: these look like digital numbers (reflectance x 10000). "
                "Convert first, e.g. course_lib.data.sentinel2.dn_to_reflectance(dn, baseline)."
            )
    return values.astype(np.result_type(values.dtype, np.float32), copy=False)
