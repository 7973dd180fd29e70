"""Figures for notebook 01's composites and index browser, and the callbacks of its widgets.

Plain functions returning a matplotlib Figure (and the numbers the notebook reports); the
notebook wraps them in ipywidgets, the tests call them directly. Stacks are time-first and
band-first ``(time, bands, rows, cols)``; composites are ``(bands, rows, cols)``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from course_lib import validation
from course_lib.composites import (AllCloudError, clear_count, greenest_pixel_composite,
                                   median_composite)
from course_lib.viz import style
from course_lib.viz.cloud_plots import thumbnail


def linear_rgb(bands: np.ndarray, vmax: float = 0.3) -> np.ndarray:
    """``(3, rows, cols)`` reflectance to a displayable ``(rows, cols, 3)`` image, 0..vmax.

    A fixed stretch (not percentiles) so that two composites shown side by side are
    comparable; NaN (never clear) stays NaN, which :func:`course_lib.viz.style.image_layer`
    draws in the no-data colour (never black: black is a shadow or a lake).

    >>> linear_rgb(np.full((3, 1, 1), 0.15), vmax=0.3)[0, 0].tolist()
    [0.5, 0.5, 0.5]
    """
    bands = np.asarray(bands, dtype=np.float32)
    if bands.ndim != 3 or bands.shape[0] != 3:
        raise ValueError(f"linear_rgb needs (3, rows, cols); got {bands.shape}.")
    return np.moveaxis(np.clip(bands / vmax, 0, 1), 0, -1)


def dates_in_window(dates: Sequence, start, end) -> np.ndarray:
    """Boolean selector of the dates between ``start`` and ``end`` (inclusive).

    >>> d = np.array(["2019-07-01", "2019-07-10", "2019-08-01"], dtype="datetime64[D]")
    >>> dates_in_window(d, "2019-07-05", "2019-08-01").tolist()
    [False, True, True]
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    start, end = np.datetime64(start, "D"), np.datetime64(end, "D")
    if end < start:
        raise ValueError(f"The window ends ({end}) before it starts ({start}).")
    return (dates >= start) & (dates <= end)


def composite_window_explorer(stack: np.ndarray, clear: np.ndarray, dates: Sequence, start, end,
                              rgb_bands: Sequence[int], red_band: int, nir_band: int,
                              vmax: float = 0.3, title: str = "",
                              extent=None) -> tuple[Figure, dict]:
    """Median and greenest-pixel composites of the clear observations in a date window.

    Args:
        stack: reflectance ``(time, bands, rows, cols)``.
        clear: boolean ``(time, rows, cols)``, True where usable.
        dates: one date per time step.
        start, end: the window (inclusive), anything ``np.datetime64`` understands.
        rgb_bands: three band indices to show as red, green, blue.
        red_band, nir_band: band indices for the greenest pixel's NDVI.
        vmax: reflectance shown as full brightness.

    Returns:
        ``(figure, numbers)`` with ``n_dates``, ``clear_fraction`` (of observations in the
        window), ``never_clear_fraction`` (pixels), ``mean_abs_difference`` (median vs
        greenest, NIR band). If the window holds no clear observation the figure says so
        and the numbers are NaN (undefined), rather than raising inside a widget.
    """
    stack = np.asarray(stack)
    clear = np.asarray(clear, dtype=bool)
    window = dates_in_window(dates, start, end)
    selected_dates = np.asarray(dates, dtype="datetime64[D]")[window]
    numbers = {"n_dates": int(window.sum()), "clear_fraction": float("nan"),
               "never_clear_fraction": float("nan"), "mean_abs_difference": float("nan")}
    fig = Figure(figsize=(13, 3.8))
    axes = fig.subplots(1, 4)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if window.sum() == 0 or not clear[window].any():
        axes[0].text(0.5, 0.5, f"{window.sum()} dates, no clear observation:\nwiden the window",
                     ha="center", va="center", transform=axes[0].transAxes)
        return fig, numbers
    sub, sub_clear = stack[window], clear[window]
    try:
        median = median_composite(sub, sub_clear)
        greenest, index = greenest_pixel_composite(sub, sub_clear, red_band=red_band,
                                                   nir_band=nir_band, return_index=True)
    except AllCloudError as err:
        axes[0].text(0.5, 0.5, str(err), ha="center", va="center", wrap=True,
                     transform=axes[0].transAxes, fontsize=8)
        return fig, numbers
    count = clear_count(sub_clear, sub)
    numbers.update(clear_fraction=float(sub_clear.mean()),
                   never_clear_fraction=float(np.mean(count == 0)),
                   mean_abs_difference=float(np.nanmean(np.abs(median[nir_band]
                                                                - greenest[nir_band]))))
    style.image_layer(axes[0], thumbnail(linear_rgb(median[list(rgb_bands)], vmax)),
                      extent=extent)
    axes[0].set_title("median of clear", fontsize=9)
    style.image_layer(axes[1], thumbnail(linear_rgb(greenest[list(rgb_bands)], vmax)),
                      extent=extent)
    axes[1].set_title("greenest pixel (max NDVI)", fontsize=9)
    im = style.image_layer(axes[2], thumbnail(count), "sequential", vmin=0,
                           vmax=max(1, int(count.max())), extent=extent)
    style.add_colorbar(im, axes[2], "clear observations", fraction=0.046)
    axes[2].set_title(f"{window.sum()} dates, never clear: "
                      f"{100 * numbers['never_clear_fraction']:.1f} %", fontsize=9)
    day = np.where(index >= 0, (selected_dates[np.maximum(index, 0)]
                                - selected_dates[0]).astype(float), np.nan)
    im = style.image_layer(axes[3], thumbnail(day), "sequential", extent=extent)
    style.add_colorbar(im, axes[3], f"days after {selected_dates[0]}", fraction=0.046)
    axes[3].set_title("date the greenest pixel came from", fontsize=9)
    fig.suptitle(title or f"{selected_dates[0]} to {selected_dates[-1]}", fontsize=10)
    fig.tight_layout()
    return fig, numbers


@lru_cache(maxsize=1)
def _landsat_clear():
    from course_lib.clouds import fmask_masks
    from course_lib.data.samples import load_landsat_series

    refl, fmask = load_landsat_series()
    return refl, fmask_masks(fmask, refl.data).clear


def landsat_composite_explorer(start="2010-06-01", end="2010-09-30",
                               vmax: float = 0.35) -> tuple[Figure, dict]:
    """:func:`composite_window_explorer` on the real Landsat series, CFmask-masked.

    Cloud, shadow, snow and fill (and pixels without values) are dropped; water is kept.
    Shown as false colour SWIR1 / NIR / red.
    """
    refl, clear = _landsat_clear()
    bands = list(refl.band_names)
    return composite_window_explorer(
        refl.data, clear, refl.dates, start, end,
        rgb_bands=[bands.index("swir1"), bands.index("nir"), bands.index("red")],
        red_band=bands.index("red"), nir_band=bands.index("nir"), vmax=vmax,
        title=f"Landsat 5/7, path 035 row 032 (real), {start} to {end}: SWIR1 / NIR / red",
        extent=refl.extent)


def composites_figure(composites: Mapping[str, object], rgb: Sequence[str] = ("B04", "B03", "B02"),
                      vmax: float = 0.15, title: str = "") -> Figure:
    """Pre/post median and greenest composites in a grid (rows: period, columns: kind).

    Args:
        composites: e.g. ``study_area_composites()``: keys like ``"pre_median"``, values
            3-D Rasters ``(bands, rows, cols)``.
        rgb: band names to show as red, green, blue.
        vmax: reflectance shown as full brightness.
    """
    periods = [p for p in ("pre", "post") if any(k.startswith(p) for k in composites)]
    kinds = [k for k in ("median", "greenest") if any(key.endswith(k) for key in composites)]
    fig = Figure(figsize=(5 * len(kinds), 4.6 * len(periods)))
    axes = np.atleast_2d(fig.subplots(len(periods), len(kinds), squeeze=False))
    for i, period in enumerate(periods):
        for j, kind in enumerate(kinds):
            ax = axes[i, j]
            raster = composites.get(f"{period}_{kind}")
            ax.set_xticks([])
            ax.set_yticks([])
            if raster is None:
                continue
            style.image_layer(ax, thumbnail(linear_rgb(raster.select(rgb).data, vmax)),
                              extent=raster.extent)
            never = float(np.isnan(raster.data).all(axis=0).mean())
            ax.set_title(f"{period}-event {kind}: never clear {100 * never:.1f} %", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def index_browser(name: str, bands: Mapping[str, np.ndarray], catalogue: str = "course",
                  title: str = "", extent=None) -> tuple[Figure, dict]:
    """Compute one index from Sentinel-2 reflectance and show its map and histogram.

    Args:
        name: an index of the course catalogue (:data:`course_lib.indices.INDEX_CATALOGUE`)
            or, with ``catalogue="spyndex"``, of Awesome Spectral Indices.
        bands: Sentinel-2 band name -> ``(rows, cols)`` reflectance.
        catalogue: ``"course"`` or ``"spyndex"``.

    Returns:
        ``(figure, {"formula", "mean", "p2", "p98", "undefined_fraction"})``.
    """
    from course_lib import indices

    if catalogue == "course":
        info = indices.INDEX_CATALOGUE[name] if name in indices.INDEX_CATALOGUE else None
        if info is None:
            raise KeyError(f"Unknown index {name!r}; choose from {sorted(indices.INDEX_CATALOGUE)}.")
        values = indices.compute_index(name, bands)
        formula, long_name, reference = info.formula, info.long_name, info.reference
        used = info.sentinel2
    elif catalogue == "spyndex":
        entry = indices.spyndex_catalogue(tuple(bands)).get(name)
        if entry is None:
            raise KeyError(f"{name!r} is not computable from bands {sorted(bands)}.")
        values = indices.compute_spyndex_index(name, bands)
        formula, long_name, reference = entry["formula"], entry["long_name"], entry["reference"]
        used = entry["bands"]
    else:
        raise ValueError(f"catalogue must be 'course' or 'spyndex', not {catalogue!r}.")
    finite = values[np.isfinite(values)]
    p2, p98 = (np.percentile(finite, [2, 98]) if finite.size else (np.nan, np.nan))
    numbers = {"formula": formula, "mean": float(finite.mean()) if finite.size else float("nan"),
               "p2": float(p2), "p98": float(p98),
               "undefined_fraction": float(1 - finite.size / values.size)}
    fig = Figure(figsize=(11, 4.2))
    ax_map, ax_hist = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    kind = "ndvi" if name.upper() == "NDVI" else "sequential"
    im = style.image_layer(ax_map, thumbnail(values), kind, vmin=p2, vmax=p98, extent=extent)
    style.add_colorbar(im, ax_map, name, fraction=0.046)
    ax_map.set_xticks([])
    ax_map.set_yticks([])
    ax_map.set_title(f"{name} = {formula}\n{long_name}", fontsize=9)
    if finite.size:
        ax_hist.hist(finite, bins=80, range=(p2 - 0.1 * (p98 - p2), p98 + 0.1 * (p98 - p2)),
                     color="#0072B2")
    ax_hist.set_xlabel(name)
    ax_hist.set_ylabel("pixels")
    ax_hist.set_title(f"bands {', '.join(used)}; {reference}", fontsize=7, wrap=True)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig, numbers


def composites_change_figure(pre, post, change: np.ndarray, rgb: Sequence[str] = ("B04", "B03",
                                                                                   "B02"),
                             vmax: float = 0.25, label: str = "dNDVI (post - pre)",
                             limit: float = 0.6) -> Figure:
    """Pre- and post-event composites in true colour beside their change image, by the
    course's figure rules (:mod:`course_lib.viz.style`): never-clear pixels in the no-data
    colour (not black), the change in purple-green, axes in km.

    Args:
        pre, post: composite Rasters ``(bands, rows, cols)`` with the ``rgb`` bands.
        change: ``(rows, cols)`` change on the same grid (e.g. dNDVI), NaN = no data.
        rgb: band names shown as red, green, blue.
        vmax: reflectance shown as full brightness.
        label: the change's colour-bar label.
        limit: the change's colour range is +- this.
    """
    change = validation.as_array(change, "change", ndim=2)
    fig = Figure(figsize=(13, 4.4), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, raster, title in ((axes[0], pre, "pre-event"), (axes[1], post, "post-event")):
        style.image_layer(ax, thumbnail(linear_rgb(raster.select(rgb).data, vmax)),
                          extent=raster.extent)
        ax.set_title(f"{title} composite", fontsize=10)
        style.map_axes(ax, raster.extent)
    im = style.image_layer(axes[2], thumbnail(change), "change", vmin=-limit, vmax=limit,
                           extent=post.extent)
    style.add_colorbar(im, axes[2], label, shrink=0.8)
    axes[2].set_title(label, fontsize=10)
    style.map_axes(axes[2], post.extent)
    return fig
