"""Figures for notebook 01's cloud masking, and the callbacks of its widgets.

Every function is a plain function that returns a matplotlib Figure (and numbers where the
notebook reports them); the notebook wraps it in ipywidgets and the tests call it directly.
Images are band-first ``(bands, rows, cols)`` reflectance; masks are boolean ``(rows, cols)``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from course_lib.clouds import CloudMasks, CloudShadowResult, s2cloudless_mask
from course_lib.viz import style
from course_lib.viz.outlines import draw_outline

#: Mask colours (Okabe-Ito yellow and blue, snow light grey, no data in the course's no-data
#: colour): apart for colour-blind readers (``tests/test_figures.py``).
MASK_COLOURS = {"cloud": "#F0E442", "shadow": "#0072B2", "snow": "#CCCCCC",
                "nodata": style.NODATA_COLOR, "clear": "#009E73"}


def rgb_image(bands: np.ndarray, low: float = 2, high: float = 98) -> np.ndarray:
    """A displayable ``(rows, cols, 3)`` image from band-first ``(3, rows, cols)`` reflectance.

    One pair of percentiles for all three channels keeps the colour balance; NaN shows black.

    >>> rgb_image(np.ones((3, 2, 2))).shape
    (2, 2, 3)
    """
    bands = np.asarray(bands, dtype=np.float32)
    if bands.ndim != 3 or bands.shape[0] != 3:
        raise ValueError(f"rgb_image needs (3, rows, cols); got {bands.shape}.")
    finite = bands[np.isfinite(bands)]
    if finite.size == 0:
        return np.zeros(bands.shape[1:] + (3,), dtype=np.float32)
    lo, hi = np.percentile(finite, [low, high])
    scaled = (bands - lo) / (hi - lo) if hi > lo else np.zeros_like(bands)
    return np.moveaxis(np.nan_to_num(np.clip(scaled, 0, 1)), 0, -1)


#: Longest side, in pixels, of an image shown in a figure panel: more is invisible on screen
#: and only costs memory (a 1024 x 1024 RGBA overlay in float would be 16 MB per panel).
DISPLAY_PIXELS = 512


def thumbnail(image: np.ndarray, max_pixels: int = DISPLAY_PIXELS) -> np.ndarray:
    """Every n-th row and column of a ``(rows, cols, ...)`` image so the longer side fits.

    For display only (the numbers the figures report use full resolution). The result is a
    small copy, so a figure never keeps the full-size array alive.

    >>> thumbnail(np.zeros((1024, 600, 3)), 512).shape
    (512, 300, 3)
    """
    step = max(1, int(np.ceil(max(image.shape[0], image.shape[1]) / max_pixels)))
    return np.ascontiguousarray(image[::step, ::step]) if step > 1 else image


def _overlay(ax, mask: np.ndarray, colour: str, alpha: float = 0.6, extent=None) -> None:
    mask = thumbnail(np.asarray(mask, dtype=bool))
    layer = np.zeros(mask.shape + (4,), dtype=np.uint8)
    layer[mask] = [int(colour[i:i + 2], 16) for i in (1, 3, 5)] + [int(255 * alpha)]
    ax.imshow(layer, extent=extent, interpolation="nearest")


def _clean_axes(axes) -> None:
    for ax in np.ravel(axes):
        ax.set_xticks([])
        ax.set_yticks([])


def s2cloudless_explorer(probability: np.ndarray, rgb: np.ndarray, threshold: float = 0.4,
                         average_over: int = 4, dilation_size: int = 2,
                         pixel_size: float = 60.0, extent=None) -> tuple[Figure, float]:
    """The s2cloudless mask for one set of parameters, and the cloud fraction it gives.

    The widget callback of notebook 01: the probability is computed once with the real model
    (:func:`course_lib.clouds.s2cloudless_probability`); this function only re-runs the
    post-processing (averaging, threshold, dilation), which takes milliseconds.

    Args:
        probability: ``(rows, cols)`` cloud probability 0-1.
        rgb: ``(rows, cols, 3)`` display image (see :func:`rgb_image`).
        threshold, average_over, dilation_size: as in :func:`course_lib.clouds.s2cloudless_mask`
            (sizes in pixels).
        pixel_size: metres, to show the averaging and dilation radii on the ground.
        extent: optional ``plt.imshow`` extent.

    Returns:
        ``(figure, cloud_fraction)`` with the fraction of pixels masked as cloud (0-1).
    """
    probability = np.asarray(probability)
    if probability.ndim != 2 or rgb.shape[:2] != probability.shape:
        raise ValueError(f"probability {probability.shape} must be (rows, cols) and match the "
                         f"image {rgb.shape[:2]}.")
    mask = s2cloudless_mask(probability, threshold, average_over, dilation_size)
    fraction = float(mask.mean())
    fig = Figure(figsize=(12, 3.6))
    axes = fig.subplots(1, 3)
    style.image_layer(axes[0], thumbnail(rgb), extent=extent)
    axes[0].set_title("true colour (B04, B03, B02)")
    im = style.image_layer(axes[1], thumbnail(probability), "probability", extent=extent)
    style.add_colorbar(im, axes[1], "cloud probability", fraction=0.046)
    draw_outline(axes[1], thumbnail(probability), extent, "white", 0.6, level=threshold)
    axes[1].set_title(f"s2cloudless probability (white: {threshold:.2f})")
    style.image_layer(axes[2], thumbnail(rgb), extent=extent)
    _overlay(axes[2], mask, MASK_COLOURS["cloud"], 0.65, extent)
    axes[2].set_title(f"mask: {100 * fraction:.1f} % cloud")
    _clean_axes(axes)
    fig.suptitle(f"threshold {threshold:.2f}, averaging disk {average_over} px "
                 f"({average_over * pixel_size:.0f} m), dilation {dilation_size} px "
                 f"({dilation_size * pixel_size:.0f} m)", fontsize=10)
    fig.tight_layout()
    return fig, fraction


def cloud_fraction_curve(probability: np.ndarray, thresholds: Sequence[float] | None = None,
                         average_over: int = 4, dilation_size: int = 2) -> tuple[Figure, dict]:
    """Cloud fraction against threshold, with and without the averaging and dilation.

    Returns:
        ``(figure, {"thresholds": ..., "raw": ..., "post_processed": ...})``.
    """
    thresholds = np.linspace(0.1, 0.9, 17) if thresholds is None else np.asarray(thresholds)
    prob = np.asarray(probability)
    raw = [float(np.mean(np.nan_to_num(prob) > t)) for t in thresholds]
    post = [float(s2cloudless_mask(prob, float(t), average_over, dilation_size).mean())
            for t in thresholds]
    fig = Figure(figsize=(5.5, 3.5))
    ax = fig.subplots()
    ax.plot(thresholds, raw, "o-", label="probability > threshold")
    ax.plot(thresholds, post, "s-", label=f"+ averaging {average_over}, dilation {dilation_size}")
    ax.set_xlabel("threshold")
    ax.set_ylabel("cloud fraction")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig, {"thresholds": thresholds, "raw": raw, "post_processed": post}


def shadow_projection_figure(rgb: np.ndarray, result: CloudShadowResult,
                             solar_azimuth: float, title: str = "", extent=None) -> Figure:
    """The Earth Engine tutorial's shadow steps side by side: cloud, projection, dark, result.

    Args:
        rgb: ``(rows, cols, 3)`` display image.
        result: from :func:`course_lib.clouds.cloud_shadow_mask`.
        solar_azimuth: degrees clockwise from north (an arrow shows where shadows fall).
    """
    fig = Figure(figsize=(12, 6.4))
    axes = fig.subplots(2, 3)
    panels = [
        ("image", None, None),
        ("cloud", result.cloud, MASK_COLOURS["cloud"]),
        ("cloud projected away from the sun", result.projection, "#E69F00"),
        ("dark pixels (NIR < 0.15, not water)", result.dark, "#CC79A7"),
        ("shadow = projection and dark", result.shadow, MASK_COLOURS["shadow"]),
        ("final mask (eroded, then buffered)", result.mask, "#D55E00"),
    ]
    for ax, (name, mask, colour) in zip(axes.ravel(), panels):
        style.image_layer(ax, thumbnail(rgb), extent=extent)
        if mask is not None:
            _overlay(ax, mask, colour, 0.6, extent)
            name = f"{name}: {100 * mask.mean():.1f} %"
        ax.set_title(name, fontsize=9)
    # Arrow: direction in which shadows fall (away from the sun), in axes coordinates.
    away = np.radians(solar_azimuth + 180)
    dx, dy = 0.12 * np.sin(away), 0.12 * np.cos(away)
    axes[0, 2].annotate("", xy=(0.5 + dx, 0.5 + dy), xytext=(0.5, 0.5),
                        xycoords="axes fraction",
                        arrowprops=dict(arrowstyle="->", color="white", lw=2))
    _clean_axes(axes)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def mask_overlay_figure(rgb: np.ndarray, masks: CloudMasks, title: str = "",
                        extent=None) -> Figure:
    """An image beside the same image with cloud, shadow, snow and nodata painted on it."""
    if masks.cloud.ndim != 2:
        raise ValueError("mask_overlay_figure shows one date: pass masks of shape (rows, cols).")
    fig = Figure(figsize=(11, 4.6))
    axes = fig.subplots(1, 2)
    style.image_layer(axes[0], thumbnail(rgb), extent=extent)
    axes[0].set_title("image")
    style.image_layer(axes[1], thumbnail(rgb), extent=extent)
    for name in ("nodata", "snow", "shadow", "cloud"):
        _overlay(axes[1], getattr(masks, name), MASK_COLOURS[name], 0.75, extent)
    fractions = masks.fractions()
    axes[1].legend(handles=[Patch(facecolor=MASK_COLOURS[n], edgecolor="0.3", linewidth=0.5,
                                  label=f"{n} {100 * fractions[n]:.1f} %")
                            for n in ("cloud", "shadow", "snow", "nodata")],
                   loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    axes[1].set_title(f"masked: {100 * (1 - fractions['clear']):.1f} %")
    _clean_axes(axes)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _as_datetimes(dates: Sequence) -> np.ndarray | None:
    """``dates`` as ``datetime64[D]``, or None when they are plain labels."""
    try:
        values = np.asarray([np.datetime64(str(d)[:10], "D") for d in dates])
    except ValueError:
        return None
    return values


def mask_timeline_figure(dates: Sequence, masks: CloudMasks, title: str = "") -> Figure:
    """Stacked bars: fraction of cloud, shadow, snow, nodata and clear pixels per date.

    Dates (``datetime64``, ``date`` or ISO strings) are placed on a time axis, so gaps between
    acquisitions show as gaps; other labels are spaced evenly.

    Args:
        dates: one date (or label) per time step.
        masks: :class:`~course_lib.clouds.CloudMasks` of shape ``(time, rows, cols)``.
    """
    if masks.cloud.ndim != 3 or len(dates) != masks.cloud.shape[0]:
        raise ValueError(f"{len(dates)} dates for masks of shape {masks.cloud.shape}.")
    order = ("cloud", "shadow", "snow", "nodata")
    parts: dict[str, np.ndarray] = {}
    # A pixel counted once, in the first class it belongs to, so the bars add up to 1.
    taken = np.zeros(masks.cloud.shape, dtype=bool)
    for n in order:
        only = getattr(masks, n) & ~taken
        parts[n] = only.mean(axis=(1, 2))
        taken |= only
    parts["clear"] = (~taken).mean(axis=(1, 2))
    when = _as_datetimes(dates)
    if when is not None:
        from matplotlib import dates as mdates

        x = mdates.date2num(when.astype("datetime64[s]").astype(object))
        span = float(x.max() - x.min()) if len(x) > 1 else 1.0
        gaps = np.diff(np.sort(x))
        gaps = gaps[gaps > 0]
        bar = 0.8 * float(gaps.min()) if gaps.size else 1.0
        bar_width = max(bar, span / 400)     # visible even for dates a day apart
    else:
        x = np.arange(len(dates), dtype=float)
        bar_width = 0.85
    width = max(4.0, min(14.0, 0.12 * len(dates) + 3))
    fig = Figure(figsize=(width, 3.4))
    ax = fig.subplots()
    bottom = np.zeros(len(dates))
    for n in order + ("clear",):
        ax.bar(x, parts[n], bottom=bottom, color=MASK_COLOURS[n], label=n, width=bar_width)
        bottom += parts[n]
    if when is not None:
        locator = mdates.AutoDateLocator(maxticks=12)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel("acquisition date (bars placed in time)")
    else:
        step = max(1, len(dates) // 12)
        ax.set_xticks(x[::step])
        ax.set_xticklabels([str(d) for d in list(dates)[::step]], rotation=45, ha="right",
                           fontsize=8)
    ax.set_ylabel("fraction of pixels")
    ax.set_ylim(0, 1)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
