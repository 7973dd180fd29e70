# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 09 · Real data online: Sentinel over Jølster through STAC, and Landslide4Sense
#
# Everything so far ran on bundled or simulated data, so the course works without a network.
# This notebook reaches out: it searches a **STAC API** for the real Sentinel-2 and
# Sentinel-1 images around the Jølster event of 30 July 2019 and runs the course's pipeline on
# them (composites, change layers, the [CART](glossary.md#cart) of notebook 04), and it downloads a few real
# **Landslide4Sense** patches (Ghorbanzadeh et al. 2022) for the [U-Net](glossary.md#u-net) of notebook 05.
#
# It checks the network first. **Offline** (and in the course's automatic tests) it says what
# it would do and runs the same functions on small local data instead: the simulated study
# area wrapped as STAC items, and made-up patches in the Landslide4Sense file format.
#
# ## Overview
#
# ### Learning objectives
#
# By the end of this notebook you can:
#
# 1. search a STAC catalogue for Sentinel-2 [L2A](glossary.md#l1c-and-l2a) and Sentinel-1 over an area and dates, load
#    only the pixels you need with `odc-stac` as an xarray Dataset, and turn it into the
#    course's `Raster`;
# 2. convert Sentinel-2 digital numbers to reflectance for any **processing baseline** (the
#    1000 offset since 04.00) and keep the [SCL](glossary.md#scl) layer for masking;
# 3. run the course's composites, change layers and CART on real images, and say why a model
#    trained elsewhere transfers poorly;
# 4. read Landslide4Sense patches (14 bands, HDF5), normalise them as the authors did, and
#    download a checked subset instead of a 2.5 GB archive;
# 5. write code that fails clearly without a network and tells the user how to continue.
#
# ### Prerequisites
#
# | concept | importance | where to learn it |
# |---|---|---|
# | SCL masks, composites, [dNDVI](glossary.md#dndvi) | necessary | notebooks **01** and **02** |
# | CART on setting 4 | helpful | notebook **04** |
# | U-Net training | helpful | notebook **05** |
# | STAC (SpatioTemporal Asset Catalog) | helpful | [stacspec.org](https://stacspec.org/en/tutorials/) |
# | xarray and rioxarray (a DataArray's `x`/`y`, `.rio.crs`) | helpful | notebook **00**, section 2 |
#
# ### Time to learn
#
# About **40 minutes** online (searches and downloads take a few minutes), 25 offline.
#
# ### Real or simulated?
#
# * **Online: real.** Sentinel-2 L2A and Sentinel-1 RTC from Microsoft Planetary Computer
#   (Copernicus data), Landslide4Sense patches from Zenodo record 10463239 (CC BY 4.0).
# * **Offline: simulated, real or made up.** The simulated study area (notebook 00); the
#   course's real Landslide4Sense subset if `./course data` fetched it, otherwise **made-up**
#   patches that only have Landslide4Sense's *format* (`write_example_patches`). The notebook
#   prints which branch it takes and which patches it uses.

# %%
# %matplotlib inline
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import ipywidgets as widgets
import numpy as np
from affine import Affine
from IPython.display import display
from rasterio.enums import Resampling

from course_lib import cart, metrics, sampling
from course_lib.composites import composite_raster
from course_lib.config import DEFAULT_SEED, cache_dir
from course_lib.data import landslide4sense as l4s
from course_lib.data import online, stac
from course_lib.data.raster import Raster
from course_lib.data.sentinel2 import dn_to_reflectance
from course_lib.indices import dndvi, ndvi
from course_lib.pipeline import layers
from course_lib.simulator import load_study_area
from course_lib.viz import composite_plots
from course_lib.viz.explore import explorer
from course_lib.viz.online_plots import patch_explorer

# %% tags=["parameters"]
# Parameters: the sizes and budgets of this notebook. The automatic tests run it with
# smaller values, injected after this cell (papermill's "parameters" convention).
USE_NETWORK = True     # False: always take the offline branch (the automatic tests do)
RESOLUTION = 20        # metres per pixel of the STAC loads
STAC_LIMIT = 20        # most items per STAC search
N_L4S_TRAIN = 48       # Landslide4Sense training patches downloaded
N_EXAMPLE_PATCHES = 24  # made-up patches written offline
UNET_STEPS = 60        # U-Net training steps (a fixed number: the same result on any machine)

# %% [markdown]
# ## 1. Is there a network?
#
# One cheap check per server (a TCP connection, no data). The automatic tests run in fast
# mode and always take the offline branch; `COURSE_OFFLINE=1` forces it too (useful in a
# workshop with an unreliable connection).

# %%
reachable = {host: online.network_available(host)
             for host in ("planetarycomputer.microsoft.com", "zenodo.org")}
ONLINE = USE_NETWORK and all(reachable.values())
for host, ok in reachable.items():
    print(f"{host}: {'reachable' if ok else 'not reachable'}")
print("->", "ONLINE: real data" if ONLINE else
      "OFFLINE: the same steps on local data (" + ("USE_NETWORK is False" if not USE_NETWORK else "no network") + ")")

# %% [markdown]
# Without a network, every online function of the course stops with one clear message instead
# of a stack of socket errors:

# %%
try:
    online.require_network("zenodo.org" if not ONLINE else "offline.invalid",
                           what="this demonstration", timeout=2)
except online.OfflineError as err:
    print(err)

# %% [markdown]
# ## 2. Sentinel-2 and Sentinel-1 over Jølster through STAC
#
# A STAC API answers "which images cover this box between these dates?" with **items**: one
# per scene, each listing its files (**assets**, one per band) and metadata such as the cloud
# cover and the processing baseline. `odc-stac` then reads only the box you ask for from the
# cloud-optimised GeoTIFFs, reprojected onto one grid. The course's preset:

# %%
window = stac.JOLSTER
print(window.name)
print(f"box (lon/lat): {window.bbox}; event {window.event}")
print(f"pre: {window.datetime('pre')}   post: {window.datetime('post')}   grid: {window.crs}")

# %% [markdown]
# **Processing baselines.** From baseline 04.00 (25 January 2022) ESA adds 1000 to every
# Sentinel-2 digital number (`BOA_ADD_OFFSET = -1000`), so reflectance = (DN − 1000) / 10000;
# before, reflectance = DN / 10000. A time series that spans 2022 mixes both, so `load_s2`
# converts each item with its own baseline (`course_lib.data.sentinel2.dn_to_reflectance`). 2019 images
# have no offset, but the code does not assume it.

# %% [markdown]
# ### Self-check
#
# A Sentinel-2 L2A pixel of a product with processing baseline **04.00** stores DN 1500. What
# is its reflectance? Replace `...` with a number and run the cell.
#
# <details><summary>Hint</summary>
#
# Subtract the offset first, then divide by the quantification value 10000.
# </details>

# %%
from course_lib.learner import selfcheck

answer = ...   # replace ... with a reflectance, e.g. 0.15
selfcheck.check_number(answer, expected=float(dn_to_reflectance(np.array([1500]), "04.00")[0]),
                       tol=1e-4, hint="Remove the offset of 1000 before dividing by 10000.",
                       explain="Forgetting the offset gives 0.15, three times too bright.")

# %% [markdown]
# Now load the images: online the real ones; offline the simulated study area, cropped and
# written as one GeoTIFF per date and band with STAC items that point at them
# (`stac.items_from_rasters`), so that **the same** `stac.load_s2_dataset` reads them. It
# returns what `odc.stac.load` returns, an `xarray.Dataset`, with the digital numbers already
# converted to reflectance per processing baseline.

# %%
if ONLINE:
    items = {p: stac.search("s2", window, p, max_cloud=80, limit=STAC_LIMIT) for p in ("pre", "post")}
    for p, found in items.items():
        print(f"{p}: {len(found)} Sentinel-2 items, baselines "
              f"{sorted({stac.processing_baseline(i) for i in found})}")
    datasets = {p: stac.load_s2_dataset(items[p], bbox=window.bbox, crs=window.crs,
                                        resolution=RESOLUTION) for p in ("pre", "post")}
    truth = None
else:
    area = load_study_area()
    crop = np.s_[..., 256:768, 256:768]
    local = Path(tempfile.mkdtemp(prefix="stac_", dir=cache_dir()))
    items = {}
    for p in ("pre", "post"):
        refl, scl = area[f"s2_{p}"], area[f"s2_{p}_scl"]
        moved = refl.transform @ Affine.translation(256, 256)      # the crop's top-left corner
        refl_c = replace(refl, data=refl.data[crop], transform=moved)
        scl_c = replace(scl, data=scl.data[crop], transform=moved)
        # one period with each baseline, to show that both decode to the same reflectance
        items[p] = stac.items_from_rasters(refl_c, scl_c, local / p, prefix=f"sim_{p}",
                                           processing_baseline="02.13" if p == "pre" else "04.00")
    print("offline: would search", stac.CATALOGS["planetary-computer"]["url"],
          f"for {stac.CATALOGS['planetary-computer']['s2']} items in {window.bbox};")
    print(f"instead: {sum(len(v) for v in items.values())} local items of the simulated area, "
          f"baselines {[stac.processing_baseline(i) for i in items['pre'][:1] + items['post'][:1]]}")
    datasets = {p: stac.load_s2_dataset(items[p], crs=window.crs, resolution=RESOLUTION)
                for p in ("pre", "post")}
    truth = area["landslide_mask"]

# %% [markdown]
# ### The Dataset, as the xarray ecosystem sees it
#
# One variable per band (named as in ESA products) plus `SCL`, each `(time, y, x)`; `x` and `y`
# are pixel-centre coordinates in metres (UTM 32N), `spatial_ref` carries the CRS (so
# `ds.rio.crs` and `ds.odc.geobox` work), and `processing_baseline` says how each date was
# decoded. Labels make questions short: the share of SCL cloud per date is one line.

# %%
from course_lib.clouds import SCL_CLOUD

ds = datasets["post"]
cloud = ds["SCL"].isin(SCL_CLOUD).mean(["y", "x"])     # one number per date, labelled by time
for when, baseline, fraction in zip(ds.time.values.astype("datetime64[D]"),
                                    ds["processing_baseline"].values, cloud.values):
    print(f"post {when}: baseline {baseline}, SCL cloud {fraction:.0%}")
ds

# %% [markdown]
# The rest of the course works on its `Raster` (a NumPy array plus CRS, affine transform, band
# names and dates). `stac.s2_rasters(ds)` makes one from the Dataset with
# `Raster.from_xarray(ds[bands].to_dataarray("band"))`, and one for SCL: the same numbers, with
# the pixel-centre coordinates turned into the transform of the pixels' corners
# (`raster.to_xarray()` goes back). `stac.load_s2` is these two steps in one call.

# %%
s2 = {p: stac.s2_rasters(ds) for p, ds in datasets.items()}
for p, (refl, scl) in s2.items():
    print(f"{p}: {refl.data.shape[0]} dates on a {refl.shape[0]} x {refl.shape[1]} grid at "
          f"{refl.resolution:.0f} m; bands {refl.band_names}; baselines {refl.attrs['processing_baselines']}")
print("same numbers:", np.array_equal(s2["post"][0].band("B04"), datasets["post"]["B04"].values,
                                      equal_nan=True),
      "| same grid:", s2["post"][0].transform == datasets["post"].rio.transform())

# %% [markdown]
# ### Composites and dNDVI, with the course's functions
#
# SCL cloud, shadow, snow and no-data are masked and the greenest clear observation is kept
# (`course_lib.composites.composite_raster`, notebook 01).

# %%
composites = {p: composite_raster(refl, scl, "greenest") for p, (refl, scl) in s2.items()}
pre_c, post_c = composites["pre"], composites["post"]
change = dndvi(ndvi(pre_c.band("B04"), pre_c.band("B08")), ndvi(post_c.band("B04"), post_c.band("B08")))
print(f"never clear before or after: {np.isnan(change).mean():.1%} of the pixels")

# by the course's figure rules: never-clear pixels in the no-data colour, dNDVI purple-green
display(composite_plots.composites_change_figure(pre_c, post_c, change))

# %% [markdown]
# Online, add Sentinel-1: the radiometrically terrain-corrected backscatter of Planetary
# Computer (`sentinel-1-rtc`, linear gamma0), median composites per period and the [log-ratio](glossary.md#log-ratio)
# change in dB, ascending and descending apart (notebook 02 showed why averaging them can
# cancel the landslide signature).

# %%
if ONLINE:
    from course_lib import sar

    s1 = {p: stac.load_s1(stac.search("s1", window, p, limit=STAC_LIMIT), bbox=window.bbox,
                          crs=window.crs, resolution=RESOLUTION) for p in ("pre", "post")}
    for orbit in ("ascending", "descending"):
        keep = {p: np.array(s1[p].attrs["orbit_state"]) == orbit for p in s1}
        if all(k.any() for k in keep.values()):
            ratio = sar.log_ratio_db(sar.median_backscatter(s1["pre"].data[keep["pre"]]),
                                     sar.median_backscatter(s1["post"].data[keep["post"]]))
            print(f"{orbit}: VV log-ratio from {keep['pre'].sum()} + {keep['post'].sum()} scenes, "
                  f"median {np.nanmedian(ratio[0]):+.2f} dB")
else:
    print("offline: would load Sentinel-1 RTC (VV, VH) for both periods with stac.load_s1 and "
          "compute the log-ratio per orbit direction; the simulated area's radar is used in "
          "notebooks 02-05.")

# %% [markdown]
# ### CART: trained on the simulated area, applied here
#
# Real images over Jølster come without training points. What happens if we take notebook
# 04's CART (eight classes, grown to pure leaves, 3 x 3 focal mode) trained on the
# *simulated* area's points with setting 4 (post R, G, B, NIR and dNDVI) and apply it here? Offline the "new" area is a crop of the same simulated world, so it should
# work (and the crop holds many of the training points, so its score is no test of the
# model); online it is a different world (real atmosphere, season, sensor noise), and the paper's
# lesson, *locally trained models beat globally trained ones*, shows up.

# %%
sim_area = load_study_area()
sim_stack = layers.setting_layers(4, sim_area)   # post R, G, B, NIR and dNDVI
sim_table = sampling.sample_at_points(sim_stack, sim_area["training_points"], on_invalid="keep")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)   # points with NaN are left out (NaN policy)
    tree = cart.fit_pixel_classifier(sim_table, sim_stack.band_names, cart.make_cart(),
                                     on_nan="drop")

# the same five layers from this area's composites, under the names the tree was trained on
here = Raster(np.stack([post_c.band("B04"), post_c.band("B03"), post_c.band("B02"),
                        post_c.band("B08"), change]).astype(np.float32),
              post_c.transform, post_c.crs, sim_stack.band_names)
cart_map = tree.predict_landslides(here, focal_window=3)
print(f"CART (trained on the simulated area) marks {np.nanmean(cart_map):.1%} of the valid pixels as landslide")
if truth is not None:
    # the simulated truth, resampled onto the loaded grid as odc-stac resampled the images
    # (nearest neighbour), with rioxarray: the Raster as a DataArray, matched to the Dataset
    reference = truth.to_xarray().rio.reproject_match(datasets["post"],
                                                       resampling=Resampling.nearest)
    scores = metrics.evaluate(reference.values[0], cart_map)
    print("against the simulated truth:", scores.text(digits=0))
else:
    print("no reference mask here: compare the map with the inventory of Ganerød et al. (2023) by eye")

# %% [markdown]
# ## 3. Landslide4Sense: a checked subset instead of a 2.5 GB archive
#
# The training archive on Zenodo is 2.5 GB, too big for Binder. `l4s.download_subset` reads
# only the archive's table of contents and the chosen patches over HTTP range requests, each
# file through `pooch`; the zip's CRC-32 is checked on extraction and each file's SHA-256 is
# recorded and checked on every later load. The course's own subset of 48 real patches, fetched
# once by `./course data` (Binder fetches it when it builds), is used first, online or not.
#
# > **Without it and offline, the patches are made up.** The next cell then writes a few
# > **made-up** patches in the same file format (`l4s.write_example_patches`): random values
# > spread like the authors' statistics, with one drawn "landslide" per patch. They show the
# > format and let every step below run; they are not data, so nothing learnt or scored on them
# > says anything about landslides. `patches.made_up` records which kind was loaded, and every
# > cell below says so in its output.

# %%
# The data of section 3: the course's real subset, else a download online, else made-up
# stand-ins (only here, in a temporary folder that is removed).
folder = l4s.course_subset()   # the real subset of ./course data, checked; None if not fetched
if folder is None and ONLINE:
    folder = l4s.download_subset(n=N_L4S_TRAIN, split="train", seed=DEFAULT_SEED)
if folder is not None:
    patches = l4s.load_patches(folder, limit=N_L4S_TRAIN)
else:
    with tempfile.TemporaryDirectory(prefix="l4s_", dir=cache_dir()) as made_up:  # not kept
        patches = l4s.load_patches(l4s.write_example_patches(made_up, n=N_EXAMPLE_PATCHES,
                                                             seed=DEFAULT_SEED))

# %%
source = ("MADE-UP patches in the Landslide4Sense format (an offline stand-in, not real data)"
          if patches.made_up else
          f"real Landslide4Sense training patches (Zenodo {l4s.ZENODO_RECORD}, {folder.name})")
print(f"{len(patches)} {source}")
if folder is not None:
    print(f"licence: {l4s.LICENCE}; cite: {l4s.CITATION}")
print(f"images {patches.images.shape} ({', '.join(patches.band_names)}); masks {patches.masks.shape}")
print(f"landslide pixels: {patches.landslide_fraction():.1%}")

# %% [markdown]
# The values are not reflectances: the authors rescaled each band before release, and their
# own data loader standardises each band with a fixed mean and standard deviation. We use
# theirs (`l4s.BAND_MEANS`, `l4s.BAND_STDS`), so a model trained here sees inputs on the same
# scale as the published baseline.

# %%
normalised = l4s.normalise_patches(patches)
print("band  mean as stored  ->  mean normalised")
for b in ("B02", "B08", "B12", "slope", "DEM"):
    print(f"{b:>5}  {patches.band(b).mean():+14.3f}  ->  {normalised.band(b).mean():+.3f}")

# %% [markdown]
# Explore the patches: true colour, any band, and the mask.

# %%
def explore(index=0, band="B08", normalised_values=False):
    fig, numbers = patch_explorer(normalised if normalised_values else patches, index, band)
    kind = "MADE-UP patch " if patches.made_up else ""
    return fig, (f"{kind}{numbers['name']}: {numbers['landslide_fraction']:.1%} landslide; "
                 f"{band} mean {numbers['band_mean']:.3f}, std {numbers['band_std']:.3f}")


explorer(explore,
         index=widgets.IntSlider(value=0, min=0, max=len(patches) - 1, description="patch",
                                 continuous_update=False),
         band=widgets.Dropdown(options=list(l4s.BAND_NAMES), value="B08", description="band"),
         normalised_values=widgets.Checkbox(value=False, description="normalised"));

# %% [markdown]
# ### The U-Net of notebook 05 on these patches
#
# If the U-Net helpers of notebook 05 (`course_lib.unet`) are installed, the patches become
# its chips (`l4s.to_chips`) and train a small U-Net for a fixed number of steps
# (`UNET_STEPS`, about a minute on one CPU, the same result on any machine); the last quarter
# of the patches is kept for validation. For comparison, the baseline U-Net of the
# Landslide4Sense authors reached [F1](glossary.md#f1) 57.8 % on their validation set after
# full training on a GPU; a minute on one CPU will not get there. On **made-up** patches the
# cell trains all the same, to show the steps, but prints no score: their "landslides" are
# drawn shapes with a built-in signature, so a score would measure the drawing, not the
# method.

# %%
import importlib.util

if importlib.util.find_spec("course_lib.unet") is None:
    print("course_lib.unet is not installed: skipping the U-Net (notebook 05 provides it).")
    x, y = l4s.training_arrays(patches, bands=["B02", "B03", "B04", "B08"])
    print(f"ready for any Keras model: x {x.shape} {x.dtype}, y {y.shape} {y.dtype}")
else:
    from course_lib import unet

    # TensorFlow needs most of Binder's memory: free the study area's images first.
    sim_area.clear_cache()
    for name in ("s2", "datasets", "ds", "composites", "sim_c", "x_sim", "x_here", "table", "refl",
                 "scl", "refl_c", "scl_c", "reference"):
        globals().pop(name, None)
    import gc

    gc.collect()
    unet.import_keras_quietly()
    bands = ["B02", "B03", "B04", "B08", "B12", "slope"]
    chips = l4s.to_chips(normalised, bands=bands)
    n_val = max(1, len(chips) // 4)
    train_chips, val_chips = chips[:-n_val], chips[-n_val:]
    stats = unet.fit_band_stats([c.image for c in train_chips], bands)
    trained = unet.train_unet(unet.samples_from_chips(train_chips, stats),
                              unet.samples_from_chips(val_chips, stats), stats,
                              steps=UNET_STEPS, validate_every=10, base_filters=8,
                              batch_size=4, verbose=False, seed=DEFAULT_SEED)
    prediction = np.stack([trained.predict(c.image, band_names=bands) for c in val_chips])
    truth_val = np.stack([c.mask for c in val_chips])
    print(f"U-Net trained {trained.info['steps']} steps on {len(train_chips)} {source}.")
    if patches.made_up:
        print(f"No score: the {len(val_chips)} validation patches are made up, so a score would "
              "say nothing about landslide mapping (fetch the real subset with ./course data).")
    else:
        print(f"{len(val_chips)} validation patches:", metrics.evaluate(
            truth_val.reshape(-1, 128), prediction.reshape(-1, 128)).text(digits=0))

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Make a window for another event: a box and dates of your choice (for example
# the Gjerdrum quick-clay slide, Norway, 30 December 2020, around 11.04 E, 60.07 N). Print its
# STAC datetime strings; online, count the Sentinel-2 items with less than 50 % cloud.
#
# <details><summary>Hint</summary>
#
# `stac.EventWindow(name, bbox, event, pre=(start, end), post=(start, end), crs=...)`; Gjerdrum
# lies in UTM zone 32 north (EPSG:32632).
# </details>

# %% tags=["solution"]
gjerdrum = stac.EventWindow(name="Gjerdrum, Norway (30 December 2020)",
                            bbox=(10.98, 60.04, 11.10, 60.10), event="2020-12-30",
                            pre=("2020-11-01", "2020-12-29"), post=("2020-12-31", "2021-03-31"))
print(gjerdrum.datetime("pre"), gjerdrum.datetime("post"))
if ONLINE:
    print(len(stac.search("s2", gjerdrum, "post", max_cloud=50)), "post-event items below 50 % cloud")
# In midwinter at 60 N the sun is low and snow covers the ground: Sentinel-2 sees little, which
# is why radar (stac.search("s1", ...)) mattered for this event.

# %% [markdown]
# **Exercise 2.** What happens to [NDVI](glossary.md#ndvi) if you forget the baseline-04.00 offset? Take a
# vegetation pixel with true reflectance red 0.04 and NIR 0.30, write its DNs as a 2022
# product would, and compute NDVI with the right and the wrong conversion.

# %% tags=["solution"]
dn_red, dn_nir = 0.04 * 10000 + 1000, 0.30 * 10000 + 1000
right = ndvi(dn_to_reflectance(np.array([dn_red]), "04.00"), dn_to_reflectance(np.array([dn_nir]), "04.00"))
wrong = ndvi(dn_to_reflectance(np.array([dn_red]), "02.13"), dn_to_reflectance(np.array([dn_nir]), "02.13"))
print(f"NDVI with the offset removed: {right[0]:.2f}; without: {wrong[0]:.2f}")
# The offset adds 0.1 to every band, which pulls NDVI towards 0: a time series across January
# 2022 would show a false 'vegetation loss' on every pixel.

# %% [markdown]
# **Exercise 3.** Compute the per-band mean and standard deviation of the loaded patches and
# compare them with the authors' statistics. Which band departs most? What would that mean for
# a model trained with the published statistics? (Made-up patches are drawn from the
# authors' statistics, so with them expect near-zero departures and ties: the question is
# about real patches.)

# %% tags=["solution"]
means = patches.images.reshape(-1, 14).mean(axis=0)
stds = patches.images.reshape(-1, 14).std(axis=0)
departure = np.abs(means - l4s.BAND_MEANS) / l4s.BAND_STDS
for b, m, s, d in zip(l4s.BAND_NAMES, means, stds, departure):
    print(f"{b:>5}: mean {m:+.3f} (authors {l4s.BAND_MEANS[l4s.BAND_NAMES.index(b)]:+.3f}), "
          f"std {s:.3f}; departure {d:.2f} std")
rounded = departure.round(2)
largest = [b for b, d in zip(l4s.BAND_NAMES, rounded) if d == rounded.max()]
print(f"largest departure: {rounded.max():.2f} std, in {', '.join(largest)}"
      + (" (a tie)" if len(largest) > 1 else "") + f"; {source}")
# Made-up patches are drawn from the authors' statistics, so with them the departures only
# show the bands that the drawn landslides change (B02-B08 and B12), not a real difference.
# A small subset (or data from another region) has statistics of its own; standardising it with
# the training set's statistics is still right (a model must see inputs as in training), but a
# large departure warns that the new data differ from what the model learnt on.

# %% [markdown]
# ## Summary
#
# * A STAC search returns items (scenes) with assets (files); `odc-stac` reads only the box
#   and bands asked for, onto one grid, as an xarray Dataset. The course wraps both in
#   `course_lib.data.stac`: `load_s2_dataset` keeps the Dataset (in reflectance, with SCL), and
#   `Raster.from_xarray` turns it into the same `Raster` type as every other loader.
# * Sentinel-2 DNs carry an offset of 1000 from processing baseline 04.00: convert per item.
#   Keep SCL to mask clouds, shadows and snow.
# * The course's functions (composites, dNDVI, CART) run unchanged on real images; a model
#   trained on one area (here the simulated one) is not a model for another.
# * Landslide4Sense: 14 bands (B1-B12 without B8A, slope, DEM), HDF5 keys `img` and `mask`,
#   standardised with the authors' per-band statistics; a subset can be downloaded and checked
#   without fetching the whole archive.
# * Online code must fail clearly offline and say how to continue.
#
# ### Key points
#
# * Check the processing baseline before comparing Sentinel-2 images across 2022.
# * Download what you need, verify it with checksums, and cache it.
# * Always print which data a result comes from: real, simulated or made up.
#
# ### What's next
#
# Try the pipeline on your own event window (exercise 1), train notebook 05's U-Net on more
# Landslide4Sense patches, and scale the STAC loading with notebook 08's chunks:
# `stac.load_s2_dataset(..., chunks={"x": 1024, "y": 1024})` returns the same Dataset backed by
# lazy Dask arrays, read only when computed.
#
# ### References
#
# * Ghorbanzadeh, O., Xu, Y., Ghamisi, P., Kopp, M., & Kreil, D. (2022). Landslide4Sense:
#   reference benchmark data and deep learning models for landslide detection. *IEEE TGRS*, 60,
#   4417516 (arXiv 2206.00515); data: Zenodo record 10463239; per-band statistics from the
#   authors' data loader (github.com/iarai/Landslide4Sense-2022).
# * ESA (2022). Sentinel-2 processing baseline 04.00: the radiometric offset (BOA_ADD_OFFSET).
# * Ganerød, A. J., Lindsay, E., et al. (2023). *Remote Sensing*, 15(4), 895.
# * STAC specification, stacspec.org; odc-stac, odc-stac.readthedocs.io.
