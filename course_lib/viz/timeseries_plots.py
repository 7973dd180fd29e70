"""Plots for notebook 07: a pixel's series with its harmonic model, and a break-date map.

:func:`break_explorer` is the widget callback: a plain function (the tests call it) that runs
:func:`course_lib.timeseries.detect_breaks` on every pixel and draws one pixel's series, the
model, the band ``threshold x RMSE`` around it, the confirmed break, and the map of break
dates. Figures use ``matplotlib.figure.Figure`` so a redrawing slider leaks no figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from course_lib import timeseries as ts
from course_lib.viz import style
from course_lib.viz.evaluation_plots import OKABE_ITO

#: Pixels without a break: a pale grey (not the no-data colour: they have data).
NO_BREAK_COLOR = "#DDDDDD"


def _decimal_year(dates: np.ndarray) -> np.ndarray:
    dates = np.asarray(dates).astype("datetime64[D]")
    years = dates.astype("datetime64[Y]")
    start = years.astype("datetime64[D]")
    length = (years + 1).astype("datetime64[D]") - start
    return years.astype(int) + 1970 + (dates - start).astype(float) / length.astype(float)


def plot_pixel_series(ax, dates, values: np.ndarray, result: ts.BreakResult,
                      pixel: tuple[int, ...], true_date=None) -> None:
    """Draw one pixel's observations, model, threshold band and break on ``ax``."""
    dates = np.asarray(dates).astype("datetime64[D]")
    series = np.asarray(values)[(slice(None), *pixel)]
    dense = np.arange(dates[0], dates[-1] + 1, 4, dtype="datetime64[D]")
    model = result.fit.predict(dense)[(slice(None), *pixel)]
    rmse = float(result.fit.rmse[pixel])
    x, xd = _decimal_year(dates), _decimal_year(dense)
    history = dates < result.history_end
    ax.plot(xd, model, color=OKABE_ITO["blue"], lw=1.5, label="harmonic model (history fit)")
    ax.fill_between(xd, model - result.threshold * rmse, model + result.threshold * rmse,
                    color=OKABE_ITO["sky blue"], alpha=0.3,
                    label=f"± {result.threshold:.2f} × RMSE")
    ax.plot(x[history], series[history], "o", ms=3, color="0.35", label="history (fit)")
    ax.plot(x[~history], series[~history], "o", ms=3, color=OKABE_ITO["orange"],
            label="monitoring")
    ax.axvline(_decimal_year(np.array([result.history_end]))[0], color="0.5", ls=":", lw=1)
    if result.has_break[pixel]:
        ax.axvline(_decimal_year(np.array([result.break_date[pixel]]))[0],
                   color=OKABE_ITO["vermillion"], lw=2, label="detected break")
    if true_date is not None:
        ax.axvline(_decimal_year(np.array([np.datetime64(true_date, "D")]))[0], color="k",
                   ls="--", lw=1, label="true date")
    ax.set_xlabel("year")
    ax.set_ylabel("NDVI")
    ax.legend(fontsize=7, loc="lower left", ncol=2)


def break_explorer(dates, values: np.ndarray, history_end, threshold: float = ts.DEFAULT_THRESHOLD,
                   n_harmonics: int = 2, consecutive: int = ts.DEFAULT_CONSECUTIVE,
                   pixel: tuple[int, int] = (0, 0), truth: np.ndarray | None = None,
                   true_date=None, direction: str = "decrease") -> tuple[Figure, dict[str, Any]]:
    """Detect breaks with these settings; draw one pixel and the map of break dates.

    Args:
        dates, values: the series, ``values`` shaped ``(T, rows, cols)`` (NaN = cloud).
        history_end: end of the stable history used to fit the model.
        threshold, n_harmonics, consecutive, direction: see :func:`~course_lib.timeseries.
            detect_breaks`.
        pixel: ``(row, col)`` of the pixel to plot.
        truth, true_date: a known disturbance (simulated data), to score and outline.

    Returns:
        ``(figure, numbers)``: ``numbers`` holds :meth:`BreakResult.summary` and, with a
        truth, :func:`~course_lib.timeseries.break_scores`.
    """
    values = np.asarray(values)
    if values.ndim != 3:
        raise ValueError(f"values must be (time, rows, cols); got shape {values.shape}.")
    if not (0 <= pixel[0] < values.shape[1] and 0 <= pixel[1] < values.shape[2]):
        raise ValueError(f"pixel {pixel} is outside the {values.shape[1:]} grid.")
    result = ts.detect_breaks(dates, values, history_end, n_harmonics=n_harmonics,
                              threshold=threshold, consecutive=consecutive, direction=direction)
    numbers: dict[str, Any] = result.summary()
    if truth is not None and true_date is not None:
        numbers.update(ts.break_scores(result, truth, true_date))
    fig = Figure(figsize=(11, 3.8), layout="constrained")
    ax_series, ax_map = fig.subplots(1, 2, width_ratios=[2.2, 1])
    plot_pixel_series(ax_series, dates, values, result, tuple(pixel), true_date)
    row, col = (int(v) for v in pixel)       # plain ints in the title, not np.int64(5)
    ax_series.set_title(f"pixel ({row}, {col}): {n_harmonics} harmonics, threshold "
                        f"{threshold:.2f}, {consecutive} in a row")
    when = np.where(result.has_break, _decimal_year(
        np.where(result.has_break, result.break_date, np.datetime64(dates[0], "D"))), np.nan)
    im = style.image_layer(ax_map, when, "sequential")
    im.set_cmap(style.colormap("sequential").with_extremes(bad=NO_BREAK_COLOR))
    if truth is not None:
        ax_map.contour(np.asarray(truth, dtype=float), levels=[0.5], colors="k", linewidths=0.8)
    ax_map.plot(pixel[1], pixel[0], "+", color=OKABE_ITO["vermillion"], ms=12, mew=2)
    ax_map.set_title(f"break dates ({numbers['break_fraction']:.1%} of pixels)")
    ax_map.set_xticks([])
    ax_map.set_yticks([])
    from matplotlib.patches import Patch

    ax_map.legend(handles=[Patch(facecolor=NO_BREAK_COLOR, edgecolor="0.4", label="no break")],
                  loc="lower left", fontsize="x-small", framealpha=0.85)
    fig.colorbar(im, ax=ax_map, label="year of break", shrink=0.85)
    return fig, numbers
