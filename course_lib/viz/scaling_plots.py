"""Plots for notebook 08: the overlap explorer, the speed-up chart and the maps of the mosaic.

:func:`overlap_explorer` is the widget callback (a plain function the tests call): it runs a
neighbourhood operation chunk by chunk with :func:`course_lib.scaling.predict_overlapping` at a
given margin and shows where the result differs from running it on the whole image at once.
:func:`speedup_figure` compares wall times (and peak memory), :func:`mosaic_maps_figure` draws
the dNDVI and the landslide map of the mosaic in map coordinates, no data in its own colour.
Colours: the Okabe-Ito palette, no data in the course's no-data colour
(:mod:`course_lib.viz.style`).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from course_lib import scaling
from course_lib.postprocess import focal_mode
from course_lib.viz import style
from course_lib.viz.evaluation_plots import OKABE_ITO


def overlap_explorer(image: np.ndarray, chunk: int = 64, depth: int = 0,
                     size: int = 5) -> tuple[Figure, dict[str, Any]]:
    """Chunked focal majority with a margin of ``depth`` pixels vs the whole-image result.

    Args:
        image: a 0/1 map ``(rows, cols)`` (NaN = no data), e.g. a thresholded dNDVI.
        chunk: chunk size in pixels.
        depth: margin read from neighbouring chunks.
        size: the majority window (reach ``size // 2`` pixels).

    Returns:
        ``(figure, numbers)`` with ``differing_pixels`` (0 when the margin covers the reach)
        and ``reach``.
    """
    import dask.array as da

    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"image must be (rows, cols); got shape {image.shape}.")
    if not isinstance(chunk, (int, np.integer)) or chunk < 8:
        raise ValueError(f"chunk must be an int of at least 8 pixels; got {chunk!r}.")
    whole = focal_mode(image, size)
    tiled = scaling.predict_overlapping(lambda t: focal_mode(t[0], size)[None],
                                        da.from_array(image[None], chunks=(1, chunk, chunk)),
                                        depth=depth, boundary="none"
                                        ).compute(scheduler="synchronous")[0]
    differ = ~((whole == tiled) | (np.isnan(whole) & np.isnan(tiled)))
    numbers = {"differing_pixels": int(differ.sum()), "reach": size // 2, "depth": depth,
               "chunks": int(np.ceil(image.shape[0] / chunk) * np.ceil(image.shape[1] / chunk))}
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, data, title in ((axes[0], whole, "whole image at once"),
                            (axes[1], tiled, f"chunks of {chunk}, margin {depth}")):
        ax.imshow(data, cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=10)
    axes[2].imshow(differ, cmap="Reds", vmin=0, vmax=1, interpolation="nearest")
    for edge in range(chunk, max(image.shape), chunk):
        axes[2].axhline(edge - 0.5, color=OKABE_ITO["blue"], lw=0.6)
        axes[2].axvline(edge - 0.5, color=OKABE_ITO["blue"], lw=0.6)
    axes[2].set_xlim(-0.5, image.shape[1] - 0.5)
    axes[2].set_ylim(image.shape[0] - 0.5, -0.5)
    axes[2].set_title(f"{numbers['differing_pixels']} pixels differ (reach {size // 2})",
                      fontsize=10)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, numbers


#: The memory the course allows itself on Binder (a session has 2 GB in all).
BINDER_BUDGET_MB = 1500

#: Colour of pixels without data (never clear): the course's no-data colour.
NODATA_COLOR = style.NODATA_COLOR


def speedup_figure(seconds: Mapping[str, float], baseline: str,
                   memory_mb: Mapping[str, float] | None = None) -> Figure:
    """Bar chart of wall times with each set-up's speed-up over ``baseline``; optionally memory.

    Args:
        seconds: wall time of each set-up, e.g. ``{"one process": 14.1, "2 workers": 9.4}``.
        baseline: the set-up the others are compared with (a key of ``seconds``).
        memory_mb: optional peak memory of each set-up (all its processes), drawn in a second
            panel next to the course's Binder budget (:data:`BINDER_BUDGET_MB`).
    """
    if not isinstance(seconds, Mapping) or not seconds:
        raise TypeError(f"seconds must be a dict of wall times by set-up, e.g. {{'one process':"
                        f" 14.1, '2 workers': 9.4}}; got {type(seconds).__name__}.")
    if baseline not in seconds:
        raise KeyError(f"baseline {baseline!r} is not one of {list(seconds)}.")
    bad = [name for name, value in seconds.items()
           if not isinstance(value, (int, float, np.number)) or not value > 0]
    if bad:
        raise ValueError(f"seconds must be positive numbers; {bad} are not.")
    if memory_mb is not None and set(memory_mb) != set(seconds):
        raise ValueError(f"memory_mb must name the same set-ups as seconds ({list(seconds)}); "
                         f"got {list(memory_mb)}.")
    names = list(seconds)
    colors = [OKABE_ITO["blue"] if n == baseline else OKABE_ITO["bluish green"] for n in names]
    fig = Figure(figsize=(10 if memory_mb else 6, 3), layout="constrained")
    axes = fig.subplots(1, 2 if memory_mb else 1, squeeze=False)[0]
    ax = axes[0]
    values = [float(seconds[n]) for n in names]
    bars = ax.barh(names, values, color=colors)
    for bar, name in zip(bars, names):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                f" {seconds[name]:.1f} s (x{seconds[baseline] / seconds[name]:.2f})",
                va="center", fontsize=9)
    ax.set_xlabel("wall time (s)")
    ax.set_xlim(0, max(values) * 1.45)
    ax.invert_yaxis()
    if memory_mb:
        ax = axes[1]
        mem = [float(memory_mb[n]) for n in names]
        bars = ax.barh(names, mem, color=colors)
        for bar, value in zip(bars, mem):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.0f} MB",
                    va="center", fontsize=9)
        ax.axvline(BINDER_BUDGET_MB, color=OKABE_ITO["vermillion"], ls="--", lw=1)
        ax.text(BINDER_BUDGET_MB, -0.6, " Binder budget", color=OKABE_ITO["vermillion"],
                fontsize=8, va="bottom")
        ax.set_xlabel("peak memory, all processes (MB)")
        ax.set_xlim(0, max(max(mem), BINDER_BUDGET_MB) * 1.3)
        ax.set_yticks([])
        ax.invert_yaxis()
    return fig


def mosaic_maps_figure(maps: Any, factor: int = 1, step: int = 1) -> Figure:
    """dNDVI and the cleaned landslide map of a (mosaicked) area, in map coordinates.

    Args:
        maps: a :class:`~course_lib.data.raster.Raster` with bands ``dNDVI`` and
            ``landslide_cleaned`` (e.g. ``Raster.from_xarray`` of the computed
            ``scaling.landslide_graph``).
        factor: the mosaic's factor: its seams are drawn as dashed lines.
        step: draw every ``step``-th pixel along each axis (a 2048-pixel map on a screen
            of 800 pixels loses nothing with 2 or 3).

    Returns:
        the figure; NaN (no clear observation) is drawn in the no-data colour and named in
        the legend.
    """
    if not hasattr(maps, "band") or not hasattr(maps, "extent"):
        raise TypeError(f"maps must be a Raster with bands 'dNDVI' and 'landslide_cleaned' "
                        f"(Raster.from_xarray of the computed graph); got {type(maps).__name__}.")
    if not isinstance(step, (int, np.integer)) or step < 1:
        raise ValueError(f"step must be a positive int (every step-th pixel); got {step!r}.")
    left, right, bottom, top = (v / 1000 for v in maps.extent)
    crs = f"EPSG:{maps.crs.to_epsg()}" if getattr(maps, "crs", None) is not None else "map units"
    extent = (left, right, bottom, top)
    fig = Figure(figsize=(11, 5), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True, sharey=True)
    change = maps.band("dNDVI")[::step, ::step]
    im = style.image_layer(axes[0], change, "change", vmin=-0.6, vmax=0.6, extent=extent)
    fig.colorbar(im, ax=axes[0], shrink=0.7, label="dNDVI")
    axes[0].set_title("dNDVI (post - pre)", fontsize=10)
    classes, norm = style.categorical_colormap(["#E5E5E5", OKABE_ITO["vermillion"]])
    style.image_layer(axes[1], maps.band("landslide_cleaned")[::step, ::step], cmap=classes,
                      norm=norm, extent=extent)
    axes[1].set_title("landslide map after the focal mode", fontsize=10)
    handles = [Patch(facecolor=OKABE_ITO["vermillion"], label="landslide"),
               Patch(facecolor="#E5E5E5", edgecolor="0.6", label="not landslide"),
               Patch(facecolor=NODATA_COLOR, label="no data (never clear)")]
    if factor > 1:
        handles.append(Line2D([], [], color=OKABE_ITO["orange"], ls="--",
                              label="seam of the mirrored mosaic"))
    axes[1].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                   fontsize="small", frameon=False)
    width, height = (right - left) / factor, (top - bottom) / factor
    for ax in axes:
        for k in range(1, factor):
            ax.axvline(left + k * width, color=OKABE_ITO["orange"], lw=0.8, ls="--")
            ax.axhline(top - k * height, color=OKABE_ITO["orange"], lw=0.8, ls="--")
        ax.set_xlabel(f"easting (km, {crs})")
    axes[0].set_ylabel(f"northing (km, {crs})")
    shown = "every pixel" if step == 1 else "every second pixel" if step == 2 else \
        f"one pixel in {step} along each axis"
    fig.suptitle(f"The x{factor} mosaic (simulated; {shown} drawn)", fontsize=11)
    return fig
