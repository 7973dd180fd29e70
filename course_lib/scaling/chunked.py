"""The course's methods on chunked Dask arrays: each step applies an existing function per chunk.

Per-pixel steps (composites, dNDVI, a classifier) need no neighbours and run with
:func:`dask.array.map_blocks`; steps that look at neighbours (the cloud-probability mask, a
focal filter, a U-Net) run with :func:`dask.array.map_overlap`, which reads a margin from the
neighbouring chunks.
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from course_lib import postprocess
from course_lib.blockwise import predict_in_chunks
from course_lib.config import available_cpus  # noqa: F401 (part of this module's API)
from course_lib.scaling import checks


def cloud_mask_reach(pixel_size: float = 10.0) -> int:
    """How far (pixels) the cloud-probability mask looks around a pixel: its ``map_overlap`` margin.

    :func:`course_lib.clouds.clear_sky_mask` averages the cloud probability over a disk of
    240 m and dilates the thresholded mask by 120 m (s2cloudless's post-processing, Zupanc
    2017; :func:`course_lib.clouds.s2cloudless_settings`), so a pixel's answer depends on
    the probability up to 240 + 120 = 360 m away: 36 pixels at 10 m.

    >>> cloud_mask_reach(10.0), cloud_mask_reach(20.0)
    (36, 18)
    """
    from course_lib.clouds import s2cloudless_settings

    settings = s2cloudless_settings(pixel_size)
    return settings["average_over"] + settings["dilation_size"]


def _clear_block(scl: np.ndarray, cloudprob: np.ndarray | None, pixel_size: float) -> np.ndarray:
    from course_lib.clouds import clear_sky_mask as whole_clear_sky_mask

    return whole_clear_sky_mask(scl, cloudprob, pixel_size=pixel_size)[:, None]


def _clear_block_stacked(both: np.ndarray, pixel_size: float) -> np.ndarray:
    """:func:`_clear_block` of SCL codes and cloud probability stacked as two float32 bands."""
    return _clear_block(both[:, :1].astype(np.uint8), both[:, 1:], pixel_size)


def clear_sky_mask(scl, cloudprob=None, pixel_size: float = 10.0):
    """:func:`course_lib.clouds.clear_sky_mask` chunk by chunk (lazy): the course's cloud mask.

    Without ``cloudprob`` the mask is per pixel (SCL's cloud, shadow, snow and nodata classes)
    and runs with ``map_blocks``. With it, clouds come from the cloud probability as the paper
    masked them (s2cloudless: averaged, thresholded at 0.4, dilated), which looks at
    neighbours: every chunk is read with a margin of :func:`cloud_mask_reach` pixels (36 at
    10 m) from the adjacent chunks (``map_overlap``); at the image's own edges nothing is
    added, so each chunk sees exactly what the whole-image mask sees and the result equals
    ``clouds.clear_sky_mask`` of the whole image.

    Args:
        scl: ``(time, 1, rows, cols)`` SCL codes (Dask or NumPy).
        cloudprob: optional ``(time, 1, rows, cols)`` cloud probability 0-1, chunked like
            ``scl`` (e.g. ``lazy_product(folder / "s2_pre_cloudprob.tif")``).
        pixel_size: metres (the study area: 10).

    Returns:
        ``(time, 1, rows, cols)`` bool, True where the observation is usable (the layout of the
        SCL it comes from).
    """
    import dask.array as da

    scl, cloudprob = checks.check_cloud_inputs(scl, cloudprob, pixel_size)
    if cloudprob is None:
        return da.map_blocks(_clear_block, scl, None, float(pixel_size), dtype=bool,
                             meta=np.empty((0, 0, 0, 0), bool))
    reach = cloud_mask_reach(pixel_size)
    # One overlap of both layers (SCL codes 0-11 are exact in float32) instead of two: each
    # overlap adds about ten small tasks per chunk (the neighbours' strips and their joining).
    both = da.concatenate([scl.astype(np.float32), cloudprob], axis=1).rechunk({1: -1})
    return _map_overlap_bands(functools.partial(_clear_block_stacked, pixel_size=float(pixel_size)),
                              both, reach, "none", bool)


def _composite_block(stack: np.ndarray, clear: np.ndarray, kind: str, red: int, nir: int
                     ) -> np.ndarray:
    from course_lib.composites import AllCloudError, greenest_pixel_composite, median_composite

    try:
        if kind == "median":
            return median_composite(stack, clear).astype(np.float32)
        return greenest_pixel_composite(stack, clear, red_band=red, nir_band=nir).astype(np.float32)
    except AllCloudError:
        return np.full(stack.shape[1:], np.nan, dtype=np.float32)


def composite(stack, scl, kind: str = "median", band_names: Sequence[str] = (
        "B02", "B03", "B04", "B08", "B11", "B12"), cloudprob=None, pixel_size: float = 10.0):
    """Per-chunk median or greenest-pixel composite after cloud masking (lazy).

    The mask is :func:`clear_sky_mask`: with ``cloudprob`` the course's (and the paper's)
    cloud-probability mask, as :func:`course_lib.pipeline.composites.study_area_composites`
    makes it, so the result equals the course's composite; without it SCL's cloud classes.

    Args:
        stack: ``(time, bands, rows, cols)`` reflectance (Dask or NumPy).
        scl: ``(time, 1, rows, cols)`` SCL codes, chunked like ``stack`` along rows/cols.
        kind: ``"median"`` or ``"greenest"`` (NDVI from B04 and B08).
        band_names: the names of ``stack``'s bands.
        cloudprob: optional ``(time, 1, rows, cols)`` cloud probability 0-1.
        pixel_size: metres, for the cloud mask's averaging and dilation.

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
    clear = clear_sky_mask(scl, cloudprob, pixel_size)
    clear = clear.rechunk({0: -1, 1: -1, 2: stack.chunks[2], 3: stack.chunks[3]})
    stack = stack.rechunk({0: -1, 1: -1})
    return da.map_blocks(_composite_block, stack, clear, kind, names.index("B04"),
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
    return _map_overlap_bands(predict_tile, image, depth, boundary, np.float32)


def _map_overlap_bands(func: Callable[[np.ndarray], np.ndarray], image, depth: int,
                       boundary, dtype):
    """``map_overlap`` over the last two axes of a function that returns ONE band.

    Written out in its three steps (overlap, map_blocks, trim), so that the output's chunks
    are known before trimming: map_overlap's own ``chunks=`` means the chunks WITH their
    margins, which differ chunk by chunk where the image's edges get none.
    """
    import dask.array as da
    from dask.array.overlap import overlap, trim_internal

    lead = image.ndim - 2
    depths = {a: 0 for a in range(lead)}
    for axis in (lead, lead + 1):
        if image.shape[axis] <= depth:      # an image narrower than the reach: one chunk,
            image = image.rechunk({axis: -1})  # which sees all there is, needs no margin
            depths[axis] = 0
        else:
            depths[axis] = depth
    bounds = {**{a: "none" for a in range(lead)}, lead: boundary, lead + 1: boundary}
    padded = overlap(image, depth=depths, boundary=bounds)
    chunks = (*padded.chunks[:lead - 1], (1,) * len(padded.chunks[lead - 1]),
              *padded.chunks[lead:])
    tiles = da.map_blocks(func, padded, dtype=dtype, chunks=chunks,
                          meta=np.empty((0,) * image.ndim, dtype))
    return trim_internal(tiles, depths, bounds)


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
