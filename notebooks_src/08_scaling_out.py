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
# system. In this notebook you run notebook 04's landslide map (the cloud mask, greenest-pixel
# [composites](glossary.md#composite), [dNDVI](glossary.md#dndvi), the [CART](glossary.md#cart)
# or a [random forest](glossary.md#random-forest) on the paper's setting 4, the focal mode) on
# an area four times the course's default, held as **chunked Dask arrays** in georeferenced
# **xarray DataArrays** and computed by a **dask.distributed** cluster. You find out when a
# cluster pays (the work of a task against what the task costs to schedule), measure the
# speed-up and the memory, and check that the results equal the single-process ones exactly.
#
# ## Overview
#
# ### Learning objectives
#
# By the end of this notebook you can:
#
# 1. open rasters lazily as Dask-backed xarray DataArrays (coordinates, CRS) whose chunks are
#    read only when needed, and say how they map to the course's `Raster`;
# 2. run per-pixel steps chunk by chunk with `map_blocks` (fused into one task per chunk),
#    and neighbourhood steps (the cloud mask, the focal mode) with `map_overlap`, and say how
#    large the overlap must be;
# 3. compare the work of a task with its overhead and predict whether a cluster will pay;
# 4. start a `LocalCluster` with a memory limit per worker, warm it up, and measure speed-up
#    and memory against one process; say what one CPU (Binder) can and cannot show;
# 5. verify that a distributed result equals the single-process result, and notebook 04's;
# 6. point the same code at a real cluster (Dask Gateway, Kubernetes).
#
# ### Prerequisites
#
# | concept | importance | where to learn it |
# |---|---|---|
# | composites, the cloud mask ([s2cloudless](glossary.md#s2cloudless), [SCL](glossary.md#scl)), dNDVI | necessary | notebooks **01** and **02** |
# | the CART on setting 4, the focal mode | necessary | notebook **04** |
# | overlapping tiles | helpful | notebook **05** |
# | NumPy arrays | necessary | [NumPy for absolute beginners](https://numpy.org/doc/stable/user/absolute_beginners.html) |
# | Dask arrays, xarray | helpful | [Dask array documentation](https://docs.dask.org/en/stable/array.html), [xarray's *Parallel computing with Dask*](https://docs.xarray.dev/en/stable/user-guide/dask.html) |
#
# ### Time to learn
#
# About **40 minutes** (25 reading and running, 5 with the widget, 10 for the exercises).
#
# ### Real or simulated?
#
# * **Simulated**: the study area (notebook 00). The larger area is a **mirrored mosaic** of
#   it (copies flipped so the terrain continues across the seams): a stand-in for a region
#   several times larger, not a new world. Its map coordinates continue east and south of the
#   study area's; they are a stand-in too.
# * **Real**: the timings and memory are measurements on the computer you run this on.
#
# **On Binder** (one CPU) the notebook says so and adapts: one worker, compared with the same
# graph run in this process, because on one core a cluster can only be slower. What it shows
# there is the other half of scaling out: bounded memory.

# %%
# %matplotlib inline
import warnings

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML, display

from course_lib import cart, sampling, scaling
from course_lib.data.raster import Raster
from course_lib.learner import selfcheck
from course_lib.pipeline import layers
from course_lib.simulator import load_study_area
from course_lib.simulator.products import study_area_folder
from course_lib.viz import scaling_plots as sp
from course_lib.viz.explore import explorer

# %% tags=["parameters"]
# Parameters: the sizes and budgets of this notebook. The automatic tests run it with
# smaller values, injected after this cell (papermill's "parameters" convention).
FACTOR = 2             # the mirrored mosaic is FACTOR x FACTOR copies of the study area
TREES = 50             # trees of the random forest (the heavy workload)
CHUNK = 512            # chunk side in pixels
MEMORY_LIMIT = "1GB"   # memory limit of each Dask worker

# %% [markdown]
# ## 1. What this machine can show
#
# A cluster of worker processes can only be faster than one process if there are cores for
# the workers. `scaling.scaling_workload` looks at the CPUs this notebook may use
# (`available_cpus`: the container's quota, not the machine's count) and chooses the
# set-up; read its reason.

# %%
workload = scaling.scaling_workload(factor=FACTOR, trees=TREES)
print(workload.reason)
print(f"mosaic x{workload.factor}, random forest of {workload.trees} trees, "
      f"{workload.workers} worker(s), baseline: {workload.baseline}")

# %% [markdown]
# ## 2. A larger area, read lazily, as xarray DataArrays
#
# The study area's products are GeoTIFFs on disk. `scaling.lazy_dataarray` opens one as a
# **Dask-backed `xarray.DataArray`**: nothing is read yet; each **chunk** (here 512 × 512
# pixels, all dates and bands) is read from its own window of the file when a task needs
# it. With `factor=2` it is a 2 × 2 mosaic of mirrored copies, four times the default area.
# The landslide map needs six products: the reflectance, the SCL layer and the cloud
# probability, before and after the event.

# %%
area = load_study_area()
folder = study_area_folder()
inputs = {name: scaling.lazy_dataarray(folder / f"{name}.tif", factor=workload.factor,
                                       chunk=CHUNK)
          for name in scaling.LANDSLIDE_PRODUCTS}
pre = inputs["s2_pre"]
rows, cols = pre.sizes["y"], pre.sizes["x"]
print(f"default area: {area['dem'].shape[0]} x {area['dem'].shape[1]} pixels; "
      f"mosaic x{workload.factor}: {rows} x {cols} pixels")
print(f"pre-event stack as float32: {pre.nbytes / 1e9:.2f} GB if loaded at once; one chunk: "
      f"{np.prod(pre.data.chunksize) * 4 / 1e6:.0f} MB")
display(pre)

# %% [markdown]
# This is the layout of the course's `Raster` as `Raster.to_xarray()` gives it, and of what
# `rioxarray` and `odc-stac` (notebook 09) return: dimensions `time, band, y, x`, the band
# names and dates as coordinates, `x`/`y` the map coordinates of the pixel centres, the CRS in
# `pre.rio.crs`. The one difference is that the values are a Dask array. Selecting is lazy
# too, and `Raster.from_xarray` computes only what the selection keeps: here one window of
# one date, two bands, read from the file alone. (`rioxarray.open_rasterio(path,
# chunks=...)` opens any GeoTIFF the same way; `lazy_dataarray` adds the mosaic and the
# decoding of the study area's stored values.)

# %%
window = pre.isel(time=0, x=slice(0, 256), y=slice(0, 256)).sel(band=["B04", "B08"])
small = Raster.from_xarray(window)
print(f"a Raster of {small.band_names}, {small.shape[0]} x {small.shape[1]} pixels, "
      f"{small.crs.to_string()}, top-left corner ({small.transform.c:.0f}, "
      f"{small.transform.f:.0f}), the same as the study area's: "
      f"{small.transform == area['dem'].transform}")

# %% [markdown]
# ## 3. The classifiers, trained as in notebook 04
#
# The map uses the course's own classifiers, trained on the study area's 130 training points
# exactly as notebook 04 trains its CART: sample the setting-4 layers (post-event R, G, B,
# NIR and dNDVI) at the points, leave out points with NaN (the NaN policy), train on the
# eight classes. Notebook 04's CART (grown to pure leaves) is the light workload; a random
# forest of `TREES` trees (`cart.make_random_forest`, Breiman 2001) on the same points is the
# heavy one: the same map, more work per pixel.

# %%
stack4 = layers.setting_layers(4, area)
table = sampling.sample_at_points(stack4, area["training_points"], on_invalid="keep")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)   # the NaN points left out are counted below
    tree = cart.fit_pixel_classifier(table, stack4.band_names, cart.make_cart(), on_nan="drop")
    forest = cart.fit_pixel_classifier(table, stack4.band_names,
                                       cart.make_random_forest(workload.trees), on_nan="drop")
print(f"trained on {sum(tree.n_points.values())} of {len(table)} points, "
      f"{len(tree.classes)} classes, bands {', '.join(tree.band_names)}")
print(f"CART: {tree.estimator.get_n_leaves()} leaves; forest: {workload.trees} such trees on "
      f"bootstrap samples")

# %% [markdown]
# ## 4. The landslide map as a graph of tasks
#
# `scaling.landslide_graph` arranges notebook 04's steps for Dask, each one the course's own
# function applied to one chunk:
#
# 1. the **cloud mask** (`clouds.clear_sky_mask`: the cloud probability averaged over 240 m,
#    thresholded and dilated by 120 m, as s2cloudless does; SCL's shadow, snow and nodata)
#    looks at neighbours, so it runs with `map_overlap`: each chunk is read with a margin
#    from the adjacent chunks, as wide as the mask's reach;
# 2. everything else up to the classifier is **per pixel** (composites, dNDVI, the
#    classifier, merging the eight classes): these steps are **fused** into one function,
#    `scaling.landslide_chunk`, run once per chunk with `map_blocks`;
# 3. the 3 × 3 **focal mode** (`postprocess.focal_mode`) looks one pixel around: `map_overlap`
#    again, margin 1. At the image's own edges no margin is added (`boundary="none"`), as the
#    filter ignores pixels outside the image.
#
# The inputs are DataArrays, so the result is one too: three bands (dNDVI, the landslide map,
# the cleaned map) on the mosaic's grid, with its CRS. Still nothing is computed.

# %%
FOCAL_WINDOW = 3   # the paper's clean-up, as in notebook 04
maps = scaling.landslide_graph(inputs, forest, focal_window=FOCAL_WINDOW)
n_chunks = int(np.prod(pre.data.numblocks[-2:]))
counts = scaling.task_counts(maps)
n_tasks = sum(counts.values())
print(f"margin of the cloud mask: {scaling.cloud_mask_reach()} pixels; of the focal mode: "
      f"{FOCAL_WINDOW // 2}")
print(f"{n_chunks} chunks, {n_tasks} tasks in the graph; by step:")
for step, count in counts.items():
    print(f"  {count:4d}  {step}")
display(maps)

# %% [markdown]
# Most tasks are cheap bookkeeping: `overlap` cuts the strips that margins borrow from
# neighbouring chunks and joins them, `reshape` and `concatenate` rearrange chunks. The work
# is in the few tasks per chunk named after the course's functions: `_clear_block_stacked`
# (the cloud mask), `landslide_chunk` and `_focal_mode_block`.
#
# Before trusting the graph, check it against notebook 04: on the study area itself
# (`factor=1`) and with notebook 04's CART, its dNDVI must equal the layer notebook 04 uses
# and its cleaned map the map notebook 04 makes (`predict_landslides` with the 3 × 3 focal
# mode), pixel for pixel.

# %%
default_inputs = {name: scaling.lazy_dataarray(folder / f"{name}.tif", factor=1, chunk=CHUNK)
                  for name in scaling.LANDSLIDE_PRODUCTS}
light = scaling.measure(scaling.landslide_graph(default_inputs, tree, FOCAL_WINDOW),
                        scheduler="synchronous")
check = light.results[0]
print("dNDVI equals notebook 04's layer:",
      np.array_equal(check.sel(band="dNDVI").values, stack4.band("dNDVI"), equal_nan=True))
print("CART map equals notebook 04's:",
      np.array_equal(check.sel(band="landslide_cleaned").values,
                     tree.predict_landslides(stack4, focal_window=FOCAL_WINDOW), equal_nan=True))

# %% [markdown]
# ### Self-check
#
# The mosaic has `rows` × `cols` pixels in chunks of `CHUNK` × `CHUNK`. How many chunks
# does it have? Compute it from those three numbers (not from Dask), replace `...` with it,
# and run the cell.
#
# <details><summary>Hint</summary>
#
# Chunks along the rows, times chunks along the columns; round up when the size is not a
# multiple (`math.ceil`).
# </details>

# %%
answer = ...   # replace ... with your answer, e.g. math.ceil(rows / CHUNK) * ...
selfcheck.check_number(answer, expected=n_chunks, tol=0,
                       hint="Multiply the number of chunks along rows by the number along columns.",
                       explain="Up to that many landslide_chunk tasks can run at once, given "
                               "enough workers; with fewer chunks than workers some would idle.")

# %% [markdown]
# ## 5. One process
#
# The baseline runs in this notebook's own process. With two or more CPUs it is the course's
# plain functions on **whole NumPy arrays** (`scaling.landslide_maps`: the mosaic read at once
# with `scaling.read_product`, no Dask at all). On one CPU it is the same Dask graph run one
# chunk at a time (`scheduler="synchronous"`), because the whole-array version of the x2
# mosaic needs more memory than Binder has. `scaling.measure` times the run and follows the
# memory of this process and of any worker processes.

# %%
if workload.baseline == "numpy":
    def whole_arrays():
        data = {name: scaling.read_product(folder / f"{name}.tif", workload.factor)
                for name in scaling.LANDSLIDE_PRODUCTS}
        return scaling.landslide_maps(data, forest, FOCAL_WINDOW)

    baseline = scaling.measure(whole_arrays)
    baseline_name = "one process, NumPy"
else:
    baseline = scaling.measure(maps, scheduler="synchronous")
    baseline_name = "one process, chunk by chunk"
single = np.asarray(baseline.results[0])
print(f"{baseline_name}: {baseline.seconds:.1f} s, peak memory {baseline.peak_mb:.0f} MB "
      f"for {rows} x {cols} pixels")

# %% [markdown]
# ## 6. A cluster
#
# `scaling.start_cluster` starts a `dask.distributed.LocalCluster`: worker **processes**, one
# thread each, each with a **memory limit** (above 60 % of it a worker spills data to disk;
# at 95 % it is restarted). `trim_memory=False` keeps the C library's normal memory handling
# in the workers: dask.distributed otherwise hands every freed block back to the system at
# once, which cost two workers most of their speed-up in the course's benchmark
# (`bench/dask_speedup.md`), at the price of about 100 MB per worker. `scaling.warm_up` then imports the course's modules in every
# worker, so that the measurement is not a measurement of imports.

# %%
client, cluster = scaling.start_cluster(n_workers=workload.workers, memory_limit=MEMORY_LIMIT,
                                        trim_memory=False)
scaling.warm_up(client)
display(HTML(f'Dask dashboard: <a href="{client.dashboard_link}" target="_blank">'
             f'{client.dashboard_link}</a> (open it in a new tab, then run the cell after '
             'next and watch the task stream)'))
print(f"{len(client.scheduler_info()['workers'])} worker(s), memory limit {MEMORY_LIMIT} each")

# %% [markdown]
# On Binder the dashboard is served through the Jupyter server: replace `http://127.0.0.1:PORT`
# by your Binder URL followed by `/proxy/PORT/status`.
#
# **Will it pay?** A task costs the scheduler something whatever it does: bookkeeping, a
# message to a worker and back. Measure that cost with tasks that do nothing, and compare it
# with the work of a chunk: the baseline's time divided by the number of chunks (and the CART
# run on the default area, whose chunks are just as large).

# %%
overhead = scaling.task_overhead(400)
per_chunk = {"forest": baseline.seconds / n_chunks,
             "CART": light.seconds / int(np.prod(default_inputs["s2_pre"].data.numblocks[-2:]))}
print(f"overhead: {overhead * 1e3:.1f} ms per task; {n_tasks / n_chunks:.0f} tasks per chunk "
      f"-> {overhead * n_tasks / n_chunks:.2f} s of overhead per chunk")
for name, seconds in per_chunk.items():
    print(f"work per chunk with the {name}: {seconds:.2f} s "
          f"({seconds / (overhead * n_tasks / n_chunks):.0f} x its overhead)")

# %% [markdown]
# With the work of each chunk many times its overhead, the cluster can win back what it
# costs, given free cores. The first version of this notebook did not fuse the per-pixel
# steps: one task per step and chunk, 681 tasks of about 4 ms of work each on average, and
# it was slower with Dask than without (`bench/dask_speedup.md`).
#
# Now the measurement: the same graph on the cluster.

# %% tags=["report"]
distributed = scaling.measure(maps)
on_cluster = distributed.results[0]
cluster_name = f"{workload.workers} worker(s)"
print(f"{baseline_name}: {baseline.seconds:.1f} s, peak {baseline.peak_mb:.0f} MB (all processes)")
print(f"{cluster_name}: {distributed.seconds:.1f} s, peak {distributed.peak_mb:.0f} MB "
      f"(notebook + workers)")
print(f"speed-up x{baseline.seconds / distributed.seconds:.2f} on {scaling.available_cpus()} "
      f"CPU(s); identical results: {scaling.same_results([single], [on_cluster.values])}")

# %%
display(sp.speedup_figure({baseline_name: baseline.seconds, cluster_name: distributed.seconds},
                          baseline=baseline_name,
                          memory_mb={baseline_name: baseline.peak_mb,
                                     cluster_name: distributed.peak_mb}))

# %% [markdown]
# Read the numbers the cells above printed for *this* machine. With two free cores the
# course's benchmark (`bench/dask_speedup.md`) measured two workers at x1.47 and x1.50 the
# speed of one NumPy process on this workload, with a forest of 50 trees; with other
# programs busy on the same cores the speed-up shrinks or vanishes, and on one CPU a cluster
# can only be slower: the notebook, the scheduler and the worker take turns on one core.
# Even two whole cores rarely give x2: reading the files, the scheduler and the copies
# between processes are not divided by two, and the two CPUs of a virtual machine often
# share one physical core.
#
# The memory column is the other half. The whole-array version holds every stack of the
# mosaic at once; a worker holds a few chunks at a time, whatever the size of the area, and
# its memory limit stops it before it takes the machine down. That is what a cluster gives on
# Binder's single CPU, and why its whole-array run is skipped there.
#
# The results are identical because every chunk runs the same deterministic functions on the
# same pixels, and each margin covers its step's reach. Now look at the map: it is a
# DataArray on the mosaic's grid, so `Raster.from_xarray` turns it into the course's `Raster`
# and the figure uses map coordinates.

# %%
result = Raster.from_xarray(on_cluster)
show_every = max(1, rows // 1024)
display(sp.mosaic_maps_figure(result, factor=workload.factor, step=show_every))
cleaned, raw = result.band("landslide_cleaned"), result.band("landslide")
print(f"no data (never clear before or after): {np.isnan(cleaned).mean():.2%} of the pixels")
print(f"landslide pixels: {np.nansum(cleaned):.0f} after the focal mode, {np.nansum(raw):.0f} "
      f"before ({1 - np.nansum(cleaned) / max(np.nansum(raw), 1):.0%} removed as salt and "
      "pepper)")

# %% [markdown]
# The maps are back in this notebook, so the cluster has done its job: close it, and its
# workers give their memory back. (Everything below runs in this process.)

# %%
client.close()
cluster.close()

# %% [markdown]
# ## 7. Explore: how much overlap does a neighbourhood operation need?
#
# A focal filter of size 5 reaches 2 pixels on each side. Chunks processed without a margin
# see no neighbours across their edges, so the result differs along every chunk boundary.
# Move the margin (`depth`) and the chunk size and watch the differences disappear exactly
# when the margin reaches the filter's reach. The cloud mask reaches 36 pixels; a U-Net sees
# much further (each pooling doubles its reach), which is why notebook 05 blends overlapping
# tiles. The map here is a 256 × 256 corner of the landslide map before its clean-up.

# %%
crop = raw[:256, :256]


def explore(depth=0, chunk=64, size=3):
    fig, numbers = sp.overlap_explorer(crop, chunk=chunk, depth=depth, size=size)
    return fig, (f"{numbers['differing_pixels']} pixels differ from the whole-image result "
                 f"(margin {depth}, reach {numbers['reach']}, {numbers['chunks']} chunks)")


explorer(explore, depth=widgets.IntSlider(value=0, min=0, max=6, description="depth"),
         chunk=widgets.Dropdown(options=[32, 64, 128], value=64, description="chunk"),
         size=widgets.Dropdown(options=[3, 5, 7, 9], value=3, description="size"));

# %% [markdown]
# ## 8. The same code on a real cluster
#
# Nothing above depends on the cluster being local: the graph is built the same way, and
# `dask.compute` uses whichever `Client` is active. On a shared cluster only two lines change.
# The one real difference is **data access**: remote workers cannot read this computer's
# `data_cache/`, so the data must sit where every worker can read it, e.g. cloud-optimised
# GeoTIFFs on object storage, loaded lazily as DataArrays with `odc-stac` as notebook 09 does
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
# maps = scaling.landslide_graph(inputs, forest)
# result = maps.compute()
# ```
#
# Neither package is installed in this course (they need a cluster to talk to). For an
# area too large to bring back at all, write the map chunk by chunk instead of computing it
# here: `maps.rio.to_raster("landslides.tif", tiled=True, lock=...)` (rioxarray) has every
# worker write its own chunks.

# %% [markdown]
# ## Exercises
#
# **Exercise 1.** Chunk size is a trade-off. On the default area (`factor=1`), run the CART
# map in one process (`scheduler="synchronous"`) with chunks of 256 and of 1024 pixels and
# print the number of chunks, of tasks and the time. Which chunk size would keep two workers
# busy, and what limits a chunk size of 4096 on Binder?
#
# <details><summary>Hint</summary>
#
# Rebuild the inputs with `scaling.lazy_dataarray(..., chunk=...)`, then
# `scaling.landslide_graph(...)`, `scaling.task_counts(...)` and
# `scaling.measure(..., scheduler="synchronous")`.
# </details>

# %% tags=["solution"]
for size in (256, 1024):
    sized = {name: scaling.lazy_dataarray(folder / f"{name}.tif", factor=1, chunk=size)
             for name in scaling.LANDSLIDE_PRODUCTS}
    graph = scaling.landslide_graph(sized, tree, FOCAL_WINDOW)
    run = scaling.measure(graph, scheduler="synchronous")
    chunks_here = int(np.prod(sized["s2_pre"].data.numblocks[-2:]))
    print(f"chunks of {size}: {chunks_here} chunk(s), {sum(scaling.task_counts(graph).values())}"
          f" tasks, {run.seconds:.1f} s, peak memory {run.peak_mb:.0f} MB")
# One chunk of 1024 leaves the second worker idle; 256 gives 16 chunks but more tasks, each
# with less work. A 4096 x 4096 chunk of 4 dates x 6 bands in float32 is 1.6 GB before any
# intermediate, more than a Binder session has. Chunks of some tens to a few hundred MB are
# the usual advice (Dask best practices).

# %% [markdown]
# **Exercise 2.** Compute the landslide area of the **default** area (`factor=1`) in km²
# (10 m pixels) with the forest **without** bringing the map back: a reduction
# (`.sum()` of a Dask-backed DataArray) runs chunk by chunk and returns one number. Compare
# it with the mosaic's count from section 6 divided by `FACTOR**2`. Are they equal? Why could
# they differ?
#
# <details><summary>Hint</summary>
#
# `scaling.landslide_graph(default_inputs, forest).sel(band="landslide_cleaned").sum()` is
# still lazy; `.compute()` gives the number. Then think about what the focal mode and the
# cloud mask see at the study area's edges, and at the mosaic's seams.
# </details>

# %% tags=["solution"]
total = scaling.landslide_graph(default_inputs, forest, FOCAL_WINDOW).sel(
    band="landslide_cleaned").sum().compute(scheduler="synchronous")
pixels = float(total)
print(f"default area: {pixels:.0f} landslide pixels = {pixels * 100 / 1e6:.3f} km2")
print(f"mosaic: {np.nansum(cleaned):.0f} pixels / {workload.factor ** 2} = "
      f"{np.nansum(cleaned) / workload.factor ** 2:.1f}")
# Only one number per chunk travels back, so a reduction scales to any size. The copies are
# mirror images of one area, but not quite the same map: at the study area's own edges the
# focal mode and the cloud mask's dilation see nothing beyond, while at the mosaic's seams
# they see the mirrored copy. Pixels within their reach of a seam (36 for the cloud mask, 1 for the focal
# mode) can differ; with FACTOR = 1 there is no seam and the two counts are equal.

# %% [markdown]
# **Exercise 3.** Add the **median** composite of the post-event images to the graph
# (`scaling.composite(..., "median")`) on the default area and check that it equals the
# course's, `course_lib.pipeline.composites.study_area_composites`. Then leave out the cloud
# probability (`cloudprob=`): why does the result change?
#
# <details><summary>Hint</summary>
#
# `scaling.composite(stack, scl, "median", cloudprob=...)` takes Dask arrays: use the
# DataArrays' `.data`. The course's composites mask clouds as the paper did.
# </details>

# %% tags=["solution"]
from course_lib.pipeline.composites import study_area_composites

post_inputs = {name: default_inputs[name].data
               for name in ("s2_post", "s2_post_scl", "s2_post_cloudprob")}
reference = study_area_composites(area, kinds=("median",))["post_median"].data
with_prob = scaling.composite(post_inputs["s2_post"], post_inputs["s2_post_scl"], "median",
                              cloudprob=post_inputs["s2_post_cloudprob"])
scl_only = scaling.composite(post_inputs["s2_post"], post_inputs["s2_post_scl"], "median")
with_prob, scl_only = scaling.measure(with_prob, scl_only, scheduler="synchronous").results
print("chunked median composite equals the course's:",
      np.array_equal(with_prob, reference, equal_nan=True))
differ = ~np.isclose(scl_only, reference, equal_nan=True).all(axis=0)
print(f"with SCL's cloud classes instead of the cloud probability: {differ.mean():.1%} of the "
      "pixels differ")
# The course (and the paper) masks clouds with the cloud probability (s2cloudless): averaged,
# thresholded and dilated, so it also removes cloud edges that SCL calls clear. Without it,
# other dates enter the median there. The margin of 36 pixels makes the chunked mask equal
# to the whole-image one.

# %% [markdown]
# ## Summary
#
# * Dask arrays split a raster into chunks and build a graph of tasks; nothing is read or
#   computed until `compute`. In a Dask-backed xarray DataArray the chunks carry coordinates
#   and a CRS, like a `Raster` (`Raster.from_xarray` computes one).
# * Per-pixel steps run chunk by chunk with `map_blocks`, best fused into one task per chunk;
#   neighbourhood steps (the cloud mask, the focal mode, U-Net tiles) need `map_overlap` with
#   a margin at least the step's reach; then the chunked result equals the whole-image one.
# * A cluster pays when each task's work is many times its scheduling overhead **and** there
#   are free cores; on one core it can only be slower, but it keeps memory bounded.
# * The same code runs on Dask Gateway or Kubernetes by changing only how the `Client` is
#   made, provided every worker can read the data.
#
# ### Key points
#
# * Scale the computation, not the code: keep one tested function per step, map it over chunks.
# * Give every task enough work: fuse per-pixel steps, and measure the overhead before adding
#   workers.
# * Check that the distributed result equals the single-process result before trusting it.
# * Bring back maps and numbers, not stacks; memory per worker stays bounded by the chunk size.
#
# ### What's next
#
# Notebook **09** loads real Sentinel-2 and Sentinel-1 over Jølster through STAC (lazily, as
# DataArrays with the same chunking ideas) and a Landslide4Sense subset, when a network is
# there.
#
# ### References
#
# * Dask Development Team (2016). *Dask: library for dynamic task scheduling*.
#   https://dask.org ; Rocklin, M. (2015). Dask: parallel computation with blocked algorithms
#   and task scheduling. *Proc. 14th Python in Science Conference*, 130-136.
# * Hoyer, S. and Hamman, J. (2017). xarray: N-D labeled arrays and datasets in Python.
#   *Journal of Open Research Software*, 5(1), 10.
# * Ganerød, A. J., Lindsay, E., et al. (2023). *Remote Sensing*, 15(4), 895 (CART, setting 4,
#   the focal-mode clean-up).
# * Breiman, L. (2001). Random forests. *Machine Learning*, 45, 5-32.
# * Zupanc, A. (2017). Improving cloud detection with machine learning (s2cloudless).
#   Sentinel Hub blog, Medium.
