"""Bad-input sweep of the newer modules: plausible mistakes, each classified automatically.

The newer modules (:mod:`course_lib.obia`, :mod:`course_lib.cart`, :mod:`course_lib.timeseries`,
:mod:`course_lib.scaling`, :mod:`course_lib.learner`, the Landslide4Sense and network modules of
:mod:`course_lib.data`, and the public API of :mod:`course_lib.simulator`) get several hundred
calls a learner could plausibly make by mistake: ``None`` or a string where an array goes, a
Segmentation object instead of its labels, a 0/255 mask, a percent for a fraction, radians
for degrees, a pandas Series with a 0-based index, polygons in another CRS, a folder that
holds real data, a fully clouded series...

Each call is classified:

* **clear**: an error raised in ``course_lib``'s own code whose message names the argument
  (or the problem) and is not one of numpy's obscure phrases;
* **handled**: no error, and the case's own check finds the result right (a documented
  behaviour, e.g. a Segmentation accepted in place of its labels);
* **obscure**: an error raised deep inside a library (numpy, pandas, scikit-learn, GDAL,
  h5py, dask...), or one whose message does not name the argument;
* **silent**: no error and a wrong result; every case says how it detects that (by default
  a bad call must raise, so any return is wrong).

Usage::

    python -m devtools.bad_input_sweep_methods            # counts and the offending calls
    python -m devtools.bad_input_sweep_methods --write    # also bench/bad_inputs_methods.md

The sweep runs with ``COURSE_OFFLINE=1`` and with the cache and output folders in a temporary
folder, so no call reaches the network or touches the learner's files.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import traceback
import warnings
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "bench" / "bad_inputs_methods.md"

#: Targets of the sweep (at most this many silent and obscure calls).
TARGET_SILENT = 10
TARGET_OBSCURE = 25

#: The first run of the sweep, on main before the fixes (commit d462fee), with the first 548
#: of these calls (the others were added with the checks they test).
BASELINE = {"calls": 548, "clear": 198, "handled": 5, "obscure": 215, "silent": 130}

#: Messages that say nothing to a learner (as in tests/test_bad_inputs.py).
OBSCURE_PHRASES = ("not supported between", "has no attribute", "is out of bounds",
                   "object is not subscriptable", "unhashable type", "truth value of an array",
                   "could not convert string", "ufunc", "object of type 'NoneType'",
                   "'NoneType' object", "Directory not empty", "object is not iterable",
                   "object is not callable", "only integer scalar arrays",
                   "operands could not be broadcast", "need at least one array")


@dataclass
class Case:
    """One bad call.

    Attributes:
        func: the function's qualified name (module.function or module.Class.method).
        label: what is wrong with the input, in a few words.
        call: ``call()`` makes the call (fixtures are in the module's ``F``).
        names: words (argument names or the problem) of which a clear message names one.
        detect: for a call that returns, ``detect(result)`` says what is wrong with it (a
            string) or None when the result is right (a documented behaviour). Without it,
            any return is wrong: the call should have raised.
    """

    func: str
    label: str
    call: Callable[[], Any]
    names: tuple[str, ...]
    detect: Callable[[Any], str | None] | None = None


CASES: list[Case] = []
F = SimpleNamespace()


def case(func: str, label: str, call: Callable[[], Any], *names: str,
         detect: Callable[[Any], str | None] | None = None) -> None:
    CASES.append(Case(func, label, call, names, detect))


# --------------------------------------------------------------------------- fixtures
def _fresh() -> Path:
    """A new empty folder for one case."""
    return Path(tempfile.mkdtemp(dir=F.root))


def build_fixtures(root: Path) -> None:
    """Small, valid inputs for every module (the bad calls spoil one thing each)."""
    import dask.array as da
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from affine import Affine
    from rasterio.crs import CRS
    from shapely.geometry import Point

    from course_lib.cart import fit_pixel_classifier, tree_summary
    from course_lib.data import landslide4sense as l4s
    from course_lib.data.raster import Raster
    from course_lib.obia import classifier, features, inventory, labels, scale
    from course_lib.obia.segmentation import segment, to_uint8
    from course_lib.simulator import products
    from course_lib.simulator.ndvi_series import simulate_ndvi_series
    from course_lib import timeseries as ts

    F.root = root
    rng = np.random.default_rng(7)
    n = 24
    truth = np.zeros((n, n), np.uint8)
    truth[4:10, 4:12] = 1
    truth[15:21, 14:20] = 1
    img = np.empty((n, n, 3))
    img[..., 0] = 0.05 + 0.25 * truth
    img[..., 1] = 0.30 - 0.20 * truth
    img[..., 2] = 0.08 + 0.10 * (np.arange(n)[None, :] > 12)
    img += rng.normal(0, 0.01, img.shape)
    F.np, F.pd, F.gpd, F.da = np, pd, gpd, da
    F.img = img
    F.img_chw = np.moveaxis(img, -1, 0).copy()
    F.truth = truth
    F.seg = segment(img, spatial_radius=3, range_radius=16, min_size=4)
    F.labels = F.seg.labels
    F.n_seg = int(F.labels.max())
    F.labels_float = F.labels.astype(float)
    F.red = img[..., 0].copy()
    F.ndvi = (img[..., 1] - img[..., 0]) / (img[..., 1] + img[..., 0])
    F.aspect = rng.uniform(0, 360, (n, n))
    F.image8 = to_uint8(img)
    F.y, F.fraction = labels.label_segments(F.labels, truth)
    assert set(F.y) == {0, 1}, "the fixture needs both classes"
    F.values = np.linspace(0, 1, F.n_seg)
    F.weights = scale.adjacency_matrix(F.labels)
    table = features.object_features(F.labels, {"NDVI": F.ndvi, "red": F.red},
                                      resolution=10.0)
    F.features = table[["NDVI", "red", "area_m2", "elongation"]].fillna(0.0)
    F.forest = classifier.train_random_forest(F.features, F.y, n_estimators=5)
    F.T = Affine(10.0, 0.0, 345000.0, 0.0, -10.0, 6822000.0)
    F.T_far = Affine(10.0, 0.0, 400000.0, 0.0, -10.0, 6822000.0)    # a grid 55 km east
    F.crs = CRS.from_epsg(32632)
    F.slides = inventory.landslide_polygons(truth, F.T, F.crs)
    F.slides["area_m2"] = F.slides.geometry.area
    F.prob = rng.random((n, n))
    F.meta = inventory.inventory_metadata("OBIA", {"hr": 16}, "simulated Sentinel-2",
                                          ["2019-08-01", "2019-09-30"], date_mapped="2026-01-02")
    F.polygons = inventory.landslide_polygons(truth, F.T, F.crs, probability=F.prob)
    # CART: a 4-band stack and training points sampled from it
    bands = ("B02", "B03", "B04", "B08")
    data = np.stack([img[..., 0], img[..., 1], img[..., 2], img[..., 1] + 0.2]).astype(np.float32)
    F.bands = list(bands)
    F.stack = Raster(data, F.T, F.crs, bands)
    rows, cols = np.nonzero(np.ones((n, n), bool))
    pick = rng.choice(len(rows), 40, replace=False)
    classes = np.where(truth[rows[pick], cols[pick]] == 1, "landslide",
                       np.where(cols[pick] > 12, "forest", "water"))
    classes[:4] = "landslide"
    rr, cc = rows[pick], cols[pick]
    rr[:4], cc[:4] = [5, 6, 16, 17], [5, 6, 15, 16]
    F.table = pd.DataFrame({b: data[i, rr, cc] for i, b in enumerate(bands)})
    F.table["class_name"] = classes
    xs, ys = F.T * (cc + 0.5, rr + 0.5)
    F.points = gpd.GeoDataFrame({"class_name": classes}, geometry=[Point(x, y) for x, y in
                                                                     zip(xs, ys)], crs=F.crs)
    F.cart = fit_pixel_classifier(F.table, F.bands)
    F.summary = tree_summary(F.cart)
    # time series
    dates = np.arange("2015-01-01", "2019-01-01", 16, dtype="datetime64[D]")
    sim = simulate_ndvi_series(dates, shape=(3, 3), landslide_date="2017-07-01", seed=1)
    F.dates, F.series, F.series_truth = sim.dates, sim.ndvi, sim.truth
    F.breaks = ts.detect_breaks(F.dates, F.series, "2017-01-01")
    # scaling: a dask stack, SCL codes, a binary map, a product GeoTIFF
    t, b = 2, 6
    refl = (rng.random((t, b, 32, 32)) * 0.3 + 0.02).astype(np.float32)
    F.s2_names = ["B02", "B03", "B04", "B08", "B11", "B12"]
    F.dstack = da.from_array(refl, chunks=(t, b, 16, 16))
    F.dscl = da.from_array(np.full((t, 1, 32, 32), 4, np.uint8), chunks=(t, 1, 16, 16))
    F.dpre = da.from_array(refl[0], chunks=(b, 16, 16))
    F.dpost = da.from_array(refl[1], chunks=(b, 16, 16))
    binary = (rng.random((32, 32)) > 0.7).astype(np.float32)
    F.dbinary = da.from_array(binary[None], chunks=(1, 16, 16))
    F.product_dir = root / "products"
    F.product_dir.mkdir()
    grid = Affine(10.0, 0.0, 345000.0, 0.0, -10.0, 6822000.0)
    F.product_raster = Raster(refl, grid, F.crs, tuple(F.s2_names),
                              dates=np.array(["2019-07-01", "2019-07-11"], "datetime64[D]"))
    F.product = products.write_raster_product("s2_pre", F.product_raster, F.product_dir)
    F.plain_tif = root / "plain.tif"
    from course_lib.data.raster import write_geotiff
    write_geotiff(Raster(refl[0, :1], grid, F.crs, ("B02",)), F.plain_tif)
    F.dem_raster = Raster(rng.random((1, 32, 32)).astype(np.float32), grid, F.crs, ("dem",))
    # Landslide4Sense: two made-up patches and an archive of them
    F.l4s = l4s.write_example_patches(root / "l4s", n=2, size=16, seed=1)
    F.patches = l4s.load_patches(F.l4s)
    F.l4s_zip = root / "TrainData.zip"
    with zipfile.ZipFile(F.l4s_zip, "w") as zf:
        for file in sorted(F.l4s.rglob("*.h5")):
            zf.write(file, f"TrainData/{file.relative_to(F.l4s).as_posix()}")
    F.text_file = root / "notes.txt"
    F.text_file.write_text("not a zip, not a GeoPackage, not an HDF5 file")
    F.options = {"a": "accuracy", "b": "MCC"}


# --------------------------------------------------------------------------- helpers
def _is_nan_everywhere(array) -> str | None:
    import numpy as np

    return "the result is all NaN" if np.isnan(np.asarray(array, float)).all() else None


def _fresh_inventory(layer: str = "landslides", **kw) -> Path:
    from course_lib.obia import inventory

    folder = _fresh()
    inventory.write_inventory(F.polygons, folder / "inv", F.meta, layer=layer, **kw)
    return folder / "inv"


def _real_patch_folder() -> Path:
    """A folder holding one 'real' patch (an HDF5 file without the made-up mark)."""
    import h5py
    import numpy as np

    folder = _fresh()
    (folder / "img").mkdir()
    with h5py.File(folder / "img" / "image_1.h5", "w") as f:
        f.create_dataset("img", data=np.ones((16, 16, 14)))
    return folder


def _other_layers_lost(path: Path) -> str | None:
    import pyogrio

    layers = [str(name) for name, _ in pyogrio.list_layers(path.with_suffix(".gpkg"))]
    return None if "mine" in layers else f"the learner's layer 'mine' is gone: {layers}"


def _mixed_shapefile() -> Path:
    """A new .shp with the old .shx and .dbf (an interrupted overwrite of an older version)."""
    import shutil

    from course_lib.obia import inventory

    folder = _fresh()
    inventory.write_inventory(F.polygons, folder / "old", F.meta, formats=("shp",))
    inventory.write_inventory(F.polygons.iloc[:1], folder / "new", F.meta, formats=("shp",))
    shutil.copy(folder / "new.shp", folder / "old.shp")
    return folder / "old.shp"


def _close_cluster(result) -> str | None:
    client, cluster = result
    client.close()
    cluster.close()
    return "started a cluster from a bad argument"


# --------------------------------------------------------------------------- the cases
def define_cases() -> None:  # noqa: C901 - one long list, by module
    import numpy as np
    import pandas as pd

    from course_lib.cart import explain, models, training
    from course_lib.data import landslide4sense as l4s, online
    from course_lib.learner import reset, selfcheck, setup_check
    from course_lib.obia import (assessment, classifier, features, inventory, labels, scale,
                                 segmentation as seg)
    from course_lib.scaling import chunked, cluster, lazy
    from course_lib.simulator import StudyAreaParams, products
    from course_lib import timeseries as ts

    # ---- obia.checks (the shared checks, called directly)
    from course_lib.obia import checks as obia_checks

    S = "course_lib.obia.checks."
    case(S + "as_labels", "None", lambda: obia_checks.as_labels(None), "labels")
    case(S + "as_labels", "a boolean mask", lambda: obia_checks.as_labels(F.truth == 1),
         "labels")
    case(S + "as_image", "a file name", lambda: obia_checks.as_image("x.tif"), "image")
    case(S + "as_image", "a Raster", lambda: obia_checks.as_image(F.stack), "image")
    case(S + "check_positive", "-1", lambda: obia_checks.check_positive(-1, "min_size"),
         "min_size")
    case(S + "check_grid_polygons", "a string",
         lambda: obia_checks.check_grid_polygons("slides", F.T, (24, 24)), "landslides")
    case(S + "check_grid_polygons", "transform as a tuple",
         lambda: obia_checks.check_grid_polygons(F.slides, tuple(F.T), (24, 24)), "transform")
    case(S + "check_grid_polygons", "an unknown CRS",
         lambda: obia_checks.check_grid_polygons(F.slides, F.T, (24, 24), crs="EPSG:0"), "crs")

    S = "course_lib.obia.segmentation."
    # ---- obia.segmentation
    case(S + "check_image", "None", lambda: seg.check_image(None), "image")
    case(S + "check_image", "2-D image", lambda: seg.check_image(F.img[..., 0]), "image")
    case(S + "check_image", "a file name", lambda: seg.check_image("post.tif"), "image")
    case(S + "check_image", "valid on another grid",
         lambda: seg.check_image(F.img, valid=np.ones((4, 4), bool)), "valid")
    case(S + "check_image", "SCL codes as valid",
         lambda: seg.check_image(F.img, valid=np.full((24, 24), 4)), "valid")
    case(S + "check_image", "nodata='drop'", lambda: seg.check_image(F.img, nodata="drop"),
         "nodata")
    case(S + "check_image", "bands first (from a Raster)", lambda: seg.check_image(F.img_chw),
         "image", "bands")
    case(S + "check_image", "list of strings", lambda: seg.check_image([[["a"]]]), "image")
    case(S + "to_uint8", "percentiles reversed",
         lambda: seg.to_uint8(F.img, percentiles=(98, 2)), "percentiles")
    case(S + "to_uint8", "percentiles as one number",
         lambda: seg.to_uint8(F.img, percentiles=2), "percentiles")
    case(S + "to_uint8", "percentiles as fractions (0.02, 0.98)",
         lambda: seg.to_uint8(F.img, percentiles=(0.02, 0.98)), "percentiles")
    case(S + "to_uint8", "bands first", lambda: seg.to_uint8(F.img_chw), "image", "bands")
    case(S + "to_uint8", "valid as class codes",
         lambda: seg.to_uint8(F.img, valid=np.full((24, 24), 6)), "valid")
    case(S + "segment", "method misspelt", lambda: seg.segment(F.img, "meanshift"), "method")
    case(S + "segment", "negative spatial_radius",
         lambda: seg.segment(F.img, spatial_radius=-1), "spatial_radius")
    case(S + "segment", "range_radius as a string",
         lambda: seg.segment(F.img, range_radius="16"), "range_radius")
    case(S + "segment", "range_radius None", lambda: seg.segment(F.img, range_radius=None),
         "range_radius")
    case(S + "segment", "min_size 0", lambda: seg.segment(F.img, min_size=0), "min_size")
    case(S + "segment", "min_size 2.5", lambda: seg.segment(F.img, min_size=2.5), "min_size")
    case(S + "segment", "min_size as a string", lambda: seg.segment(F.img, min_size="10"),
         "min_size")
    case(S + "segment", "four bands", lambda: seg.segment(np.dstack([F.img, F.red])),
         "image", "bands")
    case(S + "segment", "bands first", lambda: seg.segment(F.img_chw), "image", "bands")
    case(S + "segment", "all NaN", lambda: seg.segment(np.full((8, 8, 3), np.nan)), "image")
    case(S + "segment", "valid as 0/255", lambda: seg.segment(F.img, valid=F.truth * 255),
         "valid")
    case(S + "segment", "negative grouping_tolerance",
         lambda: seg.segment(F.img, grouping_tolerance=-5), "grouping_tolerance")
    case(S + "segment", "nodata misspelt", lambda: seg.segment(F.img, nodata="ignore"),
         "nodata")
    case(S + "segment", "percentiles as fractions",
         lambda: seg.segment(F.img, percentiles=(0.02, 0.98)), "percentiles")
    case(S + "segment", "a Raster-like object", lambda: seg.segment(F.stack), "image")
    case(S + "segment", "quickshift with a negative seed",
         lambda: seg.segment(F.img, "quickshift", seed=-1), "seed")
    case(S + "mean_shift_smooth", "float image", lambda: seg.mean_shift_smooth(F.img, 5, 16),
         "image8")
    case(S + "mean_shift_smooth", "range_radius None",
         lambda: seg.mean_shift_smooth(F.image8, 5, None), "range_radius")
    case(S + "mean_shift_smooth", "negative spatial_radius",
         lambda: seg.mean_shift_smooth(F.image8, -3, 16), "spatial_radius")
    case(S + "group_connected", "valid None",
         lambda: seg.group_connected(F.image8, None), "valid")
    case(S + "group_connected", "valid on another grid",
         lambda: seg.group_connected(F.image8, np.ones((4, 4), bool)), "valid")
    case(S + "group_connected", "negative tolerance",
         lambda: seg.group_connected(F.image8, np.ones((24, 24), bool), tolerance=-1),
         "tolerance")
    case(S + "group_connected", "values None",
         lambda: seg.group_connected(None, np.ones((24, 24), bool)), "values")
    case(S + "merge_small_regions", "min_size 0",
         lambda: seg.merge_small_regions(F.labels, F.image8, 0), "min_size")
    case(S + "merge_small_regions", "a Segmentation for labels",
         lambda: seg.merge_small_regions(F.seg, F.image8, 4), "labels",
         detect=lambda r: None if np.array_equal(r, F.labels) else "labels changed")
    case(S + "merge_small_regions", "values on another grid",
         lambda: seg.merge_small_regions(F.labels, F.image8[:4], 4), "values")
    case(S + "merge_small_regions", "float labels with NaN",
         lambda: seg.merge_small_regions(np.where(F.labels == 1, np.nan, F.labels_float),
                                         F.image8, 4), "labels")
    case(S + "merge_small_regions", "min_size as a string",
         lambda: seg.merge_small_regions(F.labels, F.image8, "4"), "min_size")
    case(S + "relabel_connected", "a string", lambda: seg.relabel_connected("labels"),
         "labels")
    case(S + "relabel_connected", "negative labels (-1 nodata)",
         lambda: seg.relabel_connected(np.where(F.labels == 1, -1, F.labels)), "labels")
    case(S + "relabel_connected", "1-D labels",
         lambda: seg.relabel_connected(F.labels.ravel()), "labels")
    case(S + "segment_sizes", "float labels", lambda: seg.segment_sizes(F.labels_float + 0.5),
         "labels")
    case(S + "segment_sizes", "negative labels",
         lambda: seg.segment_sizes(np.where(F.labels == 1, -1, F.labels)), "labels")
    case(S + "segment_sizes", "None", lambda: seg.segment_sizes(None), "labels")
    case(S + "segment_sizes", "a Segmentation", lambda: seg.segment_sizes(F.seg), "labels",
         detect=lambda r: None if len(r) == F.n_seg + 1 else "wrong sizes")
    case(S + "neighbour_pairs", "1-D labels", lambda: seg.neighbour_pairs(F.labels.ravel()),
         "labels")
    case(S + "neighbour_pairs", "connectivity 8",
         lambda: seg.neighbour_pairs(F.labels, connectivity=8), "connectivity")
    case(S + "neighbour_pairs", "None", lambda: seg.neighbour_pairs(None), "labels")

    # ---- obia.scale
    S = "course_lib.obia.scale."
    case(S + "adjacency_matrix", "1-D labels", lambda: scale.adjacency_matrix(F.labels.ravel()),
         "labels")
    case(S + "adjacency_matrix", "float labels",
         lambda: scale.adjacency_matrix(F.labels_float + 0.5), "labels")
    case(S + "adjacency_matrix", "a Segmentation", lambda: scale.adjacency_matrix(F.seg),
         "labels", detect=lambda r: None if r.shape == (F.n_seg, F.n_seg) else "wrong shape")
    case(S + "adjacency_matrix", "None", lambda: scale.adjacency_matrix(None), "labels")
    case(S + "morans_i", "weights of another size",
         lambda: scale.morans_i(F.values[:-1], F.weights), "weights")
    case(S + "morans_i", "weights as a string", lambda: scale.morans_i(F.values, "queen"),
         "weights")
    case(S + "morans_i", "transformation misspelt",
         lambda: scale.morans_i(F.values, F.weights, "row"), "transformation")
    case(S + "morans_i", "values with NaN",
         lambda: scale.morans_i(np.where(F.values > 0.5, np.nan, F.values), F.weights),
         "values", detect=_is_nan_everywhere)
    case(S + "morans_i", "values None", lambda: scale.morans_i(None, F.weights), "values")
    case(S + "morans_i", "values as strings",
         lambda: scale.morans_i(np.array(["a"] * F.n_seg), F.weights), "values")
    case(S + "segment_means", "values on another grid",
         lambda: scale.segment_means(F.red[:10], F.labels), "values")
    case(S + "segment_means", "values with NaN",
         lambda: scale.segment_means(np.where(F.truth == 1, np.nan, F.red), F.labels), "values",
         "NaN", detect=lambda r: "NaN means" if np.isnan(r).any() else None)
    case(S + "segment_means", "float labels",
         lambda: scale.segment_means(F.red, F.labels_float + 0.5), "labels")
    case(S + "within_segment_variance", "image on another grid",
         lambda: scale.within_segment_variance(F.img[:10], F.labels), "image")
    case(S + "within_segment_variance", "image None",
         lambda: scale.within_segment_variance(None, F.labels), "image")
    case(S + "within_segment_variance", "labels with no segment",
         lambda: scale.within_segment_variance(F.img, np.zeros((24, 24), int)), "labels",
         detect=_is_nan_everywhere)
    case(S + "within_segment_variance", "image with NaN",
         lambda: scale.within_segment_variance(np.where(F.img > 0.3, np.nan, F.img), F.labels),
         "image", "NaN", detect=_is_nan_everywhere)
    case(S + "segment_morans_i", "image on another grid",
         lambda: scale.segment_morans_i(F.img[:10], F.labels), "image")
    case(S + "segment_morans_i", "transformation misspelt",
         lambda: scale.segment_morans_i(F.img, F.labels, transformation="R"), "transformation")
    case(S + "segment_morans_i", "labels None",
         lambda: scale.segment_morans_i(F.img, None), "labels")
    case(S + "choose_plateau", "radii and objective of different lengths",
         lambda: scale.choose_plateau([2, 4], [0.1, 0.5, 0.9]), "radii", "objective")
    case(S + "choose_plateau", "radii as a string",
         lambda: scale.choose_plateau("246", [0.1, 0.5, 0.9]), "radii")
    case(S + "choose_plateau", "objective as strings",
         lambda: scale.choose_plateau([2, 4, 6], ["a", "b", "c"]), "objective")
    case(S + "choose_plateau", "all NaN", lambda: scale.choose_plateau([2, 4], [np.nan] * 2),
         "objective")
    case(S + "plateau_objective", "one radius",
         lambda: scale.plateau_objective(F.img, [16]), "range_radii")
    case(S + "plateau_objective", "a single number",
         lambda: scale.plateau_objective(F.img, 16), "range_radii")
    case(S + "plateau_objective", "decreasing radii",
         lambda: scale.plateau_objective(F.img, [16, 8, 4]), "range_radii")
    case(S + "plateau_objective", "a radius as a string",
         lambda: scale.plateau_objective(F.img, [2, 4, "6"]), "range_radii")
    case(S + "plateau_objective", "method misspelt",
         lambda: scale.plateau_objective(F.img, [2, 4, 6], method="otb"), "method")
    case(S + "plateau_objective", "zero spatial radius",
         lambda: scale.plateau_objective(F.img, [2, 4, 6], spatial_radius=0), "spatial_radius")
    case(S + "plateau_objective", "bands first",
         lambda: scale.plateau_objective(F.img_chw, [2, 4, 6]), "image", "bands")
    case(S + "plateau_objective", "negative radii",
         lambda: scale.plateau_objective(F.img, [-4, -2, 0]), "range_radii")

    # ---- obia.features
    S = "course_lib.obia.features."
    case(S + "quantize", "one level", lambda: features.quantize(F.red, levels=1), "levels")
    case(S + "quantize", "levels as a string", lambda: features.quantize(F.red, levels="32"),
         "levels")
    case(S + "quantize", "levels 32.5", lambda: features.quantize(F.red, levels=32.5), "levels")
    case(S + "quantize", "all NaN", lambda: features.quantize(np.full((4, 4), np.nan)), "band")
    case(S + "quantize", "value_range reversed",
         lambda: features.quantize(F.red, value_range=(1, 0)), "value_range")
    case(S + "quantize", "value_range one number",
         lambda: features.quantize(F.red, value_range=0.5), "value_range")
    case(S + "quantize", "a file name", lambda: features.quantize("red.tif"), "band")
    case(S + "glcm_texture", "even window", lambda: features.glcm_texture(F.red, window=4),
         "window")
    case(S + "glcm_texture", "window as a string",
         lambda: features.glcm_texture(F.red, window="7"), "window")
    case(S + "glcm_texture", "3-band image", lambda: features.glcm_texture(F.img), "band")
    case(S + "glcm_texture", "distance 0", lambda: features.glcm_texture(F.red, distance=0),
         "distance")
    case(S + "glcm_texture", "angles in radians",
         lambda: features.glcm_texture(F.red, angles=[0, np.pi / 4, np.pi / 2]), "angles")
    case(S + "glcm_texture", "angles as one number",
         lambda: features.glcm_texture(F.red, angles=45), "angles")
    case(S + "glcm_texture", "band None", lambda: features.glcm_texture(None), "band")
    case(S + "segment_mean", "float labels",
         lambda: features.segment_mean(F.red, F.labels_float + 0.5), "labels")
    case(S + "segment_mean", "values on another grid",
         lambda: features.segment_mean(F.red[:5], F.labels), "values")
    case(S + "segment_mean", "values as strings",
         lambda: features.segment_mean([["a"]], F.labels), "values")
    case(S + "segment_mean", "a Segmentation", lambda: features.segment_mean(F.red, F.seg),
         "labels", detect=lambda r: None if len(r) == F.n_seg else "wrong length")
    case(S + "segment_mean", "labels and values swapped",
         lambda: features.segment_mean(F.labels, F.red), "labels")
    case(S + "segment_mean_finite", "float labels",
         lambda: features.segment_mean_finite(F.red, F.labels_float + 0.5), "labels")
    case(S + "segment_mean_finite", "values on another grid",
         lambda: features.segment_mean_finite(F.red[:5], F.labels), "values")
    case(S + "segment_mean_finite", "values None",
         lambda: features.segment_mean_finite(None, F.labels), "values")
    case(S + "segment_means_table", "a list of layers",
         lambda: features.segment_means_table([F.ndvi, F.red], F.labels), "layers")
    case(S + "segment_means_table", "no layer",
         lambda: features.segment_means_table({}, F.labels), "layers")
    case(S + "segment_means_table", "a layer on another grid",
         lambda: features.segment_means_table({"NDVI": F.ndvi[:5]}, F.labels), "NDVI")
    case(S + "shape_features", "resolution 0",
         lambda: features.shape_features(F.labels, resolution=0), "resolution")
    case(S + "shape_features", "resolution as a string",
         lambda: features.shape_features(F.labels, resolution="10"), "resolution")
    case(S + "shape_features", "resolution as (10, 10)",
         lambda: features.shape_features(F.labels, resolution=(10, 10)), "resolution")
    case(S + "shape_features", "aspect in radians",
         lambda: features.shape_features(F.labels, aspect=np.radians(F.aspect)), "aspect")
    case(S + "shape_features", "aspect on another grid",
         lambda: features.shape_features(F.labels, aspect=F.aspect[:5]), "aspect")
    case(S + "shape_features", "labels None", lambda: features.shape_features(None), "labels")
    case(S + "object_features", "a list of layers",
         lambda: features.object_features(F.labels, [F.ndvi]), "layers")
    case(S + "object_features", "red on another grid",
         lambda: features.object_features(F.labels, {"NDVI": F.ndvi}, red=F.red[:5]), "red")
    case(S + "object_features", "negative resolution",
         lambda: features.object_features(F.labels, {"NDVI": F.ndvi}, resolution=-10),
         "resolution")
    case(S + "object_features", "even GLCM window",
         lambda: features.object_features(F.labels, {"NDVI": F.ndvi}, red=F.red,
                                          glcm_window=4), "window")
    case(S + "object_features", "a layer as a file name",
         lambda: features.object_features(F.labels, {"NDVI": "ndvi.tif"}), "NDVI", "layers")
    case(S + "object_features", "a Segmentation",
         lambda: features.object_features(F.seg, {"NDVI": F.ndvi}), "labels",
         detect=lambda r: None if len(r) == F.n_seg else "wrong length")
    case(S + "object_features", "red with NaN inside segments",
         lambda: features.object_features(F.labels, {"NDVI": F.ndvi},
                                          red=np.where(F.truth == 1, np.nan, F.red)), "red")

    # ---- obia.labels
    S = "course_lib.obia.labels."
    case(S + "landslide_fraction", "0/255 truth",
         lambda: labels.landslide_fraction(F.labels, F.truth * 255), "truth",
         detect=lambda r: "every fraction is 0" if not np.any(r) else None)
    case(S + "landslide_fraction", "truth on another grid",
         lambda: labels.landslide_fraction(F.labels, F.truth[:5]), "truth")
    case(S + "landslide_fraction", "probability map as truth",
         lambda: labels.landslide_fraction(F.labels, F.prob), "truth")
    case(S + "landslide_fraction", "float labels",
         lambda: labels.landslide_fraction(F.labels_float + 0.5, F.truth), "labels")
    case(S + "landslide_fraction", "truth None",
         lambda: labels.landslide_fraction(F.labels, None), "truth")
    case(S + "landslide_fraction", "labels and truth swapped",
         lambda: labels.landslide_fraction(F.truth, F.labels), "truth", "labels")
    case(S + "label_segments", "min_fraction in percent",
         lambda: labels.label_segments(F.labels, F.truth, min_fraction=50), "min_fraction")
    case(S + "label_segments", "min_fraction as a string",
         lambda: labels.label_segments(F.labels, F.truth, min_fraction="0.5"), "min_fraction")
    case(S + "label_segments", "0/255 truth",
         lambda: labels.label_segments(F.labels, F.truth * 255), "truth",
         detect=lambda r: "no landslide segment" if not r[0].any() else None)
    case(S + "label_segments", "truth as a Raster of class codes",
         lambda: labels.label_segments(F.labels, F.truth * 3), "truth")
    case(S + "label_segments", "min_fraction NaN",
         lambda: labels.label_segments(F.labels, F.truth, min_fraction=np.nan), "min_fraction")
    case(S + "captured_landslides", "polygons in EPSG:4326",
         lambda: labels.captured_landslides(F.labels, F.y, F.slides.to_crs(4326), F.T),
         "crs", "to_crs")
    case(S + "captured_landslides", "one flag short",
         lambda: labels.captured_landslides(F.labels, F.y[:-1], F.slides, F.T), "is_landslide")
    case(S + "captured_landslides", "transform None",
         lambda: labels.captured_landslides(F.labels, F.y, F.slides, None), "transform")
    case(S + "captured_landslides", "a file name for the polygons",
         lambda: labels.captured_landslides(F.labels, F.y, "slides.gpkg", F.T), "landslides")
    case(S + "captured_landslides", "id_column misspelt",
         lambda: labels.captured_landslides(F.labels, F.y, F.slides, F.T, id_column="ID"),
         "id_column")
    case(S + "captured_landslides", "probabilities as flags",
         lambda: labels.captured_landslides(F.labels, np.linspace(0.01, 0.4, F.n_seg),
                                            F.slides, F.T), "is_landslide")
    case(S + "captured_landslides", "polygons off the grid (another transform)",
         lambda: labels.captured_landslides(F.labels, F.y, F.slides,
                                            F.T_far), "grid", "transform")
    case(S + "captured_landslides", "grid CRS differs (crs=)",
         lambda: labels.captured_landslides(F.labels, F.y, F.slides, F.T, crs="EPSG:32633"),
         "crs", "to_crs")

    # ---- obia.classifier
    S = "course_lib.obia.classifier."
    case(S + "check_features", "None", lambda: classifier.check_features(None), "features")
    case(S + "check_features", "a text column",
         lambda: classifier.check_features(F.features.assign(name="slide")), "features", "name")
    case(S + "check_features", "NaN", lambda: classifier.check_features(
        F.features.assign(NDVI=np.nan)), "features")
    case(S + "check_features", "an empty table",
         lambda: classifier.check_features(F.features.iloc[:0]), "features")
    case(S + "train_random_forest", "y one short",
         lambda: classifier.train_random_forest(F.features, F.y[:-1], n_estimators=3), "y")
    case(S + "train_random_forest", "y one class",
         lambda: classifier.train_random_forest(F.features, np.zeros_like(F.y), n_estimators=3),
         "y")
    case(S + "train_random_forest", "y as class names",
         lambda: classifier.train_random_forest(
             F.features, np.where(F.y == 1, "landslide", "other"), n_estimators=3), "y")
    case(S + "train_random_forest", "0 trees",
         lambda: classifier.train_random_forest(F.features, F.y, n_estimators=0),
         "n_estimators")
    case(S + "train_random_forest", "class_weight misspelt",
         lambda: classifier.train_random_forest(F.features, F.y, n_estimators=3,
                                                class_weight="balance"), "class_weight")
    case(S + "train_random_forest", "n_jobs 0",
         lambda: classifier.train_random_forest(F.features, F.y, n_estimators=3, n_jobs=0),
         "n_jobs")
    case(S + "train_random_forest", "seed as a string",
         lambda: classifier.train_random_forest(F.features, F.y, n_estimators=3, seed="2019"),
         "seed")
    case(S + "train_random_forest", "y as probabilities",
         lambda: classifier.train_random_forest(F.features, np.linspace(0.05, 0.95, F.n_seg),
                                                n_estimators=3), "y")
    case(S + "train_random_forest", "an unknown option",
         lambda: classifier.train_random_forest(F.features, F.y, n_estimators=3, max_dept=3),
         "max_dept")
    case(S + "landslide_probability", "a feature missing",
         lambda: classifier.landslide_probability(F.forest, F.features.drop(columns="red")),
         "features", "red")
    case(S + "landslide_probability", "columns in another order",
         lambda: classifier.landslide_probability(F.forest, F.features[F.features.columns[::-1]]),
         "features",
         detect=lambda r: None if np.allclose(r, classifier.landslide_probability(
             F.forest, F.features)) else "columns taken in the wrong order")
    case(S + "landslide_probability", "a string for the model",
         lambda: classifier.landslide_probability("forest", F.features), "model")
    case(S + "landslide_probability", "an unfitted model",
         lambda: classifier.landslide_probability(
             __import__("sklearn.ensemble").ensemble.RandomForestClassifier(), F.features),
         "model", "fitted")
    case(S + "landslide_probability", "features and model swapped",
         lambda: classifier.landslide_probability(F.features, F.forest), "model")
    case(S + "importances", "y one short",
         lambda: classifier.importances(F.forest, F.features, F.y[:-1], n_repeats=1), "y")
    case(S + "importances", "n_repeats 0",
         lambda: classifier.importances(F.forest, F.features, F.y, n_repeats=0), "n_repeats")
    case(S + "importances", "scoring misspelt",
         lambda: classifier.importances(F.forest, F.features, F.y, n_repeats=1, scoring="mcc"),
         "scoring")
    case(S + "importances", "y of one class",
         lambda: classifier.importances(F.forest, F.features, np.zeros_like(F.y), n_repeats=1),
         "y")
    case(S + "importances", "a model that is not fitted",
         lambda: classifier.importances("forest", F.features, F.y), "model")
    case(S + "segment_values_to_pixels", "Series with a 0-based index",
         lambda: classifier.segment_values_to_pixels(F.labels, pd.Series(F.values)),
         "index", "values")
    case(S + "segment_values_to_pixels", "index 0..n-1",
         lambda: classifier.segment_values_to_pixels(F.labels, F.values,
                                                     index=np.arange(F.n_seg)), "index")
    case(S + "segment_values_to_pixels", "one value short",
         lambda: classifier.segment_values_to_pixels(F.labels, F.values[:-1]), "values")
    case(S + "segment_values_to_pixels", "index beyond the segments",
         lambda: classifier.segment_values_to_pixels(F.labels, [1.0], index=[F.n_seg + 5]),
         "index")
    case(S + "segment_values_to_pixels", "negative index",
         lambda: classifier.segment_values_to_pixels(F.labels, [1.0], index=[-1]), "index")
    case(S + "segment_values_to_pixels", "values as strings",
         lambda: classifier.segment_values_to_pixels(F.labels, ["a"] * F.n_seg), "values")
    case(S + "segment_values_to_pixels", "values as a column (n, 1)",
         lambda: classifier.segment_values_to_pixels(F.labels, F.values[:, None]), "values")
    case(S + "segment_values_to_pixels", "float labels",
         lambda: classifier.segment_values_to_pixels(F.labels_float + 0.5, F.values), "labels")
    case(S + "segment_values_to_pixels", "a DataFrame of values",
         lambda: classifier.segment_values_to_pixels(F.labels, F.features), "values")
    case(S + "segment_values_to_pixels", "index of another length",
         lambda: classifier.segment_values_to_pixels(F.labels, F.values, index=[1, 2]),
         "index", "values")
    case(S + "segment_values_to_pixels", "duplicate index",
         lambda: classifier.segment_values_to_pixels(F.labels, [0.2, 0.9], index=[1, 1]),
         "index")
    case(S + "split_segments_by_column", "negative column",
         lambda: classifier.split_segments_by_column(F.labels, column=-5), "column")
    case(S + "split_segments_by_column", "column beyond the grid",
         lambda: classifier.split_segments_by_column(F.labels, column=100), "column")
    case(S + "split_segments_by_column", "column as a string",
         lambda: classifier.split_segments_by_column(F.labels, column="12"), "column")
    case(S + "split_segments_by_column", "negative gap",
         lambda: classifier.split_segments_by_column(F.labels, column=12, gap=-1), "gap")
    case(S + "split_segments_by_column", "a map coordinate for column",
         lambda: classifier.split_segments_by_column(F.labels, column=345120.0), "column")

    # ---- obia.inventory
    S = "course_lib.obia.inventory."
    case(S + "landslide_polygons", "no grid",
         lambda: inventory.landslide_polygons(F.truth), "transform")
    case(S + "landslide_polygons", "a probability map",
         lambda: inventory.landslide_polygons(F.prob, F.T, F.crs), "prediction")
    case(S + "landslide_polygons", "a 0/255 mask",
         lambda: inventory.landslide_polygons(F.truth * 255, F.T, F.crs), "prediction")
    case(S + "landslide_polygons", "transform as a tuple",
         lambda: inventory.landslide_polygons(F.truth, tuple(F.T)[:6], F.crs), "transform")
    case(S + "landslide_polygons", "an unknown CRS",
         lambda: inventory.landslide_polygons(F.truth, F.T, "EPSG:99999"), "crs")
    case(S + "landslide_polygons", "probability on another grid",
         lambda: inventory.landslide_polygons(F.truth, F.T, F.crs, probability=F.prob[:5]),
         "probability")
    case(S + "landslide_polygons", "probability in percent",
         lambda: inventory.landslide_polygons(F.truth, F.T, F.crs, probability=F.prob * 100),
         "probability")
    case(S + "landslide_polygons", "prediction None",
         lambda: inventory.landslide_polygons(None, F.T, F.crs), "prediction")
    case(S + "inventory_metadata", "empty method",
         lambda: inventory.inventory_metadata("", {}, "S2", "2019"), "method")
    case(S + "inventory_metadata", "method None",
         lambda: inventory.inventory_metadata(None, {}, "S2", "2019"), "method")
    case(S + "inventory_metadata", "source None",
         lambda: inventory.inventory_metadata("OBIA", {}, None, "2019"), "source")
    case(S + "inventory_metadata", "no image dates",
         lambda: inventory.inventory_metadata("OBIA", {}, "S2", []), "image_dates")
    case(S + "inventory_metadata", "impossible date",
         lambda: inventory.inventory_metadata("OBIA", {}, "S2", ["2019-13-45"]), "image_dates")
    case(S + "inventory_metadata", "a year as an int",
         lambda: inventory.inventory_metadata("OBIA", {}, "S2", 2019), "image_dates")
    case(S + "inventory_metadata", "date_mapped 'yesterday'",
         lambda: inventory.inventory_metadata("OBIA", {}, "S2", "2019", date_mapped="yesterday"),
         "date_mapped")
    case(S + "inventory_metadata", "params None",
         lambda: inventory.inventory_metadata("OBIA", None, "S2", "2019"), "params")
    case(S + "inventory_metadata", "params too long",
         lambda: inventory.inventory_metadata("OBIA", {"p": "x" * 300}, "S2", "2019"), "params")
    case(S + "inventory_metadata", "params as a list",
         lambda: inventory.inventory_metadata("OBIA", [16, 10], "S2", "2019"), "params")
    case(S + "inventory_paths", "an int path", lambda: inventory.inventory_paths(3), "path")
    case(S + "inventory_paths", "a .tif path", lambda: inventory.inventory_paths("inv.tif"),
         "path", ".tif")
    case(S + "inventory_paths", "one format as a string",
         lambda: inventory.inventory_paths("inv", formats="gpkg"), "formats",
         detect=lambda r: None if list(r) == ["gpkg"] else f"formats read as {list(r)}")
    case(S + "inventory_paths", "geojson", lambda: inventory.inventory_paths("inv", ["geojson"]),
         "formats")
    case(S + "write_inventory", "existing inventory without overwrite",
         lambda: inventory.write_inventory(F.polygons, _fresh_inventory(), F.meta), "overwrite")
    case(S + "write_inventory", "overwrite a layer next to the learner's own",
         lambda: _overwrite_beside_own_layer(), "layer", detect=_other_layers_lost)
    case(S + "write_inventory", "overwrite='no'",
         lambda: inventory.write_inventory(F.polygons, _fresh_inventory(), F.meta,
                                           overwrite="no"), "overwrite")
    case(S + "write_inventory", "polygons without CRS",
         lambda: inventory.write_inventory(F.polygons.set_crs(None, allow_override=True),
                                           _fresh() / "inv", F.meta), "CRS", "crs")
    case(S + "write_inventory", "an array for polygons",
         lambda: inventory.write_inventory(F.truth, _fresh() / "inv", F.meta), "polygons")
    case(S + "write_inventory", "metadata lacks fields",
         lambda: inventory.write_inventory(F.polygons, _fresh() / "inv", {"method": "x"}),
         "metadata")
    case(S + "write_inventory", "metadata as a string",
         lambda: inventory.write_inventory(F.polygons, _fresh() / "inv", "OBIA"), "metadata")
    case(S + "write_inventory", "empty layer name",
         lambda: inventory.write_inventory(F.polygons, _fresh() / "inv", F.meta, layer=""),
         "layer")
    case(S + "write_inventory", "layer as an int",
         lambda: inventory.write_inventory(F.polygons, _fresh() / "inv", F.meta, layer=3),
         "layer")
    case(S + "write_inventory", "formats geojson",
         lambda: inventory.write_inventory(F.polygons, _fresh() / "inv", F.meta,
                                           formats=["geojson"]), "formats")
    case(S + "write_inventory", "points instead of polygons",
         lambda: inventory.write_inventory(
             F.polygons.set_geometry(F.polygons.centroid), _fresh() / "inv", F.meta),
         "polygons", "Point")
    case(S + "write_inventory", "polygons without the inventory columns",
         lambda: inventory.write_inventory(F.polygons[["geometry"]], _fresh() / "inv", F.meta),
         "polygons")
    case(S + "write_inventory", "a text file where the GeoPackage goes, overwrite=True",
         lambda: (lambda p: (p.with_suffix(".gpkg").write_text("my notes"),
                             inventory.write_inventory(F.polygons, p, F.meta, overwrite=True,
                                                       formats=("gpkg",))))(_fresh() / "inv"),
         "GeoPackage", "gpkg")
    case(S + "read_inventory", "missing file",
         lambda: inventory.read_inventory(_fresh() / "inv.gpkg"), "inv.gpkg", "inventory")
    case(S + "read_inventory", "an int path", lambda: inventory.read_inventory(3), "path")
    case(S + "read_inventory", "a mixed shapefile set",
         lambda: inventory.read_inventory(_mixed_shapefile()), "shx", "dbf", "mixed")
    case(S + "read_inventory", "a truncated GeoPackage",
         lambda: inventory.read_inventory(_truncated_gpkg()), "inv.gpkg", "damaged", "corrupt")
    case(S + "read_inventory", "a GeoPackage with two layers",
         lambda: inventory.read_inventory(_two_layer_inventory().with_suffix(".gpkg")), "layer")
    case(S + "read_inventory", "a text file",
         lambda: inventory.read_inventory(F.text_file), "notes.txt", "inventory")
    case(S + "read_inventory", "a GeoTIFF", lambda: inventory.read_inventory(F.plain_tif),
         "plain.tif", "inventory")
    case(S + "check_shapefile_parts", "a mixed set",
         lambda: inventory.check_shapefile_parts(_mixed_shapefile()), "belong together")
    case(S + "check_shapefile_parts", "a missing .dbf",
         lambda: inventory.check_shapefile_parts(_shapefile_without_dbf()), ".dbf")
    case(S + "check_shapefile_parts", "an int", lambda: inventory.check_shapefile_parts(3),
         "path")
    case(S + "read_inventory", "a layer that is not there",
         lambda: inventory.read_inventory(_fresh_inventory().with_suffix(".gpkg"),
                                          layer="obia"), "layer")

    # ---- obia.assessment
    S = "course_lib.obia.assessment."
    case(S + "size_class_names", "decreasing edges",
         lambda: assessment.size_class_names([2500, 0, np.inf]), "edges")
    case(S + "size_class_names", "a string", lambda: assessment.size_class_names("small"),
         "edges")
    case(S + "size_class_names", "one edge", lambda: assessment.size_class_names([0]), "edges")
    case(S + "detection_by_size", "no transform",
         lambda: assessment.detection_by_size(F.truth, F.slides), "transform")
    case(S + "detection_by_size", "polygons in EPSG:4326",
         lambda: assessment.detection_by_size(F.truth, F.slides.to_crs(4326), F.T), "crs",
         "to_crs")
    case(S + "detection_by_size", "grid CRS differs (crs=)",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T, crs="EPSG:32633"), "crs",
         "to_crs")
    case(S + "detection_by_size", "a probability map",
         lambda: assessment.detection_by_size(F.prob, F.slides, F.T), "prediction")
    case(S + "detection_by_size", "valid as class codes",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T,
                                              valid=np.full((24, 24), 4)), "valid")
    case(S + "detection_by_size", "edges in hectares",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T, edges=(0, 0.25, 1, np.inf)),
         "edges")
    case(S + "detection_by_size", "edges not covering large slides",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T, edges=(0, 100)), "edges")
    case(S + "detection_by_size", "area_column misspelt",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T, area_column="area"),
         "area_column")
    case(S + "detection_by_size", "min_overlap_fraction in percent",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T, min_overlap_fraction=10),
         "min_overlap_fraction")
    case(S + "detection_by_size", "a file name for the polygons",
         lambda: assessment.detection_by_size(F.truth, "slides.gpkg", F.T), "landslides")
    case(S + "detection_by_size", "0/255 truth",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T, truth=F.truth * 255),
         "truth")
    case(S + "detection_by_size", "polygons off the grid",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T_far),
         "grid", "transform")
    case(S + "detection_by_size", "valid on another grid",
         lambda: assessment.detection_by_size(F.truth, F.slides, F.T, valid=np.ones((4, 4))),
         "valid")

    _define_cart_cases(np, pd, models, training, explain)
    _define_timeseries_cases(np, ts)
    _define_scaling_cases(np, chunked, cluster, lazy)
    _define_learner_cases(np, selfcheck, setup_check, reset)
    _define_data_cases(np, l4s, online)
    _define_simulator_cases(np, StudyAreaParams, products)


def _two_layer_inventory() -> Path:
    """An inventory whose GeoPackage also holds the learner's own layer 'mine'."""
    from course_lib.obia import inventory

    folder = _fresh()
    inventory.write_inventory(F.polygons, folder / "inv", F.meta)
    import pyogrio

    pyogrio.write_dataframe(F.polygons.iloc[:1], folder / "inv.gpkg", layer="mine",
                            driver="GPKG")
    return folder / "inv"


def _overwrite_beside_own_layer() -> Path:
    from course_lib.obia import inventory

    path = _two_layer_inventory()
    inventory.write_inventory(F.polygons, path, F.meta, overwrite=True)
    return path


def _shapefile_without_dbf() -> Path:
    path = _fresh_inventory().with_suffix(".shp")
    path.with_suffix(".dbf").unlink()
    return path


def _truncated_gpkg() -> Path:
    path = _fresh_inventory().with_suffix(".gpkg")
    path.write_bytes(path.read_bytes()[:500])
    return path


def _define_cart_cases(np, pd, models, training, explain):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    S = "course_lib.cart.models."
    case(S + "make_cart", "max_depth 0", lambda: models.make_cart(max_depth=0), "max_depth")
    case(S + "make_cart", "max_depth as a string", lambda: models.make_cart(max_depth="3"),
         "max_depth")
    case(S + "make_cart", "min_samples_leaf 0", lambda: models.make_cart(min_samples_leaf=0),
         "min_samples_leaf")
    case(S + "make_cart", "random_state as a string",
         lambda: models.make_cart(random_state="seed"), "random_state")
    case(S + "make_cart", "an unknown option", lambda: models.make_cart(criteria="gini"),
         "criteria")
    case(S + "make_random_forest", "0 trees", lambda: models.make_random_forest(0),
         "n_estimators")
    case(S + "make_random_forest", "2.5 trees", lambda: models.make_random_forest(2.5),
         "n_estimators")
    case(S + "make_random_forest", "negative seed",
         lambda: models.make_random_forest(10, random_state=-1), "random_state")
    S = "course_lib.cart.training."
    case(S + "training_arrays", "a band that is not there",
         lambda: training.training_arrays(F.table, ["B99"]), "B99", "band_names")
    case(S + "training_arrays", "one band as a string",
         lambda: training.training_arrays(F.table, "B04"), "band_names",
         detect=lambda r: None if r[0].shape == (len(F.table), 1) else f"X has shape "
                                                                         f"{r[0].shape}")
    case(S + "training_arrays", "class_column misspelt",
         lambda: training.training_arrays(F.table, F.bands, class_column="class"), "class")
    case(S + "training_arrays", "on_nan misspelt",
         lambda: training.training_arrays(F.table, F.bands, on_nan="skip"), "on_nan")
    case(S + "training_arrays", "an array for the table",
         lambda: training.training_arrays(F.table.to_numpy(), F.bands), "table")
    case(S + "training_arrays", "an empty table",
         lambda: training.training_arrays(F.table.iloc[:0], F.bands), "table", "empty")
    case(S + "training_arrays", "NaN in a band",
         lambda: training.training_arrays(F.table.assign(B04=np.nan), F.bands), "NaN")
    case(S + "training_arrays", "a text band column",
         lambda: training.training_arrays(F.table.assign(B04="x"), F.bands), "B04")
    case(S + "training_arrays", "no band", lambda: training.training_arrays(F.table, []),
         "band_names")
    case(S + "training_arrays", "band_names None",
         lambda: training.training_arrays(F.table, None), "band_names")
    case(S + "fit_pixel_classifier", "landslide class capitalised",
         lambda: training.fit_pixel_classifier(F.table, F.bands, landslide_class="Landslide"),
         "landslide_class")
    case(S + "fit_pixel_classifier", "estimator as a string",
         lambda: training.fit_pixel_classifier(F.table, F.bands, "cart"), "estimator")
    case(S + "fit_pixel_classifier", "the make_cart function itself",
         lambda: training.fit_pixel_classifier(F.table, F.bands, models.make_cart), "estimator")
    case(S + "fit_pixel_classifier", "one class only",
         lambda: training.fit_pixel_classifier(F.table.assign(class_name="landslide"), F.bands),
         "class")
    case(S + "fit_pixel_classifier", "a regressor",
         lambda: training.fit_pixel_classifier(
             F.table, F.bands, __import__("sklearn.tree").tree.DecisionTreeRegressor()),
         "estimator")
    case(S + "classify_stack", "a numpy stack (no band names)",
         lambda: training.classify_stack(F.table, F.stack.data), "stack", "band_names")
    case(S + "classify_stack", "even focal window",
         lambda: training.classify_stack(F.table, F.stack, focal_window=4), "window")
    case(S + "classify_stack", "focal window 0",
         lambda: training.classify_stack(F.table, F.stack, focal_window=0), "window")
    case(S + "classify_stack", "a band not in the stack",
         lambda: training.classify_stack(F.table.assign(B11=0.1), F.stack,
                                         band_names=F.bands + ["B11"]), "B11")
    case(S + "classify_stack", "table without a class column",
         lambda: training.classify_stack(F.table.drop(columns="class_name"), F.stack),
         "class_name")
    case(S + "classify_stack", "stack None", lambda: training.classify_stack(F.table, None),
         "stack")
    case(S + "classify_at_points", "points in EPSG:4326",
         lambda: training.classify_at_points(F.stack, F.points.to_crs(4326)), "crs", "to_crs")
    case(S + "classify_at_points", "a file name for the points",
         lambda: training.classify_at_points(F.stack, "points.gpkg"), "points")
    case(S + "classify_at_points", "points without class names",
         lambda: training.classify_at_points(F.stack, F.points.drop(columns="class_name")),
         "class_name")
    case(S + "classify_at_points", "focal window as a string",
         lambda: training.classify_at_points(F.stack, F.points, focal_window="3"), "window")
    case(S + "classify_at_points", "a numpy stack",
         lambda: training.classify_at_points(F.stack.data, F.points), "raster", "stack")
    case(S + "bootstrap_classifiers", "0 resamples",
         lambda: training.bootstrap_classifiers(F.table, F.bands, 0), "n_resamples")
    case(S + "bootstrap_classifiers", "resamples as a string",
         lambda: training.bootstrap_classifiers(F.table, F.bands, "10"), "n_resamples")
    case(S + "bootstrap_classifiers", "seed as a string",
         lambda: training.bootstrap_classifiers(F.table, F.bands, 2, seed="x"), "seed")
    case(S + "bootstrap_classifiers", "estimator as a string",
         lambda: training.bootstrap_classifiers(F.table, F.bands, 2, "cart"), "estimator")
    S = "course_lib.cart.training.PixelClassifier."
    case(S + "predict_landslides", "a stack without a band",
         lambda: F.cart.predict_landslides(F.stack.select(["B02", "B03"])), "B04", "B08")
    case(S + "predict_landslides", "even focal window",
         lambda: F.cart.predict_landslides(F.stack, focal_window=2), "window")
    case(S + "landslide_score", "a string", lambda: F.cart.landslide_score("stack"), "stack")
    case(S + "predict_classes", "chunk_pixels 0",
         lambda: F.cart.predict_classes(F.stack, chunk_pixels=0), "chunk_pixels")
    S = "course_lib.cart.explain."
    case(S + "tree_summary", "a string", lambda: explain.tree_summary("tree"), "model")
    case(S + "tree_summary", "an unfitted tree",
         lambda: explain.tree_summary(DecisionTreeClassifier()), "model", "fitted")
    case(S + "tree_summary", "too few band names",
         lambda: explain.tree_summary(F.cart.estimator, ["a"]), "band_names", "band names")
    case(S + "tree_summary", "band names as one string",
         lambda: explain.tree_summary(F.cart.estimator, "B02"), "band_names")
    case(S + "tree_summary", "a random forest",
         lambda: explain.tree_summary(RandomForestClassifier(3).fit(F.table[F.bands],
                                                                    F.table["class_name"])),
         "model", "forest")
    case(S + "single_band_splits", "a band that is not there",
         lambda: explain.single_band_splits(F.table, ["B99"]), "B99")
    case(S + "single_band_splits", "random_state as a string",
         lambda: explain.single_band_splits(F.table, F.bands, random_state="x"), "random_state")
    case(S + "single_band_splits", "an array for the table",
         lambda: explain.single_band_splits(F.table.to_numpy(), F.bands), "table")
    case(S + "describe_first_split", "a string", lambda: explain.describe_first_split("tree"),
         "summary")
    case(S + "describe_first_split", "gains as a string",
         lambda: explain.describe_first_split(F.summary, gains="table"), "gains")
    case(S + "describe_first_split", "gains without the decrease column",
         lambda: explain.describe_first_split(F.summary, gains=F.table), "gains")
    case(S + "describe_first_split", "a fitted tree instead of its summary",
         lambda: explain.describe_first_split(F.cart), "summary")
    case(S + "band_separability", "0/255 truth",
         lambda: explain.band_separability(F.stack, F.truth * 255), "truth")
    case(S + "band_separability", "truth on another grid",
         lambda: explain.band_separability(F.stack, F.truth[:5]), "truth")
    case(S + "band_separability", "a single band (2-D)",
         lambda: explain.band_separability(F.stack.data[0], F.truth), "stack")
    case(S + "band_separability", "valid as class codes",
         lambda: explain.band_separability(F.stack, F.truth, valid=np.full((24, 24), 4)),
         "valid")
    case(S + "band_separability", "a string", lambda: explain.band_separability("s", F.truth),
         "stack")
    case(S + "band_separability", "a probability map as truth",
         lambda: explain.band_separability(F.stack, F.prob), "truth")


def _define_timeseries_cases(np, ts):
    S = "course_lib.timeseries."
    nan_series = np.full_like(F.series, np.nan)
    few = F.dates[::25][:4]
    few_values = F.series[::25][:4]
    case(S + "years_since", "one date as a string", lambda: ts.years_since("2019-01-01"),
         "dates")
    case(S + "years_since", "origin 'start'", lambda: ts.years_since(F.dates, origin="start"),
         "origin")
    case(S + "years_since", "years as ints", lambda: ts.years_since([2015, 2016, 2017]),
         "dates")
    case(S + "years_since", "None", lambda: ts.years_since(None), "dates")
    case(S + "default_min_obs", "4 harmonics", lambda: ts.default_min_obs(4), "n_harmonics")
    case(S + "default_min_obs", "harmonics as a string", lambda: ts.default_min_obs("2"),
         "n_harmonics")
    case(S + "n_coefficients", "negative harmonics", lambda: ts.n_coefficients(-1),
         "n_harmonics")
    case(S + "n_coefficients", "harmonics as a string", lambda: ts.n_coefficients("2"),
         "n_harmonics")
    case(S + "n_coefficients", "2.5 harmonics", lambda: ts.n_coefficients(2.5), "n_harmonics")
    case(S + "design_matrix", "4 harmonics", lambda: ts.design_matrix(np.arange(3.0), 4),
         "n_harmonics")
    case(S + "design_matrix", "dates instead of years",
         lambda: ts.design_matrix(F.dates, 2), "t_years")
    case(S + "design_matrix", "NaN times",
         lambda: ts.design_matrix(np.array([0.0, np.nan]), 1), "t_years")
    case(S + "design_matrix", "None", lambda: ts.design_matrix(None), "t_years")
    case(S + "fit_harmonic", "time axis last",
         lambda: ts.fit_harmonic(F.dates, np.moveaxis(F.series, 0, -1)), "values")
    case(S + "fit_harmonic", "dates unsorted",
         lambda: ts.fit_harmonic(F.dates[::-1], F.series), "dates")
    case(S + "fit_harmonic", "method misspelt",
         lambda: ts.fit_harmonic(F.dates, F.series, method="lasso2"), "method")
    case(S + "fit_harmonic", "min_obs below the coefficients",
         lambda: ts.fit_harmonic(F.dates, F.series, min_obs=3), "min_obs")
    case(S + "fit_harmonic", "fully clouded",
         lambda: ts.fit_harmonic(F.dates, nan_series), "values", "observations",
         detect=lambda r: "all coefficients NaN" if np.isnan(r.coefficients).all() else None)
    case(S + "fit_harmonic", "negative Lasso alpha",
         lambda: ts.fit_harmonic(F.dates, F.series, method="lasso", alpha=-1), "alpha")
    case(S + "fit_harmonic", "1.0 harmonics",
         lambda: ts.fit_harmonic(F.dates, F.series, n_harmonics=1.0), "n_harmonics")
    case(S + "fit_harmonic", "fewer dates than values",
         lambda: ts.fit_harmonic(F.dates[:3], F.series), "values", "dates")
    case(S + "fit_harmonic", "dates as day numbers",
         lambda: ts.fit_harmonic(np.arange(len(F.dates)) * 16, F.series), "dates")
    case(S + "fit_harmonic", "min_obs as a string",
         lambda: ts.fit_harmonic(F.dates, F.series, min_obs="12"), "min_obs")
    case(S + "detect_breaks", "fully clouded",
         lambda: ts.detect_breaks(F.dates, nan_series, "2017-01-01"), "observations",
         detect=lambda r: "'no break' for every pixel" if not r.has_break.any() else None)
    case(S + "detect_breaks", "4 observations",
         lambda: ts.detect_breaks(few, few_values, str(few[2])), "observations",
         detect=lambda r: "'no break' for every pixel" if not r.has_break.any() else None)
    case(S + "detect_breaks", "history_end after the series",
         lambda: ts.detect_breaks(F.dates, F.series, "2030-01-01"), "history_end")
    case(S + "detect_breaks", "threshold 0",
         lambda: ts.detect_breaks(F.dates, F.series, "2017-01-01", threshold=0), "threshold")
    case(S + "detect_breaks", "threshold as a string",
         lambda: ts.detect_breaks(F.dates, F.series, "2017-01-01", threshold="2.58"),
         "threshold")
    case(S + "detect_breaks", "consecutive 0",
         lambda: ts.detect_breaks(F.dates, F.series, "2017-01-01", consecutive=0), "consecutive")
    case(S + "detect_breaks", "consecutive 6.0",
         lambda: ts.detect_breaks(F.dates, F.series, "2017-01-01", consecutive=6.0),
         "consecutive")
    case(S + "detect_breaks", "direction 'down'",
         lambda: ts.detect_breaks(F.dates, F.series, "2017-01-01", direction="down"),
         "direction")
    case(S + "detect_breaks", "history_end None",
         lambda: ts.detect_breaks(F.dates, F.series, None), "history_end")
    case(S + "detect_breaks", "history_end as 01/07/2017",
         lambda: ts.detect_breaks(F.dates, F.series, "01/07/2017"), "history_end")
    case(S + "detect_breaks", "history of one observation",
         lambda: ts.detect_breaks(F.dates, F.series, str(F.dates[1])), "observations",
         "history_end", detect=lambda r: "'no break' for every pixel"
         if not r.has_break.any() else None)
    case(S + "detect_breaks", "time axis last",
         lambda: ts.detect_breaks(F.dates, np.moveaxis(F.series, 0, -1), "2017-01-01"), "values")
    case(S + "detect_breaks", "dates as strings in day-month-year",
         lambda: ts.detect_breaks([f"{d.astype(object):%d.%m.%Y}" for d in F.dates], F.series,
                                  "2017-01-01"), "dates")
    case(S + "detect_breaks", "NDVI in percent with a threshold of 2.58 percent",
         lambda: ts.detect_breaks(F.dates, F.series, "2017-01-01", threshold=-2.58),
         "threshold")
    case(S + "date_error_days", "true_date 'July 2017'",
         lambda: ts.date_error_days(F.breaks, "July 2017"), "true_date")
    case(S + "date_error_days", "a string for the result",
         lambda: ts.date_error_days("result", "2017-07-01"), "result")
    case(S + "date_error_days", "where on another grid",
         lambda: ts.date_error_days(F.breaks, "2017-07-01", where=np.ones((5, 5), bool)),
         "where")
    case(S + "date_error_days", "where as class codes",
         lambda: ts.date_error_days(F.breaks, "2017-07-01", where=np.full((3, 3), 3)), "where")
    case(S + "break_scores", "truth on another grid",
         lambda: ts.break_scores(F.breaks, np.ones((5, 5), bool), "2017-07-01"), "truth")
    case(S + "break_scores", "truth as 0/255",
         lambda: ts.break_scores(F.breaks, F.series_truth * 255, "2017-07-01"), "truth")
    case(S + "break_scores", "true date after the series",
         lambda: ts.break_scores(F.breaks, F.series_truth, "2030-07-01"), "true_date")
    case(S + "break_scores", "a string for the result",
         lambda: ts.break_scores("result", F.series_truth, "2017-07-01"), "result")
    case(S + "break_scores", "true_date None",
         lambda: ts.break_scores(F.breaks, F.series_truth, None), "true_date")
    case(S + "landsat_ndvi", "an array for the reflectance",
         lambda: ts.landsat_ndvi(np.zeros((3, 2, 4, 4)), np.zeros((3, 4, 4))), "reflectance")
    case(S + "landsat_ndvi", "None", lambda: ts.landsat_ndvi(None, None), "reflectance")


def _define_scaling_cases(np, chunked, cluster, lazy):

    from course_lib.scaling import checks as scaling_checks

    S = "course_lib.scaling.checks."
    case(S + "as_dask", "None", lambda: scaling_checks.as_dask(None, "stack", 4, "(t, b, r, c)"),
         "stack")
    case(S + "as_dask", "wrong dimensions",
         lambda: scaling_checks.as_dask(F.dpre, "stack", 4, "(t, b, r, c)"), "stack")
    case(S + "check_band_names", "one string",
         lambda: scaling_checks.check_band_names("B04", 6, ("B04",)), "band_names")
    case(S + "check_reflectance_dtype", "digital numbers",
         lambda: scaling_checks.check_reflectance_dtype(np.zeros(3, np.uint16), "pre"), "pre")
    case(S + "check_model", "a string", lambda: scaling_checks.check_model("cart", 4), "model")
    case(S + "check_window", "an even window", lambda: scaling_checks.check_window(4), "window")
    case(S + "check_cluster_args", "0 workers",
         lambda: scaling_checks.check_cluster_args(0, "1GB", 1), "n_workers")
    case(S + "check_scheduler", "misspelt", lambda: scaling_checks.check_scheduler("sync2"),
         "scheduler")

    S = "course_lib.scaling.lazy."
    case(S + "lazy_product", "missing file", lambda: lazy.lazy_product(F.root / "no.tif"),
         "no.tif", "path")
    case(S + "lazy_product", "not a product", lambda: lazy.lazy_product(F.plain_tif),
         "product")
    case(S + "lazy_product", "factor 0", lambda: lazy.lazy_product(F.product, factor=0),
         "factor")
    case(S + "lazy_product", "chunk 8", lambda: lazy.lazy_product(F.product, chunk=8), "chunk")
    case(S + "lazy_product", "chunk as a string",
         lambda: lazy.lazy_product(F.product, chunk="512"), "chunk")
    case(S + "lazy_product", "a product name instead of a path",
         lambda: lazy.lazy_product("s2_pre"), "s2_pre", "path")
    case(S + "lazy_product", "factor 2.0", lambda: lazy.lazy_product(F.product, factor=2.0),
         "factor")
    case(S + "product_layout", "an int", lambda: lazy.product_layout(3), "path")
    case(S + "product_layout", "missing file", lambda: lazy.product_layout(F.root / "no.tif"),
         "no.tif", "path")
    case(S + "product_layout", "a text file", lambda: lazy.product_layout(F.text_file),
         "notes.txt", "path")
    case(S + "MirroredGeoTIFF", "missing file",
         lambda: lazy.MirroredGeoTIFF(F.root / "no.tif"), "no.tif", "path")
    case(S + "MirroredGeoTIFF", "divisor 0", lambda: lazy.MirroredGeoTIFF(F.product, divisor=0),
         "divisor")
    case(S + "MirroredGeoTIFF", "factor -1", lambda: lazy.MirroredGeoTIFF(F.product, factor=-1),
         "factor")
    S = "course_lib.scaling.chunked."
    case(S + "composite", "kind 'mean'",
         lambda: chunked.composite(F.dstack, F.dscl, kind="mean"), "kind")
    case(S + "composite", "a (bands, rows, cols) stack",
         lambda: chunked.composite(F.dstack[0], F.dscl).compute(), "stack")
    case(S + "composite", "SCL of another length",
         lambda: chunked.composite(F.dstack, F.dscl[:1]).compute(), "scl")
    case(S + "composite", "band names without B04",
         lambda: chunked.composite(F.dstack, F.dscl, band_names=["B2", "B3", "B4", "B8", "B11",
                                                                  "B12"]), "band_names")
    case(S + "composite", "band names of another length",
         lambda: chunked.composite(F.dstack, F.dscl, band_names=["B04", "B08"]).compute(),
         "band_names")
    case(S + "composite", "reflectance as SCL",
         lambda: chunked.composite(F.dstack, F.dstack[:, :1]).compute(), "scl")
    case(S + "composite", "digital numbers",
         lambda: chunked.composite((F.dstack * 10000).astype("uint16"), F.dscl).compute(),
         "stack", "reflectance", "integer")
    case(S + "dndvi", "band names without B08",
         lambda: chunked.dndvi(F.dpre, F.dpost, band_names=["B04"]), "band_names")
    case(S + "dndvi", "numpy arrays",
         lambda: chunked.dndvi(F.dpre.compute(), F.dpost.compute()).compute(), "pre",
         detect=lambda r: None if r.shape == (1, 32, 32) else f"shape {r.shape}")
    case(S + "dndvi", "post on another grid",
         lambda: chunked.dndvi(F.dpre, F.dpost[:, :16]).compute(), "post", "pre")
    case(S + "dndvi", "digital numbers",
         lambda: chunked.dndvi((F.dpre * 10000).astype("uint16"),
                               (F.dpost * 10000).astype("uint16")).compute(), "pre")
    case(S + "predict_pixels", "a string for the model",
         lambda: chunked.predict_pixels("cart", F.dpre[:4]).compute(), "model")
    case(S + "predict_pixels", "layers with the wrong number of bands",
         lambda: chunked.predict_pixels(F.cart.estimator, F.dpre).compute(), "layers", "bands")
    case(S + "predict_pixels", "2-D layers",
         lambda: chunked.predict_pixels(F.cart.estimator, F.dpre[0]).compute(), "layers")
    case(S + "predict_pixels", "an unfitted model",
         lambda: chunked.predict_pixels(__import__("sklearn.tree").tree.DecisionTreeClassifier(),
                                        F.dpre[:4]).compute(), "model", "fitted")
    case(S + "predict_overlapping", "negative depth",
         lambda: chunked.predict_overlapping(lambda t: t[:1], F.dpre, depth=-1), "depth")
    case(S + "predict_overlapping", "depth larger than a chunk",
         lambda: chunked.predict_overlapping(lambda t: t[:1], F.dpre, depth=100), "depth")
    case(S + "predict_overlapping", "boundary 'mirror'",
         lambda: chunked.predict_overlapping(lambda t: t[:1], F.dpre, depth=2,
                                             boundary="mirror").compute(), "boundary")
    case(S + "predict_overlapping", "a string for the predictor",
         lambda: chunked.predict_overlapping("unet", F.dpre, depth=2).compute(),
         "predict_tile")
    case(S + "predict_overlapping", "a 2-D image",
         lambda: chunked.predict_overlapping(lambda t: t[:1], F.dpre[0], depth=2).compute(),
         "image")
    case(S + "predict_overlapping", "depth 2.0",
         lambda: chunked.predict_overlapping(lambda t: t[:1], F.dpre, depth=2.0), "depth")
    case(S + "focal_mode", "a 2-D map", lambda: chunked.focal_mode(F.dbinary[0]), "binary")
    case(S + "focal_mode", "even window",
         lambda: chunked.focal_mode(F.dbinary, window=4).compute(), "window")
    case(S + "focal_mode", "window 0", lambda: chunked.focal_mode(F.dbinary, window=0).compute(),
         "window")
    case(S + "focal_mode", "a 0/255 map",
         lambda: chunked.focal_mode(F.dbinary * 255).compute(), "binary")
    case(S + "focal_mode", "window as a string",
         lambda: chunked.focal_mode(F.dbinary, window="3"), "window")
    S = "course_lib.scaling.cluster."
    case(S + "start_cluster", "0 workers", lambda: cluster.start_cluster(n_workers=0),
         "n_workers", detect=_close_cluster)
    case(S + "start_cluster", "-1 workers", lambda: cluster.start_cluster(n_workers=-1),
         "n_workers", detect=_close_cluster)
    case(S + "start_cluster", "memory 'lots'",
         lambda: cluster.start_cluster(n_workers=1, memory_limit="lots"), "memory_limit",
         detect=_close_cluster)
    case(S + "start_cluster", "0 threads",
         lambda: cluster.start_cluster(n_workers=1, threads_per_worker=0), "threads_per_worker",
         detect=_close_cluster)
    case(S + "start_cluster", "2.5 workers", lambda: cluster.start_cluster(n_workers=2.5),
         "n_workers", detect=_close_cluster)
    case(S + "suggested_workers", "wanted as a string",
         lambda: cluster.suggested_workers("2"), "wanted")
    case(S + "suggested_workers", "wanted 0", lambda: cluster.suggested_workers(0), "wanted")
    case(S + "measure", "scheduler misspelt",
         lambda: cluster.measure(F.dbinary, scheduler="fast"), "scheduler")
    case(S + "same_results", "None", lambda: cluster.same_results(None, None), "a")
    case(S + "same_results", "two arrays instead of two lists",
         lambda: cluster.same_results(np.zeros((2, 2)), np.zeros((2, 2))), "a",
         detect=lambda r: None if r is True else "two equal arrays reported different")


def _define_learner_cases(np, selfcheck, setup_check, reset):
    S = "course_lib.learner.selfcheck."
    case(S + "check_number", "expected as a string",
         lambda: selfcheck.check_number(0.5, expected="0.5"), "expected")
    case(S + "check_number", "negative tol",
         lambda: selfcheck.check_number(0.5, expected=0.5, tol=-0.01), "tol")
    case(S + "check_number", "tol as a string",
         lambda: selfcheck.check_number(0.5, expected=0.5, tol="0.01"), "tol")
    case(S + "check_number", "rel in percent",
         lambda: selfcheck.check_number(0.9, expected=0.5, rel=5), "rel")
    case(S + "check_number", "expected NaN",
         lambda: selfcheck.check_number(0.5, expected=float("nan")), "expected")
    case(S + "check_number", "expected as a 0-d array",
         lambda: selfcheck.check_number(0.5, expected=np.array(0.5)), "expected",
         detect=lambda r: None if r is True else "a right answer was judged wrong")
    case(S + "check_number", "answer as a list",
         lambda: selfcheck.check_number([0.5], expected=0.5), "answer",
         detect=lambda r: None if r is False else "a list was judged")
    case(S + "check_choice", "correct not among the options",
         lambda: selfcheck.check_choice("b", "c", F.options), "correct")
    case(S + "check_choice", "options as a list",
         lambda: selfcheck.check_choice("b", "b", ["a", "b"]), "options")
    case(S + "check_choice", "correct None",
         lambda: selfcheck.check_choice("b", None, F.options), "correct")
    case(S + "check_choice", "no options", lambda: selfcheck.check_choice("b", "b", {}),
         "options", "correct")
    case(S + "check_choice", "an int answer",
         lambda: selfcheck.check_choice(2, "b", F.options), "answer",
         detect=lambda r: None if r is False else "an int was judged")
    case(S + "check_true_false", "correct as 'yes'",
         lambda: selfcheck.check_true_false(True, "yes"), "correct")
    case(S + "check_true_false", "answer 'yes'",
         lambda: selfcheck.check_true_false("yes", True), "answer",
         detect=lambda r: None if r is False else "'yes' was judged")
    case(S + "check_true_false", "correct None",
         lambda: selfcheck.check_true_false(True, None), "correct")
    S = "course_lib.learner.setup_check."
    case(S + "check_python", "version as a string",
         lambda: setup_check.check_python("3.11"), "version_info")
    case(S + "check_python", "version (3,)", lambda: setup_check.check_python((3,)),
         "version_info")
    case(S + "course_requirements", "a string path",
         lambda: setup_check.course_requirements(str(REPO / "pyproject.toml")), "pyproject",
         detect=lambda r: None if any("numpy" in x for x in r) else "no requirement read")
    case(S + "course_requirements", "a missing file",
         lambda: setup_check.course_requirements(REPO / "pyproject.tmol"), "pyproject",
         "pyproject.tmol")
    case(S + "check_packages", "one requirement as a string",
         lambda: setup_check.check_packages("numpy>=1.0"), "requirements",
         detect=lambda r: None if r.ok else f"judged {r.detail!r}")
    case(S + "check_packages", "an invalid requirement",
         lambda: setup_check.check_packages(["numpy>=abc"]), "requirements", "numpy>=abc")
    case(S + "check_packages", "installed_version as a string",
         lambda: setup_check.check_packages(["numpy"], installed_version="2.0"),
         "installed_version")
    case(S + "check_data", "a missing folder",
         lambda: setup_check.check_data(F.root / "nodata"), "nodata",
         detect=lambda r: None if not r.ok and "nodata" in r.detail + r.fix
         else f"result {r.ok} {r.detail!r}")
    case(S + "check_data", "an int", lambda: setup_check.check_data(3), "root")
    case(S + "check_widgets", "one folder as a string",
         lambda: setup_check.check_widgets(str(F.root)), "search_dirs",
         detect=lambda r: None if not r.ok and "not installed" in r.detail else r.detail)
    case(S + "check_study_area", "generate as a string",
         lambda: setup_check.check_study_area(generate="no"), "generate")
    case(S + "check_memory", "free_mb as a string",
         lambda: setup_check.check_memory(free_mb="lots"), "free_mb")
    case(S + "check_memory", "negative free memory",
         lambda: setup_check.check_memory(free_mb=-5), "free_mb")
    case(S + "check_memory", "need_mb as a string",
         lambda: setup_check.check_memory(free_mb=2000, need_mb="1536"), "need_mb")
    case(S + "check_memory", "need_mb 0", lambda: setup_check.check_memory(2000, need_mb=0),
         "need_mb")
    case(S + "run_checks", "one component as a string",
         lambda: setup_check.run_checks("python", out=io.StringIO()), "components",
         detect=lambda r: None if [x.component for x in r] == ["python"] else "wrong checks")
    case(S + "run_checks", "component misspelt",
         lambda: setup_check.run_checks(["pyhton"], out=io.StringIO()), "pyhton", "components")
    case(S + "run_checks", "out as a file name",
         lambda: setup_check.run_checks(["python"], out="log.txt"), "out")
    case(S + "main", "an unknown option", lambda: setup_check.main(["--bogus"]), "--bogus")
    case(S + "main", "component misspelt", lambda: setup_check.main(["pyhton"]), "pyhton")
    case(S + "main", "a string for argv", lambda: setup_check.main("python"), "argv",
         detect=lambda r: None if r == 0 else f"exit code {r}")
    S = "course_lib.learner.reset."
    case(S + "main", "an unknown option", lambda: _safe_reset(["--cahce"]), "--cahce")
    case(S + "refusal", "an int", lambda: reset.refusal(3), "target")
    case(S + "main", "no terminal to answer", lambda: _reset_without_terminal(), "--yes",
         detect=lambda r: None if r == 1 and F.reset_target.exists() else
         "deleted without an answer")
    case(S + "main", "an output folder that holds other work",
         lambda: _reset_of_a_project_folder(), "COURSE_OUTPUT_DIR", "output",
         detect=lambda r: "deleted a folder that is not the course's" if not
         (F.project / "thesis.txt").exists() else None)
    case(S + "main", "a string for argv", lambda: _safe_reset("--yes"), "argv",
         detect=lambda r: None if r == 0 else f"exit code {r}")


def _safe_reset(argv):
    """reset.main, only ever on the sweep's own temporary output folder."""
    from course_lib.learner import reset

    target = Path(os.environ["COURSE_OUTPUT_DIR"]).resolve()
    assert F.root.resolve() in target.parents, f"refusing to reset {target} in the sweep"
    return reset.main(argv)


def _reset_without_terminal():
    F.reset_target = Path(os.environ["COURSE_OUTPUT_DIR"])
    F.reset_target.mkdir(parents=True, exist_ok=True)
    (F.reset_target / "keep.txt").write_text("x")
    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        return _safe_reset([])
    finally:
        sys.stdin = old


def _reset_of_a_project_folder():
    """COURSE_OUTPUT_DIR set to a folder that holds a git project (a learner's own work)."""
    F.project = _fresh()
    (F.project / ".git").mkdir()
    (F.project / "thesis.txt").write_text("two years of work")
    old = os.environ["COURSE_OUTPUT_DIR"]
    os.environ["COURSE_OUTPUT_DIR"] = str(F.project)
    try:
        return _safe_reset(["--yes"])
    finally:
        os.environ["COURSE_OUTPUT_DIR"] = old


def _define_data_cases(np, l4s, online):

    S = "course_lib.data.landslide4sense."
    imgs = F.patches.images
    case(S + "Patches", "3-D images", lambda: l4s.Patches(imgs[0], None, ["a"]), "images")
    case(S + "Patches", "masks of another shape",
         lambda: l4s.Patches(imgs, F.patches.masks[:, :4], F.patches.names), "masks")
    case(S + "Patches", "0/255 masks",
         lambda: l4s.Patches(imgs, F.patches.masks * 255, F.patches.names), "masks")
    case(S + "Patches", "a list of images",
         lambda: l4s.Patches(list(imgs), None, F.patches.names), "images")
    case(S + "Patches", "names of another length",
         lambda: l4s.Patches(imgs, None, ["a"]), "names")
    case(S + "Patches", "names as one string",
         lambda: l4s.Patches(imgs[:1], None, "image_1"), "names")
    S = "course_lib.data.landslide4sense.Patches."
    case(S + "band", "B8A (not in the dataset)", lambda: F.patches.band("B8A"), "B8A")
    case(S + "band", "band as an index", lambda: F.patches.band(3), "name", "band")
    case(S + "select", "one band as a string", lambda: F.patches.select("B04"), "names",
         detect=lambda r: None if r.band_names == ("B04",) else f"bands {r.band_names}")
    case(S + "select", "a band that is not there", lambda: F.patches.select(["B8A"]), "B8A")
    S = "course_lib.data.landslide4sense."
    case(S + "normalise", "B8A", lambda: l4s.normalise(np.zeros((2, 2, 1)), ["B8A"]), "B8A")
    case(S + "normalise", "13 bands", lambda: l4s.normalise(imgs[..., :13]), "band_names")
    case(S + "normalise", "a string", lambda: l4s.normalise("x"), "images")
    case(S + "normalise", "band names as one string",
         lambda: l4s.normalise(imgs[..., 3:4], "B04"), "band_names",
         detect=lambda r: None if r.shape == imgs[..., 3:4].shape else "wrong")
    case(S + "normalise", "bands first",
         lambda: l4s.normalise(np.moveaxis(imgs, -1, 1)), "band", "images")
    case(S + "normalise_patches", "twice",
         lambda: l4s.normalise_patches(l4s.normalise_patches(F.patches)), "normalised")
    case(S + "normalise_patches", "an array", lambda: l4s.normalise_patches(imgs), "patches")
    case(S + "read_image", "missing file", lambda: l4s.read_image(F.root / "image_9.h5"),
         "image_9.h5")
    case(S + "read_image", "a mask file",
         lambda: l4s.read_image(F.l4s / "mask" / "mask_1.h5"), "img")
    case(S + "read_image", "a truncated file", lambda: l4s.read_image(_truncated_h5()),
         "image_1.h5")
    case(S + "read_image", "an int", lambda: l4s.read_image(3), "path")
    case(S + "read_image", "a text file", lambda: l4s.read_image(F.text_file), "notes.txt")
    case(S + "read_mask", "0/255 mask", lambda: l4s.read_mask(_mask_255()), "mask")
    case(S + "read_mask", "an image file",
         lambda: l4s.read_mask(F.l4s / "img" / "image_1.h5"), "mask")
    case(S + "read_mask", "missing file", lambda: l4s.read_mask(F.root / "mask_9.h5"),
         "mask_9.h5")
    case(S + "find_pairs", "missing folder", lambda: l4s.find_pairs(F.root / "none"), "none")
    case(S + "find_pairs", "empty folder", lambda: l4s.find_pairs(_fresh()), "image_N")
    case(S + "find_pairs", "an int", lambda: l4s.find_pairs(3), "folder")
    case(S + "load_patches", "limit 0", lambda: l4s.load_patches(F.l4s, limit=0), "limit")
    case(S + "load_patches", "limit -1", lambda: l4s.load_patches(F.l4s, limit=-1), "limit")
    case(S + "load_patches", "limit as a string",
         lambda: l4s.load_patches(F.l4s, limit="5"), "limit")
    case(S + "load_patches", "a mask missing", lambda: l4s.load_patches(_mask_missing()),
         "mask", "require_masks")
    case(S + "load_patches", "made-up and real patches mixed",
         lambda: l4s.load_patches(_mixed_patches()), "made-up")
    case(S + "load_patches", "a tampered file", lambda: l4s.load_patches(_tampered()),
         "checksum", "Checksum")
    case(S + "load_patches", "made-up patches are marked",
         lambda: l4s.load_patches(F.l4s), "made_up",
         detect=lambda r: None if getattr(r, "made_up", False) else "not marked as made-up")
    case(S + "training_arrays", "bands as one string",
         lambda: l4s.training_arrays(F.patches, bands="B04"), "bands",
         detect=lambda r: None if r[0].shape[-1] == 1 else f"{r[0].shape[-1]} bands")
    case(S + "training_arrays", "B8A", lambda: l4s.training_arrays(F.patches, bands=["B8A"]),
         "B8A")
    case(S + "training_arrays", "an array", lambda: l4s.training_arrays(imgs), "patches")
    case(S + "training_arrays", "unlabelled",
         lambda: l4s.training_arrays(l4s.Patches(imgs, None, F.patches.names)), "masks")
    case(S + "write_example_patches", "a folder with a real patch",
         lambda: l4s.write_example_patches(_real_patch_folder(), n=2, size=16), "overwrite",
         "real")
    case(S + "write_example_patches", "a folder with other files",
         lambda: l4s.write_example_patches(F.text_file.parent, n=1, size=16), "overwrite",
         "folder")
    case(S + "write_example_patches", "n 0",
         lambda: l4s.write_example_patches(_fresh(), n=0), "n")
    case(S + "write_example_patches", "n as a string",
         lambda: l4s.write_example_patches(_fresh(), n="3", size=16), "n")
    case(S + "write_example_patches", "n 2.5",
         lambda: l4s.write_example_patches(_fresh(), n=2.5, size=16), "n")
    case(S + "write_example_patches", "size 0",
         lambda: l4s.write_example_patches(_fresh(), n=1, size=0), "size")
    case(S + "write_example_patches", "an int folder",
         lambda: l4s.write_example_patches(3, n=1), "folder")
    case(S + "write_example_patches", "a file for the folder",
         lambda: l4s.write_example_patches(F.text_file, n=1, size=16), "folder")
    case(S + "is_made_up", "missing file", lambda: l4s.is_made_up(F.root / "no.h5"), "no.h5")
    case(S + "is_made_up", "a text file", lambda: l4s.is_made_up(F.text_file), "notes.txt")
    case(S + "sha256", "missing file", lambda: l4s.sha256(F.root / "no.h5"), "no.h5")
    case(S + "sha256", "a folder", lambda: l4s.sha256(F.root), "path", "folder")
    case(S + "verify_registry", "missing folder",
         lambda: l4s.verify_registry(F.root / "none"), "none", "folder")
    case(S + "verify_registry", "a damaged registry",
         lambda: l4s.verify_registry(_bad_registry()), "registry.json")
    case(S + "default_folder", "split 'training'", lambda: l4s.default_folder("training"),
         "split")
    case(S + "download_subset", "split 'training'",
         lambda: l4s.download_subset(split="training", url=str(F.l4s_zip)), "split")
    case(S + "download_subset", "n 0",
         lambda: l4s.download_subset(n=0, url=str(F.l4s_zip), folder=_fresh()), "n")
    case(S + "download_subset", "a patch not in the archive",
         lambda: l4s.download_subset(indices=[99], url=str(F.l4s_zip), folder=_fresh()),
         "99")
    case(S + "download_subset", "indices as a string",
         lambda: l4s.download_subset(indices="12", url=str(F.l4s_zip), folder=_fresh()),
         "indices")
    case(S + "download_subset", "a text file as the archive",
         lambda: l4s.download_subset(n=1, url=str(F.text_file), folder=_fresh()), "url")
    case(S + "download_subset", "a missing archive",
         lambda: l4s.download_subset(n=1, url=str(F.root / "no.zip"), folder=_fresh()), "url",
         "no.zip")
    case(S + "download_subset", "into a folder of made-up patches",
         lambda: l4s.download_subset(n=1, url=str(F.l4s_zip), folder=_made_up_copy()),
         "made-up")
    case(S + "download_subset", "offline", lambda: l4s.download_subset(n=1), "network",
         "offline")
    case(S + "download_archive", "split 'x'", lambda: l4s.download_archive("x"), "split")
    case(S + "archive_members", "a path", lambda: l4s.archive_members(str(F.l4s_zip)),
         "archive")
    case(S + "to_chips", "unlabelled",
         lambda: l4s.to_chips(l4s.Patches(imgs, None, F.patches.names)), "masks")
    case(S + "to_chips", "B8A", lambda: l4s.to_chips(F.patches, bands=["B8A"]), "B8A")
    case(S + "to_chips", "an array", lambda: l4s.to_chips(imgs), "patches")
    case(S + "HTTPRangeFile", "not a URL", lambda: l4s.HTTPRangeFile("zenodo"), "url")
    case(S + "ZipMemberDownloader", "a member not in the archive",
         lambda: l4s.ZipMemberDownloader(zipfile.ZipFile(F.l4s_zip), "x.h5")(
             "u", F.root / "x.h5"), "x.h5", "member")
    S = "course_lib.data.online."
    case(S + "network_available", "host None", lambda: online.network_available(None), "host")
    case(S + "network_available", "a URL for the host",
         lambda: online.network_available("https://zenodo.org"), "host")
    case(S + "network_available", "port as a string",
         lambda: online.network_available("zenodo.org", port="443"), "port")
    case(S + "network_available", "negative timeout",
         lambda: online.network_available("zenodo.org", timeout=-1), "timeout")
    case(S + "require_network", "a URL for the host",
         lambda: online.require_network("https://zenodo.org/records/10463239"), "host")
    case(S + "require_network", "timeout 0",
         lambda: online.require_network("zenodo.org", timeout=0), "timeout")
    case(S + "require_network", "host as a list",
         lambda: online.require_network(["zenodo.org"]), "host")


def _truncated_h5() -> Path:
    folder = _fresh()
    path = folder / "image_1.h5"
    path.write_bytes((F.l4s / "img" / "image_1.h5").read_bytes()[:300])
    return path


def _mask_255() -> Path:
    import h5py
    import numpy as np

    path = _fresh() / "mask_1.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("mask", data=np.full((4, 4), 255, np.uint8))
    return path


def _mask_missing() -> Path:
    import shutil

    folder = _fresh() / "l4s"
    shutil.copytree(F.l4s, folder)
    (folder / "mask" / "mask_2.h5").unlink()
    return folder


def _made_up_copy() -> Path:
    import shutil

    folder = _fresh() / "l4s"
    shutil.copytree(F.l4s, folder)
    return folder


def _mixed_patches() -> Path:
    import h5py
    import numpy as np

    folder = _made_up_copy()
    with h5py.File(folder / "img" / "image_3.h5", "w") as f:
        f.create_dataset("img", data=np.ones((16, 16, 14)))
    with h5py.File(folder / "mask" / "mask_3.h5", "w") as f:
        f.create_dataset("mask", data=np.zeros((16, 16), np.uint8))
    return folder


def _tampered() -> Path:
    import json


    folder = _made_up_copy()
    registry = {"img/image_1.h5": {"sha256": "0" * 64}}
    (folder / "registry.json").write_text(json.dumps(registry))
    return folder


def _bad_registry() -> Path:
    folder = _fresh()
    (folder / "registry.json").write_text("{not json")
    return folder


def _define_simulator_cases(np, StudyAreaParams, products):
    from course_lib.data.raster import Raster
    from course_lib.simulator import load_study_area, study_area_folder

    S = "course_lib.simulator.params."
    P = StudyAreaParams
    case(S + "StudyAreaParams", "size 100.0", lambda: P(size=100.0), "size")
    case(S + "StudyAreaParams", "size 32", lambda: P(size=32), "size")
    case(S + "StudyAreaParams", "seed -1", lambda: P(seed=-1), "seed")
    case(S + "StudyAreaParams", "seed as a string", lambda: P(seed="2019"), "seed")
    case(S + "StudyAreaParams", "seed True", lambda: P(seed=True), "seed")
    case(S + "StudyAreaParams", "seed as a numpy int", lambda: P(seed=np.int64(5)), "seed",
         detect=lambda r: None if r.seed == 5 and type(r.seed) is int else "seed kept as numpy")
    case(S + "StudyAreaParams", "resolution as a string", lambda: P(resolution="10"),
         "resolution")
    case(S + "StudyAreaParams", "resolution NaN", lambda: P(resolution=float("nan")),
         "resolution")
    case(S + "StudyAreaParams", "cloud_cover 'high'", lambda: P(cloud_cover="high"),
         "cloud_cover")
    case(S + "StudyAreaParams", "cloud_cover in percent", lambda: P(cloud_cover=50),
         "cloud_cover")
    case(S + "StudyAreaParams", "n_landslides 5.0", lambda: P(n_landslides=5.0),
         "n_landslides")
    case(S + "StudyAreaParams", "n_landslides -1", lambda: P(n_landslides=-1), "n_landslides")
    case(S + "StudyAreaParams", "speckle_looks 0", lambda: P(speckle_looks=0), "speckle_looks")
    case(S + "StudyAreaParams", "origin_x as a string", lambda: P(origin_x="345000"),
         "origin_x")
    case(S + "StudyAreaParams", "infinite landslide size",
         lambda: P(landslide_size_scale=float("inf")), "landslide_size_scale")
    case(S + "StudyAreaParams", "snow_cover -1", lambda: P(snow_cover=-1), "snow_cover")
    case(S + "StudyAreaParams", "terrain_overcorrection None",
         lambda: P(terrain_overcorrection=None), "terrain_overcorrection")
    S = "course_lib.simulator.products."
    case(S + "load_study_area", "a string for params", lambda: load_study_area("default"),
         "params")
    case(S + "load_study_area", "size 63", lambda: load_study_area(size=63), "size")
    case(S + "load_study_area", "a misspelt parameter", lambda: load_study_area(sizes=64),
         "sizes")
    case(S + "load_study_area", "cloud_cover as a string",
         lambda: load_study_area(cloud_cover="x"), "cloud_cover")
    case(S + "load_study_area", "a dict of parameters",
         lambda: load_study_area({"size": 64}), "params")
    case(S + "study_area_folder", "a string", lambda: study_area_folder("default"), "params")
    case(S + "generate_study_area", "a string",
         lambda: products.generate_study_area("small", progress=False), "params")
    case(S + "generate_study_area", "sink as a folder",
         lambda: products.generate_study_area(P(size=64), progress=False, sink="out"), "sink")
    case(S + "generate_in_memory", "a string", lambda: products.generate_in_memory("small"),
         "params")
    case(S + "StudyArea.get", "a misspelt product",
         lambda: products.StudyArea(P(size=64), folder=_fresh()).get("s2post"), "s2post")
    case(S + "StudyArea.get", "a product as an int",
         lambda: products.StudyArea(P(size=64), folder=_fresh()).get(3), "name", "product")
    case(S + "write_raster_product", "an array for the raster",
         lambda: products.write_raster_product("dem", np.zeros((4, 4)), _fresh()), "raster")
    case(S + "write_raster_product", "an existing file without overwrite",
         lambda: products.write_raster_product("s2_pre", F.product_raster, F.product_dir),
         "overwrite")
    case(S + "write_raster_product", "digital numbers for reflectance",
         lambda: products.write_raster_product(
             "s2_pre", Raster(F.product_raster.data * 10000, F.product_raster.transform,
                              F.product_raster.crs, F.product_raster.band_names,
                              dates=F.product_raster.dates), _fresh()), "raster",
         "reflectance", "digital numbers")
    case(S + "write_raster_product", "dB for linear sigma0",
         lambda: products.write_raster_product(
             "s1_asc_pre", Raster(np.full((1, 2, 8, 8), -12.0, np.float32), F.T, F.crs,
                                  ("VV", "VH"), dates=np.array(["2019-07-01"], "datetime64[D]")),
             _fresh()), "raster", "dB", "linear")
    case(S + "write_raster_product", "cloud probability in percent",
         lambda: products.write_raster_product(
             "s2_pre_cloudprob", Raster(np.full((1, 1, 8, 8), 40.0, np.float32), F.T, F.crs,
                                        ("cloudprob",),
                                        dates=np.array(["2019-07-01"], "datetime64[D]")),
             _fresh()), "raster", "percent", "fraction")
    case(S + "write_raster_product", "an unknown product name",
         lambda: products.write_raster_product("dme", F.dem_raster, _fresh()), "dme", "name")
    case(S + "write_raster_product", "an int folder",
         lambda: products.write_raster_product("dem", F.dem_raster, 3), "folder")
    case(S + "read_raster_product", "missing file",
         lambda: products.read_raster_product(F.root / "dem.tif"), "dem.tif", "path")
    case(S + "read_raster_product", "a plain GeoTIFF",
         lambda: products.read_raster_product(F.plain_tif), "plain.tif", "product")
    case(S + "read_raster_product", "an int", lambda: products.read_raster_product(3), "path")
    case(S + "write_study_area", "a folder of the learner's own",
         lambda: _write_world_into_own_folder(), "folder",
         detect=lambda r: "deleted the learner's folder" if not
         (F.own / "my_map.tif").exists() else None)
    case(S + "write_study_area", "a string for params",
         lambda: products.write_study_area("small", _fresh() / "w", progress=False), "params")
    case(S + "write_study_area", "another world's folder",
         lambda: products.write_study_area(P(size=64, seed=1), _world_folder(), progress=False),
         "folder", "exists",
         detect=lambda r: "returned another world's folder unchanged"
         if '"seed": 0' in (r / "metadata.json").read_text() else None)
    case(S + "timed_generation", "a string", lambda: products.timed_generation("small"),
         "params")


def _write_world_into_own_folder():
    from course_lib.simulator import StudyAreaParams, products

    F.own = _fresh()
    (F.own / "my_map.tif").write_text("a map the learner made")
    return products.write_study_area(StudyAreaParams(size=64, n_landslides=1), F.own,
                                     progress=False)


def _world_folder() -> Path:
    """A folder that holds a complete (fake) world of seed 0."""
    import json

    folder = _fresh() / "world"
    folder.mkdir()
    (folder / "metadata.json").write_text(json.dumps({"params": {"seed": 0}}, sort_keys=True))
    return folder


# --------------------------------------------------------------------------- running
def _innermost_file(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return frames[-1].filename if frames else ""


def _names_match(message: str, names: tuple[str, ...]) -> bool:
    for name in names:
        pattern = r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])"
        if re.search(pattern, message, flags=re.IGNORECASE):
            return True
    return False


def classify(c: Case) -> tuple[str, str]:
    """``(kind, detail)`` of one case: clear, handled, obscure or silent."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        try:
            result = c.call()
        except SystemExit as exc:
            message = err.getvalue().strip().splitlines()[-1:] or [str(exc)]
            text = message[0]
            if exc.code not in (0, None) and _names_match(text, c.names):
                return "clear", f"SystemExit {exc.code}: {text}"
            return "obscure", f"SystemExit {exc.code}: {text}"
        except Exception as exc:  # noqa: BLE001 - classifying every error is the point
            text = f"{type(exc).__name__}: {exc}"
            where = _innermost_file(exc)
            inside = f"{os.sep}course_lib{os.sep}" in where
            if not inside:
                return "obscure", f"{text} [raised in {Path(where).parent.name}/" \
                                  f"{Path(where).name}]"
            if any(p in str(exc) for p in OBSCURE_PHRASES):
                return "obscure", text
            if not _names_match(str(exc), c.names):
                return "obscure", f"{text} [names none of {list(c.names)}]"
            return "clear", text
    notes = " | ".join(str(w.message) for w in caught)
    if c.detect is None:
        return "silent", f"returned {_short(result)} without a word" + \
            (f" (warned: {notes[:120]})" if notes else "")
    try:
        problem = c.detect(result)
    except Exception as exc:  # noqa: BLE001
        problem = f"the result could not be checked ({type(exc).__name__}: {exc})"
    if problem:
        return "silent", problem
    return "handled", "documented result" + (f" (note: {notes[:160]})" if notes else "")


def _short(value: Any) -> str:
    from course_lib.validation import describe

    return describe(value)


def prepare(root: Path) -> list[Case]:
    """Point the course at ``root`` (offline, cache and outputs inside it), build the fixtures
    and return every case. Callers remove ``root`` afterwards (and restore the environment)."""
    os.environ["COURSE_OFFLINE"] = "1"
    os.environ["COURSE_CACHE_DIR"] = str(root / "cache")
    os.environ["COURSE_OUTPUT_DIR"] = str(root / "outputs")
    CASES.clear()
    build_fixtures(root)
    define_cases()
    return list(CASES)


def run(selected: str | None = None) -> dict[str, list[tuple[Case, str, str]]]:
    """Run every case (or those whose function name contains ``selected``)."""
    results: dict[str, list] = defaultdict(list)
    for c in CASES:
        if selected and selected not in c.func:
            continue
        kind, detail = classify(c)
        results[kind].append((c, kind, detail))
    return results


def _module_of(func: str) -> str:
    parts = func.split(".")
    while parts and ".".join(parts) not in sys.modules:
        parts = parts[:-1]
    return ".".join(parts)


def report(results: dict[str, list]) -> str:
    """The Markdown report: counts per module, totals and every obscure or silent call."""
    kinds = ("clear", "handled", "obscure", "silent")
    per_module: dict[str, Counter] = defaultdict(Counter)
    for kind in kinds:
        for c, _, _ in results.get(kind, []):
            per_module[_module_of(c.func)][kind] += 1
    total = Counter({k: len(results.get(k, [])) for k in kinds})
    n = sum(total.values())
    lines = ["# Bad-input sweep of the newer modules", "",
             "Generated by `python -m devtools.bad_input_sweep_methods --write`; do not edit.",
             "", f"{n} plausible bad calls into obia, cart, timeseries, scaling, learner, the "
             "Landslide4Sense and network modules and the simulator's public API, each "
             "classified automatically (see the script's docstring):", "",
             "| module | calls | clear | handled | obscure | silent |",
             "|---|---:|---:|---:|---:|---:|"]
    for module in sorted(per_module):
        c = per_module[module]
        lines.append(f"| `{module}` | {sum(c.values())} | {c['clear']} | {c['handled']} | "
                     f"{c['obscure']} | {c['silent']} |")
    lines.append(f"| **all** | **{n}** | **{total['clear']}** | **{total['handled']}** | "
                 f"**{total['obscure']}** | **{total['silent']}** |")
    met = total["silent"] <= TARGET_SILENT and total["obscure"] <= TARGET_OBSCURE
    b = BASELINE
    lines += ["", f"Targets: at most {TARGET_SILENT} silent and {TARGET_OBSCURE} obscure; "
              f"{'met' if met else 'NOT met'}.", "",
              f"Before the fixes (main at d462fee, the first {b['calls']} of these calls): "
              f"{b['clear']} clear, {b['handled']} handled, {b['obscure']} obscure, "
              f"{b['silent']} silent.", ""]
    titles = {"silent": "Silent calls", "obscure": "Obscure calls",
              "handled": "Handled calls (no error; the case checked the documented result)"}
    for kind in ("silent", "obscure", "handled"):
        rows = results.get(kind, [])
        lines += [f"## {titles[kind]}: {len(rows)}", ""]
        if not rows:
            lines += ["None.", ""]
            continue
        for c, _, detail in rows:
            lines.append(f"- `{c.func}` ({c.label}): {detail[:300]}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {REPORT.name}")
    parser.add_argument("--only", help="run only functions whose name contains this")
    parser.add_argument("--show", default="silent,obscure",
                        help="kinds to list (comma-separated; default silent,obscure)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bad-input-sweep-") as tmp:
        warnings.simplefilter("ignore")
        prepare(Path(tmp))
        results = run(args.only)
        shown = set(args.show.split(","))
        for kind in ("clear", "handled", "obscure", "silent"):
            if kind in shown:
                for c, _, detail in results.get(kind, []):
                    print(f"{kind.upper():8s} {c.func.replace('course_lib.', '')} "
                          f"({c.label}): {detail[:240]}")
        counts = {k: len(results.get(k, [])) for k in ("clear", "handled", "obscure", "silent")}
        print(f"\n{sum(counts.values())} calls: " + ", ".join(f"{v} {k}" for k, v in
                                                             counts.items()))
        if args.write and not args.only:
            REPORT.write_text(report(results) + "\n")
            print(f"wrote {REPORT.relative_to(REPO)}")
    ok = counts["silent"] <= TARGET_SILENT and counts["obscure"] <= TARGET_OBSCURE
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
