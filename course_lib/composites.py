"""Temporal composites of masked image stacks: median, greenest pixel, clear-observation count.

Stacks are time-first and band-first, ``(time, bands, rows, cols)``, as in a time-series
:class:`~course_lib.data.raster.Raster`; clear-sky masks are boolean ``(time, rows, cols)``,
True where an observation is usable (not cloud, shadow, snow or nodata: see
:mod:`course_lib.clouds`). NaN in the stack also counts as not usable. Composites are
``(bands, rows, cols)`` float32, with NaN where a pixel was never clear (nodata, never 0).

* **Median composite**: per band and pixel, the median of the clear observations.
* **Greenest-pixel composite** (Earth Engine ``ImageCollection.qualityMosaic('NDVI')``, as
  used by Ganerød et al. 2023): for every pixel, ALL bands from the ONE clear observation with
  the highest score (NDVI by default), so the bands stay consistent with each other. A median
  mixes dates band by band; the greenest pixel never does.

A stack with no clear observation at all raises :class:`AllCloudError` (a composite of nothing
is an error, not an all-NaN image); pixels that are never clear become NaN and are reported by
:func:`clear_count`.

Examples:
    >>> stack = np.array([[[[0.1]], [[0.2]]], [[[0.1]], [[0.6]]], [[[0.3]], [[0.3]]]],
    ...                  dtype=np.float32)  # 3 dates, bands (red, nir), one pixel
    >>> greenest_pixel_composite(stack, red_band=0, nir_band=1)[:, 0, 0].astype(float).round(2).tolist()
    [0.1, 0.6]
    >>> median_composite(stack)[:, 0, 0].astype(float).round(2).tolist()
    [0.1, 0.3]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from course_lib.clouds import clear_sky_mask
from course_lib.data.raster import array_of, check_raster
from course_lib.validation import (as_array, check_band_first, check_bool, check_choice,
                                   check_mask, check_reflectance, describe)


class AllCloudError(ValueError):
    """Raised when a stack has no clear observation anywhere."""


def _raise_if_all_cloud(valid: np.ndarray) -> None:
    if not valid.any():
        raise AllCloudError(
            "No clear observation in the whole stack (every pixel is cloud, shadow, snow or "
            "nodata at every date): widen the date window or relax the mask."
        )


def clear_count(clear: np.ndarray, stack: np.ndarray | None = None) -> np.ndarray:
    """Number of usable observations per pixel, int ``(rows, cols)``.

    Args:
        clear: boolean ``(time, rows, cols)``, True where usable.
        stack: optional ``(time, bands, rows, cols)``; observations with any NaN band are
            then not counted. These are exactly the observations
            :func:`greenest_pixel_composite` may choose from, so a pixel with count 0 is NaN in
            the greenest composite and every pixel with count > 0 is complete in every band (unless
            its NDVI is undefined on every such date, red + NIR <= 0).

    >>> clear_count(np.array([[[True, False]], [[True, False]]])).tolist()
    [[2, 0]]
    """
    clear, data = _check_clear_count_inputs(clear, stack)
    if data is not None:
        clear = clear & ~np.isnan(data).any(axis=1)
    return clear.sum(axis=0, dtype=np.int32)


def mask_stack(stack, clear) -> np.ndarray:
    """A float32 copy of ``stack`` with NaN wherever ``clear`` is False.

    Args:
        stack: ``(time, bands, rows, cols)``.
        clear: boolean ``(time, rows, cols)`` (or ``(time, 1, rows, cols)``).
    """
    data, clear = _check_stack_and_clear(stack, clear, clear_required=True)
    return np.where(clear[:, None], data, np.float32(np.nan)).astype(np.float32, copy=False)


def nanmedian_over_time(values: np.ndarray) -> np.ndarray:
    """Median along axis 0 ignoring NaN; NaN where a pixel has no value. Same as ``np.nanmedian``.

    Sorts along time (NaN sort last), counts the ``k`` valid values and averages the sorted
    values at positions ``(k - 1) // 2`` and ``k // 2``: about 4x faster than
    ``np.nanmedian(values, axis=0)`` on image stacks, with the same result.

    >>> nanmedian_over_time(np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])).tolist()
    [2.0, nan]
    """
    values = _check_time_series(values, "values", kinds="f",
                                fix="Pass floats with NaN for missing values, time on axis 0.")
    ordered = np.sort(values, axis=0)
    count = np.count_nonzero(~np.isnan(values), axis=0)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0)[None], axis=0)[0]
    high = np.take_along_axis(ordered, (count // 2)[None].clip(max=len(values) - 1), axis=0)[0]
    median = (low + high) / 2
    median[count == 0] = np.nan
    return median


def median_composite(stack, clear=None) -> np.ndarray:
    """Per band and pixel median of the clear observations.

    Args:
        stack: reflectance ``(time, bands, rows, cols)``; NaN = no observation.
        clear: optional boolean ``(time, rows, cols)``, True where usable.

    Returns:
        float32 ``(bands, rows, cols)``; NaN where a pixel has no clear observation.

    Raises:
        AllCloudError: no clear observation anywhere.

    Band by band (to keep memory to one band's time series), the cloudy observations become
    NaN and :func:`nanmedian_over_time` (``np.nanmedian`` over time, faster) takes the median.
    """
    data, clear = _check_stack_and_clear(stack, clear, reflectance=True)
    out = np.empty(data.shape[1:], dtype=np.float32)
    for band in range(data.shape[1]):           # a loop over bands, not over pixels
        values = data[:, band].astype(np.float32)   # a copy: the cloudy values become NaN
        if clear is not None:
            values[~clear] = np.nan
        out[band] = nanmedian_over_time(values)
    _raise_if_all_cloud(~np.isnan(out).all(axis=0))
    return out


def argmax_over_time(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index and value of the maximum along the time axis of a ``(time, rows, cols)`` score.

    NaN and -inf mean "not usable" and never win. Otherwise equal to
    ``np.argmax(score, axis=0)`` (ties go to the earliest date), but about 8x faster: a
    running maximum with one comparison per date, vectorised over all pixels, instead of
    numpy's argmax along a non-contiguous axis (see ``bench/composites.md``).

    Returns:
        ``(index, maximum)``: intp ``(rows, cols)`` (0 where nothing is usable) and the
        maximum score ``(rows, cols)`` (-inf where nothing is usable).

    >>> s = np.array([[[0.1, 0.5, np.nan]], [[0.3, 0.5, np.nan]], [[0.2, -np.inf, np.nan]]])
    >>> index, best = argmax_over_time(s)
    >>> index.tolist(), best.tolist()
    ([[1, 0, 0]], [[0.3, 0.5, -inf]])
    """
    score = _check_time_series(score, "score", kinds="iuf")
    index_type = np.uint8 if score.shape[0] <= 255 else np.intp
    best_value = np.full(score.shape[1:], -np.inf, dtype=np.result_type(score.dtype, np.float32))
    best_index = np.zeros(score.shape[1:], dtype=index_type)
    better = np.empty(score.shape[1:], dtype=bool)
    step = np.empty(score.shape[1:], dtype=index_type)
    with np.errstate(invalid="ignore"):
        for t in range(score.shape[0]):          # a loop over dates, not over pixels
            np.greater(score[t], best_value, out=better)   # strict: ties keep the earlier date
            np.fmax(best_value, score[t], out=best_value)  # fmax ignores NaN
            # best_index = t where better; arithmetic, because a masked assignment on a
            # ragged cloud mask is ~20x slower (branch mispredictions).
            np.subtract(index_type(t), best_index, out=step)
            step *= better
            best_index += step
    return best_index.astype(np.intp), best_value


def _add_nan_where_unusable(score: np.ndarray, usable: np.ndarray, buffer: np.ndarray) -> None:
    """``score[~usable] = NaN`` in place, without branches: adds 0 / usable (0 or 0/0 = NaN)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(0, usable, out=buffer)
    score += buffer


def _ndvi_score(data: np.ndarray, red_band: int, nir_band: int,
                clear: np.ndarray | None) -> np.ndarray:
    """NDVI ``(time, rows, cols)``, NaN where not clear or undefined (NaN in any band,
    NIR + red <= 0).

    The formula of :func:`course_lib.indices.ndvi`, computed date by date into one
    preallocated array (4 MB temporaries that stay in the CPU cache, instead of several
    whole-stack temporaries). The bands are checked by :func:`_check_greenest_inputs`.
    """
    grid = data.shape[2:]
    score = np.empty(data.shape[:1] + grid, dtype=np.float32)
    denominator = np.empty(grid, dtype=np.float32)
    usable = np.empty(grid, dtype=bool)
    buffer = np.empty(grid, dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        for t in range(data.shape[0]):           # a loop over dates, not over pixels
            red, nir = data[t, red_band], data[t, nir_band]
            np.add(nir, red, out=denominator)
            np.greater(denominator, 0, out=usable)  # False for NaN and for 0 / 0
            if clear is not None:
                usable &= clear[t]
            np.subtract(nir, red, out=score[t])
            score[t] /= denominator
            _add_nan_where_unusable(score[t], usable, buffer)
    return score


def _take_dates(data: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``out[b, r, c] = data[index[r, c], b, r, c]`` with ``np.take_along_axis``.

    Rows and columns are flattened first (a view for contiguous stacks): the gather then
    needs one index array fewer and runs ~1.5x faster.
    """
    t, b, rows, cols = data.shape
    flat = data.reshape(t, b, rows * cols)
    return np.take_along_axis(flat, index.reshape(1, 1, rows * cols), axis=0)[0].reshape(
        b, rows, cols)


def _skip_incomplete_dates(data: np.ndarray, masked_score: np.ndarray, best: np.ndarray,
                           best_score: np.ndarray, out: np.ndarray) -> None:
    """Redo the choice, in place, where the winning date has NaN in some band.

    A date with NaN in ANY band is no observation (it is not counted by :func:`clear_count`
    either): it must not win and leave that band NaN while another date was complete. Where
    the winner is complete it is also the best complete date, so only the (usually few)
    pixels whose gathered values hold NaN are redone, with every incomplete date excluded.
    This costs a look at the composite instead of a pass over the whole stack.
    """
    with np.errstate(invalid="ignore"):
        incomplete = np.isnan(out).any(axis=0) & (best_score > -np.inf)
    if not incomplete.any():
        return
    rows, cols = np.nonzero(incomplete)
    values = data[:, :, rows, cols]                                   # (time, bands, n)
    score = masked_score[:, rows, cols].astype(np.float32)            # (time, n), a copy
    score[~np.isfinite(values).all(axis=1)] = np.nan
    index, value = argmax_over_time(score)
    best[rows, cols], best_score[rows, cols] = index, value
    out[:, rows, cols] = np.take_along_axis(values, index[None, None], axis=0)[0]


def greenest_pixel_composite(stack, clear=None, score=None, red_band: int | None = None,
                             nir_band: int | None = None,
                             return_index: bool = False) -> np.ndarray | tuple[np.ndarray,
                                                                                np.ndarray]:
    """Quality mosaic: every band from the one clear observation with the highest score.

    The Earth Engine ``qualityMosaic('NDVI')``: per pixel, ``t* = argmax_t score[t]`` over the
    usable observations (clear, and finite in EVERY band: the observations that
    :func:`clear_count` with the stack counts), then ``out[b] = stack[t*, b]`` for every
    band ``b`` via ``np.take_along_axis``, so all bands of a pixel come from the same date.

    Args:
        stack: reflectance ``(time, bands, rows, cols)``.
        clear: optional boolean ``(time, rows, cols)``, True where usable.
        score: ``(time, rows, cols)`` quality score, higher is better (NaN or -inf = not
            usable; +inf always wins).
            Default: NDVI from ``red_band`` and ``nir_band``.
        red_band, nir_band: band indices for the default NDVI score, or band names
            (``"B04"``, ``"B08"``) when ``stack`` is a Raster.
        return_index: also return the chosen time index per pixel (-1 where never clear).

    Returns:
        float32 ``(bands, rows, cols)`` (NaN where never clear), and the int ``(rows, cols)``
        index array when ``return_index`` is True.

    Raises:
        AllCloudError: no clear observation with a finite score anywhere.
        ValueError: neither ``score`` nor both band indices given, the same band for red and
            NIR (NDVI would be 0 everywhere and the first date would always win), or shapes
            that disagree.
    """
    data, clear, score, red_band, nir_band = _check_greenest_inputs(stack, clear, score,
                                                                     red_band, nir_band,
                                                                     return_index)
    if score is None:
        masked_score = _ndvi_score(data, red_band, nir_band, clear)
    else:   # (np.where is clear but slower than the NDVI path; only that one is benchmarked.)
        masked_score = score if clear is None else np.where(clear, score, np.float32(np.nan))
    best, best_score = argmax_over_time(masked_score)                  # (rows, cols)
    out = _take_dates(data, best).astype(np.float32, copy=False)        # (bands, rows, cols)
    _skip_incomplete_dates(data, masked_score, best, best_score, out)
    never = best_score == -np.inf                                       # no usable date
    if never.all():
        _raise_if_all_cloud(np.zeros(1, dtype=bool))
    out[:, never] = np.nan
    if return_index:
        return out, np.where(never, -1, best)
    return out


#: The composites :func:`composite_raster` makes.
COMPOSITE_KINDS = ("median", "greenest")


def composite_raster(raster, scl, kind: str = "median", cloudprob=None):
    """Composite a Sentinel-2 time-series Raster after masking cloud, shadow, snow and nodata.

    Args:
        raster: :class:`~course_lib.data.raster.Raster` ``(time, bands, rows, cols)`` of
            reflectance with bands named like ``B04`` and ``B08``.
        scl: SCL codes ``(time, 1, rows, cols)`` or ``(time, rows, cols)`` (array or Raster):
            cloud shadow 3, snow 11 and nodata 0-1 are masked (and cloud 8-10 when no
            ``cloudprob`` is given).
        kind: ``"median"`` or ``"greenest"`` (NDVI from B04 and B08).
        cloudprob: optional cloud probability (array or Raster, same shape as ``scl``): clouds
            are then masked from it, as the paper did with s2cloudless (see
            :func:`course_lib.clouds.clear_sky_mask`).

    Returns:
        A 3-D Raster ``(bands, rows, cols)`` with ``attrs`` recording the kind, dates, the
        mask and the clear-count range.
    """
    from dataclasses import replace

    _check_composite_call(raster, scl, kind)
    clear = clear_sky_mask(scl, cloudprob, pixel_size=float(raster.resolution))
    if kind == "median":
        data = median_composite(raster.data, clear)
    else:
        data = greenest_pixel_composite(raster.data, clear,
                                        red_band=raster.band_names.index("B04"),
                                        nir_band=raster.band_names.index("B08"))
    count = clear_count(clear, raster.data)
    dates = [] if raster.dates is None else [str(d) for d in raster.dates]
    mask = ("cloud probability > 0.4 (s2cloudless-style, averaged 240 m, dilated 120 m); "
            "SCL shadow 3, snow 11, nodata 0-1 removed" if cloudprob is not None else
            "SCL cloud 8-10, shadow 3, snow 11, nodata 0-1 removed")
    attrs = {"composite": kind, "dates": ",".join(dates),
             "units": raster.attrs.get("units", "reflectance"), "mask": mask,
             "clear_count_min": int(count.min()), "clear_count_max": int(count.max()),
             "never_clear_fraction": float(np.mean(count == 0))}
    return replace(raster, data=data, dates=None, attrs=attrs)


# --------------------------------------------------------------------------- input checks
def _check_stack(stack, name: str = "stack", *, reflectance: bool = False) -> np.ndarray:
    """A float ``(time, bands, rows, cols)`` stack with dates, bands and pixels; with
    ``reflectance`` each band is checked not to be digital numbers (band by band, so the
    check needs one band's memory)."""
    data = as_array(stack, name, kinds="biuf", allow_empty=True,
                    fix="Pass reflectance (time, bands, rows, cols), e.g. raster.data.")
    if data.ndim == 4 and data.shape[0] == 0:
        raise ValueError(f"{name} has 0 dates (its time axis is empty, shape {data.shape}): "
                         "nothing to composite. Widen the date window or check the filter "
                         "that selected the dates.")
    if data.ndim == 4 and 0 in data.shape[1:]:
        raise ValueError(f"{name} of shape {data.shape} has no band or no pixel: check the "
                         "band selection and the crop window.")
    if data.ndim != 4:
        raise ValueError(f"stack must be (time, bands, rows, cols); got shape {data.shape}. "
                         "Add a band axis with stack[:, None] for a single band.")
    if not np.issubdtype(data.dtype, np.floating):
        raise TypeError(f"stack is {data.dtype}: pass reflectance as floats with NaN for nodata "
                        "(digital numbers / 10000, or course_lib.data.sentinel2.dn_to_reflectance).")
    check_band_first(data, name, band_axis=1)
    if reflectance:
        for band in range(data.shape[1]):
            check_reflectance(data[:, band], f"band {band}")
    return data


def _check_clear(clear, stack: np.ndarray) -> np.ndarray | None:
    """None, or a boolean ``(time, rows, cols)`` mask on the stack's dates and grid."""
    if clear is None:
        return None
    clear = as_array(clear, "clear", kinds="biuf", allow_empty=True)
    if clear.dtype != bool:
        raise TypeError(f"clear must be a boolean mask (True = usable); got {clear.dtype}. "
                        "From class codes build it first, e.g. clear = scl_masks(scl).clear.")
    if clear.ndim == 4 and clear.shape[1] == 1:
        clear = clear[:, 0]
    expected = stack.shape[:1] + stack.shape[2:]
    if clear.shape != expected:
        raise ValueError(f"clear mask of shape {clear.shape} does not match the stack "
                         f"{stack.shape}: expected (time, rows, cols) = {expected}.")
    return clear


def _check_stack_and_clear(stack, clear, *, clear_required: bool = False,
                           reflectance: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The stack (:func:`_check_stack`) and its clear mask (:func:`_check_clear`)."""
    data = _check_stack(stack, reflectance=reflectance)
    if clear is None and clear_required:
        raise TypeError("clear must be a boolean mask (time, rows, cols), True = usable; got "
                        "None. E.g. clear = scl_masks(scl).clear.")
    return data, _check_clear(clear, data)


def _check_clear_count_inputs(clear, stack) -> tuple[np.ndarray, np.ndarray | None]:
    """A boolean ``(time, rows, cols)`` clear mask (0/1 accepted) and the optional stack."""
    clear = check_mask(clear, "clear", example="clear = scl_masks(scl).clear")
    data = None
    if stack is not None:
        data = _check_stack(stack)
        clear = _check_clear(clear, data)
    if clear.ndim != 3:
        raise ValueError(f"clear must be (time, rows, cols); got shape {clear.shape}. For one "
                         "date add a time axis, e.g. clear[None].")
    return clear, data


def _check_time_series(values, name: str, *, kinds: str, fix: str | None = None) -> np.ndarray:
    """An array with a non-empty time axis first."""
    values = as_array(values, name, min_ndim=1, kinds=kinds, allow_empty=True, fix=fix)
    if values.shape[0] == 0:
        raise ValueError(f"{name} has 0 time steps (shape {values.shape}): there is nothing to "
                         "take the median or maximum of. Widen the date window.")
    return values


def _check_greenest_inputs(stack, clear, score, red_band, nir_band, return_index):
    """Stack, clear mask, score (float32, or None for NDVI) and the red and NIR band indices.

    Band names are resolved on a Raster; without a score the two bands must be different
    bands of the stack holding reflectance.
    """
    data, clear = _check_stack_and_clear(stack, clear)
    check_bool(return_index, "return_index")
    names = getattr(stack, "band_names", None)
    red_band = _band_index(red_band, "red_band", names)
    nir_band = _band_index(nir_band, "nir_band", names)
    if score is not None:
        score = as_array(score, "score", kinds="iuf").astype(np.float32)
        expected = data.shape[:1] + data.shape[2:]
        if score.shape != expected:
            raise ValueError(f"score of shape {score.shape} does not match the stack "
                             f"{data.shape}: expected (time, rows, cols) = {expected}.")
        return data, clear, score, red_band, nir_band
    if red_band is None or nir_band is None:
        raise ValueError("Give a score (time, rows, cols) or red_band and nir_band for NDVI.")
    n_bands = data.shape[1]
    if not (-n_bands <= red_band < n_bands and -n_bands <= nir_band < n_bands):
        raise ValueError(f"red_band {red_band} / nir_band {nir_band} out of range for a "
                         f"stack with {n_bands} bands. Pass indices 0-{n_bands - 1} of the red and "
                         "NIR bands along the stack's band axis.")
    red_band, nir_band = red_band % n_bands, nir_band % n_bands
    if red_band == nir_band:
        raise ValueError(f"red_band and nir_band are both band {red_band}: the NDVI of a band "
                         "with itself is 0 everywhere, so the first clear date would always "
                         "win. Pass the red and the NIR band, e.g. red_band=2, nir_band=3 for "
                         "the study area's bands (B02, B03, B04, B08, ...).")
    check_reflectance(data[:, red_band], f"band {red_band} (red)")
    check_reflectance(data[:, nir_band], f"band {nir_band} (NIR)")
    return data, clear, None, red_band, nir_band


def _band_index(value: Any, name: str, band_names: Sequence[str] | None) -> int | None:
    """A band index from an int, or from a band name when the stack is a Raster."""
    if value is None:
        return None
    if isinstance(value, str):
        if band_names is None:
            raise TypeError(f"{name} is the band name {value!r}, but the stack is a plain array "
                            f"without band names: pass the index, e.g. "
                            f"raster.band_names.index({value!r}), or pass the Raster itself.")
        if value not in band_names:
            raise ValueError(f"{name} {value!r} is not a band of the stack; its bands are "
                             f"{list(band_names)}.")
        return list(band_names).index(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a band index (int) or, for a Raster, a band name; got "
                        f"{describe(value)}. Pass an int, e.g. {name}=2.")
    return int(value)


def _check_composite_call(raster, scl, kind) -> None:
    """A Sentinel-2 time-series Raster, its SCL layer's dates and a known kind (the greenest
    pixel needs B04 and B08)."""
    check_raster(raster, "raster", ndim=4, fix="composite_raster takes a Sentinel-2 time-series "
                 "Raster (e.g. area['s2_post']); for plain arrays use median_composite(stack, "
                 "clear) or greenest_pixel_composite(stack, clear, red_band=2, nir_band=3).")
    check_choice(kind, "kind", COMPOSITE_KINDS)
    if kind == "greenest":
        for name in ("B04", "B08"):
            if name not in raster.band_names:
                raise ValueError(f"The greenest-pixel composite needs band {name} for NDVI; "
                                 f"this raster has {raster.band_names}. Use kind='median', or "
                                 "a raster with bands B04 and B08.")
    codes = array_of(scl)
    if isinstance(codes, np.ndarray) and codes.ndim >= 3 and len(codes) != len(raster.data):
        raise ValueError(f"scl has {len(codes)} dates but the raster has {len(raster.data)}: "
                         "pass the SCL layer of the same acquisitions, e.g. area['s2_post_scl'] "
                         "with area['s2_post'].")
