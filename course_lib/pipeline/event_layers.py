"""The paper's change layers for any area and dates: what notebook 10 labels online.

:mod:`course_lib.pipeline.layers` makes the layers of the simulated study area. For a new
area (a bounding box and dates, loaded through STAC by
:func:`course_lib.data.stac.load_event`) the same recipe runs on what was loaded
(Ganerød, Lindsay et al. 2023, section 3.2 (iv) and Table 1):

* Sentinel-2: greenest-pixel composites of the pre- and post-event images with SCL cloud,
  shadow, snow and nodata masked (:func:`course_lib.composites.composite_raster`; the paper
  used s2cloudless and the SCL snow class in Earth Engine); the post composite's R, G, B, NIR
  and the dNDVI (post minus pre NDVI);
* Sentinel-1 (when loaded): the median of each period in linear units
  (:func:`course_lib.sar.median_backscatter`), in dB, and the log-ratio ``diff = post - pre``.
  Planetary Computer's ``sentinel-1-rtc`` is already radiometrically terrain-corrected
  (gamma0), so no slope correction is added; ascending and descending scenes are pooled, as
  the paper pooled them (which can hide a landslide: notebook 02).

No DEM is loaded, so settings 2, 3 and 4 can be made, not setting 1. Band names are those of
:func:`course_lib.pipeline.layers.setting_bands`, so a CART, the labelling map and
``layers.setting_bands(k)`` work on the result unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from course_lib import composites, indices, sar
from course_lib.data.raster import Raster, check_raster

__all__ = ["S2_LAYERS", "S1_LAYERS", "event_layers", "load_event_layers"]

#: Sentinel-2 layers, from the post-event composite (band) and the NDVI change.
S2_LAYERS = {"post-R": "B04", "post-G": "B03", "post-B": "B02", "post-NIR": "B08",
             "dNDVI": None}
#: Sentinel-1 layers, in the paper's order.
S1_LAYERS = ("pre-VV", "post-VV", "diff-VV", "pre-VH", "post-VH", "diff-VH")


def event_layers(loaded: Mapping[str, Raster]) -> Raster:
    """The change layers of an event from its loaded images.

    Args:
        loaded: ``{"s2_pre", "s2_pre_scl", "s2_post", "s2_post_scl"}`` time-series Rasters
            (reflectance with bands ``B02``, ``B03``, ``B04``, ``B08``; SCL codes), and
            optionally ``"s1_pre"``, ``"s1_post"`` (linear ``VV``, ``VH``) on the same grid:
            what :func:`course_lib.data.stac.load_event` returns.

    Returns:
        a float32 Raster ``(bands, rows, cols)``: the Sentinel-1 layers (when loaded) then
        ``post-R``, ``post-G``, ``post-B``, ``post-NIR``, ``dNDVI``; NaN where there was no
        clear observation (the course's NaN policy: nothing is filled in).
    """
    _check_loaded(loaded)
    pre = composites.composite_raster(loaded["s2_pre"], loaded["s2_pre_scl"], "greenest")
    post = composites.composite_raster(loaded["s2_post"], loaded["s2_post_scl"], "greenest")
    layers: dict[str, np.ndarray] = {}
    if "s1_pre" in loaded and "s1_post" in loaded:
        pre_db = sar.to_db(sar.median_backscatter(loaded["s1_pre"].data))
        post_db = sar.to_db(sar.median_backscatter(loaded["s1_post"].data))
        for i, pol in enumerate(("VV", "VH")):
            layers[f"pre-{pol}"], layers[f"post-{pol}"] = pre_db[i], post_db[i]
            layers[f"diff-{pol}"] = post_db[i] - pre_db[i]
    for name, band in S2_LAYERS.items():
        layers[name] = post.band(band) if band else indices.dndvi(
            indices.ndvi(pre.band("B04"), pre.band("B08")),
            indices.ndvi(post.band("B04"), post.band("B08")))
    names = [n for n in (*S1_LAYERS, *S2_LAYERS) if n in layers]
    data = np.stack([np.asarray(layers[n], dtype=np.float32) for n in names])
    attrs = {"source": "course_lib.pipeline.event_layers", "s2_composite": "greenest pixel",
             "s1_units": "dB (diff = post - pre, dB)" if "pre-VV" in layers else "none loaded"}
    return replace(post, data=data, band_names=tuple(names), dates=None, attrs=attrs)


def load_event_layers(window: Any, resolution: float = 20, with_s1: bool = True) -> Raster:
    """:func:`course_lib.data.stac.load_event` (search and load the images of ``window``)
    then :func:`event_layers`. Needs the network."""
    from course_lib.data import stac

    return event_layers(stac.load_event(window, resolution=resolution, with_s1=with_s1))


def _check_loaded(loaded: Any) -> None:
    if not isinstance(loaded, Mapping):
        raise TypeError("loaded must be a dict of Rasters, as stac.load_event returns; got "
                        f"{type(loaded).__name__}.")
    for key in ("s2_pre", "s2_pre_scl", "s2_post", "s2_post_scl"):
        if key not in loaded:
            raise ValueError(f"loaded lacks {key!r}; it has {sorted(loaded)}. Load the images "
                             "with stac.load_event(window).")
        check_raster(loaded[key], f"loaded[{key!r}]", ndim=4)
    for key in ("s2_pre", "s2_post"):
        missing = [b for b in ("B02", "B03", "B04", "B08") if b not in loaded[key].band_names]
        if missing:
            raise ValueError(f"loaded[{key!r}] lacks the bands {missing}.")
    grids = {k: (v.shape, tuple(v.transform)) for k, v in loaded.items()}
    if len(set(grids.values())) > 1:
        raise ValueError(f"the loaded rasters are on different grids: {grids}; load them onto "
                         "one grid (stac.load_event does).")
