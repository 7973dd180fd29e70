"""Dating a disturbance from a time series: a CCDC-like break detector on NDVI.

CCDC (Continuous Change Detection and Classification; Zhu and Woodcock 2014, *Remote Sens.
Environ.* 144:152) models each pixel's clear observations with a harmonic regression

    rho(t) = a0 + c1 t + sum_k [a_k cos(k w t) + b_k sin(k w t)],   w = 2 pi / 365.25 days,

fitted with a Lasso, and flags change when **6 consecutive** observations depart from the
model's prediction by more than a threshold in units of the model's **RMSE** (their threshold
is the 0.99 quantile of a chi-square distribution of the normalised residuals: for one band
that is |residual| / RMSE > sqrt(chi2_0.99(1)) = 2.58). The first of those observations dates
the break; the last clear observation before it bounds the date from below. A model is fitted
only to three times as many clear observations as it has coefficients (their rule: 12 for the
4-coefficient model of level, trend and one harmonic; :func:`default_min_obs`).

This module is "CCDC-like": one band (NDVI), one model fitted on a stable history period,
then monitoring of everything after it (CCDC proper refits and continues after each break, and
tests several bands). It is **vectorised over pixels**: the least-squares fit solves one small
normal-equation system per pixel in a single batched ``numpy.linalg.solve``; the monitoring
loops over time steps, never over pixels. Time ``t`` is measured in years from the first date
(so ``c1`` is the change per year); the harmonics use w = 2 pi per year, the same as 2 pi /
365.25 per day.

Examples:
    >>> from course_lib.simulator.ndvi_series import simulate_ndvi_series
    >>> dates = np.arange("2015-01-01", "2019-01-01", 16, dtype="datetime64[D]")
    >>> sim = simulate_ndvi_series(dates, shape=(6, 6), landslide_date="2017-07-01", seed=1)
    >>> result = detect_breaks(sim.dates, sim.ndvi, history_end="2017-01-01")
    >>> bool(result.has_break[sim.truth].all()), bool(result.has_break[~sim.truth].any())
    (True, False)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from course_lib import validation
from course_lib.validation import describe, expected_message

DAYS_PER_YEAR = 365.25


#: Zhu and Woodcock (2014): six consecutive anomalous observations confirm a change.
DEFAULT_CONSECUTIVE = 6


#: Zhu and Woodcock (2014): clear observations per model coefficient before a model is fitted.
OBS_PER_COEFFICIENT = 3


#: sqrt of the chi-square 0.99 quantile with one degree of freedom (one band): 2.576.
DEFAULT_THRESHOLD = float(np.sqrt(stats.chi2.ppf(0.99, df=1)))


_DATE_FIX = ("Pass dates as numpy datetime64 or ISO strings 'YYYY-MM-DD', e.g. "
             "np.array(['2015-01-01', '2015-01-17'], dtype='datetime64[D]').")


def _to_dates(dates: Any, name: str = "dates", min_size: int = 1) -> np.ndarray:
    """Dates as a 1-D ``datetime64[D]`` array; numbers (years, day counts) are refused."""
    if dates is None or isinstance(dates, (str, bytes)) or np.ndim(dates) == 0:
        raise TypeError(expected_message(name, "a 1-D sequence of dates", dates, _DATE_FIX))
    array = np.asarray(dates)
    if array.dtype.kind in "biuf":
        raise TypeError(expected_message(
            name, "dates, not numbers", array,
            "Years or day counts are ambiguous: " + _DATE_FIX))
    try:
        array = array.astype("datetime64[D]")
    except (ValueError, TypeError) as err:
        raise ValueError(expected_message(name, "dates the calendar knows", dates,
                                          f"({err}). {_DATE_FIX}")) from None
    if array.ndim != 1 or array.size < min_size:
        raise ValueError(f"{name} must be a 1-D sequence of at least {min_size} dates; got "
                         f"shape {array.shape}.")
    if np.isnat(array).any():
        raise ValueError(f"{name} holds {int(np.isnat(array).sum())} missing dates (NaT); "
                         "remove those observations.")
    return array


def _to_date(value: Any, name: str) -> np.datetime64:
    """One date, or a clear error naming ``name``."""
    if value is None:
        raise TypeError(expected_message(name, "a date", value, "e.g. '2017-01-01'."))
    try:
        date = np.datetime64(value, "D")
    except (ValueError, TypeError):
        raise ValueError(expected_message(name, "a date", value,
                                          "e.g. '2017-01-01' (ISO 8601, year-month-day)."
                                          )) from None
    if np.isnat(date):
        raise ValueError(expected_message(name, "a date", value, "e.g. '2017-01-01'."))
    return date


def _as_dates(dates) -> np.ndarray:
    dates = _to_dates(dates, "dates", min_size=2)
    if np.any(np.diff(dates) < np.timedelta64(0, "D")):
        raise ValueError("dates must be sorted in ascending order (np.sort, and the values in "
                         "the same order).")
    return dates


def years_since(dates, origin=None) -> np.ndarray:
    """Decimal years from ``origin`` (default: the first date) to each date.

    >>> years_since(["2016-01-01", "2017-01-01"]).round(3).tolist()
    [0.0, 1.002]
    """
    dates = _to_dates(dates, "dates")
    origin = dates[0] if origin is None else _to_date(origin, "origin")
    return (dates - origin).astype(np.float64) / DAYS_PER_YEAR


def n_coefficients(n_harmonics: int, trend: bool = True) -> int:
    """Number of model coefficients: intercept, trend, and 2 per harmonic.

    >>> n_coefficients(2)
    6
    """
    _check_harmonics(n_harmonics)
    return 1 + int(trend) + 2 * n_harmonics


def _check_harmonics(n_harmonics: Any) -> None:
    if isinstance(n_harmonics, (bool, np.bool_)) or \
            not isinstance(n_harmonics, (int, np.integer)) or not 0 <= n_harmonics <= 3:
        raise (ValueError if isinstance(n_harmonics, (int, float, np.number)) else TypeError)(
            f"n_harmonics must be an int from 0 to 3 (CCDC uses up to 3); got "
            f"{describe(n_harmonics)}.")


def design_matrix(t_years: np.ndarray, n_harmonics: int = 2, trend: bool = True) -> np.ndarray:
    """The regression matrix ``[1, t, cos(wt), sin(wt), cos(2wt), sin(2wt), ...]``.

    Args:
        t_years: times in years, shape ``(T,)``.
        n_harmonics: 0 (no season) to 3; CCDC uses up to 3 (a season, half and third year).
        trend: include the linear trend column.

    >>> design_matrix(np.array([0.0, 0.25]), 1).round(3).tolist()
    [[1.0, 0.0, 1.0, 0.0], [1.0, 0.25, 0.0, 1.0]]
    """
    _check_harmonics(n_harmonics)
    if np.asarray(t_years).dtype.kind == "M":
        raise TypeError("t_years must be times in years (numbers), not dates; convert with "
                        "years_since(dates).")
    t = validation.as_array(t_years, "t_years", ndim=1, allow_empty=True,
                            fix="Times in years, e.g. years_since(dates).").astype(np.float64)
    if not np.isfinite(t).all():
        raise ValueError("t_years has NaN or infinite times; every observation needs its date.")
    columns = [np.ones_like(t)] + ([t] if trend else [])
    for k in range(1, n_harmonics + 1):
        columns += [np.cos(2 * np.pi * k * t), np.sin(2 * np.pi * k * t)]
    return np.stack(columns, axis=1)


@dataclass
class HarmonicFit:
    """Per-pixel harmonic models.

    Attributes:
        coefficients: ``(n_coef, *pixels)``; NaN where too few clear observations.
        rmse: ``(*pixels)`` root mean square error of the fit (with ``n - p`` degrees of
            freedom, as a regression standard error).
        n_obs: ``(*pixels)`` clear observations used.
        n_harmonics, trend, origin: the model's set-up, for :meth:`predict`.
    """

    coefficients: np.ndarray
    rmse: np.ndarray
    n_obs: np.ndarray
    n_harmonics: int
    trend: bool
    origin: np.datetime64

    def predict(self, dates) -> np.ndarray:
        """The model's values at ``dates``: ``(T, *pixels)``."""
        x = design_matrix(years_since(dates, self.origin), self.n_harmonics, self.trend)
        return np.tensordot(x, self.coefficients, axes=(1, 0))


class TooFewObservationsError(ValueError):
    """No pixel has enough clear observations to fit the harmonic model (a ``ValueError``)."""


def default_min_obs(n_harmonics: int = 2, trend: bool = True) -> int:
    """The fewest clear observations a pixel needs for its model: 3 x the coefficients.

    Zhu and Woodcock (2014) fit a model only to at least three times as many clear
    observations as it has coefficients: CCDC starts with its simple 4-coefficient model
    (level, trend, one harmonic) from 12 clear observations and moves to the 6- and
    8-coefficient models from 18 and 24.

    >>> default_min_obs(1), default_min_obs(2), default_min_obs(3)
    (12, 18, 24)
    >>> default_min_obs(1, trend=False)
    9
    """
    return OBS_PER_COEFFICIENT * n_coefficients(n_harmonics, trend)


def _too_few(most: int, n_dates: int, p: int, min_obs: int, n_harmonics: int,
             trend: bool) -> str:
    simpler = (f" fewer harmonics (n_harmonics={n_harmonics - 1} needs "
               f"{default_min_obs(n_harmonics - 1, trend)}),") if n_harmonics > 0 else ""
    return (f"Too few clear observations for the harmonic model: the best pixel has {most} of "
            f"{n_dates} dates clear, but the model (n_harmonics={n_harmonics}, "
            f"trend={trend}) has {p} coefficients and needs at least min_obs={min_obs} clear "
            "observations (Zhu and Woodcock 2014 ask for three times as many clear "
            "observations as coefficients). Use a longer history (an earlier start "
            f"or a later history_end),{simpler} or a less cloudy series.")


def _flatten(values: np.ndarray, n_dates: int) -> tuple[np.ndarray, tuple[int, ...]]:
    values = validation.as_array(values, "values", min_ndim=1,
                                 fix="NDVI (time, rows, cols), NaN where cloudy.")
    values = values.astype(np.float64, copy=False)
    if values.ndim < 1 or values.shape[0] != n_dates:
        raise ValueError(f"values must have the time axis first with {n_dates} steps (one per "
                         f"date); got shape {values.shape}.")
    return values.reshape(n_dates, -1), values.shape[1:]


def fit_harmonic(dates, values, n_harmonics: int = 2, trend: bool = True,
                 method: str = "ols", alpha: float = 0.001, min_obs: int | None = None,
                 origin=None) -> HarmonicFit:
    """Fit the harmonic model to every pixel's clear (finite) observations.

    Args:
        dates: ``(T,)`` observation dates (sorted).
        values: ``(T, ...)`` values, e.g. NDVI ``(T, rows, cols)``; NaN = not observed (cloud).
        n_harmonics: number of harmonic pairs (0-3).
        trend: include a linear trend.
        method: ``"ols"`` (least squares, batched over pixels) or ``"lasso"``
            (scikit-learn's Lasso per pixel, as Zhu and Woodcock; slower).
        alpha: the Lasso penalty (on NDVI units; ignored by OLS).
        min_obs: fewer clear observations give NaN coefficients; default 3 x the number of
            coefficients, as CCDC (12 for its 4-coefficient model, 24 for 8).
        origin: date of t = 0 (default: the first date).

    Returns:
        a :class:`HarmonicFit`.
    """
    validation.check_choice(method, "method", ("ols", "lasso"),
                            "'ols' (least squares) or 'lasso' (as Zhu and Woodcock).")
    if method == "lasso":
        validation.check_number(alpha, "alpha", minimum=0, fix="The Lasso penalty, e.g. 0.001.")
    dates = _as_dates(dates)
    y, pixel_shape = _flatten(values, len(dates))
    origin = dates[0] if origin is None else _to_date(origin, "origin")
    x = design_matrix(years_since(dates, origin), n_harmonics, trend)
    p = x.shape[1]
    min_obs = default_min_obs(n_harmonics, trend) if min_obs is None else \
        validation.check_integer(min_obs, "min_obs", minimum=1)
    if min_obs < p:
        raise ValueError(f"min_obs must be at least the number of coefficients ({p}); got "
                         f"{min_obs}.")
    valid = np.isfinite(y)
    n_obs = valid.sum(axis=0)
    enough = n_obs >= min_obs
    if not enough.any():
        raise TooFewObservationsError(_too_few(int(n_obs.max()) if n_obs.size else 0,
                                               len(dates), p, min_obs, n_harmonics, trend))
    y0 = np.where(valid, y, 0.0)
    coef = np.full((p, y.shape[1]), np.nan)
    if method == "ols":
        w = valid.astype(np.float64)
        gram = np.einsum("tp,ti,tj->pij", w, x, x)
        rhs = np.einsum("tp,ti->pi", w * y0, x)
        gram[~enough] = np.eye(p)           # placeholders, results discarded below
        rhs[~enough] = 0.0
        coef = np.linalg.solve(gram, rhs[..., None])[..., 0].T
    elif method == "lasso":
        from sklearn.linear_model import Lasso

        model = Lasso(alpha=alpha, fit_intercept=False, max_iter=5000)
        scale = np.abs(x).max(axis=0)          # columns on comparable scales for the penalty
        for j in np.flatnonzero(enough):
            rows = valid[:, j]
            model.fit(x[rows] / scale, y[rows, j])
            coef[:, j] = model.coef_ / scale
    coef[:, ~enough] = np.nan
    residual = np.where(valid, y - x @ coef, 0.0)
    dof = np.maximum(n_obs - p, 1)
    rmse = np.where(enough, np.sqrt((residual ** 2).sum(axis=0) / dof), np.nan)
    return HarmonicFit(coefficients=coef.reshape(p, *pixel_shape),
                       rmse=rmse.reshape(pixel_shape), n_obs=n_obs.reshape(pixel_shape),
                       n_harmonics=n_harmonics, trend=trend, origin=origin)


@dataclass
class BreakResult:
    """Breaks found by :func:`detect_breaks`, one value per pixel.

    Attributes:
        has_break: bool, a break was confirmed.
        break_date: date of the first of the consecutive anomalous observations (NaT if none).
        previous_date: the last clear observation before it (NaT if none): the disturbance
            happened between ``previous_date`` and ``break_date``.
        break_index: index into ``dates`` of ``break_date`` (-1 if none).
        magnitude: mean residual (observed - predicted) over the confirming observations.
        fit: the harmonic model of the history period.
        z: ``(T, *pixels)`` residuals in units of RMSE (NaN where not observed).
        threshold, consecutive, history_end: the settings used.
        determined: bool, the pixel could be judged: its history has enough clear
            observations to fit the model (``min_obs``) **and** its monitoring period at least
            ``consecutive`` clear observations. Where it is False, ``has_break`` is False too
            but means *undetermined*, not "no break": read the two together.
        dates: the dates of the series.
    """

    has_break: np.ndarray
    break_date: np.ndarray
    previous_date: np.ndarray
    break_index: np.ndarray
    magnitude: np.ndarray
    fit: HarmonicFit
    z: np.ndarray
    threshold: float
    consecutive: int
    history_end: np.datetime64
    determined: np.ndarray | None = None
    dates: np.ndarray | None = None

    @property
    def undetermined(self) -> np.ndarray:
        """Pixels that could not be judged (too few clear observations): not "no break"."""
        if self.determined is None:
            return np.zeros(self.has_break.shape, dtype=bool)
        return ~self.determined

    def summary(self) -> dict[str, float]:
        """Share of pixels with a break, of undetermined pixels, and the median break date."""
        dates = self.break_date[self.has_break]
        median = str(np.sort(dates)[len(dates) // 2]) if dates.size else "-"
        return {"pixels": int(self.has_break.size), "break_fraction": float(self.has_break.mean()),
                "undetermined_fraction": float(self.undetermined.mean()),
                "median_break_date": median}


def detect_breaks(dates, values, history_end, n_harmonics: int = 2,
                  threshold: float = DEFAULT_THRESHOLD, consecutive: int = DEFAULT_CONSECUTIVE,
                  direction: str = "both", method: str = "ols", trend: bool = True,
                  min_obs: int | None = None) -> BreakResult:
    """Fit a harmonic model on the history, then flag a break after it (CCDC-like).

    Observations before ``history_end`` train each pixel's model; every later clear
    observation gets a normalised residual ``z = (observed - predicted) / RMSE``. A break is
    confirmed when ``consecutive`` clear observations in a row have ``|z| > threshold``
    (``direction="decrease"``: ``z < -threshold``, e.g. vegetation loss; ``"increase"``:
    ``z > threshold``). Unobserved (NaN) dates are skipped and neither extend nor end a run.

    A pixel whose history has fewer than ``min_obs`` clear observations, or whose monitoring
    period has fewer than ``consecutive``, cannot be judged: it is **undetermined**
    (``result.determined`` is False, ``has_break`` False) and a warning counts them. When no
    pixel can be judged at all (a fully clouded series, four observations) the function
    refuses with :class:`TooFewObservationsError` instead of reporting "no break" everywhere.

    Args:
        dates: ``(T,)`` sorted dates.
        values: ``(T, ...)`` e.g. NDVI ``(T, rows, cols)``, NaN = cloud or no data.
        history_end: first date of the monitoring period.
        n_harmonics, method, trend, min_obs: passed to :func:`fit_harmonic`.
        threshold: in units of RMSE (default 2.58, Zhu and Woodcock's chi-square 0.99).
        consecutive: anomalous observations in a row that confirm a break (default 6).
        direction: ``"both"``, ``"decrease"`` or ``"increase"``.

    Returns:
        a :class:`BreakResult`.
    """
    dates = _as_dates(dates)
    history_end = _to_date(history_end, "history_end")
    if not dates[0] < history_end <= dates[-1]:
        raise ValueError(f"history_end {history_end} must fall after the first date {dates[0]} "
                         f"and not after the last {dates[-1]}.")
    validation.check_number(threshold, "threshold", minimum=0, min_inclusive=False,
                            fix="A number of RMSEs, e.g. 2.58 (Zhu and Woodcock's).")
    if isinstance(consecutive, (bool, np.bool_)) or \
            not isinstance(consecutive, (int, np.integer)) or consecutive < 1:
        raise ValueError(f"consecutive must be a positive int; got {consecutive!r}.")
    validation.check_choice(direction, "direction", ("both", "decrease", "increase"),
                            "'decrease' for vegetation loss.")
    y, pixel_shape = _flatten(values, len(dates))
    history = dates < history_end
    if history.sum() < 2:
        raise TooFewObservationsError(
            f"history_end {history_end} leaves {int(history.sum())} date(s) before it: too few "
            f"observations to fit the model of the history. Choose a later history_end.")
    fit = fit_harmonic(dates[history], y[history], n_harmonics=n_harmonics, trend=trend,
                       method=method, min_obs=min_obs, origin=dates[0])
    predicted = fit.predict(dates).reshape(len(dates), -1)
    rmse = fit.rmse.reshape(-1)
    residual = y - predicted
    with np.errstate(invalid="ignore", divide="ignore"):
        z = residual / np.maximum(rmse, 1e-6)
    observed = np.isfinite(z)
    anomalous = {"both": np.abs(z) > threshold, "decrease": z < -threshold,
                 "increase": z > threshold}[direction] & observed

    n_pix = y.shape[1]
    run = np.zeros(n_pix, dtype=int)
    run_sum = np.zeros(n_pix)
    start = np.full(n_pix, -1)
    previous = np.full(n_pix, -1)         # last observed index before the run started
    last_seen = np.full(n_pix, -1)
    found = np.full(n_pix, -1)
    prev_of_found = np.full(n_pix, -1)
    magnitude = np.full(n_pix, np.nan)
    for i in np.flatnonzero(~history):
        obs, hit = observed[i], anomalous[i]
        begin = obs & hit & (run == 0)
        start = np.where(begin, i, start)
        previous = np.where(begin, last_seen, previous)
        run = np.where(obs, np.where(hit, run + 1, 0), run)
        run_sum = np.where(obs, np.where(hit, run_sum + np.nan_to_num(residual[i]), 0.0), run_sum)
        confirmed = (run == consecutive) & (found < 0)
        found = np.where(confirmed, start, found)
        prev_of_found = np.where(confirmed, previous, prev_of_found)
        magnitude = np.where(confirmed, run_sum / consecutive, magnitude)
        last_seen = np.where(obs, i, last_seen)
    # a pixel whose last history observation precedes the monitoring period
    for j in np.flatnonzero((found >= 0) & (prev_of_found < 0)):
        seen = np.flatnonzero(observed[:found[j], j])
        prev_of_found[j] = seen[-1] if seen.size else -1
    needed = default_min_obs(n_harmonics, trend) if min_obs is None else int(min_obs)
    fitted = np.isfinite(rmse)
    monitored = np.isfinite(y[~history]).sum(axis=0) >= consecutive
    determined = fitted & monitored
    if not determined.any():
        most = int(np.isfinite(y[~history]).sum(axis=0)[fitted].max())
        raise TooFewObservationsError(
            f"No pixel can be judged: the monitoring period after {history_end} has at most "
            f"{most} clear observation(s) per fitted pixel, fewer than consecutive="
            f"{consecutive} needed to confirm a break. Use an earlier history_end, a smaller "
            "consecutive, or a less cloudy series.")
    if not determined.all():
        warnings.warn(
            f"{int((~determined).sum())} of {determined.size} pixels are undetermined (too few "
            f"clear observations: fewer than {needed} in the history or fewer than "
            f"{consecutive} after {history_end}); their has_break is "
            "False but means 'not judged': see result.determined.", stacklevel=2)
    fit = HarmonicFit(coefficients=fit.coefficients.reshape(-1, *pixel_shape),
                      rmse=fit.rmse.reshape(pixel_shape), n_obs=fit.n_obs.reshape(pixel_shape),
                      n_harmonics=fit.n_harmonics, trend=fit.trend, origin=fit.origin)
    nat = np.datetime64("NaT", "D")
    break_date = np.where(found >= 0, dates[np.maximum(found, 0)], nat)
    previous_date = np.where(prev_of_found >= 0, dates[np.maximum(prev_of_found, 0)], nat)
    return BreakResult(has_break=(found >= 0).reshape(pixel_shape),
                       break_date=break_date.reshape(pixel_shape),
                       previous_date=previous_date.reshape(pixel_shape),
                       break_index=found.reshape(pixel_shape),
                       magnitude=magnitude.reshape(pixel_shape), fit=fit,
                       z=z.reshape(len(dates), *pixel_shape), threshold=float(threshold),
                       consecutive=int(consecutive), history_end=history_end,
                       determined=determined.reshape(pixel_shape), dates=dates)


def date_error_days(result: BreakResult, true_date, where: np.ndarray | None = None) -> np.ndarray:
    """Days from ``true_date`` to each detected break (positive = detected after), per pixel.

    ``where`` (a boolean mask on the result's grid) selects pixels.
    """
    _check_result(result)
    true = _to_date(true_date, "true_date")
    err = (result.break_date - true).astype("timedelta64[D]").astype(float)
    err[~result.has_break] = np.nan
    if where is None:
        return err
    return err[validation.check_mask(where, "where", shape=result.has_break.shape,
                                     example="where = truth == 1")]


def _check_result(result: Any) -> None:
    if not isinstance(result, BreakResult):
        raise TypeError(expected_message("result", "a BreakResult", result,
                                         "Make it with detect_breaks(dates, values, "
                                         "history_end)."))


def break_scores(result: BreakResult, truth: np.ndarray, true_date) -> dict[str, float]:
    """How well the breaks match a known disturbance: detection rate, false alarms, dating.

    Returns ``detected`` (share of disturbed pixels with a break), ``false_alarm`` (share of
    undisturbed pixels with one), ``median_delay_days`` (break date minus true date over the
    detected disturbed pixels; NaN when none) and ``bracketed`` (share of those whose
    ``previous_date < true date <= break_date``). Undetermined pixels (see
    :attr:`BreakResult.determined`) count as pixels without a break.

    Raises:
        ValueError: ``truth`` not a 0/1 mask on the result's grid, or ``true_date`` not in the
            monitoring period (a disturbance in the history cannot be detected).
    """
    _check_result(result)
    truth = validation.check_mask(truth, "truth", example="truth = landslide_mask == 1")
    if truth.shape != result.has_break.shape:
        raise ValueError(f"truth has shape {truth.shape}; the breaks have "
                         f"{result.has_break.shape}.")
    true = _to_date(true_date, "true_date")
    last = result.dates[-1] if result.dates is not None else None
    if not true > result.history_end or (last is not None and true > last):
        raise ValueError(f"true_date {true} must fall in the monitoring period, after "
                         f"history_end {result.history_end}" +
                         (f" and not after the last date {last}" if last is not None else "") +
                         ": a change in the history is fitted by the model, not detected.")
    hit = result.has_break & truth
    delays = date_error_days(result, true, hit)
    bracket = (result.previous_date[hit] < true) & (true <= result.break_date[hit])
    nan = float("nan")
    return {"detected": float(hit.sum() / truth.sum()) if truth.any() else nan,
            "false_alarm": float((result.has_break & ~truth).sum() / (~truth).sum())
            if (~truth).any() else nan,
            "median_delay_days": float(np.median(delays)) if delays.size else nan,
            "bracketed": float(bracket.mean()) if bracket.size else nan}


def landsat_ndvi(reflectance, fmask) -> np.ndarray:
    """NDVI ``(T, rows, cols)`` of the bundled Landsat series, NaN where CFmask is not clear.

    Uses :func:`course_lib.indices.ndvi` on the ``red`` and ``nir`` bands and
    :func:`course_lib.clouds.fmask_masks` (cloud, shadow, snow and fill removed; water kept).
    """
    from course_lib.clouds import fmask_masks
    from course_lib.indices import ndvi

    if not hasattr(reflectance, "band") or not hasattr(reflectance, "data"):
        raise TypeError(expected_message(
            "reflectance", "a Raster with bands 'red' and 'nir'", reflectance,
            "Use the bundled Landsat series: course_lib.data.samples.load_landsat_series()."))
    clear = fmask_masks(fmask, reflectance.data).clear
    values = ndvi(reflectance.band("red"), reflectance.band("nir"))
    return np.where(clear, values, np.nan).astype(np.float32)
