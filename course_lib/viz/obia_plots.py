"""Plots and the segmentation explorer for notebook 03 (SALaD-style OBIA).

The widget callback :func:`segmentation_explorer` is a plain function returning a matplotlib
Figure and the segmentation, so the tests call it directly and the notebook wraps it with
``ipywidgets``. Figures are ``matplotlib.figure.Figure`` objects (not ``pyplot``), so a slider
that redraws many times does not pile up open figures: show one with ``display(fig)``.
Colours follow the Okabe-Ito palette (see :mod:`course_lib.viz.evaluation_plots`).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from skimage.segmentation import find_boundaries

from course_lib.obia.scale import POFResult
from course_lib import validation
from course_lib.obia.segmentation import Segmentation, segment, to_uint8
from course_lib.viz import style
from course_lib.viz.evaluation_plots import OKABE_ITO
from course_lib.viz.outlines import draw_outline

#: Segment boundaries (thin yellow lines) and mapped landslides (sky blue) on every OBIA map.
BOUNDARY_COLOUR = "#FFFF00"
TRUTH_COLOUR = OKABE_ITO["sky blue"]

__all__ = ["display_rgb", "boundary_overlay", "plot_segments", "segment_edges",
           "SegmentationView",
           "segmentation_explorer",
           "compare_segmentations", "plot_pof", "plot_importances", "plot_probability_map"]


def display_rgb(image: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """A 0-1 float display image from ``(rows, cols, 3)`` bands, stretched like the
    segmentation input (:func:`course_lib.obia.segmentation.to_uint8`); invalid pixels NaN
    (drawn in the course's no-data colour by :func:`course_lib.viz.style.image_layer`)."""
    out = to_uint8(image, valid).astype(np.float32) / 255.0
    invalid = ~np.isfinite(np.asarray(image, dtype=np.float64)).all(axis=-1)
    if valid is not None:
        invalid |= ~np.asarray(valid, dtype=bool)
    out[invalid] = np.nan
    return out


def boundary_overlay(rgb: np.ndarray, labels: np.ndarray, colour: str = "#FFFF00",
                     truth: np.ndarray | None = None,
                     truth_colour: str = OKABE_ITO["sky blue"],
                     boundary_alpha: float = 0.5) -> np.ndarray:
    """An RGB float image (0-1) with segment boundaries (and optionally truth outlines) drawn.

    Boundaries are blended with the image (``boundary_alpha``), so that an over-segmented
    image, where nearly every pixel is a boundary, still shows what lies under it; the truth
    outline is drawn last, opaque and two pixels wide, in a colour unlike the boundaries'.

    Args:
        rgb: ``(rows, cols, 3)`` display image, 0-1 floats or uint8.
        labels: segment raster (0 = no segment, shown dark).
        colour: boundary colour.
        truth: optional binary landslide mask; its outline is drawn in ``truth_colour``.
        truth_colour: colour of the landslide outlines (Okabe-Ito sky blue).
        boundary_alpha: opacity of the boundaries (0-1).
    """
    from matplotlib.colors import to_rgb

    image = np.asarray(rgb, dtype=np.float64)
    if image.max() > 1.0:
        image = image / 255.0
    image = np.nan_to_num(image.copy())
    image[labels == 0] *= 0.3
    edges = find_boundaries(labels, mode="inner") & (labels > 0)
    image[edges] = ((1 - boundary_alpha) * image[edges]
                    + boundary_alpha * np.asarray(to_rgb(colour)))
    if truth is not None:
        outline = find_boundaries(np.asarray(truth) == 1, mode="thick")
        image[outline] = to_rgb(truth_colour)
    return image


def plot_segments(rgb: np.ndarray, labels: np.ndarray, ax: Any = None, title: str = "",
                  truth: np.ndarray | None = None, extent: Sequence[float] | None = None) -> Any:
    """Draw segment boundaries over the image on ``ax`` (a new Figure when None).

    The image is drawn whole (no data in the no-data colour) and the boundaries as thin lines
    along the pixel edges between segments, so even an over-segmented image stays visible;
    the mapped landslides are outlined in sky blue, and a legend says which line is which.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    if ax is None:
        ax = Figure(figsize=(6, 6), layout="constrained").subplots()
    labels = validation.as_array(labels, "labels", ndim=2)
    image = np.asarray(rgb, dtype=np.float32)
    style.image_layer(ax, image / 255.0 if np.nanmax(image) > 1.0 else image, extent=extent,
                      nodata_key=False)
    ax.add_collection(LineCollection(segment_edges(labels, extent), colors=BOUNDARY_COLOUR,
                                     linewidths=0.4, alpha=0.8))
    handles = [Line2D([], [], color=BOUNDARY_COLOUR, lw=1.5, label="segment boundaries")]
    if truth is not None:
        draw_outline(ax, np.asarray(truth) == 1, extent, color=TRUTH_COLOUR, linewidth=1.4)
        handles.append(Line2D([], [], color=TRUTH_COLOUR, lw=1.5, label="mapped landslides"))
    if not np.isfinite(image).all():
        handles.append(style.nodata_patch())
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.6, facecolor="0.5",
              labelcolor="white")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def segment_edges(labels: np.ndarray, extent: Sequence[float] | None = None) -> np.ndarray:
    """The pixel edges between different segments, as line segments for a ``LineCollection``.

    Runs of edges along one row or column are merged into one segment. Coordinates follow
    ``imshow``: ``extent`` (left, right, bottom, top) or, without it, pixel centres at integer
    coordinates (row 0 at the top). Edges between two no-data pixels (label 0) are left out.

    Returns:
        ``(n, 2, 2)`` array of ``((x0, y0), (x1, y1))``.

    >>> segment_edges(np.array([[1, 2], [1, 2]])).tolist()
    [[[0.5, -0.5], [0.5, 1.5]]]
    """
    labels = np.asarray(labels)
    rows, cols = labels.shape
    left, right, bottom, top = extent if extent is not None else (
        -0.5, cols - 0.5, rows - 0.5, -0.5)
    dx, dy = (right - left) / cols, (bottom - top) / rows

    def runs(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # edges: (lines, length) booleans; returns line index, run start, run end
        padded = np.pad(edges.astype(np.int8), ((0, 0), (1, 1)))
        step = np.diff(padded, axis=1)
        line, start = np.nonzero(step == 1)
        _, end = np.nonzero(step == -1)
        return line, start, end

    def differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a != b) & ((a > 0) | (b > 0))

    col, r0, r1 = runs(differ(labels[:, 1:], labels[:, :-1]).T)   # vertical edges
    row, c0, c1 = runs(differ(labels[1:], labels[:-1]))            # horizontal edges
    x = left + (col + 1) * dx
    y = top + (row + 1) * dy
    vertical = np.stack([np.stack([x, top + r0 * dy], -1), np.stack([x, top + r1 * dy], -1)], 1)
    horizontal = np.stack([np.stack([left + c0 * dx, y], -1),
                           np.stack([left + c1 * dx, y], -1)], 1)
    return np.concatenate([vertical, horizontal]).astype(np.float64)


class SegmentationView(NamedTuple):
    """What the explorer shows: the figure and the segmentation behind it."""

    figure: Figure
    segmentation: Segmentation

    @property
    def n_segments(self) -> int:
        """Number of segments."""
        return self.segmentation.n_segments


def segmentation_explorer(image: np.ndarray, rgb: np.ndarray, *, method: str = "mean-shift",
                          range_radius: float = 16, spatial_radius: float = 10,
                          min_size: int = 10, valid: np.ndarray | None = None,
                          truth: np.ndarray | None = None) -> SegmentationView:
    """Segment ``image`` and show the boundaries over ``rgb`` with the segment count.

    The callback of notebook 03's segmentation widget.

    Args:
        image: ``(rows, cols, 3)`` input of :func:`course_lib.obia.segmentation.segment`.
        rgb: display image of the same size (0-1 floats or uint8).
        method, range_radius, spatial_radius, min_size, valid: passed to ``segment``.
        truth: optional landslide mask, outlined in sky blue.
    """
    seg = segment(image, method, range_radius=range_radius, spatial_radius=spatial_radius,
                  min_size=min_size, valid=valid)
    sizes = np.bincount(seg.labels.ravel())[1:]
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    ax_map, ax_hist = fig.subplots(1, 2, width_ratios=[1.4, 1])
    plot_segments(rgb, seg.labels, ax_map, truth=truth,
                  title=f"{method}: {seg.n_segments:,} segments ({seg.seconds:.1f} s)")
    ax_hist.hist(sizes, bins=np.logspace(0, np.log10(max(sizes.max(), 10)) + 0.1, 30),
                 color=OKABE_ITO["blue"])
    ax_hist.set_xscale("log")
    ax_hist.set_xlabel("segment size (pixels)")
    ax_hist.set_ylabel("segments")
    ax_hist.set_title(f"segment sizes: median {np.median(sizes):.0f} px", fontsize=9)
    return SegmentationView(fig, seg)


def compare_segmentations(rgb: np.ndarray, segmentations: Mapping[str, np.ndarray],
                          truth: np.ndarray | None = None) -> Figure:
    """Side-by-side boundaries of several label rasters (e.g. over- vs under-segmentation)."""
    if not segmentations:
        raise ValueError("compare_segmentations needs at least one label raster.")
    fig = Figure(figsize=(5 * len(segmentations), 5.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(segmentations)))
    for ax, (name, labels) in zip(axes, segmentations.items()):
        plot_segments(rgb, labels, ax, truth=truth,
                      title=f"{name}: {int(labels.max()):,} segments")
    return fig


def plot_pof(result: POFResult) -> Figure:
    """The plateau objective function: normalised v and I, their sum F, the chosen radius."""
    table = result.table
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    x = table["range_radius"]
    ax.plot(x, table["v_norm"], "o-", color=OKABE_ITO["sky blue"],
            label="variance, normalised (1 = most uniform segments)")
    ax.plot(x, table["i_norm"], "s-", color=OKABE_ITO["orange"],
            label="Moran's I, normalised (1 = neighbours most different)")
    ax.plot(x, table["objective"], "D-", color=OKABE_ITO["black"], label="F = sum of both")
    ax.axhline(result.threshold, color="grey", ls="--", lw=1, label="max(F) - std(F)")
    ax.axvline(result.chosen, color=OKABE_ITO["vermillion"], lw=2,
               label=f"chosen range radius {result.chosen:g}")
    ax.set_xlabel("range radius (8-bit units)")
    ax.set_ylabel("normalised score")
    ax.legend(fontsize=8, loc="best")
    ax.set_title("Plateau objective function (Johnson and Xie 2011; SALaD)", fontsize=10)
    return fig


def plot_importances(table: pd.DataFrame) -> Figure:
    """Impurity and permutation importances side by side (rows: features)."""
    order = table.sort_values("permutation").index
    fig = Figure(figsize=(10, 0.35 * len(order) + 1.5), layout="constrained")
    ax_imp, ax_perm = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(order))
    ax_imp.barh(y, table.loc[order, "impurity"], color=OKABE_ITO["sky blue"])
    ax_imp.set_yticks(y, order)
    ax_imp.set_title("impurity (training data)", fontsize=10)
    ax_perm.barh(y, table.loc[order, "permutation"], xerr=table.loc[order, "permutation_std"],
                 color=OKABE_ITO["orange"])
    ax_perm.set_title("permutation: drop in MCC (held-out data)", fontsize=10)
    ax_perm.axvline(0, color="k", lw=0.8)
    return fig


def plot_probability_map(probability: np.ndarray, truth: np.ndarray | None = None,
                         extent: Sequence[float] | None = None, split_x: float | None = None,
                         title: str = "", held_out: np.ndarray | None = None) -> Figure:
    """The landslide probability of every segment, with truth outlines and the split.

    Args:
        probability: per pixel, NaN = nodata.
        truth: the reference mask, outlined in sky blue.
        extent: the raster's extent, for map coordinates.
        split_x: x of a north-south split line (dashed), if the split is one.
        title: the title.
        held_out: boolean mask of the held-out pixels (e.g. ``split.region("test")``),
            outlined in white: the blocks the forest never trained on.
    """
    from matplotlib.lines import Line2D

    fig = Figure(figsize=(7.4, 6.2), layout="constrained")
    ax = fig.subplots()
    im = style.image_layer(ax, probability, "probability", extent=extent)
    handles = []
    if truth is not None:
        draw_outline(ax, np.asarray(truth) == 1, extent, color=TRUTH_COLOUR, linewidth=0.6)
        handles.append(Line2D([], [], color=TRUTH_COLOUR, lw=1.5, label="mapped landslides"))
    if split_x is not None:
        ax.axvline(split_x, color="white", ls="--", lw=1.0)
        handles.append(Line2D([], [], color="white", ls="--", lw=1.5, label="split"))
    if held_out is not None:
        draw_outline(ax, np.asarray(held_out, bool), extent, color="white", linewidth=0.8,
                     linestyle=(0, (4, 2)))
        handles.append(Line2D([], [], color="white", ls=(0, (4, 2)), lw=1.5,
                              label="held-out blocks"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8,
                   facecolor="0.45", labelcolor="white", framealpha=1.0)
    style.add_colorbar(im, ax, "landslide probability", shrink=0.8)
    style.map_axes(ax, extent)
    ax.set_title(title, fontsize=10)
    return fig
