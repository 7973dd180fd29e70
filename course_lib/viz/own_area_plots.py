"""Plots and the widget callback of notebook 10 ("your own area"): the landslide map over the
image, which of the learner's points decide it, and how many clicks a map needs.

Colours: the confusion codes of :mod:`course_lib.viz.evaluation_plots` (Okabe-Ito: found
bluish green, false alarm vermillion, missed blue) and the labelling map's class colours.
Figures are ``matplotlib.figure.Figure`` objects (no pyplot state), shown with ``display``.
The widget callback :func:`clicks_explorer` is a plain function the tests call.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from course_lib import cart, metrics
from course_lib.metrics import FN, FP, TP, Scores
from course_lib.validation import as_2d
from course_lib.viz import evaluation_plots as ep
from course_lib.viz.labelling_map import class_colours, class_label

__all__ = ["TRUE_COLOUR", "landslide_rgba", "true_colour", "plot_map_over_image",
           "plot_leaves", "ClicksView", "first_clicks", "clicks_explorer"]

#: The bands and stretch of the true-colour background (reflectance 0-0.25).
TRUE_COLOUR = (("post-R", "post-G", "post-B"), 0.25)
#: Colour of a landslide pixel when there is no truth to compare with.
MAPPED = "#D55E00"


def landslide_rgba(prediction: Any, truth: Any = None, valid: Any = None) -> np.ndarray:
    """An RGBA uint8 image of a landslide map for drawing over an image: with a truth, found
    (TP), false alarm (FP) and missed (FN) pixels in notebook 06's colours; without one, the
    mapped pixels in vermillion. Everything else is transparent."""
    pred = as_2d(prediction, "prediction")
    rgba = np.zeros(pred.shape + (4,), dtype=np.uint8)
    if truth is None:
        paint = {MAPPED: np.nan_to_num(pred) == 1}
    else:
        codes = metrics.confusion_map(truth, pred, valid)
        paint = {ep.CONFUSION_COLORS[c]: codes == c for c in (TP, FP, FN)}
    for colour, where in paint.items():
        rgba[where] = np.round(np.array(to_rgba(colour)) * 255).astype(np.uint8)
    return rgba


def true_colour(stack: Any, bands: Sequence[str] = TRUE_COLOUR[0],
                vmax: float = TRUE_COLOUR[1]) -> np.ndarray:
    """``(rows, cols, 3)`` float RGB in 0-1 of three bands of ``stack`` (NaN shown black)."""
    rgb = np.dstack([stack.band(b) for b in bands])
    return np.clip(np.nan_to_num(rgb) / vmax, 0, 1)


def _window(window: Any, shape: tuple[int, int]) -> tuple[slice, slice]:
    """Row and column slices of ``window`` (``cart_plots.zoom_window``'s result, or two
    slices); the whole area for None."""
    if window is None:
        return slice(0, shape[0]), slice(0, shape[1])
    return window[0], window[1]


def plot_map_over_image(stack: Any, prediction: Any, *, truth: Any = None, valid: Any = None,
                        points: Any = None, zoom: tuple[slice, slice] | None = None,
                        title: str | None = None) -> Figure:
    """The landslide map over the true-colour image: the whole area and a zoom.

    Args:
        stack: the layers (with ``post-R``, ``post-G``, ``post-B``).
        prediction: the binary map (1 / 0 / NaN) on the stack's grid.
        truth, valid: optional reference mask and the pixels that count: the map is then
            drawn as found / false alarm / missed.
        points: optional training points (``class_name``, ``row``, ``col``), drawn in the
            labelling map's class colours.
        zoom: ``(row slice, col slice)`` of the right panel (``cart_plots.zoom_window`` of
            a subplot; default: the whole area).
    """
    rgb = true_colour(stack)
    overlay = landslide_rgba(prediction, truth, valid)
    fig = Figure(figsize=(13, 6.2), layout="constrained")
    axes = fig.subplots(1, 2)
    colours = class_colours()
    for ax, window, name in ((axes[0], None, "whole area"), (axes[1], zoom, "zoom")):
        rows, cols = _window(window, rgb.shape[:2])
        extent = (cols.start - 0.5, cols.stop - 0.5, rows.stop - 0.5, rows.start - 0.5)
        ax.imshow(rgb[rows, cols], extent=extent, interpolation="nearest")
        ax.imshow(overlay[rows, cols], extent=extent, interpolation="nearest")
        if points is not None and len(points):
            inside = ((points["row"] >= rows.start) & (points["row"] < rows.stop)
                      & (points["col"] >= cols.start) & (points["col"] < cols.stop))
            for cls, group in points[inside].groupby("class_name", sort=False):
                ax.scatter(group["col"], group["row"], s=18 if window is None else 40,
                           c=colours.get(cls, "#777777"), edgecolors="white", linewidths=0.6,
                           label=class_label(cls))
        ax.set_title(name, fontsize="medium")
        ax.set_xlabel("column")
        ax.set_ylabel("row")
    if truth is not None:
        codes = metrics.confusion_map(truth, prediction, valid)
        ep.confusion_legend(axes[1], codes=(TP, FP, FN), counts=codes)
    if points is not None and len(points):
        axes[0].legend(loc="upper left", bbox_to_anchor=(0, -0.1), ncol=4, fontsize="small",
                       frameon=False)
    fig.suptitle(title or "your landslide map over the post-event image")
    return fig


def plot_leaves(report: Any, points: Any, stack: Any, *, top: int = 6,
                title: str | None = None) -> Figure:
    """Which points decide the landslide pixels (:func:`course_lib.cart.leaves.leaf_report`).

    Left: the image with the landslide training points, each as large as the number of
    pixels its leaf decides and, with a truth, coloured by that leaf's precision. Right: the
    pixels of each landslide leaf, split into found and false alarms when a truth was given.

    Args:
        report: the :class:`~course_lib.cart.leaves.LeafReport`.
        points: the training points (``label_id``, ``class_name``, ``row``, ``col``).
        stack: the layers, for the background.
        top: leaves shown on the right.
    """
    fig = Figure(figsize=(13, 5.6), layout="constrained")
    ax_map, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    ax_map.imshow(true_colour(stack), interpolation="nearest")
    leaves = report.leaves
    by_point = {p: leaf for leaf, ps in leaves["points"].items() for p in ps}
    slides = points[points["class_name"] == "landslide"]
    pixels = np.array([leaves.loc[by_point[i], "pixels"] if i in by_point else 0
                       for i in slides["label_id"]], dtype=float)
    size = 15 + 400 * pixels / max(pixels.max(), 1)
    has_truth = "precision" in leaves.columns
    if has_truth:
        precision = np.array([leaves.loc[by_point[i], "precision"] if i in by_point else np.nan
                              for i in slides["label_id"]])
        art = ax_map.scatter(slides["col"], slides["row"], s=size, c=precision, cmap="cividis",
                             vmin=0, vmax=1, edgecolors="k", linewidths=0.6)
        fig.colorbar(art, ax=ax_map, shrink=0.7, label="precision of the point's leaf")
    else:
        ax_map.scatter(slides["col"], slides["row"], s=size, c=MAPPED, edgecolors="k",
                       linewidths=0.6)
    for leaf in leaves.index[:top]:
        for p in leaves.loc[leaf, "points"]:
            row = slides[slides["label_id"] == p]
            if len(row):
                ax_map.annotate(f"#{p}", (row["col"].iloc[0], row["row"].iloc[0]),
                                xytext=(4, 4), textcoords="offset points", fontsize="x-small",
                                color="white")
    ax_map.set_title("your landslide points, sized by the pixels their leaf decides",
                     fontsize="medium")
    shown = leaves.head(top)
    names = [", ".join(f"#{p}" for p in ps[:4]) + (" ..." if len(ps) > 4 else "")
             for ps in shown["points"]]
    y = np.arange(len(shown))[::-1]
    if has_truth:
        ax_bar.barh(y, shown["true"], color=ep.CONFUSION_COLORS[TP], label="found (TP)")
        ax_bar.barh(y, shown["false_alarms"], left=shown["true"], color=ep.CONFUSION_COLORS[FP],
                    label="false alarms (FP)")
        ax_bar.legend(loc="lower right", fontsize="small")
    else:
        ax_bar.barh(y, shown["pixels"], color=MAPPED)
    ax_bar.set_yticks(y, [f"leaf {leaf}: {n}" for leaf, n in zip(shown.index, names)],
                      fontsize="small")
    ax_bar.set_xlabel("landslide pixels the leaf decides (before the focal mode)")
    fig.suptitle(title or "which of your points the tree relied on")
    return fig


class ClicksView(NamedTuple):
    """What :func:`clicks_explorer` shows and computed."""

    figure: Figure
    prediction: np.ndarray
    scores: Scores | None
    n_points: dict[str, int]


def first_clicks(table: pd.DataFrame, points_per_class: int,
                 order_column: str = "label_id") -> pd.DataFrame:
    """The first ``points_per_class`` points of every class, in drawing order."""
    ordered = table.sort_values(order_column, kind="stable") if order_column in table else table
    return ordered.groupby("class_name", sort=False).head(int(points_per_class))


def clicks_explorer(table: pd.DataFrame, stack: Any, points_per_class: int = 16,
                    focal_window: int = 3, *, truth: Any = None, valid: Any = None,
                    reference: Scores | None = None, reference_name: str = "130 provided points",
                    background: Any = None) -> ClicksView:
    """Widget callback: a CART trained on the learner's first ``points_per_class`` points of
    each class (as if they had stopped clicking there), its map and, with a truth, its scores.

    Args:
        table: the learner's training table (band columns, ``class_name``, ``label_id``).
        stack: the setting's stack (its bands are the features).
        points_per_class: points of each class used, the first ones drawn.
        focal_window: side of the focal mode filter.
        truth, valid: optional reference mask and pixels that count.
        reference: scores of another map for comparison (e.g. the provided points').
        background: layers with ``post-R``, ``post-G``, ``post-B`` to draw the map over
            (default ``stack``; black when it has none).
    """
    used = first_clicks(table, points_per_class)
    n_points = used["class_name"].value_counts().to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            _, prediction = cart.classify_stack(used, stack, focal_window=focal_window,
                                                on_nan="drop")
        except ValueError as err:       # e.g. no landslide point among the first ones
            prediction = np.full(stack.shape, np.nan, dtype=np.float32)
            message = str(err)
        else:
            message = ""
    scores = metrics.evaluate(truth, prediction, valid) if truth is not None and not message \
        else None
    fig = Figure(figsize=(12.5, 5.0), layout="constrained")
    ax_map, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1]})
    image = background if background is not None else stack
    ax_map.imshow(true_colour(image) if "post-R" in image.band_names else
                  np.zeros(stack.shape + (3,)), interpolation="nearest")
    ax_map.imshow(landslide_rgba(prediction, truth, valid), interpolation="nearest")
    ax_map.set_title(f"{sum(n_points.values())} points: first {points_per_class} per class, "
                     f"focal window {focal_window}", fontsize="medium")
    if message:
        ax_bar.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
        ax_bar.set_axis_off()
    elif scores is None:
        ax_bar.text(0.5, 0.5, f"{int(np.nansum(prediction)):,} landslide pixels\n(no truth "
                    "here to score them)", ha="center", va="center")
        ax_bar.set_axis_off()
    else:
        names = ("precision", "recall", "f1", "mcc")
        x = np.arange(len(names))
        values = [getattr(scores, n) for n in names]
        ax_bar.bar(x - 0.2, np.nan_to_num(values) * 100, width=0.4,
                   color=[ep.METRIC_COLORS[n] for n in names], label="your points")
        if reference is not None:
            ax_bar.bar(x + 0.2, [np.nan_to_num(getattr(reference, n)) * 100 for n in names],
                       width=0.4, color="white", edgecolor="0.3", hatch="//",
                       label=reference_name)
        for xi, v in zip(x, values):
            ax_bar.text(xi - 0.2, np.nan_to_num(v) * 100 + 1.5, metrics.format_score(v),
                        ha="center", fontsize="small")
        ax_bar.set_xticks(x, ["precision", "recall", "F1", "MCC"])
        ax_bar.set_ylim(0, 105)
        ax_bar.set_ylabel("%")
        ax_bar.legend(loc="upper right", fontsize="small")
        ep.confusion_legend(ax_map, codes=(TP, FP, FN))
    fig.suptitle("how many clicks does the map need?")
    return ClicksView(fig, prediction, scores, n_points)
