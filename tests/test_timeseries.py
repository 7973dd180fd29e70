"""CCDC-like harmonic model and break detection (course_lib.timeseries) and its explorer."""

import numpy as np
import pytest

from course_lib import timeseries as ts
from course_lib.simulator import ndvi_series
from course_lib.viz import timeseries_plots as tp

DATES = np.arange("2015-01-01", "2019-01-01", 8, dtype="datetime64[D]")


@pytest.fixture(scope="module")
def sim():
    return ndvi_series.simulate_ndvi_series(DATES, shape=(16, 16), landslide_date="2017-07-30", seed=3)


def test_default_threshold_is_chi_square_099():
    assert ts.DEFAULT_THRESHOLD == pytest.approx(2.5758, abs=1e-3)
    assert ts.DEFAULT_CONSECUTIVE == 6


def test_design_matrix_and_exact_fit():
    t = ts.years_since(DATES)
    x = ts.design_matrix(t, 2)
    assert x.shape == (len(DATES), ts.n_coefficients(2)) == (len(DATES), 6)
    coef = np.array([0.5, 0.02, 0.2, -0.1, 0.05, 0.01])
    y = (x @ coef)[:, None, None] * np.ones((1, 3, 2))
    y[::5, 0, 0] = np.nan                                   # clouds differ per pixel
    fit = ts.fit_harmonic(DATES, y, n_harmonics=2)
    np.testing.assert_allclose(fit.coefficients[:, 1, 1], coef, atol=1e-9)
    np.testing.assert_allclose(fit.coefficients[:, 0, 0], coef, atol=1e-9)
    assert np.nanmax(fit.rmse) < 1e-9
    assert fit.n_obs[0, 0] < fit.n_obs[1, 1]
    np.testing.assert_allclose(fit.predict(DATES)[:, 2, 1], x @ coef, atol=1e-9)


def test_vectorised_fit_equals_per_pixel_lstsq(sim):
    fit = ts.fit_harmonic(sim.dates, sim.ndvi, n_harmonics=1)
    x = ts.design_matrix(ts.years_since(sim.dates), 1)
    for r, c in [(0, 0), (5, 9), (15, 15)]:
        ok = np.isfinite(sim.ndvi[:, r, c])
        expected = np.linalg.lstsq(x[ok], sim.ndvi[ok, r, c], rcond=None)[0]
        np.testing.assert_allclose(fit.coefficients[:, r, c], expected, rtol=1e-6, atol=1e-8)


def test_too_few_observations_give_nan():
    y = np.full((len(DATES), 2), np.nan)
    y[:5, 0] = 0.5
    y[:, 1] = 0.4
    fit = ts.fit_harmonic(DATES, y, n_harmonics=2)
    assert np.isnan(fit.rmse[0]) and np.isnan(fit.coefficients[:, 0]).all()
    assert np.isfinite(fit.rmse[1])


@pytest.mark.parametrize("n_harmonics, trend, needed", [(1, True, 12), (2, True, 18),
                                                         (3, True, 24), (1, False, 9)])
def test_a_model_needs_three_clear_observations_per_coefficient(n_harmonics, trend, needed):
    """Zhu and Woodcock (2014): 3 x the coefficients (12 for the 4-coefficient model)."""
    assert ts.default_min_obs(n_harmonics, trend) == needed
    y = np.full((len(DATES), 2), np.nan)
    y[:needed - 1, 0] = 0.5                  # one clear observation short
    y[:needed, 1] = 0.5                      # just enough
    fit = ts.fit_harmonic(DATES, y, n_harmonics=n_harmonics, trend=trend)
    assert fit.n_obs.tolist() == [needed - 1, needed]
    assert np.isnan(fit.rmse[0]) and np.isfinite(fit.rmse[1])


def test_a_trend_from_a_short_history_makes_false_breaks():
    """Two seasons of stable NDVI, the second a little browner: a fitted trend extrapolates
    that difference, and later ordinary years break upwards; without a trend they do not."""
    rng = np.random.default_rng(0)
    t = ts.years_since(DATES)
    season = 0.6 + 0.2 * np.sin(2 * np.pi * t)
    dip = np.where(t < 2, -0.05 * t, 0.0)             # 2015 -> 2016: 0.05 browner, then back
    y = (season + dip)[:, None] + rng.normal(0, 0.01, (len(DATES), 20))
    trended = ts.detect_breaks(DATES, y, "2017-01-01", n_harmonics=1)
    flat = ts.detect_breaks(DATES, y, "2017-01-01", n_harmonics=1, trend=False)
    assert trended.has_break.all() and (trended.magnitude > 0).all()
    assert not flat.has_break.any()


def test_lasso_close_to_ols_on_clean_data(sim):
    ols = ts.fit_harmonic(sim.dates, sim.clean[:, :2, :2], n_harmonics=1)
    lasso = ts.fit_harmonic(sim.dates, sim.clean[:, :2, :2], n_harmonics=1, method="lasso",
                            alpha=1e-5)
    np.testing.assert_allclose(lasso.predict(sim.dates), ols.predict(sim.dates), atol=0.02)


def test_breaks_date_the_simulated_landslide(sim):
    result = ts.detect_breaks(sim.dates, sim.ndvi, "2017-01-01", direction="decrease")
    scores = ts.break_scores(result, sim.truth, sim.landslide_date)
    assert scores["detected"] > 0.95 and scores["false_alarm"] < 0.02
    assert 0 <= scores["median_delay_days"] <= 40 and scores["bracketed"] > 0.9
    # the break is the first anomalous clear observation after the event
    r, c = np.argwhere(sim.truth)[0]
    assert result.break_date[r, c] >= sim.landslide_date
    assert result.previous_date[r, c] < sim.landslide_date
    assert result.magnitude[r, c] < -0.2
    assert not result.has_break[~sim.truth].mean() > 0.02


def test_consecutive_rule_is_exact():
    y = np.zeros((len(DATES), 1)) + 0.5 + 0.01 * np.sin(np.arange(len(DATES)))
    start = np.searchsorted(DATES, np.datetime64("2018-01-01"))
    y[start:start + 5, 0] = 0.0                   # only 5 anomalous in a row
    y[start + 5, 0] = np.nan                      # a cloud does not end the run ...
    y[start + 6, 0] = 0.5                         # ... but a normal observation does
    kw = dict(history_end="2017-06-01", n_harmonics=0, trend=False)
    assert not ts.detect_breaks(DATES, y, consecutive=6, **kw).has_break[0]
    found = ts.detect_breaks(DATES, y, consecutive=5, **kw)
    assert found.has_break[0] and found.break_index[0] == start
    y[start + 6, 0] = 0.0
    assert ts.detect_breaks(DATES, y, consecutive=6, **kw).break_index[0] == start
    assert not ts.detect_breaks(DATES, y, consecutive=6, direction="increase", **kw).has_break[0]


def test_bad_inputs():
    with pytest.raises(ValueError, match="n_harmonics"):
        ts.design_matrix(np.zeros(3), 5)
    with pytest.raises(ValueError, match="time axis first"):
        ts.fit_harmonic(DATES, np.zeros((3, 4)))
    with pytest.raises(ValueError, match="history_end"):
        ts.detect_breaks(DATES, np.zeros((len(DATES), 2)), "2030-01-01")
    with pytest.raises(ValueError, match="threshold"):
        ts.detect_breaks(DATES, np.zeros((len(DATES), 2)), "2017-01-01", threshold=0)
    with pytest.raises(ValueError, match="method"):
        ts.fit_harmonic(DATES, np.zeros((len(DATES), 2)), method="ridge")
    with pytest.raises(ValueError, match="sorted"):
        ts.fit_harmonic(DATES[::-1], np.zeros((len(DATES), 2)))


def test_landsat_ndvi_masks_clouds():
    from course_lib.data.samples import load_landsat_series

    ls, fmask = load_landsat_series()
    ndvi = ts.landsat_ndvi(ls, fmask)
    assert ndvi.shape == (105, 61, 61)
    assert np.isnan(ndvi[fmask == 4]).all()
    assert np.nanmax(ndvi) <= 1 and np.nanmin(ndvi) >= -1


def test_break_explorer_callback(sim):
    fig, numbers = tp.break_explorer(sim.dates, sim.ndvi, "2017-01-01", threshold=3.0,
                                     n_harmonics=1, consecutive=4, pixel=(8, 8),
                                     truth=sim.truth, true_date=sim.landslide_date)
    assert len(fig.axes) == 3 and numbers["detected"] > 0.9
    strict = tp.break_explorer(sim.dates, sim.ndvi, "2017-01-01", threshold=8.0,
                               consecutive=6, truth=sim.truth, true_date=sim.landslide_date)[1]
    assert strict["break_fraction"] <= numbers["break_fraction"]
    with pytest.raises(ValueError, match="outside"):
        tp.break_explorer(sim.dates, sim.ndvi, "2017-01-01", pixel=(99, 0))
