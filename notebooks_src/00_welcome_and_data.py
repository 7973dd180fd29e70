# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 00 · Welcome, and a tour of the data
#
# Welcome to **Mapping landslides from satellite imagery**, a hands-on course built around a
# real event: the debris flows and debris slides of **30 July 2019 in Jølster, western Norway**,
# studied by Ganerød, Lindsay et al. (2023, *Remote Sensing* 15:895). You will mask clouds,
# build composites, compute change images, classify objects and pixels, train a small U-Net, and
# judge every map with the Matthews correlation coefficient (MCC), as the paper does.
#
# ## Overview
#
# ### Learning objectives
#
# By the end of this notebook you can:
#
# 1. say how the course is organised: notebooks, the `course_lib` helper package, widgets,
#    exercises and solutions;
# 2. handle the arrays every notebook uses: bands first `(bands, rows, cols)`, NaN as no data,
#    boolean masks, a median over time that skips NaN, points in a GeoDataFrame with a CRS;
# 3. open the course's **real** Sentinel-2 and Landsat samples and say what each band shows,
#    with the course's loaders and with rioxarray;
# 4. read a cloud mask (CFmask) and count the clear observations in a time series;
# 5. show rasters and polygons on an interactive map that works even offline;
# 6. open the **simulated** Jølster-like study area, change it, and say which data in the course
#    is real, which is simulated, and why.
#
# ### Prerequisites
#
# | concept | importance | where to learn it |
# |---|---|---|
# | Python and NumPy arrays | necessary | any Python introduction; [NumPy for absolute beginners](https://numpy.org/doc/stable/user/absolute_beginners.html) |
# | matplotlib `imshow` | helpful | [matplotlib tutorials](https://matplotlib.org/stable/tutorials/index.html) |
# | xarray and rioxarray | helpful | The Carpentries, [*Introduction to Geospatial Raster and Vector Data with Python*](https://carpentries-incubator.github.io/geospatial-python/) |
# | what a satellite band and a reflectance are | helpful | NASA ARSET, *Fundamentals of Remote Sensing* |
#
# ### Time to learn
#
# About **25 minutes** (10 reading, 10 exploring with the widgets, 5 for the exercises), plus
# 10 for the NumPy and GeoPandas primer if they are new to you (in a workshop, set the primer
# as reading before the day).
#
# ### Real or simulated?
#
# * **Real**: a Sentinel-2 [Level-1C](glossary.md#l1c-and-l2a) scene (Germany, 16 Feb 2017, all 13 bands) and 105 Landsat
#   5/7 scenes with their [CFmask](glossary.md#cfmask) cloud masks (Colorado, 2008-2013). They ship with the course in
#   `data_samples/` (source, licence and checksums in `data_samples/README.md`).
# * **Simulated**: the Jølster-like study area with its landslides. No real landslide imagery
#   with a ground-truth mask can ship with a course that must run offline, so `course_lib`
#   *generates* one from a seed: terrain, land cover, about 120 landslides, cloudy Sentinel-2
#   and speckled Sentinel-1 acquisitions. You can change that world and watch each method
#   respond. Every figure made from it says *simulated*.
# * **Real, online** (optional, notebook 09): the Landslide4Sense benchmark and Sentinel data
#   over the real Jølster event.
#
# ### Coming from Google Earth Engine?
#
# The ideas are the same; what changes is where the pixels live (NumPy arrays in your computer's
# memory, not lazy images on Google's servers), how projections work (one fixed pixel grid per
# layer, no reprojection on the fly) and how masks work (NaN instead of `updateMask`). The page
# [From Earth Engine to Python](earth_engine_to_python.md) lists, call by call, the Earth Engine
# functions you know (`filterDate`, `updateMask`, `qualityMosaic`, `normalizedDifference`,
# `focal_mode`, ...) and the course function that does the same, with the notebook that teaches
# it. The primer in section 0 below shows the NumPy and GeoPandas habits those functions rely
# on.

# %% [markdown]
# ### Check your set-up (optional, about a minute)
#
# The same check as `./course check` in a terminal: one PASS/FAIL line per component (Python,
# packages, data checksums, the simulated study area, the widgets extension, a tiny Keras model,
# free memory), with the fix for each failure. Set `RUN_SETUP_CHECK = True` and run the cell.

# %% tags=["parameters"]
# Parameters of this notebook (papermill's "parameters" convention).
RUN_SETUP_CHECK = False  # True: check this computer's set-up before you start

# %%
from course_lib.learner import setup_check

if RUN_SETUP_CHECK:
    setup_check.run_checks()

# %% [markdown]
# ## How the course works
#
# * **Notebooks** (`notebooks/`) tell the story and make the plots. Each follows the same shape:
#   overview, steps, exercises, summary.
# * **`course_lib`** holds every algorithm, once, with unit tests. When a notebook calls
#   `course_lib.composites.greenest_pixel_composite`, you can open `course_lib/composites.py`
#   and read it: each module is short and named after a step of the course.
# * **Widgets** (sliders, drop-downs) let you change a parameter and see the result. Each
#   explorer first shows its figure for the starting values, as an ordinary output (so you see it
#   even in a rendered page); in a running notebook, moving a control redraws that same figure.
#   If the controls show as one line of text (`[interactive controls: ...]`) in a running
#   notebook, see *Troubleshooting* in the README.
# * **Exercises**: `notebooks/` holds the notebooks *with* solutions; `notebooks/exercises/`
#   holds the same notebooks with the solution cells left empty for you to fill in.
#   You are reading the version **with solutions** (in `notebooks/`).
# * **Parameters**: each notebook has one cell of sizes and budgets (tagged `parameters`). The
#   automatic tests run the notebooks with smaller values; you never need to change them.
#
# Run the cells from top to bottom with **Shift+Enter**. Start with the imports:

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib.data.samples import FMASK_CODES, load_landsat_series, load_sentinel2_l1c
from course_lib.viz import data_tour
from course_lib.viz.explore import explorer
from course_lib.viz.maps import layer_map

LABEL_STYLE = {"description_width": "initial"}   # widget labels shown in full

# %% [markdown]
# ## 0. A primer: the arrays and tables of the course
#
# If NumPy and GeoPandas are familiar, skip to section 1. If you come from Earth Engine, this is
# the part of Python that replaces `ee.Image` and `ee.FeatureCollection`: four habits that every
# notebook uses.
#
# **Arrays are bands first.** An image is a NumPy array of shape `(bands, rows, cols)`; a time
# series is `(time, bands, rows, cols)`. Indexing the first axis gives one band as a 2-D array,
# and arithmetic works on whole arrays at once, pixel by pixel (no loop). A toy image of 2 bands,
# 3 rows and 4 columns:

# %%
toy = np.array([[[0.05, 0.06, 0.04, np.nan],        # band 0: red reflectance
                 [0.05, 0.30, 0.31, 0.05],
                 [0.04, 0.04, 0.32, 0.05]],
                [[0.40, 0.42, 0.38, np.nan],        # band 1: NIR reflectance
                 [0.41, 0.35, 0.36, 0.40],
                 [0.39, 0.40, 0.33, 0.41]]], dtype=np.float32)
print("shape (bands, rows, cols):", toy.shape)
red_toy, nir_toy = toy                     # unpack the first axis: one 2-D array per band
ndvi_toy = (nir_toy - red_toy) / (nir_toy + red_toy)
print("NDVI, computed for all 12 pixels at once:\n", np.round(ndvi_toy, 2))

# %% [markdown]
# **NaN means [no data](glossary.md#nodata).** The top-right pixel has no observation: it is NaN ("not a number"), not
# zero, and NaN spreads through arithmetic, so its NDVI is NaN too. This is the course's version
# of Earth Engine's mask (`updateMask`). Plain `np.mean` returns NaN as soon as one pixel is NaN;
# the `np.nan...` functions skip them. [**Boolean masks**](glossary.md#boolean-mask) are arrays of `True`/`False` from a
# comparison; their sum counts pixels and their mean is a fraction. A comparison with NaN is
# always `False`, so a mask never selects a no-data pixel by accident.

# %%
print("np.mean:", np.mean(ndvi_toy), "| np.nanmean:", round(float(np.nanmean(ndvi_toy)), 3))
bare_toy = ndvi_toy < 0.3                  # boolean mask: low NDVI = little vegetation
print(bare_toy)
print(f"{bare_toy.sum()} bare pixels, {bare_toy.mean():.0%} of all pixels; their red values:",
      red_toy[bare_toy])
print("valid (not NaN) pixels:", int(np.isfinite(ndvi_toy).sum()))

# %% [markdown]
# **Statistics over time skip NaN.** Stack three dates of the red band on a new first axis and
# take the median over it (`axis=0`): a cloud that hides a pixel on one date (NaN there) simply
# does not vote. This is Earth Engine's `collection.median()`, the median composite of notebook
# 01. A pixel seen on no date at all stays NaN: no data, never a made-up value.

# %%
import warnings

dates_toy = np.stack([red_toy, red_toy + 0.01, red_toy - 0.01])   # (time, rows, cols)
dates_toy[1, 0, 0] = np.nan                                       # a cloud on date 1
with warnings.catch_warnings():    # NumPy warns "All-NaN slice" for pixel (0, 3): no date saw it
    warnings.simplefilter("ignore", RuntimeWarning)
    median_toy = np.nanmedian(dates_toy, axis=0)                  # one value per pixel
print("stack (time, rows, cols):", dates_toy.shape, "-> median (rows, cols):", median_toy.shape)
print("pixel (0, 0) on the three dates:", dates_toy[:, 0, 0], "-> median", median_toy[0, 0])
print("pixel (0, 3), seen on no date -> median", median_toy[0, 3])

# %% [markdown]
# **A raster knows where it is; so does a table of points.** The course's `Raster` is the array
# plus its grid: a coordinate reference system ([CRS](glossary.md#crs)) and an [affine *transform*](glossary.md#affine-transform) from pixel
# (row, column) to map coordinates (x, y). A GeoPandas [`GeoDataFrame`](glossary.md#geodataframe) is a pandas table with a
# geometry column and a CRS (Earth Engine's `FeatureCollection`). `.to_crs` reprojects the
# points; `rasterio.transform.rowcol` finds the pixel that holds each point, so you can read the
# raster there. Points must be in the raster's CRS first: longitude and latitude in degrees are
# not metres.

# %%
import geopandas as gpd
from affine import Affine
from rasterio.crs import CRS
from rasterio.transform import rowcol

from course_lib.data.raster import Raster

# 10 m pixels; the top-left corner at x = 315 000 m, y = 6 830 000 m in UTM zone 32N (Jølster).
toy_raster = Raster(data=toy, transform=Affine(10, 0, 315_000, 0, -10, 6_830_000),
                    crs=CRS.from_epsg(32632), band_names=("red", "nir"))
print("raster:", toy_raster.shape, "pixels of", toy_raster.resolution, "m; bounds",
      toy_raster.bounds)

points_toy = gpd.GeoDataFrame(
    {"name": ["field", "scar"]},
    geometry=gpd.points_from_xy([315_005, 315_025], [6_829_985, 6_829_975]), crs="EPSG:32632")
print(points_toy.to_crs("EPSG:4326"))     # the same points in longitude and latitude
rows_toy, cols_toy = rowcol(toy_raster.transform, points_toy.geometry.x, points_toy.geometry.y)
points_toy["ndvi"] = ndvi_toy[np.asarray(rows_toy), np.asarray(cols_toy)]
print(points_toy[["name", "ndvi"]].assign(row=rows_toy, col=cols_toy))

# %% [markdown]
# ## 1. A real Sentinel-2 Level-1C scene
#
# Sentinel-2 carries the MultiSpectral Instrument with **13 bands** at 10, 20 and 60 m.
# Level-1C is *top-of-atmosphere* reflectance: what the satellite saw, atmosphere included. The
# files store [digital numbers](glossary.md#dn-digital-number) (DN) = reflectance × 10000; from processing baseline 04.00
# (January 2022) an offset of 1000 is added too, so for newer scenes reflectance =
# (DN − 1000) / 10000. This scene is from 2017, so `load_sentinel2_l1c` divides by 10000.
# We read all bands on one 20 m grid (10 m bands are averaged, 60 m bands repeated):

# %%
s2 = load_sentinel2_l1c(resolution=20)
print("shape (bands, rows, cols):", s2.data.shape)
print("bands:", s2.band_names)
print("CRS:", s2.crs, "| pixel size:", s2.resolution, "m")
print("median reflectance per band:", np.round(np.nanmedian(s2.data, axis=(1, 2)), 3))
print(f"cirrus band B10: maximum {np.nanmax(s2.band('B10')):.4f}")

# %% [markdown]
# Three bands are special. **B01** (coastal aerosol) and **B09** (water vapour) serve the
# atmospheric correction, and **B10** (cirrus, 1375 nm) sees almost nothing of the ground
# because water vapour absorbs it: only high clouds light up. s2cloudless uses all three in
# notebook 01. Browse the layers: the cirrus band is nearly empty (its maximum is printed above), so
# whatever clouds this winter scene has are low ones, not cirrus. Move the stretch to see inside
# the brightest areas.

# %%
def show_sentinel2_layer(layer, upper_percentile):
    return data_tour.sentinel2_layer_figure(layer, upper_percentile)


explorer(
    show_sentinel2_layer,
    layer=widgets.Dropdown(options=list(data_tour.S2_LAYERS), description="layer",
                           style=LABEL_STYLE),
    upper_percentile=widgets.FloatSlider(value=98, min=90, max=100, step=0.5,
                                         description="stretch %", style=LABEL_STYLE),
);

# %% [markdown]
# ## 2. A real Landsat time series with its cloud masks
#
# One image is rarely enough: clouds hide the ground. The course's second real dataset is a
# time series of 105 small Landsat 5 TM and Landsat 7 ETM+ scenes (61 × 61 pixels at 30 m),
# each with red, NIR and SWIR1 surface reflectance and the **CFmask** cloud mask. We checked the
# codes in these files rather than trusting a table: they are

# %%
reflectance, fmask = load_landsat_series()
values, counts = np.unique(fmask, return_counts=True)
for value, count in zip(values, counts):
    print(f"code {value:3d} = {FMASK_CODES[int(value)]:12s} {count / fmask.size:6.1%} of all pixels")
print("dates:", reflectance.dates[0], "to", reflectance.dates[-1])

# %% [markdown]
# Code 255 (*fill*) marks pixels with no data: scene edges and, for Landsat 7 after May 2003,
# the stripes left by its failed scan-line corrector. Slide through the dates:

# %%
def show_landsat_scene(index):
    return data_tour.landsat_scene_figure(index)


explorer(
    show_landsat_scene,
    index=widgets.IntSlider(value=10, min=0, max=len(reflectance.dates) - 1,
                            description="date index", style=LABEL_STYLE),
);

# %% [markdown]
# How often is a pixel actually seen? The clear fraction per date shows why composites (notebook
# 01) collect observations over weeks or months:

# %%
clear = data_tour.landsat_clear_fraction()
fig, ax = plt.subplots(figsize=(9, 3))
ax.plot(reflectance.dates, clear, "o-", ms=3)
ax.set_ylabel("clear fraction (CFmask 0 or 1)")
ax.set_title("Real Landsat series: how much of the area is clear on each date")
plt.show()
print(f"{(clear > 0.9).sum()} of {len(clear)} dates are more than 90 % clear")

# %% [markdown]
# ### Check your understanding
#
# Which share of all the Landsat pixels (every date) does CFmask flag as **cloud** (code 4)?
# Answer with a fraction between 0 and 1, to two decimals, from the table printed above.
#
# <details><summary>Hint</summary>
#
# Look for the line `code   4 = cloud` in the output of the cell that counts the codes; 12.3 %
# is 0.12.
#
# </details>

# %%
from course_lib.learner import selfcheck

answer = ...  # replace ... with your fraction, e.g. 0.12
selfcheck.check_number(answer, expected=float(np.mean(fmask == 4)), tol=0.006,
                       hint="read the percentage next to code 4 and divide it by 100")

# %% [markdown]
# ### The same files, as the xarray ecosystem sees them
#
# The course's loaders return a `Raster`: a NumPy array plus its grid (CRS and affine transform),
# band names and dates. The tutorials you will meet next (the Carpentries geospatial lesson,
# the Project Pythia and Pangeo cookbooks, odc-stac, Dask) open rasters with
# [**rioxarray**](https://corteva.github.io/rioxarray/) as labelled `xarray.DataArray`s. Here is
# one of the Landsat files opened that way: a Landsat 7 scene, whose red band (`_b3.tif`)
# stores integers with −9999 for no data. `masked=True` turns that value into NaN:

# %%
import rioxarray

from course_lib.config import data_dir
from course_lib.data.samples import LANDSAT_FOLDER

scene = reflectance.attrs["scene_ids"][1]          # Landsat 7, after its scan-line failure
path = data_dir() / LANDSAT_FOLDER / scene / f"{scene}_b3.tif"
red = rioxarray.open_rasterio(path, masked=True)
print("dimensions:", dict(red.sizes), red.dtype)
print("CRS:", red.rio.crs, "| resolution (x, y):", red.rio.resolution())
print("transform (a, b, c, d, e, f):", tuple(red.rio.transform())[:6])
print("first x, y coordinates:", float(red.x[0]), float(red.y[0]))
print(f"nodata {red.rio.encoded_nodata:g} in the file -> {int(red.isnull().sum())} NaN pixels")
ax = red.squeeze("band", drop=True).plot(cmap="viridis", robust=True, figsize=(6, 4.2),
                                        cbar_kwargs={"label": "DN (reflectance x 10000)"}).axes
ax.set(aspect="equal", xlabel="x (m, UTM 13N)", ylabel="y (m)")
ax.ticklabel_format(style="plain", useOffset=False)   # metres in full, no "1e6" offset
ax.set_title("Landsat 7 red band as stored (DN); white stripes: NaN = no data")
plt.show()

# %% [markdown]
# Compare the transform with the coordinates: the transform's `c, f` is the **corner** of the
# top-left pixel, while `x[0], y[0]` is its **centre**, half a pixel (15 m) to the east and
# south. rioxarray, GDAL and odc-stac all use centres for coordinates and corners for
# transforms; mixing them up shifts a map by half a pixel.
#
# The course's `Raster` and the `DataArray` hold the same numbers with different labels:
# `Raster.from_xarray(da)` turns a DataArray into a Raster (the transform rebuilt from the
# coordinates, NaN kept) and `raster.to_xarray()` goes back, with band names and dates as
# coordinates. The check below compares the file read by rioxarray with what
# `load_landsat_series` made of it (it also multiplies by the scale factor 0.0001):

# %%
as_raster = Raster.from_xarray(red)
same = np.array_equal(as_raster.data[0] * np.float32(1e-4), reflectance.band("red")[1],
                      equal_nan=True)
print("same grid:", as_raster.transform == reflectance.transform and as_raster.crs == reflectance.crs)
print("same values (NaN where NaN):", same)
reflectance.to_xarray()        # the whole series: (time, band, y, x), with dates and band names

# %% [markdown]
# ## 3. An interactive map that works offline
#
# `course_lib.viz.maps.layer_map` puts rasters and polygons on a [folium](https://python-visualization.github.io/folium/)
# (Leaflet) map. It embeds the Leaflet library in the page, so the map works without internet;
# the OpenStreetMap basemap is added only when the tile server answers. Toggle the layers with
# the control in the top-right corner. The polygons are reference areas that came with the scene.

# %%
reference = gpd.read_file(data_dir() / "sentinel2_l1c_T33UUU_20170216" / "s2l1c_ref.gpkg")
layer_map(
    rasters={
        "Sentinel-2 true colour (real)": (s2.select(("B04", "B03", "B02")), {"vmin": 0.0, "vmax": 0.25}),
        "NIR band B08 (real)": (s2.select(("B08",)), {"cmap": "magma", "vmin": 0.0, "vmax": 0.4, "opacity": 0.8}),
    },
    vectors={"reference polygons": reference},
)

# %% [markdown]
# ## 4. The simulated study area: a Jølster-like landslide event
#
# Now the part of the course that is **simulated**. `course_lib.simulator` generates,
# from a seed, a 10 × 10 km valley landscape in western Norway (UTM 32N, 10 m pixels), modelled
# on the paper's case study: U-shaped glacial valleys, a lake, forest, alpine scrub, farmland,
# a village, bare rock and snow, and about 120 debris flows and debris slides triggered on
# 30 July 2019. "Satellites" then observe it: Sentinel-2 on four dates before and four after
# the event (with clouds, cloud shadows, snow patches, terrain shadow, and imperfect [SCL](glossary.md#scl) and
# cloud-probability layers), and Sentinel-1 VV/VH, ascending and descending, with [speckle](glossary.md#speckle).
#
# The first call generates the world and caches it in `data_cache/` (under a minute; Binder
# does it when the image is built); later calls read the cache.

# %%
from course_lib.simulator import LANDCOVER_CLASSES, load_study_area
from course_lib.viz import study_area_plots

area = load_study_area()
landslides = area["landslides"]
truth = area["landslide_mask"].data[0]
print(f"{len(landslides)} landslides covering {truth.mean():.2%} of the area")
print("land-cover classes:", LANDCOVER_CLASSES)
print("Sentinel-2 post-event dates:", area["s2_post"].dates)

# %%
study_area_plots.plot_study_area_overview(area)

# %% [markdown]
# The Sentinel-2 acquisitions after the event: note the cloudy date, the cloud shadows offset
# away from the sun, and the dark north-facing slopes.

# %%
study_area_plots.plot_acquisitions(area, "s2_post")

# %% [markdown]
# The same layers on a map, with the landslide inventory and the four evaluation subplots A-D
# (like the paper's: A on a north-facing slope, B with small slides, C a large slide near the
# village, D deposits on farmland). Hover over a polygon to read its attributes.

# %%
layer_map(
    rasters={"hillshade (simulated)": (area["hillshade"], {"cmap": "gray", "vmin": 0, "vmax": 1})},
    vectors={
        "landslides (simulated truth)": (landslides[["id", "type", "area_m2", "subplot", "geometry"]],
                                         {"color": "#D55E00", "weight": 1, "fillOpacity": 0.5}),
        "subplots A-D": (area["subplots"], {"color": "#0072B2", "weight": 2, "fillOpacity": 0}),
    },
)

# %% [markdown]
# ### Change the world
#
# The simulation is a teaching tool: change the knobs and see what the satellites would see.
# To stay fast, the explorer builds a miniature 2.56 × 2.56 km world each time (about a
# second). The explorer uses three ideas that notebooks 01 and 02 teach properly; for now:
#
# * **looks** (the equivalent number of looks, ENL) measures how much the radar's grainy
#   *speckle* has been averaged down: few looks = strong speckle. Sentinel-1's IW GRD images
#   have about 4.4;
# * **dNDVI** is the change of the vegetation index NDVI = (NIR − red) / (NIR + red) from
#   before to after the event: fresh landslide scars lose their vegetation, so [dNDVI](glossary.md#dndvi) drops;
# * the radar **log-ratio** is the change of backscatter in decibels, post − pre: a landslide
#   changes how rough the ground is, so its backscatter changes too.
#
# Try more cloud, fewer looks (stronger speckle) and smaller slides: which signal survives,
# the optical dNDVI or the radar log-ratio? And what happens to the radar signal when
# ascending and descending passes are averaged? The numbers under the figure say how strong
# each signal is on the landslides compared with elsewhere.

# %%
def explore_world(seed, cloud_cover, speckle_looks, n_landslides, landslide_size_scale):
    fig, numbers = study_area_plots.explore_world(seed, cloud_cover, speckle_looks,
                                                  n_landslides, landslide_size_scale)
    return fig, study_area_plots.format_world_numbers(numbers)


explorer(
    explore_world,
    seed=widgets.IntSlider(value=2019, min=2000, max=2040, description="seed",
                           style=LABEL_STYLE),
    cloud_cover=widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.25,
                                    description="cloud cover ×", style=LABEL_STYLE),
    speckle_looks=widgets.FloatSlider(value=4.4, min=1.0, max=20.0, step=0.1,
                                      description="looks (ENL)", style=LABEL_STYLE),
    n_landslides=widgets.IntSlider(value=15, min=0, max=40, description="landslides",
                                   style=LABEL_STYLE),
    landslide_size_scale=widgets.FloatSlider(value=1.0, min=0.3, max=2.0, step=0.1,
                                             description="landslide size ×", style=LABEL_STYLE),
);

# %% [markdown]
# ### What is simulated, and how it differs from real imagery
#
# - *Terrain*: idealised U-shaped valleys with fractal mountains between them, simple gullies
#   down the walls, cliff bands and talus; real valleys also have moraines and river terraces,
#   and a real DEM has errors.
# - *Land cover*: placed by simple rules (elevation, slope, aspect, noise), one spectrum per
#   class with some texture; real forests, fields and rocks vary far more.
# - *Landslides*: follow steepest-descent paths with a heavy-tailed size and stop where their
#   travel angle is used up, spreading into lobed fans; real debris flows also split, erode
#   channels and leave levees. Our truth mask is exact, whereas the paper's reference was
#   itself mapped by hand.
# - *Other changes*: clear-cuts, flood sediment, mowing, road works and slush-flow tracks also
#   strip vegetation between the dates (the product `other_changes` says where), each with one
#   simple optical and radar response; real ones vary more.
# - *Sentinel-2*: six bands (B02, B03, B04, B08, B11, B12) of surface reflectance with a simple
#   blur and a sub-pixel misregistration between dates, no adjacency effect, no BRDF; clouds at
#   one height per date; SCL and cloud probability derived from the true clouds with
#   deliberate errors, not by running Sen2Cor or s2cloudless.
# - *Sentinel-1*: backscatter from a look-up table and the same terrain model the slope
#   correction inverts (so the correction works better than on real data); layover and shadow
#   flagged but not geometrically displaced; speckle correlated over about two pixels; a
#   simple landslide signature (darker near edge, brighter far edge) that fades for small
#   slides.
# - *Time*: four optical and three radar dates per period, one storm, little phenology.
#
# So: the simulated world is for learning *how methods behave* and *how to evaluate them*; the
# numbers you get are not the paper's numbers, but the orderings and the reasons should be.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** A crude "bright pixel" test flags cloud (and snow) where the blue band B02
# exceeds 0.2. Which fraction of the Sentinel-2 scene does it flag? Show the flagged pixels.
# (Notebook 01 replaces this crude test with s2cloudless.)
#
# <details><summary>Hint</summary>
#
# `s2.band("B02")` returns the blue band as a 2-D array. Comparing it with 0.2 gives a
# boolean mask; the mean of a boolean mask is the fraction of `True` pixels.
#
# </details>

# %% tags=["solution"]
from course_lib.viz import style

bright = s2.band("B02") > 0.2
print(f"{bright.mean():.1%} of the pixels have B02 > 0.2")
fig, ax = plt.subplots(figsize=(8, 4))
ax.imshow(bright, extent=s2.extent, cmap="gray")
style.map_axes(ax, s2.extent, crs=str(s2.crs))   # km ticks and labelled axes
ax.set_title("Crude bright-pixel test: B02 > 0.2 (white)")
plt.show()

# %% [markdown]
# **Exercise 2.** For every pixel of the Landsat series, count the dates on which it is clear
# (CFmask 0 or 1) and show the count as a map. Where is the area seen least often?
#
# <details><summary>Hint</summary>
#
# `np.isin(fmask, (0, 1))` is `True` where a pixel is clear on a date; `fmask` has the
# dates on its first axis, so sum over `axis=0`.
#
# </details>

# %% tags=["solution"]
clear_count = np.isin(fmask, (0, 1)).sum(axis=0)
fig, ax = plt.subplots(figsize=(4.5, 4))
im = ax.imshow(clear_count, extent=reflectance.extent, cmap="viridis")
fig.colorbar(im, ax=ax, label="clear observations")
style.map_axes(ax, reflectance.extent, crs=str(reflectance.crs))
ax.set_title("Clear observations per pixel (real Landsat)")
plt.show()
print("fewest:", clear_count.min(), "most:", clear_count.max())

# Why are some pixels seen less often? Compare the 10 % least-seen pixels with the rest:
# on how many dates did each cause hide them?
least_seen = clear_count <= np.percentile(clear_count, 10)
lost = {name: (fmask == code).sum(axis=0) for name, code in
        [("fill (no data)", 255), ("cloud", 4), ("cloud shadow", 2), ("snow", 3)]}
for name, dates_lost in lost.items():
    print(f"  dates lost to {name:15s} least-seen pixels {dates_lost[least_seen].mean():5.1f}, "
          f"others {dates_lost[~least_seen].mean():5.1f}")
gap = {name: dates_lost[least_seen].mean() - dates_lost[~least_seen].mean()
       for name, dates_lost in lost.items()}
print(f"The least-seen pixels lose most extra dates to {max(gap, key=gap.get)}; "
      f"clouds move from date to date, so they hide all pixels about equally often.")

# %% [markdown]
# **Exercise 3.** In the simulated study area, how are the landslides distributed over the four
# subplots and over the types (debris flow, debris slide)? Which land-cover class do most
# landslides start in?
#
# <details><summary>Hint</summary>
#
# `landslides` is a GeoDataFrame: `landslides.groupby("type").size()` counts per type (the
# column `subplot` is empty outside A-D). Each landslide's starting point is in the columns
# `init_x`, `init_y` (metres, in the study area's CRS). Read the `area["landcover"]` raster
# there as the primer's last cell reads the toy raster at its points:
# `rowcol(landcover.transform, xs, ys)` gives the rows and columns, and
# `LANDCOVER_CLASSES` names the codes.
#
# </details>

# %% tags=["solution"]
subplot = landslides["subplot"].replace("", np.nan).fillna("outside A-D")
print(landslides.groupby(subplot).size())
print(landslides.groupby("type")["area_m2"].describe()[["count", "mean", "max"]])
landcover = area["landcover"]
rows, cols = rowcol(landcover.transform, landslides["init_x"], landslides["init_y"])
start_cover = landcover.data[0][np.asarray(rows), np.asarray(cols)]
print("land cover where the landslides start (one count per landslide):")
codes, counts = np.unique(start_cover, return_counts=True)
for code, count in sorted(zip(codes, counts), key=lambda cc: -cc[1]):
    print(f"  {LANDCOVER_CLASSES.get(int(code), code):15s} {count:3d} ({count / counts.sum():.0%})")

# %% [markdown]
# **Exercise 4.** Some pixels flagged *fill* (255) still have reflectance values, and some
# *clear* pixels may have none. Count both cases. What does this tell you about masking?

# %% tags=["solution"]
red = reflectance.band("red")
fill_with_values = np.sum((fmask == 255) & np.isfinite(red))
clear_without_values = np.sum(np.isin(fmask, (0, 1)) & ~np.isfinite(red))
print("fill but has reflectance:", fill_with_values)
print("clear but no reflectance:", clear_without_values)
print("Lesson: combine the quality mask with the data's own nodata; trust neither alone.")

# %% [markdown]
# ## Summary: key points
#
# * The course = notebooks that explain + `course_lib`, a tested package with one short module
#   per step. Widgets are thin wrappers around plain functions.
# * Images are NumPy arrays, bands first `(bands, rows, cols)`; no data is NaN, which the
#   `np.nan...` functions skip; boolean masks select and count pixels; points live in a
#   GeoDataFrame with a CRS, and `rowcol` finds the pixel under each of them.
# * The real Sentinel-2 L1C scene has 13 bands at three resolutions; L1C is top-of-atmosphere
#   reflectance (DN / 10000, minus an offset of 1000 from baseline 04.00).
# * A GeoTIFF opened with `rioxarray.open_rasterio(path, masked=True)` holds the same numbers as
#   the course's `Raster`: x/y coordinates are pixel centres, the transform is the top-left
#   corner; `Raster.from_xarray` and `raster.to_xarray()` convert both ways.
# * Quality masks such as CFmask label clouds, shadows, snow, water and fill; check their codes
#   in your data, and combine them with the data's own nodata.
# * A single date rarely shows every pixel clearly: compositing over time is the answer.
# * The landslide study area is **simulated** so that you know the truth and can change the
#   world; the real imagery teaches the tools.
#
# ### What's next
#
# Notebook **01** masks clouds with s2cloudless, CFmask and the scene classification, and
# builds median and greenest-pixel composites, first on the real data, then on the study area.
#
# ### References
#
# * Ganerød, A. J., Lindsay, E., et al. (2023). Globally vs. locally trained machine learning
#   models for landslide detection: a case study of a glacial landscape. *Remote Sensing*, 15(4), 895.
# * Zhu, Z., & Woodcock, C. E. (2012). Object-based cloud and cloud shadow detection in Landsat
#   imagery. *Remote Sensing of Environment*, 118, 83-94 (Fmask).
