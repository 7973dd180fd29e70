"""Generate, write, cache and load the study-area products.

``load_study_area(params)`` looks for ``cache_dir()/study_area/<params.short_hash()>/``. If it
is missing, the world is generated (a progress bar shows the steps), written into a
temporary folder beside it and renamed into place in one step, so an interrupted run never
leaves a half-written world. Every later call, in any process, reads the files.

Storage (GeoTIFFs with CRS, transform, band descriptions and a JSON ``course_product`` tag):

* reflectance as uint16 = reflectance x 10000 (like Sentinel-2 L2A before baseline 04.00,
  without an offset); the loader returns float32 reflectance;
* Sentinel-1 as int16 = dB x 100; the loader returns float32 **linear** sigma0;
* cloud probability as uint8 = probability x 100; the loader returns float32 0-1;
* everything else as it is (float32 or uint8 / uint16 codes).

Time series are stored with the time and band axes flattened into GeoTIFF bands (``"2019-07-31
B04"``) and come back as ``(time, bands, rows, cols)`` with ``dates`` set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.features
import shapely
from affine import Affine
from rasterio.crs import CRS

from course_lib import validation
from course_lib.clouds import clear_sky_mask
from course_lib.data.atomic import atomic_write
from course_lib.data.cache import stage_folder
from course_lib.data.raster import Raster
from course_lib.sar import layover_shadow_masks, range_slope_angle
from course_lib.simulator import landcover as lc_mod
from course_lib.simulator.confusers import CHANGE_CLASSES, make_changes
from course_lib.simulator.landscape import make_landscape
from course_lib.simulator.landslides import make_landslides
from course_lib.simulator.params import GENERATOR_VERSION, StudyAreaParams
from course_lib.simulator.points import SUBPLOT_TITLES, choose_subplots, training_points
from course_lib.simulator.sentinel1 import S1_BANDS, geometry, simulate_s1, static_texture
from course_lib.simulator.sentinel2 import (S2_BANDS, SCL_CLASSES, TRUTH_BANDS, Sentinel2Simulator,
                                            simulate_period)
from course_lib.terrain import hillshade, slope_aspect, solar_position

CRS_UTM32N = CRS.from_epsg(32632)
#: Sun used for the shipped hillshade: 30 July 2019, 10:40 UTC (mid-morning, the Sentinel-2
#: overpass) at 61.45 N 6.3 E.
HILLSHADE_SUN = tuple(round(v, 2) for v in solar_position(datetime(2019, 7, 30, 10, 40),
                                                           61.45, 6.3))

RASTER_PRODUCTS = (
    "dem", "slope", "aspect", "hillshade", "landcover", "landslide_mask", "landslide_parts",
    "landslide_id", "other_changes", "s2_pre", "s2_post", "s2_pre_scl", "s2_post_scl", "s2_pre_cloudprob",
    "s2_post_cloudprob", "s2_pre_truth", "s2_post_truth", "s1_asc_pre", "s1_asc_post",
    "s1_desc_pre", "s1_desc_post",
    "local_incidence_asc", "local_incidence_desc", "incidence_asc", "incidence_desc",
)
VECTOR_PRODUCTS = ("landslides", "training_points", "subplots")
#: Every product name accepted by :meth:`StudyArea.get`.
PRODUCT_NAMES = RASTER_PRODUCTS + VECTOR_PRODUCTS

DESCRIPTIONS = {
    "dem": "elevation (m a.s.l.)",
    "slope": "slope (degrees)",
    "aspect": "aspect (degrees clockwise from north, direction faced; NaN where flat)",
    "hillshade": f"cos(i) clipped 0-1, cast shadows 0, sun azimuth {HILLSHADE_SUN[0]} deg, "
                 f"elevation {HILLSHADE_SUN[1]} deg (30 July 2019 10:40 UTC)",
    "landcover": "pre-event land cover codes (see LANDCOVER_CLASSES)",
    "landslide_mask": "1 where a landslide of 30 July 2019 is, else 0 (ground truth)",
    "landslide_parts": "0 none, 1 scar (initiation and track), 2 deposit",
    "landslide_id": "landslide id (matches the 'id' column of 'landslides'), 0 none",
    "other_changes": "non-landslide changes between the dates (see CHANGE_CLASSES): 0 none, "
                     "1 clear-cut, 2 flood sediment, 3 bank erosion, 4 road works, "
                     "5 slush-flow track, 6 hay harvest",
    "local_incidence_asc": "local incidence angle, ascending (degrees)",
    "local_incidence_desc": "local incidence angle, descending (degrees)",
    "incidence_asc": "ellipsoid incidence angle, ascending (degrees)",
    "incidence_desc": "ellipsoid incidence angle, descending (degrees)",
    **{f"s2_{p}": f"simulated Sentinel-2 L2A-like surface reflectance, {p}-event dates"
       for p in ("pre", "post")},
    **{f"s2_{p}_scl": f"simulated scene classification (Sen2Cor codes), {p}-event dates"
       for p in ("pre", "post")},
    **{f"s2_{p}_cloudprob": f"simulated s2cloudless-like cloud probability 0-1, {p}-event"
       for p in ("pre", "post")},
    **{f"s2_{p}_truth": f"true cloud, cloud shadow and snow masks 0/1, {p}-event dates"
       for p in ("pre", "post")},
    **{f"s1_{g}_{p}": f"simulated Sentinel-1 sigma0 VV/VH (linear), {g}ending, {p}-event"
       for g in ("asc", "desc") for p in ("pre", "post")},
}


# --------------------------------------------------------------------------- generation
def _xy(transform: Affine, row: float, col: float) -> tuple[float, float]:
    """Map coordinates of a (fractional) pixel position on a north-up grid."""
    return transform.c + col * transform.a, transform.f + row * transform.e


def _rng(params: StudyAreaParams, stage: int) -> np.random.Generator:
    """An independent generator per stage, so changing clouds leaves the terrain alone."""
    return np.random.default_rng([params.seed, stage])


class _Products(dict):
    """A dict of products that can hand each one to a ``sink`` instead of keeping it."""

    def __init__(self, sink: Callable[[str, Any], None] | None) -> None:
        super().__init__()
        self._sink = sink

    def __setitem__(self, name: str, value: Any) -> None:
        if self._sink is not None and name != "_metadata":
            self._sink(name, value)   # written to disk at once: keeps peak memory low
        else:
            super().__setitem__(name, value)


def generate_study_area(params: StudyAreaParams | None = None, *, progress: bool = True,
                        sink: Callable[[str, Any], None] | None = None) -> dict[str, Any]:
    """Generate every product: a dict name -> Raster or GeoDataFrame, plus ``"_metadata"``.

    ``"_metadata"`` holds a JSON-serialisable dict (dates, sun positions, cloud fractions).
    With a ``sink``, each product is passed to ``sink(name, product)`` as soon as it is
    made and not kept, so only ``"_metadata"`` is returned.
    """
    from tqdm.auto import tqdm

    params = _check_params(params)
    if sink is not None and not callable(sink):
        raise TypeError(f"sink must be a function sink(name, product) (or None to keep the "
                        f"products in memory); got {validation.describe(sink)}.")
    n, res = params.size, params.resolution
    transform = Affine(res, 0.0, params.origin_x, 0.0, -res, params.origin_y)
    out: dict[str, Any] = _Products(sink)
    meta: dict[str, Any] = {"params": params.to_dict(), "generator_version": GENERATOR_VERSION,
                            "crs": "EPSG:32632", "transform": list(transform)[:6]}

    def raster(data, names, dates=None, **attrs) -> Raster:
        return Raster(data=data, transform=transform, crs=CRS_UTM32N, band_names=names,
                      dates=dates, attrs=attrs)

    steps = ["terrain", "land cover", "landslides", "Sentinel-2 before", "Sentinel-2 after",
             "Sentinel-1", "points and polygons"]
    bar = tqdm(total=len(steps), desc="Generating study area", disable=not progress)

    def step(name):
        bar.set_postfix_str(name)

    step("terrain")
    land = make_landscape(params, _rng(params, 1))
    slope_deg, aspect_deg = slope_aspect(land.dem, res)
    shade = hillshade(land.dem, res, *HILLSHADE_SUN, cast_shadows=True)
    out["dem"] = raster(land.dem[None], ("elevation",), units="m")
    out["slope"] = raster(slope_deg[None], ("slope",), units="degrees")
    out["aspect"] = raster(aspect_deg[None], ("aspect",), units="degrees clockwise from north")
    out["hillshade"] = raster(shade[None].astype(np.float32), ("hillshade",),
                              sun_azimuth_deg=HILLSHADE_SUN[0],
                              sun_elevation_deg=HILLSHADE_SUN[1])
    bar.update()

    step("land cover")
    landcover, field_ids = lc_mod.make_landcover(land, slope_deg, aspect_deg, params,
                                                 _rng(params, 2))
    bar.update()

    step("landslides")
    # Older landslide scars (the area has many historic ones) are bare ground before and after
    # the event: they look like landslides on a single image, but not in a change image.
    old = make_landslides(land, landcover, slope_deg, aspect_deg, params, _rng(params, 7),
                          count=params.landslide_count // 4, big_one_near_town=False)
    landcover[(old.ids > 0) & (landcover != lc_mod.LANDCOVER_CODES["water"])] = \
        lc_mod.LANDCOVER_CODES["bare_rock"]
    field_ids[landcover != lc_mod.LANDCOVER_CODES["agriculture"]] = 0
    meta["old_scar_pixel_fraction"] = round(float((old.ids > 0).mean()), 6)
    del old
    out["landcover"] = raster(landcover[None], ("landcover",),
                              classes=json.dumps(lc_mod.LANDCOVER_CLASSES))
    slides = make_landslides(land, landcover, slope_deg, aspect_deg, params, _rng(params, 3))
    out["landslide_mask"] = raster(slides.mask[None], ("landslide",), event_date="2019-07-30")
    out["landslide_parts"] = raster(slides.parts[None], ("part",),
                                    classes=json.dumps({0: "none", 1: "scar", 2: "deposit"}))
    out["landslide_id"] = raster(slides.ids[None], ("landslide_id",))
    bar.update()

    s2_rng = _rng(params, 4)
    sim = Sentinel2Simulator(land, landcover, field_ids, slides, slope_deg, aspect_deg, params,
                             s2_rng)
    # Other changes that strip vegetation between the dates (the false positives of dNDVI).
    changes = make_changes(land, landcover, field_ids, sim.cut2, slides, slope_deg,
                           aspect_deg, params, _rng(params, 8))
    sim.changes = changes
    out["other_changes"] = raster(changes.codes[None], ("change",),
                                  classes=json.dumps(CHANGE_CLASSES))
    meta["other_changes"] = {name: int((changes.codes == code).sum())
                             for code, name in CHANGE_CLASSES.items() if code}
    meta["s2"] = {}
    clearest: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    # Where the change layers (course_lib.pipeline.layers) will be finite: Sentinel-2 seen clear by
    # SCL at least once in each period (the composites' mask), Sentinel-1 outside layover and
    # radar shadow. Training points are placed only there (never train on NaN).
    usable = np.ones(landcover.shape, dtype=bool)
    for period in ("pre", "post"):
        step(f"Sentinel-2 {period}")
        series, _ = simulate_period(period, land, landcover, field_ids, slides, slope_deg,
                                    aspect_deg, params, s2_rng, simulator=sim)
        dates = np.array(series.dates, dtype="datetime64[D]")
        info = {"sun_azimuth_deg": list(series.sun_azimuth),
                "sun_elevation_deg": list(series.sun_elevation),
                "cloud_fraction_true": list(series.cloud_fraction)}
        meta["s2"][period] = {**info, "dates": list(series.dates)}
        # NDVI of the clearest date and where it is cloud-free: what a person looks at
        # when clicking training points on a landslide (see points.training_points).
        t_clear = int(np.argmin(series.cloud_fraction))
        red, nir = series.reflectance[t_clear, 2], series.reflectance[t_clear, 3]
        clearest[period] = ((nir - red) / np.maximum(nir + red, 1e-6),
                            ~series.truth[t_clear, :2].any(axis=0))
        # The composites' own mask (course_lib.composites), on the probability as stored.
        stored_prob = (np.clip(np.round(series.cloud_prob * 100), 0, 100).astype(np.uint8)
                       .astype(np.float32) / np.float32(100))
        usable &= clear_sky_mask(series.scl, stored_prob, pixel_size=res).any(axis=0)
        del stored_prob
        del red, nir   # views: they would keep the whole series in memory
        out[f"s2_{period}"] = raster(series.reflectance, S2_BANDS, dates,
                                     units="surface reflectance (0-1)", **info)
        out[f"s2_{period}_scl"] = raster(series.scl, ("SCL",), dates,
                                         classes=json.dumps(SCL_CLASSES), **info)
        out[f"s2_{period}_cloudprob"] = raster(series.cloud_prob, ("cloud_probability",), dates,
                                               units="probability 0-1", **info)
        out[f"s2_{period}_truth"] = raster(series.truth, TRUTH_BANDS, dates,
                                           description="true cloud (opacity > 0.1 or cirrus), "
                                           "cloud shadow and snow masks, 0/1", **info)
        del series   # with a sink the arrays are on disk already: free them
        bar.update()
    del sim

    step("Sentinel-1")
    s1_rng = _rng(params, 5)
    texture = static_texture(landcover.shape, s1_rng)
    meta["s1"] = {}
    for which in ("asc", "desc"):
        geo = geometry(slope_deg, aspect_deg, which, params)
        # The same test as course_lib.sar's slope correction, on the arrays as stored.
        lay, sha = layover_shadow_masks(geo.incidence, range_slope_angle(
            slope_deg, aspect_deg, geo.attrs["look_azimuth_deg"]))
        usable &= ~(lay | sha)
        del lay, sha
        out[f"local_incidence_{which}"] = raster(geo.local_incidence[None],
                                                 ("local_incidence",), units="degrees",
                                                 **geo.attrs)
        out[f"incidence_{which}"] = raster(geo.incidence[None], ("incidence",),
                                           units="degrees", **geo.attrs)
        for period in ("pre", "post"):
            name = f"s1_{which}_{period}"
            data, dates = simulate_s1(f"{which}_{period}", landcover, slides, geo, params,
                                      s1_rng, texture, changes=changes)
            attrs = {**geo.attrs, "units": "linear sigma0",
                     "speckle_looks": params.speckle_looks}
            out[name] = raster(data, S1_BANDS, np.array(dates, dtype="datetime64[D]"), **attrs)
            meta["s1"][name] = {**attrs, "dates": list(dates)}
    bar.update()

    step("points and polygons")
    box = max(16, int(round(150 * params.scale)))
    windows = choose_subplots(slides, landcover, aspect_deg, box)
    subplot_of = np.full(slides.ids.max() + 1 if slides.ids.size else 1, "", dtype=object)
    for name, (r0, c0, r1, c1) in windows.items():
        inside_ids = np.unique(slides.ids[r0:r1, c0:c1])
        for i in inside_ids[inside_ids > 0]:
            if subplot_of[i] == "":
                subplot_of[i] = name
    out["landslides"] = _landslide_polygons(slides, subplot_of, transform, res)
    out["subplots"] = gpd.GeoDataFrame(
        {"name": list(windows), "title": [SUBPLOT_TITLES[k] for k in windows],
         "row0": [w[0] for w in windows.values()], "col0": [w[1] for w in windows.values()],
         "row1": [w[2] for w in windows.values()], "col1": [w[3] for w in windows.values()]},
        geometry=[shapely.box(*_xy(transform, r1, c0), *_xy(transform, r0, c1))
                  for r0, c0, r1, c1 in windows.values()],
        crs=CRS_UTM32N.to_wkt())
    (ndvi_pre, clear_pre), (ndvi_post, clear_post) = clearest["pre"], clearest["post"]
    visible = clear_pre & clear_post & (ndvi_post - ndvi_pre < -0.2)
    pts = training_points(landcover, slides, land.dem, slope_deg, aspect_deg, shade,
                          _rng(params, 6), visible=visible, usable=usable)
    xy = [_xy(transform, p["row"] + 0.5, p["col"] + 0.5) for p in pts]
    out["training_points"] = gpd.GeoDataFrame(
        pts, geometry=[shapely.Point(x, y) for x, y in xy], crs=CRS_UTM32N.to_wkt())
    bar.update()
    bar.close()
    meta["landslide_count"] = len(slides.records)
    meta["landslide_pixel_fraction"] = round(float(slides.mask.mean()), 6)
    meta["subplots"] = {k: list(v) for k, v in windows.items()}
    out["_metadata"] = meta
    return dict(out)


def _landslide_polygons(slides, subplot_of, transform, res) -> gpd.GeoDataFrame:
    """Polygons of the landslide id raster, one (multi)polygon per landslide."""
    columns = ["id", "type", "area_m2", "scar_area_m2", "deposit_area_m2", "init_elevation_m",
               "init_slope_deg", "init_aspect_deg", "end_elevation_m", "runout_m",
               "deposit_tone", "reaches_agriculture", "reaches_road", "road_distance_m",
               "forest_fraction", "travel_angle_deg", "near_town",
               "magnitude", "subplot", "init_x", "init_y"]
    if not slides.records:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=CRS_UTM32N.to_wkt())
    geoms: dict[int, list] = {}
    for geom, value in rasterio.features.shapes(slides.ids.astype(np.int32),
                                                mask=slides.ids > 0, transform=transform):
        geoms.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    rows = []
    for rec in slides.records:
        x, y = _xy(transform, rec["init_row"] + 0.5, rec["init_col"] + 0.5)
        rows.append({
            "id": rec["id"], "type": rec["type"],
            "area_m2": (rec["n_scar_px"] + rec["n_deposit_px"]) * res * res,
            "scar_area_m2": rec["n_scar_px"] * res * res,
            "deposit_area_m2": rec["n_deposit_px"] * res * res,
            "init_elevation_m": round(rec["init_elevation_m"], 2),
            "init_slope_deg": round(rec["init_slope_deg"], 2),
            "init_aspect_deg": round(rec["init_aspect_deg"], 2),
            "end_elevation_m": round(rec["end_elevation_m"], 2),
            "runout_m": rec["runout_m"], "deposit_tone": rec["deposit_tone"],
            "reaches_agriculture": rec["reaches_agriculture"],
            "reaches_road": rec["reaches_road"], "road_distance_m": rec["road_distance_m"],
            "forest_fraction": round(rec["forest_fraction"], 3),
            "travel_angle_deg": rec["travel_angle_deg"], "near_town": rec["near_town"],
            "magnitude": rec["magnitude"], "subplot": subplot_of[rec["id"]],
            "init_x": x, "init_y": y,
        })
    geometry = [shapely.union_all(geoms.get(r["id"], [])) for r in rows]
    return gpd.GeoDataFrame(rows, geometry=geometry, crs=CRS_UTM32N.to_wkt())


# --------------------------------------------------------------------------- encoding
def _encoding(name: str) -> str:
    if name in ("s2_pre", "s2_post"):
        return "reflectance_x10000_uint16"
    if name.endswith("_cloudprob"):
        return "probability_x100_uint8"
    if name.startswith("s1_"):
        return "db_x100_int16"
    return "raw"


def _encode(name: str, data: np.ndarray) -> np.ndarray:
    enc = _encoding(name)
    if enc == "reflectance_x10000_uint16":
        return np.clip(np.round(data * 10000), 0, 65535).astype(np.uint16)
    if enc == "probability_x100_uint8":
        return np.clip(np.round(data * 100), 0, 100).astype(np.uint8)
    if enc == "db_x100_int16":
        db = 10 * np.log10(np.maximum(data, 1e-5))
        return np.clip(np.round(db * 100), -5000, 3000).astype(np.int16)
    return data


def _decode(encoding: str, data: np.ndarray) -> np.ndarray:
    if encoding == "reflectance_x10000_uint16":
        return data.astype(np.float32) / np.float32(10000)
    if encoding == "probability_x100_uint8":
        return data.astype(np.float32) / np.float32(100)
    if encoding == "db_x100_int16":
        return np.power(np.float32(10), data.astype(np.float32) / np.float32(1000))
    return data


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def _check_params(params: Any) -> StudyAreaParams:
    """``params`` (default: the shipped world's) as StudyAreaParams, or a clear error."""
    if params is None:
        return StudyAreaParams()
    if not isinstance(params, StudyAreaParams):
        raise TypeError(f"params must be a StudyAreaParams; got {type(params).__name__}. E.g. "
                        "StudyAreaParams(size=256), or load_study_area(size=256).")
    return params


def _check_product_values(name: str, data: np.ndarray) -> None:
    """Refuse values the product's encoding would silently clip: DN, dB, percent."""
    encoding = _encoding(name)
    if encoding == "reflectance_x10000_uint16":
        validation.check_reflectance(data, "raster")
    elif encoding == "db_x100_int16":
        with np.errstate(invalid="ignore"):
            if np.nanmin(data) < 0:
                raise ValueError(f"raster of {name} must be linear sigma0 (>= 0); got values down "
                                 f"to {np.nanmin(data):.3g}, which look like dB. Convert with "
                                 "10 ** (db / 10) (course_lib.sar.to_linear).")
    elif encoding == "probability_x100_uint8":
        validation.check_fraction(data, "raster", what="a cloud probability")


def write_raster_product(name: str, raster: Raster, folder: Path, *,
                         overwrite: bool = False) -> Path:
    """Write one raster product as ``folder/name.tif`` (time flattened into bands), atomically.

    The values are checked against the product's encoding first (reflectance 0-1, linear
    sigma0, cloud probability 0-1), since the encoding would clip digital numbers, dB or
    percent without a word. An existing file is replaced only with ``overwrite=True``.

    Raises:
        KeyError: ``name`` is not a raster product (see :data:`RASTER_PRODUCTS`).
        FileExistsError: ``folder/name.tif`` exists and ``overwrite`` is False.
    """
    if name not in RASTER_PRODUCTS:
        raise KeyError(f"name {name!r} is not a raster product; choose from "
                       f"{', '.join(RASTER_PRODUCTS)}.")
    if not isinstance(raster, Raster):
        raise TypeError(f"raster must be a Raster (data, transform, crs, band names); got "
                        f"{validation.describe(raster)}.")
    folder = validation.check_path(folder, "folder")
    _check_product_values(name, raster.data)
    data = raster.data
    shape = list(data.shape)
    if data.ndim == 4:
        t, b = data.shape[:2]
        dates = [str(d) for d in raster.dates] if raster.dates is not None else \
            [str(i) for i in range(t)]
        names = tuple(f"{d} {band}" for d in dates for band in raster.band_names)
        data = data.reshape(t * b, *data.shape[2:])
    else:
        dates, names = None, raster.band_names
    tag = {"name": name, "encoding": _encoding(name), "shape": shape,
           "band_names": list(raster.band_names), "dates": dates,
           "description": DESCRIPTIONS.get(name, ""),
           "attrs": {k: _jsonable(v) for k, v in raster.attrs.items()}}
    data = _encode(name, data)
    path = Path(folder) / f"{name}.tif"
    floating = np.issubdtype(data.dtype, np.floating)
    profile = dict(driver="GTiff", width=data.shape[2], height=data.shape[1],
                   count=data.shape[0], dtype=data.dtype, crs=raster.crs,
                   transform=raster.transform, nodata=np.nan if floating else None,
                   compress="zstd", zstd_level=1, predictor=3 if floating else 2,
                   interleave="band")
    # zstd level 1 (GDAL >= 2.3, in rasterio's wheels): a fifth of deflate's write time and a
    # third of its read time for about 10 % more disk.
    if min(data.shape[1:]) >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with atomic_write(path, overwrite=overwrite, suffix=".tif") as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data)
            for i, band in enumerate(names, start=1):
                dst.set_band_description(i, band)
            dst.update_tags(course_product=json.dumps(tag, sort_keys=True),
                            description=tag["description"],
                            **({"dates": ",".join(dates)} if dates else {}))
    return path


def read_raster_product(path: Path) -> Raster:
    """Read a product written by :func:`write_raster_product` back into a Raster."""
    path = validation.check_path(path, "path", must_exist=True,
                                 fix="Products live in load_study_area().folder.")
    try:
        with rasterio.open(path) as ds:
            data = ds.read()
            tag = json.loads(ds.tags()["course_product"])
            transform, crs = ds.transform, ds.crs
    except (rasterio.errors.RasterioIOError, KeyError, ValueError) as err:
        from course_lib.validation import CorruptFileError

        raise CorruptFileError(
            f"{path} is not a readable study-area product ({err}): the cache is damaged. "
            f"Delete the folder {Path(path).parent} (or run `./course reset --cache`) and call "
            "load_study_area() again to regenerate it.") from err
    data = _decode(tag["encoding"], data).reshape(tag["shape"])
    dates = np.array(tag["dates"], dtype="datetime64[D]") if tag["dates"] else None
    attrs = dict(tag["attrs"])
    if tag.get("description"):
        attrs.setdefault("description", tag["description"])
    return Raster(data=data, transform=transform, crs=crs, band_names=tuple(tag["band_names"]),
                  dates=dates, attrs=attrs)


def _write_vector(gdf: gpd.GeoDataFrame, path: Path) -> None:
    import pyogrio

    # The GeoPackage stores a "last change" time stamp; fix it so files are byte-identical.
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2019-07-30T00:00:00Z"})
    try:
        gdf.to_file(path, driver="GPKG", layer=path.stem, engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _write_product(name: str, product: Any, folder: Path) -> None:
    if name in RASTER_PRODUCTS:
        write_raster_product(name, product, folder)
    elif name in VECTOR_PRODUCTS:
        _write_vector(product, folder / f"{name}.gpkg")
    else:
        raise KeyError(f"Unknown product {name!r}.")


def _remove_stale_generation(folder: Path) -> None:
    """Clean up after a generation that was killed, before generating again.

    * ``.tmp-<name>-<pid>-*`` folders whose process no longer runs (or older than a day, or
      without a pid: written by an older version) are deleted;
    * a ``folder`` without ``metadata.json`` is an incomplete world (renamed into place can't
      be incomplete, so it was made by hand or by an older version): it is deleted, so the
      final rename does not fail with "Directory not empty", **but only when every entry in
      it is a product file** (or a writer's leftover); a folder holding anything else is the
      learner's and is refused, never deleted.

    Callers hold the generation lock (see :func:`load_study_area`), or own the folder.

    Raises:
        FileExistsError: ``folder`` holds files that are not study-area products.
    """
    from course_lib.data.atomic import pid_alive

    if folder.is_dir() and not (folder / "metadata.json").exists():
        products = {f"{n}.tif" for n in RASTER_PRODUCTS} | {f"{n}.gpkg" for n in VECTOR_PRODUCTS}
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in products
                         and not p.name.startswith("."))
        if foreign:
            raise FileExistsError(
                f"folder {folder} exists and holds files that are not study-area products "
                f"({foreign[:4]}{'...' if len(foreign) > 4 else ''}); nothing was deleted or "
                "written. Generate the world into a new folder (or the cache: "
                "load_study_area()).")

    for temp in folder.parent.glob(f".tmp-{folder.name}-*"):
        parts = temp.name[len(f".tmp-{folder.name}-"):].split("-", 1)
        pid = int(parts[0]) if parts[0].isdigit() and len(parts) == 2 else None
        try:
            old = time.time() - temp.stat().st_mtime > 86400
        except FileNotFoundError:
            continue
        if pid is None or old or (pid != os.getpid() and not pid_alive(pid)):
            shutil.rmtree(temp, ignore_errors=True)
    if folder.is_dir() and not (folder / "metadata.json").exists():
        shutil.rmtree(folder, ignore_errors=True)


def write_study_area(params: StudyAreaParams, folder: Path, *, progress: bool = True) -> Path:
    """Generate the world for ``params`` straight into ``folder``, atomically.

    Products are written into a temporary folder beside ``folder`` as they are made, and the
    temporary folder is renamed to ``folder`` at the end. Leftovers of a killed earlier run
    (its temporary folder, or an incomplete ``folder``) are removed first.
    """
    params = _check_params(params)
    folder = validation.check_path(folder, "folder")
    if (folder / "metadata.json").exists():
        try:
            existing = json.loads((folder / "metadata.json").read_text()).get("params")
        except (OSError, ValueError):
            existing = None
        if existing == params.to_dict():
            return folder                          # this world is already there
        raise FileExistsError(
            f"folder {folder} already holds another world (its metadata.json has other "
            "parameters); nothing was written. Use a new folder, or study_area_folder(params) "
            "(each world has its own).")
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_generation(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-{os.getpid()}-", dir=folder.parent))
    try:
        meta = generate_study_area(
            params, progress=progress,
            sink=lambda name, product: _write_product(name, product, tmp))["_metadata"]
        missing = [n for n in PRODUCT_NAMES if not any(tmp.glob(f"{n}.*"))]
        if missing:
            raise RuntimeError(f"Generation did not produce {missing}.")
        meta = dict(meta)
        meta["products"] = list(PRODUCT_NAMES)
        (tmp / "metadata.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
        # mkdtemp makes a private folder: open it for reading (shared instructor caches).
        tmp.chmod(0o755)
        for path in tmp.iterdir():
            path.chmod(0o644)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "metadata.json").exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)   # another process finished first
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


# --------------------------------------------------------------------------- loading
class StudyArea:
    """The products of one simulated world, read lazily and kept in memory once read.

    ``area["s2_post"]`` (or ``area.get("s2_post")``) returns a
    :class:`~course_lib.data.raster.Raster` for raster products and a GeoDataFrame for
    ``"landslides"``, ``"training_points"`` and ``"subplots"``. Raster arrays are shared
    between calls and read-only: copy before changing them (``r.data.copy()``). The most
    recently read rasters are kept in memory up to ``max_cached_mb`` (300 MB);
    :meth:`clear_cache` frees them.
    """

    def __init__(self, params: StudyAreaParams, folder: Path | None = None,
                 products: dict[str, Any] | None = None,
                 max_cached_mb: float = 300.0) -> None:
        self.params = params
        self.folder = Path(folder) if folder is not None else None
        self._memory = products
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self.max_cached_mb = max_cached_mb

    def _file(self, name: str, suffix: str) -> Path:
        path = self.folder / f"{name}.{suffix}"
        if not path.exists():
            raise FileNotFoundError(
                f"{path.name} is missing from the study-area cache {self.folder}. Delete that "
                "folder and call load_study_area() again to regenerate it.")
        return path

    def clear_cache(self) -> None:
        """Forget the rasters read so far (frees memory; they are read again when asked)."""
        self._cache.clear()

    @property
    def names(self) -> tuple[str, ...]:
        return PRODUCT_NAMES

    @property
    def metadata(self) -> dict:
        if self._memory is not None:
            return self._memory["_metadata"]
        return json.loads((self.folder / "metadata.json").read_text())

    def __repr__(self) -> str:
        where = str(self.folder) if self.folder else "in memory"
        return f"StudyArea({self.params}, {where})"

    def __getitem__(self, name: str):
        return self.get(name)

    def __contains__(self, name: str) -> bool:
        return name in PRODUCT_NAMES

    def get(self, name: str):
        """One product by name (see ``PRODUCT_NAMES``)."""
        if not isinstance(name, str) or name not in PRODUCT_NAMES:
            raise KeyError(f"No product {name!r}. Available: {', '.join(PRODUCT_NAMES)}.")
        if name in VECTOR_PRODUCTS:
            if self._memory is not None:
                return self._memory[name].copy()
            return gpd.read_file(self._file(name, "gpkg"), engine="pyogrio")
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        if self._memory is not None:
            raster = self._memory[name]
        else:
            raster = read_raster_product(self._file(name, "tif"))
        raster.data.flags.writeable = False
        self._cache[name] = raster
        # Keep the most recently used rasters within the memory budget (Binder has 2 GB).
        while len(self._cache) > 1 and sum(
                r.data.nbytes for r in self._cache.values()) > self.max_cached_mb * 1e6:
            self._cache.popitem(last=False)
        return raster


_AREAS: dict[str, StudyArea] = {}


@contextlib.contextmanager
def _generation_lock(folder: Path):
    """Hold an exclusive lock file while generating, so parallel kernels (e.g. the notebook
    tests) wait for one generation instead of each making the world. No-op without fcntl."""
    try:
        import fcntl
    except ImportError:        # Windows: rely on the atomic rename alone
        yield
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def study_area_folder(params: StudyAreaParams | None = None) -> Path:
    """Where the products of ``params`` live: ``cache_dir()/study_area/<hash>``."""
    params = _check_params(params)
    return stage_folder("study_area", params.short_hash())


def load_study_area(params: StudyAreaParams | None = None, *, progress: bool = True,
                    **changes: Any) -> StudyArea:
    """The simulated study area for ``params`` (default: the shipped world).

    Generates and caches it on the first call (a progress bar shows the steps; about 20 s
    for the default 1024 x 1024 world on one core), then reads from the cache. Keyword
    arguments change single parameters: ``load_study_area(cloud_cover=2.0)`` is
    ``load_study_area(StudyAreaParams(cloud_cover=2.0))``.

    Example:
        >>> area = load_study_area()                      # doctest: +SKIP
        >>> area["s2_post"].data.shape, area["s2_post"].band_names[2]  # doctest: +SKIP
        ((4, 6, 1024, 1024), 'B04')
    """
    params = _check_params(params)
    if changes:
        known = set(params.to_dict())
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"Unknown study-area parameters {unknown}; choose from "
                            f"{sorted(known)}.")
        params = dataclasses.replace(params, **changes)
    folder = study_area_folder(params)
    key = str(folder)
    if key in _AREAS and (folder / "metadata.json").exists():
        return _AREAS[key]
    if not (folder / "metadata.json").exists():
        with _generation_lock(folder):
            # Another process may have finished while we waited for the lock.
            if not (folder / "metadata.json").exists():
                write_study_area(params, folder, progress=progress)
    area = StudyArea(params, folder)
    _AREAS[key] = area
    return area


def generate_in_memory(params: StudyAreaParams) -> StudyArea:
    """A StudyArea generated in memory without touching the cache (for small worlds)."""
    params = _check_params(params) if params is not None else None
    if params is None:
        raise TypeError("params must be a StudyAreaParams of a small world, e.g. "
                        "StudyAreaParams(size=128); the default world needs the cache "
                        "(load_study_area()).")
    return StudyArea(params, products=generate_study_area(params, progress=False))


def timed_generation(params: StudyAreaParams | None = None) -> tuple[float, Path]:
    """Generate (or reuse) the world and return (seconds, folder); used by the CLI."""
    t0 = time.perf_counter()
    area = load_study_area(params)
    return time.perf_counter() - t0, area.folder
