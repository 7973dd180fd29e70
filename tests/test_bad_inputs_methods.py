"""Bad input to the newer modules: a clear error naming the argument, or a documented result.

The modules: :mod:`course_lib.obia`, :mod:`course_lib.cart`, :mod:`course_lib.timeseries`,
:mod:`course_lib.scaling` (its input checks), :mod:`course_lib.learner`, the Landslide4Sense
and network modules of :mod:`course_lib.data`, and the simulator's public API.

Two layers of cases:

* the :func:`bad` and :func:`good` cases here, each asserting the exception type and a pattern
  of its message (or the documented result), for the mistakes learners made: a learner's
  GeoPackage layers lost by ``write_inventory``, a mixed shapefile read without a word, a real
  Landslide4Sense patch overwritten by made-up data, 0/255 masks, a 0-based Series of
  segment values, a fully clouded series reported as "no break", polygons in another CRS;
* the automatic sweep ``devtools/bad_input_sweep_methods.py`` (several hundred calls), run
  here as a whole: none of its calls may be silent or obscure.

:func:`test_every_public_function_has_a_bad_input_case` finds the modules' public functions by
introspection and fails when one has no case here or in the sweep.
"""

from __future__ import annotations

import importlib
import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from rasterio.crs import CRS

from course_lib import timeseries as ts
from course_lib.cart import explain, leaves, models, spread, training
from course_lib.data import landslide4sense as l4s, online
from course_lib.data.raster import Raster
from course_lib.learner import reset, selfcheck, setup_check
from course_lib.obia import assessment, classifier, features, inventory, labels, scale
from course_lib.obia import segmentation as seg
from course_lib.scaling import checks as scaling_checks
from course_lib.scaling import chunked, cluster, landslides, lazy
from course_lib.simulator import StudyAreaParams, products
from course_lib.validation import CorruptFileError

#: The modules of this file: every public function needs a case (here or in the sweep).
STRICT_MODULES = [
    "course_lib.obia.checks", "course_lib.obia.segmentation", "course_lib.obia.scale",
    "course_lib.obia.features", "course_lib.obia.labels", "course_lib.obia.classifier",
    "course_lib.obia.inventory", "course_lib.obia.assessment", "course_lib.cart.models",
    "course_lib.cart.training", "course_lib.cart.explain", "course_lib.cart.spread",
    "course_lib.cart.leaves",
    "course_lib.timeseries",
    "course_lib.scaling.checks", "course_lib.scaling.chunked", "course_lib.scaling.cluster",
    "course_lib.scaling.landslides", "course_lib.scaling.lazy", "course_lib.learner.selfcheck", "course_lib.learner.setup_check",
    "course_lib.learner.reset", "course_lib.data.landslide4sense", "course_lib.data.online",
    "course_lib.simulator.products", "course_lib.simulator.params",
]

#: Public functions without a bad-input case, and why.
EXEMPT: dict[str, str] = {
    "course_lib.obia.checks.crs_name": "describes any value (a CRS or not) for messages",
    "course_lib.scaling.cluster.on_binder": "takes no argument",
    "course_lib.learner.setup_check.available_memory_mb": "takes no argument",
    "course_lib.learner.setup_check.check_keras": "takes no argument",
    "course_lib.learner.setup_check.labextension_dirs": "takes no argument",
    "course_lib.data.online.offline_forced": "takes no argument",
}

#: Messages that say nothing to a learner (as in tests/test_bad_inputs.py).
OBSCURE = ("not supported between", "has no attribute", "is out of bounds",
           "object is not subscriptable", "unhashable type", "truth value of an array",
           "could not convert string", "ufunc", "object of type 'NoneType'",
           "'NoneType' object", "Directory not empty")

# --------------------------------------------------------------------------- small data
RNG = np.random.default_rng(23)
T = Affine(10.0, 0.0, 345000.0, 0.0, -10.0, 6822000.0)
UTM = CRS.from_epsg(32632)
TRUTH = np.zeros((24, 24), np.uint8)
TRUTH[4:10, 4:12] = 1
TRUTH[15:21, 14:20] = 1
IMG = np.dstack([0.05 + 0.25 * TRUTH, 0.30 - 0.20 * TRUTH,
                 0.08 + 0.10 * (np.arange(24)[None, :] > 12) + 0 * TRUTH]).astype(float)
IMG = IMG + RNG.normal(0, 0.01, IMG.shape)
SEG = seg.segment(IMG, spatial_radius=3, range_radius=16, min_size=4)
LABELS = SEG.labels
N_SEG = int(LABELS.max())
Y, FRACTION = labels.label_segments(LABELS, TRUTH)
VALUES = np.linspace(0.0, 1.0, N_SEG)
SLIDES = inventory.landslide_polygons(TRUTH, T, UTM)
META = inventory.inventory_metadata("OBIA", {"hr": 16}, "simulated Sentinel-2", "2019-08-01",
                                    date_mapped="2026-01-02")
DATES = np.arange("2015-01-01", "2019-01-01", 16, dtype="datetime64[D]")


def _series():
    from course_lib.simulator.ndvi_series import simulate_ndvi_series

    return simulate_ndvi_series(DATES, shape=(3, 3), landslide_date="2017-07-01", seed=1)


def _stack() -> Raster:
    data = np.stack([IMG[..., 0], IMG[..., 1], IMG[..., 2], IMG[..., 1] + 0.2]).astype("f4")
    return Raster(data, T, UTM, ("B02", "B03", "B04", "B08"))


def _table() -> pd.DataFrame:
    stack = _stack()
    rows, cols = np.array([5, 6, 16, 17, 1, 2, 20, 22]), np.array([5, 6, 15, 16, 1, 20, 2, 22])
    table = pd.DataFrame({b: stack.data[i, rows, cols] for i, b in enumerate(stack.band_names)})
    table["class_name"] = ["landslide"] * 4 + ["water", "forest", "water", "forest"]
    return table


def _setting4_tree():
    """A CART on setting-4 layer names (the landslide map's classifier), fitted on noise."""
    names = ("post-R", "post-G", "post-B", "post-NIR", "dNDVI")
    table = pd.DataFrame(RNG.random((12, 5)), columns=list(names))
    table["class_name"] = ["landslide", "forest", "water"] * 4
    return training.fit_pixel_classifier(table, names)


def _landslide_inputs():
    """The six products of the landslide map as small Dask arrays (never clear: SCL 0, no data)."""
    import dask.array as da

    stack = da.from_array(np.full((2, 6, 16, 16), 0.1, "f4"), chunks=(2, 6, 8, 8))
    scl = da.from_array(np.zeros((2, 1, 16, 16), np.uint8), chunks=(2, 1, 8, 8))
    prob = da.from_array(np.zeros((2, 1, 16, 16), "f4"), chunks=(2, 1, 8, 8))
    return {f"s2_{p}{k}": v for p in ("pre", "post")
            for k, v in (("", stack), ("_scl", scl), ("_cloudprob", prob))}


def _inventory(t: Path, layer: str = "landslides") -> Path:
    inventory.write_inventory(SLIDES.assign(prob=0.5), t / "inv", META, layer=layer)
    return t / "inv"


def _with_own_layer(t: Path) -> Path:
    import pyogrio

    stem = _inventory(t)
    pyogrio.write_dataframe(SLIDES.iloc[:1], stem.with_suffix(".gpkg"), layer="mine",
                            driver="GPKG")
    return stem


def _layers(path: Path) -> list[str]:
    import pyogrio

    return sorted(str(name) for name, _ in pyogrio.list_layers(path))


def _real_patch(folder: Path) -> Path:
    import h5py

    (folder / "img").mkdir(parents=True)
    with h5py.File(folder / "img" / "image_1.h5", "w") as f:
        f.create_dataset("img", data=np.ones((16, 16, 14)))
    return folder


# --------------------------------------------------------------------------- cases
BAD: list = []
GOOD: list = []


def bad(func, call, exc, match, name=""):
    """A bad-input case: ``call(tmp_path)`` must raise ``exc`` with a message matching ``match``."""
    BAD.append(pytest.param(func, call, exc, match,
                            id=f"{func.__module__.split('.')[-1]}.{func.__name__}-"
                               f"{name or match}"))


def good(func, call, check, name):
    """A documented result: ``check(call(tmp_path), tmp_path)`` must be true."""
    GOOD.append(pytest.param(func, call, check,
                             id=f"{func.__module__.split('.')[-1]}.{func.__name__}-{name}"))


# ---- inventories: a learner's layers and files are never lost
good(inventory.write_inventory,
     lambda t: inventory.write_inventory(SLIDES.assign(prob=0.5), _with_own_layer(t), META,
                                         overwrite=True),
     lambda out, t: _layers(t / "inv.gpkg") == ["landslides", "mine"],
     "overwrite replaces only its layer")
good(inventory.write_inventory,
     lambda t: inventory.write_inventory(SLIDES.assign(prob=0.5), _inventory(t), META,
                                         layer="obia", formats="gpkg"),
     lambda out, t: _layers(t / "inv.gpkg") == ["landslides", "obia"],
     "a new layer is added without overwrite")
bad(inventory.write_inventory,
    lambda t: inventory.write_inventory(SLIDES.assign(prob=0.5), _inventory(t), META),
    FileExistsError, "overwrite=True", "existing layer and shapefile")
bad(inventory.write_inventory,
    lambda t: inventory.write_inventory(SLIDES.assign(prob=0.5), _inventory(t), META,
                                        overwrite="yes"),
    TypeError, "overwrite must be True or False", "overwrite as a string")
bad(inventory.write_inventory,
    lambda t: ((t / "inv.gpkg").write_text("my notes"),
               inventory.write_inventory(SLIDES.assign(prob=0.5), t / "inv", META,
                                         overwrite=True, formats=("gpkg",))),
    CorruptFileError, "not a readable GeoPackage.*nothing deleted",
    "a file that is not a GeoPackage is never replaced")
bad(inventory.write_inventory,
    lambda t: inventory.write_inventory(SLIDES.assign(prob=0.5), t / "inv", META, layer="a b"),
    ValueError, "layer must be", "layer name with a space")
bad(inventory.write_inventory,
    lambda t: inventory.write_inventory(SLIDES.set_geometry(SLIDES.centroid).assign(prob=0.5),
                                        t / "inv", META),
    ValueError, "Polygon geometries.*Point", "points")
bad(inventory.read_inventory, lambda t: inventory.read_inventory(_with_own_layer(t)
                                                                 .with_suffix(".gpkg")),
    ValueError, r"holds 2 layers .*layer=", "two layers, none chosen")
good(inventory.read_inventory,
     lambda t: inventory.read_inventory(_with_own_layer(t).with_suffix(".gpkg"), layer="mine"),
     lambda out, t: len(out) == 1, "layer= picks the learner's layer")
bad(inventory.read_inventory, lambda t: inventory.read_inventory(t / "missing.gpkg"),
    FileNotFoundError, "No inventory at", "missing")
bad(inventory.read_inventory,
    lambda t: (lambda p: (p.write_bytes(p.read_bytes()[:400]),
                          inventory.read_inventory(p)))(_inventory(t).with_suffix(".gpkg")),
    CorruptFileError, "not a readable GeoPackage", "truncated GeoPackage")
bad(inventory.check_shapefile_parts,
    lambda t: (lambda stem: (
        inventory.write_inventory(SLIDES.iloc[:1].assign(prob=0.5), t / "new", META,
                                 formats="shp"),
        __import__("shutil").copy(t / "new.shp", stem.with_suffix(".shp")),
        inventory.read_inventory(stem.with_suffix(".shp"))))(_inventory(t)),
    CorruptFileError, "do not belong together", "new .shp with the old .shx and .dbf")
bad(inventory.inventory_paths, lambda t: inventory.inventory_paths(t / "inv.tif"), ValueError,
    r"\.gpkg or \.shp", "a GeoTIFF name")
bad(inventory.inventory_metadata,
    lambda t: inventory.inventory_metadata("OBIA", {}, None, "2019"), TypeError, "source",
    "source None")
bad(inventory.inventory_metadata,
    lambda t: inventory.inventory_metadata("OBIA", {}, "S2", ["2019-13-45"]), ValueError,
    "image_dates must be a date", "impossible date")
bad(inventory.landslide_polygons,
    lambda t: inventory.landslide_polygons(TRUTH, T, UTM, probability=RNG.random((24, 24)) * 100),
    ValueError, "probability .*Percent", "probability in percent")

# ---- 0/255 masks and 0-based values: never silently zero or shifted
bad(labels.label_segments, lambda t: labels.label_segments(LABELS, TRUTH * 255), ValueError,
    r"truth must be binary.*mask > 0", "0/255 truth")
bad(labels.landslide_fraction, lambda t: labels.landslide_fraction(LABELS, RNG.random((24, 24))),
    ValueError, "truth must be binary", "probability map as truth")
bad(classifier.segment_values_to_pixels,
    lambda t: classifier.segment_values_to_pixels(LABELS, pd.Series(VALUES)), ValueError,
    r"Series index must hold segment labels 1\.\.\d+.*starts at 0", "0-based Series")
good(classifier.segment_values_to_pixels,
     lambda t: classifier.segment_values_to_pixels(
         LABELS, pd.Series(VALUES, index=np.arange(1, N_SEG + 1))),
     lambda out, t: np.allclose(out, VALUES[LABELS - 1]), "a Series indexed by label")
bad(classifier.segment_values_to_pixels,
    lambda t: classifier.segment_values_to_pixels(LABELS, [0.2, 0.9], index=[1, 1]),
    ValueError, "more than once", "duplicate index")
good(features.segment_mean, lambda t: features.segment_mean(IMG[..., 0], SEG),
     lambda out, t: len(out) == N_SEG, "a Segmentation for its labels")
bad(features.segment_mean, lambda t: features.segment_mean(IMG[..., 0], LABELS + 0.5),
    ValueError, "whole-numbered segment labels", "a feature layer for the labels")
bad(seg.segment, lambda t: seg.segment(np.moveaxis(IMG, -1, 0)), ValueError,
    r"np\.moveaxis", "bands first")
bad(seg.segment, lambda t: seg.segment(IMG, valid=TRUTH * 255), ValueError,
    "valid must be a boolean mask", "0/255 valid")
bad(seg.to_uint8, lambda t: seg.to_uint8(IMG, percentiles=(0.02, 0.98)), ValueError,
    "percent .*not fractions", "fractions for percentiles")
bad(features.glcm_texture, lambda t: features.glcm_texture(IMG[..., 0], angles=[0, np.pi / 4]),
    ValueError, "radians", "angles in radians")
bad(features.shape_features,
    lambda t: features.shape_features(LABELS, aspect=np.radians(RNG.uniform(0, 360, (24, 24)))),
    ValueError, r"np\.degrees\(aspect\)", "aspect in radians")
bad(classifier.landslide_class, lambda t: classifier.landslide_class(VALUES * 100), ValueError,
    "probability must be a probability", "percent probabilities")
good(classifier.landslide_class, lambda t: classifier.landslide_class([0.5, 0.51]),
     lambda out, t: out.tolist() == [0.0, 1.0], "a tie is not a landslide")
bad(classifier.split_segments_by_region,
    lambda t: classifier.split_segments_by_region(LABELS, np.ones((5, 5), bool)), ValueError,
    "region has shape", "a region on another grid")
bad(classifier.train_random_forest,
    lambda t: classifier.train_random_forest(pd.DataFrame({"a": VALUES}), FRACTION * 0.9 + 0.05,
                                             n_estimators=3),
    ValueError, "y must be 0/1", "fractions for y")
good(classifier.landslide_probability,
     lambda t: (lambda table, forest: (classifier.landslide_probability(forest, table),
                                       classifier.landslide_probability(forest,
                                                                        table[["b", "a"]])))(
         pd.DataFrame({"a": VALUES, "b": VALUES[::-1]}),
         classifier.train_random_forest(pd.DataFrame({"a": VALUES, "b": VALUES[::-1]}), Y,
                                        n_estimators=5)),
     lambda out, t: np.allclose(out[0], out[1]), "columns in another order")

# ---- polygons and grids
bad(labels.captured_landslides,
    lambda t: labels.captured_landslides(LABELS, Y, SLIDES.to_crs(4326), T), ValueError,
    r"None of the \d+ landslides overlaps the grid.*to_crs", "polygons in EPSG:4326")
bad(labels.captured_landslides,
    lambda t: labels.captured_landslides(LABELS, Y, SLIDES, T, crs="EPSG:32633"), ValueError,
    r"EPSG:32632 but the grid is in EPSG:32633.*to_crs\('EPSG:32633'\)", "crs= differs")
bad(assessment.detection_by_size,
    lambda t: assessment.detection_by_size(TRUTH, SLIDES.to_crs(4326), T), ValueError,
    "to_crs", "polygons in EPSG:4326")
bad(assessment.detection_by_size,
    lambda t: assessment.detection_by_size(TRUTH, SLIDES, T, edges=(0, 0.25, 1, np.inf)),
    ValueError, "Hectares", "edges in hectares")
bad(assessment.size_class_names, lambda t: assessment.size_class_names([2500, 0, np.inf]),
    ValueError, "edges must increase", "decreasing edges")
bad(scale.plateau_objective, lambda t: scale.plateau_objective(IMG, 16), TypeError,
    "range_radii", "one radius as a number")
bad(scale.morans_i, lambda t: scale.morans_i(np.r_[VALUES[:-1], np.nan],
                                             scale.adjacency_matrix(LABELS)),
    ValueError, "values has 1 NaN", "NaN value")

# ---- time series: too few observations are refused, undetermined pixels flagged
bad(ts.detect_breaks,
    lambda t: ts.detect_breaks(DATES, np.full((len(DATES), 3, 3), np.nan), "2017-01-01"),
    ts.TooFewObservationsError, r"Too few clear observations.*6 coefficients.*min_obs=18",
    "fully clouded")
bad(ts.detect_breaks,
    lambda t: ts.detect_breaks(DATES[::25][:4], _series().ndvi[::25][:4], str(DATES[50])),
    ValueError, "observations", "4 observations")
good(ts.detect_breaks,
     lambda t: (lambda sim: _warned(lambda: ts.detect_breaks(
         DATES, np.where(np.arange(9).reshape(1, 3, 3) == 0, np.nan, sim.ndvi),
         "2017-01-01")))(_series()),
     lambda out, t: (not out[0].determined[0, 0] and out[0].determined.sum() == 8
                     and "undetermined" in out[1]
                     and out[0].summary()["undetermined_fraction"] == pytest.approx(1 / 9)),
     "one clouded pixel is undetermined, not 'no break'")
bad(ts.years_since, lambda t: ts.years_since([2015, 2016]), TypeError, "dates, not numbers",
    "years as ints")
bad(ts.design_matrix, lambda t: ts.design_matrix(DATES, 2), TypeError, r"years_since",
    "dates for t_years")
bad(ts.break_scores,
    lambda t: (lambda sim: ts.break_scores(ts.detect_breaks(DATES, sim.ndvi, "2017-01-01"),
                                           sim.truth, "2016-06-01"))(_series()),
    ValueError, "monitoring period", "a true date in the history")
bad(ts.fit_harmonic, lambda t: ts.fit_harmonic(DATES, _series().ndvi, method="lasso",
                                               alpha=-1), ValueError, "alpha", "negative alpha")

# ---- CART
bad(models.make_cart, lambda t: models.make_cart(max_depth=0), ValueError, "max_depth",
    "max_depth 0 (refused when built, not at fit)")
bad(training.fit_pixel_classifier,
    lambda t: training.fit_pixel_classifier(_table(), ["B02", "B03"], models.make_cart),
    TypeError, r"Call it: make_cart\(\)", "the factory function")
good(training.training_arrays, lambda t: training.training_arrays(_table(), "B04"),
     lambda out, t: out[0].shape == (8, 1), "one band name as a string")
bad(training.classify_stack, lambda t: training.classify_stack(_table(), _stack().data),
    TypeError, "stack must be a Raster", "numpy stack")
bad(spread.predict_blocks,
    lambda t: spread.predict_blocks(training.fit_pixel_classifier(_table(), ["B02", "B03"]),
                                    _stack(), [0, 12]),
    TypeError, r"blocks must be .*split\.blocks", "block indices for blocks")
bad(spread.seed_runs,
    lambda t: spread.seed_runs(_table(), _stack(), TRUTH, TRUTH > 0,
                               [(slice(0, 12), slice(0, 12))], seeds=[0.5]),
    ValueError, "seeds must be a whole number", "fractional seeds")
bad(spread.resample_runs,
    lambda t: spread.resample_runs(_table(), _stack(), TRUTH, TRUTH > 0,
                                   [(slice(0, 12), slice(0, 12))], n_resamples=0),
    ValueError, "n_resamples", "no resample")
bad(explain.band_separability,
    lambda t: explain.band_separability(_stack(), TRUTH, valid=np.full((24, 24), 4)),
    ValueError, "valid must be a boolean mask", "class codes for valid")

bad(leaves.leaf_report,
    lambda t: leaves.leaf_report(training.fit_pixel_classifier(_table(), ["B02", "B03"],
                                                               models.make_random_forest(3)),
                                 _table(), _stack()),
    TypeError, "a decision tree", "a forest")
bad(leaves.leaf_report,
    lambda t: leaves.leaf_report(training.fit_pixel_classifier(_table(), ["B02", "B03"]),
                                 _table().drop(columns="B03"), _stack()),
    ValueError, r"lacks the columns \['B03'\]", "another table")
bad(leaves.leaf_report,
    lambda t: leaves.leaf_report(training.fit_pixel_classifier(_table(), ["B02", "B03"]),
                                 _table(), _stack(), valid=np.ones((3, 3), bool)),
    ValueError, "valid", "a mask of another shape")

# ---- scaling: refused when the graph is built
bad(chunked.dndvi, lambda t: chunked.dndvi((RNG.random((6, 8, 8)) * 1e4).astype("u2"),
                                           (RNG.random((6, 8, 8)) * 1e4).astype("u2")),
    TypeError, "pre is an integer array", "digital numbers")
bad(chunked.predict_pixels,
    lambda t: chunked.predict_pixels(models.make_cart().fit(RNG.random((10, 4)), [0, 1] * 5),
                                     RNG.random((6, 8, 8))),
    ValueError, "layers has 6 bands but the model was trained on 4", "wrong band count")
bad(cluster.start_cluster, lambda t: cluster.start_cluster(n_workers=2, memory_limit="400MB"),
    ValueError, "at least 600 MB per worker.*hangs", "a limit a worker pauses under")
bad(cluster.start_cluster, lambda t: cluster.start_cluster(n_workers=0), ValueError,
    "n_workers", "0 workers (no cluster started)")
bad(lazy.lazy_product, lambda t: lazy.lazy_product(t / "no.tif"), FileNotFoundError,
    "no.tif does not exist", "missing file")
bad(lazy.lazy_dataarray, lambda t: lazy.lazy_dataarray("s2_pre"), FileNotFoundError,
    "s2_pre does not exist", "a product name instead of a path")
bad(lazy.read_product, lambda t: lazy.read_product(t / "no.tif", factor=0), ValueError,
    "factor must be a positive int", "factor 0")
bad(chunked.cloud_mask_reach, lambda t: chunked.cloud_mask_reach("10"), TypeError,
    "pixel_size must be a number", "pixel size as a string")
bad(chunked.clear_sky_mask,
    lambda t: chunked.clear_sky_mask(np.full((2, 1, 8, 8), 4, np.uint8),
                                     np.full((2, 1, 8, 8), 40, np.uint8)),
    TypeError, "cloudprob must be a probability 0-1 as floats", "cloud probability in percent")
bad(chunked.clear_sky_mask,
    lambda t: chunked.clear_sky_mask(np.full((2, 1, 8, 8), 4, np.uint8),
                                     np.zeros((3, 1, 8, 8), np.float32)),
    ValueError, "cloudprob .* must have the shape of scl", "cloud probability of other dates")
bad(landslides.landslide_chunk,
    lambda t: landslides.landslide_chunk(np.zeros((2, 6, 8, 8), "f4"), np.ones((2, 8, 8), bool),
                                         np.zeros((2, 6, 8, 8), "f4"), np.ones((2, 8, 8), bool),
                                         models.make_cart()),
    TypeError, "classifier must be a fitted pixel classifier", "an unwrapped estimator")
bad(landslides.landslide_maps,
    lambda t: landslides.landslide_maps({"s2_pre": np.zeros((2, 6, 8, 8), "f4")}, _setting4_tree()),
    ValueError, "inputs lacks the products", "two periods' products missing")
bad(landslides.landslide_graph,
    lambda t: landslides.landslide_graph({}, training.fit_pixel_classifier(_table(), "B04")),
    ValueError, "inputs lacks the products", "no inputs")
bad(landslides.landslide_graph,
    lambda t: landslides.landslide_graph(_landslide_inputs(), training.fit_pixel_classifier(
        _table(), ["B04", "B08"])),
    ValueError, r"classifier was trained on \['B04', 'B08'\]", "a classifier of other layers")
bad(landslides.landslide_graph,
    lambda t: landslides.landslide_graph(_landslide_inputs(), _setting4_tree(), focal_window=4),
    ValueError, "focal_window must be odd", "an even window")
good(landslides.landslide_graph,
     lambda t: landslides.landslide_graph(_landslide_inputs(), _setting4_tree()).compute(
         scheduler="synchronous"),
     lambda out, t: out.shape == (3, 16, 16) and np.isnan(out).all(),
     "never clear: NaN, not AllCloudError")
bad(scaling_checks.check_cloud_inputs,
    lambda t: scaling_checks.check_cloud_inputs(np.full((2, 1, 8, 8), 4.0), None, 10),
    ValueError, "scl must be SCL codes", "SCL codes as floats")
bad(scaling_checks.check_products,
    lambda t: scaling_checks.check_products(["s2_pre"], ("s2_pre",)), TypeError,
    "inputs must be a dict", "a list of names")
bad(scaling_checks.check_classifier,
    lambda t: scaling_checks.check_classifier(None, ("dNDVI",)), TypeError,
    "classifier must be a fitted pixel classifier", "None")
bad(cluster.scaling_workload, lambda t: cluster.scaling_workload(cpus=0), ValueError, "cpus",
    "0 CPUs")
bad(cluster.scaling_workload, lambda t: cluster.scaling_workload(factor=1.5), ValueError,
    "factor must be a whole number", "a fractional mosaic")
bad(cluster.start_cluster, lambda t: cluster.start_cluster(n_workers=1, trim_memory="no"),
    TypeError, "trim_memory must be True or False", "trim_memory as a string")
bad(cluster.measure, lambda t: cluster.measure(np.ones(3)), TypeError,
    "measure needs lazy arrays", "a computed array")
bad(cluster.measure, lambda t: cluster.measure(), TypeError, "got nothing", "nothing to measure")
bad(cluster.task_counts, lambda t: cluster.task_counts(np.ones(3)), TypeError,
    "array must be a lazy Dask array", "a computed array")
bad(cluster.task_overhead, lambda t: cluster.task_overhead(n_tasks=0), ValueError, "n_tasks",
    "no tasks")
bad(cluster.warm_up, lambda t: cluster.warm_up("tcp://127.0.0.1:8786"), TypeError,
    "client must be a dask.distributed Client", "an address instead of a Client")
good(cluster.release_freed_memory, lambda t: cluster.release_freed_memory(),
     lambda out, t: isinstance(out, bool), "takes no argument; True where glibc trims")

# ---- Landslide4Sense: made-up data never passes for real
bad(l4s.write_example_patches,
    lambda t: l4s.write_example_patches(_real_patch(t / "real"), n=2, size=16, overwrite=True),
    FileExistsError, "never replace them", "a real patch, even with overwrite=True")
good(l4s.write_example_patches,
     lambda t: (_real_patch(t / "real"),
                _raises(lambda: l4s.write_example_patches(t / "real", n=2, size=16,
                                                          overwrite=True)))[-1],
     lambda out, t: out and (l4s.read_image(t / "real" / "img" / "image_1.h5") == 1).all()
     and not l4s.is_made_up(t / "real" / "img" / "image_1.h5"), "the real patch is untouched")
bad(l4s.write_example_patches,
    lambda t: ((t / "data").mkdir(), (t / "data" / "thesis.txt").write_text("x"),
               l4s.write_example_patches(t / "data", n=1, size=16)),
    FileExistsError, "not empty", "a folder with other files")
good(l4s.load_patches,
     lambda t: l4s.load_patches(l4s.write_example_patches(t / "ex", n=2, size=16)),
     lambda out, t: out.made_up, "made-up patches are marked")
bad(l4s.load_patches,
    lambda t: (lambda folder: (_real_patch_pair(folder, 3), l4s.load_patches(folder)))(
        l4s.write_example_patches(t / "ex", n=2, size=16)),
    ValueError, "mixes made-up patches", "made-up and real mixed")
bad(l4s.Patches, lambda t: l4s.Patches(np.zeros((1, 4, 4, 14)), np.full((1, 4, 4), 255),
                                       ["a"]),
    ValueError, r"masks must hold 0 and 1.*masks > 0", "0/255 masks")
bad(l4s.fetch_course_subset, lambda t: l4s.fetch_course_subset(t / "subset", n=0),
    ValueError, "n must be .*48 patches", "no patches")
bad(l4s.fetch_course_subset,
    lambda t: ((t / "notes").mkdir(), (t / "notes" / "thesis.txt").write_text("x"),
               l4s.fetch_course_subset(t / "notes", url=t / "none.zip")),
    FileExistsError, "no subset manifest; nothing was fetched", "a folder of other files")
bad(l4s.fetch_course_subset, lambda t: l4s.fetch_course_subset(t, url=42), TypeError,
    "url must be a URL or a local path", "a number as the url")
bad(l4s.course_subset, lambda t: l4s.course_subset(t, quiet="yes"), TypeError,
    "quiet must be True or False", "quiet as a string")
good(l4s.course_subset, lambda t: l4s.course_subset(t / "nothing", quiet=True),
     lambda out, t: out is None, "None when not fetched")
good(l4s.main, lambda t: l4s.main(["--no-such-option"]), lambda out, t: out == 2,
     "exit code 2 for an unknown option")
bad(online.require_network, lambda t: online.require_network("https://zenodo.org/records/1"),
    ValueError, "host='zenodo.org'", "a URL for the host")

# ---- learner
good(reset.main, lambda t: _reset_into_a_project(t),
     lambda out, t: out == 2 and (t / "project" / "thesis.txt").exists(),
     "refuses a git project as the output folder")
bad(selfcheck.check_true_false, lambda t: selfcheck.check_true_false(True, "yes"), TypeError,
    "correct must be True or False", "a broken question")
bad(setup_check.check_memory, lambda t: setup_check.check_memory(free_mb="lots"), ValueError,
    "free_mb", "a string")

# ---- simulator
bad(StudyAreaParams, lambda t: StudyAreaParams(cloud_cover=50), ValueError,
    "not a percent", "cloud_cover in percent")
bad(products.write_raster_product,
    lambda t: (products.write_raster_product("dem", _dem(), t),
               products.write_raster_product("dem", _dem(), t)),
    FileExistsError, "overwrite=True", "an existing product")
bad(products.write_study_area,
    lambda t: ((t / "mine").mkdir(), (t / "mine" / "map.tif").write_text("x"),
               products.write_study_area(StudyAreaParams(size=64), t / "mine", progress=False)),
    FileExistsError, r"not study-area products \(\['map\.tif'\]\); nothing was deleted",
    "a learner's folder")


def _dem() -> Raster:
    return Raster(np.full((1, 8, 8), 500.0, np.float32), T, UTM, ("dem",))


def _real_patch_pair(folder: Path, i: int) -> None:
    import h5py

    with h5py.File(folder / "img" / f"image_{i}.h5", "w") as f:
        f.create_dataset("img", data=np.ones((16, 16, 14)))
    with h5py.File(folder / "mask" / f"mask_{i}.h5", "w") as f:
        f.create_dataset("mask", data=np.zeros((16, 16), np.uint8))


def _raises(call) -> bool:
    try:
        call()
    except (FileExistsError, ValueError):
        return True
    return False


def _reset_into_a_project(t: Path):
    """``COURSE_OUTPUT_DIR`` pointing at a git project: the reset must refuse (exit code 2)."""
    import os

    project = t / "project"
    (project / ".git").mkdir(parents=True)
    (project / "thesis.txt").write_text("two years of work")
    old = os.environ.get("COURSE_OUTPUT_DIR")
    os.environ["COURSE_OUTPUT_DIR"] = str(project)
    try:
        code = reset.main(["--yes"])
    finally:
        if old is None:
            del os.environ["COURSE_OUTPUT_DIR"]
        else:
            os.environ["COURSE_OUTPUT_DIR"] = old
    return code


def _warned(call):
    """``(result, joined warning messages)`` of ``call()``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, " | ".join(str(w.message) for w in caught)


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("func, call, exc, match", BAD)
def test_bad_input_gets_a_clear_error(func, call, exc, match, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc) as info:
            call(tmp_path)
    message = str(info.value)
    assert re.search(match, message, flags=re.S), \
        f"{func.__name__}: {message!r} does not match {match!r}"
    assert not any(text in message for text in OBSCURE), message


@pytest.mark.parametrize("func, call, check", GOOD)
def test_documented_result(func, call, check, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call(tmp_path)
    assert check(out, tmp_path)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The sweep's cases, run once with the course pointed at a temporary folder."""
    import os

    import devtools.bad_input_sweep_methods as sweep_module

    saved = {k: os.environ.get(k) for k in ("COURSE_OFFLINE", "COURSE_CACHE_DIR",
                                            "COURSE_OUTPUT_DIR")}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cases = sweep_module.prepare(tmp_path_factory.mktemp("sweep"))
            results = [(c, *sweep_module.classify(c)) for c in cases]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return results


def test_the_sweep_finds_no_silent_or_obscure_call(sweep):
    assert len(sweep) >= 300
    offenders = [f"{kind}: {c.func} ({c.label}): {detail}" for c, kind, detail in sweep
                 if kind not in ("clear", "handled")]
    assert not offenders, "\n".join(offenders)


def public_functions(module_name: str) -> list[str]:
    """Public functions defined in a module (not imported ones), found by introspection."""
    module = importlib.import_module(module_name)
    return sorted(name for name, obj in vars(module).items()
                  if inspect.isfunction(obj) and not name.startswith("_")
                  and obj.__module__ == module_name)


def _qualified(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def test_every_public_function_has_a_bad_input_case(sweep):
    covered = {_qualified(p.values[0]) for p in BAD + GOOD} | {c.func for c, _, _ in sweep}
    missing = [f"{m}.{name}" for m in STRICT_MODULES for name in public_functions(m)
               if f"{m}.{name}" not in covered and f"{m}.{name}" not in EXEMPT]
    assert not missing, (
        f"Public functions without a bad-input case: {missing}. Add a bad(...) or good(...) "
        "case here or a case to devtools/bad_input_sweep_methods.py, or list the function in "
        "EXEMPT with the reason.")


def test_the_strict_list_is_complete_and_exemptions_are_real():
    found = {m: public_functions(m) for m in STRICT_MODULES}
    assert sum(len(v) for v in found.values()) > 100
    for qualified in EXEMPT:
        module_name, name = qualified.rsplit(".", 1)
        assert name in found[module_name], f"stale exemption {qualified}"
    for package in ("course_lib.obia", "course_lib.cart", "course_lib.scaling",
                    "course_lib.learner"):
        folder = Path(importlib.import_module(package).__file__).parent
        for path in folder.glob("*.py"):
            if path.stem != "__init__":
                assert f"{package}.{path.stem}" in STRICT_MODULES, f"{package}.{path.stem}"


def test_the_bench_report_has_the_sweeps_counts(sweep):
    """bench/bad_inputs_methods.md is generated by the sweep: its table must be current."""
    from collections import defaultdict

    import devtools.bad_input_sweep_methods as sweep_module

    results = defaultdict(list)
    for c, kind, detail in sweep:
        results[kind].append((c, kind, detail))
    table = [line for line in sweep_module.report(results).splitlines() if line.startswith("|")]
    written = [line for line in sweep_module.REPORT.read_text().splitlines()
               if line.startswith("|")]
    assert written == table, "bench/bad_inputs_methods.md is stale: run python -m " \
                             "devtools.bad_input_sweep_methods --write"
