"""The paper's input layers (Table 1) for the simulated study area, in one place.

Notebooks 03 (OBIA), 04 (CART) and 05 (U-Net) all start from the same layers, so they get them
here with one call::

    from course_lib.pipeline import layers
    from course_lib.sampling import sample_at_points
    x = layers.setting_layers(2)                  # pre-VV, post-VV, dNDVI (a Raster)
    table = sample_at_points(x, area["training_points"])
    valid = layers.evaluation_mask(area)          # the pixels every method is judged on

Contents:

* :func:`change_layers`: the 13 layers of the paper's setting 1 (cached GeoTIFF);
* :func:`setting_bands`, :func:`setting_layers`: the bands of settings 1-4;
* :func:`evaluation_mask`: the pixels valid in all 13 layers, where every method is judged.

NaN follows the course's NaN policy (:mod:`course_lib.sampling`): nothing is filled in, no
classifier trains on NaN, and every method and setting is assessed on :func:`evaluation_mask`,
passed as ``results_table(truth, valid=...)``.

Sources: Ganerød, Lindsay et al. (2023), *Remote Sensing* 15:895, Table 1 (the settings) and
section 3.2 (greenest-pixel Sentinel-2 composites, slope-corrected Sentinel-1 median composites
averaged over the ascending and descending geometries).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from course_lib import indices, sar
from course_lib.data.cache import stage_folder, stage_key
from course_lib.data.raster import Raster
from course_lib.paper import SETTING_BANDS, SETTINGS
from course_lib.pipeline import sentinel1
from course_lib.sampling import valid_mask
from course_lib.validation import check_bool, check_odd_window

__all__ = [
    "GEOMETRY_CHOICES", "S1_LAYER_NAMES", "change_layers", "setting_bands", "setting_layers",
    "evaluation_mask",
]


#: How :func:`change_layers` uses the two orbit geometries: ``"mean"`` averages them in linear
#: units (the paper), ``"asc"`` / ``"desc"`` keep one, ``"both"`` keeps them as separate bands
#: (suffixed ``-asc`` / ``-desc``): the test the paper itself proposes.
GEOMETRY_CHOICES = ("mean", "asc", "desc", "both")


#: The Sentinel-1 bands of setting 1, in the paper's order.
S1_LAYER_NAMES = ("pre-VV", "post-VV", "diff-VV", "pre-VH", "post-VH", "diff-VH")


def setting_bands(setting: int, geometry: str = "mean") -> tuple[str, ...]:
    """The band names of one input setting, in the paper's order (Table 1).

    With ``geometry="both"`` every Sentinel-1 band appears twice, ascending then descending.

    >>> setting_bands(2)
    ('pre-VV', 'post-VV', 'dNDVI')
    >>> setting_bands(3, geometry="both")
    ('pre-VV-asc', 'pre-VV-desc', 'post-VV-asc', 'post-VV-desc')
    """
    names = SETTING_BANDS[SETTINGS[_check_setting(setting)]]
    if _check_geometry(geometry) != "both":
        return names
    out: list[str] = []
    for name in names:
        out += [f"{name}-asc", f"{name}-desc"] if name in S1_LAYER_NAMES else [name]
    return tuple(out)


def _cache_path(area: Any, geometry: str, lee_window: int | None):
    """Cache file of one variant, or None when the area has no parameters to key it by.

    The file name holds :func:`course_lib.data.cache.stage_key` of the layers: the versions of
    this stage and of the Sentinel-2 and Sentinel-1 composites it reads, so a change in any of
    them never serves stale bands.
    """
    params = getattr(area, "params", None)
    if params is None or not hasattr(params, "short_hash"):
        return None
    variant = f"{stage_key('layers')}_{geometry}" + (f"_lee{lee_window}" if lee_window else "")
    return stage_folder("layers", params.short_hash()) / f"{variant}.tif"


def _s1_layers(area: Any, geometry: str, lee_window: int | None) -> dict[str, np.ndarray]:
    """Sentinel-1 layers in dB by name (suffixed per geometry when ``geometry="both"``)."""
    used = sentinel1.GEOMETRIES if geometry in ("mean", "both") else (geometry,)
    linear = {(g, p): sentinel1.study_area_s1_composite(area, g, p, lee_window=lee_window)
              for g in used for p in ("pre", "post")}
    if geometry == "mean":
        groups = {"": {p: sar.combine_geometries(linear["asc", p], linear["desc", p])
                       for p in ("pre", "post")}}
    else:
        groups = {(f"-{g}" if geometry == "both" else ""): {p: linear[g, p] for p in ("pre", "post")}
                  for g in used}
    out: dict[str, np.ndarray] = {}
    for suffix, by_period in groups.items():
        pre_db, post_db = sar.to_db(by_period["pre"]), sar.to_db(by_period["post"])
        diff_db = post_db - pre_db
        for i, pol in enumerate(("VV", "VH")):
            out[f"pre-{pol}{suffix}"] = pre_db[i]
            out[f"post-{pol}{suffix}"] = post_db[i]
            out[f"diff-{pol}{suffix}"] = diff_db[i]
    return out


def change_layers(area: Any = None, geometry: str = "mean", lee_window: int | None = None,
                  use_cache: bool = True, overwrite: bool = False) -> Raster:
    """The 13 input layers of the paper's setting 1 (Table 1) for the simulated study area.

    Bands, in the paper's order (the names of ``course_lib.paper.SETTING_BANDS``):

    * ``pre-VV``, ``post-VV``, ``diff-VV``, ``pre-VH``, ``post-VH``, ``diff-VH``: Sentinel-1
      slope-corrected (Vollrath et al. 2020) median composites in **dB**
      (:func:`course_lib.pipeline.sentinel1.study_area_s1_composite`) and the log-ratio change
      ``diff = post - pre`` in dB. ``geometry="mean"`` averages the ascending and descending
      composites in linear units, as the paper did (see
      :func:`course_lib.sar.combine_geometries` for why this can hide a landslide); ``"asc"`` or
      ``"desc"`` keeps one geometry; ``"both"`` keeps each as its own band (19 bands in all).
    * ``post-R``, ``post-G``, ``post-B``, ``post-NIR``: the post-event Sentinel-2
      greenest-pixel composite (reflectance; B04, B03, B02, B08), from
      :func:`course_lib.pipeline.composites.study_area_composites`;
    * ``dNDVI``: NDVI of the post minus the pre greenest-pixel composite;
    * ``elevation`` (m) and ``slope`` (degrees).

    NaN follows the module's NaN policy. The result is cached as a GeoTIFF in
    ``cache_dir()/layers/<params hash>/`` (written atomically; the file name holds the
    versions of this module and of both composites), so later notebooks load it in a second.

    Args:
        area: the study area; default ``load_study_area()``.
        geometry: one of :data:`GEOMETRY_CHOICES`.
        lee_window: optionally Lee-filter the Sentinel-1 composites (the paper did not).
        use_cache: read and write the cache (only for areas with ``.params``).
        overwrite: recompute and replace a cached file.

    Returns:
        a float32 :class:`~course_lib.data.raster.Raster` ``(bands, rows, cols)``; ``attrs``
        (strings, as GeoTIFF tags store them) record the choices and ``s1_masked_fraction``.
    """
    from course_lib.data.raster import read_geotiff, write_geotiff
    from course_lib.pipeline.composites import study_area_composites

    lee_window = _check_layer_options(geometry, lee_window, use_cache, overwrite)
    if area is None:
        from course_lib.simulator import load_study_area

        area = load_study_area()
    path = _cache_path(area, geometry, lee_window) if use_cache else None
    if path is not None and path.exists() and not overwrite:
        return read_geotiff(path)

    layers = _s1_layers(area, geometry, lee_window)
    greenest = study_area_composites(area, kinds=("greenest",))
    pre_s2, post_s2 = greenest["pre_greenest"], greenest["post_greenest"]
    layers.update({
        "post-R": post_s2.band("B04"), "post-G": post_s2.band("B03"),
        "post-B": post_s2.band("B02"), "post-NIR": post_s2.band("B08"),
        "dNDVI": indices.dndvi(indices.ndvi(pre_s2.band("B04"), pre_s2.band("B08")),
                               indices.ndvi(post_s2.band("B04"), post_s2.band("B08"))),
        "elevation": area["dem"].data[0], "slope": area["slope"].data[0],
    })
    names = setting_bands(1, geometry)
    data = np.stack([np.asarray(layers[n], dtype=np.float32) for n in names])
    s1 = np.stack([data[i] for i, n in enumerate(names) if n.startswith(("pre-", "post-", "diff-"))
                   and n.split("-")[1] in ("VV", "VH")])
    # Strings, as GeoTIFF tags store them, so a fresh and a cached result look the same.
    attrs = {"source": "course_lib.pipeline.layers.change_layers (simulated study area)",
             "s1_geometry": geometry, "s1_lee_window": str(lee_window or 0),
             "s1_units": "dB (diff = post - pre, dB)", "s1_correction": "Vollrath et al. 2020",
             "s2_composite": "greenest pixel",
             "s1_masked_fraction": f"{float(np.mean(~np.isfinite(s1).all(axis=0))):.5f}",
             "version": stage_key("layers")}
    raster = replace(area["dem"], data=data, band_names=tuple(names), dates=None, attrs=attrs)
    if path is not None:
        write_geotiff(raster, path, overwrite=True)
    return raster


def setting_layers(setting: int, area: Any = None, geometry: str = "mean",
                   lee_window: int | None = None) -> Raster:
    """The input stack of one of the paper's four settings, in one call.

    Args:
        setting: 1 (S1, S2 and DEM, 13 bands), 2 (pre-VV, post-VV, dNDVI), 3 (pre-VV, post-VV)
            or 4 (post-R, post-G, post-B, post-NIR, dNDVI); see :data:`SETTINGS`.
        area: the study area; default ``load_study_area()``.
        geometry: one of :data:`GEOMETRY_CHOICES` (``"both"`` doubles the Sentinel-1 bands).
        lee_window: optional Lee filter of the Sentinel-1 composites.

    Returns:
        a float32 Raster ``(bands, rows, cols)`` with :func:`setting_bands` as band names and
        ``attrs["setting"]`` naming the setting.
    """
    k = _check_setting(setting)
    names = setting_bands(k, geometry)
    raster = change_layers(area, geometry=geometry, lee_window=lee_window).select(names)
    return replace(raster, attrs={**raster.attrs, "setting": SETTINGS[k]})


def evaluation_mask(area: Any = None) -> np.ndarray:
    """The pixels on which every method and setting is assessed: valid in all 13 layers.

    Pass it to ``course_lib.pipeline.predictions.results_table(truth, valid=...)`` so that no setting is
    judged on pixels another one could not see (module docstring, NaN policy).
    """
    return valid_mask(change_layers(area))


# --------------------------------------------------------------------------- input checks
def _check_geometry(geometry: Any) -> str:
    if geometry not in GEOMETRY_CHOICES:
        raise ValueError(f"geometry must be one of {GEOMETRY_CHOICES}; got {geometry!r}.")
    return geometry


def _check_setting(setting: Any) -> int:
    if isinstance(setting, (bool, np.bool_)) or not isinstance(setting, (int, np.integer)):
        if isinstance(setting, str) and setting in SETTINGS.values():
            return next(k for k, v in SETTINGS.items() if v == setting)
        raise TypeError(
            f"setting must be the number of one of the paper's input settings, 1-4 "
            f"({SETTINGS}); got {setting!r}. Pass an int, e.g. setting=2."
        )
    if int(setting) not in SETTINGS:
        raise ValueError(f"setting must be 1, 2, 3 or 4 (paper, Table 1); got {setting}. Pass "
                         "one of them, e.g. setting=2.")
    return int(setting)


def _check_layer_options(geometry: Any, lee_window: Any, use_cache: Any, overwrite: Any
                         ) -> int | None:
    """A known geometry, no Lee filter (None) or an odd window >= 3, and two bools."""
    _check_geometry(geometry)
    check_bool(use_cache, "use_cache")
    check_bool(overwrite, "overwrite")
    if lee_window is None:
        return None
    return check_odd_window(lee_window, "lee_window",
                            fix="None (no filter, as the paper), or e.g. 5 or 7 pixels.")
