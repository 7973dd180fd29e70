"""Scaling out: the course's functions on chunked Dask arrays, on a dask.distributed cluster.

Nothing here re-implements a method. Each step applies an existing ``course_lib`` function
to one chunk at a time:

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
  when ``depth`` covers the predictor's reach;
* :func:`start_cluster` starts a ``LocalCluster`` with a memory limit per worker (one worker on
  Binder's single CPU); the same code runs on Dask Gateway or Kubernetes by connecting a
  ``Client`` to that cluster instead.

Dask (Dask Development Team 2016) schedules the chunks; ``dask.distributed`` runs them in
worker processes and spills to disk above the memory limit.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from course_lib.config import available_cpus  # noqa: F401 (part of this module's API)

DEFAULT_CHUNK = 512


# ----------------------------------------------------------------------------- lazy reading
def _mirror_runs(start: int, stop: int, n: int) -> list[tuple[int, int, bool]]:
    """Source runs ``(src_start, src_stop, reversed)`` covering mosaic indices start:stop.

    Copies alternate orientation (even copies as is, odd copies mirrored), so the mosaic is
    continuous across seams.

    >>> _mirror_runs(2, 6, 4)
    [(2, 4, False), (2, 4, True)]
    """
    runs = []
    i = start
    while i < stop:
        copy, offset = divmod(i, n)
        end = min(stop, (copy + 1) * n)
        length = end - i
        if copy % 2 == 0:
            runs.append((offset, offset + length, False))
        else:
            runs.append((n - offset - length, n - offset, True))
        i = end
    return runs


class MirroredGeoTIFF:
    """An array-like view of a GeoTIFF as a ``factor x factor`` mirrored mosaic.

    ``obj[bands, rows, cols]`` reads only the needed windows (rasterio), so Dask tasks
    can read their own chunk in any worker process. Picklable (it holds the path, not an open
    file).
    """

    def __init__(self, path: str | os.PathLike, factor: int = 1, divisor: float | None = None):
        import rasterio

        if not isinstance(factor, (int, np.integer)) or factor < 1:
            raise ValueError(f"factor must be a positive int; got {factor!r}.")
        self.path, self.factor, self.divisor = str(path), int(factor), divisor
        with rasterio.open(self.path) as ds:
            self.bands, self.rows, self.cols = ds.count, ds.height, ds.width
            self.source_dtype = np.dtype(ds.dtypes[0])
        self.shape = (self.bands, self.rows * self.factor, self.cols * self.factor)
        self.dtype = np.dtype(np.float32) if divisor else self.source_dtype
        self.ndim = 3

    def __getitem__(self, key) -> np.ndarray:
        import rasterio
        from rasterio.windows import Window

        band_key, row_key, col_key = key
        bands = list(range(self.bands))[band_key]
        r0, r1, _ = row_key.indices(self.shape[1])
        c0, c1, _ = col_key.indices(self.shape[2])
        out = np.empty((len(bands), r1 - r0, c1 - c0), dtype=self.source_dtype)
        with rasterio.open(self.path) as ds:
            ro = 0
            for sr0, sr1, rrev in _mirror_runs(r0, r1, self.rows):
                co = 0
                for sc0, sc1, crev in _mirror_runs(c0, c1, self.cols):
                    block = ds.read([b + 1 for b in bands],
                                    window=Window(sc0, sr0, sc1 - sc0, sr1 - sr0))
                    if rrev:
                        block = block[:, ::-1, :]
                    if crev:
                        block = block[:, :, ::-1]
                    out[:, ro:ro + (sr1 - sr0), co:co + (sc1 - sc0)] = block
                    co += sc1 - sc0
                ro += sr1 - sr0
        if self.divisor:  # decoded exactly as the study area decodes it (a division)
            return out.astype(np.float32) / np.float32(self.divisor)
        return out


def product_layout(path: str | os.PathLike) -> dict[str, Any]:
    """The study-area product's tag: shape ``(time, bands, rows, cols)``, band names, dates."""
    import rasterio

    with rasterio.open(path) as ds:
        tags = ds.tags()
    if "course_product" not in tags:
        raise ValueError(f"{path} is not a study-area product (no 'course_product' tag).")
    return json.loads(tags["course_product"])


def lazy_product(path: str | os.PathLike, factor: int = 1, chunk: int = DEFAULT_CHUNK):
    """A study-area product as a lazy Dask array, optionally as a mirrored mosaic.

    Args:
        path: a product GeoTIFF of the simulated study area (e.g. ``.../s2_pre.tif``).
        factor: ``factor x factor`` mirrored copies (1 = the file itself).
        chunk: chunk size in pixels along rows and columns.

    Returns:
        a ``dask.array.Array`` shaped ``(time, bands, rows, cols)`` for time series (with the
        reflectance decoded to float32) or ``(bands, rows, cols)``.
    """
    import dask.array as da

    if not isinstance(chunk, (int, np.integer)) or chunk < 16:
        raise ValueError(f"chunk must be an int of at least 16 pixels; got {chunk!r}.")
    layout = product_layout(path)
    divisor = {"reflectance_x10000_uint16": 10000.0}.get(layout["encoding"])
    if layout["encoding"] not in ("raw", "reflectance_x10000_uint16"):
        raise ValueError(f"{path}: encoding {layout['encoding']!r} is not supported here.")
    source = MirroredGeoTIFF(path, factor, divisor)
    array = da.from_array(source, chunks=(source.bands, chunk, chunk), lock=False,
                          asarray=True, name=f"read-{Path(path).stem}-x{factor}-{chunk}")
    shape = layout["shape"]
    if len(shape) == 4:
        array = array.reshape(shape[0], shape[1], *array.shape[1:])
    return array


# ----------------------------------------------------------------------------- per-chunk steps
def _composite_block(stack: np.ndarray, scl: np.ndarray, kind: str, red: int, nir: int
                     ) -> np.ndarray:
    from course_lib.clouds import scl_masks
    from course_lib.composites import AllCloudError, greenest_pixel_composite, median_composite

    clear = scl_masks(scl).clear
    try:
        if kind == "median":
            return median_composite(stack, clear).astype(np.float32)
        return greenest_pixel_composite(stack, clear, red_band=red, nir_band=nir).astype(np.float32)
    except AllCloudError:
        return np.full(stack.shape[1:], np.nan, dtype=np.float32)


def composite(stack, scl, kind: str = "median", band_names: Sequence[str] = (
        "B02", "B03", "B04", "B08", "B11", "B12")):
    """Per-chunk median or greenest-pixel composite after SCL masking (lazy).

    Args:
        stack: ``(time, bands, rows, cols)`` reflectance (Dask or NumPy).
        scl: ``(time, 1, rows, cols)`` SCL codes, chunked like ``stack`` along rows/cols.
        kind: ``"median"`` or ``"greenest"`` (NDVI from B04 and B08).
        band_names: the names of ``stack``'s bands.

    Returns:
        ``(bands, rows, cols)`` float32, NaN where never clear (a chunk that is never clear
        anywhere gives NaN instead of ``AllCloudError``).
    """
    import dask.array as da

    if kind not in ("median", "greenest"):
        raise ValueError(f"kind must be 'median' or 'greenest'; got {kind!r}.")
    names = list(band_names)
    stack, scl = da.asarray(stack), da.asarray(scl)
    scl = scl.rechunk({0: -1, 1: -1, 2: stack.chunks[2], 3: stack.chunks[3]})
    stack = stack.rechunk({0: -1, 1: -1})
    return da.map_blocks(_composite_block, stack, scl, kind, names.index("B04"),
                         names.index("B08"), drop_axis=0, dtype=np.float32,
                         meta=np.empty((0, 0, 0), np.float32))


def _dndvi_block(pre: np.ndarray, post: np.ndarray, red: int, nir: int) -> np.ndarray:
    from course_lib.indices import dndvi as _dndvi
    from course_lib.indices import ndvi

    return _dndvi(ndvi(pre[red], pre[nir]), ndvi(post[red], post[nir]))[None].astype(np.float32)


def dndvi(pre, post, band_names: Sequence[str] = ("B02", "B03", "B04", "B08", "B11", "B12")):
    """dNDVI = NDVI(post) - NDVI(pre) per chunk, ``(1, rows, cols)`` (lazy)."""
    import dask.array as da

    names = list(band_names)
    return da.map_blocks(_dndvi_block, pre, post, names.index("B04"), names.index("B08"),
                         chunks=((1,), *pre.chunks[1:]), dtype=np.float32)


def _predict_block(layers: np.ndarray, model, proba: bool) -> np.ndarray:
    bands, rows, cols = layers.shape
    table = layers.reshape(bands, -1).T
    ok = np.isfinite(table).all(axis=1)
    out = np.full(rows * cols, np.nan, dtype=np.float32)
    if ok.any():
        if proba:
            out[ok] = model.predict_proba(table[ok])[:, -1]
        else:
            out[ok] = model.predict(table[ok])
    return out.reshape(1, rows, cols)


def predict_pixels(model, layers, proba: bool = False):
    """A fitted scikit-learn classifier applied pixel by pixel, chunk by chunk (lazy).

    ``layers`` is ``(bands, rows, cols)`` in the order the model was trained on; the result is
    ``(1, rows, cols)`` float32 (class labels, or the last class's probability with
    ``proba=True``), NaN where any input band is NaN (the course's NaN policy).
    """
    import dask.array as da

    layers = da.asarray(layers).rechunk({0: -1})
    return da.map_blocks(_predict_block, layers, model, proba,
                         chunks=((1,), *layers.chunks[1:]), dtype=np.float32)


def predict_overlapping(predict_tile: Callable[[np.ndarray], np.ndarray], image, depth: int,
                        boundary: str = "reflect"):
    """Tile-wise prediction with overlapping margins via :func:`dask.array.map_overlap`.

    Args:
        predict_tile: ``f(tile) -> map``, ``tile`` ``(bands, rows, cols)`` -> ``(1, rows,
            cols)`` (a U-Net's predict, a focal filter...). It must be deterministic.
        image: ``(bands, rows, cols)`` Dask array.
        depth: margin in pixels read from neighbouring chunks on each side. Equal results
            with the whole-image prediction need ``depth`` >= the predictor's reach (a 5 x 5
            filter reaches 2 pixels; a U-Net with 4 poolings and 3 x 3 convolutions reaches
            far, so tiles then differ slightly at their edges, as in notebook 05's blending).
        boundary: how the image's own edges are padded (``"reflect"`` matches
            ``scipy.ndimage``'s default mode).
    """
    import dask.array as da

    image = da.asarray(image).rechunk({0: -1})
    if not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"depth must be a non-negative int; got {depth!r}.")
    if depth > min(min(c) for c in image.chunks[1:]):
        raise ValueError(f"depth {depth} is larger than the smallest chunk; use larger chunks.")
    return da.map_overlap(predict_tile, image, depth={0: 0, 1: depth, 2: depth},
                          boundary={0: "none", 1: boundary, 2: boundary}, trim=True,
                          dtype=np.float32, chunks=((1,), *image.chunks[1:]))


def majority_filter(labels: np.ndarray, size: int = 5) -> np.ndarray:
    """Focal majority of a 0/1 map in a ``size x size`` window (the paper's salt-and-pepper
    clean-up of CART maps, Ganerød et al. 2023); NaN stays NaN and does not vote.

    Input ``(1, rows, cols)`` or ``(rows, cols)``; output the same shape, float32.

    >>> m = np.zeros((5, 5)); m[2, 2] = 1
    >>> float(majority_filter(m, 3).sum())
    0.0
    """
    from scipy import ndimage

    values = np.asarray(labels, dtype=np.float64)
    valid = np.isfinite(values)
    ones = ndimage.uniform_filter(np.where(valid, values, 0.0), size=size, axes=(-2, -1))
    count = ndimage.uniform_filter(valid.astype(np.float64), size=size, axes=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (ones > 0.5 * count + 1e-9).astype(np.float32)
    out[~valid] = np.nan
    return out


# ----------------------------------------------------------------------------- the cluster
def on_binder() -> bool:
    """True on mybinder.org (it sets ``BINDER_LAUNCH_HOST`` / ``BINDER_SERVICE_HOST``)."""
    return bool(os.environ.get("BINDER_LAUNCH_HOST") or os.environ.get("BINDER_SERVICE_HOST"))


def suggested_workers(wanted: int = 2) -> tuple[int, str]:
    """How many worker processes to start here, and why."""
    cpus = available_cpus()
    if on_binder() or cpus < 2:
        return 1, (f"{'Binder, ' if on_binder() else ''}{cpus} CPU available: one worker (a "
                   "second would only compete for the same core and memory)")
    n = max(1, min(wanted, cpus))
    return n, f"{cpus} CPUs available: {n} workers"


def start_cluster(n_workers: int | None = None, memory_limit: str = "1GB",
                  threads_per_worker: int = 1):
    """Start a ``LocalCluster`` and a ``Client`` with a memory limit per worker.

    Args:
        n_workers: worker processes (default :func:`suggested_workers`).
        memory_limit: per worker; above 60 % of it workers spill to disk, at 95 % a worker
            is restarted (dask.distributed defaults).
        threads_per_worker: 1 keeps NumPy's and Dask's parallelism from competing.

    Returns:
        ``(client, cluster)``. Close both when done (``client.close(); cluster.close()``).

    The same analysis code works against a real cluster: replace this call by
    ``Client(gateway_cluster)`` (Dask Gateway) or ``Client(KubeCluster(...))`` (dask-kubernetes).
    """
    from dask.distributed import Client, LocalCluster

    n_workers = n_workers or suggested_workers()[0]
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                           processes=True, memory_limit=memory_limit,
                           dashboard_address=":0", silence_logs=40)
    return Client(cluster), cluster


def timed_compute(*arrays, scheduler=None) -> tuple[list[np.ndarray], float]:
    """Compute Dask arrays together; return the results and the wall time in seconds.

    ``scheduler="synchronous"`` runs every task in this process, one after another (the
    single-process baseline); ``None`` uses the active distributed ``Client`` if there is one.
    """
    import dask

    start = time.perf_counter()
    results = dask.compute(*arrays, scheduler=scheduler)
    return list(results), time.perf_counter() - start


def same_results(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> bool:
    """True if every pair of arrays is identical (NaN equal to NaN)."""
    return len(a) == len(b) and all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))
