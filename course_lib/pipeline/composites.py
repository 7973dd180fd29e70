"""The simulated study area's pre- and post-event Sentinel-2 composites, computed once and cached.

Notebook 02 and every later notebook read the same four composites (median and greenest pixel,
before and after the event) from here: :func:`study_area_composites` masks clouds with the
cloud probability as the paper did (:func:`course_lib.clouds.clear_sky_mask`), composites with
:func:`course_lib.composites.composite_raster`, and caches the results as GeoTIFFs.
"""

from __future__ import annotations

from typing import Any, Sequence

from course_lib.composites import COMPOSITE_KINDS, composite_raster
from course_lib.data.cache import stage_folder, stage_key
from course_lib.validation import check_bool, describe


def _area_key(area) -> str | None:
    """A cache key naming the study area's parameters, or None for an anonymous area."""
    params = getattr(area, "params", None)
    if params is not None and hasattr(params, "short_hash"):
        return params.short_hash()
    return None


def study_area_composites(area=None, params=None, kinds: Sequence[str] = COMPOSITE_KINDS,
                          use_cache: bool = True, overwrite: bool = False) -> dict[str, Any]:
    """Pre- and post-event median and greenest-pixel composites of the simulated study area.

    Clouds are masked with the cloud probability ``s2_<period>_cloudprob`` (s2cloudless-style,
    as the paper did), cloud shadow, snow and nodata with SCL (:func:`study_area_clear_mask`;
    an area without a cloud-probability layer falls back to SCL's cloud classes). The
    results are cached as GeoTIFFs in ``cache_dir()/s2_composites/<params hash>/`` (written
    atomically, one folder per set of study-area parameters), so notebook 02 and later ones
    load them in a second instead of recomputing.

    Args:
        area: a study area from ``course_lib.simulator.load_study_area()`` (or any
            mapping with ``s2_pre``, ``s2_post``, ``s2_pre_scl``, ``s2_post_scl`` and
            optionally ``s2_pre_cloudprob``, ``s2_post_cloudprob``; a plain
            mapping without ``.params`` is not cached). Default: ``load_study_area(params)``.
        params: ``StudyAreaParams`` used when ``area`` is None (default: the shipped world).
        kinds: which composites to make, from ``("median", "greenest")``.
        use_cache: read and write the GeoTIFF cache.
        overwrite: recompute and replace cached files.

    Returns:
        ``{"pre_median": Raster, "post_median": Raster, "pre_greenest": Raster,
        "post_greenest": Raster}`` (for the requested kinds), each ``(6, rows, cols)`` float32
        reflectance, bands ``B02 B03 B04 B08 B11 B12``, NaN where never clear.

    Example (notebook 02)::

        composites = study_area_composites()
        pre, post = composites["pre_greenest"], composites["post_greenest"]
    """
    import warnings

    from course_lib.data.raster import read_geotiff, write_geotiff
    from course_lib.validation import CorruptFileError

    _check_options(kinds, use_cache, overwrite)
    if area is None:
        from course_lib.simulator import load_study_area

        area = load_study_area(params)
    _check_area(area)
    key = _area_key(area)
    folder = stage_folder("s2_composites", key) if (use_cache and key) else None
    results: dict[str, Any] = {}
    for period in ("pre", "post"):
        for kind in kinds:
            name = f"{period}_{kind}"
            path = folder / f"{stage_key('s2_composites')}_{name}.tif" if folder else None
            if path is not None and path.exists() and not overwrite:
                try:
                    results[name] = read_geotiff(path)
                    continue
                except CorruptFileError as err:   # e.g. a write killed by an old version
                    warnings.warn(f"Recomputing {name}: the cached file is damaged ({err}).",
                                  stacklevel=2)
            prob_name = f"s2_{period}_cloudprob"
            cloudprob = area[prob_name] if prob_name in area else None
            results[name] = composite_raster(area[f"s2_{period}"], area[f"s2_{period}_scl"],
                                             kind, cloudprob=cloudprob)
            if path is not None:
                write_geotiff(results[name], path, overwrite=True)
    return results


# --------------------------------------------------------------------------- input checks
def _check_options(kinds: Any, use_cache: Any, overwrite: Any) -> None:
    """A tuple of known composite kinds and two bools."""
    if isinstance(kinds, str) or not hasattr(kinds, "__iter__"):
        raise TypeError(f"kinds must be a tuple of kinds, e.g. ('median',) or {COMPOSITE_KINDS};"
                        f" got {describe(kinds)}.")
    unknown = [k for k in kinds if k not in COMPOSITE_KINDS]
    if unknown:
        raise ValueError(f"Unknown composite kinds {unknown}; choose from {COMPOSITE_KINDS}.")
    check_bool(use_cache, "use_cache")
    check_bool(overwrite, "overwrite")


def _check_area(area: Any) -> None:
    """The study area, or a mapping with the Sentinel-2 stacks and SCL layers of both periods."""
    needed = ("s2_pre", "s2_post", "s2_pre_scl", "s2_post_scl")
    if not hasattr(area, "__getitem__") or isinstance(area, (str, bytes)) or \
            not hasattr(area, "__contains__") or not all(name in area for name in needed):
        raise TypeError(f"area must be the study area (load_study_area()) or a mapping with "
                        f"{needed}; got {describe(area)}. Pass area=load_study_area() "
                        "(from course_lib.simulator), or leave area out for the default.")
