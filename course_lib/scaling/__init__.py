"""Scaling out: the course's functions on chunked Dask arrays, on a dask.distributed cluster.

Nothing here re-implements a method (:mod:`~course_lib.scaling.lazy` reads,
:mod:`~course_lib.scaling.chunked` computes, :mod:`~course_lib.scaling.cluster` runs;
:mod:`~course_lib.scaling.checks` refuses bad input while the lazy graph is built, not deep
inside Dask when it runs). Each step applies an existing ``course_lib`` function to one chunk
at a time:

* :func:`lazy_product` opens a study-area GeoTIFF as a Dask array that reads only the window
  each chunk needs (optionally a ``factor x factor`` **mirrored mosaic** of it, a stand-in for
  a region several times larger; mirroring keeps the terrain continuous across the seams);
* :func:`composite` runs :func:`course_lib.composites.median_composite` or
  :func:`~course_lib.composites.greenest_pixel_composite` per chunk after
  :func:`course_lib.clouds.scl_masks` (per-pixel operations: chunks need no neighbours);
* :func:`dndvi` runs :mod:`course_lib.indices` per chunk;
* :func:`predict_pixels` applies a fitted scikit-learn classifier (the CART of notebook 04)
  chunk by chunk, NaN where an input is NaN;
* :func:`predict_overlapping` wraps any tile predictor that looks at neighbours (a U-Net, a
  focal filter) in :func:`dask.array.map_overlap`: every chunk is read with a margin of
  ``depth`` pixels from its neighbours and trimmed after, which is the overlapping-tile
  prediction of notebook 05, and gives the same result as predicting the whole image at once
  when ``depth`` covers the predictor's reach; :func:`focal_mode` is
  :func:`course_lib.postprocess.focal_mode` that way;
* :func:`start_cluster` starts a ``LocalCluster`` with a memory limit per worker (one worker on
  Binder's single CPU); the same code runs on Dask Gateway or Kubernetes by connecting a
  ``Client`` to that cluster instead.

Dask (Dask Development Team 2016) schedules the chunks; ``dask.distributed`` runs them in
worker processes and spills to disk above the memory limit.
"""

from course_lib.config import available_cpus
from course_lib.scaling.chunked import (composite, dndvi, focal_mode, predict_overlapping,
                                        predict_pixels)
from course_lib.scaling.cluster import (on_binder, same_results, start_cluster, suggested_workers,
                                        timed_compute)
from course_lib.scaling.lazy import DEFAULT_CHUNK, MirroredGeoTIFF, lazy_product, product_layout

__all__ = [
    "available_cpus", "DEFAULT_CHUNK", "MirroredGeoTIFF", "lazy_product", "product_layout",
    "composite", "dndvi", "predict_pixels", "predict_overlapping", "focal_mode", "on_binder",
    "suggested_workers", "start_cluster", "timed_compute", "same_results",
]
