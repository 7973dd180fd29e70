"""Spectral indices from reflectance bands: NDVI, dNDVI, brightness, NBR, NDWI, NDSI...

All functions take reflectance arrays (floats, 0-1 scale; NaN for nodata) of any shape: a single
image ``(rows, cols)``, a band-first cube's slices, or a time series ``(time, rows, cols)``. The
bands must have the same shape, or one may be a single number or broadcast onto the other's
shape (an image against a time series); a pair that would broadcast into a shape neither has,
e.g. a ``(rows, 1)`` column and a ``(1, cols)`` row into ``(rows, cols)``, is refused. xarray DataArrays are accepted (converted with
``np.asarray``). Where a normalised difference has a zero denominator the result is NaN
(undefined), never 0 or inf.

Raw digital numbers are refused: Sentinel-2 and Landsat DN are reflectance x 10000 and stored as
unsigned integers, so ``B - A`` on them wraps around (the "raw-DN brightness overflow" of the
original SALaD code). :func:`check_reflectance` raises a clear error instead.

A small catalogue, :data:`INDEX_CATALOGUE`, lists each index with its formula, bands and
reference, for the index browser widget of notebook 01 (``course_lib.viz.cloud_plots``).

Examples:
    >>> import numpy as np
    >>> red = np.array([0.05, 0.10, 0.0]); nir = np.array([0.45, 0.10, 0.0])
    >>> ndvi(red, nir).round(2).tolist()[:2], bool(np.isnan(ndvi(red, nir)[2]))
    ([0.8, 0.0], True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from course_lib.validation import (as_array, check_bool, check_number, check_reflectance,
                                   describe, expected_message)


def normalized_difference(a, b, name_a: str = "a", name_b: str = "b") -> np.ndarray:
    """``(a - b) / (a + b)``, NaN where the denominator is 0 or an input is NaN.

    Args:
        a, b: reflectance arrays that broadcast together.
        name_a, name_b: band names for error messages.

    >>> normalized_difference(np.array([0.3, 0.0]), np.array([0.1, 0.0])).round(3).tolist()[0]
    0.5
    """
    a, b = _check_bands((name_a, a), (name_b, b))
    denominator = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / denominator
    return np.where(denominator == 0, np.nan, out)


def ndvi(red, nir) -> np.ndarray:
    """Normalised difference vegetation index, (NIR - red) / (NIR + red) (Rouse et al. 1974).

    Sentinel-2: red B04, NIR B08. Landsat 5/7: red band 3, NIR band 4.
    """
    return normalized_difference(nir, red, "nir", "red")


def dndvi(ndvi_pre, ndvi_post, *, check_units: bool = True) -> np.ndarray:
    """NDVI change, ``NDVI(post) - NDVI(pre)``: landslides strip vegetation, so dNDVI < 0.

    Both inputs are NDVI arrays on the same grid (NaN propagates).

    Args:
        ndvi_pre, ndvi_post: NDVI of each date, e.g. ``ndvi(red, nir)``, values in [-1, 1].
        check_units: warn when the inputs look like reflectance bands rather than NDVI:
            10 000 or more valid pixels each, never negative, medians below 0.35 on both
            dates. Single reflectance bands look like that (the study area's bands: medians
            0.04-0.24); NDVI of a landscape with vegetation does not (median 0.65 in the study
            area; water, snow and shadow are negative), but NDVI of a dry scene without water
            or snow can, hence a warning and not an error. False silences it.

    Raises:
        ValueError: values outside [-1, 1] (digital numbers) or shapes that differ.

    >>> dndvi(np.array([0.8]), np.array([0.2])).round(2).tolist()
    [-0.6]
    """
    pre, post = _check_ndvi_pair(ndvi_pre, ndvi_post, check_units)
    return post - pre


def brightness(blue, green, red, nir) -> np.ndarray:
    """Mean of the blue, green, red and NIR reflectances, as in SALaD (Amatya et al. 2021, Eng. Geol. 282:106000).

    Computed on float reflectance, so it cannot overflow as a sum of uint16 DN does.

    >>> float(brightness(0.1, 0.2, 0.3, 0.4))
    0.25
    """
    b, g, r, n = _check_bands(("blue", blue), ("green", green), ("red", red), ("nir", nir))
    return (b + g + r + n) / 4


def gndvi(green, nir) -> np.ndarray:
    """Green NDVI, (NIR - green) / (NIR + green) (Gitelson et al. 1996)."""
    return normalized_difference(nir, green, "nir", "green")


def ndwi(green, nir) -> np.ndarray:
    """Normalised difference water index, (green - NIR) / (green + NIR) (McFeeters 1996)."""
    return normalized_difference(green, nir, "green", "nir")


def nbr(nir, swir2) -> np.ndarray:
    """Normalised burn ratio, (NIR - SWIR2) / (NIR + SWIR2) (Key and Benson 2006).

    Sentinel-2: NIR B08, SWIR2 B12.
    """
    return normalized_difference(nir, swir2, "nir", "swir2")


def ndsi(green, swir1) -> np.ndarray:
    """Normalised difference snow index, (green - SWIR1) / (green + SWIR1) (Hall et al. 1995).

    Snow is bright in green and dark in SWIR: NDSI > 0.4 is the usual snow threshold.
    Sentinel-2: green B03, SWIR1 B11.
    """
    return normalized_difference(green, swir1, "green", "swir1")


def ndmi(nir, swir1) -> np.ndarray:
    """Normalised difference moisture index, (NIR - SWIR1) / (NIR + SWIR1) (Gao 1996)."""
    return normalized_difference(nir, swir1, "nir", "swir1")


def savi(red, nir, soil_factor: float = 0.5) -> np.ndarray:
    """Soil-adjusted vegetation index, (1 + L)(NIR - red) / (NIR + red + L) (Huete 1988).

    >>> float(savi(0.1, 0.5).round(3))
    0.545
    """
    soil_factor = check_number(soil_factor, "soil_factor", minimum=0, maximum=1,
                               fix="Use L = 0.5 as Huete (1988) did (0 = NDVI, 1 = sparse "
                               "cover).")
    red, nir = _check_bands(("red", red), ("nir", nir))
    denominator = nir + red + soil_factor
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (1 + soil_factor) * (nir - red) / denominator
    return np.where(denominator == 0, np.nan, out)


@dataclass(frozen=True)
class IndexInfo:
    """One entry of the index catalogue.

    Attributes:
        name: short name, e.g. ``"NDVI"``.
        long_name: what it stands for.
        formula: the formula in band roles, e.g. ``"(NIR - Red) / (NIR + Red)"``.
        roles: the band roles the function takes, in its argument order.
        sentinel2: the Sentinel-2 band for each role.
        function: the function that computes it from reflectance.
        reference: the paper that introduced it.
        use: what it is good for in landslide mapping.
    """

    name: str
    long_name: str
    formula: str
    roles: tuple[str, ...]
    sentinel2: tuple[str, ...]
    function: Callable[..., np.ndarray]
    reference: str
    use: str


#: The course's small index catalogue (spyndex's Awesome Spectral Indices is the large one).
INDEX_CATALOGUE: dict[str, IndexInfo] = {
    info.name: info for info in (
        IndexInfo("NDVI", "Normalized Difference Vegetation Index", "(NIR - Red) / (NIR + Red)",
                  ("red", "nir"), ("B04", "B08"), ndvi,
                  "Rouse et al. 1974, NASA SP-351",
                  "vegetation; a landslide scar has low NDVI and a negative dNDVI"),
        IndexInfo("GNDVI", "Green Normalized Difference Vegetation Index",
                  "(NIR - Green) / (NIR + Green)", ("green", "nir"), ("B03", "B08"), gndvi,
                  "Gitelson et al. 1996, Remote Sens. Environ. 58:289",
                  "vegetation, more sensitive to chlorophyll than NDVI"),
        IndexInfo("NDWI", "Normalized Difference Water Index", "(Green - NIR) / (Green + NIR)",
                  ("green", "nir"), ("B03", "B08"), ndwi,
                  "McFeeters 1996, Int. J. Remote Sens. 17:1425",
                  "open water (NDWI > 0): lakes, flooded debris"),
        IndexInfo("NBR", "Normalized Burn Ratio", "(NIR - SWIR2) / (NIR + SWIR2)",
                  ("nir", "swir2"), ("B08", "B12"), nbr,
                  "Key and Benson 2006, USDA RMRS-GTR-164-CD",
                  "burn scars; also bare soil versus vegetation"),
        IndexInfo("NDSI", "Normalized Difference Snow Index", "(Green - SWIR1) / (Green + SWIR1)",
                  ("green", "swir1"), ("B03", "B11"), ndsi,
                  "Hall et al. 1995, Remote Sens. Environ. 54:127",
                  "snow and ice (NDSI > 0.4), which must not be mistaken for fresh scars"),
        IndexInfo("NDMI", "Normalized Difference Moisture Index", "(NIR - SWIR1) / (NIR + SWIR1)",
                  ("nir", "swir1"), ("B08", "B11"), ndmi,
                  "Gao 1996, Remote Sens. Environ. 58:257", "vegetation water content"),
        IndexInfo("SAVI", "Soil-Adjusted Vegetation Index",
                  "1.5 (NIR - Red) / (NIR + Red + 0.5)", ("red", "nir"), ("B04", "B08"), savi,
                  "Huete 1988, Remote Sens. Environ. 25:295",
                  "sparse vegetation, where soil shows through"),
        IndexInfo("Brightness", "Brightness (SALaD)", "(Blue + Green + Red + NIR) / 4",
                  ("blue", "green", "red", "nir"), ("B02", "B03", "B04", "B08"), brightness,
                  "Amatya et al. 2021, Eng. Geol. 282:106000 (SALaD)",
                  "fresh scars and debris are brighter than the vegetation around them"),
    )
}


def compute_index(name: str, bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """Compute a catalogue index from a mapping of Sentinel-2 band name to reflectance.

    Args:
        name: a key of :data:`INDEX_CATALOGUE`.
        bands: e.g. ``{"B04": red, "B08": nir}`` (extra bands are ignored).

    >>> round(float(compute_index("NDVI", {"B04": np.array(0.1), "B08": np.array(0.3)})), 3)
    0.5
    """
    info = _check_catalogue_call(name, bands)
    return info.function(*(bands[b] for b in info.sentinel2))


# ---------------------------------------------------------------------------------------------
# The large catalogue: Awesome Spectral Indices through spyndex (Montero et al. 2023,
# Scientific Data 10:197), an offline JSON of ~280 indices with formulas and references.

#: spyndex's band codes and the Sentinel-2 band each stands for.
SPYNDEX_S2_BANDS = {"A": "B01", "B": "B02", "G": "B03", "R": "B04", "RE1": "B05", "RE2": "B06",
                    "RE3": "B07", "N": "B08", "N2": "B8A", "WV": "B09", "S1": "B11", "S2": "B12"}


def _spyndex():
    try:
        import spyndex
    except ImportError as err:  # pragma: no cover - a course dependency
        raise ImportError("The large index catalogue needs spyndex: pip install spyndex") from err
    return spyndex


def spyndex_catalogue(available: tuple[str, ...] = tuple(SPYNDEX_S2_BANDS.values()),
                      domains: tuple[str, ...] | None = None) -> dict[str, dict[str, object]]:
    """Indices of the Awesome Spectral Indices catalogue computable from ``available`` bands.

    Only indices whose every input is a Sentinel-2 band in ``available`` or a constant with
    a default value are listed (radar and kernel indices are left out).

    Args:
        available: Sentinel-2 band names you have, e.g. the study area's
            ``("B02", "B03", "B04", "B08", "B11", "B12")``.
        domains: keep only these application domains (``"vegetation"``, ``"water"``,
            ``"snow"``, ``"burn"``, ``"soil"``, ``"urban"``...); default all.

    Returns:
        ``{short name: {"long_name", "formula", "bands" (Sentinel-2 names), "domain",
        "reference"}}`` sorted by name.

    >>> cat = spyndex_catalogue(("B03", "B04", "B08", "B11"))
    >>> "NDVI" in cat and "NDSI" in cat and "NBR" not in cat
    True
    >>> cat["NDVI"]["bands"]
    ('B08', 'B04')
    """
    _check_names(available=available, domains=domains)
    spyndex = _spyndex()
    have = {code for code, band in SPYNDEX_S2_BANDS.items() if band in available}
    out = {}
    for name, info in spyndex.indices.items():
        if info.application_domain in ("radar", "kernel"):
            continue
        if domains is not None and info.application_domain not in domains:
            continue
        inputs = list(info.bands)
        bands = [b for b in inputs if b in SPYNDEX_S2_BANDS]
        constants = [b for b in inputs if b not in SPYNDEX_S2_BANDS]
        if not bands or any(b not in have for b in bands):
            continue
        if any(c not in spyndex.constants or spyndex.constants[c].default is None
               for c in constants):
            continue
        out[name] = {"long_name": info.long_name, "formula": info.formula,
                     "bands": tuple(SPYNDEX_S2_BANDS[b] for b in bands),
                     "domain": info.application_domain, "reference": info.reference}
    return dict(sorted(out.items()))


def compute_spyndex_index(name: str, bands: Mapping[str, np.ndarray]) -> np.ndarray:
    """Compute an Awesome Spectral Indices index with spyndex from Sentinel-2 reflectance.

    Args:
        name: the index's short name, e.g. ``"NDVI"``, ``"EVI"``, ``"NDSI"``.
        bands: Sentinel-2 band name -> reflectance array (0-1 scale), all on one grid.

    Returns:
        float array; NaN where the formula is undefined (division by zero gives NaN, not inf).

    >>> b = {"B04": np.array([0.1, 0.0]), "B08": np.array([0.3, 0.0])}
    >>> compute_spyndex_index("NDVI", b).round(2).tolist()
    [0.5, nan]
    """
    spyndex = _spyndex()
    params, arrays = _spyndex_params(spyndex, name, bands)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.asarray(spyndex.computeIndex(name, params=params),
                         dtype=np.result_type(*arrays.values(), np.float32))
    return np.where(np.isfinite(out), out, np.nan)


# --------------------------------------------------------------------------- input checks
def _check_bands(*bands: tuple[str, Any]) -> list[np.ndarray]:
    """Each ``(name, values)`` as float reflectance (DN refused), all on one grid.

    Bands of the same shape pass, and so do a single number or a band that broadcasts onto
    another's shape (an image against a time series); bands that would broadcast into a new
    shape, e.g. ``(8, 1)`` and ``(1, 8)`` into ``(8, 8)``, are refused.
    """
    for name, values in bands:
        if not isinstance(name, str):
            raise TypeError(expected_message("name_a/name_b", "band names (str) for messages",
                                             name, "E.g. normalized_difference(nir, red, 'nir', "
                                             "'red')."))
        names = getattr(values, "band_names", None)
        if names is not None and len(names) > 1:
            raise ValueError(f"{name} must be one band; got a Raster with {len(names)} bands "
                             f"{tuple(names)}. Pick one, e.g. raster.band({names[0]!r}).")
    arrays = [check_reflectance(values, name) for name, values in bands]
    if len(arrays) == 2 and arrays[0].size > 1 and arrays[0].shape == arrays[1].shape and \
            np.array_equal(arrays[0], arrays[1], equal_nan=True) and \
            np.nanmax(np.abs(arrays[0]), initial=0) > 0:
        (name_a, _), (name_b, _) = bands
        raise ValueError(f"{name_a} and {name_b} are the same array: the index would be 0 "
                         f"everywhere. Pass the two bands, e.g. raster.band('B08') for NIR and "
                         "raster.band('B04') for red.")
    shapes = [a.shape for a in arrays]
    try:
        common = np.broadcast_shapes(*shapes)
    except ValueError:
        common = None
    if common is None or common not in shapes:
        listed = ", ".join(f"{name} {shape}" for (name, _), shape in zip(bands, shapes))
        raise ValueError(f"Band shapes do not match: {listed}. Pass bands on one grid, e.g. "
                         "two bands of the same Raster: raster.band(name).")
    return arrays


#: :func:`dndvi` refuses inputs that are never negative and have medians below this (with at
#: least :data:`DNDVI_CHECK_PIXELS` valid pixels each): single reflectance bands.
REFLECTANCE_LIKE_MEDIAN = 0.35
DNDVI_CHECK_PIXELS = 10_000


def _check_ndvi_pair(ndvi_pre: Any, ndvi_post: Any, check_units: Any
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Both NDVI arrays as floats on one grid, within [-1, 1], and not reflectance bands."""
    check_bool(check_units, "check_units")
    pre = as_array(ndvi_pre, "ndvi_pre", kinds="iuf", allow_empty=True).astype(float)
    post = as_array(ndvi_post, "ndvi_post", kinds="iuf", allow_empty=True).astype(float)
    if pre.shape != post.shape:
        raise ValueError(f"NDVI shapes differ: ndvi_pre {pre.shape}, ndvi_post {post.shape}. Put "
                         "both dates on the same grid (crop or resample one to the other).")
    looks_like_reflectance = []
    for name, values in (("ndvi_pre", pre), ("ndvi_post", post)):
        with np.errstate(invalid="ignore"):
            outside = np.abs(values) > 1 + 1e-6
        if outside.any():
            raise ValueError(
                f"{name} must be NDVI values in [-1, 1]; got values up to "
                f"{float(np.nanmax(np.abs(values))):g}. Pass ndvi(red, nir) of each date, not "
                "reflectance or digital numbers.")
        finite = values[np.isfinite(values)]
        looks_like_reflectance.append(finite.size >= DNDVI_CHECK_PIXELS and finite.min() >= 0
                                      and np.median(finite) < REFLECTANCE_LIKE_MEDIAN)
    if check_units and all(looks_like_reflectance):
        # A warning, not an error: NDVI of an arid scene without water or snow looks the same.
        medians = " and ".join(f"{np.nanmedian(v):.2f}" for v in (pre, post))
        warnings.warn(
            f"ndvi_pre and ndvi_post should be NDVI; these are never negative and their medians "
            f"are {medians}, which looks like single reflectance bands (NDVI of a landscape "
            "with vegetation has a median near 0.6, and water, snow and shadow are negative). "
            "Pass ndvi(red, nir) of each date, e.g. dndvi(ndvi(pre.band('B04'), "
            "pre.band('B08')), ndvi(post.band('B04'), post.band('B08'))); if these really are "
            "NDVI (e.g. a dry scene without water or snow), pass check_units=False.",
            UserWarning, stacklevel=3)
    return pre, post


def _check_catalogue_call(name: Any, bands: Any) -> IndexInfo:
    """The catalogue entry of ``name``, once ``bands`` is a mapping holding its bands."""
    if not isinstance(name, str) or name not in INDEX_CATALOGUE:
        raise KeyError(f"Unknown index {name!r}; choose from {sorted(INDEX_CATALOGUE)}.")
    if not isinstance(bands, Mapping):
        raise TypeError(f"bands must be a dict of Sentinel-2 band name -> reflectance, e.g. "
                        f"{{'B04': red, 'B08': nir}}; got {describe(bands)}.")
    info = INDEX_CATALOGUE[name]
    missing = [b for b in info.sentinel2 if b not in bands]
    if missing:
        example = ", ".join(f"{b!r}: {role}" for b, role in zip(info.sentinel2, info.roles))
        raise KeyError(f"{name} needs Sentinel-2 bands {list(info.sentinel2)}; missing {missing}. "
                       f"Pass a dict keyed by Sentinel-2 band names, e.g. {{{example}}}.")
    for band in info.sentinel2:
        check_reflectance(bands[band], band)
    return info


def _check_names(**groups: Any) -> None:
    """Each group is None (only ``domains`` may be) or a tuple of names, not one string."""
    for arg, value in groups.items():
        if value is None and arg == "domains":
            continue
        if isinstance(value, str) or not hasattr(value, "__iter__") or \
                not all(isinstance(v, str) for v in value):
            raise TypeError(f"{arg} must be a tuple of names, e.g. ('B04', 'B08') or "
                            f"('vegetation',); got {describe(value)}.")


def _spyndex_params(spyndex: Any, name: Any, bands: Any
                    ) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """spyndex's ``params`` for ``name`` (bands checked as reflectance, constants' defaults)
    and the band arrays among them, checked to lie on one grid."""
    if not isinstance(bands, Mapping):
        raise TypeError(f"bands must be a dict of Sentinel-2 band name -> reflectance, e.g. "
                        f"{{'B04': red, 'B08': nir}}; got {describe(bands)}.")
    if not isinstance(name, str) or name not in spyndex.indices:
        raise KeyError(f"spyndex has no index {name!r}; pick one of spyndex_catalogue() (the "
                       "indices your bands can compute), e.g. 'NDVI'.")
    params: dict[str, object] = {}
    codes: list[str] = []
    arrays: list[tuple[str, Any]] = []
    for code in spyndex.indices[name].bands:
        if code in SPYNDEX_S2_BANDS:
            band = SPYNDEX_S2_BANDS[code]
            if band not in bands:
                raise KeyError(f"{name} needs Sentinel-2 band {band} ({code}); got "
                               f"{sorted(bands)}. Add it, e.g. bands[{band!r}] = "
                               f"raster.band({band!r}).")
            codes.append(code)
            arrays.append((band, bands[band]))
        elif code in spyndex.constants and spyndex.constants[code].default is not None:
            params[code] = spyndex.constants[code].default
        else:
            raise ValueError(f"{name} needs input {code!r}, which is neither a Sentinel-2 "
                             "band nor a constant with a default.")
    checked = dict(zip(codes, _check_bands(*arrays)))
    params.update(checked)
    return params, checked
