"""Dating a disturbance from a time series: a CCDC-like break detector on NDVI.

CCDC (Continuous Change Detection and Classification; Zhu and Woodcock 2014, *Remote Sens.
Environ.* 144:152) models each pixel's clear observations with a harmonic regression

    rho(t) = a0 + c1 t + sum_k [a_k cos(k w t) + b_k sin(k w t)],   w = 2 pi / 365.25 days,

fitted with a Lasso, and flags change when **6 consecutive** observations depart from the
model's prediction by more than a threshold in units of the model's **RMSE** (their threshold
is the 0.99 quantile of a chi-square distribution of the normalised residuals: for one band
that is |residual| / RMSE > sqrt(chi2_0.99(1)) = 2.58). The first of those observations dates
the break; the last clear observation before it bounds the date from below.

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

from dataclasses import dataclass

import numpy as np
from scipy import stats

DAYS_PER_YEAR = 365.25


#: Zhu and Woodcock (2014): six consecutive anomalous observations confirm a change.
DEFAULT_CONSECUTIVE = 6


#: sqrt of the chi-square 0.99 quantile with one degree of freedom (one band): 2.576.
DEFAULT_THRESHOLD = float(np.sqrt(stats.chi2.ppf(0.99, df=1)))


def _as_dates(dates) -> np.ndarray:
    dates = np.asarray(dates).astype("datetime64[D]")
    if dates.ndim != 1 or dates.size < 2:
        raise ValueError(f"dates must be a 1-D sequence of at least 2 dates; got shape "
                         f"{dates.shape}.")
    if np.any(np.diff(dates) < np.timedelta64(0, "D")):
        raise ValueError("dates must be sorted in ascending order.")
    return dates


def years_since(dates, origin=None) -> np.ndarray:
    """Decimal years from ``origin`` (default: the first date) to each date."""
    dates = np.asarray(dates).astype("datetime64[D]")
    origin = dates[0] if origin is None else np.datetime64(origin, "D")
    return (dates - origin).astype(np.float64) / DAYS_PER_YEAR


def n_coefficients(n_harmonics: int, trend: bool = True) -> int:
    """Number of model coefficients: intercept, trend, and 2 per harmonic."""
    return 1 + int(trend) + 2 * n_harmonics


def design_matrix(t_years: np.ndarray, n_harmonics: int = 2, trend: bool = True) -> np.ndarray:
    """The regression matrix ``[1, t, cos(wt), sin(wt), cos(2wt), sin(2wt), ...]``.

    Args:
        t_years: times in years, shape ``(T,)``.
        n_harmonics: 0 (no season) to 3; CCDC uses up to 3 (a season, half and third year).
        trend: include the linear trend column.

    >>> design_matrix(np.array([0.0, 0.25]), 1).round(3).tolist()
    [[1.0, 0.0, 1.0, 0.0], [1.0, 0.25, 0.0, 1.0]]
    """
    if not isinstance(n_harmonics, (int, np.integer)) or not 0 <= n_harmonics <= 3:
        raise ValueError(f"n_harmonics must be an int from 0 to 3; got {n_harmonics!r}.")
    t = np.asarray(t_years, dtype=np.float64)
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


def _flatten(values: np.ndarray, n_dates: int) -> tuple[np.ndarray, tuple[int, ...]]:
    values = np.asarray(values, dtype=np.float64)
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
        min_obs: fewer clear observations give NaN coefficients; default 1.5 x the number of
            coefficients (CCDC asks for 12 for its 8-coefficient model).
        origin: date of t = 0 (default: the first date).

    Returns:
        a :class:`HarmonicFit`.
    """
    dates = _as_dates(dates)
    y, pixel_shape = _flatten(values, len(dates))
    origin = dates[0] if origin is None else np.datetime64(origin, "D")
    x = design_matrix(years_since(dates, origin), n_harmonics, trend)
    p = x.shape[1]
    min_obs = int(np.ceil(1.5 * p)) if min_obs is None else int(min_obs)
    if min_obs < p:
        raise ValueError(f"min_obs must be at least the number of coefficients ({p}); got "
                         f"{min_obs}.")
    valid = np.isfinite(y)
    n_obs = valid.sum(axis=0)
    enough = n_obs >= min_obs
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
    else:
        raise ValueError(f"method must be 'ols' or 'lasso'; got {method!r}.")
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

    def summary(self) -> dict[str, float]:
        """Share of pixels with a break and the median break date (as a string)."""
        dates = self.break_date[self.has_break]
        median = str(np.sort(dates)[len(dates) // 2]) if dates.size else "-"
        return {"pixels": int(self.has_break.size), "break_fraction": float(self.has_break.mean()),
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
    history_end = np.datetime64(history_end, "D")
    if not dates[0] < history_end <= dates[-1]:
        raise ValueError(f"history_end {history_end} must fall after the first date {dates[0]} "
                         f"and not after the last {dates[-1]}.")
    if not np.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a positive number of RMSEs; got {threshold!r}.")
    if not isinstance(consecutive, (int, np.integer)) or consecutive < 1:
        raise ValueError(f"consecutive must be a positive int; got {consecutive!r}.")
    if direction not in ("both", "decrease", "increase"):
        raise ValueError(f"direction must be 'both', 'decrease' or 'increase'; got {direction!r}.")
    y, pixel_shape = _flatten(values, len(dates))
    history = dates < history_end
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
                       consecutive=int(consecutive), history_end=history_end)


def date_error_days(result: BreakResult, true_date, where: np.ndarray | None = None) -> np.ndarray:
    """Days from ``true_date`` to each detected break (positive = detected after), per pixel."""
    true = np.datetime64(true_date, "D")
    err = (result.break_date - true).astype("timedelta64[D]").astype(float)
    err[~result.has_break] = np.nan
    return err if where is None else err[where]


def break_scores(result: BreakResult, truth: np.ndarray, true_date) -> dict[str, float]:
    """How well the breaks match a known disturbance: detection rate, false alarms, dating.

    Returns ``detected`` (share of disturbed pixels with a break), ``false_alarm`` (share of
    undisturbed pixels with one), ``median_delay_days`` (break date minus true date over the
    detected disturbed pixels; NaN when none) and ``bracketed`` (share of those whose
    ``previous_date < true date <= break_date``).
    """
    truth = np.asarray(truth, dtype=bool)
    if truth.shape != result.has_break.shape:
        raise ValueError(f"truth has shape {truth.shape}; the breaks have "
                         f"{result.has_break.shape}.")
    true = np.datetime64(true_date, "D")
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

    clear = fmask_masks(fmask, reflectance.data).clear
    values = ndvi(reflectance.band("red"), reflectance.band("nir"))
    return np.where(clear, values, np.nan).astype(np.float32)
