"""Figures and the widget callback for notebook 04 (CART on the paper's four input settings).

* :func:`training_points_table` and :func:`plot_training_points`: how the 130 training points
  spread over classes, aspects, elevations and terrain shadow (the paper's sampling rule).
* :func:`plot_tree_figure`: ``sklearn.tree.plot_tree`` of the top of a fitted CART.
* :func:`cart_explorer`: the widget callback (setting, tree depth, points per leaf, focal
  window) returning the figure and the numbers it shows, so tests call it directly.
* :func:`plot_settings_confusion`: the four settings' confusion maps side by side (the paper's
  Figure 6), in the colours of notebook 06 (:mod:`course_lib.viz.evaluation_plots`).
* :func:`speckle_zoom_figure`: Sentinel-1 speckle and the false alarms it causes, on a zoom.

Figures are ``matplotlib.figure.Figure`` objects (not pyplot), shown with ``display(fig)``.
The science is in :mod:`course_lib.cart`; nothing here changes data.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from course_lib import cart as pc, metrics, paper, validation
from course_lib.metrics import FP, ConfusionCounts, Scores
from course_lib.viz import evaluation_plots as ep
from course_lib.viz import style
from course_lib.viz.outlines import draw_outline

__all__ = ["training_points_table", "plot_training_points", "plot_tree_figure", "CartView",
           "cart_explorer", "plot_settings_confusion", "plot_classification_steps",
           "speckle_zoom_figure", "zoom_window",
           "ASPECT_NAMES"]

#: Aspect quadrants, clockwise from north (a slope *facing* north has aspect 315-45 degrees).
ASPECT_NAMES = ("N", "E", "S", "W")

#: One colour per training class (the same as notebook 00's overview map).
POINT_COLORS = style.CLASS_COLORS     # the paper's eight classes, colour-blind safe


def _quadrant(aspect_deg: Any) -> pd.Series:
    aspect = pd.Series(np.asarray(aspect_deg, dtype=float))
    names = np.array(ASPECT_NAMES)
    quadrant = ((aspect.fillna(0) + 45) % 360 // 90).astype(int)
    return pd.Series(np.where(aspect.isna(), "flat", names[quadrant.clip(0, 3)]))


def training_points_table(points: pd.DataFrame, class_column: str = "class_name"
                          ) -> pd.DataFrame:
    """Per class: number of points, how many face N / E / S / W, elevation range, in shadow.

    Args:
        points: the training points (``area["training_points"]``) with ``aspect_deg``,
            ``elevation_m`` and ``in_shadow`` columns.

    Returns:
        One row per class (in the points' order) and a ``total`` row.
    """
    needed = [class_column, "aspect_deg", "elevation_m", "in_shadow"]
    missing = [c for c in needed if c not in points.columns]
    if missing:
        raise ValueError(f"points lacks the columns {missing}; it has {list(points.columns)}.")
    frame = pd.DataFrame({"class": points[class_column].astype(str).to_numpy(),
                          "aspect": _quadrant(points["aspect_deg"]).to_numpy(),
                          "elevation": points["elevation_m"].astype(float).to_numpy(),
                          "shadow": points["in_shadow"].astype(bool).to_numpy()})
    order = list(dict.fromkeys(frame["class"]))
    aspects = pd.crosstab(frame["class"], frame["aspect"]).reindex(
        index=order, columns=list(ASPECT_NAMES), fill_value=0)
    table = pd.DataFrame({"points": frame.groupby("class").size().reindex(order)})
    table = table.join(aspects.add_prefix("facing "))
    grouped = frame.groupby("class")["elevation"]
    table["lowest (m)"] = grouped.min().reindex(order).round(0)
    table["highest (m)"] = grouped.max().reindex(order).round(0)
    table["in shadow"] = frame.groupby("class")["shadow"].sum().reindex(order).astype(int)
    total = table.sum(numeric_only=True)
    total["lowest (m)"] = table["lowest (m)"].min()
    total["highest (m)"] = table["highest (m)"].max()
    table.loc["total"] = total
    return table.astype({c: int for c in table.columns if not c.endswith("(m)")})


def plot_training_points(points: pd.DataFrame, background: Any, *,
                         class_column: str = "class_name", title: str | None = None) -> Figure:
    """The training points on a map, and how they spread over aspect, elevation and shadow.

    Args:
        points: GeoDataFrame of training points (``class_name``, ``aspect_deg``,
            ``elevation_m``, ``in_shadow``, point geometry in the raster's CRS).
        background: a single-band Raster to draw under the points (e.g. the DEM or
            ``area["hillshade"]``).
    """
    from matplotlib.colors import LightSource

    data = validation.as_2d(background, "background").astype(float)
    fig = Figure(figsize=(13, 5.6), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=[1.5, 1, 1])
    ax_map = fig.add_subplot(grid[:, 0])
    shade = LightSource(azdeg=315, altdeg=45).hillshade(
        np.nan_to_num(data, nan=np.nanmedian(data)), dx=background.resolution,
        dy=background.resolution)
    style.image_layer(ax_map, shade, "hillshade", vmin=-0.6, vmax=1.2,
                      extent=background.extent)   # a pale relief, so the points stand out
    classes = list(dict.fromkeys(points[class_column].astype(str)))
    colors = {c: POINT_COLORS.get(c, "#999999") for c in classes}
    xs, ys = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    shadow = points["in_shadow"].astype(bool).to_numpy()
    for name in classes:
        sel = (points[class_column].astype(str) == name).to_numpy()
        ax_map.scatter(xs[sel], ys[sel], s=46 if name == pc.LANDSLIDE_CLASS else 24,
                       c=colors[name], marker="^" if name == pc.LANDSLIDE_CLASS else "o",
                       edgecolors="black", linewidths=0.5, zorder=3,
                       label=f"{name.replace('_', ' ')} ({int(sel.sum())})")
    ax_map.scatter(xs[shadow], ys[shadow], s=120, facecolors="none", edgecolors="black",
                   linewidths=1.0, zorder=2, label="ring: in terrain shadow")
    ax_map.legend(loc="lower left", fontsize=7, framealpha=0.9)
    ax_map.set_title(title or f"{len(points)} training points on the relief")
    style.map_axes(ax_map, background.extent)
    ax_map.tick_params(labelsize="x-small")

    table = training_points_table(points, class_column).drop(index="total")
    ax = fig.add_subplot(grid[0, 1])
    bottom = np.zeros(len(ASPECT_NAMES))
    for name in classes:
        values = table.loc[name, [f"facing {a}" for a in ASPECT_NAMES]].to_numpy(dtype=float)
        ax.bar(ASPECT_NAMES, values, bottom=bottom, color=colors[name], edgecolor="0.3", lw=0.3)
        bottom += values
    ax.set_title("points per slope aspect", fontsize="medium")
    ax.set_ylabel("points")

    ax = fig.add_subplot(grid[1, 1])
    elevation = points["elevation_m"].astype(float)
    for i, name in enumerate(classes):
        values = elevation[(points[class_column].astype(str) == name).to_numpy()]
        jitter = np.linspace(-0.25, 0.25, len(values)) if len(values) > 1 else [0.0]
        ax.scatter(i + np.asarray(jitter), values, s=9, color=colors[name], edgecolors="0.3",
                   linewidths=0.3)
    ax.set_xticks(range(len(classes)), [c.replace("_", " ") for c in classes],
                  fontsize="x-small", rotation=35, ha="right")
    ax.set_ylabel("elevation (m)")
    ax.set_title("elevation of each point", fontsize="medium")

    ax = fig.add_subplot(grid[:, 2])
    share = table["in shadow"] / table["points"]
    ax.barh([c.replace("_", " ") for c in classes], share.reindex(classes) * 100,
            color=[colors[c] for c in classes], edgecolor="0.3", lw=0.3)
    ax.invert_yaxis()
    ax.set_xlabel("% of the class's points in terrain shadow")
    ax.set_title("shadow", fontsize="medium")
    return fig


def plot_tree_figure(classifier: Any, max_depth: int = 2, *, fontsize: int = 8,
                     title: str | None = None) -> Figure:
    """The top ``max_depth`` levels of a fitted CART, drawn by ``sklearn.tree.plot_tree``.

    Each box shows the question (``band <= threshold``), the number of training points that
    reach it, the points per class (``value``) and the majority class. Deeper nodes are drawn
    as "(...)".

    Args:
        classifier: a :class:`course_lib.cart.PixelClassifier` holding a tree.
        max_depth: levels to draw (the tree itself may be deeper).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from sklearn.tree import DecisionTreeClassifier, plot_tree

    estimator = getattr(classifier, "estimator", classifier)
    if not isinstance(estimator, DecisionTreeClassifier):
        raise TypeError(f"plot_tree_figure draws a DecisionTreeClassifier; got "
                        f"{type(estimator).__name__}.")
    shown = min(max_depth, estimator.get_depth())
    fig = Figure(figsize=(max(6.0, 3.2 * 2 ** shown), 1.9 * (shown + 1) + 0.6),
                 layout="constrained")
    FigureCanvasAgg(fig)   # plot_tree measures its boxes, which needs a canvas with a renderer
    ax = fig.subplots()
    plot_tree(estimator, max_depth=max_depth, ax=ax, fontsize=fontsize, filled=True,
              rounded=True, impurity=False,
              feature_names=list(getattr(classifier, "band_names", None) or
                                 [f"x{j}" for j in range(estimator.n_features_in_)]),
              class_names=[str(c) for c in estimator.classes_])
    summary = pc.tree_summary(classifier)
    ax.set_title(title or f"the top {shown} level(s) of a tree {summary.depth} deep with "
                          f"{summary.n_leaves} leaves", fontsize="medium")
    return fig


class CartView(NamedTuple):
    """What :func:`cart_explorer` returns: the figure and the numbers it shows."""

    figure: Figure
    prediction: np.ndarray
    counts: ConfusionCounts
    scores: Scores
    classifier: pc.PixelClassifier


def _paper_cart(setting: int) -> dict[str, float] | None:
    from course_lib.pipeline import predictions as results

    key = ("CART", results.setting_name(setting))
    if key not in paper.PAPER_TABLE4.index:
        return None
    return paper.PAPER_TABLE4.loc[key].to_dict()


def cart_explorer(stacks: Mapping[int, Any] | Callable[[int], Any], table: pd.DataFrame,
                  truth: Any, setting: int = 2, max_depth: int | None = None,
                  min_samples_leaf: int = 1, focal_window: int = 3, *, valid: Any = None,
                  estimator: Any = None, on_nan: str = "drop",
                  title: str | None = None) -> CartView:
    """Widget callback: train a CART for one setting, map the landslides and score the map.

    Args:
        stacks: the input stack of each setting (``{k: layers.setting_layers(k)}``) or a
            function of ``k`` returning it.
        table: the training points sampled from the stack(s) (band columns + ``class_name``);
            one table with all 13 bands serves every setting.
        truth: the landslide mask (Raster or 2-D array, same grid).
        setting: 1-4 (the paper's Table 1).
        max_depth, min_samples_leaf: the tree's limits (None / 1 = grow until pure).
        focal_window: side of the focal mode filter (1 = none).
        valid: the pixels that count (``layers.evaluation_mask(area)``).
        estimator: another scikit-learn classifier instead of the CART (depth and leaf size
            are then ignored).
        on_nan: training points with NaN in this setting's bands: "drop" (with a warning) or
            "raise".

    Returns:
        ``CartView(figure, prediction, counts, scores, classifier)``.
    """
    stack = stacks(setting) if callable(stacks) else stacks[setting]
    model = estimator if estimator is not None else pc.make_cart(
        max_depth=max_depth, min_samples_leaf=min_samples_leaf)
    with warnings.catch_warnings():   # the title says how many points were left out
        warnings.simplefilter("ignore", UserWarning)
        classifier = pc.fit_pixel_classifier(table, stack.band_names, model, on_nan=on_nan)
    used = sum(classifier.n_points.values())
    prediction = classifier.predict_landslides(stack, focal_window=focal_window)
    counts = metrics.confusion_counts(truth, prediction, valid)
    scores = counts.scores()
    codes = metrics.confusion_map(truth, prediction, valid)

    fig = Figure(figsize=(12.5, 5.0), layout="constrained")
    ax_map, ax_bar = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    ep.plot_confusion_map(codes, extent=getattr(stack, "extent", None), ax=ax_map)
    ax_map.tick_params(labelsize="x-small")
    names = ("precision", "recall", "f1", "mcc")
    values = [getattr(scores, n) for n in names]
    x = np.arange(len(names))
    ax_bar.bar(x - 0.2, np.nan_to_num(values) * 100, width=0.4,
               color=[ep.METRIC_COLORS[n] for n in names], label="your CART")
    paper = _paper_cart(setting)
    if paper is not None:
        ax_bar.bar(x + 0.2, [paper[n] * 100 for n in names], width=0.4, color="white",
                   edgecolor="0.3", hatch="//", label="paper's CART (Table 4)")
    for xi, v in zip(x, values):
        ax_bar.text(xi - 0.2, (0 if np.isnan(v) else v * 100) + 1.5, metrics.format_score(v),
                    ha="center", fontsize="small")
    ax_bar.set_xticks(x, ["precision", "recall", "F1", "MCC"])
    ax_bar.set_ylim(0, 105)
    ax_bar.set_ylabel("%")
    ax_bar.legend(loc="upper right", fontsize="small")
    text = scores.format()
    est = classifier.estimator
    if hasattr(est, "get_depth"):
        about = f"tree depth {est.get_depth()}, {est.get_n_leaves()} leaves"
    else:
        about = type(est).__name__
    ax_bar.set_title(f"MCC {text['mcc']}, F1 {text['f1']}, P {text['precision']}, "
                     f"R {text['recall']} (%)", fontsize="medium")
    from course_lib.pipeline import predictions as results

    fig.suptitle(title or f"setting {setting}: {results.setting_name(setting)}; {about}; "
                          f"focal window {focal_window}; trained on {used} of {len(table)} "
                          "points")
    return CartView(fig, prediction, counts, scores, classifier)


def plot_settings_confusion(codes: Mapping[str, np.ndarray], scores: Mapping[str, Scores], *,
                            extent: Sequence[float] | None = None,
                            suptitle: str | None = None) -> Figure:
    """Confusion maps side by side, one per setting (the paper's Figure 6), with the scores.

    Args:
        codes: name -> confusion codes from :func:`course_lib.metrics.confusion_map`.
        scores: name -> :class:`course_lib.metrics.Scores` of the same maps.
        extent: ``imshow`` extent (map coordinates) shared by all panels.
    """
    n = len(codes)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(5.2 * ncols + 2.4, 4.6 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, (name, code) in zip(axes, codes.items()):
        ep.plot_confusion_map(code, extent=extent, ax=ax, legend=False)
        s = scores[name].format()
        ax.set_title(f"{name}\nMCC {s['mcc']} | P {s['precision']} | R {s['recall']} (%)",
                     fontsize="medium")
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[n:]:
        ax.set_axis_off()
    ep.confusion_legend(axes[ncols - 1], counts=None)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def zoom_window(region: Any, transform: Any, shape: tuple[int, int]
                ) -> tuple[slice, slice, list[float]]:
    """Row and column slices (and the ``imshow`` extent) of a polygon's bounding box.

    Args:
        region: a shapely geometry, e.g. one subplot of ``area["subplots"]``.
    """
    return ep._region_window(region, transform, shape)


def speckle_zoom_figure(vv_pre: np.ndarray, vv_post: np.ndarray,
                        codes: Mapping[str, np.ndarray], window: tuple[slice, slice, Any], *,
                        units: str = "dB", title: str | None = None) -> Figure:
    """Why Sentinel-1 alone gives a pixel classifier many false alarms: speckle, on a zoom.

    Panels: pre- and post-event VV on the zoom (same colour scale), then the confusion map of
    each named setting on the same zoom, titled with its false-alarm count there.

    Args:
        vv_pre, vv_post: 2-D backscatter of the whole area (as the classifier saw it).
        codes: name -> confusion codes of the whole area (e.g. settings 3 and 2).
        window: ``(rows, cols, extent)`` from :func:`zoom_window`.
    """
    rows, cols, extent = window
    pre, post = (np.asarray(a)[rows, cols] for a in (vv_pre, vv_post))
    finite = np.concatenate([pre[np.isfinite(pre)], post[np.isfinite(post)]])
    vmin, vmax = np.percentile(finite, [2, 98]) if finite.size else (0, 1)
    n = 2 + len(codes)
    fig = Figure(figsize=(3.6 * n + 1.6, 4.2), layout="constrained")
    axes = fig.subplots(1, n)
    for ax, image, name in ((axes[0], pre, "pre-VV"), (axes[1], post, "post-VV")):
        im = style.image_layer(ax, image, "db", vmin=vmin, vmax=vmax, extent=extent)
        ax.set_title(f"{name} ({units})", fontsize="medium")
    style.add_colorbar(im, list(axes[:2]), f"VV backscatter ({units})", shrink=0.8)
    for ax, (name, code) in zip(axes[2:], codes.items()):
        zoom = np.asarray(code)[rows, cols]
        ep.plot_confusion_map(zoom, extent=extent, ax=ax, legend=False)
        ax.set_title(f"{name}\n{int(np.count_nonzero(zoom == FP)):,} false alarms here",
                     fontsize="medium")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    ep.confusion_legend(axes[-1], counts=None)
    if title:
        fig.suptitle(title)
    return fig


def plot_classification_steps(classes: np.ndarray, class_names: Sequence[str],
                              binary: np.ndarray, cleaned: np.ndarray,
                              window: tuple[slice, slice, Any], *, truth: Any = None,
                              landslide_class: str = pc.LANDSLIDE_CLASS,
                              focal_window: int | None = None) -> Figure:
    """The paper's three last steps on a zoom: eight classes, merged to binary, focal mode.

    Args:
        classes: class codes from :meth:`PixelClassifier.predict_classes` (NaN = nodata).
        class_names: the classifier's :attr:`~PixelClassifier.classes` (code order).
        binary: the merged map (1 landslide, 0 not, NaN); ``cleaned``: after the filter.
        window: ``(rows, cols, extent)`` from :func:`zoom_window`.
        truth: optional landslide mask, outlined in black on every panel.
    """
    from matplotlib.patches import Patch

    rows, cols, extent = window
    fig = Figure(figsize=(15, 4.8), layout="constrained")
    axes = fig.subplots(1, 3)
    colors = [POINT_COLORS.get(c, "#999999") for c in class_names]
    cmap, norm = style.categorical_colormap(colors)
    style.image_layer(axes[0], np.asarray(classes, dtype=float)[rows, cols], cmap=cmap,
                      norm=norm, extent=extent)
    axes[0].legend(handles=[Patch(facecolor=c, edgecolor="0.3", linewidth=0.4,
                                  label=n.replace("_", " "))
                            for c, n in zip(colors, class_names)] + [style.nodata_patch()],
                   fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes[0].set_title(f"1. {len(class_names)} classes, pixel by pixel", fontsize="medium")
    binary_cmap, binary_norm = style.categorical_colormap(
        ["#f2f2f2", POINT_COLORS[pc.LANDSLIDE_CLASS]])
    for ax, image, label in ((axes[1], binary, f"2. merged: {landslide_class} or not"),
                             (axes[2], cleaned, "3. focal mode" + (
                                 f" ({focal_window} x {focal_window})" if focal_window else ""))):
        zoom = np.asarray(image)[rows, cols]
        style.image_layer(ax, zoom.astype(float), cmap=binary_cmap, norm=binary_norm,
                          extent=extent)
        ax.set_title(f"{label}: {int(np.nansum(zoom)):,} landslide px", fontsize="medium")
    if truth is not None:
        mask = validation.as_2d(truth, "truth")[rows, cols] == 1
        for ax in axes:
            draw_outline(ax, mask, extent, color="black", linewidth=0.7)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("From classes to a landslide map (black outlines: the true landslides; "
                 "orchid pixels: no data)")
    return fig
