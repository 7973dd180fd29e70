# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 08 · Scaling out: the same functions on a larger area with Dask
#
# An agency that adopts a landslide-mapping method does not map one valley: it maps a county
# after every storm. Its data outgrow one computer's memory, and the work must run on the
# computing it already has, a cluster in the cloud or on premises, not on a home-made job
# system. In this notebook you run the course's own functions (SCL masking, greenest-pixel
# composites, [dNDVI](glossary.md#dndvi), a [CART](glossary.md#cart) classifier, a neighbourhood clean-up with overlapping tiles) on an
# area several times the course's default, held as **chunked Dask arrays** and computed by a
# **dask.distributed** cluster; you measure the speed-up and check that the results equal the
# single-process ones exactly.
#
# ## Overview
#
# ### Learning objectives
#
# By the end of this notebook you can:
#
# 1. open rasters lazily as Dask arrays whose chunks are read only when needed;
# 2. apply an existing per-pixel function chunk by chunk with `map_blocks`, and a
#    neighbourhood function (focal filter, [U-Net](glossary.md#u-net) tile prediction) with `map_overlap`, and say
#    how large the overlap must be;
# 3. start a `LocalCluster` with a memory limit per worker, find its dashboard, and measure
#    the speed-up against one process;
# 4. verify that a distributed result equals the single-process result;
# 5. point the same code at a real cluster (Dask Gateway, Kubernetes).
#
# ### Prerequisites
#
# | concept | importance | where to learn it |
# |---|---|---|
# | composites, [SCL](glossary.md#scl) masks, dNDVI | necessary | notebooks **01** and **02** |
# | a CART classifier on training points | helpful | notebook **04** |
# | overlapping tiles | helpful | notebook **05** |
# | NumPy arrays | necessary | [NumPy for absolute beginners](https://numpy.org/doc/stable/user/absolute_beginners.html) |
# | Dask arrays | helpful | [Dask array documentation](https://docs.dask.org/en/stable/array.html) |
#
# ### Time to learn
#
# About **40 minutes** (25 reading and running, 5 with the widget, 10 for the exercises).
#
# ### Real or simulated?
#
# * **Simulated**: the study area (notebook 00). The larger area is a **mirrored mosaic** of
#   it (copies flipped so the terrain continues across the seams): a stand-in for a region
#   several times larger, not a new world. The timings are real measurements on the computer
#   you run this on.
#
# **On Binder** (one CPU) the cluster gets a single worker, and says so: there is no
# speed-up to gain from one core, but the code, the dashboard and the memory limit work the
# same. The speed-up needs several cores.

# %%
# %matplotlib inline
import time

import dask
import dask.array as da
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display
from rasterio.transform import rowcol
from sklearn.tree import DecisionTreeClassifier

from course_lib import scaling
from course_lib.config import DEFAULT_SEED
from course_lib.simulator import load_study_area
from course_lib.simulator.products import study_area_folder
from course_lib.viz import scaling_plots as sp

# %% tags=["parameters"]
# Parameters: the sizes and budgets of this notebook. The automatic tests run it with
# smaller values, injected after this cell (papermill's "parameters" convention).
FACTOR = 2             # the mirrored mosaic is FACTOR x FACTOR copies of the study area
CHUNK = 512            # chunk side in pixels
MEMORY_LIMIT = "1GB"   # memory limit of each Dask worker

# %% [markdown]
# ## 1. A larger area, read lazily
#
# The study area's products are GeoTIFFs on disk (`data_cache/`). `scaling.lazy_product`
# opens one as a Dask array: nothing is read yet; each **chunk** (here 512 × 512 pixels, all
# dates and bands) is read from its own window of the file when a task needs it. With
# `factor=2` the array is a 2 × 2 mosaic of mirrored copies, four times the default area
# (try `FACTOR = 3` or more on a machine with more memory and cores; on Binder, 2 fits the
# 3-minute budget).

# %%
area = load_study_area()
folder = study_area_folder()

stacks = {name: scaling.lazy_product(folder / f"{name}.tif", factor=FACTOR, chunk=CHUNK)
          for name in ("s2_pre", "s2_pre_scl", "s2_post", "s2_post_scl")}
pre = stacks["s2_pre"]
rows, cols = pre.shape[-2:]
print(f"default area: {area['dem'].shape[0]} x {area['dem'].shape[1]} pixels; "
      f"mosaic x{FACTOR}: {rows} x {cols} pixels ({rows * cols / area['dem'].data[0].size:.0f} times the area)")
print(f"pre-event stack as float32: {pre.nbytes / 1e9:.2f} GB if loaded at once; "
      f"one chunk: {np.prod(pre.chunksize) * 4 / 1e6:.0f} MB")
display(pre)

# %% [markdown]
# ## 2. The pipeline as a graph of tasks
#
# Each step calls the course's own function on one chunk at a time:
#
# * `scaling.composite` → `clouds.scl_masks` and `composites.greenest_pixel_composite`
#   (per pixel, so chunks need nothing from their neighbours: `map_blocks`);
# * `scaling.dndvi` → `indices.ndvi` and `indices.dndvi`;
# * `scaling.predict_pixels` → a scikit-learn CART (as in notebook 04) on post R, G, B, NIR and
#   dNDVI (the paper's setting 4), NaN where an input is NaN;
# * `scaling.focal_mode` → `postprocess.focal_mode`, the clean-up of salt-and-pepper noise
#   (here a 5 × 5 focal majority), which looks at neighbours: `scaling.predict_overlapping`
#   (`map_overlap`) reads a **margin** of 2 pixels from the adjacent chunks. A U-Net's tile
#   prediction plugs in the same way (notebook 05).
#
# First the CART: trained on the training points of the default area, on the same layers made
# by the same functions (at `factor=1`, which is the area itself).

# %%
SETTING4 = ["B04", "B03", "B02", "B08"]          # post-R, post-G, post-B, post-NIR
BANDS = ("B02", "B03", "B04", "B08", "B11", "B12")


def setting4_layers(factor):
    """Post-event R, G, B, NIR and dNDVI of the (mosaicked) area, lazily."""
    s = {name: scaling.lazy_product(folder / f"{name}.tif", factor=factor, chunk=CHUNK)
         for name in ("s2_pre", "s2_pre_scl", "s2_post", "s2_post_scl")}
    pre_c = scaling.composite(s["s2_pre"], s["s2_pre_scl"], "greenest")
    post_c = scaling.composite(s["s2_post"], s["s2_post_scl"], "greenest")
    change = scaling.dndvi(pre_c, post_c)
    rgbn = post_c[[BANDS.index(b) for b in SETTING4]]
    return da.concatenate([rgbn, change], axis=0), change


train_layers, _ = setting4_layers(1)
train_layers = train_layers.compute(scheduler="synchronous")
points = area["training_points"]
r, c = rowcol(area["dem"].transform, points.geometry.x, points.geometry.y)
x_train = train_layers[:, np.asarray(r), np.asarray(c)].T
ok = np.isfinite(x_train).all(axis=1)
cart = DecisionTreeClassifier(max_depth=5, class_weight="balanced", random_state=DEFAULT_SEED)
cart.fit(x_train[ok], points["label"].to_numpy()[ok])
print(f"CART trained on {ok.sum()} of {len(points)} training points (the others are never clear)")

# %% [markdown]
# Now the whole graph on the large area. Still nothing is computed: `landslides` is a recipe
# of tasks, one per chunk and step.

# %%
layers, change = setting4_layers(FACTOR)
cart_map = scaling.predict_pixels(cart, layers)
landslides = scaling.focal_mode(cart_map, 5)
n_tasks = len(dict(landslides.__dask_graph__()))
print(f"{change.npartitions} chunks per step; {n_tasks} tasks in the whole graph")

# %% [markdown]
# ### Self-check
#
# The mosaic has `rows` × `cols` pixels in chunks of `CHUNK` × `CHUNK`. How many chunks
# does each step have? Compute it from those three numbers (not from Dask), replace `...`
# with it, and run the cell.
#
# <details><summary>Hint</summary>
#
# Chunks per row of chunks, times rows of chunks; round up when the size is not a multiple
# (`math.ceil`).
# </details>

# %%
from course_lib.learner import selfcheck

answer = ...   # replace ... with your answer, e.g. math.ceil(rows / CHUNK) * ...
selfcheck.check_number(answer, expected=change.npartitions, tol=0,
                       hint="Multiply the number of chunks along rows by the number along columns.",
                       explain="Up to that many tasks per step can run at once, given enough workers.")

# %% [markdown]
# ## 3. One process
#
# The baseline: every task in this notebook's own process, one after the other
# (`scheduler="synchronous"`). We bring back only the three one-band maps (dNDVI, CART, cleaned
# CART), never the multi-band stacks, which is what keeps memory low.

# %%
single, t_single = scaling.timed_compute(change, cart_map, landslides, scheduler="synchronous")
print(f"one process: {t_single:.1f} s for {rows} x {cols} pixels")

# %% [markdown]
# ## 4. A cluster
#
# `scaling.start_cluster` starts a `dask.distributed.LocalCluster`: worker **processes**, one
# thread each, each with a **memory limit** (above 60 % of it a worker spills data to disk; at
# 95 % it is restarted). The number of workers follows the CPUs this notebook may use: two here
# when two cores are free, one on Binder.

# %%
n_workers, why = scaling.suggested_workers(wanted=2)
print(why)
client, cluster = scaling.start_cluster(n_workers=n_workers, memory_limit=MEMORY_LIMIT)
display(HTML(f'Dask dashboard: <a href="{client.dashboard_link}" target="_blank">'
             f'{client.dashboard_link}</a> (open it in a new tab, then run the next cell and '
             'watch the task stream)'))
print(f"{len(client.scheduler_info()['workers'])} worker(s), memory limit {MEMORY_LIMIT} each")

# %% [markdown]
# On Binder the dashboard is served through the Jupyter server: replace `http://127.0.0.1:PORT`
# by your Binder URL followed by `/proxy/PORT/status`.

# %%
distributed, t_cluster = scaling.timed_compute(change, cart_map, landslides)
print(f"{n_workers} worker(s): {t_cluster:.1f} s; one process: {t_single:.1f} s; "
      f"speed-up x{t_single / t_cluster:.2f}")
print("results identical to one process:", scaling.same_results(single, distributed))
memory = client.run(lambda: __import__("psutil").Process().memory_info().rss)
for worker, rss in memory.items():
    print(f"  worker {worker.split(':')[-1]}: {rss / 1e6:.0f} MB in use (limit {MEMORY_LIMIT})")

# %%
display(sp.speedup_figure({"one process": t_single, f"{n_workers} worker(s)": t_cluster},
                          baseline="one process"))

# %% [markdown]
# Why is the speed-up below the number of workers (and, on a busy machine or with one worker,
# even below 1)? Starting worker processes' imports, scheduling tasks, moving intermediate
# results between processes and reading files cost time that one process does not pay, and
# other programs may share the cores. Scaling pays when chunks are big enough that computing
# dominates the overheads, and when there are many free cores (or machines). The results are identical
# because every chunk runs the same deterministic function on the same pixels, and the margin
# of `map_overlap` covers the filter's reach.

# %%
dn, cart_result, cleaned = distributed
step = max(1, rows // 768)
fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
im = axes[0].imshow(dn[0, ::step, ::step], cmap="BrBG", vmin=-0.6, vmax=0.6)
axes[0].set_title(f"dNDVI of the x{FACTOR} mosaic (simulated; every {step}th pixel)")
fig.colorbar(im, ax=axes[0], shrink=0.7)
axes[1].imshow(cleaned[0, ::step, ::step], cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
axes[1].set_title("CART landslides after the 5 x 5 majority clean-up")
for ax in axes:
    for k in range(1, FACTOR):
        ax.axhline(k * rows / FACTOR / step, color="tab:orange", lw=0.8, ls="--")
        ax.axvline(k * cols / FACTOR / step, color="tab:orange", lw=0.8, ls="--")
plt.show()
print(f"landslide pixels: {np.nansum(cleaned):.0f} after clean-up, "
      f"{np.nansum(cart_result):.0f} before ({100 * (1 - np.nansum(cleaned) / max(np.nansum(cart_result), 1)):.0f} % removed as salt and pepper)")

# %% [markdown]
# Dashed lines: the seams of the mirrored mosaic.

# %% [markdown]
# ## 5. Explore: how much overlap does a neighbourhood operation need?
#
# A focal filter of size 5 reaches 2 pixels on each side. Chunks processed without a margin
# see no neighbours across their edges, so the result differs along every chunk boundary.
# Move the margin (`depth`) and the chunk size and watch the differences disappear exactly
# when the margin reaches the filter's reach. A U-Net sees much further (each pooling doubles
# its reach), which is why notebook 05 blends overlapping tiles.

# %%
crop = np.where(np.isnan(dn[0, :256, :256]), np.nan, (dn[0, :256, :256] < -0.2).astype(np.float32))


def explore(depth=0, chunk=64, size=5):
    fig, numbers = sp.overlap_explorer(crop, chunk=chunk, depth=depth, size=size)
    display(fig)
    print(f"{numbers['differing_pixels']} pixels differ from the whole-image result "
          f"(margin {depth}, reach {numbers['reach']}, {numbers['chunks']} chunks)")


widgets.interact(explore, depth=widgets.IntSlider(value=0, min=0, max=6),
                 chunk=widgets.Dropdown(options=[32, 64, 128], value=64),
                 size=widgets.Dropdown(options=[3, 5, 7, 9], value=5));

# %% [markdown]
# ## 6. The same code on a real cluster
#
# Nothing above depends on the cluster being local: the graph is built the same way, and
# `dask.compute` uses whichever `Client` is active. On a shared cluster only two lines change.
# The one real difference is **data access**: remote workers cannot read this computer's
# `data_cache/`, so the data must sit where every worker can read it, e.g. cloud-optimised
# GeoTIFFs on object storage, loaded with `odc-stac` as notebook 09 does
# (`course_lib.data.stac.load_s2(..., chunks={"x": 2048, "y": 2048})`).
#
# ```python
# # Dask Gateway (e.g. on a Pangeo or institutional JupyterHub)
# from dask_gateway import Gateway
# gateway = Gateway()                        # address and auth come from the hub's config
# cluster = gateway.new_cluster(worker_memory=4)
# cluster.adapt(minimum=2, maximum=40)       # grow with the work, shrink when idle
# client = cluster.get_client()
#
# # Kubernetes, with the dask-kubernetes operator
# from dask_kubernetes.operator import KubeCluster
# cluster = KubeCluster(name="landslides", n_workers=20,
#                       resources={"limits": {"memory": "4Gi", "cpu": "1"}})
# client = cluster.get_client()
#
# # then, unchanged:
# results = dask.compute(change, cart_map, landslides)
# ```
#
# Neither package is installed in this course (they need a cluster to talk to).

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Chunk size is a trade-off. On the default area (`factor=1`), time the
# one-process run of the dNDVI alone with chunks of 128 and of 1024 pixels. Which is faster,
# and what would limit a chunk size of 4096 on Binder?
#
# <details><summary>Hint</summary>
#
# Rebuild the inputs with `scaling.lazy_product(..., chunk=...)`, then
# `scaling.timed_compute(..., scheduler="synchronous")`.
# </details>

# %% tags=["solution"]
for size in (128, 1024):
    s = {n: scaling.lazy_product(folder / f"{n}.tif", factor=1, chunk=size)
         for n in ("s2_pre", "s2_pre_scl", "s2_post", "s2_post_scl")}
    d = scaling.dndvi(scaling.composite(s["s2_pre"], s["s2_pre_scl"], "greenest"),
                      scaling.composite(s["s2_post"], s["s2_post_scl"], "greenest"))
    _, seconds = scaling.timed_compute(d, scheduler="synchronous")
    print(f"chunks of {size}: {d.npartitions} chunks, {seconds:.1f} s")
# Small chunks add per-task overhead (scheduling, file opens); big chunks use more memory per
# task: a 4096 x 4096 chunk of 4 dates x 6 bands in float32 is 1.6 GB before any
# intermediate, more than a Binder session has. Chunks of a few hundred MB at most are the
# usual advice (Dask best practices).

# %% [markdown]
# **Exercise 2.** Compute the landslide area of the **default** area (`factor=1`) in km²
# (10 m pixels) **without** bringing the map back: a reduction (`da.nansum`) runs chunk by
# chunk and returns one number. Compare it with the mosaic's total from section 4: why is the
# mosaic's exactly `FACTOR**2` times larger?

# %% tags=["solution"]
layers1, _ = setting4_layers(1)
cleaned1 = scaling.focal_mode(scaling.predict_pixels(cart, layers1), 5)
pixels = da.nansum(cleaned1).compute()
print(f"default area: {pixels:.0f} landslide pixels = {pixels * 100 / 1e6:.2f} km2")
print(f"mosaic: {np.nansum(cleaned):.0f} pixels = {FACTOR ** 2} x default: "
      f"{np.nansum(cleaned) == FACTOR ** 2 * pixels}")
# Only one number per chunk travels back, so a reduction scales to any size. The copies are
# mirror images of one area, and map_overlap pads the image's own edges by reflection, which
# is what the mirrored seams look like from inside: every copy gets the same count.

# %% [markdown]
# **Exercise 3.** Add the **median** [composite](glossary.md#composite) of the post-event images to the graph and
# check that its chunked result equals `course_lib.pipeline.composites.study_area_composites` on the
# default area (`factor=1`).

# %% tags=["solution"]
from course_lib.pipeline.composites import study_area_composites

s1 = {n: scaling.lazy_product(folder / f"{n}.tif", factor=1, chunk=CHUNK)
      for n in ("s2_post", "s2_post_scl")}
chunked = scaling.composite(s1["s2_post"], s1["s2_post_scl"], "median").compute()
reference = study_area_composites(area, kinds=("median",))["post_median"].data
print("chunked median composite equals the course's:",
      np.array_equal(chunked, reference, equal_nan=True))

# %%
client.close()
cluster.close()

# %% [markdown]
# ## Summary
#
# * Dask arrays split a raster into chunks and build a graph of tasks; nothing is read or
#   computed until `compute`. Only the windows a chunk needs are read from the GeoTIFFs.
# * Per-pixel steps (masking, composites, indices, a pixel classifier) run chunk by chunk with
#   `map_blocks`. Neighbourhood steps (focal filters, U-Net tiles) need `map_overlap` with a
#   margin at least the operation's reach; then the chunked result equals the whole-image one.
# * A `LocalCluster` runs the tasks in worker processes with a memory limit each; its
#   dashboard shows the task stream and memory. The same code runs on Dask Gateway or
#   Kubernetes by changing only how the `Client` is made, provided every worker can read the
#   data.
# * Speed-up is below the worker count because of overheads; measure it on your machine.
#
# ### Key points
#
# * Scale the computation, not the code: keep one tested function per step, map it over chunks.
# * Check that the distributed result equals the single-process result before trusting it.
# * Bring back maps and numbers, not stacks; memory per worker stays bounded by the chunk size.
#
# ### What's next
#
# Notebook **09** loads real Sentinel-2 and Sentinel-1 over Jølster through STAC (lazily, with
# the same chunking ideas) and a Landslide4Sense subset, when a network is there.
#
# ### References
#
# * Dask Development Team (2016). *Dask: library for dynamic task scheduling*.
#   https://dask.org ; Rocklin, M. (2015). Dask: parallel computation with blocked algorithms
#   and task scheduling. *Proc. 14th Python in Science Conference*, 130-136.
# * Ganerød, A. J., Lindsay, E., et al. (2023). *Remote Sensing*, 15(4), 895 (CART, setting 4,
#   the majority clean-up).
