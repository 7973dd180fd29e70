"""Plots for notebook 06: confusion maps, the threshold explorer, and the comparison chart.

Colours come from the Okabe-Ito palette (Okabe and Ito 2008, *Color Universal Design*,
https://jfly.uni-koeln.de/color/), chosen to stay distinguishable for the common forms of
colour-vision deficiency: true positives bluish green, false positives vermillion, false
negatives blue, true negatives light grey, nodata black.

Each widget callback is a plain function returning a matplotlib Figure and the numbers shown,
so the tests call it directly and the notebook wraps it with ``ipywidgets``. Figures are made
with ``matplotlib.figure.Figure`` (not ``pyplot``), so a slider that redraws many times does not
pile up open figures: show one with ``display(fig)``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from course_lib import metrics, validation
from course_lib.metrics import FN, FP, NODATA, TN, TP, ConfusionCounts, Scores
from course_lib.viz import style

#: The Okabe-Ito palette (Okabe and Ito 2008; :data:`course_lib.viz.style.OKABE_ITO`).
OKABE_ITO: dict[str, str] = style.OKABE_ITO

#: Colour of each confusion code (see :data:`course_lib.metrics.CONFUSION_CODES`).
CONFUSION_COLORS: dict[int, str] = {
    TN: "#E5E5E5",                     # neutral light grey: the background, not a finding
    FP: OKABE_ITO["vermillion"],
    FN: OKABE_ITO["blue"],
    TP: OKABE_ITO["bluish green"],
    NODATA: style.NODATA_COLOR,        # the course's no-data colour, in every figure
}

#: Legend label of each confusion code.
CONFUSION_LABELS: dict[int, str] = {
    TP: "TP: landslide found", FP: "FP: false alarm", FN: "FN: landslide missed",
    TN: "TN: correctly no landslide", NODATA: "no data (cloud, outside)",
}

METRIC_COLORS: dict[str, str] = {
    "precision": OKABE_ITO["orange"], "recall": OKABE_ITO["sky blue"],
    "f1": OKABE_ITO["reddish purple"], "mcc": OKABE_ITO["black"],
}


def confusion_colormap() -> tuple[ListedColormap, BoundaryNorm]:
    """A colormap and norm that draw codes 0-3 and 255 in :data:`CONFUSION_COLORS`."""
    codes = [TN, FP, FN, TP, NODATA]
    cmap = ListedColormap([CONFUSION_COLORS[c] for c in codes])
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5, 255.5], cmap.N)
    return cmap, norm


def confusion_folium_style(opacity: float = 0.9) -> dict[str, Any]:
    """Style for ``course_lib.viz.maps.layer_map``: TP, FP, FN coloured; TN and nodata clear."""
    return {"colors": {code: CONFUSION_COLORS[code] for code in (TP, FP, FN)},
            "opacity": opacity}


def confusion_legend(ax: Axes, codes: Sequence[int] = (TP, FP, FN, TN, NODATA),
                     counts: np.ndarray | None = None, **kwargs: Any) -> None:
    """Add a legend of confusion colours to ``ax`` (with pixel counts if ``counts`` given)."""
    handles = []
    for code in codes:
        label = CONFUSION_LABELS[code]
        if counts is not None:
            label += f" ({int(np.count_nonzero(counts == code)):,} px)"
        handles.append(Patch(facecolor=CONFUSION_COLORS[code], edgecolor="0.4", label=label))
    ax.legend(handles=handles, **{"loc": "upper left", "bbox_to_anchor": (1.01, 1.0),
                                  "fontsize": "small", "frameon": False, **kwargs})


def plot_confusion_map(codes: np.ndarray, *, extent: Sequence[float] | None = None,
                       ax: Axes | None = None, title: str | None = None,
                       legend: bool = True, with_counts: bool = True) -> Figure:
    """Show a confusion map (codes from :func:`course_lib.metrics.confusion_map`)."""
    codes = validation.as_2d(codes, "codes")
    if ax is None:
        fig = Figure(figsize=(7.5, 5), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    cmap, norm = confusion_colormap()
    style.image_layer(ax, codes, cmap=cmap, norm=norm, extent=extent)
    if extent is not None:
        style.map_axes(ax, extent)
    if title:
        ax.set_title(title)
    if legend:
        confusion_legend(ax, counts=codes if with_counts else None)
    return fig


def _region_window(geometry: Any, transform: Any, shape: tuple[int, int]
                   ) -> tuple[slice, slice, list[float]]:
    """Row/column slices covering a polygon's bounds, and the matching imshow extent."""
    from rasterio.windows import from_bounds

    window = from_bounds(*geometry.bounds, transform=transform).round_offsets().round_lengths()
    r0, c0 = max(int(window.row_off), 0), max(int(window.col_off), 0)
    r1 = min(r0 + int(window.height), shape[0])
    c1 = min(c0 + int(window.width), shape[1])
    x0, y0 = transform @ (c0, r0)
    x1, y1 = transform @ (c1, r1)
    return slice(r0, r1), slice(c0, c1), [min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)]


def plot_confusion_maps_by_region(codes: np.ndarray, regions: Any, transform: Any, *,
                                  name_column: str = "name", scores: Any = None,
                                  suptitle: str | None = None) -> Figure:
    """The whole confusion map with the regions outlined, then one zoomed panel per region.

    Args:
        codes: confusion codes ``(rows, cols)``.
        regions: GeoDataFrame of named boxes (e.g. the study area's subplots A-D).
        transform: the grid's affine transform.
        scores: optional DataFrame from :func:`course_lib.metrics.metrics_by_region`; each
            panel's title then shows its MCC, precision and recall ("-" = undefined).
        suptitle: a title for the whole figure.
    """
    codes = validation.as_2d(codes, "codes")
    rows, cols = codes.shape
    x0, y0 = transform @ (0, 0)
    x1, y1 = transform @ (cols, rows)
    extent = [min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)]
    n = len(regions) + 1
    ncols = min(n, 3)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.2 * ncols, 4.0 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    cmap, norm = confusion_colormap()

    def title_for(name: str) -> str:
        if scores is None or name not in scores.index:
            return name
        row = scores.loc[name]
        s = Scores(**{k: float(row[k]) for k in ("precision", "recall", "f1", "mcc",
                                                  "accuracy")}).format()
        return f"{name}\nMCC {s['mcc']} | P {s['precision']} | R {s['recall']} (%)"

    ax = axes.flat[0]
    ax.imshow(codes, cmap=cmap, norm=norm, interpolation="nearest", extent=extent)
    for name, geom in zip(regions[name_column], regions.geometry):
        bx0, by0, bx1, by1 = geom.bounds
        # black boxes, labels on white: no colour of the confusion key (orange is near FP)
        ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, fill=False, lw=1.5,
                               ec="black"))
        ax.text(bx0, by1, f"{name}", color="black", va="bottom", ha="left",
                fontweight="bold", fontsize="small",
                bbox={"facecolor": "white", "edgecolor": "black", "pad": 1.5, "lw": 0.5})
    ax.set_title(title_for(metrics.WHOLE_AREA))
    for ax, name, geom in zip(axes.flat[1:], regions[name_column], regions.geometry):
        rs, cs, sub_extent = _region_window(geom, transform, codes.shape)
        ax.imshow(codes[rs, cs], cmap=cmap, norm=norm, interpolation="nearest",
                  extent=sub_extent)
        ax.set_title(title_for(str(name)))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    confusion_legend(axes.flat[n - 1] if n == nrows * ncols else axes.flat[n], counts=None,
                     loc="center left" if n < nrows * ncols else "upper left",
                     bbox_to_anchor=(0.0, 0.5) if n < nrows * ncols else (1.01, 1.0))
    if suptitle:
        fig.suptitle(suptitle)
    return fig


class ThresholdView(NamedTuple):
    """What :func:`threshold_explorer` returns: the figure and the numbers it shows."""

    figure: Figure
    counts: ConfusionCounts
    scores: Scores


def threshold_explorer(score: Any, truth: Any, threshold: float, *, above: bool = False,
                       valid: Any = None, thresholds: Sequence[float] | None = None,
                       extent: Sequence[float] | None = None,
                       score_name: str = "dNDVI") -> ThresholdView:
    """Threshold a score map and show how precision, recall, F1 and MCC trade off.

    Left: the confusion map of ``score <= threshold`` (``above=False``, e.g. dNDVI, which
    drops on fresh landslides) or ``score >= threshold`` (``above=True``, e.g. a probability).
    Right: the four scores against the threshold (undefined values leave gaps), with the chosen
    threshold marked.

    Args:
        score: 2-D score map (NaN = nodata).
        truth: binary truth on the same grid.
        threshold: the threshold to show.
        above: predict landslide above (True) or below (False) the threshold.
        valid: optional boolean mask of pixels that count.
        thresholds: where to draw the curves (default: 61 values between the 1st and 99th
            percentiles of the score, plus ``threshold``).
        extent: ``plt.imshow`` extent for map coordinates.
        score_name: the score's name for labels.

    Returns:
        ``ThresholdView(figure, counts, scores)`` at ``threshold``.
    """
    s = validation.as_2d(score, "score").astype(np.float64)
    if thresholds is None:
        finite = s[np.isfinite(s)]
        if finite.size == 0:
            raise ValueError("The score map has no finite value to threshold.")
        lo, hi = np.percentile(finite, [1, 99])
        thresholds = np.linspace(lo, hi, 61)
    grid = np.unique(np.append(np.asarray(thresholds, dtype=float), threshold))
    sweep = metrics.threshold_sweep(s, truth, grid, above=above, valid=valid)
    curves = {name: np.array([getattr(c.scores(), name) for c in sweep])
              for name in ("precision", "recall", "f1", "mcc")}
    counts = sweep[int(np.searchsorted(grid, threshold))]
    scores = counts.scores()

    predicted = np.where(np.isnan(s), np.nan, (s >= threshold) if above else (s <= threshold))
    codes = metrics.confusion_map(truth, predicted, valid)

    fig = Figure(figsize=(12, 4.8), layout="constrained")
    ax_map, ax_curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    rule = ">=" if above else "<="
    plot_confusion_map(codes, extent=extent, ax=ax_map,
                       title=f"landslide where {score_name} {rule} {threshold:.3g}")
    ax_map.tick_params(labelsize="x-small")
    for name, values in curves.items():
        ax_curve.plot(grid, values, color=METRIC_COLORS[name], lw=2.2 if name == "mcc" else 1.4,
                      label=name.upper() if name in ("mcc", "f1") else name)
    ax_curve.axvline(threshold, color="0.4", ls="--", lw=1)
    text = scores.format(percent=True)
    ax_curve.set_title(f"at {threshold:.3g}: MCC {text['mcc']}, F1 {text['f1']}, "
                       f"P {text['precision']}, R {text['recall']} (%)", fontsize="medium")
    ax_curve.set_xlabel(f"threshold on {score_name}")
    ax_curve.set_ylabel("score")
    ax_curve.set_ylim(-0.05, 1.05)
    ax_curve.grid(alpha=0.3)
    ax_curve.legend(loc="best", fontsize="small")
    return ThresholdView(fig, counts, scores)


def plot_comparison(table: Any, metric: str = "mcc", *, title: str | None = None) -> Figure:
    """Bars of the course's and the paper's scores per method and setting.

    Args:
        table: DataFrame from :func:`course_lib.pipeline.predictions.compare_with_paper` (columns
            ``course <metric>`` and ``paper <metric>``, index (method, setting)).
        metric: which score to draw.

    Missing or undefined values are marked "-" on the axis instead of drawn as 0.
    """
    course, paper = table[f"course {metric}"].astype(float), table[f"paper {metric}"].astype(float)
    labels = [f"{m}\n{s}" for m, s in table.index]
    y = np.arange(len(labels))
    fig = Figure(figsize=(8, 0.45 * len(labels) + 1.2), layout="constrained")
    ax = fig.subplots()
    ax.barh(y - 0.2, course.fillna(0) * 100, height=0.4, color=OKABE_ITO["blue"],
            label="this course (simulated area)")
    ax.barh(y + 0.2, paper.fillna(0) * 100, height=0.4, color=OKABE_ITO["orange"],
            label="paper, Table 4 (Jølster)")
    for yi, c, p in zip(y, course, paper):
        for offset, v in ((-0.2, c), (0.2, p)):
            ax.text((0 if np.isnan(v) else v * 100) + 1, yi + offset,
                    metrics.format_score(v), va="center", fontsize="small")
    ax.set_yticks(y, labels, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(min(0, np.nanmin(np.r_[course.values, paper.values, 0]) * 100) - 2, 105)
    ax.set_xlabel(f"{metric.upper() if metric in ('mcc', 'f1') else metric} (%)")
    fig.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    ax.set_title(title or f"{metric.upper()}: course vs paper ('-' = not run or undefined)")
    return fig


def plot_runs(runs: Any, *, metric: str = "MCC", title: str | None = None) -> Figure:
    """Every run's score as a dot, one row per contender, one marker per kind of run.

    Args:
        runs: ``{kind: DataFrame}``, e.g. ``{"tree seed": by_seed, "resampled points":
            by_points}``, each one row per run and one column per contender (fractions).
        metric: the score's name, for the axis.
        title: the figure title.

    The mean of all runs of a contender is a black tick: the spread shows how much one run
    can be trusted.
    """
    import pandas as pd

    if not isinstance(runs, dict) or not runs or not all(
            isinstance(t, pd.DataFrame) for t in runs.values()):
        raise TypeError("runs must be a dict of kind -> DataFrame (one row per run, one column "
                        f"per contender); got {validation.describe(runs)}.")
    names = list(dict.fromkeys(c for t in runs.values() for c in t.columns))
    fig = Figure(figsize=(7.5, 0.55 * len(names) + 1.4), layout="constrained")
    ax = fig.subplots()
    markers = ("o", "s", "^", "D")
    colours = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish green"],
               OKABE_ITO["reddish purple"])
    offsets = np.linspace(-0.15, 0.15, len(runs)) if len(runs) > 1 else [0.0]
    for (kind, table), dy, marker, colour in zip(runs.items(), offsets, markers, colours):
        for i, name in enumerate(names):
            if name not in table:
                continue
            values = table[name].astype(float).dropna().to_numpy() * 100
            ax.scatter(values, np.full(values.size, i + dy), marker=marker, s=22, alpha=0.7,
                       color=colour, label=kind if i == 0 else None)
    for i, name in enumerate(names):
        every = np.concatenate([t[name].astype(float).dropna().to_numpy() for t in runs.values()
                                if name in t]) * 100
        if every.size:
            ax.plot([every.mean()] * 2, [i - 0.3, i + 0.3], color="black", lw=2)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} (%), one mark per run; black: mean")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    ax.set_title(title or f"{metric} of every run")
    return fig


def plot_fair_race(table: Any, *, title: str | None = None) -> Figure:
    """The methods on the same held-out pixels, with their spread, the whole-area score and the
    paper's.

    Args:
        table: DataFrame indexed by (method, setting) with fractions in columns
            ``held-out mcc`` and optionally ``runs min`` / ``runs max`` (the range over seeds,
            drawn as a whisker), ``whole-area mcc`` (drawn as a hollow diamond: includes
            training areas) and ``paper mcc`` (an orange bar: the paper's Table 4, whole area).
        title: the figure title.

    Undefined (NaN) values are not drawn.
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or "held-out mcc" not in table.columns:
        raise TypeError("table must be a DataFrame with a 'held-out mcc' column, indexed by "
                        f"(method, setting); got {validation.describe(table)}.")
    labels = ([f"{m}\n{s}" for m, s in table.index] if table.index.nlevels == 2
              else [str(i) for i in table.index])
    y = np.arange(len(labels))
    fig = Figure(figsize=(8.5, 0.55 * len(labels) + 1.5), layout="constrained")
    ax = fig.subplots()
    held = table["held-out mcc"].astype(float).to_numpy() * 100
    ax.barh(y - 0.18, np.nan_to_num(held), height=0.36, color=OKABE_ITO["blue"],
            label="held-out pixels (this course)")
    if {"runs min", "runs max"} <= set(table.columns):
        low = table["runs min"].astype(float).to_numpy() * 100
        high = table["runs max"].astype(float).to_numpy() * 100
        ok = np.isfinite(low) & np.isfinite(high) & (high > low)
        ax.hlines(y[ok] - 0.18, low[ok], high[ok], color="black", lw=2,
                  label="range over the runs tried")
    if "whole-area mcc" in table.columns:
        whole = table["whole-area mcc"].astype(float).to_numpy() * 100
        ok = np.isfinite(whole)
        ax.scatter(whole[ok], y[ok] - 0.18, marker="D", s=40, facecolors="white",
                   edgecolors="black", zorder=3, label="whole area (includes training areas)")
    if "paper mcc" in table.columns:
        paper = table["paper mcc"].astype(float).to_numpy() * 100
        ok = np.isfinite(paper)
        ax.barh(y[ok] + 0.18, paper[ok], height=0.36, color=OKABE_ITO["orange"],
                label="paper, Table 4 (whole area, its own split)")
    for yi, v in zip(y, held):
        ax.text((0 if np.isnan(v) else max(v, 0)) + 1, yi - 0.18, metrics.format_score(v / 100),
                va="center", fontsize="small")
    ax.set_yticks(y, labels, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(min(0, np.nanmin(np.r_[held, 0])) - 2, 105)
    ax.set_xlabel("MCC (%)")
    fig.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    ax.set_title(title or "Every method on the same held-out pixels")
    return fig


def plot_worlds(worlds: Any, *, title: str | None = None) -> Figure:
    """Land cover of several simulated worlds side by side, landslides and test blocks outlined.

    Args:
        worlds: ``{name: (landcover codes (rows, cols), truth 0/1, test-block mask)}``; the
            panels share one colour key (:data:`course_lib.viz.style.LANDCOVER_COLORS`).
        title: the figure title.
    """
    from course_lib.simulator import LANDCOVER_CLASSES
    from course_lib.viz.outlines import draw_outline

    if not isinstance(worlds, dict) or not worlds:
        raise TypeError("worlds must be a dict of name -> (landcover, truth, test blocks); got "
                        f"{validation.describe(worlds)}.")
    codes = sorted(LANDCOVER_CLASSES)
    colours = {c: style.LANDCOVER_COLORS[LANDCOVER_CLASSES[c]] for c in codes}
    cmap, norm = style.categorical_colormap([colours[c] for c in codes], codes)
    fig = Figure(figsize=(4.2 * len(worlds), 4.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(worlds)))
    for ax, (name, (landcover, truth, test)) in zip(axes, worlds.items()):
        style.image_layer(ax, np.asarray(landcover), cmap=cmap, norm=norm)
        draw_outline(ax, np.asarray(truth) == 1, None, color=style.LANDSLIDE_COLOR,
                     linewidth=0.9)
        draw_outline(ax, np.asarray(test, bool), None, color="black", linewidth=1.6)
        ax.set_title(f"{name}\n{np.shape(landcover)[0]} x {np.shape(landcover)[1]} px",
                     fontsize="small")
        ax.set_axis_off()
    handles = [Patch(facecolor=colours[c], edgecolor="k", linewidth=0.3,
                     label=LANDCOVER_CLASSES[c].replace("_", " ")) for c in codes]
    handles += [Patch(facecolor="none", edgecolor=style.LANDSLIDE_COLOR, label="landslides"),
                Patch(facecolor="none", edgecolor="black", linewidth=1.6, label="test blocks")]
    fig.legend(handles=handles, loc="outside lower center", ncols=6, fontsize="x-small",
               frameon=False)
    fig.suptitle(title or "Three simulated valleys", fontsize="medium")
    return fig
