"""Bad input, tried as a trainee would: every public function of the core modules gets a clear
error naming the argument, or a documented correct result.

Kinds of bad input: wrong type, ``None``, a list or a string where an array goes, empty,
all-NaN, integer class codes for a boolean mask, percent for a fraction, radians for degrees,
digital numbers for reflectance, another CRS, a missing or corrupt file, 0 dates.

The section "silent cases of the first pass" holds one case per bad input that used to give a
wrong result without a word (each failed before its fix). ``devtools/bad_input_sweep.py``
tries several hundred more bad calls and counts how each is answered.

Each :func:`bad` case asserts the exception type **and** a pattern that names the argument
(or the problem) in the message, and that the message is not one of numpy's obscure ones.
Each :func:`good` case asserts the documented result. :func:`test_every_public_function_has_a_bad_input_case`
discovers the public functions by introspection and fails when one has no case, so a new
function cannot slip in untested.
"""

from __future__ import annotations

import importlib
import inspect
import re
import warnings
from datetime import datetime

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS
from shapely.geometry import box

from course_lib import (clouds, composites, indices, metrics, paper, sampling, sar, terrain,
                        validation)
from course_lib.data import atomic, manifest, raster, samples, sentinel2
from course_lib.data.raster import Raster
from course_lib.pipeline import predictions as results, sentinel1
from course_lib.pipeline.composites import study_area_composites
from course_lib.simulator.params import StudyAreaParams
from course_lib.validation import CorruptFileError

#: The core modules: every public function (and every public class whose constructor checks
#: its input, i.e. defines ``__post_init__``) must have a case here. (Strict.)
STRICT_MODULES = [
    "course_lib.validation",
    "course_lib.clouds", "course_lib.composites", "course_lib.indices", "course_lib.terrain",
    "course_lib.sar", "course_lib.sar.units", "course_lib.sar.speckle", "course_lib.sar.change",
    "course_lib.sar.geometry",
    "course_lib.metrics", "course_lib.metrics.pixel", "course_lib.metrics.regions",
    "course_lib.metrics.objects", "course_lib.metrics.tables",
    "course_lib.sampling", "course_lib.postprocess", "course_lib.blockwise", "course_lib.shifts",
    "course_lib.data.raster", "course_lib.data.atomic", "course_lib.data.samples",
    "course_lib.data.manifest", "course_lib.data.sentinel2",
    "course_lib.pipeline.predictions", "course_lib.pipeline.layers",
    "course_lib.pipeline.composites", "course_lib.pipeline.sentinel1",
    "course_lib.simulator.params",
]

#: Modules that are not strict here, and why (new modules of other work are checked by
#: their own test files; the study-area generator is validated in tests/test_study_area.py).
COVERED_ELSEWHERE = {
    "course_lib.simulator": "world generator (its parameters are strict): "
                            "tests/test_study_area.py",
    "course_lib.data.landslide4sense": "tests/test_landslide4sense.py",
    "course_lib.data.stac": "tests/test_stac.py",
    "course_lib.data.online": "tests/test_stac.py, tests/test_landslide4sense.py",
    "course_lib.learner.setup_check": "tests/test_setup_check.py",
    "course_lib.obia": "its own tests", "course_lib.cart": "its own tests",
    "course_lib.unet": "its own tests", "course_lib.timeseries": "its own tests",
    "course_lib.splits": "tests/test_splits.py",
    "course_lib.transfer": "tests/test_comparison.py",
    "course_lib.metrics.spread": "tests/test_comparison.py",
}

#: Public functions of strict modules deliberately without a bad-input case, with the reason.
EXEMPT: dict[str, str] = {
    "course_lib.validation.describe": "describes any value, bad ones included, by design",
    "course_lib.validation.expected_message": "formats the messages of the other checks",
    "course_lib.data.raster.array_of": "returns any value unchanged unless it is a Raster",
    "course_lib.data.atomic.file_mode_mask": "takes no argument",
    "course_lib.data.atomic.pid_alive": "answers for any process id, by design",
}

#: Messages that say nothing to a trainee: a bad input must never produce them.
OBSCURE = ("not supported between", "has no attribute", "is out of bounds",
           "object is not subscriptable", "unhashable type", "truth value of an array",
           "could not convert string", "ufunc", "object of type 'NoneType'",
           "'NoneType' object", "Directory not empty")

# --------------------------------------------------------------------------- small data
RNG = np.random.default_rng(15)
T = Affine(10.0, 0.0, 345000.0, 0.0, -10.0, 6822000.0)
UTM = CRS.from_epsg(32632)
REFL = (RNG.random((8, 8)) * 0.4 + 0.02).astype(np.float32)
DN = (REFL * 10000).astype(np.uint16)
BIN = (RNG.random((8, 8)) > 0.7).astype(np.uint8)
PROB = RNG.random((8, 8))
DEM = np.add.outer(np.arange(8.0), np.arange(8.0)) * 10.0
SCL = RNG.choice([4, 5, 6, 8, 9], size=(3, 8, 8)).astype(np.uint8)
STACK = (RNG.random((3, 4, 8, 8)) * 0.4).astype(np.float32)   # (time, bands, rows, cols)
CLEAR = RNG.random((3, 8, 8)) > 0.3
S1 = (RNG.gamma(4.4, 0.1 / 4.4, size=(2, 8, 8))).astype(np.float32)
SLOPE = RNG.uniform(0, 40, (8, 8))
ASPECT = RNG.uniform(0, 360, (8, 8))
TRUTH_R = Raster(BIN[None], T, UTM, ("landslide",))
REGIONS = gpd.GeoDataFrame({"name": ["A"]}, geometry=[box(345000, 6821940, 345040, 6822000)],
                           crs="EPSG:32632")
COUNTS = metrics.ConfusionCounts(tp=3, fp=1, fn=2, tn=10)


def _saved(t, method="CART", setting=4, crs=UTM):
    return results.save_prediction(method, setting, BIN, T, crs, directory=t / "p",
                                   verbose=False)


def _raster3() -> Raster:
    return Raster(REFL[None], T, UTM, ("B04",))


def _truncated(t):
    path = raster.write_geotiff(_raster3(), t / "x.tif")
    path.write_bytes(path.read_bytes()[:200])
    return path


def _series() -> Raster:
    return Raster(STACK, T, UTM, ("B02", "B03", "B04", "B08"),
                  dates=np.arange("2019-07-01", "2019-07-04", dtype="datetime64[D]"))


# --------------------------------------------------------------------------- cases
BAD: list = []
GOOD: list = []


def bad(func, call, exc, match, name=""):
    """A bad-input case: ``call(tmp_path, monkeypatch)`` must raise ``exc`` matching ``match``."""
    BAD.append(pytest.param(func, call, exc, match,
                            id=f"{func.__module__.split('.')[-1]}.{func.__name__}-{name or match}"))


def good(func, call, check, name):
    """A documented-result case: ``check(call(tmp_path, monkeypatch))`` must be true."""
    GOOD.append(pytest.param(func, call, check,
                             id=f"{func.__module__.split('.')[-1]}.{func.__name__}-{name}"))


# ---- terrain
bad(terrain.gradient, lambda t, m: terrain.gradient(None, 10), TypeError, "dem")
bad(terrain.gradient, lambda t, m: terrain.gradient(DEM, "10"), TypeError, "resolution")
bad(terrain.slope, lambda t, m: terrain.slope(DEM, 0.0001), ValueError, "resolution.*degrees",
    "resolution in degrees")
bad(terrain.aspect, lambda t, m: terrain.aspect(np.zeros((2, 2)), 10), ValueError, "3 x 3")
bad(terrain.slope_aspect, lambda t, m: terrain.slope_aspect(np.full((5, 5), np.nan), 10),
    ValueError, "NaN", "all-NaN")
bad(terrain.illumination, lambda t, m: terrain.illumination(DEM, 10, "south", 30), TypeError,
    "sun_azimuth")
bad(terrain.hillshade, lambda t, m: terrain.hillshade(DEM, 10, 315, -5), ValueError,
    "sun_elevation")
bad(terrain.cast_shadow, lambda t, m: terrain.cast_shadow(DEM, 10, None, 30), TypeError,
    "sun_azimuth")
bad(terrain.solar_position, lambda t, m: terrain.solar_position("2019-07-30", 61, 6), TypeError,
    "when")
bad(terrain.solar_position, lambda t, m: terrain.solar_position(datetime(2019, 7, 30), 95, 6),
    ValueError, "latitude")
bad(terrain.d8_next_pixel, lambda t, m: terrain.d8_next_pixel("dem"), TypeError, "dem")
bad(terrain.d8_next_pixel, lambda t, m: terrain.d8_next_pixel(np.zeros(5)), ValueError, "dem")
bad(terrain.trace_flow_path, lambda t, m: terrain.trace_flow_path(DEM, (1, 1)), TypeError,
    "next_pixel", "DEM instead of receivers")
bad(terrain.trace_flow_path,
    lambda t, m: terrain.trace_flow_path(terrain.d8_next_pixel(DEM), (9, 9)), ValueError,
    "start", "start outside")
bad(terrain.trace_flow_path, lambda t, m: terrain.trace_flow_path(terrain.d8_next_pixel(DEM), 3),
    TypeError, "start", "start not a pair")

# ---- metrics
bad(validation.as_2d, lambda t, m: validation.as_2d(None), TypeError, "array")
bad(validation.as_2d, lambda t, m: validation.as_2d(np.zeros((2, 3, 3)), "truth"), ValueError,
    "truth must be 2-D")
bad(validation.binary_and_valid, lambda t, m: validation.binary_and_valid(PROB, "prediction"),
    ValueError, "prediction must be binary", "probability")
bad(validation.binary_and_valid, lambda t, m: validation.binary_and_valid([["a", "b"]], "truth"),
    TypeError, "truth", "strings")
bad(metrics.format_score, lambda t, m: metrics.format_score("0.5"), TypeError, "value")
good(metrics.format_score, lambda t, m: metrics.format_score(np.float32("nan")),
     lambda out: out == "-", "float32 NaN prints -")
bad(metrics.precision, lambda t, m: metrics.precision(None), TypeError, "counts")
bad(metrics.recall, lambda t, m: metrics.recall((3, 1, 2, 10)), TypeError, "counts")
bad(metrics.f1_score, lambda t, m: metrics.f1_score({"tp": 1}), TypeError, "counts")
bad(metrics.accuracy, lambda t, m: metrics.accuracy("counts"), TypeError, "counts")
bad(metrics.mcc, lambda t, m: metrics.mcc([3, 1, 2, 10]), TypeError, "counts")
bad(metrics.confusion_counts, lambda t, m: metrics.confusion_counts(BIN, BIN[:4]), ValueError,
    "truth.*prediction", "shapes")
bad(metrics.confusion_counts, lambda t, m: metrics.confusion_counts(None, BIN), TypeError,
    "truth")
bad(metrics.confusion_counts, lambda t, m: metrics.confusion_counts(BIN, BIN * 255),
    ValueError, "prediction must be binary", "0/255 mask")
bad(metrics.evaluate, lambda t, m: metrics.evaluate(BIN, PROB), ValueError,
    "prediction must be binary")
bad(metrics.confusion_map, lambda t, m: metrics.confusion_map(BIN, BIN, valid=SCL[0]),
    TypeError, "valid", "class codes for valid")
bad(metrics.threshold_counts, lambda t, m: metrics.threshold_counts(PROB, BIN, 50), ValueError,
    "threshold.*0.5", "percent threshold")
bad(metrics.threshold_counts, lambda t, m: metrics.threshold_counts(PROB, BIN, np.nan),
    ValueError, "threshold", "NaN threshold")
bad(metrics.threshold_sweep, lambda t, m: metrics.threshold_sweep(PROB, BIN, 0.5), TypeError,
    "thresholds")
bad(metrics.threshold_sweep, lambda t, m: metrics.threshold_sweep(PROB, BIN, ["0.5"]),
    TypeError, "threshold", "string threshold")
bad(metrics.region_masks, lambda t, m: metrics.region_masks("A", T, (8, 8)), TypeError,
    "regions")
bad(metrics.region_masks, lambda t, m: metrics.region_masks(REGIONS, None, (8, 8)), TypeError,
    "transform")
bad(metrics.metrics_by_region,
    lambda t, m: metrics.metrics_by_region(TRUTH_R, BIN, REGIONS.to_crs(4326)), ValueError,
    "to_crs", "regions on another CRS")
bad(metrics.object_metrics,
    lambda t, m: metrics.object_metrics(TRUTH_R, REGIONS, min_overlap_fraction=10), ValueError,
    "min_overlap_fraction", "percent")
bad(metrics.object_metrics, lambda t, m: metrics.object_metrics(TRUTH_R, [box(0, 0, 1, 1)]),
    TypeError, "landslides", "list of polygons")
bad(metrics.scores_frame, lambda t, m: metrics.scores_frame([COUNTS.scores()]), TypeError,
    "scores")

# ---- results
bad(results.method_name, lambda t, m: results.method_name(None), ValueError, "method")
bad(results.setting_name, lambda t, m: results.setting_name(5), ValueError, "1-4")
bad(results.setting_name, lambda t, m: results.setting_name(None), ValueError, "setting")
bad(results.predictions_dir, lambda t, m: results.predictions_dir(3), TypeError, "directory")
bad(results.prediction_path, lambda t, m: results.prediction_path("CART", 9), ValueError, "1-4")
bad(results.save_prediction,
    lambda t, m: results.save_prediction("CART", 4, PROB, T, UTM, directory=t), ValueError,
    "prediction must be binary", "probability map")
bad(results.save_prediction, lambda t, m: results.save_prediction("CART", 4, BIN), ValueError,
    "transform", "no grid")
bad(results.save_prediction,
    lambda t, m: (_saved(t), results.save_prediction("CART", 4, BIN, T, UTM, directory=t / "p",
                                                     overwrite=False)),
    FileExistsError, "overwrite=True", "overwrite=False keeps")
bad(results.save_prediction,
    lambda t, m: results.save_prediction("CART", 4, BIN, T, UTM, score=PROB[:4], directory=t),
    ValueError, "score", "score on another grid")
bad(results.list_predictions, lambda t, m: results.list_predictions(123), TypeError,
    "directory")
good(results.list_predictions,
     lambda t, m: (_saved(t), (t / "p" / ".cart__x.tif").write_bytes(b""),
                   results.list_predictions(t / "p"))[-1],
     lambda table: list(table["method"]) == ["CART"], "dot-file ignored")
bad(results.load_prediction, lambda t, m: results.load_prediction("CART", 4, t),
    FileNotFoundError, "CART")
bad(results.results_table, lambda t, m: results.results_table(BIN), ValueError, "transform")
good(results.results_table,
     lambda t, m: (_saved(t, crs=CRS.from_epsg(32633)),
                   _warned(lambda: results.results_table(TRUTH_R, directory=t / "p")))[-1],
     lambda out: out[0].empty and "Skipping" in out[1], "map on another CRS skipped")
bad(results.compare_with_paper, lambda t, m: results.compare_with_paper("table"), TypeError,
    "results")
bad(results.compare_with_paper,
    lambda t, m: (_saved(t), results.compare_with_paper(
        results.results_table(TRUTH_R, directory=t / "p"), region="Z"))[-1],
    ValueError, "region")
bad(metrics.format_percent, lambda t, m: metrics.format_percent(paper.PAPER_TABLE4 * 100),
    ValueError, "percent already", "table in percent")
bad(metrics.format_percent,
    lambda t, m: metrics.format_percent(metrics.format_percent(paper.PAPER_TABLE4)),
    ValueError, "of table .*(percent already|not numeric)", "formatted twice")

# ---- indices
bad(validation.check_reflectance, lambda t, m: validation.check_reflectance(None, "B04"), TypeError,
    "B04")
bad(validation.check_reflectance, lambda t, m: validation.check_reflectance(DN, "B04"), TypeError,
    "B04 is an integer", "DN")
bad(indices.normalized_difference,
    lambda t, m: indices.normalized_difference(REFL, REFL * 10000, "nir", "red"), ValueError,
    "red has .* digital numbers", "DN for reflectance")
bad(indices.ndvi, lambda t, m: indices.ndvi("red", REFL), TypeError, "red")
bad(indices.dndvi, lambda t, m: indices.dndvi(REFL * 10000, REFL), ValueError, "ndvi_pre")
bad(indices.brightness, lambda t, m: indices.brightness(REFL, REFL, REFL, None), TypeError,
    "nir")
bad(indices.gndvi, lambda t, m: indices.gndvi(REFL, REFL[:3]), ValueError, "shapes")
bad(indices.ndwi, lambda t, m: indices.ndwi([["a"]], REFL), TypeError, "green")
bad(indices.nbr, lambda t, m: indices.nbr(DN, REFL), TypeError, "nir")
bad(indices.ndsi, lambda t, m: indices.ndsi(REFL * 10000, REFL), ValueError,
    "green has .* digital numbers")
bad(indices.ndmi, lambda t, m: indices.ndmi(REFL, None), TypeError, "swir1")
bad(indices.savi, lambda t, m: indices.savi(REFL, REFL, soil_factor="0.5"), TypeError,
    "soil_factor")
bad(indices.compute_index, lambda t, m: indices.compute_index("NDVI", [REFL, REFL]), TypeError,
    "bands")
bad(indices.compute_index, lambda t, m: indices.compute_index("XYZ", {}), KeyError,
    "Unknown index")
bad(indices.spyndex_catalogue, lambda t, m: indices.spyndex_catalogue("B04"), TypeError,
    "available")
bad(indices.compute_spyndex_index,
    lambda t, m: indices.compute_spyndex_index("NDVI", {"B04": REFL}), KeyError, "B08")
good(indices.ndvi, lambda t, m: indices.ndvi(np.full(3, np.nan), np.full(3, np.nan)),
     lambda out: np.isnan(out).all(), "all-NaN gives NaN")

# ---- data.raster, data.samples, data.manifest
bad(raster.read_geotiff, lambda t, m: raster.read_geotiff(t / "missing.tif"),
    FileNotFoundError, "missing.tif")
bad(raster.read_geotiff, lambda t, m: raster.read_geotiff(_truncated(t)), CorruptFileError,
    "overwrite=True.*reset --cache", "truncated file")
bad(raster.read_geotiff, lambda t, m: raster.read_geotiff(None), TypeError, "path")
bad(raster.write_geotiff, lambda t, m: raster.write_geotiff(REFL[None], t / "a.tif"),
    TypeError, "raster", "array instead of Raster")
bad(raster.write_geotiff, lambda t, m: raster.write_geotiff(_series(), t / "a.tif"), ValueError,
    "raster", "time series")
bad(raster.write_geotiff,
    lambda t, m: (raster.write_geotiff(_raster3(), t / "a.tif"),
                  raster.write_geotiff(_raster3(), t / "a.tif")),
    FileExistsError, "overwrite=True", "existing file kept")
bad(atomic.remove_stale_temps, lambda t, m: atomic.remove_stale_temps(None), TypeError,
    "folder|str|path", "None folder")


def _write_twice(tmp):
    with atomic.atomic_write(tmp / "a.txt") as part:
        part.write_text("first")
    with atomic.atomic_write(tmp / "a.txt") as part:
        part.write_text("second")


bad(atomic.atomic_write, lambda t, m: _write_twice(t), FileExistsError, "overwrite=True",
    "an existing file, without overwrite")
bad(atomic.atomic_write, lambda t, m: atomic.atomic_write(None).__enter__(), TypeError,
    "path", "None path")
bad(metrics.polygon_pixels, lambda t, m: metrics.polygon_pixels("a polygon", T, (4, 4)),
    TypeError, "geometry|polygon", "a string for a geometry")
bad(samples.load_sentinel2_l1c, lambda t, m: samples.load_sentinel2_l1c(bands="B04"), TypeError,
    "bands")
bad(samples.load_sentinel2_l1c, lambda t, m: samples.load_sentinel2_l1c(resolution=30),
    ValueError, "resolution")
bad(samples.load_landsat_series,
    lambda t, m: (m.setenv("COURSE_DATA_DIR", str(t)), samples.load_landsat_series()),
    FileNotFoundError, "COURSE_DATA_DIR", "missing sample data")
bad(manifest.sha256_of, lambda t, m: manifest.sha256_of(t / "missing"), FileNotFoundError,
    "path")
bad(manifest.data_files, lambda t, m: manifest.data_files(t / "missing"), FileNotFoundError,
    "root")
bad(manifest.write_manifest, lambda t, m: manifest.write_manifest(""), TypeError, "root")
bad(manifest.read_manifest, lambda t, m: manifest.read_manifest(t), FileNotFoundError,
    "manifest")
bad(manifest.verify_manifest, lambda t, m: manifest.verify_manifest(None), TypeError, "root")

# ---- clouds
bad(clouds.scl_masks, lambda t, m: clouds.scl_masks(np.array([[0, 4, 255]])), ValueError,
    "scl .*fmask_masks", "CFmask fill")
bad(clouds.scl_masks, lambda t, m: clouds.scl_masks(SCL * 10), ValueError, "scl .*x 10",
    "SCL x 10")
bad(clouds.scl_masks, lambda t, m: clouds.scl_masks(None), TypeError, "scl")
bad(clouds.fmask_masks, lambda t, m: clouds.fmask_masks(SCL), ValueError, "not CFmask codes",
    "SCL for CFmask")
bad(clouds.fmask_masks, lambda t, m: clouds.fmask_masks("fmask"), TypeError, "fmask")
bad(sentinel2.dn_to_reflectance, lambda t, m: sentinel2.dn_to_reflectance(np.array([-9999, 1500]), "02.04"),
    ValueError, "dn .*-9999", "Landsat fill")
bad(sentinel2.dn_to_reflectance, lambda t, m: sentinel2.dn_to_reflectance(DN, 204), ValueError,
    "processing_baseline", "baseline 204")
good(sentinel2.dn_to_reflectance, lambda t, m: sentinel2.dn_to_reflectance(np.array([1500]), "0204"),
     lambda out: abs(out[0] - 0.15) < 1e-6, "0204 is 02.04")
bad(clouds.s2cloudless_input, lambda t, m: clouds.s2cloudless_input(None), TypeError, "bands")
bad(clouds.s2cloudless_input, lambda t, m: clouds.s2cloudless_input(STACK[0], "B01"),
    TypeError, "band_names")
bad(clouds.s2cloudless_probability,
    lambda t, m: clouds.s2cloudless_probability(np.zeros((1, 4, 4, 3))), ValueError,
    r"\(N, rows, cols, 10\)")
bad(clouds.s2cloudless_mask, lambda t, m: clouds.s2cloudless_mask(PROB * 100), ValueError,
    "probability.*Percent", "percent probability")
bad(clouds.s2cloudless_mask, lambda t, m: clouds.s2cloudless_mask(PROB, average_over=-1),
    ValueError, "average_over")
bad(clouds.s2cloudless_mask, lambda t, m: clouds.s2cloudless_mask(PROB, threshold=40),
    ValueError, "threshold")
good(clouds.s2cloudless_mask,
     lambda t, m: clouds.s2cloudless_mask(np.full((8, 8), np.nan), average_over=0,
                                          dilation_size=0),
     lambda out: out.all(), "NaN probability is masked, not clear")
bad(clouds.project_clouds, lambda t, m: clouds.project_clouds(SCL[0], 150, 500, 10), ValueError,
    "cloud .*class codes", "codes for cloud mask")
bad(clouds.project_clouds, lambda t, m: clouds.project_clouds(BIN, None, 500, 10), TypeError,
    "solar_azimuth")
bad(clouds.cloud_shadow_mask,
    lambda t, m: clouds.cloud_shadow_mask(BIN, REFL, 150, 10, water=SCL[0]), ValueError,
    "water .*scl == 6", "SCL codes for water")
bad(clouds.cloud_shadow_mask, lambda t, m: clouds.cloud_shadow_mask(BIN, DN, 150, 10),
    TypeError, "nir", "DN for NIR")

bad(clouds.s2cloudless_settings, lambda t, m: clouds.s2cloudless_settings("10"), TypeError,
    "pixel_size")
bad(clouds.s2cloudless_settings, lambda t, m: clouds.s2cloudless_settings(10, threshold=40),
    ValueError, "threshold", "percent threshold")
bad(clouds.shadow_projection_distance, lambda t, m: clouds.shadow_projection_distance(None),
    TypeError, "sun_elevation")
bad(clouds.shadow_projection_distance, lambda t, m: clouds.shadow_projection_distance(-10),
    ValueError, "sun_elevation", "sun below the horizon")

# ---- composites
bad(composites.clear_count, lambda t, m: composites.clear_count(SCL), ValueError,
    "clear .*class codes", "SCL for clear")
bad(composites.clear_count, lambda t, m: composites.clear_count(None), TypeError, "clear")
bad(composites.mask_stack, lambda t, m: composites.mask_stack(STACK, SCL), TypeError, "clear")
bad(composites.nanmedian_over_time,
    lambda t, m: composites.nanmedian_over_time(np.empty((0, 8, 8))), ValueError, "0 time steps",
    "0 dates")
bad(composites.median_composite, lambda t, m: composites.median_composite(STACK[:0]),
    ValueError, "stack has 0 dates", "0 dates")
bad(composites.median_composite, lambda t, m: composites.median_composite(STACK[:, :, :0]),
    ValueError, "stack .*no pixel", "0 pixels")
bad(composites.median_composite, lambda t, m: composites.median_composite(STACK * 10000),
    ValueError, "digital numbers")
bad(composites.argmax_over_time, lambda t, m: composites.argmax_over_time(None), TypeError,
    "score")
bad(composites.greenest_pixel_composite,
    lambda t, m: composites.greenest_pixel_composite(STACK, red_band="B04", nir_band="B08"),
    TypeError, "red_band.*band_names.index", "band name with an array")
good(composites.greenest_pixel_composite,
     lambda t, m: composites.greenest_pixel_composite(_series(), red_band="B04", nir_band="B08"),
     lambda out: np.array_equal(out, composites.greenest_pixel_composite(STACK, red_band=2,
                                                                         nir_band=3),
                                equal_nan=True), "band names with a Raster")
bad(composites.composite_raster, lambda t, m: composites.composite_raster(STACK, SCL),
    TypeError, "raster .*median_composite", "array instead of Raster")
bad(study_area_composites,
    lambda t, m: study_area_composites(area={"s2_pre": 1}), TypeError, "area")
bad(clouds.clear_sky_mask,
    lambda t, m: clouds.clear_sky_mask(SCL, cloudprob=SCL * 10.0), ValueError,
    "probability.*Percent", "percent cloud probability")
bad(clouds.clear_sky_mask,
    lambda t, m: clouds.clear_sky_mask(SCL, cloudprob="prob"), TypeError, "cloudprob")
bad(study_area_composites,
    lambda t, m: study_area_composites(area={}, kinds="median"), TypeError, "kinds")

# ---- sar
bad(sar.to_db, lambda t, m: sar.to_db(-S1), ValueError, "decibels", "dB for linear")
bad(sar.to_db, lambda t, m: sar.to_db(None), TypeError, "linear")
bad(sar.to_linear, lambda t, m: sar.to_linear(RNG.uniform(0, 0.5, 500)), ValueError,
    "db .*already linear", "linear for dB")
bad(sar.equivalent_number_of_looks, lambda t, m: sar.equivalent_number_of_looks([np.nan] * 5),
    ValueError, "two valid", "all-NaN")
bad(sar.lee_filter, lambda t, m: sar.lee_filter(S1, window="7"), TypeError, "window")
bad(sar.lee_filter, lambda t, m: sar.lee_filter(None), TypeError, "image")
bad(sar.refined_lee_filter, lambda t, m: sar.refined_lee_filter(S1, looks=None), TypeError,
    "looks")
bad(sar.median_backscatter, lambda t, m: sar.median_backscatter(np.empty((0, 2, 8, 8))),
    ValueError, "stack has 0 dates", "0 dates")
bad(sar.median_backscatter, lambda t, m: sar.median_backscatter(np.full((3, 8, 8), np.nan)),
    ValueError, "NaN", "all-NaN")
bad(sar.log_ratio_db, lambda t, m: sar.log_ratio_db(S1, None), TypeError, "post")
bad(sar.combine_geometries, lambda t, m: sar.combine_geometries(S1, S1, how="median"),
    ValueError, "how")
bad(sar.look_direction_edges, lambda t, m: sar.look_direction_edges(SCL[0], 80), ValueError,
    "mask .*class codes", "codes for mask")
bad(sar.look_azimuth_from_heading, lambda t, m: sar.look_azimuth_from_heading("north"),
    TypeError, "heading_deg")
bad(sar.range_slope_angle, lambda t, m: sar.range_slope_angle(np.radians(SLOPE), ASPECT, 80),
    ValueError, "slope_deg .*radians", "slope in radians")
bad(sar.range_slope_angle, lambda t, m: sar.range_slope_angle(SLOPE, np.radians(ASPECT), 80),
    ValueError, "aspect_deg .*radians", "aspect in radians")
bad(sar.volume_scf, lambda t, m: sar.volume_scf(0.6, 0.0), ValueError, "incidence_deg .*radians",
    "incidence in radians")
bad(sar.layover_shadow_masks, lambda t, m: sar.layover_shadow_masks(None, 0.0), TypeError,
    "incidence_deg")
bad(sar.radiometric_slope_correction,
    lambda t, m: sar.radiometric_slope_correction(S1, np.radians(SLOPE), ASPECT, 38.0, 80.0),
    ValueError, "slope_deg .*radians", "slope in radians")
bad(sar.radiometric_slope_correction,
    lambda t, m: sar.radiometric_slope_correction(S1, SLOPE * 3, ASPECT, 38.0, 80.0),
    ValueError, "slope_deg .*Percent", "slope in percent")
bad(sentinel1.study_area_s1_composite, lambda t, m: sentinel1.study_area_s1_composite("area", "asc", "pre"),
    TypeError, "area")
bad(sentinel1.study_area_s1_composite, lambda t, m: sentinel1.study_area_s1_composite({}, "ascending", "pre"),
    ValueError, "geometry")

import geopandas as gpd  # noqa: E402
from shapely.geometry import Point  # noqa: E402

# ---- layers
from course_lib.pipeline import layers  # noqa: E402


def _layer_raster():
    from affine import Affine
    from rasterio.crs import CRS

    return Raster(data=np.ones((2, 4, 4), np.float32), transform=Affine(10, 0, 0, 0, -10, 40),
                  crs=CRS.from_epsg(32632), band_names=("a", "b"))


bad(layers.change_layers, lambda t, m: layers.change_layers(area={}, geometry="ascending"),
    ValueError, "geometry")
bad(layers.change_layers, lambda t, m: layers.change_layers(area={}, lee_window=2), ValueError,
    "lee_window")
bad(layers.setting_layers, lambda t, m: layers.setting_layers(7, area={}), ValueError,
    "1, 2, 3 or 4")
bad(layers.setting_bands, lambda t, m: layers.setting_bands(None), TypeError, "setting")
bad(layers.setting_bands, lambda t, m: layers.setting_bands(2, geometry="north"), ValueError,
    "geometry")
bad(sampling.valid_mask, lambda t, m: sampling.valid_mask(np.array([[["a", "b"]]])), TypeError, "numbers")
bad(layers.evaluation_mask, lambda t, m: layers.evaluation_mask(area="area"), TypeError, "area")
bad(sampling.sample_at_points, lambda t, m: sampling.sample_at_points(_layer_raster(), None),
    TypeError, "GeoDataFrame")
bad(sampling.sample_at_points, lambda t, m: sampling.sample_at_points(
    _layer_raster(), gpd.GeoDataFrame(geometry=[Point(500, 500)], crs="EPSG:32632")),
    ValueError, "outside the raster")
bad(sampling.sample_at_points, lambda t, m: sampling.sample_at_points(
    _layer_raster(), gpd.GeoDataFrame(geometry=[Point(5, 5)], crs="EPSG:4326")),
    ValueError, "to_crs", "other CRS")

# ---- classes whose constructor checks its input
bad(Raster, lambda t, m: Raster(REFL.tolist(), T, UTM, ("B04",)), TypeError,
    "Raster data must be a numpy array", "list for data")
bad(Raster, lambda t, m: Raster(REFL[None], T, UTM, "B04"), TypeError, "band_names",
    "one name as a string")
bad(metrics.ConfusionCounts, lambda t, m: metrics.ConfusionCounts(tp=-1, fp=0, fn=0, tn=0),
    ValueError, "tp must be >= 0", "negative count")

# ---- postprocess, blockwise, shifts
from course_lib import blockwise, postprocess, shifts  # noqa: E402

bad(postprocess.focal_mode, lambda t, m: postprocess.focal_mode(PROB), ValueError,
    "binary must be binary", "probability map")
bad(postprocess.focal_mode, lambda t, m: postprocess.focal_mode(BIN, window=4), ValueError,
    "window must be an odd number", "even window")
bad(blockwise.predict_in_chunks,
    lambda t, m: blockwise.predict_in_chunks(np.zeros(64), TRUTH_R), TypeError,
    "predict must be a function", "a prediction instead of the function")
bad(blockwise.predict_in_chunks,
    lambda t, m: blockwise.predict_in_chunks(lambda X: X, Raster(STACK[0], T, UTM,
                                                                  ("a", "b", "c", "d"))),
    ValueError, "predict returned 256 values for 64 pixels", "predict returns the table")
bad(shifts.shift, lambda t, m: shifts.shift(BIN, 1.5, 0), ValueError, "whole pixels",
    "half a pixel")
bad(shifts.azimuth_step, lambda t, m: shifts.azimuth_step("90"), TypeError,
    "azimuth_deg must be a number", "azimuth as text")
bad(shifts.azimuth_offset, lambda t, m: shifts.azimuth_offset(90, None), TypeError,
    "k must be a number", "k None")

# ---- validation (the helpers themselves)
from course_lib import validation  # noqa: E402

bad(validation.as_array, lambda t, m: validation.as_array({"a": 1}, "x"), TypeError, "x")
bad(validation.check_number, lambda t, m: validation.check_number(True, "x"), TypeError, "x")
bad(validation.check_integer, lambda t, m: validation.check_integer(2.5, "x"), ValueError, "x")
bad(validation.check_choice, lambda t, m: validation.check_choice([1], "how", ("a",)),
    ValueError, "how")
bad(validation.check_mask, lambda t, m: validation.check_mask(np.array([np.nan, 1.0]), "m"),
    ValueError, "m .*NaN")
bad(validation.check_fraction, lambda t, m: validation.check_fraction(np.array([-0.5]), "p"),
    ValueError, "p ")
bad(validation.check_angle_degrees,
    lambda t, m: validation.check_angle_degrees(np.array([400.0]), "aspect", kind="aspect"),
    ValueError, "aspect")
bad(validation.check_same_shape,
    lambda t, m: validation.check_same_shape(a=np.zeros(2), b=np.zeros(3)), ValueError, "a .*b")
bad(raster.check_raster, lambda t, m: raster.check_raster(_series(), "r", ndim=3),
    ValueError, "r must be a 3-D")
bad(validation.check_path, lambda t, m: validation.check_path(t / "no", "path", must_exist=True),
    FileNotFoundError, "path")


# ---- silent cases of the first pass: each of these used to return a wrong result quietly
BIG = (np.random.default_rng(7).random((128, 128)) * 0.3 + 0.02).astype(np.float32)  # reflectance
bad(raster.write_geotiff,
    lambda t, m: raster.write_geotiff(Raster(REFL[None], T, None, ("B04",)), t / "a.tif"),
    ValueError, r"raster\.crs is None.*replace\(raster, crs=", "no CRS")
bad(results.save_prediction,
    lambda t, m: results.save_prediction("CART", 4, BIN, T, "EPSG:4326", directory=t,
                                         verbose=False),
    ValueError, "crs is EPSG:4326.*metres of a projected CRS", "UTM grid saved as EPSG:4326")
bad(results.save_prediction,
    lambda t, m: results.save_prediction("CART", 4, TRUTH_R, crs=CRS.from_epsg(32633),
                                         directory=t, verbose=False),
    ValueError, "crs EPSG:32633 differs from the CRS of the prediction Raster",
    "Raster with another crs=")
bad(results.save_prediction,
    lambda t, m: results.save_prediction("CART", 4, BIN, T, "UTM", directory=t, verbose=False),
    ValueError, "crs must be a coordinate reference system", "crs not a CRS")
good(metrics.evaluate,
     lambda t, m: _warned(lambda: metrics.evaluate(BIN, np.full((8, 8), np.nan))),
     lambda out: np.isnan(out[0].mcc) and "prediction is NaN (nodata) everywhere" in out[1],
     "all-NaN prediction warns")
good(metrics.threshold_counts,
     lambda t, m: _warned(lambda: metrics.threshold_counts(np.full((8, 8), np.nan), BIN, 0.5)),
     lambda out: out[0].total == 0 and "score is NaN (nodata) everywhere" in out[1],
     "all-NaN score warns")
good(metrics.confusion_counts,
     lambda t, m: _warned(lambda: metrics.confusion_counts(BIN, BIN, valid=np.zeros((8, 8), bool))),
     lambda out: out[0].total == 0 and "valid is False everywhere" in out[1],
     "valid False everywhere warns")
good(indices.dndvi, lambda t, m: _warned(lambda: indices.dndvi(BIG, BIG * 0.8)),
     lambda out: "reflectance bands" in out[1] and "check_units=False" in out[1],
     "reflectance for NDVI warns (an arid scene's NDVI looks the same)")
good(indices.dndvi, lambda t, m: indices.dndvi(BIG, BIG * 0.8, check_units=False),
     lambda out: out.shape == BIG.shape, "check_units=False lets it through")
bad(indices.normalized_difference,
    lambda t, m: indices.normalized_difference(REFL[:, :1], REFL[:1, :]), ValueError,
    r"Band shapes do not match: a \(8, 1\), b \(1, 8\)", "column and row broadcast")
good(indices.normalized_difference,
     lambda t, m: indices.normalized_difference(STACK[:, 3], STACK[0, 2]),
     lambda out: out.shape == (3, 8, 8), "an image against a time series broadcasts")
bad(composites.greenest_pixel_composite,
    lambda t, m: composites.greenest_pixel_composite(STACK, red_band=2, nir_band=2), ValueError,
    "red_band and nir_band are both band 2", "red == nir")
bad(composites.greenest_pixel_composite,
    lambda t, m: composites.greenest_pixel_composite(STACK, red_band=3, nir_band=-1), ValueError,
    "both band 3", "red == nir by a negative index")


def _cloud_beside_nodata():
    prob = np.full((40, 40), 0.5, np.float32)
    prob[:, :20] = np.nan
    return clouds.s2cloudless_mask(prob, dilation_size=0)


good(clouds.s2cloudless_mask, lambda t, m: _cloud_beside_nodata(), lambda out: out.all(),
     "cloud beside nodata stays cloud (NaN not averaged as clear)")
bad(sar.lee_filter, lambda t, m: sar.lee_filter(S1, window=11), ValueError,
    r"window 11 is larger than the image \(8, 8\)", "window larger than the image")
bad(sar.to_db, lambda t, m: sar.to_db(RNG.uniform(0, 10000, (8, 8))), ValueError,
    "linear must be calibrated linear power.*digital numbers.*check_units=False", "DN for linear")
good(sar.to_db, lambda t, m: sar.to_db(np.array([50.0]), check_units=False),
     lambda out: abs(out[0] - 16.99) < 0.01, "check_units=False lets it through")
bad(metrics.format_score, lambda t, m: metrics.format_score(73.4), ValueError,
    r"fraction \(-1 to 1\).*percent already", "percent already")
good(metrics.format_score, lambda t, m: metrics.format_score(73.4, percent=False),
     lambda out: out == "73", "percent value printed as it is")
bad(StudyAreaParams, lambda t, m: StudyAreaParams(cloud_cover=1e6), ValueError,
    "cloud_cover must be in .*not a percent", "cloud_cover 1e6")
bad(StudyAreaParams, lambda t, m: StudyAreaParams(origin_x="345000"), TypeError,
    "origin_x must be a number", "string origin")
bad(StudyAreaParams, lambda t, m: StudyAreaParams(origin_y=61.45), ValueError,
    "origin_y must be in .*northing", "latitude for the origin")
good(StudyAreaParams, lambda t, m: StudyAreaParams(cloud_cover=2),
     lambda out: out.short_hash() == StudyAreaParams(cloud_cover=2.0).short_hash(),
     "2 and 2.0 are one world")
bad(metrics.object_metrics,
    lambda t, m: metrics.object_metrics(BIN, REGIONS.to_crs(4326), T), ValueError,
    r"landslides are in EPSG:4326 \(degrees\).*to_crs", "EPSG:4326 slides, UTM grid, no crs")
bad(metrics.object_metrics,
    lambda t, m: metrics.object_metrics(BIN, REGIONS.to_crs(32633), T), ValueError,
    "None of the 1 landslides polygons touches the grid.*to_crs", "slides off the grid")
bad(metrics.region_masks,
    lambda t, m: metrics.region_masks(REGIONS.to_crs(4326), T, (8, 8)), ValueError,
    r"regions are in EPSG:4326 \(degrees\).*to_crs", "EPSG:4326 regions, UTM grid, no crs")
bad(metrics.metrics_by_region,
    lambda t, m: metrics.metrics_by_region(BIN, BIN, REGIONS.to_crs(4326), T), ValueError,
    r"regions are in EPSG:4326 \(degrees\).*to_crs", "arrays with EPSG:4326 regions")
bad(validation.check_bool, lambda t, m: validation.check_bool("False", "overwrite"), TypeError,
    "overwrite must be True or False", "string for a bool")
bad(validation.check_odd_window, lambda t, m: validation.check_odd_window(4, "window"),
    ValueError, "window must be an odd number", "even window")
bad(validation.check_crs, lambda t, m: validation.check_crs(None), TypeError,
    "crs must be a coordinate reference system", "None CRS")
bad(validation.check_band_first,
    lambda t, m: validation.check_band_first(np.zeros((64, 64, 4)), "stack"), ValueError,
    r"looks band-last.*np\.moveaxis", "(rows, cols, bands)")
bad(validation.check_grid_in_crs,
    lambda t, m: validation.check_grid_in_crs(T, (8, 8), 4326), ValueError,
    "crs is EPSG:4326.*projected CRS", "UTM grid in degrees")


def _warned(call):
    """``(result, joined warning messages)`` of ``call()``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, " | ".join(str(w.message) for w in caught)


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("func, call, exc, match", BAD)
def test_bad_input_gets_a_clear_error(func, call, exc, match, tmp_path, monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            call(tmp_path, monkeypatch)
    message = str(info.value)
    assert re.search(match, message), f"{func.__name__}: {message!r} does not match {match!r}"
    assert not any(text in message for text in OBSCURE), message


@pytest.mark.parametrize("func, call, check", GOOD)
def test_documented_result(func, call, check, tmp_path, monkeypatch):
    assert check(call(tmp_path, monkeypatch))


def public_functions(module_name: str) -> list[str]:
    """Public functions defined in a module (not imported ones), and its public classes whose
    constructor checks the input (``__post_init__``), found by introspection."""
    module = importlib.import_module(module_name)
    return sorted(name for name, obj in vars(module).items()
                  if not name.startswith("_") and getattr(obj, "__module__", None) == module_name
                  and (inspect.isfunction(obj)
                       or inspect.isclass(obj) and "__post_init__" in vars(obj)))


def _existing(names):
    for name in names:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        yield name


def test_every_public_function_has_a_bad_input_case():
    covered = {f"{p.values[0].__module__}.{p.values[0].__name__}" for p in BAD + GOOD}
    missing = []
    for module_name in _existing(STRICT_MODULES):
        for name in public_functions(module_name):
            qualified = f"{module_name}.{name}"
            if qualified not in covered and qualified not in EXEMPT:
                missing.append(qualified)
    assert not missing, (
        f"Public functions without a bad-input case in tests/test_bad_inputs.py: {missing}. "
        "Add a bad(...) case (or a good(...) case for a documented result), or list the "
        "function in EXEMPT with the reason.")


def test_the_strict_list_is_not_empty_and_exemptions_are_real():
    found = {m: public_functions(m) for m in _existing(STRICT_MODULES)}
    assert sum(len(v) for v in found.values()) > 110
    for qualified in EXEMPT:
        module_name, name = qualified.rsplit(".", 1)
        assert name in found.get(module_name, []), f"stale exemption {qualified}"


# --------------------------------------------------------------------------- the sweep
def test_the_sweep_classifies_answers_by_their_origin_name_and_fix(tmp_path):
    """The sweep's classifier is strict: a library's error, a message that does not name the
    argument, or one with no fix is obscure; a wrong result without a word is silent."""
    from devtools import bad_input_sweep as sweep

    context = sweep.Context(tmp=tmp_path, readonly=tmp_path)
    library = sweep.Call("t", "numpy's own error", lambda c: np.ones(2) @ np.ones(3), ("x",))
    unnamed = sweep.Call("t", "no name", lambda c: validation.check_number("a", "threshold"),
                         ("window",))
    clear = sweep.Call("t", "clear", lambda c: validation.check_number("a", "threshold"),
                       ("threshold",))
    silent = sweep.Call("t", "silent", lambda c: np.zeros(3), ("x",),
                        wrong=lambda out: not out.any(), detect="all zero")
    accepted = sweep.Call("t", "accepted", lambda c: np.ones(3), ("x",),
                          wrong=lambda out: not out.all())
    kinds = {call.label: sweep.classify(call, context) for call in
             (library, unnamed, clear, silent, accepted)}
    assert kinds["numpy's own error"].kind == "obscure"
    assert "raised inside" in kinds["numpy's own error"].reason
    assert kinds["no name"].kind == "obscure" and "names none" in kinds["no name"].reason
    assert kinds["clear"].kind == "clear"
    assert kinds["silent"].kind == "silent" and kinds["silent"].reason == "all zero"
    assert kinds["accepted"].kind == "accepted"


def test_bad_input_sweep_meets_its_targets():
    """At least 250 plausible bad calls; at most 5 silent and 15 obscure answers."""
    from devtools import bad_input_sweep as sweep

    outcomes = sweep.run_sweep()
    total = sweep.counts(outcomes)
    listed = [f"{o.kind}: {o.call.module} {o.call.label}: {o.answer[:120]}" for o in outcomes
              if o.kind in ("silent", "obscure")]
    assert len(outcomes) - total["skipped"] >= 250
    assert total["silent"] <= sweep.TARGETS["silent"], listed
    assert total["obscure"] <= sweep.TARGETS["obscure"], listed
    assert len({o.call.module for o in outcomes}) >= 20   # every core module is tried
