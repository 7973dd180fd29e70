# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 07 · Time series: dating a landslide with a CCDC-like break detector
#
# A pre/post pair of images says *that* something changed. A dense time series can say
# *when*. Landslide inventories often lack dates (a slide mapped from a summer image may have
# happened any time since the last clear view), yet the date links a slide to its trigger: a
# storm, a snow melt, an earthquake. In this notebook you model each pixel's [NDVI](glossary.md#ndvi) through the
# seasons with a **harmonic regression**, and call a **break** when the observations leave the
# model for several dates in a row, as CCDC does (Zhu and Woodcock 2014).
#
# > **CCDC in the paper: a globally trained model.** Ganerød, Lindsay et al. (2023) tested
# > three models trained elsewhere next to their locally trained CART and U-Net (notebook 06,
# > section 8). One was CCDC, whose results for all Landsat data are precomputed in Google
# > Earth Engine (Arévalo et al. 2020): viewed on SWIR1 for July-August 2019, it outlined the
# > large Vassenden landslide precisely (within Landsat's 30 m) and one smaller debris flow,
# > and missed the large slides at Årnes and Slåtten on north-facing slopes and all the small
# > ones. The app gave no downloadable map, so the paper has no pixel scores for it (its
# > Table 4 holds the local models only). The paper still saw its promise: run on NDVI, with
# > Sentinel-2 and perhaps Sentinel-1, CCDC could monitor landslides continuously and date
# > them (its sections 5.1 and 5.3). This notebook builds that detector yourself, on NDVI.
#
# ## Overview
#
# ### Learning objectives
#
# By the end of this notebook you can:
#
# 1. write the harmonic model rho(t) = a0 + c1 t + sum_k (a_k cos(k w t) + b_k sin(k w t)) and
#    fit it to every pixel at once with least squares (and with a Lasso);
# 2. express a departure from the model in units of its **RMSE** and explain Zhu and
#    Woodcock's rule: a change needs **6 consecutive** clear observations beyond the
#    chi-square 0.99 threshold;
# 3. date a simulated landslide, and say between which two observations it happened;
# 4. explore how the threshold, the number of harmonics and the run length trade early
#    detection against false alarms;
# 5. run the same detector on a real Landsat series masked with [CFmask](glossary.md#cfmask).
#
# ### Prerequisites
#
# | concept | importance | where to learn it |
# |---|---|---|
# | NDVI, CFmask | necessary | notebooks **00** and **01** |
# | least squares (linear regression) | helpful | [scikit-learn: linear models](https://scikit-learn.org/stable/modules/linear_model.html) |
# | sine and cosine as seasonal curves | helpful | any trigonometry refresher |
#
# ### Time to learn
#
# About **45 minutes** (25 reading and running, 10 with the widget, 10 for the exercises).
#
# ### Real or simulated?
#
# * **Simulated**: the NDVI series with a landslide on a known date (section 2), so that the
#   dating can be checked. It is made by `course_lib.simulator.ndvi_series.simulate_ndvi_series`.
# * **Real**: 105 Landsat 5/7 scenes of 2008-2013 with their CFmask layers (WRS-2 path 035,
#   row 032, in `data_samples/`). Nobody mapped landslides there: its breaks mark whatever
#   changed (fields, fire, water), which is exactly what a detector has to be checked for.

# %%
# %matplotlib inline
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course_lib import timeseries as ts
from course_lib.data.samples import load_landsat_series
from course_lib.simulator import ndvi_series
from course_lib.viz import timeseries_plots as tp
from course_lib.viz.explore import explorer

# %% tags=["parameters"]
# Parameters: the sizes and budgets of this notebook. The automatic tests run it with
# smaller values, injected after this cell (papermill's "parameters" convention).
SIM_SIZE = 40          # the simulated series covers SIM_SIZE x SIM_SIZE pixels
N_FEW = 8              # the Landsat subset is N_FEW x N_FEW pixels

# %% [markdown]
# ## 1. A model of a pixel through the seasons
#
# CCDC models every clear observation of a pixel as a sum of a level, a trend and seasonal
# waves (t in years here, so w = 2π per year, the same as 2π / 365.25 per day):
#
# $$\rho(t) = a_0 + c_1 t + \sum_{k=1}^{K} \big(a_k \cos(k w t) + b_k \sin(k w t)\big)$$
#
# With K = 1 the model is one wave a year (green summer, brown winter); K = 2 and 3 add a
# half- and a third-year wave that sharpen the shape of the season. It is **linear in its
# coefficients**, so least squares fits it: build the *design matrix* with one column per
# term and solve. `course_lib.timeseries.fit_harmonic` does that for every pixel in one
# batched solve, skipping each pixel's cloudy dates (NaN).
#
# Start with a simulated series: 40 × 40 pixels of vegetation observed every 8 days (as
# Landsat 8 and 9 together), about a third of the dates clouded, and a landslide that strips
# a strip of pixels on a date we know.

# %%
dates = np.arange("2015-01-01", "2020-01-01", 8, dtype="datetime64[D]")
sim = ndvi_series.simulate_ndvi_series(dates, shape=(SIM_SIZE, SIM_SIZE), landslide_date="2017-07-30",
                              seed=2019)
print(f"{len(dates)} dates, {sim.ndvi.shape[1]} x {sim.ndvi.shape[2]} pixels, "
      f"{np.isnan(sim.ndvi).mean():.0%} of the observations clouded")
print(f"landslide on {sim.landslide_date}: {sim.truth.mean():.0%} of the pixels (simulated)")

t = ts.years_since(dates)
print("design matrix for 2 harmonics, first rows:")
print(np.round(ts.design_matrix(t, 2)[:3], 3))

# %% [markdown]
# Fit the history before the landslide with 0 to 3 harmonics on a pixel outside the slide,
# and compare the RMSE (the typical size of a residual):

# %%
history = dates < np.datetime64("2017-01-01")
row, col = 2, 2
fig, ax = plt.subplots(figsize=(10, 3.5))
ax.plot(dates[history], sim.ndvi[history, row, col], "o", ms=3, color="0.4", label="clear observations")
dense = np.arange(dates[0], np.datetime64("2017-01-01"), 4, dtype="datetime64[D]")
for k in range(4):
    fit = ts.fit_harmonic(dates[history], sim.ndvi[history], n_harmonics=k)
    ax.plot(dense, fit.predict(dense)[:, row, col], lw=1.5,
            label=f"K = {k}: RMSE {fit.rmse[row, col]:.3f}")
ax.set_ylabel("NDVI")
ax.legend(fontsize=8, ncol=3)
plt.show()

# %% [markdown]
# K = 0 (a straight line) misses the season entirely, so its RMSE is large and *any* later
# change hides inside it. One harmonic captures most of the season; more harmonics lower the
# RMSE a little further but need more clear observations (CCDC asks for 1.5 times as many as
# there are coefficients, 12 for its 8-coefficient model).

# %% [markdown]
# ## 2. A break: observations that leave the model, several times in a row
#
# Fit the model on a stable **history** (here 2015-2016), predict every later date, and
# measure each clear observation's departure in units of the model's RMSE,
# z = (observed − predicted) / RMSE. One large |z| may be an undetected cloud or shadow; CCDC
# therefore confirms a change only when **6 consecutive** clear observations exceed the
# threshold, the 0.99 quantile of the chi-square distribution of the squared normalised
# residuals (one band: √6.63 = 2.58). Cloudy dates are skipped: they neither extend nor end a
# run. The first observation of the run dates the break; the last clear observation before it
# bounds the date from below.
#
# A landslide lowers NDVI, so we look for decreases only (`direction="decrease"`).

# %%
print(f"default threshold: {ts.DEFAULT_THRESHOLD:.3f} RMSE, {ts.DEFAULT_CONSECUTIVE} in a row")
result = ts.detect_breaks(dates, sim.ndvi, history_end="2017-01-01", n_harmonics=2,
                          direction="decrease")
scores = ts.break_scores(result, sim.truth, sim.landslide_date)
print(f"landslide pixels with a break: {scores['detected']:.1%}")
print(f"stable pixels with a (false) break: {scores['false_alarm']:.1%}")
print(f"median delay, first anomalous observation minus true date: "
      f"{scores['median_delay_days']:.0f} days")
print(f"true date inside [last clear observation before, break date]: {scores['bracketed']:.0%}")

# %%
fig, numbers = tp.break_explorer(dates, sim.ndvi, "2017-01-01", pixel=tuple(np.argwhere(sim.truth)[0]),
                                 truth=sim.truth, true_date=sim.landslide_date)
display(fig)

# %% [markdown]
# The detected date is the first clear observation *after* the landslide (plus any cloudy
# dates in between). The dating interval, between the last clear view before and the first
# after, is what a time series can honestly claim:

# %%
hit = result.has_break & sim.truth
width = (result.break_date[hit] - result.previous_date[hit]).astype(int)
print(f"dating interval over {hit.sum()} detected landslide pixels: median {np.median(width):.0f} days, "
      f"longest {width.max()} days")

# %% [markdown]
# ### Self-check
#
# With an observation every 8 days and **no** clouds, how many days after the *first*
# anomalous observation is a break **confirmed** under the rule of 6 consecutive anomalous
# observations? Replace `...` with your answer (a number of days) and run the cell.
#
# <details><summary>Hint</summary>
#
# The break is confirmed on the 6th anomalous observation; count the gaps between the 1st
# and the 6th.
# </details>

# %%
from course_lib.learner import selfcheck

answer = ...   # replace ... with your answer, in days
selfcheck.check_number(answer, expected=(ts.DEFAULT_CONSECUTIVE - 1) * 8, tol=0,
                       hint="Count the gaps between the first and the sixth observation.",
                       explain="The break is still dated to the first anomalous observation; "
                               "only its confirmation comes later.")

# %% [markdown]
# ## 3. Explore: threshold, harmonics and run length
#
# Move the sliders. Watch two things at once: the share of stable pixels that get a (false)
# break, and the delay of the detections. A low threshold or a short run catches the slide
# sooner but flags noise; too few harmonics leave a large RMSE, so the band widens and small
# changes pass unseen.

# %%
def explore(threshold=ts.DEFAULT_THRESHOLD, n_harmonics=2, consecutive=6, row=12, col=20):
    fig, numbers = tp.break_explorer(dates, sim.ndvi, "2017-01-01", threshold=threshold,
                                     n_harmonics=n_harmonics, consecutive=consecutive,
                                     pixel=(min(row, sim.ndvi.shape[1] - 1), min(col, sim.ndvi.shape[2] - 1)),
                                     truth=sim.truth, true_date=sim.landslide_date)
    return fig, (f"detected {numbers['detected']:.1%} | false alarms "
                 f"{numbers['false_alarm']:.1%} | median delay "
                 f"{numbers['median_delay_days']:.0f} days")


explorer(explore,
         threshold=widgets.FloatSlider(value=round(ts.DEFAULT_THRESHOLD, 2), min=1.0, max=6.0,
                                       step=0.25, description="threshold",
                                       continuous_update=False),
         n_harmonics=widgets.IntSlider(value=2, min=0, max=3, description="harmonics",
                                       continuous_update=False),
         consecutive=widgets.IntSlider(value=6, min=1, max=10, description="run length",
                                       continuous_update=False),
         row=widgets.IntSlider(value=12, min=0, max=sim.ndvi.shape[1] - 1, description="row",
                               continuous_update=False),
         col=widgets.IntSlider(value=20, min=0, max=sim.ndvi.shape[2] - 1, description="col",
                               continuous_update=False));

# %% [markdown]
# ## 4. A real series: Landsat 2008-2013 with CFmask
#
# Now real data: 105 Landsat 5 TM and 7 ETM+ scenes (61 × 61 pixels of 30 m). NDVI comes from
# the red and near-infrared bands; CFmask removes cloud, shadow, snow and fill
# (`course_lib.clouds.fmask_masks`). Landsat 7's scan-line failure (since 2003) leaves stripes
# of fill, so pixels differ in how many clear views they have.

# %%
landsat, fmask = load_landsat_series()
ndvi_ls = ts.landsat_ndvi(landsat, fmask)
clear_views = np.isfinite(ndvi_ls).sum(axis=0)
print(f"{len(landsat.dates)} scenes, {landsat.dates[0]} to {landsat.dates[-1]}")
print(f"clear views per pixel: {clear_views.min()} to {clear_views.max()} (median {np.median(clear_views):.0f})")

HISTORY_END = "2010-01-01"
real = ts.detect_breaks(landsat.dates, ndvi_ls, HISTORY_END, n_harmonics=1, direction="both")
summary = real.summary()
print(f"history 2008-2009, monitoring from {HISTORY_END}: breaks in {summary['break_fraction']:.1%} "
      f"of the pixels, median date {summary['median_break_date']}")

# %%
strongest = np.unravel_index(np.nanargmax(np.abs(np.where(real.has_break, real.magnitude, 0))),
                             real.has_break.shape)
fig, numbers = tp.break_explorer(landsat.dates, ndvi_ls, HISTORY_END, n_harmonics=1,
                                 pixel=tuple(int(i) for i in strongest), direction="both")
display(fig)
print(f"pixel {tuple(int(i) for i in strongest)}: mean departure "
      f"{real.magnitude[strongest]:+.2f} NDVI, break between {real.previous_date[strongest]} "
      f"and {real.break_date[strongest]}")

# %% [markdown]
# Two years of history with one harmonic is the least CCDC would accept, and this scene has
# long gaps in winter; so read the map as *where something departed from 2008-2009*, not as a
# landslide map. Look at the pixel with the strongest break above: does the series show a
# lasting drop, a jump up (irrigation, regrowth), or a one-season anomaly? Only the first is
# what a landslide would leave.

# %% [markdown]
# ## 5. Least squares or Lasso?
#
# Zhu and Woodcock fit with a Lasso, which shrinks small coefficients towards zero and keeps
# the model from chasing noise when a pixel has few clear views. `fit_harmonic(...,
# method="lasso")` fits scikit-learn's `Lasso` pixel by pixel (slower than the batched least
# squares, so on a few pixels here).

# %%
few = ndvi_ls[:, :N_FEW, :N_FEW]
hist = landsat.dates < np.datetime64(HISTORY_END)
ols = ts.fit_harmonic(landsat.dates[hist], few[hist], n_harmonics=3)
lasso = ts.fit_harmonic(landsat.dates[hist], few[hist], n_harmonics=3, method="lasso", alpha=0.002)
print(f"3 harmonics on the 2008-2009 history, {few.shape[1] * few.shape[2]} pixels:")
print(f"  least squares: median RMSE {np.nanmedian(ols.rmse):.3f}, "
      f"median |3rd-harmonic coefficients| {np.nanmedian(np.abs(ols.coefficients[-2:])):.3f}")
print(f"  Lasso:         median RMSE {np.nanmedian(lasso.rmse):.3f}, "
      f"median |3rd-harmonic coefficients| {np.nanmedian(np.abs(lasso.coefficients[-2:])):.3f}")

# %% [markdown]
# The Lasso's in-sample RMSE is a little higher (it does not fit every wiggle), and it
# shrinks the third harmonic that two years of gappy data cannot support: the threshold
# band, in units of that RMSE, becomes more honest.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** On the simulated series, sweep the run length `consecutive` from 1 to 8 at
# the default threshold and tabulate detection rate, false alarms and median delay. Which
# value would you choose for an inventory where each false alarm costs a field visit?
#
# <details><summary>Hint</summary>
#
# `ts.detect_breaks(..., consecutive=n, direction="decrease")` and `ts.break_scores(...)` in
# a loop; `pandas.DataFrame` makes the table.
# </details>

# %% tags=["solution"]
import pandas as pd

rows = []
for n in range(1, 9):
    r = ts.detect_breaks(dates, sim.ndvi, "2017-01-01", consecutive=n, direction="decrease")
    rows.append({"consecutive": n, **ts.break_scores(r, sim.truth, sim.landslide_date)})
display(pd.DataFrame(rows).set_index("consecutive").round(3))
# Short runs flag noise as change (false alarms); long runs only delay the confirmation, not
# the date (the break date stays the first anomalous observation). With costly field visits,
# take the shortest run whose false-alarm rate is about zero.

# %% [markdown]
# **Exercise 2.** Clouds stretch the dating interval. Simulate the same world with
# `cloud_probability=0.7` and compare the median width of the interval
# [`previous_date`, `break_date`] with the one printed in section 2.

# %% tags=["solution"]
cloudy = ndvi_series.simulate_ndvi_series(dates, shape=sim.truth.shape, landslide_date="2017-07-30",
                                 seed=2019, cloud_probability=0.7)
rc = ts.detect_breaks(dates, cloudy.ndvi, "2017-01-01", direction="decrease")
hit_c = rc.has_break & cloudy.truth
width_c = (rc.break_date[hit_c] - rc.previous_date[hit_c]).astype(int)
print(f"median dating interval: {np.median(width):.0f} days at the default cloud cover, "
      f"{np.median(width_c):.0f} days with 70 % cloudy dates")
# Fewer clear views, wider intervals: a time series dates a landslide no better than its
# clear observations allow. Combining sensors (Landsat + Sentinel-2, or cloud-free Sentinel-1
# radar) narrows the interval.

# %% [markdown]
# **Exercise 3.** On the real Landsat series, use `direction="decrease"` instead of `"both"`.
# What share of the breaks were increases? Name one land-cover process that raises NDVI
# lastingly.

# %% tags=["solution"]
down = ts.detect_breaks(landsat.dates, ndvi_ls, HISTORY_END, n_harmonics=1, direction="decrease")
both = real.has_break.sum()
# the sign of each break's magnitude (mean residual) says whether NDVI went up or down
rising = int((real.magnitude[real.has_break] > 0).sum())
print(f"breaks: {both} with either direction, {down.has_break.sum()} with direction="
      f"'decrease'; {rising} of the {both} breaks ({rising / max(both, 1):.0%}) were increases")
# Irrigation or a new crop, regrowth after a fire or a harvest, a reservoir drying out (water to
# vegetation) all raise NDVI. A landslide detector looks for decreases on slopes.

# %% [markdown]
# ## Summary
#
# * A harmonic regression (level, trend, K seasonal waves) models each pixel's clear
#   observations; it is linear in its coefficients, so one batched least-squares solve fits
#   every pixel.
# * Departures are measured in units of the model's RMSE; CCDC confirms change after
#   **6 consecutive** clear observations beyond the chi-square 0.99 threshold (2.58 RMSE for
#   one band). Cloudy dates are skipped, not counted.
# * The break date is the first anomalous clear observation; the last clear observation before
#   it bounds the true date. Clouds widen that interval.
# * Threshold, run length and the number of harmonics trade early, complete detection against
#   false alarms; check them on data with a known answer before trusting a map.
#
# ### Key points
#
# * A time series dates a change; a pre/post pair only detects it.
# * Use several consecutive observations to confirm a change; a single outlier is usually a
#   cloud or shadow that the mask missed.
# * The detector finds any lasting change: a landslide map still needs slope, shape and
#   direction of change to separate slides from fields and fires.
#
# ### What's next
#
# Notebook **08** runs the course's functions on an area many times larger with Dask, and
# notebook **09** fetches real Sentinel-2 and Sentinel-1 over Jølster when a network is there.
#
# ### References
#
# * Zhu, Z., & Woodcock, C. E. (2014). Continuous change detection and classification of land
#   cover using all available Landsat data. *Remote Sensing of Environment*, 144, 152-171.
# * Foga, S., et al. (2017). Cloud detection algorithm comparison and validation for
#   operational Landsat data products. *Remote Sensing of Environment*, 194, 379-390 (CFmask).
# * Ganerød, A. J., Lindsay, E., et al. (2023). *Remote Sensing*, 15(4), 895 (the Jølster
#   event this course follows; CCDC in its sections 3.1 (i), 4.1 and 5.1).
# * Arévalo, P., Bullock, E. L., Woodcock, C. E., & Olofsson, P. (2020). A suite of tools for
#   continuous land change monitoring in Google Earth Engine. *Frontiers in Climate*, 2,
#   576740.
