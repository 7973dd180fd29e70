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
ax.legend(fontsize=8, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.08))
plt.show()

# %% [markdown]
# K = 0 (a straight line) misses the season entirely, so its RMSE is large and *any* later
# change hides inside it. One harmonic captures the season; on this simulated pixel more
# harmonics barely change the RMSE (compare the legend), while each costs two more
# coefficients, and coefficients cost clear observations: CCDC fits a model only to **three
# times** as many clear observations as it has coefficients (Zhu and Woodcock 2014), 12 for
# the 4-coefficient model (level, trend, one harmonic) and 24 for the 8-coefficient one
# (`ts.default_min_obs`).

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
slide_pixel = tuple(int(i) for i in np.argwhere(sim.truth)[0])   # the first landslide pixel
fig, numbers = tp.break_explorer(dates, sim.ndvi, "2017-01-01", pixel=slide_pixel,
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

month = landsat.dates.astype("datetime64[M]").astype(int) % 12 + 1
winter = np.isin(month, (12, 1, 2, 3))
print(f"{winter.sum()} of the {len(landsat.dates)} scenes fall in December-March, and they hold "
      f"{np.isfinite(ndvi_ls[winter]).sum() / np.isfinite(ndvi_ls).sum():.1%} of all clear "
      "observations (snow and cloud)")

# %% [markdown]
# Fit 2008-2009 with one harmonic (a level, a **trend** and one seasonal wave: 4
# coefficients, so 12 clear views in the history at least), and monitor 2010-2013. Every
# break is counted, up or down (`direction="both"`):

# %%
HISTORY_END = "2010-01-01"
trended = ts.detect_breaks(landsat.dates, ndvi_ls, HISTORY_END, n_harmonics=1, direction="both")
print(f"clear views in the history: at least {int(trended.fit.n_obs.min())} per pixel "
      f"({ts.default_min_obs(1)} needed)")


def describe_breaks(result):
    """Share of pixels with a break, how many of them are increases, and their median date."""
    n = int(result.has_break.sum())
    rising = int((result.magnitude[result.has_break] > 0).sum())
    return (f"breaks in {result.summary()['break_fraction']:.1%} of the pixels ({n}), "
            f"{rising} of them increases, median date {result.summary()['median_break_date']}")


print("with a trend:   ", describe_breaks(trended))
slope = trended.fit.coefficients[1]
print(f"fitted trend: median {np.median(slope[trended.has_break]):+.3f} NDVI per year on the "
      f"pixels with a break, {np.median(slope[~trended.has_break]):+.3f} on the others")

# %% [markdown]
# Every one of these breaks is an *increase*. That is not irrigation or regrowth: it is the
# model. A **trend** fitted on two years measures little
# more than the difference between those two summers; on the pixels that break it falls by
# the amount printed above, and extrapolated two years ahead that line sits well below any
# ordinary summer, so the observations "rise" out of the band. The seasonal wave has the same
# weakness in winter: CFmask leaves almost no clear view from December to March (printed
# above), so the fitted curve dives there to NDVI values no vegetation has (the blue line in
# the left panel below). Nothing tests it there, but never read a model where it saw no data.
#
# The fix is a model the history can support. CCDC estimates its trend from many years and
# refits as it goes; with two years, drop the trend (`trend=False`: a level and one wave, 3
# coefficients) or use a longer history (exercise 3):

# %%
real = ts.detect_breaks(landsat.dates, ndvi_ls, HISTORY_END, n_harmonics=1, direction="both",
                        trend=False)
print("without a trend:", describe_breaks(real))

strongest = tuple(int(i) for i in np.unravel_index(
    np.nanargmax(np.abs(np.where(trended.has_break, trended.magnitude, 0))), trended.has_break.shape))
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), sharey=True, layout="constrained")
for ax, result, name in zip(axes, (trended, real), ("with a trend", "without a trend")):
    tp.plot_pixel_series(ax, landsat.dates, ndvi_ls, result, strongest)
    ax.set_title(f"pixel {strongest}, history 2008-2009, {name}")
plt.show()

# %% [markdown]
# Without the trend, the model follows the monitored summers and the breaks all but vanish:
# this scene changed little in 2010-2013. Read what remains as *where something departed from
# 2008-2009*, not as a landslide map, and check each one: a lasting drop, a jump up, or a
# one-season anomaly? Only the first is what a landslide would leave. The lesson holds for
# every detector: a false alarm that comes from the model looks exactly like a real change.

# %% [markdown]
# ## 5. Least squares or Lasso?
#
# Zhu and Woodcock fit with a Lasso, which shrinks small coefficients towards zero and keeps
# the model from chasing noise when a pixel has few clear views. `fit_harmonic(...,
# method="lasso")` fits scikit-learn's `Lasso` pixel by pixel (slower than the batched least
# squares, so on a few pixels here). Three harmonics without a trend have 7 coefficients and
# need 21 clear views: just about what the 2008-2009 history holds.

# %%
few = ndvi_ls[:, :N_FEW, :N_FEW]
hist = landsat.dates < np.datetime64(HISTORY_END)
ols = ts.fit_harmonic(landsat.dates[hist], few[hist], n_harmonics=3, trend=False)
lasso = ts.fit_harmonic(landsat.dates[hist], few[hist], n_harmonics=3, trend=False,
                        method="lasso", alpha=0.002)
print(f"3 harmonics, no trend, on the 2008-2009 history, {few.shape[1] * few.shape[2]} pixels "
      f"({int(np.isfinite(ols.rmse).sum())} with the {ts.default_min_obs(3, trend=False)} "
      "clear views needed):")
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
# **Exercise 3.** Section 4 dropped the trend to stop the false increases. Try the other fix:
# keep the trend (`trend=True`, the default) but lengthen the history to 2008-2010
# (`history_end="2011-01-01"`). How many breaks are left, and how many are increases? What
# does the longer history cost?
#
# <details><summary>Hint</summary>
#
# `describe_breaks(ts.detect_breaks(..., "2011-01-01", n_harmonics=1, direction="both"))`.
# </details>

# %% tags=["solution"]
longer = ts.detect_breaks(landsat.dates, ndvi_ls, "2011-01-01", n_harmonics=1, direction="both")
print("history 2008-2010, with a trend:", describe_breaks(longer))
print(f"monitoring now starts in 2011: {int((landsat.dates >= np.datetime64('2011-01-01')).sum())}"
      f" scenes are left to monitor instead of {int((~hist).sum())}")
# A third year pins the trend down, so the false increases go. The cost: a year less to
# monitor, and a change during 2010 is now inside the history, where it bends the model
# instead of being detected.

# %% [markdown]
# ## Summary
#
# * A harmonic regression (level, trend, K seasonal waves) models each pixel's clear
#   observations; it is linear in its coefficients, so one batched least-squares solve fits
#   every pixel. CCDC fits it only to three times as many clear observations as
#   coefficients.
# * A model extrapolates: a trend fitted on two years, or a seasonal wave through winters
#   without a clear view, produces "breaks" that are artefacts. Fit what the history supports
#   (no trend on a short record) or use a longer history.
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
