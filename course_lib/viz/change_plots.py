"""Figures and widget callbacks for notebook 02 (change images).

Each function takes plain arrays (band-first, NaN = nodata), draws one matplotlib Figure and,
where useful, returns the numbers it shows, so the tests can call it without a notebook and the
notebook wraps it with ``ipywidgets.interact``. All the science lives in ``course_lib.sar`` and
``course_lib.indices``; nothing here changes data.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_lib import sar, validation
from course_lib.viz import style
from course_lib.viz.outlines import draw_outline

__all__ = [
    "db_linear_histograms",
    "ndvi_change_figure",
    "lee_filter_explorer",
    "change_panels",
    "geometry_comparison",
    "slope_correction_panels",
    "log_ratio_threshold_explorer",
    "binned_means",
    "binned_profile",
]

#: Diverging colour map for change images: purple = decrease, green = increase (the paper's
#: Figure 8 uses the same convention; :data:`course_lib.viz.style.COLORMAPS`).
CHANGE_CMAP = style.COLORMAPS["change"]


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64).ravel()
    return values[np.isfinite(values)]


def _outline(ax, mask: np.ndarray | None, extent=None, color: str = "k") -> None:
    """Draw the boundary of a boolean mask (e.g. the true landslides) on ``ax``."""
    draw_outline(ax, mask, extent, color)


def db_linear_histograms(linear: np.ndarray, bins: int = 100,
                         title: str = "Sentinel-1 VV") -> tuple[Figure, dict[str, float]]:
    """Histograms of the same backscatter in linear power and in dB.

    Linear power under speckle is strongly right-skewed (a few very bright pixels), so its mean
    sits far above its median; in dB the distribution is close to symmetric, which is why images
    are *shown* in dB. The returned numbers make the point: ``skew_linear`` and ``skew_db``
    (sample skewness) and the mean of each.
    """
    lin = _finite(linear)
    if lin.size == 0:
        raise ValueError("db_linear_histograms: the input has no finite values.")
    db = _finite(sar.to_db(lin[lin > 0]))

    def skew(x: np.ndarray) -> float:
        return float(np.mean((x - x.mean()) ** 3) / x.std() ** 3)

    stats = {"mean_linear": float(lin.mean()), "median_linear": float(np.median(lin)),
             "mean_db": float(db.mean()), "db_of_mean_linear": float(10 * np.log10(lin.mean())),
             "skew_linear": skew(lin), "skew_db": skew(db)}
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), constrained_layout=True)
    upper = np.percentile(lin, 99.5)
    axes[0].hist(lin[lin <= upper], bins=bins, color="tab:blue")
    axes[0].axvline(stats["mean_linear"], color="k", ls="--", label="mean")
    axes[0].axvline(stats["median_linear"], color="tab:red", label="median")
    axes[0].set(title=f"{title}: linear power (skew {stats['skew_linear']:.1f})",
                xlabel="sigma0 (linear, up to the 99.5th percentile)", ylabel="pixels")
    axes[0].legend()
    axes[1].hist(db, bins=bins, color="tab:orange")
    axes[1].axvline(stats["mean_db"], color="k", ls="--", label="mean of dB")
    axes[1].axvline(stats["db_of_mean_linear"], color="tab:red", label="dB of linear mean")
    axes[1].set(title=f"{title}: decibels (skew {stats['skew_db']:.1f})",
                xlabel="sigma0 (dB)")
    axes[1].legend()
    return fig, stats


def lee_filter_explorer(image: np.ndarray, window: int = 7, looks: float = sar.S1_IW_GRDH_ENL,
                        homogeneous: tuple[slice, slice] | None = None,
                        vmin: float = -25.0, vmax: float = 0.0,
                        method: str = "lee") -> tuple[Figure, dict[str, float]]:
    """Widget callback: one linear image before and after a Lee speckle filter.

    Args:
        image: 2-D linear intensity ``(rows, cols)``.
        window, looks: the filter's window size and assumed ENL (the refined Lee filter always
            uses its 7 x 7 edge-aligned windows and ignores ``window``).
        homogeneous: ``(row_slice, col_slice)`` of an area without real texture (a lake, a
            field) where the ENL is measured before and after; defaults to the whole image.
        vmin, vmax: dB colour range.
        method: ``"lee"`` (:func:`course_lib.sar.lee_filter`) or ``"refined"``
            (:func:`course_lib.sar.refined_lee_filter`).

    Returns:
        the figure and ``{"enl_before", "enl_after", "std_db_before", "std_db_after"}``
        measured in the homogeneous area. A higher ENL means less speckle.
    """
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"lee_filter_explorer takes one band (rows, cols); got {image.shape}.")
    if method == "lee":
        filtered = sar.lee_filter(image, window=int(window), looks=float(looks))
        label = f"Lee {window}x{window}, ENL {looks:g}"
    elif method == "refined":
        filtered = sar.refined_lee_filter(image, looks=float(looks))
        label = f"refined Lee 7x7, ENL {looks:g}"
    else:
        raise ValueError(f"method must be 'lee' or 'refined'; got {method!r}.")
    region = homogeneous or (slice(None), slice(None))
    stats = {
        "enl_before": sar.equivalent_number_of_looks(image[region]),
        "enl_after": sar.equivalent_number_of_looks(filtered[region]),
        "std_db_before": float(np.nanstd(sar.to_db(image[region], floor=1e-6))),
        "std_db_after": float(np.nanstd(sar.to_db(filtered[region], floor=1e-6))),
    }
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), constrained_layout=True)
    for ax, data, name, key in ((axes[0], image, "original", "enl_before"),
                                (axes[1], filtered, label, "enl_after")):
        im = style.image_layer(ax, sar.to_db(data, floor=1e-6), "db", vmin=vmin, vmax=vmax)
        ax.set_title(f"{name}\nmeasured ENL {stats[key]:.1f}")
        ax.set_axis_off()
    if homogeneous is not None:
        rs, cs = homogeneous
        for ax in axes:
            r0, r1, _ = rs.indices(image.shape[0])
            c0, c1, _ = cs.indices(image.shape[1])
            ax.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                                       ec="yellow", lw=1.2))
    style.add_colorbar(im, axes, "sigma0 (dB)", shrink=0.8)
    return fig, stats


def ndvi_change_figure(ndvi_before: np.ndarray, ndvi_after: np.ndarray,
                       dndvi: np.ndarray | None = None, extent=None, what: str = "",
                       dndvi_limit: float = 0.6) -> Figure:
    """NDVI before and after an event and their difference, by the course's figure rules.

    NDVI in ColorBrewer ``YlGn`` (-0.2 to 0.9), dNDVI in purple-green (purple = loss of
    vegetation, white = no change; :mod:`course_lib.viz.style`), no data (NaN: never clear) in
    the no-data colour with its key, map axes in km when ``extent`` is given.

    Args:
        ndvi_before, ndvi_after: ``(rows, cols)`` NDVI (NaN = no data).
        dndvi: after - before; computed when None.
        extent: ``Raster.extent`` (map coordinates in metres), or None for pixels.
        what: added to each title, e.g. ``"greenest pixel, simulated"``.
        dndvi_limit: the dNDVI colour range is +- this.
    """
    before = validation.as_array(ndvi_before, "ndvi_before", ndim=2)
    after = validation.as_array(ndvi_after, "ndvi_after", ndim=2)
    validation.check_same_shape(ndvi_before=before, ndvi_after=after)
    change = after - before if dndvi is None else validation.as_array(dndvi, "dndvi", ndim=2)
    fig = Figure(figsize=(14, 4.6), layout="constrained")
    axes = fig.subplots(1, 3)
    suffix = f" ({what})" if what else ""
    for ax, values, title, kind, limits in (
            (axes[0], before, "NDVI before", "ndvi", style.LIMITS["ndvi"]),
            (axes[1], after, "NDVI after", "ndvi", style.LIMITS["ndvi"]),
            (axes[2], change, "dNDVI = after - before", "change", (-dndvi_limit, dndvi_limit))):
        im = style.image_layer(ax, values, kind, vmin=limits[0], vmax=limits[1], extent=extent)
        style.add_colorbar(im, ax, "NDVI" if kind == "ndvi" else "dNDVI", fraction=0.046)
        ax.set_title(title + suffix, fontsize=9)
        style.map_axes(ax, extent, ticks=False)
    return fig


def change_panels(layers: Mapping[str, np.ndarray], outline: np.ndarray | None = None,
                  limits: Mapping[str, tuple[float, float]] | None = None,
                  ncols: int = 3, extent=None, cmap: str = CHANGE_CMAP,
                  panel_size: float = 3.6, cmaps: Mapping[str, str] | None = None,
                  units: Mapping[str, str] | None = None) -> Figure:
    """A grid of change images (name -> 2-D array), each with its own symmetric colour range.

    Args:
        layers: ordered mapping of titles to ``(rows, cols)`` arrays.
        outline: optional boolean mask drawn as a black contour (e.g. the true landslides).
        limits: optional ``{name: (vmin, vmax)}``; default: +-98th percentile of ``|value|``.
        ncols: panels per row.
        extent: ``Raster.extent`` for map coordinates (default: pixel indices).
        cmap: colour map (default purple = decrease, green = increase).
        panel_size: inches per panel.
        cmaps: optional ``{name: colour map}`` overriding ``cmap`` for some layers: a kind of
            :data:`course_lib.viz.style.COLORMAPS` (``"db"`` for backscatter in dB,
            ``"elevation"``) or a matplotlib name. NaN is drawn in the no-data colour.
        units: optional ``{name: unit}`` written on each layer's colour bar (e.g. ``"dB"``,
            ``"m"``, ``"reflectance"``); every layer of a mixed panel should have one.
    """
    if not layers:
        raise ValueError("change_panels needs at least one layer.")
    names = list(layers)
    nrows = int(np.ceil(len(names) / ncols))
    ncols = min(ncols, len(names))
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size * ncols, panel_size * nrows),
                             constrained_layout=True, squeeze=False)
    for ax in axes.ravel()[len(names):]:
        ax.set_axis_off()
    for ax, name in zip(axes.ravel(), names):
        data = np.asarray(layers[name])
        if limits and name in limits:
            vmin, vmax = limits[name]
        else:
            finite = _finite(data)
            lim = float(np.percentile(np.abs(finite), 98)) if finite.size else 1.0
            vmin, vmax = -lim, lim
        im = style.image_layer(ax, data, cmap=(cmaps or {}).get(name, cmap), vmin=vmin,
                               vmax=vmax, extent=extent)
        _outline(ax, outline, extent)
        ax.set_title(name)
        ax.set_xticks([]), ax.set_yticks([])
        if extent is not None:
            style.scale_bar(ax)
        style.add_colorbar(im, ax, (units or {}).get(name, ""), shrink=0.75)
    return fig


def geometry_comparison(asc_change_db: np.ndarray, desc_change_db: np.ndarray,
                        mean_change_db: np.ndarray, outline: np.ndarray | None = None,
                        zones: Mapping[str, np.ndarray] | None = None,
                        limit: float = 6.0) -> tuple[Figure, dict[str, float]]:
    """Log-ratio change seen ascending, descending, and from the average of both geometries.

    Args:
        asc_change_db, desc_change_db, mean_change_db: 2-D change images (dB).
        outline: boolean landslide mask, drawn as a contour; inside it the share of pixels
            below -1.5 dB (``decrease_share_<panel>``) and above +1.5 dB
            (``increase_share_<panel>``) is returned.
        zones: optional ``{name: boolean mask}`` (e.g. the near edge and far band of each
            geometry from :func:`course_lib.sar.look_direction_edges`); the mean change of
            every panel in every zone is returned as ``<name>_<panel>``.
        limit: colour range +- ``limit`` dB.

    Returns:
        the figure and the statistics, panels named ``asc``, ``desc`` and ``mean``.
    """
    panels = {"ascending": asc_change_db, "descending": desc_change_db,
              "mean of asc. and desc. (linear)": mean_change_db}
    fig = change_panels(panels, outline=outline,
                        limits={k: (-limit, limit) for k in panels}, ncols=3)
    stats: dict[str, float] = {}
    keys = ("asc", "desc", "mean")
    if outline is not None and np.any(outline):
        inside = np.asarray(outline, dtype=bool)
        for key, data in zip(keys, panels.values()):
            vals = _finite(np.asarray(data)[inside])
            stats[f"decrease_share_{key}"] = float(np.mean(vals < -1.5)) if vals.size else np.nan
            stats[f"increase_share_{key}"] = float(np.mean(vals > 1.5)) if vals.size else np.nan
    for zone, zmask in (zones or {}).items():
        zmask = np.asarray(zmask, dtype=bool)
        for key, data in zip(keys, panels.values()):
            vals = _finite(np.asarray(data)[zmask])
            stats[f"{zone}_{key}"] = float(vals.mean()) if vals.size else float("nan")
    fig.suptitle("VV log-ratio change (dB): purple = decrease, green = increase")
    return fig, stats


def slope_correction_panels(sigma0_db: np.ndarray, gamma0_db: np.ndarray,
                            layover: np.ndarray, shadow: np.ndarray,
                            vmin: float = -25.0, vmax: float = 0.0, extent=None) -> Figure:
    """sigma0 before and gamma0 after the slope correction, and the layover / shadow mask."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.6), constrained_layout=True)
    # masked (NaN) pixels must not look like bright ones: the course's no-data colour
    for ax, data, name in ((axes[0], sigma0_db, "sigma0 (dB), terrain not corrected"),
                           (axes[1], gamma0_db, "gamma0 flattened (dB); masked = no data")):
        im = style.image_layer(ax, data, "db", vmin=vmin, vmax=vmax, extent=extent)
        ax.set_title(name)
    style.add_colorbar(im, axes[:2], "dB", shrink=0.8, nodata=True)
    codes = np.zeros(np.shape(layover), dtype=np.uint8)
    codes[np.asarray(shadow, bool)] = 1
    codes[np.asarray(layover, bool)] = 2
    cmap, norm = style.categorical_colormap(["white", style.OKABE_ITO["blue"],
                                             style.OKABE_ITO["vermillion"]])
    style.image_layer(axes[2], codes, cmap=cmap, norm=norm, extent=extent)
    share = 100 * np.mean(layover), 100 * np.mean(shadow)
    axes[2].set_title(f"layover (red, {share[0]:.1f} %) / shadow (blue, {share[1]:.1f} %)")
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    return fig


def log_ratio_threshold_explorer(change_db: np.ndarray, truth: np.ndarray,
                                 threshold_db: float = -2.0,
                                 direction: str = "decrease") -> tuple[Figure, dict[str, float]]:
    """Widget callback: flag pixels whose change passes a dB threshold and compare with truth.

    Args:
        change_db: 2-D log-ratio change (dB).
        truth: boolean landslide mask on the same grid.
        threshold_db: flag ``change <= threshold`` ("decrease") or ``change >= threshold``
            ("increase"), or ``|change| >= |threshold|`` ("both").
        direction: "decrease", "increase" or "both".

    Returns:
        the figure and ``{"precision", "recall", "flagged_share"}``; precision is NaN
        (undefined) when nothing is flagged.
    """
    change = np.asarray(change_db)
    truth = np.asarray(truth, dtype=bool)
    if change.shape != truth.shape:
        raise ValueError(f"change {change.shape} and truth {truth.shape} must match.")
    with np.errstate(invalid="ignore"):
        if direction == "decrease":
            flagged = change <= threshold_db
        elif direction == "increase":
            flagged = change >= threshold_db
        elif direction == "both":
            flagged = np.abs(change) >= abs(threshold_db)
        else:
            raise ValueError(f"direction must be decrease, increase or both; got {direction!r}.")
    tp = int(np.sum(flagged & truth))
    fp = int(np.sum(flagged & ~truth))
    fn = int(np.sum(~flagged & truth))
    stats = {"precision": tp / (tp + fp) if tp + fp else float("nan"),
             "recall": tp / (tp + fn) if tp + fn else float("nan"),
             "flagged_share": float(np.mean(flagged))}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), constrained_layout=True)
    lim = 6.0
    im = style.image_layer(axes[0], change, "change", vmin=-lim, vmax=lim)
    style.add_colorbar(im, axes[0], "change (dB)", shrink=0.8)
    _outline(axes[0], truth)
    axes[0].set_title("change (dB) with true landslides")
    # The confusion colours of notebook 06 (Okabe-Ito, readable with colour-vision deficiency).
    from matplotlib.colors import to_rgb

    from course_lib.metrics import FN, FP, TN, TP
    from course_lib.viz.evaluation_plots import CONFUSION_COLORS

    rgb = np.empty(change.shape + (3,))
    rgb[...] = to_rgb(CONFUSION_COLORS[TN])
    rgb[flagged & truth] = to_rgb(CONFUSION_COLORS[TP])
    rgb[flagged & ~truth] = to_rgb(CONFUSION_COLORS[FP])
    rgb[~flagged & truth] = to_rgb(CONFUSION_COLORS[FN])
    axes[1].imshow(rgb, interpolation="nearest")
    axes[1].set_title(f"{direction} {threshold_db:+.1f} dB: found (TP) bluish green, false "
                      "alarm (FP) vermillion,\nmissed (FN) blue; "
                      f"precision {stats['precision']:.2f}, recall {stats['recall']:.2f}",
                      fontsize=9)
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    return fig, stats


def binned_means(x: np.ndarray, y: np.ndarray, bins: Sequence[float]) -> np.ndarray:
    """Mean of ``y`` in each bin of ``x`` (NaN-aware); NaN for an empty bin.

    >>> binned_means(np.array([0.5, 1.5, 1.6]), np.array([1.0, 2.0, 4.0]), [0, 1, 2, 3]).tolist()
    [1.0, 3.0, nan]
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x {x.shape} and y {y.shape} must have the same number of values.")
    ok = np.isfinite(x) & np.isfinite(y)
    edges = np.asarray(bins, dtype=np.float64)
    which = np.digitize(x[ok], edges) - 1
    inside = (which >= 0) & (which < len(edges) - 1)
    sums = np.bincount(which[inside], weights=y[ok][inside], minlength=len(edges) - 1)
    counts = np.bincount(which[inside], minlength=len(edges) - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def binned_profile(x: np.ndarray, ys: Mapping[str, np.ndarray], bins: Sequence[float],
                   xlabel: str, ylabel: str, title: str = "") -> tuple[Figure, dict]:
    """Line plot of the binned mean of each ``ys`` array against ``x`` (e.g. dB vs slope angle).

    Returns the figure and ``{name: binned means}`` (bin centres under ``"centres"``).
    """
    edges = np.asarray(bins, dtype=np.float64)
    centres = (edges[:-1] + edges[1:]) / 2
    out: dict[str, np.ndarray] = {"centres": centres}
    fig, ax = plt.subplots(figsize=(7, 3.8), constrained_layout=True)
    for name, y in ys.items():
        out[name] = binned_means(x, y, edges)
        ax.plot(centres, out[name], marker="o", ms=3, label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig, out
