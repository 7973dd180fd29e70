"""The course's methods on chunked Dask arrays: each step applies an existing function per chunk.

Per-pixel steps (composites, dNDVI, a classifier) need no neighbours and run with
:func:`dask.array.map_blocks`; steps that look at neighbours (a focal filter, a U-Net) run with
:func:`dask.array.map_overlap`, which reads a margin from the neighbouring chunks.
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from course_lib import postprocess
from course_lib.blockwise import predict_in_chunks
from course_lib.config import available_cpus  # noqa: F401 (part of this module's API)
from course_lib.scaling import checks


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
    stack = checks.as_dask(stack, "stack", 4, "(time, bands, rows, cols)")
    scl = checks.as_dask(scl, "scl", 4, "(time, 1, rows, cols) SCL codes")
    checks.check_reflectance_dtype(stack, "stack")
    names = checks.check_band_names(band_names, stack.shape[1], ("B04", "B08"))
    if scl.dtype.kind == "f" or scl.shape[1] != 1 or \
            (scl.shape[0], *scl.shape[2:]) != (stack.shape[0], *stack.shape[2:]):
        raise ValueError(f"scl must be the SCL codes (integers) of the same dates and grid, "
                         f"(time, 1, rows, cols) = ({stack.shape[0]}, 1, {stack.shape[2]}, "
                         f"{stack.shape[3]}); got {scl.dtype} {tuple(scl.shape)}.")
    scl = scl.rechunk({0: -1, 1: -1, 2: stack.chunks[2], 3: stack.chunks[3]})
    stack = stack.rechunk({0: -1, 1: -1})
    return da.map_blocks(_composite_block, stack, scl, kind, names.index("B04"),
                         names.index("B08"), drop_axis=0, dtype=np.float32,
                         meta=np.empty((0, 0, 0), np.float32))


def _dndvi_block(pre: np.ndarray, post: np.ndarray, red: int, nir: int) -> np.ndarray:
    from course_lib.indices import dndvi as _dndvi, ndvi

    return _dndvi(ndvi(pre[red], pre[nir]), ndvi(post[red], post[nir]))[None].astype(np.float32)


def dndvi(pre, post, band_names: Sequence[str] = ("B02", "B03", "B04", "B08", "B11", "B12")):
    """dNDVI = NDVI(post) - NDVI(pre) per chunk, ``(1, rows, cols)`` (lazy)."""
    import dask.array as da

    pre = checks.as_dask(pre, "pre", 3, "(bands, rows, cols)")
    post = checks.as_dask(post, "post", 3, "(bands, rows, cols)")
    if pre.shape != post.shape:
        raise ValueError(f"pre and post must be on the same grid with the same bands; got "
                         f"{tuple(pre.shape)} and {tuple(post.shape)}.")
    checks.check_reflectance_dtype(pre, "pre")
    checks.check_reflectance_dtype(post, "post")
    names = checks.check_band_names(band_names, pre.shape[0], ("B04", "B08"))
    post = post.rechunk(pre.chunks)
    return da.map_blocks(_dndvi_block, pre, post, names.index("B04"), names.index("B08"),
                         chunks=((1,), *pre.chunks[1:]), dtype=np.float32)


def _predict_block(layers: np.ndarray, model, proba: bool) -> np.ndarray:
    if proba:
        return predict_in_chunks(lambda X: model.predict_proba(X)[:, -1], layers)[None]
    return predict_in_chunks(model.predict, layers)[None]


def predict_pixels(model, layers, proba: bool = False):
    """A fitted scikit-learn classifier applied pixel by pixel, chunk by chunk (lazy).

    ``layers`` is ``(bands, rows, cols)`` in the order the model was trained on; the result is
    ``(1, rows, cols)`` float32 (class labels, or the last class's probability with
    ``proba=True``), NaN where any input band is NaN (the course's NaN policy).
    """
    import dask.array as da

    layers = checks.as_dask(layers, "layers", 3, "(bands, rows, cols)")
    checks.check_model(model, layers.shape[0], proba)
    layers = layers.rechunk({0: -1})
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
            ``scipy.ndimage``'s default mode; ``"none"`` adds nothing, for predictors that
            handle the edge themselves).
    """
    import dask.array as da

    if not callable(predict_tile):
        raise TypeError(f"predict_tile must be a function f(tile) -> map; got "
                        f"{type(predict_tile).__name__}. E.g. trained.predict or "
                        "functools.partial(postprocess.focal_mode, window=3).")
    image = checks.as_dask(image, "image", 3, "(bands, rows, cols)").rechunk({0: -1})
    if not (isinstance(boundary, (int, float)) or boundary in ("reflect", "periodic", "nearest",
                                                                "none")):
        raise ValueError(f"boundary must be 'reflect', 'periodic', 'nearest', 'none' or a "
                         f"constant; got {boundary!r}.")
    if not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"depth must be a non-negative int; got {depth!r}.")
    if depth > min(min(c) for c in image.chunks[1:]):
        raise ValueError(f"depth {depth} is larger than the smallest chunk; use larger chunks.")
    return da.map_overlap(predict_tile, image, depth={0: 0, 1: depth, 2: depth},
                          boundary={0: "none", 1: boundary, 2: boundary}, trim=True,
                          dtype=np.float32, chunks=((1,), *image.chunks[1:]))


def _focal_mode_block(block: np.ndarray, window: int) -> np.ndarray:
    return postprocess.focal_mode(block[0], window)[None]


def focal_mode(binary, window: int = 3):
    """:func:`course_lib.postprocess.focal_mode` of a ``(1, rows, cols)`` Dask map (lazy).

    Each chunk is read with a margin of ``window // 2`` pixels from its neighbours; at the
    image's own edges nothing is added, because the filter ignores pixels outside the image.
    So the result equals the focal mode of the whole image computed at once.
    """
    import dask.array as da

    window = checks.check_window(window)
    binary = da.asarray(binary)
    if binary.ndim != 3 or binary.shape[0] != 1:
        raise ValueError(f"binary must be a (1, rows, cols) map; got shape {binary.shape}.")
    return predict_overlapping(functools.partial(_focal_mode_block, window=window), binary,
                               depth=window // 2, boundary="none")
