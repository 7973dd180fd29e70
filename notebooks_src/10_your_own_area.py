# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 10 · Your own area in 30 minutes: draw, classify, export, score
#
# After a rainstorm triggers landslides, responders need a map fast, often where nobody has
# mapped landslides before. For that case Ganerød, Lindsay et al. (2023, *Remote Sensing*
# 15:895, section 5.3, recommendation (i)) suggest the simple locally trained classifier of
# their study: click training points on the post-event image, train a CART, and have a map
# "in around 30 min after the image is available". They did it in Google Earth Engine after
# S. Levick's tutorial: 18 landslide points and 112 points of seven other classes, "from
# diverse slope aspects, elevations, and within shadow areas".
#
# Here you do the same in a notebook, offline: you **draw** the training points on a map,
# train the CART, clean the map with a focal mode, export it, and then, because the course's
# study area has a known truth, you **score your own labels**: against the truth, against the
# 130 points the course provides, and point by point (which of your clicks the tree relied
# on). A short second part draws a few landslide outlines and trains the notebook 05 U-Net on
# them.
#
# ## Overview
#
# ### Learning objectives
#
# By the end of this notebook you can:
#
# 1. pick an area and dates and build the paper's change layers for them (offline: the
#    simulated study area; online: any bounding box through STAC);
# 2. **draw training points** for the eight classes on a map, the way the paper advises, and
#    save and reload them;
# 3. train the paper's CART on your points, merge the classes, apply the focal mode and look at
#    the map over the image;
# 4. **export** the landslide map as a GeoTIFF and the inventory of landslide polygons as a
#    GeoPackage;
# 5. **score your labels**: against the truth, against the provided points, and find the
#    points whose leaves make the false alarms;
# 6. draw landslide outlines, turn them into image / mask chips and train a small U-Net;
# 7. say which steps change for a region of your own, and why (the paper's Level-2A
#    over-correction, cloudy post-event dates, radar when clouds persist).
#
# ### Prerequisites
#
# | concept | importance | where to learn it |
# |---|---|---|
# | the change layers (dNDVI, VV in dB) and the paper's input settings | necessary | notebook **02** |
# | CART, the eight classes, merging, the focal mode | necessary | notebook **04** |
# | [MCC](glossary.md#mcc), precision and recall | necessary | notebook **06** |
# | image / mask chips and the U-Net | helpful | notebook **05** |
# | STAC searches (only for your own area online) | optional | notebook **09** |
#
# ### Time to learn
#
# About **45 minutes** (30 for the recipe: reading, drawing and running; 15 for the exercises).
# How the 30 minutes were counted is in the instructor notes.
#
# ### Real or simulated?
#
# * **Simulated**: the study area, its images and its truth (notebook 00). Where you do not
#   draw, a **simulated learner** (`course_lib.simulator.labeller`) places the points and
#   outlines a careful person would, so that every cell runs; the notebook says how many of
#   the labels are yours.
# * **Real**: the recipe (the paper's CART, its classes, the focal mode), the drawing tools,
#   and, online, Sentinel-2 and Sentinel-1 images of any area through STAC.

# %%
# %matplotlib inline
import warnings

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from course_lib import cart, metrics, sampling, splits, unet
from course_lib.cart.leaves import leaf_report
from course_lib.config import output_dir
from course_lib.data import labels as lb, online, stac
from course_lib.data.raster import Raster, write_geotiff
from course_lib.learner import selfcheck
from course_lib.obia import inventory
from course_lib.pipeline import event_layers, layers
from course_lib.simulator import labeller, load_study_area
from course_lib.viz import cart_plots as cp, own_area_plots as op
from course_lib.viz.explore import explorer
from course_lib.viz.labelling_map import LabellingMap, class_label

keras = unet.import_keras_quietly()   # TensorFlow, for part 2, without its start-up messages


def show(fig):
    """Display a figure once (also inside a widget) and free its memory."""
    display(fig)
    plt.close(fig)


# %% tags=["parameters"]
# Parameters: the sizes and budgets of this notebook. The automatic tests run it with
# smaller values, injected after this cell (papermill's "parameters" convention).
USE_NETWORK = True        # False: never go online
AREA = "simulated"        # "simulated" (offline, with a truth) or "event": the box and dates below
EVENT_NAME = "Jølster, Norway (30 July 2019)"
EVENT_BBOX = [6.00, 61.44, 6.30, 61.54]   # west, south, east, north in degrees
EVENT_DATE = "2019-07-30"
PRE_DATES = ["2019-06-30", "2019-07-29"]
POST_DATES = ["2019-07-31", "2019-08-30"]
EVENT_CRS = "EPSG:32632"  # a UTM zone that covers the box
RESOLUTION = 20           # metres per pixel of the online images
SETTING = 2               # the paper's input setting for the CART: 2 = pre-VV, post-VV, dNDVI
LANDSLIDE_POINTS = 18     # the paper's counts: 18 landslide points ...
POINTS_PER_CLASS = 16     # ... and 16 of each of the seven other classes
TOP_UP = True             # the simulated learner fills in what you did not draw
FOCAL_WINDOW = 3
MAP_WIDTH = 900           # the map's size on screen (pixels)
MAP_HEIGHT = 600
N_CHIPS = 4               # landslide chips the simulated learner outlines (part 2)
CHIP_SIZE = 64            # chip side (pixels) = the U-Net's tile
UNET_EPOCHS = 6           # U-Net training: epochs x steps per epoch (a fixed number of steps)
UNET_STEPS_PER_EPOCH = 20

# %% [markdown]
# ## 1. Your area and dates
#
# Offline (and by default) the area is the course's simulated study area: 10 x 10 km of a
# Jølster-like valley with about 120 landslides whose outlines are known exactly. Online you can
# set `AREA = "event"` and any box and dates in the parameters cell: the images are then
# searched and loaded through STAC (notebook 09) and turned into the same change layers by
# `course_lib.pipeline.event_layers` (greenest-pixel composites before and after, dNDVI, the
# median radar backscatter in dB). The Jølster event is the worked example.

# %%
ONLINE = USE_NETWORK and AREA == "event" and online.network_available(
    "planetarycomputer.microsoft.com")
if ONLINE:
    window = stac.EventWindow(name=EVENT_NAME, bbox=tuple(EVENT_BBOX), event=EVENT_DATE,
                              pre=tuple(PRE_DATES), post=tuple(POST_DATES), crs=EVENT_CRS)
    stack = event_layers.load_event_layers(window, resolution=RESOLUTION)
    area = truth = evalmask = test_blocks = scored = None
    print(f"ONLINE: {window.name}, {stack.shape[0]} x {stack.shape[1]} pixels of "
          f"{stack.resolution:.0f} m")
else:
    if AREA == "event":
        print("No network (or USE_NETWORK is False): using the simulated study area instead.")
    area = load_study_area()
    stack = layers.setting_layers(1, area)      # the 13 layers of the paper's setting 1
    truth, evalmask = area["landslide_mask"], layers.evaluation_mask(area)
    # the test blocks of the course's evaluation split (notebooks 03-06) stay unlabelled:
    # every map here is scored there, where no point or outline trained it
    test_blocks = splits.evaluation_split(area).region("test")
    scored = evalmask & test_blocks
    print(f"OFFLINE: the simulated study area, {stack.shape[0]} x {stack.shape[1]} pixels of "
          f"{stack.resolution:.0f} m, with {len(area['landslides'])} known landslides")
bands = layers.setting_bands(SETTING)
print(f"layers: {', '.join(stack.band_names)}\nthe CART uses setting {SETTING}: "
      f"{', '.join(bands)}")
OUT = output_dir() / "own_area"
OUT.mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## 2. Draw your training points
#
# The map below shows your area; the **Image** buttons switch between the post-event true
# colour, false colour (NIR, red, green: vegetation bright red), the dNDVI (vegetation lost
# is red) and the radar before and after. Scroll to zoom in, drag to pan. Then, class by
# class: pick the class in the **Class** row, choose the **circle marker** in the map's
# toolbar and click. The counts above the map and the line under it say what is still
# missing. Points on a pixel without data (a cloud never seen clear) or outside the image
# are refused, with a message.
#
# What makes a good training point (the paper's advice, and notebook 04's lesson):
#
# * **18 landslide points**, one on each of 18 different landslides, in the middle of the
#   fresh scar (red in dNDVI, bright in true colour), not on its edge;
# * **16 points of each other class** (water, snow / ice, bare rock, agriculture, forest,
#   alpine scrub, urban), on clear examples, spread over the whole area, on slopes facing
#   every way, high and low, and **some in shadow**: a class the tree never saw in shadow
#   is a class it will miss there;
# * **confusers**: bare rock, fresh fields and roads look like landslides in dNDVI or true
#   colour; points on them teach the tree the difference.
#
# On the simulated study area a fifth of the scene, the **test blocks** of the course's
# evaluation split, is kept back to score your map (section 5): the simulated learner never
# clicks there, and points of yours that fall there stay in your file but do not train.
#
# Your labels are saved to a GeoPackage after the next cell; when you open this notebook
# again, they are loaded and you continue where you stopped (delete the file to start over).

# %%
image_layers = {
    "true colour": (stack, {"bands": ("post-R", "post-G", "post-B"), "vmin": 0, "vmax": 0.25}),
    "false colour": (stack, {"bands": ("post-NIR", "post-R", "post-G"), "vmin": 0,
                             "vmax": 0.5}),
    "dNDVI": (stack, {"bands": ("dNDVI",), "cmap": "RdBu", "vmin": -0.6, "vmax": 0.6}),
}
if "pre-VV" in stack.band_names:
    for period in ("pre", "post"):
        image_layers[f"{period}-VV"] = (stack, {"bands": (f"{period}-VV",), "cmap": "gray",
                                                "vmin": -25, "vmax": 0})
labels = LabellingMap(image_layers, width_px=MAP_WIDTH, height_px=MAP_HEIGHT)
LABELS_FILE = OUT / "my_labels.gpkg"
if LABELS_FILE.exists():
    labels.load(LABELS_FILE)
labels

# %% [markdown]
# When you have drawn your points (or want to see the recipe run first), run the next cell.
# It lists what is missing. With `TOP_UP = True` the simulated learner then adds points only
# for the classes where you drew fewer than the paper's counts, and the table says how many
# of the points are yours.

# %%
wanted = {name: (LANDSLIDE_POINTS if name == "landslide" else POINTS_PER_CLASS)
          for name in labels.colours}
labels.check(min_points=1)
if TOP_UP and area is not None:
    clicks = labeller.simulated_points(area, stack, n_landslide=LANDSLIDE_POINTS,
                                       n_per_class=POINTS_PER_CLASS, avoid=test_blocks)
    added = labels.top_up(lb.features_to_geojson(clicks), wanted)
    print(f"the simulated learner added {sum(added.values())} point(s)" +
          (f": {added}" if added else ""))
elif TOP_UP:
    print("Online there is no simulated learner: every point on this map is yours.")
display(labels.count_table())
saved = labels.save(LABELS_FILE, overwrite=True)   # its labels were loaded above: none is lost
print(f"labels saved to {saved.name}")

# %% [markdown]
# ## 3. Train the CART and look at the map
#
# The paper's steps, as in notebook 04: sample the layers at your points
# (`sampling.sample_at_points`, the same function that samples the provided points), train a
# CART grown to pure leaves on the eight classes, classify every pixel, merge the seven
# non-landslide classes and remove salt-and-pepper noise with a focal mode.

# %%
points = labels.training_points()
if test_blocks is not None:
    # points in the held-out test blocks stay in your file but do not train: they would
    # flatter the score of section 5
    in_test = test_blocks[points["row"].to_numpy(), points["col"].to_numpy()]
    print(f"{int(in_test.sum())} of your {len(points)} points lie in the held-out test blocks "
          "and are left out of training")
    points = points[~in_test]
table = sampling.sample_at_points(stack, points, on_invalid="keep")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)   # points with NaN are left out (NaN policy)
    tree, landslide_map = cart.classify_stack(table, stack.select(bands),
                                              focal_window=FOCAL_WINDOW, on_nan="drop")
    gains = cart.single_band_splits(table, bands, on_nan="drop")
summary = cart.tree_summary(tree)
print(f"a tree {summary.depth} levels deep with {summary.n_leaves} leaves, trained on "
      f"{sum(tree.n_points.values())} points; {int(np.nansum(landslide_map)):,} landslide "
      f"pixels ({np.nanmean(landslide_map):.2%} of the valid ones)")
print(cart.describe_first_split(summary, gains))

# %% [markdown]
# Your map over the image, on the labelling map (the **Result** buttons switch it on and
# off; online with the OpenStreetMap basemap under it) and as a figure. On the study area it
# is drawn against the truth: **found** landslide pixels bluish green, **false alarms**
# vermillion, **missed** ones blue.

# %%
labels.add_result("your landslide map", op.landslide_rgba(landslide_map, truth, evalmask))
labels.show_layer("true colour")
labels

# %%
if area is not None:
    zoom = cp.zoom_window(area["subplots"].set_index("name").geometry["C"], truth.transform,
                          truth.shape)
else:
    zoom = None
show(op.plot_map_over_image(stack, landslide_map, truth=truth, valid=evalmask, points=points,
                            zoom=zoom))

# %% [markdown]
# ## 4. Export: a GeoTIFF and an inventory
#
# What a responder sends on: the map as a GeoTIFF (`write_geotiff`: georeferenced, NaN where
# there was no observation) and the **inventory**, one polygon per group of connected
# landslide pixels with its area and the metadata of how it was made
# (`course_lib.obia.inventory`, as notebook 03 exports its objects). Both open in QGIS.
# `overwrite=True` because running this cell again should replace your own earlier export.

# %%
map_raster = Raster(data=landslide_map[None], transform=stack.transform, crs=stack.crs,
                    band_names=("landslide",), attrs={"method": "CART, focal mode",
                                                      "points": str(len(points))})
tif = write_geotiff(map_raster, OUT / "landslide_map.tif", overwrite=True)
polygons = inventory.landslide_polygons(map_raster)
metadata = inventory.inventory_metadata(
    "CART on hand-drawn points, focal mode",
    {"setting": SETTING, "points": len(points), "focal_window": FOCAL_WINDOW},
    "simulated study area" if area is not None else f"Sentinel-1/2 via STAC: {EVENT_NAME}",
    [PRE_DATES[0], POST_DATES[1]] if area is None else
    [*area["s2_pre"].dates, *area["s2_post"].dates])
written = inventory.write_inventory(polygons, OUT / "inventory", metadata, overwrite=True,
                                    formats=("gpkg",))
back = inventory.read_inventory(written["gpkg"])
print(f"{tif.name}: {map_raster.shape[0]} x {map_raster.shape[1]} pixels, {map_raster.crs}")
print(f"{written['gpkg'].name}: {len(back)} landslide polygons, {back['area_m2'].sum() / 1e4:.1f} ha; "
      f"the largest {back['area_m2'].max() / 1e4:.2f} ha")

# %% [markdown]
# ## 5. How good are your labels?
#
# Only a simulated world can answer this at once: its truth is exact. (In a real event you
# would check the map by eye and against later field or aerial mapping.) Your map is scored on
# the same pixels as every map of notebooks 03-06: the held-out **test blocks** of the
# course's evaluation split, where no training point lies (the simulated learner never clicks
# there, and any point of yours there was left out of training in section 3). Next to it, the
# map the same recipe makes from the **provided points** of notebook 04 (those outside the
# test blocks, as notebook 04 trains).

# %% tags=["report"]
if area is not None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        provided_points = area["training_points"]
        provided_points = provided_points[~test_blocks[provided_points["row"].to_numpy(),
                                                       provided_points["col"].to_numpy()]]
        _, provided_map, _ = cart.classify_at_points(stack.select(bands), provided_points,
                                                     focal_window=FOCAL_WINDOW, quiet=True)
    mine = metrics.evaluate(truth, landslide_map, scored)
    provided = metrics.evaluate(truth, provided_map, scored)
    own = int((points["source"] == "mouse").sum())
    scores = pd.DataFrame(
        {"points": [len(points), len(provided_points)],
         "MCC %": [mine.mcc * 100, provided.mcc * 100],
         "precision %": [mine.precision * 100, provided.precision * 100],
         "recall %": [mine.recall * 100, provided.recall * 100],
         "F1 %": [mine.f1 * 100, provided.f1 * 100]},
        index=[f"your points ({own} drawn with the mouse)",
               f"provided points ({len(area['training_points'])} less those in the test blocks)"]
    ).round(1)
    print(f"CART, setting {SETTING}, focal mode {FOCAL_WINDOW} x {FOCAL_WINDOW}, on the "
          f"held-out test blocks ({int(scored.sum()):,} pixels, "
          f"{int(truth.data[0][scored].sum()):,} landslide):")
    print(scores.to_string())
    both = np.isfinite(landslide_map) & np.isfinite(provided_map) & scored
    print(f"the two maps disagree on {np.mean(landslide_map[both] != provided_map[both]):.2%} "
          "of the assessed pixels")
else:
    print("No truth here: compare your map by eye with what the images show.")

# %% [markdown]
# Which of your points made the map? Every pixel falls into one leaf of the tree and takes
# its class, and a tree grown to pure leaves has leaves that hold landslide points only. So
# the landslide pixels are decided by a few leaves, each holding a few of your landslide
# points (`course_lib.cart.leaves`). Counting the pixels per leaf shows which clicks carry the
# map, and which bring the false alarms.

# %%
report = leaf_report(tree, table, stack.select(bands), truth, evalmask)
print(report.text())
show(op.plot_leaves(report, points, stack))

# %% [markdown]
# ### Check yourself
#
# Suppose the biggest false-alarm patch on your map is a bare rock field mapped as
# landslide. You add one **bare rock** point on one of its pixels and train the tree again,
# with everything else unchanged. What class does the new tree give *that pixel* (before the
# focal mode)?
# **a)** still landslide, **b)** bare rock, **c)** it depends on the other points.
# Replace `...` with a letter, then run the cell after it.
#
# <details><summary>Hint</summary>
#
# The tree is grown until every leaf holds one class. Can a leaf hold your new point together
# with landslide points?
# </details>

# %%
answer = ...   # replace ... with a letter, e.g. "a"

# %%
selfcheck.check_choice(
    answer, "b", {"a": "still landslide", "b": "bare rock", "c": "it depends"},
    hint="a tree grown to pure leaves classifies every training point correctly (unless two "
         "points of different classes have exactly the same values): the pixel under your "
         "new point ends in a bare rock leaf. Its neighbours may still be landslide, and the "
         "focal mode may then outvote it. Exercise 2 tries it.")

# %% [markdown]
# ### Explore: how many clicks does the map need?
#
# The widget trains the CART on only the **first** points you drew of each class, as if you
# had stopped clicking earlier, and scores the map on the test blocks (hatched: the provided
# points). Where
# does the MCC stop rising? The callback is `course_lib.viz.own_area_plots.clicks_explorer`, a
# plain function.

# %%
reference = provided if area is not None else None


def show_clicks(points_per_class=POINTS_PER_CLASS, focal_window=FOCAL_WINDOW):
    view = op.clicks_explorer(table, stack.select(bands), points_per_class, focal_window,
                              truth=truth, valid=scored, reference=reference,
                              background=stack)
    text = None if view.scores is None else f"{view.n_points} -> {view.scores.text(digits=1)}"
    return view.figure, text


explorer(
    show_clicks,
    points_per_class=widgets.IntSlider(value=POINTS_PER_CLASS, min=2,
                                       max=max(POINTS_PER_CLASS, LANDSLIDE_POINTS), step=2,
                                       description="points per class",
                                       continuous_update=False,
                                       style={"description_width": "initial"}),
    focal_window=widgets.Dropdown(options=[("none", 1), ("3 x 3", 3), ("5 x 5", 5)],
                                  value=FOCAL_WINDOW, description="focal window"));

# %% [markdown]
# ## 6. Part 2: a U-Net from a few outlines
#
# The paper's best maps came from a U-Net, but it needs landslide **outlines**, not points.
# Draw a few: pick **landslide** on the map below (the same map as above), choose the
# **polygon** tool, click around a landslide's scar and deposit and click the first corner
# again to close it. Each outline becomes the centre of a square **chip** of
# `CHIP_SIZE` pixels (`labels.chips`), whose mask is every landslide outline inside it: so
# **outline every landslide you see around the first one**, because a landslide left
# undrawn in a chip teaches the network that it is none. If you draw none, the simulated
# learner outlines every visible landslide in `N_CHIPS` squares.

# %%
labels.show_layer("dNDVI")
labels

# %%
if TOP_UP and area is not None and labels.counts["landslide"]["polygons"] == 0:
    outlines = labeller.simulated_outlines(area, stack, n_chips=N_CHIPS, chip_size=CHIP_SIZE,
                                           avoid=test_blocks)
    labels.add_geojson(lb.features_to_geojson(outlines), source="simulated learner")
    print(f"the simulated learner outlined {len(outlines)} landslides "
          f"({int(outlines['vertices'].sum())} clicks) in {N_CHIPS} squares")
labels.save(LABELS_FILE, overwrite=True)   # your outlines too (the file was loaded above)
windows = labels.chips(stack.select(bands), OUT / "chips", size=CHIP_SIZE, overwrite=True)
chips = unet.load_chip_folder(OUT / "chips" / "images", OUT / "chips" / "masks")
if test_blocks is not None:
    # chips reaching into the held-out test blocks do not train (the score is taken there)
    touching = {w.name for w in windows if test_blocks[w.slices].any()}
    if touching:
        print(f"{len(touching)} chip(s) reach into the held-out test blocks and are left out: "
              f"{sorted(touching)}")
    chips = [c for c in chips if c.name not in touching]
if len(chips) < 2:
    raise lb.LabellingProblem(f"{len(chips)} chip(s): outline landslides in at least two places "
                              "far apart (one chip trains, one checks).")
print(f"{len(chips)} chips of {CHIP_SIZE} x {CHIP_SIZE} pixels; landslide pixels per chip:",
      [int(c.mask.sum()) for c in chips])

# %% [markdown]
# The last chip checks the training (it chooses the kept weights and the threshold, as the
# validation blocks of notebook 05 do); the others train a U-Net of notebook 05's shape for a
# fixed number of steps (the same result on every machine). It then maps the whole area.

# %% tags=["report"]
train_chips, val_chips = chips[:-1], chips[-1:]
stats = unet.fit_band_stats([c.image for c in train_chips], list(bands))
config = unet.TrainConfig(tile=CHIP_SIZE, depth=3, base_filters=8, batch_size=8,
                          epochs=UNET_EPOCHS, steps_per_epoch=UNET_STEPS_PER_EPOCH,
                          time_budget_s=None, verbose=False)
model = unet.train_unet(unet.samples_from_chips(train_chips, stats, tile=CHIP_SIZE),
                        unet.samples_from_chips(val_chips, stats, tile=CHIP_SIZE), stats, config)
unet_map = model.predict(stack.select(bands))
print(f"U-Net trained on {len(train_chips)} chip(s) for {model.info['steps']} steps; threshold "
      f"{model.threshold:.2f}")
if area is not None:
    unet_scores = metrics.evaluate(truth, unet_map, scored)
    print("U-Net from your outlines:", unet_scores.text(digits=1))
    print("CART from your points:   ", mine.text(digits=1))

# %%
show(op.plot_map_over_image(stack, unet_map, truth=truth, valid=evalmask, zoom=zoom,
                            title="the U-Net's map from your outlines"))

# %% [markdown]
# Read the two lines above with their budgets in mind: a CART from your points against a
# U-Net from a handful of chips and the few training steps printed above, on one CPU.
# Notebook 05 trained the same network on whole training blocks; the paper trained it on a
# full inventory of Jølster's landslides, which is what recommendation (i) means by "if a
# local landslide inventory of polygon data is available". Every outline you add is more
# training data.

# %% [markdown]
# ## 7. Your own region: what changes
#
# The recipe stays; these steps change, and the paper says what to watch:
#
# * **Area and dates** (`AREA = "event"`, the box, the dates, a UTM zone that covers it): one
#   month before and after, as the paper did; scenes after January 2022 carry the processing
#   baseline's offset of 1000, which `course_lib.data.stac` removes (notebook 09).
# * **Level-2A over-correction**: the paper found Sentinel-2 Level-2A images over-brightened
#   on steep **north-facing slopes in shadow** (a terrain-correction artefact of the processor),
#   which made a globally trained model see landslides there. With your own points, put
#   shadowed north-facing points in every class, and look hard at false alarms on such
#   slopes; the paper also notes that the NIR band is more robust in shadow.
# * **Cloudy post-event dates**: the greenest-pixel composite needs one clear view per pixel
#   within the month; pixels never clear are NaN, refused as points and left unmapped. If
#   clouds persist, the paper recommends **radar**: "SAR-only models, as there is no need to
#   wait for cloud-free conditions". But a CART on radar alone drowns in speckle (setting 3,
#   the paper's MCC 20 %, notebook 04; exercise 3 here). The paper's SAR answer is a U-Net,
#   which needs a local polygon inventory: outlines like those of part 2, many more of them.
# * **Ascending and descending** radar are pooled here, as in the paper, which can cancel the
#   landslide signature (notebook 02); on your own data try them apart.
# * **Classes**: a region without glaciers needs no snow / ice; one with vineyards needs a
#   class for them: pass your own list, `LabellingMap(layers, classes=[...])`.
# * **No truth**: the scores of section 5 need a reference. On a real event, hold back some
#   of your points (or draw a few outlines) to check the map, and compare with field or
#   aerial mapping when it comes.

# %% [markdown]
# ## Exercises
#
# **Exercise 1. A wrong click.** Pretend three of your bare rock points were clicked with
# the class still set to landslide: change their class in `table`, train the CART again and
# compare its MCC and the leaf report with yours. How much can three wrong points cost?
#
# <details><summary>Hint</summary>
#
# `wrong = table.copy(); rows = wrong.index[wrong["class_name"] == "bare_rock"][:3];
# wrong.loc[rows, "class_name"] = "landslide"`, then `cart.classify_stack(wrong,
# stack.select(bands), focal_window=FOCAL_WINDOW, on_nan="drop")` and `metrics.evaluate`.
# </details>

# %% tags=["solution"]
wrong = table.copy()
rows = wrong.index[wrong["class_name"] == "bare_rock"][:3]
wrong.loc[rows, "class_name"] = "landslide"
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    wrong_tree, wrong_map = cart.classify_stack(wrong, stack.select(bands),
                                                focal_window=FOCAL_WINDOW, on_nan="drop")
if area is not None:
    print("your points:         ", mine.text(digits=1))
    print("with 3 wrong classes:", metrics.evaluate(truth, wrong_map, scored).text(digits=1))
print(leaf_report(wrong_tree, wrong, stack.select(bands), truth, evalmask).text())
print(f"landslide pixels after the focal mode: {int(np.nansum(landslide_map)):,} -> "
      f"{int(np.nansum(wrong_map)):,}")
# A pure-leaf tree believes every point: the three mislabelled rocks (their ids are in the
# report, alone in their leaves) get leaves of their own that call rock-like pixels
# "landslide". Compare their pixels before the focal mode (the report) with the pixels left
# after it (the last line): where those pixels are scattered, the focal mode removes most of
# them, and the MCC hides how wrong the tree has become.

# %% [markdown]
# **Exercise 2. Fix a false alarm.** Take the landslide leaf with the most false alarms
# (`report.leaves`), pick five of its false-alarm pixels, add a point on each with the class
# the pixel really is (the study area's land cover tells you: `area["landcover"]` and
# `TRAINING_CLASSES`), train again and compare. (In a real area you would look at those
# pixels in the images and decide their class yourself.)
#
# <details><summary>Hint</summary>
#
# `report.leaf_map == leaf` marks the leaf's pixels; `& (truth.data[0] == 0) & evalmask`
# keeps the false alarms. `lb.rowcol_to_lonlat(row, col, stack)` gives a click's position;
# `labels.add_geojson({"type": "Point", "coordinates": [lon, lat]}, name)` adds it to the
# map (or, to leave the map as it is, add the points to a copy of `labels.features` with
# `lb.features_from_geojson` and make the points with `lb.training_points`).
# </details>

# %% tags=["solution"]
from course_lib.simulator import TRAINING_CLASSES

if area is not None and len(report.leaves):
    worst = report.leaves["false_alarms"].idxmax()
    false_alarm = (report.leaf_map == worst) & (truth.data[0] == 0) & evalmask
    rng = np.random.default_rng(0)
    picked = rng.choice(np.flatnonzero(false_alarm), size=min(5, int(false_alarm.sum())),
                        replace=False)
    rr, cc = np.divmod(picked, stack.shape[1])
    code_to_class = {c: n for n, codes in TRAINING_CLASSES.items() for c in codes}
    new_points = [{"type": "Feature",
                   "geometry": {"type": "Point",
                                "coordinates": list(lb.rowcol_to_lonlat(r, c, stack))},
                   "properties": {"class_name": code_to_class.get(
                       int(area["landcover"].data[0][r, c]), "bare_rock"),
                       "label_id": 1000 + i, "source": "exercise 2"}}
                  for i, (r, c) in enumerate(zip(rr, cc))]
    features = pd.concat([labels.features, lb.features_from_geojson(new_points, stack.crs)],
                         ignore_index=True)
    fixed_table = sampling.sample_at_points(stack, lb.training_points(features, stack),
                                            on_invalid="keep")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _, fixed_map = cart.classify_stack(fixed_table, stack.select(bands),
                                           focal_window=FOCAL_WINDOW, on_nan="drop")
    print(f"leaf {worst}: {int(false_alarm.sum()):,} false alarms; 5 points added on them")
    print("before:", mine.text(digits=1))
    print("after: ", metrics.evaluate(truth, fixed_map, scored).text(digits=1))
# The tree now has to separate those pixels from the landslide points that shared their leaf,
# and the split it finds holds for similar pixels too: precision should rise. Recall may fall
# with it, when the new split also cuts away real landslide pixels: the MCC weighs the two.

# %% [markdown]
# **Exercise 3. When the clouds stay: radar only.** Train the CART on your points with
# setting 3 (pre-VV and post-VV only), as you would if every post-event optical image were
# cloudy, and compare it with your setting.
#
# <details><summary>Hint</summary>
#
# `layers.setting_bands(3)`; the same `table` holds every band.
# </details>

# %% tags=["solution"]
if "pre-VV" in stack.band_names:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _, radar_map = cart.classify_stack(table, stack.select(layers.setting_bands(3)),
                                           focal_window=FOCAL_WINDOW, on_nan="drop")
    if area is not None:
        print(f"setting {SETTING}:", mine.text(digits=1))
        print("setting 3:", metrics.evaluate(truth, radar_map, scored).text(digits=1))
# Radar sees through the clouds, but a pixel classifier cannot tell a landslide's backscatter
# change from speckle (notebook 04, section 8): expect many false alarms. The paper's answer for
# cloudy emergencies is a U-Net on radar, trained on a local inventory of outlines.

# %% [markdown]
# ## Summary
#
# * The paper's rapid-response recipe runs in a notebook, offline: change layers, 130 clicked
#   points in eight classes, a CART grown to pure leaves, merged to binary, a focal mode, and
#   an exported GeoTIFF and inventory.
# * Your labels are the model: a pure-leaf tree believes every point, so a few landslide
#   points decide whole leaves of pixels, and one wrong click can add a patch of false alarms.
#   The leaf report shows which.
# * A simulated world scores your labels at once; on a real event you need a reference: hold
#   some labels back.
# * Outlines instead of points train a U-Net; a handful of chips is a start, an inventory is
#   what the paper's best maps needed.
#
# ### Key points
#
# * Click clear examples of every class, spread over aspects, elevations and shadow, and
#   click the confusers.
# * Look at your map over the image before you trust a score, and export it with its
#   metadata.
# * For your own region: check the Level-2A shadows, count the clear views, and plan for
#   radar when the clouds stay.
#
# ### What's next
#
# Your own event: set `AREA = "event"` with its box and dates (online), draw, and export.
# Notebook **05** trains the U-Net on many more chips; notebook **08** runs the same functions
# on larger areas.
#
# ### References
#
# * Ganerød, A. J., Lindsay, E., et al. (2023). Globally vs. locally trained machine learning
#   models for landslide detection: a case study of a glacial landscape. *Remote Sensing*,
#   15(4), 895 (sections 3.2 (iv), 4.1, 5.3; Tables 1 and 4).
# * Levick, S. R. (2017). Lab 4, Image classification, part 1 (Google Earth Engine tutorial;
#   the paper's reference 41).
# * Breiman, L., Friedman, J., Olshen, R., & Stone, C. (1984). *Classification and Regression
#   Trees*. Wadsworth.
# * Okabe, M., & Ito, K. (2008). *Color Universal Design*: the map's class colours.
# * ipyleaflet and leaflet-geoman: the map and its drawing tools.
