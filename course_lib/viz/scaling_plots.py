"""Plots for notebook 08: the overlap explorer and the speed-up chart.

:func:`overlap_explorer` is the widget callback (a plain function the tests call): it runs a
neighbourhood operation chunk by chunk with :func:`course_lib.scaling.predict_overlapping` at a
given margin and shows where the result differs from running it on the whole image at once.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from matplotlib.figure import Figure

from course_lib import scaling
from course_lib.postprocess import focal_mode
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


def speedup_figure(seconds: Mapping[str, float], baseline: str) -> Figure:
    """Bar chart of wall times with each set-up's speed-up over ``baseline``."""
    if baseline not in seconds:
        raise KeyError(f"baseline {baseline!r} is not one of {list(seconds)}.")
    names = list(seconds)
    values = [seconds[n] for n in names]
    fig = Figure(figsize=(6, 3), layout="constrained")
    ax = fig.subplots()
    bars = ax.barh(names, values, color=[OKABE_ITO["blue"] if n == baseline else
                                         OKABE_ITO["bluish green"] for n in names])
    for bar, name in zip(bars, names):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                f" {seconds[name]:.1f} s (x{seconds[baseline] / seconds[name]:.2f})",
                va="center", fontsize=9)
    ax.set_xlabel("wall time (s)")
    ax.set_xlim(0, max(values) * 1.45)
    ax.invert_yaxis()
    return fig
