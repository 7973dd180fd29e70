"""A simulated NDVI time series of a vegetated slope with a landslide on a known date.

Notebook 07 dates landslides with harmonic regression (:mod:`course_lib.timeseries`); on this
series the learner knows when and where the slope failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from course_lib.timeseries import DAYS_PER_YEAR, _as_dates, years_since


@dataclass
class SimulatedSeries:
    """A simulated NDVI series with a known disturbance (see :func:`simulate_ndvi_series`)."""

    dates: np.ndarray
    ndvi: np.ndarray          # (T, rows, cols), NaN = cloud
    truth: np.ndarray         # (rows, cols) bool: disturbed pixels
    landslide_date: np.datetime64
    clean: np.ndarray         # (T, rows, cols) before noise and clouds


def simulate_ndvi_series(dates: Sequence | np.ndarray, shape: tuple[int, int] = (40, 40),
                         landslide_date="2017-07-30", seed: int = 2019, noise: float = 0.03,
                         cloud_probability: float = 0.35, landslide_fraction: float = 0.15,
                         recovery_per_year: float = 0.05) -> SimulatedSeries:
    """A **simulated** vegetated area whose central strip slides on ``landslide_date``.

    Each pixel has a seasonal NDVI cycle (mean 0.55-0.7, amplitude 0.15-0.25, peak in July,
    a Northern-hemisphere summer) plus Gaussian noise; a random share of observations is
    clouded (NaN). Disturbed pixels (an elongated slide from the top, ``landslide_fraction``
    of the area) drop to NDVI 0.1-0.2 on the date and regrow slowly. Seeded.
    """
    dates = _as_dates(dates)
    rng = np.random.default_rng(seed)
    rows, cols = shape
    t = years_since(dates, "2000-01-01")
    phase = 2 * np.pi * (t[:, None, None] - (196 / DAYS_PER_YEAR))   # peak mid-July
    base = rng.uniform(0.55, 0.70, shape)
    amplitude = rng.uniform(0.15, 0.25, shape)
    clean = base + amplitude * np.cos(phase)
    r, c = np.mgrid[:rows, :cols]
    half_width = max(1.0, landslide_fraction * cols / 2)
    centre = cols / 2 + 0.15 * cols * np.sin(r / rows * np.pi)
    truth = (np.abs(c - centre) <= half_width) & (r >= rows // 8)
    event = np.datetime64(landslide_date, "D")
    after = dates >= event
    years_after = np.where(after, (dates - event).astype(float) / DAYS_PER_YEAR, 0.0)
    scar = rng.uniform(0.1, 0.2, shape) + recovery_per_year * years_after[:, None, None]
    clean = np.where(after[:, None, None] & truth, np.minimum(scar, clean), clean)
    ndvi = clean + rng.normal(0, noise, clean.shape)
    cloudy = rng.random(len(dates)) < cloud_probability
    partial = rng.random(clean.shape) < 0.1
    ndvi[cloudy] = np.nan
    ndvi[partial] = np.nan
    return SimulatedSeries(dates=dates, ndvi=ndvi.astype(np.float32), truth=truth,
                           landslide_date=event, clean=clean.astype(np.float32))
