"""The paper's input layers (Table 1) for the simulated study area, in one place.

Notebooks 03 (OBIA), 04 (CART) and 05 (U-Net) all start from the same layers, so they get them
here with one call::

    from course_lib import layers
    x = layers.setting_layers(2)                  # pre-VV, post-VV, dNDVI (a Raster)
    table = layers.sample_at_points(x, area["training_points"])
    valid = layers.evaluation_mask(area)          # the pixels every method is judged on

Contents:

* :func:`change_layers`: the 13 layers of the paper's setting 1 (cached GeoTIFF);
* :func:`setting_bands`, :func:`setting_layers`: the bands of settings 1-4;
* :func:`valid_mask`, :func:`evaluation_mask`: where the layers hold usable values;
* :func:`sample_at_points`: the layers' values at training points, as a feature table.

**NaN policy** (every classifier of the course follows it). NaN in a layer means *no usable
observation*: a Sentinel-1 pixel in layover or radar shadow in every geometry used (see
:func:`course_lib.sar.layover_shadow_masks`), or a Sentinel-2 pixel that was never clear
(cloud, shadow or snow on every date). Nothing is filled in, because any fill value would be a
made-up reflectance or backscatter that a classifier could learn from. So:

1. never train on NaN (:func:`sample_at_points` raises, or drops the points when asked);
2. predict NaN (nodata) wherever any input band of the pixel is NaN;
3. assess every method and setting on the same pixels, :func:`evaluation_mask` (valid in all
   13 layers), passed as ``results_table(truth, valid=...)``; otherwise a setting with fewer
   bands would be judged on more (and different) pixels than one with more bands.

Sources: Ganerød, Lindsay et al. (2023), *Remote Sensing* 15:895, Table 1 (the settings) and
section 3.2 (greenest-pixel Sentinel-2 composites, slope-corrected Sentinel-1 median composites
averaged over the ascending and descending geometries).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from course_lib import indices, sar
from course_lib.data.raster import Raster
from course_lib.results import SETTING_BANDS, SETTINGS

__all__ = [
    "SETTINGS", "SETTING_BANDS", "GEOMETRY_CHOICES", "LAYERS_VERSION", "S1_LAYER_NAMES",
    "change_layers", "setting_bands", "setting_layers", "valid_mask", "evaluation_mask",
    "sample_at_points",
]

#: How :func:`change_layers` uses the two orbit geometries: ``"mean"`` averages them in linear
#: units (the paper), ``"asc"`` / ``"desc"`` keep one, ``"both"`` keeps them as separate bands
#: (suffixed ``-asc`` / ``-desc``): the test the paper itself proposes.
GEOMETRY_CHOICES = ("mean", "asc", "desc", "both")
#: Bump when :func:`change_layers` changes what it computes (part of the cache key).
LAYERS_VERSION = 2
#: The Sentinel-1 bands of setting 1, in the paper's order.
S1_LAYER_NAMES = ("pre-VV", "post-VV", "diff-VV", "pre-VH", "post-VH", "diff-VH")


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
            f"({SETTINGS}); got {setting!r}."
        )
    if int(setting) not in SETTINGS:
        raise ValueError(f"setting must be 1, 2, 3 or 4 (paper, Table 1); got {setting}.")
    return int(setting)


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

    The key holds every version the layers depend on: the study area's parameters and generator
    (``params.short_hash()``), this module, the Sentinel-2 composites and the Sentinel-1
    composites, so a change in any of them never serves stale bands.
    """
    from course_lib import composites
    from course_lib.config import cache_dir

    params = getattr(area, "params", None)
    if params is None or not hasattr(params, "short_hash"):
        return None
    versions = (f"v{LAYERS_VERSION}-s2c{composites.COMPOSITES_VERSION}"
                f"-s1c{getattr(sar, 'S1_COMPOSITE_VERSION', 1)}")
    variant = f"{versions}_{geometry}" + (f"_lee{lee_window}" if lee_window else "")
    return cache_dir() / "change_layers" / params.short_hash() / f"{variant}.tif"


def _s1_layers(area: Any, geometry: str, lee_window: int | None) -> dict[str, np.ndarray]:
    """Sentinel-1 layers in dB by name (suffixed per geometry when ``geometry="both"``)."""
    used = sar.GEOMETRIES if geometry in ("mean", "both") else (geometry,)
    linear = {(g, p): sar.study_area_s1_composite(area, g, p, lee_window=lee_window)
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

    Bands, in the paper's order (the names of ``course_lib.results.SETTING_BANDS``):

    * ``pre-VV``, ``post-VV``, ``diff-VV``, ``pre-VH``, ``post-VH``, ``diff-VH``: Sentinel-1
      slope-corrected (Vollrath et al. 2020) median composites in **dB**
      (:func:`course_lib.sar.study_area_s1_composite`) and the log-ratio change
      ``diff = post - pre`` in dB. ``geometry="mean"`` averages the ascending and descending
      composites in linear units, as the paper did (see
      :func:`course_lib.sar.combine_geometries` for why this can hide a landslide); ``"asc"`` or
      ``"desc"`` keeps one geometry; ``"both"`` keeps each as its own band (19 bands in all).
    * ``post-R``, ``post-G``, ``post-B``, ``post-NIR``: the post-event Sentinel-2
      greenest-pixel composite (reflectance; B04, B03, B02, B08), from
      :func:`course_lib.composites.study_area_composites`;
    * ``dNDVI``: NDVI of the post minus the pre greenest-pixel composite;
    * ``elevation`` (m) and ``slope`` (degrees).

    NaN follows the module's NaN policy. The result is cached as a GeoTIFF in
    ``cache_dir()/change_layers/<params hash>/`` (written atomically; the file name holds the
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
    from course_lib.composites import study_area_composites
    from course_lib.data.raster import read_geotiff, write_geotiff

    _check_geometry(geometry)
    if lee_window is not None and (not isinstance(lee_window, (int, np.integer))
                                   or isinstance(lee_window, bool) or lee_window < 3
                                   or lee_window % 2 == 0):
        raise ValueError(f"lee_window must be None or an odd int >= 3 (pixels); got {lee_window!r}.")
    if area is None:
        from course_lib.data.study_area import load_study_area

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
    attrs = {"source": "course_lib.layers.change_layers (simulated study area)",
             "s1_geometry": geometry, "s1_lee_window": str(lee_window or 0),
             "s1_units": "dB (diff = post - pre, dB)", "s1_correction": "Vollrath et al. 2020",
             "s2_composite": "greenest pixel",
             "s1_masked_fraction": f"{float(np.mean(~np.isfinite(s1).all(axis=0))):.5f}",
             "version": str(LAYERS_VERSION)}
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


def valid_mask(raster: Raster | np.ndarray) -> np.ndarray:
    """Pixels with a finite value in every band (the NaN policy's "usable" pixels).

    Args:
        raster: a Raster or an array ``(bands, rows, cols)`` (or ``(rows, cols)``).

    Returns:
        boolean ``(rows, cols)``.

    >>> valid_mask(np.array([[[1.0, np.nan]], [[2.0, 3.0]]])).tolist()
    [[True, False]]
    """
    data = raster.data if isinstance(raster, Raster) else np.asarray(raster)
    if data.ndim == 2:
        data = data[None]
    if data.ndim != 3:
        raise ValueError(f"raster must be (bands, rows, cols); got shape {data.shape}.")
    if not np.issubdtype(data.dtype, np.number):
        raise TypeError(f"raster must hold numbers; got dtype {data.dtype}.")
    return np.isfinite(data).all(axis=0)


def evaluation_mask(area: Any = None) -> np.ndarray:
    """The pixels on which every method and setting is assessed: valid in all 13 layers.

    Pass it to ``course_lib.results.results_table(truth, valid=...)`` so that no setting is
    judged on pixels another one could not see (module docstring, NaN policy).
    """
    return valid_mask(change_layers(area))


def sample_at_points(raster: Raster, points: Any, on_invalid: str = "raise") -> pd.DataFrame:
    """The raster's values at points, as a feature table (band names as columns).

    Each point takes the value of the pixel it falls in (no interpolation: the training points
    of the paper were pixels).

    Args:
        raster: a Raster ``(bands, rows, cols)`` (e.g. from :func:`setting_layers`).
        points: a GeoDataFrame of points on the raster's CRS (e.g. ``area["training_points"]``).
        on_invalid: what to do with points where a band is NaN (NaN policy): ``"raise"`` (the
            default; the message names them), ``"drop"`` (drop them with a warning) or
            ``"keep"`` (keep the NaN, e.g. to inspect them).

    Returns:
        a DataFrame, one row per (kept) point, index as in ``points``: the band values (float)
        followed by the points' own attribute columns (``class_name``, ``label``, ...), and
        ``row`` / ``col`` of the pixel.

    Raises:
        TypeError: ``raster`` is not a Raster or ``points`` not a GeoDataFrame.
        ValueError: points on another CRS, non-point geometries, points outside the raster,
            NaN values with ``on_invalid="raise"``.
    """
    import geopandas as gpd
    from rasterio.transform import rowcol

    if not isinstance(raster, Raster):
        raise TypeError(f"raster must be a course_lib Raster (e.g. layers.setting_layers(2)); "
                        f"got {type(raster).__name__}.")
    if raster.data.ndim != 3:
        raise ValueError(f"raster must be (bands, rows, cols); got shape {raster.data.shape}.")
    if not isinstance(points, gpd.GeoDataFrame):
        raise TypeError(f"points must be a GeoDataFrame of points; got {type(points).__name__}.")
    if on_invalid not in ("raise", "drop", "keep"):
        raise ValueError(f"on_invalid must be 'raise', 'drop' or 'keep'; got {on_invalid!r}.")
    if points.crs is None or raster.crs is None:
        raise ValueError("points and raster must both have a CRS; set it with "
                         "points.set_crs(...) if you know it.")
    if not points.crs.equals(raster.crs):
        raise ValueError(
            f"points are on {points.crs.to_string()} but the raster is on "
            f"{raster.crs.to_string()}; reproject first: points.to_crs(raster.crs)."
        )
    if len(points) and not (points.geom_type == "Point").all():
        kinds = sorted(set(points.geom_type) - {"Point"})
        raise ValueError(f"points must all be Points; found {kinds} (use .centroid or "
                         ".representative_point() for polygons).")
    rows, cols = raster.shape
    r, c = (rowcol(raster.transform, points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
            if len(points) else ([], []))
    r, c = np.asarray(r, dtype=int), np.asarray(c, dtype=int)
    outside = (r < 0) | (r >= rows) | (c < 0) | (c >= cols)
    if outside.any():
        first = points.index[outside][:5].tolist()
        raise ValueError(
            f"{int(outside.sum())} of {len(points)} points lie outside the raster "
            f"(bounds {tuple(round(b) for b in raster.bounds)}), e.g. index {first}; clip them "
            "first, e.g. points[points.within(box(*raster.bounds))]."
        )
    values = raster.data[:, r, c].T.astype(np.float64) if len(points) else np.empty(
        (0, len(raster.band_names)))
    table = pd.DataFrame(values, columns=list(raster.band_names), index=points.index)
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any() and on_invalid != "keep":
        which = {points.index[i]: [b for b, v in zip(raster.band_names, values[i])
                                   if not np.isfinite(v)] for i in np.flatnonzero(bad)[:5]}
        text = (f"{int(bad.sum())} of {len(points)} points have NaN in some band (no usable "
                f"observation; see the NaN policy in course_lib.layers), e.g. {which}")
        if on_invalid == "raise":
            raise ValueError(text + ". Use on_invalid='drop' to leave them out of training.")
        warnings.warn(text + "; they are dropped.", stacklevel=2)
    attributes = pd.DataFrame(points.drop(columns=points.geometry.name)).drop(
        columns=[col for col in ("row", "col") if col in points.columns])
    table = pd.concat([table, attributes], axis=1)
    table["row"], table["col"] = r, c
    if on_invalid == "drop":
        table = table[~bad]
    return table
