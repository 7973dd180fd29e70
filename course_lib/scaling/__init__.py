"""Scaling out: the course's functions on chunked Dask arrays, on a dask.distributed cluster.

Nothing here re-implements a method (:mod:`~course_lib.scaling.lazy` reads,
:mod:`~course_lib.scaling.chunked` computes one step at a time,
:mod:`~course_lib.scaling.landslides` arranges notebook 04's whole landslide map,
:mod:`~course_lib.scaling.cluster` runs and measures; :mod:`~course_lib.scaling.checks`
refuses bad input while the lazy graph is built, not deep inside Dask when it runs). Each
step applies an existing ``course_lib`` function to one chunk at a time:

* :func:`lazy_product` opens a study-area GeoTIFF as a Dask array that reads only the window
  each chunk needs (optionally a ``factor x factor`` **mirrored mosaic** of it, a stand-in for
  a region several times larger; mirroring keeps the terrain continuous across the seams);
  :func:`lazy_dataarray` is the same as a georeferenced, Dask-backed ``xarray.DataArray``
  (the layout of ``Raster.to_xarray``), :func:`read_product` the same read at once;
* :func:`clear_sky_mask` is :func:`course_lib.clouds.clear_sky_mask` chunk by chunk (with the
  cloud probability it looks 36 pixels around, so it runs with ``map_overlap``);
  :func:`composite` runs :func:`course_lib.composites.median_composite` or
  :func:`~course_lib.composites.greenest_pixel_composite` per chunk after it;
* :func:`dndvi` runs :mod:`course_lib.indices` per chunk;
* :func:`predict_pixels` applies a fitted scikit-learn classifier chunk by chunk, NaN where an
  input is NaN;
* :func:`predict_overlapping` wraps any tile predictor that looks at neighbours (a U-Net, a
  focal filter) in :func:`dask.array.map_overlap`: every chunk is read with a margin of
  ``depth`` pixels from its neighbours and trimmed after, which is the overlapping-tile
  prediction of notebook 05, and gives the same result as predicting the whole image at once
  when ``depth`` covers the predictor's reach; :func:`focal_mode` is
  :func:`course_lib.postprocess.focal_mode` that way;
* :func:`landslide_graph` is notebook 04's landslide map (setting 4, a CART or a random
  forest, the 3 x 3 focal mode) with every per-pixel step **fused** into one task per chunk
  (:func:`landslide_chunk`), so that each task does enough work to be worth scheduling;
  :func:`landslide_maps` is the same on whole NumPy arrays;
* :func:`scaling_workload` chooses what this machine can measure (one worker on Binder's
  single CPU, more where there are cores), :func:`start_cluster` starts a ``LocalCluster``
  with a memory limit per worker, :func:`warm_up` imports the modules in its workers, and
  :func:`measure` times a computation and the peak memory of all its processes. The same code
  runs on Dask Gateway or Kubernetes by connecting a ``Client`` to that cluster instead.

Dask (Dask Development Team 2016; Rocklin 2015) schedules the chunks; ``dask.distributed`` runs
them in worker processes and spills to disk above the memory limit.
"""

from course_lib.config import available_cpus
from course_lib.scaling.chunked import (clear_sky_mask, cloud_mask_reach, composite, dndvi,
                                        focal_mode, predict_overlapping, predict_pixels)
from course_lib.scaling.cluster import (Measurement, Workload, measure, on_binder, same_results,
                                        scaling_workload, start_cluster, suggested_workers,
                                        task_counts, task_overhead, warm_up)
from course_lib.scaling.landslides import (LANDSLIDE_PRODUCTS, MAP_BANDS, SETTING4_LAYERS,
                                           landslide_chunk, landslide_graph, landslide_maps)
from course_lib.scaling.lazy import (DEFAULT_CHUNK, MirroredGeoTIFF, lazy_dataarray,
                                     lazy_product, product_layout, read_product)

__all__ = [
    "available_cpus", "DEFAULT_CHUNK", "MirroredGeoTIFF", "lazy_product", "lazy_dataarray",
    "read_product", "product_layout", "clear_sky_mask", "cloud_mask_reach", "composite",
    "dndvi", "predict_pixels", "predict_overlapping", "focal_mode", "LANDSLIDE_PRODUCTS",
    "SETTING4_LAYERS", "MAP_BANDS", "landslide_chunk", "landslide_maps", "landslide_graph",
    "on_binder", "suggested_workers", "Workload", "scaling_workload", "start_cluster",
    "warm_up", "Measurement", "measure", "task_counts", "task_overhead", "same_results",
]
