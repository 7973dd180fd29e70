"""The landslide map of notebook 04 on a large area: one fused task per chunk, then the focal mode.

The map is the paper's CART step on its setting 4 (Ganerød, Lindsay et al. 2023, section 3.2
(iv), Table 1): greenest-pixel Sentinel-2 composites before and after the event after the
cloud-probability mask, the post-event red, green, blue and NIR and the dNDVI, a pixel
classifier trained on eight classes and merged to "landslide / not", then a 3 x 3 focal mode.
Every step is the course's own function (:mod:`course_lib.clouds`, :mod:`course_lib.composites`,
:mod:`course_lib.indices`, the classifier's ``predict_landslides``, :mod:`course_lib.postprocess`);
this module only arranges them for Dask:

* the cloud mask looks at neighbours (averaging and dilation, 36 pixels at 10 m), so it runs
  with ``map_overlap`` (:func:`course_lib.scaling.chunked.clear_sky_mask`);
* every other step before the focal mode is per pixel, so they are **fused** into one function
  of one chunk, :func:`landslide_chunk`: one task per chunk instead of one per step and
  chunk. A task costs the scheduler about a millisecond whatever it does; fusing keeps the
  graph small and gives each task enough work (a second or so with a random forest) for that
  overhead not to matter;
* the focal mode looks at neighbours again (1 pixel for 3 x 3): ``map_overlap`` with
  ``boundary="none"`` (:func:`course_lib.scaling.chunked.focal_mode`).

:func:`landslide_maps` runs the same functions on whole NumPy arrays (the baseline, and the
reference the chunked result must equal); :func:`landslide_graph` builds the lazy graph, from
Dask arrays or from Dask-backed ``xarray.DataArray`` objects (then the result is a DataArray
on the same grid, with its CRS).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from course_lib.scaling import checks
from course_lib.scaling.chunked import clear_sky_mask as lazy_clear_sky_mask
from course_lib.scaling.chunked import focal_mode as lazy_focal_mode

#: The study-area products the landslide map reads (names of ``<name>.tif`` files).
LANDSLIDE_PRODUCTS = ("s2_pre", "s2_pre_scl", "s2_pre_cloudprob",
                      "s2_post", "s2_post_scl", "s2_post_cloudprob")

#: The study area's Sentinel-2 bands, in the order of its stacks.
S2_BANDS = ("B02", "B03", "B04", "B08", "B11", "B12")

#: The paper's setting 4 (its Table 1) from the composites: post-event B04, B03, B02, B08 and
#: the dNDVI, named as :func:`course_lib.pipeline.layers.setting_bands` names them.
SETTING4_SOURCES = {"post-R": "B04", "post-G": "B03", "post-B": "B02", "post-NIR": "B08"}
SETTING4_LAYERS = (*SETTING4_SOURCES, "dNDVI")

#: The bands of the result: dNDVI, the merged landslide map (1 / 0 / NaN) and the same map
#: after the focal mode.
MAP_BANDS = ("dNDVI", "landslide", "landslide_cleaned")


def _setting4_layers(pre: np.ndarray, pre_clear: np.ndarray, post: np.ndarray,
                     post_clear: np.ndarray, band_names: Sequence[str]) -> dict[str, np.ndarray]:
    """The setting-4 layers by name, as :func:`course_lib.pipeline.layers.change_layers` makes them."""
    from course_lib.composites import AllCloudError, greenest_pixel_composite
    from course_lib.indices import dndvi, ndvi

    red, nir = band_names.index("B04"), band_names.index("B08")

    def greenest(stack: np.ndarray, clear: np.ndarray) -> np.ndarray:
        try:
            return greenest_pixel_composite(stack, clear, red_band=red, nir_band=nir)
        except AllCloudError:   # a chunk that is never clear anywhere: NaN, as in the whole map
            return np.full(stack.shape[1:], np.nan, dtype=np.float32)

    pre_c, post_c = greenest(pre, pre_clear), greenest(post, post_clear)
    layers = {name: post_c[band_names.index(band)] for name, band in SETTING4_SOURCES.items()}
    layers["dNDVI"] = dndvi(ndvi(pre_c[red], pre_c[nir]), ndvi(post_c[red], post_c[nir]))
    return {name: np.asarray(value, dtype=np.float32) for name, value in layers.items()}


def landslide_chunk(pre: np.ndarray, pre_clear: np.ndarray, post: np.ndarray,
                    post_clear: np.ndarray, classifier: Any,
                    band_names: Sequence[str] = S2_BANDS) -> np.ndarray:
    """Every per-pixel step of the landslide map, fused: one chunk (or a whole area) in, two maps out.

    Greenest-pixel composites of both periods (``composites.greenest_pixel_composite``, NDVI
    score, after the clear-sky masks), the setting-4 layers (post-event R, G, B, NIR and
    ``indices.dndvi``), then ``classifier.predict_landslides`` (eight classes predicted, the
    seven non-landslide ones merged; NaN where a layer is NaN). No neighbour is needed, so a
    chunk gives exactly the pixels the whole area would.

    Args:
        pre, post: ``(time, bands, rows, cols)`` reflectance of the two periods.
        pre_clear, post_clear: their clear-sky masks, ``(time, rows, cols)`` or
            ``(time, 1, rows, cols)`` bool (``clouds.clear_sky_mask``).
        classifier: a fitted ``cart.PixelClassifier`` trained on setting-4 layers (any of
            :data:`SETTING4_LAYERS`, in any order: they are passed by name).
        band_names: the bands of ``pre`` and ``post``.

    Returns:
        float32 ``(2, rows, cols)``: dNDVI and the landslide map (1 / 0 / NaN), before the
        focal mode.
    """
    checks.check_classifier(classifier, SETTING4_LAYERS)
    names = checks.check_band_names(band_names, np.shape(pre)[1], ("B04", "B08", "B03", "B02"))
    layers = _setting4_layers(pre, pre_clear, post, post_clear, names)
    stack = np.stack([layers[name] for name in classifier.band_names])
    binary = classifier.predict_landslides(stack, focal_window=1)
    return np.stack([layers["dNDVI"], binary]).astype(np.float32)


def landslide_maps(inputs: Mapping[str, Any], classifier: Any, focal_window: int = 3,
                   pixel_size: float = 10.0) -> np.ndarray:
    """The landslide map on whole NumPy arrays, in this process: the baseline of the graph.

    ``clouds.clear_sky_mask`` of both periods, :func:`landslide_chunk` on the whole area, then
    ``postprocess.focal_mode``. Everything is in memory at once (about 1.5 GB at the peak for
    the x2 mosaic of the study area).

    Args:
        inputs: the :data:`LANDSLIDE_PRODUCTS` by name, as NumPy arrays (e.g.
            ``{n: read_product(folder / f"{n}.tif", factor) for n in LANDSLIDE_PRODUCTS}``).
        classifier: a fitted ``cart.PixelClassifier`` on setting-4 layers.
        focal_window: odd side of the focal mode's window (1 = no clean-up).
        pixel_size: metres, for the cloud mask's averaging and dilation.

    Returns:
        float32 ``(3, rows, cols)``: the :data:`MAP_BANDS`.
    """
    from course_lib.clouds import clear_sky_mask
    from course_lib.postprocess import focal_mode

    data = checks.check_products(inputs, LANDSLIDE_PRODUCTS)
    focal_window = checks.check_window(focal_window, "focal_window")
    checks.check_classifier(classifier, SETTING4_LAYERS)
    data = {n: np.asarray(getattr(v, "values", v)) for n, v in data.items()}
    clear = {p: clear_sky_mask(data[f"s2_{p}_scl"], data[f"s2_{p}_cloudprob"], pixel_size)
             for p in ("pre", "post")}
    both = landslide_chunk(data["s2_pre"], clear["pre"], data["s2_post"], clear["post"],
                           classifier)
    return np.concatenate([both, focal_mode(both[1], focal_window)[None]])


def _fused_block(pre: np.ndarray, pre_clear: np.ndarray, post: np.ndarray,
                 post_clear: np.ndarray, classifier: Any) -> np.ndarray:
    return landslide_chunk(pre, pre_clear, post, post_clear, classifier)


def landslide_graph(inputs: Mapping[str, Any], classifier: Any, focal_window: int = 3,
                    pixel_size: float = 10.0):
    """The lazy graph of the landslide map: cloud masks, one fused task per chunk, focal mode.

    1. :func:`course_lib.scaling.chunked.clear_sky_mask` of each period (``map_overlap``, a
       margin of 36 pixels at 10 m);
    2. :func:`landslide_chunk` per chunk (``map_blocks``): reading, composites, layers and
       classifier in one task;
    3. :func:`course_lib.scaling.chunked.focal_mode` (``map_overlap``, margin
       ``focal_window // 2``, ``boundary="none"``).

    The result equals :func:`landslide_maps` on the whole arrays, pixel for pixel: every step
    is per pixel except the two neighbourhood ones, whose margins cover their reach.

    Args:
        inputs: the :data:`LANDSLIDE_PRODUCTS` by name, chunked alike along rows and columns:
            Dask arrays (``lazy_product``) or Dask-backed DataArrays (``lazy_dataarray``).
        classifier: a fitted ``cart.PixelClassifier`` on setting-4 layers.
        focal_window: odd side of the focal mode's window (the paper: 3).
        pixel_size: metres, for the cloud mask.

    Returns:
        a lazy float32 ``(3, rows, cols)`` Dask array of the :data:`MAP_BANDS`; a Dask-backed
        ``xarray.DataArray`` with dimensions ``(band, y, x)``, the inputs' coordinates and CRS
        when the inputs are DataArrays.
    """
    import dask.array as da

    data = checks.check_products(inputs, LANDSLIDE_PRODUCTS)
    focal_window = checks.check_window(focal_window, "focal_window")
    checks.check_classifier(classifier, SETTING4_LAYERS)
    template = data["s2_post"] if hasattr(data["s2_post"], "dims") else None
    arrays = {n: checks.as_dask(getattr(v, "data", v) if hasattr(v, "dims") else v, n, 4,
                                "(time, bands, rows, cols)") for n, v in data.items()}
    _check_same_grid(arrays)
    pre, post = (arrays[f"s2_{p}"].rechunk({0: -1, 1: -1}) for p in ("pre", "post"))
    rows, cols = pre.chunks[2:]
    clear = {p: lazy_clear_sky_mask(arrays[f"s2_{p}_scl"], arrays[f"s2_{p}_cloudprob"],
                                    pixel_size).rechunk({0: -1, 1: -1, 2: rows, 3: cols})
             for p in ("pre", "post")}
    post = post.rechunk({2: rows, 3: cols})
    both = da.map_blocks(_fused_block, pre, clear["pre"], post, clear["post"],
                         classifier=classifier, drop_axis=0, chunks=((2,), rows, cols),
                         dtype=np.float32, meta=np.empty((0, 0, 0), np.float32),
                         token="landslide_chunk")
    cleaned = lazy_focal_mode(both[1:2], focal_window)
    maps = da.concatenate([both, cleaned], axis=0)
    return maps if template is None else _as_dataarray(maps, template)


def _as_dataarray(maps: Any, template: Any) -> Any:
    """``maps`` as a DataArray on ``template``'s grid (its x/y coordinates and CRS)."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr

    out = xr.DataArray(maps, dims=("band", "y", "x"),
                       coords={"band": list(MAP_BANDS), "y": template["y"].values,
                               "x": template["x"].values}, name="landslide_maps",
                       attrs={"description": "dNDVI, landslide map (1 / 0 / NaN) and the same "
                                             "after the focal mode"})
    if template.rio.crs is not None:
        out.rio.write_crs(template.rio.crs, inplace=True)
        out.rio.write_transform(template.rio.transform(), inplace=True)
    out.rio.write_nodata(np.nan, encoded=True, inplace=True)
    return out


def _check_same_grid(arrays: Mapping[str, Any]) -> None:
    """Every product on the same dates and grid as its period's stack."""
    for period in ("pre", "post"):
        stack = arrays[f"s2_{period}"]
        checks.check_reflectance_dtype(stack, f"s2_{period}")
        for kind in ("scl", "cloudprob"):
            name = f"s2_{period}_{kind}"
            other = arrays[name]
            if (other.shape[0], *other.shape[2:]) != (stack.shape[0], *stack.shape[2:]) or \
                    other.shape[1] != 1:
                raise ValueError(f"{name} {tuple(other.shape)} is not on the grid and dates of "
                                 f"s2_{period} {tuple(stack.shape)}: expected ({stack.shape[0]},"
                                 f" 1, {stack.shape[2]}, {stack.shape[3]}). Read every product "
                                 "with the same factor (and chunk).")
    if arrays["s2_pre"].shape[2:] != arrays["s2_post"].shape[2:]:
        raise ValueError(f"s2_pre and s2_post are on different grids: "
                         f"{tuple(arrays['s2_pre'].shape)} and {tuple(arrays['s2_post'].shape)}.")
