# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 05 · A small U-Net: tiles, augmentation, training on one CPU, and your own chips
#
# The paper's best landslide map came from a **U-Net**, a convolutional network that labels
# every pixel while looking at its neighbourhood: [MCC](glossary.md#mcc) 89 % on setting 2 (pre-[VV](glossary.md#vv-and-vh), post-VV and
# [dNDVI](glossary.md#dndvi)), against 73 % for [CART](glossary.md#cart) (Ganerød, Lindsay et al. 2023, Table 4; as printed: with
# its precision of 83 % and recall of 79 %, an MCC can be at most about 81 %, so one of those
# numbers is likely a misprint, see notebook 06, exercise 1). It was trained on a
# GPU in ArcGIS. Here you train a scaled-down [U-Net](glossary.md#u-net) in Keras on **one CPU in a few minutes**,
# see why the way you split tiles decides whether its score can be trusted, and then train the
# same model on a folder of your own labelled image chips.
#
# > **On Binder: shut down the kernels of earlier notebooks first** (menu *Kernel → Shut Down
# > All Kernels*, or the *Running* tab), then run this one. TensorFlow alone needs about half
# > a gigabyte, and Binder restarts a kernel that goes above 2 GB.
#
# ## Overview
#
# ### Learning objectives
#
# By the end of this notebook you can:
#
# 1. explain the parts of a U-Net (encoder, bottleneck, decoder, skip connections) and why it
#    suits landslide mapping;
# 2. cut a scene into overlapping 128 x 128 tiles and split them **by spatial blocks**, and
#    measure why a random split of overlapping tiles would inflate a test score;
# 3. normalise inputs with training statistics only, follow the NaN policy, and augment tiles
#    without breaking their alignment with the mask;
# 4. train for a fixed number of steps (the same result on every machine) or within a time
#    budget, with a loss made for rare classes (BCE + Dice), a warm-up + cosine learning-rate
#    schedule and the best weights kept, and read the training curves;
# 5. choose the probability threshold on validation, predict a whole scene with blended
#    overlapping tiles, and compare the U-Net with CART and the paper on the same pixels;
# 6. train, threshold and predict on a folder of image / mask chips of mixed sizes, with the
#    normalisation chosen by what the numbers mean.
#
# ### Prerequisites
#
# | concept | importance | where to learn it |
# |---|---|---|
# | the study area and the input settings (Table 1) | necessary | notebooks **00**, **02** |
# | [precision](glossary.md#precision-and-recall), recall, MCC, threshold trade-offs | necessary | notebook **06** (sections 2-6) |
# | CART on the same settings | helpful | notebook **04** |
# | what a convolution and a neural network are | helpful | [Keras: *The Sequential model*](https://keras.io/guides/sequential_model/), [CS231n: *Convolutional networks*](https://cs231n.github.io/convolutional-networks/) |
#
# ### Time to learn
#
# About **60 minutes** (35 reading and running, 10 with the widget, 15 for the exercises).
# The training cells take up to a minute each on one CPU; the whole notebook about three.
# Every training runs a fixed number of steps, so the scores it prints are the same however
# busy your computer is (only the time it takes changes).
#
# ### Real or simulated?
#
# * **Simulated**: the study area (its Sentinel-1 and Sentinel-2 layers and the truth mask),
#   made by `course_lib` (notebook 00), and the small chip set of section 10, cut from it.
# * **Real**: the method (Keras 3, TensorFlow), and the paper's published scores, shown for
#   comparison. Section 10 says how to point the same code at real chips.

# %%
# %matplotlib inline
import gc
import tempfile
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import display

from course_lib import cart, metrics, paper, sampling, splits, unet
from course_lib.config import DEFAULT_SEED, output_dir
from course_lib.learner import selfcheck
from course_lib.pipeline import layers, predictions
from course_lib.simulator import load_study_area
from course_lib.viz import unet_plots as up
from course_lib.viz.explore import explorer

keras = unet.import_keras_quietly()   # starts TensorFlow without its start-up messages
print("Keras", keras.__version__, "on", keras.backend.backend())

# %% tags=["parameters"]
# Parameters: the sizes and lengths of this notebook. The automatic tests run it with
# smaller values, injected after this cell (papermill's "parameters" convention).
STEPS = 110                   # training steps of the main U-Net (about a minute on one CPU); bench/unet.md shows what more reach
TIME_CAP_S = 150              # a safety cap (s): stops a much slower computer, and says so
N_CHIPS = 32                  # chips cut for the "your own chips" recipe
CHIP_STEPS = 40               # training steps of the chip model
EXERCISE_STEPS = 30           # training steps of exercise 1; raise to 200 or more for a real answer
LEAKY_STEPS = 30              # training steps of exercise 2's leaky model

# %% [markdown]
# ## 1. The inputs: setting 2 and the truth
#
# `layers.setting_layers(2)` gives the paper's setting 2: pre- and post-event Sentinel-1 VV
# backscatter (dB) and the Sentinel-2 dNDVI, on the study area's 10 m grid. NaN marks pixels
# without a usable observation (radar layover or shadow, never a clear optical view).

# %%
area = load_study_area()
x2 = layers.setting_layers(2, area)               # Raster (3, rows, cols), float32
truth_raster = area["landslide_mask"]
truth = truth_raster.data[0]                      # 0/1
evalmask = layers.evaluation_mask(area)           # the pixels every method is judged on
area.clear_cache()                                # free the study area's in-memory rasters
print("bands:", x2.band_names, "| grid:", x2.shape, "| landslide pixels:",
      f"{truth.mean():.2%}", "| NaN in some band:", f"{1 - sampling.valid_mask(x2).mean():.1%}")

# %% [markdown]
# ## 2. The U-Net
#
# A U-Net (Ronneberger, Fischer and Brox 2015) has two halves. The **encoder** (left) applies
# two 3 x 3 convolutions, then halves the image with 2 x 2 max pooling and doubles the number
# of filters: deeper levels see a larger neighbourhood ("is this a long, downslope scar?") but
# lose detail. The **decoder** (right) doubles the size again step by step, and the **skip
# connections** hand it the encoder's detailed features of the same size, so the output is
# sharp. A final 1 x 1 convolution with a sigmoid gives every pixel a landslide probability.
#
# The paper used "a scaled-down U-Net". Ours has 3 levels and 8 filters at the top: small
# enough to train on one CPU in minutes. In `bench/unet.md` it trained about twice as many
# steps per second as 16 filters, and given ten to fifteen minutes both reached about the
# same score (MCC 0.78, one run each), so the smaller one is the better use of a short budget.
# Batch normalisation after each convolution (Ioffe and Szegedy 2015) keeps training stable
# with a high learning rate. It normalises with the statistics of each training batch, and
# keeps running averages of them for prediction. Keras updates those averages slowly
# (momentum 0.99) for trainings of many thousand steps; ours lasts one or a few hundred, so we use
# 0.9: with 0.99 the averages were still far from the training statistics at the end, and
# the network's predictions were useless (`bench/unet.md`).

# %%
DEPTH, BASE_FILTERS, TILE = 3, 8, 128
display(up.plot_architecture(DEPTH, BASE_FILTERS, n_bands=len(x2.band_names), tile=TILE))
model_preview = unet.build_unet(len(x2.band_names), depth=DEPTH, base_filters=BASE_FILTERS)
print(f"{model_preview.count_params():,} weights "
      "(the original U-Net for 572 x 572 images had about 31 million)")
del model_preview

# %% [markdown]
# ## 3. Tiles, and a split you can trust
#
# The network trains on **tiles** of 128 x 128 pixels. The paper cut them with a stride of 64
# pixels, so neighbouring tiles overlap by half, and divided them into training, validation
# and test sets without saying how; the usual default (ArcGIS's too) is **at random**. Then a
# test tile shares most of its pixels with training tiles: the model is tested partly on
# pixels it has already seen with their labels. (The paper's Table 4 scores the whole study
# area, not such a test set.)
#
# We split by **blocks** instead (Roberts et al. 2017): the scene is cut into 256 x 256 pixel
# blocks, whole blocks go to one set (dealt so that every set gets blocks with many and with
# few landslides), and a tile belongs to a set only if it lies entirely inside that set's
# blocks. No pixel is shared between sets.

# %%
print("tiles covering the scene:", len(unet.tile_origins(truth.shape, TILE, 64)))
scene = unet.prepare_scene(x2, truth, block=256, tile=TILE, stride=64, seed=0)
split = scene.split
random_split = unet.random_tile_split(truth.shape, tile=TILE, stride=64, seed=0)
display(up.plot_split(split, truth, random_tiles=random_split))
for name in ("train", "val", "test"):
    region = split.region(name)
    print(f"{name:5s}: {split.counts()[name]:3d} tiles, {region.mean():.0%} of the scene, "
          f"{int(truth[region].sum()):,} landslide pixels")

# %% [markdown]
# Left: the blocked split. The coloured blocks are the three sets, black pixels are
# landslides, and a few tiles of each set are outlined; tiles that would straddle two sets
# are not used at all (the counts in the title). Right: 40 tiles of each set of a random
# split, drawn over each other; every crossing of two colours is a pixel that belongs to two
# sets.
#
# How much of a random test set has been seen in training? Count the pixels of the random
# split's test tiles that are also inside one of its training tiles, and do the same for the
# blocked split:

# %%
test_cover = unet.tile_coverage(truth.shape, random_split["test"], TILE) > 0
train_cover = unet.tile_coverage(truth.shape, random_split["train"], TILE) > 0
seen_random = (test_cover & train_cover).sum() / test_cover.sum()
seen_blocked = unet.shared_pixels(split.tiles["train"], split.tiles["test"], truth.shape, TILE)
print(f"random split: {seen_random:.0%} of the test pixels are also in training tiles")
print(f"blocked split: {seen_blocked} test pixels are in training tiles")

# %% [markdown]
# After training (section 6) we measure what that does to the score.
#
# ### Self-check
#
# How many 128 x 128 tiles with a stride of 64 cover a scene of 512 rows and 768 columns?
# Replace `...` with the number and run the cell.
#
# <details><summary>Hint</summary>
#
# Down one side the tiles start at 0, 64, 128, ... and the last one must end at 512; across,
# at 768. Count the starts along each side and multiply.
# </details>

# %%
answer = ...   # replace ... with your answer

selfcheck.check_number(answer, expected=len(unet.tile_origins((512, 768), 128, 64)), tol=0,
                       hint="the last starts are 512 - 128 = 384 down and 768 - 128 = 640 "
                            "across: count 0, 64, ..., 384 and 0, 64, ..., 640, and multiply.",
                       explain="7 starts down and 11 across: 7 x 11 tiles.")

# %% [markdown]
# ## 4. Normalisation and the NaN policy
#
# The bands have very different units (dB around -10, dNDVI around 0), so each is
# standardised, z = (x − mean) / std, with the mean and standard deviation of the **training
# blocks only**: statistics of the test pixels would leak information about them. These
# statistics are stored with the model, together with the band names, so a scene with the
# bands in another order is refused instead of being misread.
#
# NaN follows the course's policy (`course_lib.pipeline.layers`): after standardising, a NaN becomes
# 0 (the training mean: "no information"), the loss ignores those pixels, and the prediction
# is NaN wherever any input band is NaN.

# %%
stats = scene.stats
for name, mean, std in zip(stats.band_names, stats.mean, stats.std):
    print(f"{name:8s} mean {mean:8.3f}  std {std:6.3f}")

# %% [markdown]
# ## 5. Augmentation
#
# The training blocks hold about a hundred tile positions: little data for a network.
# Landslides run downslope in any compass direction, so a flipped or rotated tile is still a
# valid example: each training tile is cut at a random position inside the training blocks
# (section 6 says how), turned by a random one of the 8 symmetries of a square (flips and
# 90-degree rotations), and its bands get a small random gain and offset (radiometric
# jitter). The mask gets the **same** geometric change: in the figure (the dNDVI band, dark
# where vegetation was lost) the orange outline follows the landslides in every copy, each
# copy a different symmetry.
#
# One caveat for radar: a satellite looks from one side, so a slope facing the sensor is
# bright and the far side dark. A rotated tile puts that pattern on the wrong side, and the
# network learns the signature from every direction. Here the radar layers average the
# ascending and descending passes (notebook 02), which weakens the pattern anyway.

# %%
sample = scene.train[0]
r0, c0 = split.tiles["train"][np.argmax([sample.label[r:r + TILE, c:c + TILE].sum()
                                         for r, c in split.tiles["train"]])]
tile_x = sample.image[r0:r0 + TILE, c0:c0 + TILE]
tile_y = sample.label[r0:r0 + TILE, c0:c0 + TILE]
display(up.plot_augmentations(tile_x, tile_y, n=5, band=stats.band_names.index("dNDVI")))

# %% [markdown]
# ## 6. Training for a fixed number of steps
#
# `unet.train_unet` streams tiles batch by batch (they never sit in memory all at once;
# each tile is standardised when it is cut), prints a line at each validation, and:
#
# * cuts half of its training tiles around a landslide pixel (**foreground oversampling**,
#   `TrainConfig.positive_fraction`): landslides are a percent or two of the pixels
#   (section 1), so most tiles cut anywhere would hold none and teach only "no landslide";
# * minimises **binary cross-entropy + Dice loss**: cross-entropy alone is dominated by the
#   easy background, Dice measures the overlap with the landslide pixels only;
# * trains for `steps` steps, raising the learning rate during a short **warm-up** (the first
#   5 % of the steps), then lowering it along a **cosine** that ends at the last step;
# * validates eight times, evenly over the run, by predicting **every pixel** of the
#   validation blocks, and keeps the weights with the lowest validation loss;
# * then chooses the **threshold** on the validation blocks (the MCC-optimal probability),
#   predicted exactly as the model will be used.
#
# Why steps and not seconds? A time budget makes as many steps as the computer manages: an
# earlier version of this cell, with a 60-second budget on a busy machine, trained 88 steps in
# one run and 350 in another, and printed MCC 52 % and 68 %. A number of steps gives the same training, hence the same scores, on every
# run; only the time it takes changes. `TIME_CAP_S` is a safety cap: if a much slower
# computer reaches it first, training stops there and the printed note says so (the scores
# then depend on that computer). With your own data you may prefer a budget instead,
# `time_budget_s=15 * 60`: training then lasts those 15 minutes and the schedule spans them
# (section 10).
#
# In the test suite's fast mode this trains for a few steps only; the scores are then poor.

# %%
config = unet.TrainConfig(tile=TILE, depth=DEPTH, base_filters=BASE_FILTERS, batch_size=8,
                          steps=STEPS, time_budget_s=TIME_CAP_S, seed=DEFAULT_SEED)
model = unet.train_unet(scene.train, scene.val, stats, config)
info = model.info
print(f"\n{info['steps']} steps in {info['fit_seconds']:.0f} s on this computer "
      f"({info['steps_per_second']:.2f} steps/s after the first); threshold "
      f"{model.threshold:.2f} (validation MCC {metrics.format_score(info['val_score'])} %)")
display(up.plot_history(model.history, title="setting 2: BCE + Dice loss"))

# %% [markdown]
# Read the curves: the training loss falls as the network fits the training tiles; the
# validation loss tells whether that carries over to blocks it never saw. The two are
# measured on different things (the training loss on the tiles of the steps since the last
# validation, half of them centred on a landslide and augmented; the validation loss on every
# pixel of the validation blocks), so compare their trends, not their levels: memorising
# shows as the validation loss rising while the training loss still falls. The dashed line
# marks the validation whose weights were kept. The right panel shows the learning rate of
# every step: the warm-up, then the cosine down to the last step.

# ## 7. The whole scene, and the score on the test blocks
#
# `model.predict_proba` standardises the raster with the stored statistics, predicts
# overlapping tiles (stride 64) and blends them with a window that tapers to the tile edges,
# so there are no seams where tiles meet; the output has the input's size.

# %%
probability = model.predict_proba(x2)
# 1, 0, NaN (nodata): what model.predict(x2) gives, without predicting the scene twice
unet_map = np.where(np.isnan(probability), np.nan,
                    probability >= model.threshold).astype(np.float32)
test_pixels = unet.held_out_mask(split, evalmask)
unet_scores = metrics.evaluate(truth, unet_map, valid=test_pixels)
print("U-Net, test blocks:", unet_scores.text(digits=1))

# %% [markdown]
# Now the leak. The same model scored on the pixels of its own **training** blocks (which it
# has seen, with their labels) and on the **test** blocks (which it never saw):

# %%
seen = split.region("train") & evalmask
seen_scores = metrics.evaluate(truth, unet_map, valid=seen)
print(f"MCC on training blocks: {metrics.format_score(seen_scores.mcc, digits=1)} %   "
      f"on test blocks: {metrics.format_score(unet_scores.mcc, digits=1)} %")
print(f"A random split's test tiles lie {seen_random:.0%} inside training tiles, so its test "
      "score leans towards the training-block score.")

# %% [markdown]
# A random split of overlapping tiles tests mostly on pixels the model has seen (the share
# printed above), so its score leans towards the first number; only a spatially separate test
# set measures how the model does where it has not seen the answer, which is what a landslide
# map is for. (Exercise 2 trains on a random split and measures how far it leans.)

# %% [markdown]
# ## 8. Explore the threshold
#
# Move the slider: the confusion map of the test blocks (the other blocks are drawn black as
# [nodata](glossary.md#nodata)) and the four scores against the threshold. The blue dash-dot line is the threshold chosen
# on the validation blocks. The callback, `course_lib.viz.unet_plots.probability_threshold_view`,
# is a plain function you can call yourself.

# %%
def show_threshold(threshold: float = round(model.threshold, 2)):
    view = up.probability_threshold_view(probability, truth, threshold, valid=test_pixels,
                                         chosen=model.threshold, extent=truth_raster.extent)
    return view.figure, f"{view.counts} -> {view.scores.text(digits=1)}"


explorer(show_threshold,
         threshold=widgets.FloatSlider(value=round(model.threshold, 2), min=0.02, max=0.98,
                                       step=0.02, description="p ≥", continuous_update=False));

# %% [markdown]
# ## 9. U-Net next to CART and the paper
#
# CART is notebook 04's method, `cart.classify_at_points`: a tree grown on the training
# points with their eight classes (points with a NaN band left out), applied to every pixel,
# the seven non-landslide classes merged, then a 3 x 3 focal mode. As in notebook 04, CART
# trains only on the points **outside the test blocks** (`splits.outside`), so neither method
# has seen the pixels it is scored on. Both are scored on the **same** pixels: the test
# blocks, where every one of the 13 change layers of notebook 02 is valid (hence fewer
# landslide pixels than the test blocks hold in section 3). The two learn from very different
# labels, as in the paper: CART from about a hundred points, the U-Net from every pixel of
# the training blocks. The gap between them is not the architecture alone.

# %%
# quiet: the points left out for NaN are counted below
all_points = area["training_points"]
keep = splits.outside(split, all_points["row"].to_numpy(), all_points["col"].to_numpy())
cart_model, cart_map, points = cart.classify_at_points(x2, all_points[keep], cart.make_cart(),
                                                     focal_window=3, quiet=True)
cart_scores = metrics.evaluate(truth, cart_map, valid=test_pixels)
n_points = sum(cart_model.n_points.values())
print(f"CART trained on {n_points} points: {int((~keep).sum())} of the {len(all_points)} "
      f"lie in the test blocks and are left out, {int(keep.sum()) - n_points} more have a "
      f"NaN layer")

rows = {"U-Net (this notebook, test blocks)": unet_scores,
        f"CART ({n_points} points, test blocks)": cart_scores}
comparison = metrics.scores_frame(rows)
paper_rows = paper.PAPER_TABLE4.loc[[("CART", paper.SETTINGS[2]), ("U-Net", paper.SETTINGS[2])]]
paper_rows.index = ["CART (paper, Table 4)", "U-Net (paper, Table 4)"]
columns = ["precision", "recall", "f1", "mcc"]
display(metrics.format_percent(pd.concat([comparison[columns], paper_rows[columns]]), digits=1))

# %% [markdown]
# The performance summary of this notebook (the course's benchmark copies it into its report):

# %% tags=["report"]
def pct(value: float) -> str:
    return metrics.format_score(value, digits=1)


print(f"U-Net setting 2: {info['stop_note']}, in {info['fit_seconds']:.0f} s "
      f"({metrics.format_score(info['steps_per_second'], percent=False, digits=2)} steps/s "
      f"after the first)")
print(f"test blocks, {int(test_pixels.sum()):,} pixels "
      f"({int(truth[test_pixels].sum()):,} landslide):")
for name, sc in (("U-Net", unet_scores), ("CART", cart_scores)):
    print(f"  {name:6s} MCC {pct(sc.mcc):>5s} %   precision {pct(sc.precision):>5s} %   "
          f"recall {pct(sc.recall):>5s} %")
print(f"U-Net minus CART, MCC: {100 * (unet_scores.mcc - cart_scores.mcc):+.1f} points")

# %% [markdown]
# Compare the ordering rather than the exact numbers: the course's world is simulated, its
# test blocks are a fifth of the scene, and the paper's Table 4 does not say which pixels it
# scored (its own study area, with an inventory mapped from the same images). Compare
# precision and recall too: does the U-Net differ from CART by fewer isolated false alarms
# (it sees the neighbourhood), or by more of each landslide found? The steps printed in
# section 6 (a hundred-odd, a minute or two on one CPU) are few for a network. In
# `bench/unet.md` the same model trained for three minutes (about 400 steps) reached
# test-block MCC 0.69-0.76 over three seeds, and 0.78 with ten minutes (1,431 steps, one run).
# The paper's 89 % was not reached on this world: its look-alikes (clear-cuts, flood
# sediment, road works that lose vegetation like a landslide) and its radar speckle make it
# harder than the paper's area for every method, CART included (its test-block MCC is printed
# above, against the paper's 73 %; notebook 04 shows how much a CART's score moves with its
# seed and its points).
#
# Save the map for notebook 06, as every method does. The saved map covers the whole scene,
# **including the blocks the U-Net trained on**, so notebook 06's whole-area score for the
# U-Net is optimistic; the honest number is the test-block score above.

# %%
predictions.save_prediction("U-Net", 2, unet_map, truth_raster.transform, truth_raster.crs,
                        score=probability,
                        tags={"note": "trained on the train blocks of course_lib.unet "
                                      "blocked_split(seed=0); score honestly on test blocks"})
model_path = model.save(output_dir() / "models" / "unet_setting2.keras", overwrite=True)
print("model saved to", model_path.name, "with its band names, statistics and threshold")

# %% [markdown]
# ## 10. Train on your own chips
#
# Most labelled landslide data comes as **chips**: small image files with a mask file each,
# of different sizes (a labelling tool's "export training data", or a benchmark such as
# Landslide4Sense). `unet.load_chip_folder(images_dir, masks_dir)` reads such a folder pair
# and prints one line about what it read:
#
# * images: PNG, JPEG or GeoTIFF of any number of bands, **kept as stored**: 8-bit stays
#   `uint8`, 16-bit `uint16` (50 million RGB pixels are 150 MB as `uint8`, 600 MB as
#   float32); each tile is standardised only when training cuts it;
# * masks: 0/1 or 0/255, named like the image, optionally with `_mask`; when the labels are
#   one channel of an RGB image or its transparency, say which with `mask_band=0` or
#   `mask_band="alpha"`;
# * every error names the file and the fix (a damaged PNG, a mask of another size or with
#   other values); an image without its mask, or a mask without its image, is skipped with a
#   warning naming it (`errors="skip"` skips unreadable files the same way).
#
# Tiles are cut from large chips; small chips are padded.
#
# To have chips here, we cut some from the study area's setting-2 layers and write them as
# float32 GeoTIFFs of three bands (pre-VV, post-VV, dNDVI), in sizes from 64 to 256 pixels.
# `unet.chip_windows` places them so that **no two chips overlap**: chips cut at random
# places would share pixels, and a random split of them would leak exactly like the random
# tile split of section 3. It also keeps them where at least 90 % of the pixels are valid
# (`valid=`), as a labeller would. Each chip is named after the cell of a 3 x 3 grid over
# the valley that holds it (`r0c2_...` is the north-east cell), which the loader reads as
# its group.

# %%
image2 = unet.channels_last(x2)                  # (rows, cols, 3) float32, NaN = nodata
chip_dir = Path(tempfile.mkdtemp(prefix="chips_"))
for w in unet.chip_windows(truth.shape, sizes=(64, 96, 160, 256), n=N_CHIPS,
                           seed=DEFAULT_SEED, valid=np.isfinite(image2).all(axis=-1),
                           min_valid=0.9):
    unet.write_chip(image2[w.slices], truth[w.slices], chip_dir / "images", chip_dir / "masks",
                    w.name, fmt="tif")
del image2

chips = unet.load_chip_folder(chip_dir / "images", chip_dir / "masks")
print("groups:", sorted({c.group for c in chips}))

# %% [markdown]
# **Split** the chips with `unet.split_chips`. Chips from one area overlap or touch, so a
# test chip dealt at random shares pixels or neighbourhood with training chips, and its score
# is optimistic. `split_chips` therefore keeps **regions** together when it can tell them: by
# position for georeferenced GeoTIFFs, else by the groups in the file names when they look
# like regions (here the grid cells); only when nothing tells (names like `ls_0000.png`) does
# it deal the chips at random, with a warning. It prints what it did.
#
# **Normalise** by what the numbers mean. `fit_band_stats` chooses, and says why:
#
# * values in physical units (dB, dNDVI, reflectance, also 16-bit digital numbers of
#   reflectance) mean the same in every chip, so one mean and standard deviation per band
#   from the **training chips** keep that meaning (as in section 4). These chips are such;
# * 8-bit imagery (`uint8`: photographs, web-map tiles, true-colour exports) is display
#   brightness: another camera, exposure or sun angle makes the same slope brighter. Each
#   chip is then standardised **by its own** mean and standard deviation, so the network
#   learns shapes and contrasts, not one sensor's brightness, and travels better to another
#   region (measured in `bench/unet.md`).
#
# The choice is stored with the model and applied the same way when it predicts.

# %%
parts = unet.split_chips(chips, seed=0)
chip_stats = unet.fit_band_stats([c.image for c in parts["train"]], list(x2.band_names))
chip_model = unet.train_unet(parts["train"], parts["val"], chip_stats, config,
                             steps=CHIP_STEPS, verbose=False)
chip_scores = chip_model.evaluate(parts["test"])    # pooled over every test pixel
print(f"chip model: {chip_model.info['stop_note']}; threshold {chip_model.threshold:.2f}")
print(f"{len(parts['test'])} test chips: {chip_scores.text(digits=1)}")

# %% [markdown]
# `train_unet` took the chips directly (it makes them into samples with the statistics),
# and started at once: the chips have the same three bands as section 6 and the network the
# same architecture, so it reused the training step TensorFlow had already built there (with
# fresh weights), instead of spending the first 6-15 seconds on one CPU building it again.
# Forty steps are few, and a handful of test chips is a small sample: read the score as a
# sign that the pipeline works end to end, not as a measurement. In the figure, white is
# nodata (NaN): the prediction is NaN wherever an input band is.
#
# **With your own data**, this is the whole recipe (the names of your folders and bands in
# place of `my_chips` and `"R", "G", "B"`):
#
# ```python
# # unet.set_threads(4)   # optional, before any model: the CPU cores TensorFlow may use
# chips = unet.load_chip_folder("my_chips/images", "my_chips/masks")   # says what it read
# parts = unet.split_chips(chips)      # by region if names or coordinates tell, else at random
# stats = unet.fit_band_stats([c.image for c in parts["train"]], ["R", "G", "B"])  # says why
# model = unet.train_unet(parts["train"], parts["val"], stats, time_budget_s=15 * 60,
#                         tta="flips")
# print(model.info["stop_note"])
# print("test chips:", model.evaluate(parts["test"]).text(digits=1))
# model.save("my_unet.keras")          # later: model = unet.load_unet("my_unet.keras")
# probability = model.predict_proba(my_image)   # any size
# ```
#
# What it does: training lasts the **whole 15 minutes** (the learning-rate schedule spans
# them, and the last validation and the threshold fit in them too); the weights with the
# lowest loss over every validation pixel are kept; the threshold is chosen on validation
# probabilities averaged over the four flips of every tile (`tta="flips"`), the way the model
# then predicts by default, since averaging makes probabilities less extreme and a threshold
# chosen without it would not fit. `model.evaluate` pools precision, recall, F1 and MCC over
# every test pixel. TensorFlow uses every core it sees; `unet.set_threads(n)` changes that,
# but only before the first model of the session (restart the kernel otherwise; on Binder
# `binder/start` already sets one thread for its one CPU).
#
# Measured in `bench/unet.md`, on chips made like a learner's (199 8-bit RGB crops of 62 to
# 1,068 px around simulated landslides, 0/255 masks, names like `ls_0000.png`, so dealt at
# random) with 15 minutes on 2 cores: test F1 0.71, MCC 0.65 (two runs), F1 0.49 on 25 chips
# of another region seen by another camera, peak memory 1.1 GB (1.3 GB for a folder of 50
# million pixels). The recipe this notebook showed before (training statistics, a fixed
# 1,000 steps that ended after 9 of the 15 minutes, a threshold chosen without the flips)
# reached F1 0.69 and 0.35 in the other region.
#
# For RGB chips, a **pretrained encoder** is worth a try when you have the internet (Binder
# has): `unet.train_unet(..., architecture="mobilenet_v2", encoder_weights="imagenet")`
# starts from MobileNetV2's ImageNet filters (Keras downloads them once, about 2 MB) instead
# of random ones. `bench/unet.md` measured this encoder only from a random start (it needs
# tiles of a multiple of 32 pixels, and about 300 MB more memory).

# %%
test_chips = parts["test"][:4]
probs = [chip_model.predict_proba(c.image) for c in test_chips]
display(up.plot_chip_predictions([c.image for c in test_chips], [c.mask for c in test_chips],
                                 probs, chip_model.threshold, n=4,
                                 band=x2.band_names.index("dNDVI"), band_name="dNDVI"))
del chip_model, chips, parts, test_chips, probs   # free memory (Binder's 2 GB) before the exercises
gc.collect();

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Train the U-Net on setting 3 (pre-VV and post-VV only: radar, no optical)
# with the same configuration and fewer steps, and score it on the same test blocks.
# In the paper the U-Net kept MCC 79 % on setting 3 while CART fell to 20 %. What do you find,
# and why can a network use radar where a per-pixel tree cannot?
#
# <details><summary>Hint</summary>
#
# `layers.setting_layers(3, area)` gives the radar layers; then `unet.prepare_scene` (section
# 3) and `unet.train_unet(..., steps=EXERCISE_STEPS)` (section 6). To predict only around the
# test blocks, which is faster than `predict_proba` on the whole scene (section 7): make a
# `Sample` of them with `unet.make_sample(x3, truth, scene3.stats,
# region=split.region("test"), tile=TILE)` (the layers with their labels and statistics,
# tiles cut only inside `region`), and `unet.trained_predict_sample(model3, sample)` returns a
# probability map of the scene's size, NaN outside the region; threshold it at
# `model3.threshold`. CART: `cart.classify_at_points` as in section 9.
# </details>

# %% tags=["solution"]
x3 = layers.setting_layers(3, area)
scene3 = unet.prepare_scene(x3, truth, block=256, tile=TILE, stride=64, seed=0)
# two bands: a new architecture, so the first 6-15 s build its training step
model3 = unet.train_unet(scene3.train, scene3.val, scene3.stats, config,
                         steps=EXERCISE_STEPS, verbose=False)
# predict only around the test blocks (the whole scene would take longer)
test3 = unet.make_sample(x3, truth, scene3.stats, region=split.region("test"), tile=TILE)
p3 = unet.trained_predict_sample(model3, test3)
map3 = np.where(np.isnan(p3), np.nan, p3 >= model3.threshold)
print(f"U-Net setting 3 ({model3.info['steps']} steps), test blocks:",
      metrics.evaluate(truth, map3, valid=test_pixels).text(digits=1))
_, cart3_map, _ = cart.classify_at_points(x3, all_points[keep], cart.make_cart(),
                                        focal_window=3, quiet=True)
print("CART setting 3, test blocks:",
      metrics.evaluate(truth, cart3_map, valid=test_pixels).text(digits=1))
del model3, scene3, x3, test3, cart3_map   # free memory
# Radar speckle makes single pixels unreliable: a tree on one pixel's values sees noise,
# while the U-Net combines many neighbouring pixels and can learn a scar's overall change
# in backscatter and what remains of its edge pattern (these layers average the ascending
# and descending passes; layers.setting_layers(3, area, geometry="both") keeps each pass's
# own, directional signature). With so few steps the network may not get far: give it
# more. The pixels are the same as for setting 2, so the scores can be set side
# by side, but not the training effort: compare the steps printed here with section 6's.

# %% [markdown]
# **Exercise 2.** Measure the leak directly: keep the test and validation blocks aside, split
# the tiles of the other blocks **at random** into training and test tiles (50 % overlap, the
# paper's stride), train on the random training tiles, and score the model on its training
# tiles, on its random test tiles and on the test blocks. Which number would you report?
#
# <details><summary>Hint</summary>
#
# A `Sample` with `region=` restricts where tiles are cut: make a region from the random
# training tiles with `unet.tile_coverage(...) > 0`.
# </details>

# %% tags=["solution"]
# the validation blocks choose the best epoch and the threshold: keep them out of training
held_out = split.region("test") | split.region("val")
grid = unet.tile_origins(truth.shape, TILE, 64)
inside = np.array([not held_out[r:r + TILE, c:c + TILE].any() for r, c in grid])
order = np.random.default_rng(1).permutation(np.flatnonzero(inside))
rand_train, rand_test = grid[order[: int(0.8 * len(order))]], grid[order[int(0.8 * len(order)):]]
region_train = unet.tile_coverage(truth.shape, rand_train, TILE) > 0
region_test = unet.tile_coverage(truth.shape, rand_test, TILE) > 0
leaky = unet.train_unet(
    [unet.make_sample(x2, truth, stats, region=region_train, tile=TILE)],
    scene.val, stats, config, steps=LEAKY_STEPS, verbose=False)
# (raise the steps to 200 or more for a clearer answer)
# predict only where it is scored, not the whole scene
scored = unet.make_sample(x2, truth, stats,
                          region=region_train | region_test | split.region("test"), tile=TILE)
p_leaky = unet.trained_predict_sample(leaky, scored)
leaky_map = np.where(np.isnan(p_leaky), np.nan, p_leaky >= leaky.threshold)
for name, pixels in (("its training tiles", region_train & evalmask),
                     ("random test tiles", region_test & evalmask),
                     ("unseen test blocks", test_pixels)):
    mcc = metrics.evaluate(truth, leaky_map, valid=pixels).mcc
    print(f"{name:19s} MCC {metrics.format_score(mcc, digits=1):>5s} %")
del leaky, scored   # free memory
# The random test tiles overlap the training tiles, so their score stays close to the
# training-tile score and well above the score on the unseen test blocks: a random split
# reports the model as better than it is where it has not seen the answer. Report the
# test-block score: it is what a user of the map in a new valley can expect. The validation
# blocks are those of section 6 and outside all training tiles, so the comparison isolates
# the split.

# %% [markdown]
# **Exercise 3.** Does test-time augmentation help? Predict the test blocks again with
# `tta="flips"` (the 4 flips of every tile, averaged) and compare the MCC at the model's
# threshold. What does it cost in time? (`unet.trained_predict_sample` predicts only a window
# around each test block of a `Sample`.)

# %% tags=["solution"]
import time

test_sample = unet.make_sample(x2, truth, stats, region=split.region("test"), tile=TILE)
scores_tta = {}
for tta in (False, "flips"):
    t0 = time.perf_counter()
    p = unet.trained_predict_sample(model, test_sample, tta=tta)
    seconds = time.perf_counter() - t0
    binary = np.where(np.isnan(p), np.nan, p >= model.threshold)
    scores_tta[tta] = metrics.evaluate(truth, binary, valid=test_pixels).mcc
    print(f"tta={tta!s:6s} MCC {metrics.format_score(scores_tta[tta], digits=1):>5s} %  "
          f"({seconds:.1f} s)")
# Four predictions per tile cost about four times the time. The gain printed here is what
# this model gets; in bench/unet.md a three-minute model gained 0.025 MCC with TTA, within
# the spread between seeds. Worth it for a final map, not while experimenting. One catch:
# this model's threshold was chosen without TTA (its `model.tta` is False), and averaging
# four flips makes probabilities less extreme, so the threshold fits the flipped
# predictions less well; a model trained with `tta="flips"` chooses its threshold on
# flip-averaged probabilities and predicts with them by default (section 10's recipe).

# %% [markdown]
# ## Summary
#
# ### Key points
#
# * A U-Net labels every pixel from its neighbourhood: the encoder gathers context, the
#   decoder and the skip connections restore detail.
# * Overlapping tiles split at random leak: test pixels were seen in training. Split by
#   **spatial blocks** and report the score on blocks the model never saw.
# * Normalise with **training statistics only** and store them with the model (band names
#   too); follow the NaN policy: ignore NaN in the loss, predict NaN where inputs are NaN.
# * Small data on a CPU: augmentation that keeps the mask aligned, a loss for rare classes
#   (BCE + Dice), batch normalisation, a warm-up + cosine schedule over the whole training,
#   the best weights kept, a threshold chosen on validation as the model predicts.
# * Train for a number of **steps** to get the same result on every run; a **time budget**
#   instead uses the time you have (the schedule spans it) and says why it stopped.
# * Predict scenes of any size with overlapping tiles blended by a tapering window.
# * The same functions train on your own chips (`load_chip_folder`), of mixed sizes and kept
#   as stored; normalise 8-bit imagery per chip and physical units with training statistics.
#
# ### What's next
#
# Notebook **06** puts the U-Net's saved map next to [OBIA](glossary.md#obia), CART and the baselines, whole area
# and per subplot. `bench/unet.md` records which training levers helped and by how much.
#
# ### References
#
# * Ganerød, A. J., Lindsay, E., et al. (2023). Globally vs. locally trained machine learning
#   models for landslide detection: a case study of a glacial landscape. *Remote Sensing*,
#   15(4), 895 (section 3.2 (v), Figure 7, Table 4).
# * Ronneberger, O., Fischer, P., & Brox, T. (2015). U-Net: convolutional networks for
#   biomedical image [segmentation](glossary.md#segmentation). *MICCAI*, LNCS 9351, 234-241.
# * Ioffe, S., & Szegedy, C. (2015). Batch normalization. *ICML*.
# * Milletari, F., Navab, N., & Ahmadi, S.-A. (2016). V-Net (the Dice loss). *3DV*.
# * Loshchilov, I., & Hutter, F. (2017). SGDR: stochastic gradient descent with warm restarts
#   (cosine schedule). *ICLR*. Goyal, P., et al. (2017). Accurate, large minibatch SGD
#   (warm-up). arXiv:1706.02677.
# * Roberts, D. R., et al. (2017). Cross-validation strategies for data with temporal,
#   spatial, hierarchical, or phylogenetic structure. *Ecography*, 40, 913-929.
