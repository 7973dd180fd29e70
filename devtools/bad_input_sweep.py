"""Bad-input sweep: several hundred plausible mistakes tried on the core method modules.

Every call in :func:`sweep_calls` is a mistake a learner makes: a wrong type, ``None``, a list
or a string where an array goes, an empty or all-NaN array, a percent where a fraction goes,
radians where degrees go, digital numbers where reflectance goes, class codes or a 0/255 mask
where a boolean mask goes, (rows, cols, bands) where (bands, rows, cols) goes, shapes and CRSs
that do not match, a missing file, a read-only folder, an existing output. Each answer is
classified automatically:

* **clear**: a ``TypeError``, ``ValueError``, ``KeyError``, ``FileNotFoundError``,
  ``FileExistsError`` (or another of :data:`CLEAR_TYPES`) raised by the course's own code (or
  Python's own "missing argument" error), whose message names the argument or the problem
  (one of the call's ``names``) **and** says how to fix it (:data:`FIX`); or a warning whose
  message names the problem, when the result is documented (a score that is undefined).
* **obscure**: an exception from deep inside a library, or a message that does not name the
  argument or gives no fix.
* **silent**: no exception and no warning, and the result is wrong: each call says how to
  detect that (``wrong``, e.g. "all NaN", "shape changed", "value out of range").
* **accepted**: no exception and a correct result (e.g. a 0/1 integer mask where a boolean
  goes, a list of numbers where an array goes): not a failure.
* **skipped**: a read-only folder when running as root (root may write anywhere).

Usage (from the repository root)::

    python -m devtools.bad_input_sweep            # counts, then every obscure and silent call
    python -m devtools.bad_input_sweep --all      # every call with its answer
    python -m devtools.bad_input_sweep --write    # also write bench/bad_inputs.md

Targets for these modules: at most 5 silent and 15 obscure answers (:data:`TARGETS`);
``tests/test_bad_inputs.py`` runs the sweep and checks them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import stat
import subprocess
import tempfile
import textwrap
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

import course_lib

ROOT = Path(__file__).resolve().parents[1]
#: The package whose answers are judged (the imported one: errors raised there are its own).
PACKAGE = Path(course_lib.__file__).resolve().parent
REPORT = ROOT / "bench" / "bad_inputs.md"

#: At most this many silent and obscure answers (the sweep's targets for these modules).
TARGETS = {"silent": 5, "obscure": 15}

#: Exceptions that are the right kind of answer to bad input (when the message is clear).
CLEAR_TYPES: tuple[type[BaseException], ...] = (
    TypeError, ValueError, LookupError, FileNotFoundError, FileExistsError, IsADirectoryError,
    NotADirectoryError, PermissionError, OSError)

#: A message gives a fix when it says what to do: a verb of doing, an example, the choices.
FIX = re.compile(
    r"e\.g\.|\b(pass|use|convert|divide|multiply|reproject|to_crs|set|check|choose|pick|"
    r"delete|run|build|add|give|wrap|mask|remove|resample|crop|widen|rescale|fill|leave|call|"
    r"load|round|compute|calibrate|filter|print|threshold|clip|make|decide|drop|select|save|"
    r"replace|rename|move|put|reshape|write|copy|relax|stack|classify|look|"
    r"reset|instead|first)\b|one of \(|overwrite=|choose from|np\.|\.astype", re.I)

#: Texts of library messages that say nothing to a learner (as tests/test_bad_inputs.py).
OBSCURE_TEXT = ("not supported between", "has no attribute", "is out of bounds",
                "object is not subscriptable", "unhashable type", "truth value of an array",
                "could not convert string", "ufunc", "object of type 'NoneType'",
                "'NoneType' object", "Directory not empty", "operands could not be broadcast")


def _always_wrong(_: Any) -> bool:
    return True


@dataclass
class Call:
    """One plausible bad call.

    Attributes:
        module: the module tried (short name, e.g. ``"indices"``).
        label: what the learner did.
        run: the call, given the sweep's :class:`Context`.
        names: words of which a clear message names at least one (the argument or the
            problem), case-insensitive.
        wrong: for a call that returns: True when the result is wrong.
        detect: how a wrong result shows.
        needs_permissions: a read-only folder; skipped as root.
    """

    module: str
    label: str
    run: Callable[["Context"], Any]
    names: tuple[str, ...]
    wrong: Callable[[Any], bool] = _always_wrong
    detect: str = "any result: the input is meaningless"
    needs_permissions: bool = False


@dataclass
class Outcome:
    """How one call was answered."""

    call: Call
    kind: str          # clear, obscure, silent, accepted, skipped
    answer: str        # the exception or warning and its message, or the result
    reason: str = ""   # why it is obscure or silent


@dataclass
class Context:
    """Folders for the file calls: a scratch folder, a read-only one, an existing output."""

    tmp: Path
    readonly: Path
    counter: Counter = field(default_factory=Counter)

    def fresh(self, name: str) -> Path:
        """A new, empty sub-folder of the scratch folder."""
        self.counter[name] += 1
        folder = self.tmp / f"{name}-{self.counter[name]}"
        folder.mkdir(parents=True)
        return folder


# --------------------------------------------------------------------------- data
class Data:
    """Small arrays and rasters on the study area's grid (UTM 32N, 10 m), seeded."""

    def __init__(self) -> None:
        import geopandas as gpd
        from affine import Affine
        from rasterio.crs import CRS
        from shapely.geometry import Point, box

        from course_lib import metrics
        from course_lib.data.raster import Raster

        rng = np.random.default_rng(2019)
        self.rng = rng
        self.T = Affine(10.0, 0.0, 345000.0, 0.0, -10.0, 6822000.0)
        self.UTM = CRS.from_epsg(32632)
        self.REFL = (rng.random((8, 8)) * 0.4 + 0.02).astype(np.float32)
        self.BIG = (rng.random((128, 128)) * 0.3 + 0.02).astype(np.float32)
        self.DN = (self.REFL * 10000).astype(np.uint16)
        self.BIN = (rng.random((8, 8)) > 0.7).astype(np.uint8)
        self.PROB = rng.random((8, 8))
        self.PROB3 = rng.random((3, 8, 8))
        self.NDVI = rng.uniform(-0.2, 0.9, (8, 8))
        self.DEM = np.add.outer(np.arange(8.0), np.arange(8.0)) * 10.0
        self.SCL = rng.choice([4, 5, 6, 8, 9], size=(3, 8, 8)).astype(np.uint8)
        self.FMASK = rng.choice([0, 1, 2, 4, 255], size=(3, 8, 8)).astype(np.uint8)
        self.STACK = (rng.random((3, 4, 8, 8)) * 0.4).astype(np.float32)
        self.STACK_BIG = (rng.random((3, 4, 64, 64)) * 0.4).astype(np.float32)
        self.CLEAR = rng.random((3, 8, 8)) > 0.3
        self.S1 = rng.gamma(4.4, 0.1 / 4.4, size=(2, 8, 8)).astype(np.float32)
        self.S1_STACK = rng.gamma(4.4, 0.1 / 4.4, size=(3, 2, 8, 8)).astype(np.float32)
        self.SLOPE = rng.uniform(0, 40, (8, 8))
        self.ASPECT = rng.uniform(0, 360, (8, 8))
        self.L1C = (rng.random((10, 8, 8)) * 0.3).astype(np.float32)
        self.TRUTH_R = Raster(self.BIN[None], self.T, self.UTM, ("landslide",))
        self.REFL_R = Raster(self.REFL[None], self.T, self.UTM, ("B04",))
        self.LAYERS_R = Raster(np.stack([self.REFL, self.REFL * 2, self.PROB.astype(np.float32)]),
                               self.T, self.UTM, ("pre-VV", "post-VV", "dNDVI"))
        nan_layers = self.LAYERS_R.data.copy()
        nan_layers[0, 0, 0] = np.nan
        self.LAYERS_NAN = Raster(nan_layers, self.T, self.UTM, self.LAYERS_R.band_names)
        self.SERIES = Raster(self.STACK, self.T, self.UTM, ("B02", "B03", "B04", "B08"),
                             dates=np.arange("2019-07-01", "2019-07-04", dtype="datetime64[D]"))
        self.SERIES_NO_NIR = Raster(self.STACK[:, :3], self.T, self.UTM, ("B02", "B03", "B04"),
                                    dates=self.SERIES.dates)
        self.COMPOSITE_R = Raster(self.STACK[0], self.T, self.UTM, ("B02", "B03", "B04", "B08"))
        self.REGIONS = gpd.GeoDataFrame({"name": ["A"]},
                                        geometry=[box(345000, 6821940, 345040, 6822000)],
                                        crs="EPSG:32632")
        self.POINTS = gpd.GeoDataFrame({"label": [1, 2]},
                                       geometry=[Point(345005, 6821995), Point(345035, 6821965)],
                                       crs="EPSG:32632")
        self.COUNTS = metrics.ConfusionCounts(tp=3, fp=1, fn=2, tn=10)
        self.box = box

    def band_last(self) -> np.ndarray:
        """A (time, rows, cols, bands) stack: the bands on the last axis."""
        return np.ascontiguousarray(np.moveaxis(self.STACK_BIG, 1, -1))


def _all_nan(out: Any) -> bool:
    return bool(np.isnan(np.asarray(out, dtype=float)).all())


def _shape_is_not(shape: tuple[int, ...]) -> Callable[[Any], bool]:
    return lambda out: np.shape(out) != shape


@contextlib.contextmanager
def _env(**values: str):
    """Environment variables set for the duration of one call."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _with_env(env: dict[str, str], call: Callable[[], Any]) -> Any:
    with _env(**env):
        return call()


# --------------------------------------------------------------------------- the calls
def sweep_calls(d: Data) -> list[Call]:
    """Every bad call of the sweep, module by module."""
    calls: list[Call] = []

    def add(module: str, label: str, run: Callable[[Context], Any], *names: str,
            wrong: Callable[[Any], bool] = _always_wrong,
            detect: str = "any result: the input is meaningless",
            needs_permissions: bool = False) -> None:
        calls.append(Call(module, label, run, names, wrong, detect, needs_permissions))

    for part in (_validation_calls, _cloud_calls, _composite_calls, _index_calls,
                 _terrain_calls, _sar_calls, _metric_calls, _sampling_calls,
                 _small_method_calls, _data_calls, _pipeline_calls, _params_calls):
        part(add, d)
    return calls


def _validation_calls(add, d: Data) -> None:
    from course_lib import validation as v

    m = "validation"
    add(m, "as_array of a dict", lambda c: v.as_array({"a": 1}, "x"), "x")
    add(m, "as_array of a ragged list", lambda c: v.as_array([[1, 2], [3]], "x"), "x")
    add(m, "check_number of a string", lambda c: v.check_number("0.5", "threshold"), "threshold")
    add(m, "check_number of NaN", lambda c: v.check_number(float("nan"), "threshold"),
        "threshold")
    add(m, "check_integer of 2.5", lambda c: v.check_integer(2.5, "window"), "window")
    add(m, "check_choice of a list", lambda c: v.check_choice(["mean"], "how", ("mean",)), "how")
    add(m, "check_mask of class codes", lambda c: v.check_mask(d.SCL[0], "water"), "water")
    add(m, "check_fraction of percent", lambda c: v.check_fraction(d.PROB * 100, "p"), "p")
    add(m, "check_angle_degrees of radians",
        lambda c: v.check_angle_degrees(np.radians(d.SLOPE), "slope"), "slope")
    add(m, "check_same_shape of two grids",
        lambda c: v.check_same_shape(a=d.BIN, b=d.BIN[:4]), "shapes")
    add(m, "check_path of None", lambda c: v.check_path(None, "path"), "path")
    add(m, "as_2d of a stack", lambda c: v.as_2d(d.STACK[0], "truth"), "truth")
    add(m, "binary_and_valid of a probability",
        lambda c: v.binary_and_valid(d.PROB, "prediction"), "prediction")
    add(m, "check_reflectance of DN", lambda c: v.check_reflectance(d.DN, "B04"), "B04")
    add(m, "check_crs of 'UTM'", lambda c: v.check_crs("UTM"), "crs")
    add(m, "check_bool of 'False'", lambda c: v.check_bool("False", "overwrite"), "overwrite")
    add(m, "check_odd_window of 4", lambda c: v.check_odd_window(4), "window")


def _cloud_calls(add, d: Data) -> None:
    from course_lib import clouds

    m = "clouds"
    add(m, "scl_masks(None)", lambda c: clouds.scl_masks(None), "scl")
    add(m, "scl_masks of a string", lambda c: clouds.scl_masks("SCL"), "scl")
    add(m, "scl_masks of a nested list", lambda c: clouds.scl_masks([[4, 8], [9, 3]]), "scl",
        wrong=lambda out: out.cloud.tolist() != [[False, True], [True, False]],
        detect="cloud mask differs from codes 8, 9")
    add(m, "scl_masks of SCL x 10", lambda c: clouds.scl_masks(d.SCL * 10), "scl")
    add(m, "scl_masks of CFmask codes", lambda c: clouds.scl_masks(d.FMASK), "scl", "fmask")
    add(m, "scl_masks of SCL / 10 (floats)", lambda c: clouds.scl_masks(d.SCL / 10), "scl")
    add(m, "scl_masks all-NaN", lambda c: clouds.scl_masks(np.full((8, 8), np.nan)), "scl")
    add(m, "scl_masks of one row (1-D)", lambda c: clouds.scl_masks(d.SCL[0, 0]), "scl")
    add(m, "scl_masks empty", lambda c: clouds.scl_masks(np.empty((0, 8), np.uint8)), "scl")
    add(m, "scl_masks of a boolean mask", lambda c: clouds.scl_masks(d.SCL > 7), "scl")
    add(m, "scl_masks with two bands per date",
        lambda c: clouds.scl_masks(np.stack([d.SCL, d.SCL], axis=1)), "scl")
    add(m, "scl_masks cloud=8 (not a tuple)", lambda c: clouds.scl_masks(d.SCL, cloud=8),
        "cloud")
    add(m, "scl_masks cloud codes x 10", lambda c: clouds.scl_masks(d.SCL, cloud=(80, 90)),
        "cloud")
    add(m, "scl_masks cloud='8,9'", lambda c: clouds.scl_masks(d.SCL, cloud="8,9"), "cloud")
    add(m, "fmask_masks of SCL codes", lambda c: clouds.fmask_masks(d.SCL), "fmask", "cfmask")
    add(m, "fmask_masks(None)", lambda c: clouds.fmask_masks(None), "fmask")
    add(m, "fmask_masks with DN reflectance",
        lambda c: clouds.fmask_masks(d.FMASK, reflectance=(d.STACK[:, :3] * 1e4).astype(int)),
        "reflectance")
    add(m, "fmask_masks with reflectance on another grid",
        lambda c: clouds.fmask_masks(d.FMASK, reflectance=d.STACK[:, :3, :4]), "reflectance")
    add(m, "fmask_masks water_is_clear='yes'",
        lambda c: clouds.fmask_masks(d.FMASK, water_is_clear="yes"), "water_is_clear")
    add(m, "s2cloudless_input(None)", lambda c: clouds.s2cloudless_input(None), "bands")
    add(m, "s2cloudless_input of 13 bands without names",
        lambda c: clouds.s2cloudless_input(np.zeros((13, 8, 8), np.float32)), "bands")
    add(m, "s2cloudless_input band_names='B01'",
        lambda c: clouds.s2cloudless_input(np.zeros((13, 8, 8), np.float32), "B01"),
        "band_names")
    add(m, "s2cloudless_input of DN",
        lambda c: clouds.s2cloudless_input((d.L1C * 1e4).astype(np.uint16)), "input", "DN")
    add(m, "s2cloudless_input band-last (rows, cols, 10)",
        lambda c: clouds.s2cloudless_input(np.moveaxis(d.L1C, 0, -1)), "bands")
    add(m, "s2cloudless_input with 9 names for 10 bands",
        lambda c: clouds.s2cloudless_input(d.L1C, clouds.S2CLOUDLESS_BANDS[:9]), "band_names")
    add(m, "s2cloudless_probability band-first",
        lambda c: clouds.s2cloudless_probability(d.L1C[None]), "s2cloudless input", "shape")
    add(m, "s2cloudless_probability of DN",
        lambda c: clouds.s2cloudless_probability(np.moveaxis(d.L1C, 0, -1)[None] * 1e4),
        "input", "digital numbers")
    add(m, "s2cloudless_mask of percent", lambda c: clouds.s2cloudless_mask(d.PROB * 100),
        "probability")
    add(m, "s2cloudless_mask threshold=40", lambda c: clouds.s2cloudless_mask(d.PROB, 40),
        "threshold")
    add(m, "s2cloudless_mask average_over=2.5",
        lambda c: clouds.s2cloudless_mask(d.PROB, average_over=2.5), "average_over")
    add(m, "s2cloudless_mask dilation_size=-1",
        lambda c: clouds.s2cloudless_mask(d.PROB, dilation_size=-1), "dilation_size")
    add(m, "s2cloudless_mask(None)", lambda c: clouds.s2cloudless_mask(None), "probability")
    add(m, "s2cloudless_mask 4-D", lambda c: clouds.s2cloudless_mask(d.PROB[None, None]),
        "probability")
    add(m, "s2cloudless_mask of a boolean mask",
        lambda c: clouds.s2cloudless_mask(d.PROB > 0.4), "probability")
    add(m, "s2cloudless_mask all-NaN",
        lambda c: clouds.s2cloudless_mask(np.full((8, 8), np.nan)), "probability",
        wrong=lambda out: not out.all(), detect="a NaN pixel reported clear")
    add(m, "project_clouds of SCL codes", lambda c: clouds.project_clouds(d.SCL[0], 150, 500, 10),
        "cloud")
    add(m, "project_clouds pixel_size=0", lambda c: clouds.project_clouds(d.BIN, 150, 500, 0),
        "pixel_size")
    add(m, "project_clouds azimuth 'SE'", lambda c: clouds.project_clouds(d.BIN, "SE", 500, 10),
        "solar_azimuth")
    add(m, "project_clouds negative distance",
        lambda c: clouds.project_clouds(d.BIN, 150, -500, 10), "max_distance_m")
    add(m, "project_clouds of a stack of masks",
        lambda c: clouds.project_clouds(d.CLEAR, 150, 500, 10), "cloud")
    add(m, "cloud_shadow_mask NIR in DN",
        lambda c: clouds.cloud_shadow_mask(d.BIN, d.DN, 150, 10), "nir")
    add(m, "cloud_shadow_mask NIR in percent",
        lambda c: clouds.cloud_shadow_mask(d.BIN, d.REFL * 100, 150, 10), "nir")
    add(m, "cloud_shadow_mask water as SCL codes",
        lambda c: clouds.cloud_shadow_mask(d.BIN, d.REFL, 150, 10, water=d.SCL[0]), "water")
    add(m, "cloud_shadow_mask NIR on another grid",
        lambda c: clouds.cloud_shadow_mask(d.BIN, d.REFL[:4], 150, 10), "nir")
    add(m, "cloud_shadow_mask threshold 1500",
        lambda c: clouds.cloud_shadow_mask(d.BIN, d.REFL, 150, 10, nir_dark_threshold=1500),
        "nir_dark_threshold")
    add(m, "cloud_shadow_mask negative buffer",
        lambda c: clouds.cloud_shadow_mask(d.BIN, d.REFL, 150, 10, buffer_m=-50), "buffer_m")
    add(m, "cloud_shadow_mask probability for the cloud mask",
        lambda c: clouds.cloud_shadow_mask(d.PROB, d.REFL, 150, 10), "cloud")
    add(m, "shadow_projection_distance(None)",
        lambda c: clouds.shadow_projection_distance(None), "sun_elevation")
    add(m, "shadow_projection_distance sun below horizon",
        lambda c: clouds.shadow_projection_distance(-10), "sun_elevation")
    add(m, "shadow_projection_distance elevation in radians",
        lambda c: clouds.shadow_projection_distance(np.radians(45)), "sun_elevation",
        wrong=lambda out: out > 50_000, detect="shadow more than 50 km away")
    add(m, "shadow_projection_distance cloud height in km",
        lambda c: clouds.shadow_projection_distance(45, cloud_height_m=3), "cloud_height_m",
        wrong=lambda out: out < 100, detect="shadow less than 100 m away")
    add(m, "s2cloudless_settings pixel size as text",
        lambda c: clouds.s2cloudless_settings("10"), "pixel_size")
    add(m, "s2cloudless_settings threshold 40",
        lambda c: clouds.s2cloudless_settings(10, threshold=40), "threshold")
    add(m, "s2cloudless_settings pixel size in degrees",
        lambda c: clouds.s2cloudless_settings(0.0001), "pixel_size",
        wrong=lambda out: out["average_over"] > 1000, detect="an averaging disk > 1000 pixels")
    add(m, "clear_sky_mask cloud probability in percent",
        lambda c: clouds.clear_sky_mask(d.SCL, cloudprob=d.PROB3 * 100), "probability")
    add(m, "clear_sky_mask cloudprob as text",
        lambda c: clouds.clear_sky_mask(d.SCL, cloudprob="prob"), "cloudprob")
    add(m, "clear_sky_mask one date of probability for three",
        lambda c: clouds.clear_sky_mask(d.SCL, cloudprob=d.PROB), "cloudprob")
    add(m, "clear_sky_mask pixel size as text",
        lambda c: clouds.clear_sky_mask(d.SCL, cloudprob=d.PROB3, pixel_size="10"), "pixel_size")
    add(m, "clear_sky_mask(None)", lambda c: clouds.clear_sky_mask(None), "scl")


def _composite_calls(add, d: Data) -> None:
    from course_lib import composites as comp

    m = "composites"
    add(m, "clear_count of SCL codes", lambda c: comp.clear_count(d.SCL), "clear")
    add(m, "clear_count(None)", lambda c: comp.clear_count(None), "clear")
    add(m, "clear_count of one date", lambda c: comp.clear_count(d.CLEAR[0]), "clear")
    add(m, "clear_count with a stack of other dates",
        lambda c: comp.clear_count(d.CLEAR, d.STACK[:2]), "clear", "stack")
    add(m, "clear_count of a 0/1 integer mask", lambda c: comp.clear_count(d.CLEAR.astype(int)),
        "clear", wrong=lambda out: not np.array_equal(out, d.CLEAR.sum(axis=0)),
        detect="counts differ from the boolean mask's")
    add(m, "clear_count of a 0/255 mask", lambda c: comp.clear_count(d.CLEAR * 255), "clear")
    add(m, "mask_stack with SCL codes", lambda c: comp.mask_stack(d.STACK, d.SCL), "clear")
    add(m, "mask_stack without a mask", lambda c: comp.mask_stack(d.STACK, None), "clear")
    add(m, "mask_stack of one date", lambda c: comp.mask_stack(d.STACK[0], d.CLEAR), "stack")
    add(m, "mask_stack of DN", lambda c: comp.mask_stack(d.DN[None, None], d.CLEAR[:1]),
        "stack")
    add(m, "nanmedian_over_time of no date",
        lambda c: comp.nanmedian_over_time(np.empty((0, 8, 8))), "values", "time")
    add(m, "nanmedian_over_time(None)", lambda c: comp.nanmedian_over_time(None), "values")
    add(m, "nanmedian_over_time of text", lambda c: comp.nanmedian_over_time(["a", "b"]),
        "values")
    add(m, "median_composite of 0 dates", lambda c: comp.median_composite(d.STACK[:0]), "stack")
    add(m, "median_composite of 0 pixels",
        lambda c: comp.median_composite(d.STACK[:, :, :0]), "stack")
    add(m, "median_composite of DN floats", lambda c: comp.median_composite(d.STACK * 10000),
        "digital numbers", "band")
    add(m, "median_composite of DN integers",
        lambda c: comp.median_composite((d.STACK * 10000).astype(np.uint16)), "stack")
    add(m, "median_composite of percent reflectance",
        lambda c: comp.median_composite(d.STACK * 100), "band", "percent")
    add(m, "median_composite bands and dates swapped",
        lambda c: comp.median_composite(d.STACK.transpose(1, 0, 2, 3), d.CLEAR), "clear")
    add(m, "median_composite band-last, with a mask",
        lambda c: comp.median_composite(d.band_last(), d.CLEAR.repeat(8, 1).repeat(8, 2)),
        "stack", "band")
    add(m, "median_composite band-last, no mask",
        lambda c: comp.median_composite(d.band_last()), "stack", "band",
        wrong=_shape_is_not((4, 64, 64)), detect="shape is not (bands, rows, cols)")
    add(m, "median_composite with SCL codes", lambda c: comp.median_composite(d.STACK, d.SCL),
        "clear")
    add(m, "median_composite all-NaN",
        lambda c: comp.median_composite(np.full(d.STACK.shape, np.nan, np.float32)),
        "clear observation")
    add(m, "median_composite all cloud",
        lambda c: comp.median_composite(d.STACK, np.zeros_like(d.CLEAR)), "clear observation")
    add(m, "median_composite 5-D", lambda c: comp.median_composite(d.STACK[..., None]), "stack")
    add(m, "median_composite of a time-series Raster", lambda c: comp.median_composite(d.SERIES),
        "stack", wrong=_shape_is_not((4, 8, 8)), detect="shape is not (bands, rows, cols)")
    add(m, "median_composite with a (time, 1, rows, cols) mask",
        lambda c: comp.median_composite(d.STACK, d.CLEAR[:, None]), "clear",
        wrong=lambda out: not np.array_equal(out, comp.median_composite(d.STACK, d.CLEAR),
                                             equal_nan=True),
        detect="differs from the (time, rows, cols) mask's result")
    add(m, "argmax_over_time(None)", lambda c: comp.argmax_over_time(None), "score")
    add(m, "argmax_over_time of no date",
        lambda c: comp.argmax_over_time(np.empty((0, 8, 8))), "score")
    add(m, "argmax_over_time of text", lambda c: comp.argmax_over_time("ndvi"), "score")
    add(m, "greenest without score or bands", lambda c: comp.greenest_pixel_composite(d.STACK),
        "red_band", "score")
    add(m, "greenest band names on a plain array",
        lambda c: comp.greenest_pixel_composite(d.STACK, red_band="B04", nir_band="B08"),
        "red_band")
    add(m, "greenest NIR index out of range",
        lambda c: comp.greenest_pixel_composite(d.STACK, red_band=2, nir_band=9), "nir_band")
    add(m, "greenest red and NIR the same band",
        lambda c: comp.greenest_pixel_composite(d.STACK, red_band=2, nir_band=2), "nir_band")
    add(m, "greenest one date of score for three",
        lambda c: comp.greenest_pixel_composite(d.STACK, score=d.PROB), "score")
    add(m, "greenest band index as float",
        lambda c: comp.greenest_pixel_composite(d.STACK, red_band=2.0, nir_band=3), "red_band")
    add(m, "greenest red and NIR swapped",
        lambda c: comp.greenest_pixel_composite(d.STACK, red_band=3, nir_band=2), "red_band",
        wrong=lambda out: not np.array_equal(out, comp.greenest_pixel_composite(
            d.STACK, red_band=2, nir_band=3), equal_nan=True),
        detect="the brownest date chosen instead of the greenest")
    add(m, "greenest unknown band name on a Raster",
        lambda c: comp.greenest_pixel_composite(d.SERIES, red_band="B4", nir_band="B08"),
        "red_band")
    add(m, "greenest of DN floats",
        lambda c: comp.greenest_pixel_composite(d.STACK * 1e4, red_band=2, nir_band=3), "red",
        "digital numbers")
    add(m, "greenest return_index='yes'",
        lambda c: comp.greenest_pixel_composite(d.STACK, red_band=2, nir_band=3,
                                                return_index="yes"), "return_index")
    add(m, "composite_raster of an array", lambda c: comp.composite_raster(d.STACK, d.SCL),
        "raster")
    add(m, "composite_raster kind='mean'",
        lambda c: comp.composite_raster(d.SERIES, d.SCL, kind="mean"), "kind")
    add(m, "composite_raster greenest without B08",
        lambda c: comp.composite_raster(d.SERIES_NO_NIR, d.SCL, kind="greenest"), "B08")
    add(m, "composite_raster SCL x 10", lambda c: comp.composite_raster(d.SERIES, d.SCL * 10),
        "scl")
    add(m, "composite_raster cloud probability in percent",
        lambda c: comp.composite_raster(d.SERIES, d.SCL, cloudprob=d.PROB3 * 100),
        "probability")
    add(m, "composite_raster SCL of two dates for three",
        lambda c: comp.composite_raster(d.SERIES, d.SCL[:2]), "scl")
    add(m, "composite_raster of a single-date Raster",
        lambda c: comp.composite_raster(d.COMPOSITE_R, d.SCL), "raster")


def _index_calls(add, d: Data) -> None:
    from course_lib import indices

    m = "indices"
    add(m, "ndvi(None, nir)", lambda c: indices.ndvi(None, d.REFL), "red")
    add(m, "ndvi of band names", lambda c: indices.ndvi("B04", "B08"), "nir", "red")
    add(m, "ndvi of DN integers", lambda c: indices.ndvi(d.DN, d.DN), "nir", "red")
    add(m, "ndvi of DN floats", lambda c: indices.ndvi(d.REFL * 1e4, d.REFL * 1e4), "nir", "red")
    add(m, "ndvi of percent reflectance", lambda c: indices.ndvi(d.REFL * 100, d.REFL * 100),
        "nir", "red")
    add(m, "ndvi on two grids", lambda c: indices.ndvi(d.REFL, d.REFL[:4]), "shapes", "nir")
    add(m, "ndvi of a column and a row", lambda c: indices.ndvi(d.REFL[:, :1], d.REFL[:1]),
        "shapes")
    add(m, "ndvi of nested lists", lambda c: indices.ndvi([[0.1, 0.2]], [[0.3, 0.4]]), "red",
        wrong=lambda out: not np.allclose(out, [[0.5, 1 / 3]]), detect="values differ")
    add(m, "ndvi all-NaN", lambda c: indices.ndvi(np.full(4, np.nan), np.full(4, np.nan)),
        "red", wrong=lambda out: not _all_nan(out), detect="a value made up from NaN")
    add(m, "ndvi of boolean masks", lambda c: indices.ndvi(d.BIN > 0, d.BIN > 0), "red", "nir")
    add(m, "ndvi of a 4-band composite Raster for both",
        lambda c: indices.ndvi(d.COMPOSITE_R, d.COMPOSITE_R), "red", "nir",
        wrong=lambda out: np.nanmax(np.abs(out)) == 0, detect="NDVI 0 everywhere")
    add(m, "ndvi of the same band twice", lambda c: indices.ndvi(d.REFL, d.REFL), "red", "nir",
        wrong=lambda out: np.nanmax(np.abs(out)) == 0, detect="NDVI 0 everywhere")
    add(m, "dndvi of DN", lambda c: indices.dndvi(d.REFL * 1e4, d.REFL), "ndvi_pre")
    add(m, "dndvi of reflectance bands", lambda c: indices.dndvi(d.BIG, d.BIG * 0.8), "ndvi",
        wrong=lambda out: True, detect="a difference of two reflectances")
    add(m, "dndvi on two grids", lambda c: indices.dndvi(d.NDVI, d.NDVI[:4]), "ndvi")
    add(m, "dndvi(None, post)", lambda c: indices.dndvi(None, d.NDVI), "ndvi_pre")
    add(m, "dndvi of NDVI in percent", lambda c: indices.dndvi(d.NDVI * 100, d.NDVI * 100),
        "ndvi_pre")
    add(m, "dndvi check_units='no'",
        lambda c: indices.dndvi(d.NDVI, d.NDVI, check_units="no"), "check_units")
    add(m, "brightness of DN", lambda c: indices.brightness(d.DN, d.DN, d.DN, d.DN), "blue")
    add(m, "brightness with three bands", lambda c: indices.brightness(d.REFL, d.REFL, d.REFL),
        "nir")
    add(m, "brightness nir None", lambda c: indices.brightness(d.REFL, d.REFL, d.REFL, None),
        "nir")
    add(m, "gndvi nir None", lambda c: indices.gndvi(d.REFL, None), "nir")
    add(m, "ndwi of DN floats", lambda c: indices.ndwi(d.REFL, d.REFL * 1e4), "nir")
    add(m, "nbr of text", lambda c: indices.nbr([["a"]], d.REFL), "nir")
    add(m, "ndsi on two grids", lambda c: indices.ndsi(d.REFL, d.REFL[:3]), "shapes")
    add(m, "ndmi of DN", lambda c: indices.ndmi(d.DN, d.REFL), "nir")
    add(m, "savi soil factor 50", lambda c: indices.savi(d.REFL, d.REFL * 2, soil_factor=50),
        "soil_factor")
    add(m, "savi soil factor as text",
        lambda c: indices.savi(d.REFL, d.REFL * 2, soil_factor="0.5"), "soil_factor")
    add(m, "normalized_difference name_a=3",
        lambda c: indices.normalized_difference(d.REFL, d.REFL * 0.5, 3), "name")
    add(m, "compute_index lower-case name",
        lambda c: indices.compute_index("ndvi", {"B04": d.REFL, "B08": d.REFL}), "ndvi",
        "index")
    add(m, "compute_index of a list", lambda c: indices.compute_index("NDVI", [d.REFL, d.REFL]),
        "bands")
    add(m, "compute_index with role names",
        lambda c: indices.compute_index("NDVI", {"red": d.REFL, "nir": d.REFL}), "B04", "bands")
    add(m, "compute_index of DN",
        lambda c: indices.compute_index("NDVI", {"B04": d.DN, "B08": d.DN}), "B04", "B08")
    add(m, "spyndex_catalogue available='B04'", lambda c: indices.spyndex_catalogue("B04"),
        "available")
    add(m, "spyndex_catalogue domains='vegetation'",
        lambda c: indices.spyndex_catalogue(("B04", "B08"), domains="vegetation"), "domains")
    add(m, "spyndex_catalogue(None)", lambda c: indices.spyndex_catalogue(None), "available")
    add(m, "compute_spyndex_index missing band",
        lambda c: indices.compute_spyndex_index("NDVI", {"B04": d.REFL}), "B08")
    add(m, "compute_spyndex_index unknown index",
        lambda c: indices.compute_spyndex_index("XYZ", {"B04": d.REFL}), "XYZ")
    add(m, "compute_spyndex_index of DN",
        lambda c: indices.compute_spyndex_index("NDVI", {"B04": d.DN, "B08": d.DN}), "B04",
        "B08")
    add(m, "compute_spyndex_index bands as text",
        lambda c: indices.compute_spyndex_index("NDVI", "bands"), "bands")


def _terrain_calls(add, d: Data) -> None:
    from datetime import date, datetime

    from course_lib import terrain

    m = "terrain"
    dem_nan = d.DEM.copy()
    dem_nan[3, 3] = np.nan
    add(m, "slope(None)", lambda c: terrain.slope(None, 10), "dem")
    add(m, "slope resolution None", lambda c: terrain.slope(d.DEM, None), "resolution")
    add(m, "slope resolution in degrees", lambda c: terrain.slope(d.DEM, 0.0001), "resolution")
    add(m, "slope negative resolution", lambda c: terrain.slope(d.DEM, -10), "resolution")
    add(m, "slope resolution '10m'", lambda c: terrain.slope(d.DEM, "10m"), "resolution")
    add(m, "slope resolution (10, 10)", lambda c: terrain.slope(d.DEM, (10, 10)), "resolution")
    add(m, "slope of a (1, rows, cols) band", lambda c: terrain.slope(d.DEM[None], 10), "dem",
        wrong=_shape_is_not((8, 8)), detect="shape is not (rows, cols)")
    add(m, "slope all-NaN", lambda c: terrain.slope(np.full((8, 8), np.nan), 10), "dem")
    add(m, "slope with a nodata hole", lambda c: terrain.slope(dem_nan, 10), "dem")
    add(m, "slope of 2 rows", lambda c: terrain.slope(d.DEM[:2], 10), "dem")
    add(m, "slope of text", lambda c: terrain.slope([["a"]], 10), "dem")
    add(m, "aspect of a list of lists", lambda c: terrain.aspect(d.DEM.tolist(), 10), "dem",
        wrong=lambda out: not np.allclose(out, terrain.aspect(d.DEM, 10), equal_nan=True),
        detect="differs from the array's aspect")
    add(m, "hillshade cast_shadows='yes'",
        lambda c: terrain.hillshade(d.DEM, 10, 315, 45, cast_shadows="yes"), "cast_shadows")
    add(m, "hillshade sun in radians",
        lambda c: terrain.hillshade(d.DEM, 10, np.radians(315), np.radians(45)),
        "sun_elevation", "sun_azimuth", "radians",
        wrong=lambda out: True, detect="the sun 0.8 degrees above the horizon in the north")
    add(m, "illumination azimuth 'south'",
        lambda c: terrain.illumination(d.DEM, 10, "south", 30), "sun_azimuth")
    add(m, "illumination elevation 95", lambda c: terrain.illumination(d.DEM, 10, 180, 95),
        "sun_elevation")
    add(m, "cast_shadow azimuth None", lambda c: terrain.cast_shadow(d.DEM, 10, None, 30),
        "sun_azimuth")
    add(m, "cast_shadow sun below horizon", lambda c: terrain.cast_shadow(d.DEM, 10, 180, -5),
        "sun_elevation")
    add(m, "gradient of a stack", lambda c: terrain.gradient(d.STACK[0], 10), "dem")
    add(m, "solar_position of a string",
        lambda c: terrain.solar_position("2019-07-30 10:40", 61, 6), "when")
    add(m, "solar_position of a date", lambda c: terrain.solar_position(date(2019, 7, 30), 61, 6),
        "when")
    add(m, "solar_position of a numpy datetime64",
        lambda c: terrain.solar_position(np.datetime64("2019-07-30T10:40"), 61, 6), "when")
    add(m, "solar_position latitude 95",
        lambda c: terrain.solar_position(datetime(2019, 7, 30), 95, 6), "latitude")
    add(m, "solar_position longitude as text",
        lambda c: terrain.solar_position(datetime(2019, 7, 30), 61, "6E"), "longitude")
    add(m, "d8_next_pixel of text", lambda c: terrain.d8_next_pixel("dem"), "dem")
    add(m, "d8_next_pixel of a profile (1-D)", lambda c: terrain.d8_next_pixel(np.zeros(5)),
        "dem")
    add(m, "trace_flow_path of the DEM", lambda c: terrain.trace_flow_path(d.DEM, (1, 1)),
        "next_pixel")
    add(m, "trace_flow_path start outside",
        lambda c: terrain.trace_flow_path(terrain.d8_next_pixel(d.DEM), (9, 9)), "start")
    add(m, "trace_flow_path start 3",
        lambda c: terrain.trace_flow_path(terrain.d8_next_pixel(d.DEM), 3), "start")
    add(m, "trace_flow_path start (1.5, 2)",
        lambda c: terrain.trace_flow_path(terrain.d8_next_pixel(d.DEM), (1.5, 2)), "start")
    add(m, "trace_flow_path max_steps=-1",
        lambda c: terrain.trace_flow_path(terrain.d8_next_pixel(d.DEM), (1, 1), max_steps=-1),
        "max_steps")


def _sar_calls(add, d: Data) -> None:
    from course_lib import sar

    m = "sar"
    db = 10 * np.log10(d.S1)
    add(m, "to_db of dB", lambda c: sar.to_db(db), "linear", "decibels")
    add(m, "to_db(None)", lambda c: sar.to_db(None), "linear")
    add(m, "to_db of DN", lambda c: sar.to_db(d.S1 * 10000), "linear")
    add(m, "to_db floor=0", lambda c: sar.to_db(d.S1, floor=0), "floor")
    add(m, "to_db floor as text", lambda c: sar.to_db(d.S1, floor="1e-5"), "floor")
    add(m, "to_db of text", lambda c: sar.to_db("0.1"), "linear")
    add(m, "to_db of zeros", lambda c: sar.to_db(np.zeros(5)), "zero",
        wrong=lambda out: not _all_nan(out), detect="-inf instead of NaN")
    add(m, "to_linear of linear", lambda c: sar.to_linear(d.S1), "db")
    add(m, "to_linear(None)", lambda c: sar.to_linear(None), "db")
    add(m, "to_linear of text", lambda c: sar.to_linear(np.array(["-10"])), "db")
    add(m, "equivalent_number_of_looks all-NaN",
        lambda c: sar.equivalent_number_of_looks([np.nan] * 5), "region", "valid")
    add(m, "equivalent_number_of_looks constant",
        lambda c: sar.equivalent_number_of_looks(np.full(10, 0.2)), "region", "constant")
    add(m, "equivalent_number_of_looks of dB",
        lambda c: sar.equivalent_number_of_looks(db), "linear", "region")
    add(m, "equivalent_number_of_looks of text",
        lambda c: sar.equivalent_number_of_looks("lake"), "region")
    add(m, "lee_filter window '7'", lambda c: sar.lee_filter(d.S1, window="7"), "window")
    add(m, "lee_filter(None)", lambda c: sar.lee_filter(None), "image")
    add(m, "lee_filter even window", lambda c: sar.lee_filter(d.S1, window=4), "window")
    add(m, "lee_filter window larger than the image",
        lambda c: sar.lee_filter(d.S1, window=11), "window")
    add(m, "lee_filter of dB", lambda c: sar.lee_filter(db), "linear")
    add(m, "lee_filter looks=0", lambda c: sar.lee_filter(d.S1, looks=0), "looks")
    add(m, "lee_filter of a profile (1-D)", lambda c: sar.lee_filter(d.S1[0, 0]), "image")
    add(m, "lee_filter band-last (rows, cols, 2)",
        lambda c: sar.lee_filter(np.moveaxis(d.S1, 0, -1)), "window", "band")
    add(m, "lee_filter window 7.5", lambda c: sar.lee_filter(d.S1, window=7.5), "window")
    add(m, "refined_lee_filter looks None", lambda c: sar.refined_lee_filter(d.S1, looks=None),
        "looks")
    add(m, "refined_lee_filter of a 5 x 5 crop",
        lambda c: sar.refined_lee_filter(d.S1[:, :5, :5]), "7 x 7")
    add(m, "refined_lee_filter of negative values", lambda c: sar.refined_lee_filter(-d.S1),
        "linear")
    add(m, "median_backscatter of 0 dates",
        lambda c: sar.median_backscatter(np.empty((0, 2, 8, 8))), "stack")
    add(m, "median_backscatter all-NaN",
        lambda c: sar.median_backscatter(np.full((3, 8, 8), np.nan)), "stack", "NaN")
    add(m, "median_backscatter of one image",
        lambda c: sar.median_backscatter(d.S1[0]), "stack")
    add(m, "median_backscatter of dB",
        lambda c: sar.median_backscatter(10 * np.log10(d.S1_STACK)), "linear")
    add(m, "log_ratio_db post None", lambda c: sar.log_ratio_db(d.S1, None), "post")
    add(m, "log_ratio_db on two grids", lambda c: sar.log_ratio_db(d.S1, d.S1[:, :4]), "pre",
        "post")
    add(m, "log_ratio_db of dB", lambda c: sar.log_ratio_db(db, db - 3), "pre", "linear")
    add(m, "combine_geometries how='median'",
        lambda c: sar.combine_geometries(d.S1, d.S1, how="median"), "how")
    add(m, "combine_geometries on two grids",
        lambda c: sar.combine_geometries(d.S1, d.S1[:1]), "ascending", "descending")
    add(m, "combine_geometries of dB", lambda c: sar.combine_geometries(db, db), "linear")
    add(m, "look_direction_edges of codes", lambda c: sar.look_direction_edges(d.SCL[0], 80),
        "mask")
    add(m, "look_direction_edges azimuth 'east'",
        lambda c: sar.look_direction_edges(d.BIN, "east"), "look_azimuth_deg")
    add(m, "look_direction_edges near_width=-1",
        lambda c: sar.look_direction_edges(d.BIN, 80, near_width=-1), "near_width")
    add(m, "look_direction_edges near_width=1.5",
        lambda c: sar.look_direction_edges(d.BIN, 80, near_width=1.5), "near_width")
    add(m, "look_direction_edges of a stack",
        lambda c: sar.look_direction_edges(d.CLEAR, 80), "mask")
    add(m, "look_azimuth_from_heading 'north'",
        lambda c: sar.look_azimuth_from_heading("north"), "heading_deg")
    add(m, "look_azimuth_from_heading right_looking='yes'",
        lambda c: sar.look_azimuth_from_heading(-10, right_looking="yes"), "right_looking")
    add(m, "range_slope_angle slope in radians",
        lambda c: sar.range_slope_angle(np.radians(d.SLOPE), d.ASPECT, 80), "slope_deg")
    add(m, "range_slope_angle aspect in radians",
        lambda c: sar.range_slope_angle(d.SLOPE, np.radians(d.ASPECT), 80), "aspect_deg")
    add(m, "range_slope_angle slope in percent",
        lambda c: sar.range_slope_angle(d.SLOPE * 3, d.ASPECT, 80), "slope_deg")
    add(m, "range_slope_angle on two grids",
        lambda c: sar.range_slope_angle(d.SLOPE, d.ASPECT[:4], 80), "aspect")
    add(m, "range_slope_angle look azimuth on a 3 x 3 grid",
        lambda c: sar.range_slope_angle(d.SLOPE, d.ASPECT, np.zeros((3, 3))), "look_azimuth_deg")
    add(m, "range_slope_angle look azimuth 'east'",
        lambda c: sar.range_slope_angle(d.SLOPE, d.ASPECT, "east"), "look_azimuth_deg")
    add(m, "volume_scf incidence in radians", lambda c: sar.volume_scf(0.6, 0.0), "incidence_deg")
    add(m, "volume_scf alpha as text", lambda c: sar.volume_scf(35, "0"), "alpha_r_deg")
    add(m, "layover_shadow_masks incidence None", lambda c: sar.layover_shadow_masks(None, 0.0),
        "incidence_deg")
    add(m, "layover_shadow_masks incidence 95", lambda c: sar.layover_shadow_masks(95, 0.0),
        "incidence_deg")
    add(m, "slope correction slope in radians",
        lambda c: sar.radiometric_slope_correction(d.S1, np.radians(d.SLOPE), d.ASPECT, 38, 80),
        "slope_deg")
    add(m, "slope correction slope in percent",
        lambda c: sar.radiometric_slope_correction(d.S1, d.SLOPE * 3, d.ASPECT, 38, 80),
        "slope_deg")
    add(m, "slope correction of dB",
        lambda c: sar.radiometric_slope_correction(db, d.SLOPE, d.ASPECT, 38, 80), "sigma0")
    add(m, "slope correction slope on another grid",
        lambda c: sar.radiometric_slope_correction(d.S1, d.SLOPE[:4], d.ASPECT, 38, 80),
        "slope")
    add(m, "slope correction mask='yes'",
        lambda c: sar.radiometric_slope_correction(d.S1, d.SLOPE, d.ASPECT, 38, 80, mask="yes"),
        "mask")
    add(m, "slope correction incidence on a 4 x 4 grid",
        lambda c: sar.radiometric_slope_correction(d.S1, d.SLOPE, d.ASPECT, np.full((4, 4), 38.),
                                                   80), "incidence_deg")
    add(m, "slope correction look azimuth 'east'",
        lambda c: sar.radiometric_slope_correction(d.S1, d.SLOPE, d.ASPECT, 38, "east"),
        "look_azimuth_deg")


def _metric_calls(add, d: Data) -> None:
    from course_lib import metrics, paper
    from course_lib.metrics import objects, tables

    m = "metrics"
    nan_map = np.full((8, 8), np.nan)
    add(m, "confusion_counts on two grids", lambda c: metrics.confusion_counts(d.BIN, d.BIN[:4]),
        "shapes")
    add(m, "confusion_counts truth None", lambda c: metrics.confusion_counts(None, d.BIN),
        "truth")
    add(m, "confusion_counts of a 0/255 mask",
        lambda c: metrics.confusion_counts(d.BIN, d.BIN * 255), "prediction")
    add(m, "confusion_counts of a probability",
        lambda c: metrics.confusion_counts(d.BIN, d.PROB), "prediction")
    add(m, "confusion_counts valid as SCL codes",
        lambda c: metrics.confusion_counts(d.BIN, d.BIN, valid=d.SCL[0]), "valid")
    add(m, "confusion_counts valid as a 0/1 integer mask",
        lambda c: metrics.confusion_counts(d.BIN, d.BIN, valid=d.BIN), "valid",
        wrong=lambda out: out.total != int(d.BIN.sum()), detect="pixels outside valid counted")
    add(m, "confusion_counts of a 1-band Raster",
        lambda c: metrics.confusion_counts(d.TRUTH_R, d.BIN), "truth",
        wrong=lambda out: out.fp + out.fn != 0, detect="a map differs from itself")
    add(m, "confusion_counts of a 2-band stack",
        lambda c: metrics.confusion_counts(np.stack([d.BIN, d.BIN]), d.BIN), "truth")
    add(m, "confusion_counts all-NaN prediction",
        lambda c: metrics.confusion_counts(d.BIN, nan_map), "prediction", "no pixel",
        wrong=lambda out: out.total != 0, detect="counts from nodata")
    add(m, "confusion_counts valid False everywhere",
        lambda c: metrics.confusion_counts(d.BIN, d.BIN, valid=np.zeros((8, 8), bool)), "valid",
        wrong=lambda out: out.total != 0, detect="counts outside valid")
    add(m, "confusion_counts of a -1/0 map",
        lambda c: metrics.confusion_counts(d.BIN, d.BIN.astype(int) - 1), "prediction")
    add(m, "confusion_counts of a 2 x 2 list",
        lambda c: metrics.confusion_counts(d.BIN, [[1, 0], [0, 1]]), "shapes")
    add(m, "confusion_counts of text", lambda c: metrics.confusion_counts(d.BIN, "map"),
        "prediction")
    add(m, "evaluate of a probability", lambda c: metrics.evaluate(d.BIN, d.PROB), "prediction")
    add(m, "evaluate all-NaN prediction", lambda c: metrics.evaluate(d.BIN, nan_map),
        "prediction", "no pixel", wrong=lambda out: not np.isnan(out.mcc),
        detect="a score from nodata")
    add(m, "confusion_map valid as codes",
        lambda c: metrics.confusion_map(d.BIN, d.BIN, valid=d.SCL[0]), "valid")
    add(m, "confusion_map of a 0/255 mask", lambda c: metrics.confusion_map(d.BIN, d.BIN * 255),
        "prediction")
    add(m, "confusion_map all-NaN prediction", lambda c: metrics.confusion_map(d.BIN, nan_map),
        "prediction", "no pixel", wrong=lambda out: (out != metrics.NODATA).any(),
        detect="codes from nodata")
    add(m, "threshold_counts in percent", lambda c: metrics.threshold_counts(d.PROB, d.BIN, 50),
        "threshold")
    add(m, "threshold_counts NaN threshold",
        lambda c: metrics.threshold_counts(d.PROB, d.BIN, np.nan), "threshold")
    add(m, "threshold_counts threshold as text",
        lambda c: metrics.threshold_counts(d.PROB, d.BIN, "0.5"), "threshold")
    add(m, "threshold_counts truth and score swapped",
        lambda c: metrics.threshold_counts(d.BIN, d.PROB, 0.5), "truth")
    add(m, "threshold_counts score in percent",
        lambda c: metrics.threshold_counts(d.PROB * 100, d.BIN, 0.5), "score", "threshold",
        wrong=lambda out: out.tp + out.fp > 0.9 * out.total, detect="almost every pixel detected")
    add(m, "threshold_counts above='yes'",
        lambda c: metrics.threshold_counts(d.PROB, d.BIN, 0.5, above="yes"), "above")
    add(m, "threshold_counts all-NaN score",
        lambda c: metrics.threshold_counts(nan_map, d.BIN, 0.5), "score", "no pixel",
        wrong=lambda out: out.total != 0, detect="counts from nodata")
    add(m, "threshold_sweep one threshold",
        lambda c: metrics.threshold_sweep(d.PROB, d.BIN, 0.5), "thresholds")
    add(m, "threshold_sweep text thresholds",
        lambda c: metrics.threshold_sweep(d.PROB, d.BIN, ["0.5"]), "threshold")
    add(m, "threshold_sweep thresholds in percent",
        lambda c: metrics.threshold_sweep(d.PROB, d.BIN, np.linspace(0, 100, 11)), "threshold")
    add(m, "threshold_sweep on two grids",
        lambda c: metrics.threshold_sweep(d.PROB, d.BIN[:4], [0.5]), "shapes")
    add(m, "precision(None)", lambda c: metrics.precision(None), "counts")
    add(m, "recall of a tuple", lambda c: metrics.recall((3, 1, 2, 10)), "counts")
    add(m, "f1_score of a dict", lambda c: metrics.f1_score({"tp": 1}), "counts")
    add(m, "accuracy of text", lambda c: metrics.accuracy("counts"), "counts")
    add(m, "mcc of a list", lambda c: metrics.mcc([3, 1, 2, 10]), "counts")
    add(m, "mcc of Scores", lambda c: metrics.mcc(d.COUNTS.scores()), "counts")
    add(m, "ConfusionCounts with a negative count",
        lambda c: metrics.ConfusionCounts(tp=-1, fp=0, fn=0, tn=0), "tp")
    add(m, "ConfusionCounts with a float count",
        lambda c: metrics.ConfusionCounts(tp=1.5, fp=0, fn=0, tn=0), "tp")
    add(m, "region_masks of text", lambda c: metrics.region_masks("A", d.T, (8, 8)), "regions")
    add(m, "region_masks transform None",
        lambda c: metrics.region_masks(d.REGIONS, None, (8, 8)), "transform")
    add(m, "region_masks transform as a tuple",
        lambda c: metrics.region_masks(d.REGIONS, tuple(d.T)[:6], (8, 8)), "transform")
    add(m, "region_masks shape 8", lambda c: metrics.region_masks(d.REGIONS, d.T, 8), "shape")
    add(m, "region_masks shape (0, 8)", lambda c: metrics.region_masks(d.REGIONS, d.T, (0, 8)),
        "shape")
    add(m, "region_masks unknown name column",
        lambda c: metrics.region_masks(d.REGIONS, d.T, (8, 8), name_column="id"), "id",
        "column")
    add(m, "region_masks regions in EPSG:4326",
        lambda c: metrics.region_masks(d.REGIONS.to_crs(4326), d.T, (8, 8)), "regions", "crs")
    add(m, "region_masks regions on another CRS than crs=",
        lambda c: metrics.region_masks(d.REGIONS, d.T, (8, 8), crs=32633), "regions", "crs")
    add(m, "metrics_by_region arrays without transform",
        lambda c: metrics.metrics_by_region(d.BIN, d.BIN, d.REGIONS), "transform")
    add(m, "metrics_by_region regions in EPSG:4326",
        lambda c: metrics.metrics_by_region(d.TRUTH_R, d.BIN, d.REGIONS.to_crs(4326)), "regions")
    add(m, "metrics_by_region arrays with regions in EPSG:4326",
        lambda c: metrics.metrics_by_region(d.BIN, d.BIN, d.REGIONS.to_crs(4326), d.T),
        "regions")
    add(m, "metrics_by_region of a probability",
        lambda c: metrics.metrics_by_region(d.TRUTH_R, d.PROB, d.REGIONS), "prediction")
    add(m, "metrics_by_region regions as text",
        lambda c: metrics.metrics_by_region(d.TRUTH_R, d.BIN, "A"), "regions")
    add(m, "object_metrics fraction in percent",
        lambda c: metrics.object_metrics(d.TRUTH_R, d.REGIONS, min_overlap_fraction=10),
        "min_overlap_fraction")
    add(m, "object_metrics of a list of polygons",
        lambda c: metrics.object_metrics(d.TRUTH_R, [d.box(0, 0, 1, 1)]), "landslides")
    add(m, "object_metrics array without transform",
        lambda c: metrics.object_metrics(d.BIN, d.REGIONS), "transform")
    add(m, "object_metrics connectivity=8",
        lambda c: metrics.object_metrics(d.TRUTH_R, d.REGIONS, connectivity=8), "connectivity")
    add(m, "object_metrics min_overlap_pixels=0",
        lambda c: metrics.object_metrics(d.TRUTH_R, d.REGIONS, min_overlap_pixels=0),
        "min_overlap_pixels")
    add(m, "object_metrics slides in EPSG:4326 (no crs)",
        lambda c: metrics.object_metrics(d.BIN, d.REGIONS.to_crs(4326), d.T), "landslides")
    add(m, "object_metrics slides in UTM 33N (no crs)",
        lambda c: metrics.object_metrics(d.BIN, d.REGIONS.to_crs(32633), d.T), "landslides")
    add(m, "object_metrics slides in UTM 33N with a Raster",
        lambda c: metrics.object_metrics(d.TRUTH_R, d.REGIONS.to_crs(32633)), "landslides")
    add(m, "object_metrics of a probability",
        lambda c: metrics.object_metrics(d.PROB, d.REGIONS, d.T), "prediction")
    add(m, "object_metrics truth as a probability",
        lambda c: metrics.object_metrics(d.TRUTH_R, d.REGIONS, truth=d.PROB), "truth")
    add(m, "polygon_pixels of text", lambda c: objects.polygon_pixels("a polygon", d.T, (4, 4)),
        "geometry")
    add(m, "polygon_pixels transform None",
        lambda c: objects.polygon_pixels(d.box(0, 0, 1, 1), None, (4, 4)), "transform")
    add(m, "polygon_pixels shape 8",
        lambda c: objects.polygon_pixels(d.box(0, 0, 1, 1), d.T, 8), "shape")
    add(m, "format_score of text", lambda c: tables.format_score("0.5"), "value")
    add(m, "format_score of a percent", lambda c: tables.format_score(73.4), "value", "percent")
    add(m, "format_score of a list", lambda c: tables.format_score([0.5]), "value")
    add(m, "format_score digits as text", lambda c: tables.format_score(0.5, digits="1"),
        "digits")
    add(m, "format_percent of a table in percent",
        lambda c: tables.format_percent(paper.PAPER_TABLE4 * 100), "table", "percent")
    add(m, "format_percent twice",
        lambda c: tables.format_percent(tables.format_percent(paper.PAPER_TABLE4)), "table")
    add(m, "format_percent(None)", lambda c: tables.format_percent(None), "table")
    add(m, "format_percent of a dict", lambda c: tables.format_percent({"mcc": [0.5]}), "table")
    add(m, "scores_frame of a list", lambda c: tables.scores_frame([d.COUNTS.scores()]),
        "scores")
    add(m, "scores_frame of counts", lambda c: tables.scores_frame({"a": d.COUNTS}), "scores")


def _sampling_calls(add, d: Data) -> None:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from course_lib import sampling

    m = "sampling"
    add(m, "valid_mask(None)", lambda c: sampling.valid_mask(None), "raster")
    add(m, "valid_mask of text", lambda c: sampling.valid_mask("raster"), "raster")
    add(m, "valid_mask of a time series", lambda c: sampling.valid_mask(d.STACK), "raster")
    add(m, "valid_mask of a list", lambda c: sampling.valid_mask([[1.0, np.nan]]), "raster",
        wrong=lambda out: out.tolist() != [[True, False]], detect="validity differs")
    add(m, "valid_mask band-last (rows, cols, bands)",
        lambda c: sampling.valid_mask(np.moveaxis(d.STACK_BIG[0], 0, -1)), "raster", "band",
        wrong=_shape_is_not((64, 64)), detect="shape is not (rows, cols)")
    add(m, "sample_at_points points None",
        lambda c: sampling.sample_at_points(d.LAYERS_R, None), "points")
    add(m, "sample_at_points of an array",
        lambda c: sampling.sample_at_points(d.LAYERS_R.data, d.POINTS), "raster")
    add(m, "sample_at_points points in EPSG:4326",
        lambda c: sampling.sample_at_points(d.LAYERS_R, d.POINTS.to_crs(4326)), "points",
        "to_crs")
    add(m, "sample_at_points points outside",
        lambda c: sampling.sample_at_points(d.LAYERS_R, gpd.GeoDataFrame(
            geometry=[Point(500, 500)], crs="EPSG:32632")), "points", "outside")
    add(m, "sample_at_points of polygons",
        lambda c: sampling.sample_at_points(d.LAYERS_R, d.REGIONS), "points")
    add(m, "sample_at_points on_invalid='ignore'",
        lambda c: sampling.sample_at_points(d.LAYERS_R, d.POINTS, on_invalid="ignore"),
        "on_invalid")
    add(m, "sample_at_points a point on NaN",
        lambda c: sampling.sample_at_points(d.LAYERS_NAN, d.POINTS), "NaN", "on_invalid")
    add(m, "sample_at_points of a time series",
        lambda c: sampling.sample_at_points(d.SERIES, d.POINTS), "raster")
    add(m, "sample_at_points of a GeoSeries",
        lambda c: sampling.sample_at_points(d.LAYERS_R, d.POINTS.geometry), "points")
    add(m, "sample_at_points of a DataFrame of x, y",
        lambda c: sampling.sample_at_points(d.LAYERS_R, pd.DataFrame({"x": [1], "y": [2]})),
        "points")
    add(m, "sample_at_points points without CRS",
        lambda c: sampling.sample_at_points(d.LAYERS_R, d.POINTS.set_crs(None,
                                                                         allow_override=True)),
        "points", "crs")


def _small_method_calls(add, d: Data) -> None:
    from course_lib import blockwise, postprocess, shifts

    m = "postprocess"
    add(m, "focal_mode of a probability", lambda c: postprocess.focal_mode(d.PROB), "binary")
    add(m, "focal_mode window 4", lambda c: postprocess.focal_mode(d.BIN, window=4), "window")
    add(m, "focal_mode window '3'", lambda c: postprocess.focal_mode(d.BIN, window="3"),
        "window")
    add(m, "focal_mode(None)", lambda c: postprocess.focal_mode(None), "binary")
    add(m, "focal_mode of a 0/255 mask", lambda c: postprocess.focal_mode(d.BIN * 255), "binary")
    add(m, "focal_mode of a stack", lambda c: postprocess.focal_mode(d.CLEAR), "binary")
    add(m, "focal_mode window 0", lambda c: postprocess.focal_mode(d.BIN, window=0), "window")
    add(m, "focal_mode window 2.5", lambda c: postprocess.focal_mode(d.BIN, window=2.5),
        "window")
    m = "blockwise"
    f = lambda X: X[:, 0]  # noqa: E731
    add(m, "predict_in_chunks of a prediction (not a function)",
        lambda c: blockwise.predict_in_chunks(np.zeros(64), d.LAYERS_R), "predict")
    add(m, "predict_in_chunks of one image",
        lambda c: blockwise.predict_in_chunks(f, d.REFL), "stack")
    add(m, "predict_in_chunks band_names as text",
        lambda c: blockwise.predict_in_chunks(f, d.LAYERS_R, band_names="pre-VV"), "band_names")
    add(m, "predict_in_chunks array with other bands",
        lambda c: blockwise.predict_in_chunks(f, d.LAYERS_R.data, band_names=["a", "b"]),
        "stack", "bands")
    add(m, "predict_in_chunks Raster without the bands",
        lambda c: blockwise.predict_in_chunks(f, d.LAYERS_R, band_names=["x"]), "stack", "bands")
    add(m, "predict_in_chunks chunk_pixels=0",
        lambda c: blockwise.predict_in_chunks(f, d.LAYERS_R, chunk_pixels=0), "chunk_pixels")
    add(m, "predict_in_chunks predict returns the table",
        lambda c: blockwise.predict_in_chunks(lambda X: X, d.LAYERS_R), "predict")
    add(m, "predict_in_chunks predict returns text",
        lambda c: blockwise.predict_in_chunks(lambda X: ["a"] * len(X), d.LAYERS_R), "predict")
    add(m, "predict_in_chunks n_outputs=0",
        lambda c: blockwise.predict_in_chunks(f, d.LAYERS_R, n_outputs=0), "n_outputs")
    add(m, "predict_in_chunks(f, None)", lambda c: blockwise.predict_in_chunks(f, None), "stack")
    m = "shifts"
    add(m, "shift(None)", lambda c: shifts.shift(None, 1, 1), "array")
    add(m, "shift by 1.5 rows", lambda c: shifts.shift(d.BIN, 1.5, 0), "drow")
    add(m, "shift by '1' row", lambda c: shifts.shift(d.BIN, "1", 0), "drow")
    add(m, "shift of a profile (1-D)", lambda c: shifts.shift(d.BIN[0], 1, 1), "array", "shift")
    add(m, "azimuth_step 'north'", lambda c: shifts.azimuth_step("north"), "azimuth_deg")
    add(m, "azimuth_step '90'", lambda c: shifts.azimuth_step("90"), "azimuth_deg")
    add(m, "azimuth_step(None)", lambda c: shifts.azimuth_step(None), "azimuth_deg")
    add(m, "azimuth_offset k '3'", lambda c: shifts.azimuth_offset(90, "3"), "k")
    add(m, "shift by more than the grid", lambda c: shifts.shift(d.BIN, 100, 0), "drow",
        wrong=lambda out: out.any(), detect="content left on the grid")


def _data_calls(add, d: Data) -> None:
    from dataclasses import replace

    from course_lib.data import manifest, raster, samples, sentinel2

    def truncated(c: Context) -> Path:
        path = raster.write_geotiff(d.REFL_R, c.fresh("trunc") / "x.tif")
        path.write_bytes(path.read_bytes()[:200])
        return path

    def existing(c: Context) -> Path:
        return raster.write_geotiff(d.REFL_R, c.fresh("exists") / "a.tif")

    def a_file(c: Context) -> Path:
        path = c.fresh("file") / "notes.txt"
        path.write_text("not a raster")
        return path

    m = "data.raster"
    add(m, "read_geotiff of a missing file",
        lambda c: raster.read_geotiff(c.tmp / "missing.tif"), "missing.tif", "path")
    add(m, "read_geotiff of a truncated file", lambda c: raster.read_geotiff(truncated(c)),
        "x.tif")
    add(m, "read_geotiff(None)", lambda c: raster.read_geotiff(None), "path")
    add(m, "read_geotiff of a folder", lambda c: raster.read_geotiff(c.fresh("folder")),
        "folder", "path")
    add(m, "read_geotiff of a text file", lambda c: raster.read_geotiff(a_file(c)), "notes.txt")
    add(m, "read_geotiff band_names='B04'",
        lambda c: raster.read_geotiff(existing(c), band_names="B04"), "band_names")
    add(m, "read_geotiff two names for one band",
        lambda c: raster.read_geotiff(existing(c), band_names=("a", "b")), "band_names",
        "band names")
    add(m, "write_geotiff of an array",
        lambda c: raster.write_geotiff(d.REFL[None], c.fresh("w") / "a.tif"), "raster")
    add(m, "write_geotiff of a time series",
        lambda c: raster.write_geotiff(d.SERIES, c.fresh("w") / "a.tif"), "raster")
    add(m, "write_geotiff over an existing file",
        lambda c: raster.write_geotiff(d.REFL_R, existing(c)), "overwrite")
    add(m, "write_geotiff without CRS",
        lambda c: raster.write_geotiff(replace(d.REFL_R, crs=None), c.fresh("w") / "a.tif"),
        "crs")
    add(m, "write_geotiff path None", lambda c: raster.write_geotiff(d.REFL_R, None), "path")
    add(m, "write_geotiff into a read-only folder",
        lambda c: raster.write_geotiff(d.REFL_R, c.readonly / "a.tif"), "read-only", "path",
        needs_permissions=True)
    add(m, "write_geotiff into a file (as a folder)",
        lambda c: raster.write_geotiff(d.REFL_R, a_file(c) / "a.tif"), "notes.txt", "folder")
    add(m, "write_geotiff overwrite='no'",
        lambda c: raster.write_geotiff(d.REFL_R, existing(c), overwrite="no"), "overwrite")
    add(m, "write_geotiff of a boolean mask",
        lambda c: raster.write_geotiff(replace(d.REFL_R, data=d.BIN[None] > 0),
                                       c.fresh("w") / "m.tif"), "raster", "bool")
    add(m, "write_geotiff compress='zip'",
        lambda c: raster.write_geotiff(d.REFL_R, c.fresh("w") / "a.tif", compress="zip"),
        "compress")
    add(m, "check_raster of an array", lambda c: raster.check_raster(d.REFL, "raster"), "raster")
    add(m, "check_raster of a time series for 3-D",
        lambda c: raster.check_raster(d.SERIES, "raster", ndim=3), "raster")

    m = "data.samples"
    add(m, "load_sentinel2_l1c bands='B04'", lambda c: samples.load_sentinel2_l1c(bands="B04"),
        "bands")
    add(m, "load_sentinel2_l1c resolution 30",
        lambda c: samples.load_sentinel2_l1c(resolution=30), "resolution")
    add(m, "load_sentinel2_l1c band 'B4'",
        lambda c: samples.load_sentinel2_l1c(bands=("B4",)), "B4", "bands")
    add(m, "load_sentinel2_l1c as_reflectance='yes'",
        lambda c: samples.load_sentinel2_l1c(as_reflectance="yes"), "as_reflectance")
    add(m, "load_sentinel2_l1c resolution '10'",
        lambda c: samples.load_sentinel2_l1c(resolution="10"), "resolution")
    add(m, "load_landsat_series without the data",
        lambda c: _with_env({"COURSE_DATA_DIR": str(c.fresh("nodata"))},
                            samples.load_landsat_series), "COURSE_DATA_DIR")
    add(m, "load_sentinel2_l1c without the data",
        lambda c: _with_env({"COURSE_DATA_DIR": str(c.fresh("nodata"))},
                            samples.load_sentinel2_l1c), "COURSE_DATA_DIR")

    m = "data.manifest"
    add(m, "sha256_of a missing file", lambda c: manifest.sha256_of(c.tmp / "missing"), "path")
    add(m, "sha256_of a folder", lambda c: manifest.sha256_of(c.fresh("m")), "path", "folder")
    add(m, "sha256_of(None)", lambda c: manifest.sha256_of(None), "path")
    add(m, "data_files of a missing folder", lambda c: manifest.data_files(c.tmp / "missing"),
        "root")
    add(m, "data_files of a file", lambda c: manifest.data_files(a_file(c)), "root")
    add(m, "write_manifest('')", lambda c: manifest.write_manifest(""), "root")
    add(m, "write_manifest into a read-only folder",
        lambda c: manifest.write_manifest(c.readonly), "read-only", "root",
        needs_permissions=True)
    add(m, "read_manifest of a folder without one", lambda c: manifest.read_manifest(c.fresh("m")),
        "manifest")
    add(m, "verify_manifest(None)", lambda c: manifest.verify_manifest(None), "root")

    m = "data.sentinel2"
    add(m, "dn_to_reflectance of reflectance",
        lambda c: sentinel2.dn_to_reflectance(d.REFL, "04.00"), "dn")
    add(m, "dn_to_reflectance of the Landsat fill",
        lambda c: sentinel2.dn_to_reflectance(np.array([-9999, 1500]), "02.04"), "dn")
    add(m, "dn_to_reflectance baseline 204",
        lambda c: sentinel2.dn_to_reflectance(d.DN, 204), "processing_baseline")
    add(m, "dn_to_reflectance baseline '4.0.0'",
        lambda c: sentinel2.dn_to_reflectance(d.DN, "4.0.0"), "processing_baseline")
    add(m, "dn_to_reflectance baseline None",
        lambda c: sentinel2.dn_to_reflectance(d.DN, None), "processing_baseline")
    add(m, "dn_to_reflectance without a baseline",
        lambda c: sentinel2.dn_to_reflectance(d.DN), "processing_baseline")
    add(m, "dn_to_reflectance of text", lambda c: sentinel2.dn_to_reflectance("1500", "04.00"),
        "dn")
    add(m, "dn_to_reflectance baseline True",
        lambda c: sentinel2.dn_to_reflectance(d.DN, True), "processing_baseline")


def _pipeline_calls(add, d: Data) -> None:
    from rasterio.crs import CRS

    from course_lib.pipeline import composites as pcomp
    from course_lib.pipeline import layers, predictions as pred, sentinel1

    def saved(c: Context, **kwargs) -> Path:
        folder = c.fresh("pred")
        pred.save_prediction("CART", 4, d.BIN, d.T, d.UTM, directory=folder, verbose=False,
                             **kwargs)
        return folder

    m = "pipeline.predictions"
    add(m, "method_name(None)", lambda c: pred.method_name(None), "method")
    add(m, "method_name('')", lambda c: pred.method_name(""), "method")
    add(m, "setting_name(5)", lambda c: pred.setting_name(5), "setting", "1-4")
    add(m, "setting_name(None)", lambda c: pred.setting_name(None), "setting")
    add(m, "setting_name(4.0)", lambda c: pred.setting_name(4.0), "setting")
    add(m, "predictions_dir(3)", lambda c: pred.predictions_dir(3), "directory")
    add(m, "prediction_path setting 9", lambda c: pred.prediction_path("CART", 9), "1-4",
        "setting")
    add(m, "save_prediction of a probability",
        lambda c: pred.save_prediction("CART", 4, d.PROB, d.T, d.UTM, directory=c.fresh("p"),
                                       verbose=False), "prediction")
    add(m, "save_prediction array without grid",
        lambda c: pred.save_prediction("CART", 4, d.BIN, directory=c.fresh("p"), verbose=False),
        "transform")
    add(m, "save_prediction overwrite=False over a saved map",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, d.UTM, directory=saved(c),
                                       overwrite=False, verbose=False), "overwrite")
    add(m, "save_prediction score on another grid",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, d.UTM, score=d.PROB[:4],
                                       directory=c.fresh("p"), verbose=False), "score")
    add(m, "save_prediction UTM grid as EPSG:4326",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, "EPSG:4326",
                                       directory=c.fresh("p"), verbose=False), "crs")
    add(m, "save_prediction Raster with another crs=",
        lambda c: pred.save_prediction("CART", 4, d.TRUTH_R, crs=CRS.from_epsg(32633),
                                       directory=c.fresh("p"), verbose=False), "crs")
    add(m, "save_prediction crs='UTM'",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, "UTM", directory=c.fresh("p"),
                                       verbose=False), "crs")
    add(m, "save_prediction transform as a tuple",
        lambda c: pred.save_prediction("CART", 4, d.BIN, tuple(d.T)[:6], d.UTM,
                                       directory=c.fresh("p"), verbose=False), "transform")
    add(m, "save_prediction of a 0/255 mask",
        lambda c: pred.save_prediction("CART", 4, d.BIN * 255, d.T, d.UTM,
                                       directory=c.fresh("p"), verbose=False), "prediction")
    add(m, "save_prediction overwrite='no'",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, d.UTM, directory=saved(c),
                                       overwrite="no", verbose=False), "overwrite")
    add(m, "save_prediction tags as text",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, d.UTM, tags="v13",
                                       directory=c.fresh("p"), verbose=False), "tags")
    add(m, "save_prediction infinite score",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, d.UTM, score=d.PROB / 0,
                                       directory=c.fresh("p"), verbose=False), "score")
    add(m, "save_prediction all-NaN map",
        lambda c: pred.save_prediction("CART", 4, np.full((8, 8), np.nan), d.T, d.UTM,
                                       directory=c.fresh("p"), verbose=False), "prediction",
        wrong=lambda out: True, detect="a map without one valid pixel saved for assessment")
    add(m, "save_prediction into a read-only folder",
        lambda c: pred.save_prediction("CART", 4, d.BIN, d.T, d.UTM, directory=c.readonly,
                                       verbose=False), "read-only", "directory",
        needs_permissions=True)
    add(m, "list_predictions(123)", lambda c: pred.list_predictions(123), "directory")
    add(m, "load_prediction not saved", lambda c: pred.load_prediction("CART", 4, c.fresh("p")),
        "CART")
    add(m, "load_prediction setting 7", lambda c: pred.load_prediction("CART", 7), "setting",
        "1-4")
    add(m, "results_table of an array", lambda c: pred.results_table(d.BIN), "transform")
    add(m, "results_table regions as text",
        lambda c: pred.results_table(d.TRUTH_R, "A", directory=saved(c)), "regions")
    add(m, "results_table valid as codes",
        lambda c: pred.results_table(d.TRUTH_R, valid=d.SCL[0], directory=saved(c)), "valid")
    add(m, "compare_with_paper of text", lambda c: pred.compare_with_paper("table"), "results")
    add(m, "compare_with_paper unknown region",
        lambda c: pred.compare_with_paper(pred.results_table(d.TRUTH_R, directory=saved(c)),
                                          region="Z"), "region")
    add(m, "compare_with_paper paper as text",
        lambda c: pred.compare_with_paper(pred.results_table(d.TRUTH_R, directory=saved(c)),
                                          paper="table 4"), "paper")

    m = "pipeline.layers"
    add(m, "setting_bands(None)", lambda c: layers.setting_bands(None), "setting")
    add(m, "setting_bands(5)", lambda c: layers.setting_bands(5), "setting")
    add(m, "setting_bands geometry 'north'",
        lambda c: layers.setting_bands(2, geometry="north"), "geometry")
    add(m, "setting_bands('2')", lambda c: layers.setting_bands("2"), "setting")
    add(m, "setting_layers(7)", lambda c: layers.setting_layers(7, area={}), "setting")
    add(m, "change_layers geometry 'ascending'",
        lambda c: layers.change_layers(area={}, geometry="ascending"), "geometry")
    add(m, "change_layers lee_window=2", lambda c: layers.change_layers(area={}, lee_window=2),
        "lee_window")
    add(m, "change_layers use_cache='no'",
        lambda c: layers.change_layers(area={}, use_cache="no"), "use_cache")
    add(m, "change_layers of text", lambda c: layers.change_layers(area="area"), "area")
    add(m, "evaluation_mask of text", lambda c: layers.evaluation_mask(area="area"), "area")

    m = "pipeline.composites"
    add(m, "study_area_composites of an incomplete mapping",
        lambda c: pcomp.study_area_composites(area={"s2_pre": 1}), "area")
    add(m, "study_area_composites kinds='median'",
        lambda c: pcomp.study_area_composites(area={}, kinds="median"), "kinds")
    add(m, "study_area_composites kinds=('mean',)",
        lambda c: pcomp.study_area_composites(area={}, kinds=("mean",)), "kinds", "mean")
    add(m, "study_area_composites use_cache='no'",
        lambda c: pcomp.study_area_composites(area={}, use_cache="no"), "use_cache")
    add(m, "study_area_composites of text",
        lambda c: pcomp.study_area_composites(area="area"), "area")

    m = "pipeline.sentinel1"
    add(m, "s1 composite of text",
        lambda c: sentinel1.study_area_s1_composite("area", "asc", "pre"), "area")
    add(m, "s1 composite geometry 'ascending'",
        lambda c: sentinel1.study_area_s1_composite({}, "ascending", "pre"), "geometry")
    add(m, "s1 composite period 'before'",
        lambda c: sentinel1.study_area_s1_composite({}, "asc", "before"), "period")
    add(m, "s1 composite lee_window=4",
        lambda c: sentinel1.study_area_s1_composite({}, "asc", "pre", lee_window=4),
        "lee_window")
    add(m, "s1 composite slope_correction='no'",
        lambda c: sentinel1.study_area_s1_composite({}, "asc", "pre", slope_correction="no"),
        "slope_correction")


def _params_calls(add, d: Data) -> None:
    from course_lib.simulator.params import StudyAreaParams as P

    m = "simulator.params"
    for label, kwargs, name in (
            ("cloud_cover=1e6", {"cloud_cover": 1e6}, "cloud_cover"),
            ("cloud_cover=50 (percent)", {"cloud_cover": 50}, "cloud_cover"),
            ("cloud_cover=-1", {"cloud_cover": -1}, "cloud_cover"),
            ("origin_x as text", {"origin_x": "345000"}, "origin_x"),
            ("origin_x in degrees", {"origin_x": 6.3}, "origin_x"),
            ("origin_y in degrees", {"origin_y": 61.45}, "origin_y"),
            ("size=10", {"size": 10}, "size"),
            ("size=100.5", {"size": 100.5}, "size"),
            ("size as text", {"size": "1024"}, "size"),
            ("seed=-1", {"seed": -1}, "seed"),
            ("seed=2.5", {"seed": 2.5}, "seed"),
            ("seed as text", {"seed": "2019"}, "seed"),
            ("resolution in degrees", {"resolution": 0.0001}, "resolution"),
            ("resolution as text", {"resolution": "10"}, "resolution"),
            ("n_landslides=-1", {"n_landslides": -1}, "n_landslides"),
            ("n_landslides=2.5", {"n_landslides": 2.5}, "n_landslides"),
            ("speckle_looks=0", {"speckle_looks": 0}, "speckle_looks"),
            ("landslide_size_scale=0", {"landslide_size_scale": 0}, "landslide_size_scale"),
            ("snow_cover=None", {"snow_cover": None}, "snow_cover"),
            ("sar_landslide_contrast='high'", {"sar_landslide_contrast": "high"},
             "sar_landslide_contrast"),
            ("terrain_overcorrection=-0.5", {"terrain_overcorrection": -0.5},
             "terrain_overcorrection")):
        add(m, f"StudyAreaParams {label}", lambda c, kwargs=kwargs: P(**kwargs), name)


# --------------------------------------------------------------------------- classification
def _in_package(filename: str) -> bool:
    try:
        Path(filename).resolve().relative_to(PACKAGE)
        return True
    except ValueError:
        return False


def _message(err: BaseException) -> str:
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    return str(err)


def classify(call: Call, context: Context) -> Outcome:
    """Run one call and classify its answer (see the module docstring)."""
    if call.needs_permissions and hasattr(os, "geteuid") and os.geteuid() == 0:
        return Outcome(call, "skipped", "running as root: folder permissions do not apply")
    with open(os.devnull, "w") as devnull, warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(devnull):
        warnings.simplefilter("always")
        try:
            result = call.run(context)
        except Exception as err:    # noqa: BLE001 - every answer is classified
            return _classify_error(call, err)
    names = [n.lower() for n in call.names]
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, (UserWarning, RuntimeWarning)) and \
                any(n in text.lower() for n in names) and FIX.search(text):
            return Outcome(call, "clear", f"{w.category.__name__}: {text}")
    try:
        wrong = bool(call.wrong(result))
    except Exception as err:    # noqa: BLE001 - a result the check cannot read is wrong
        wrong, call_detect = True, f"{call.detect} (check failed: {err})"
    else:
        call_detect = call.detect
    answer = f"returned {_short(result)}"
    if wrong:
        return Outcome(call, "silent", answer, call_detect)
    return Outcome(call, "accepted", answer)


def _classify_error(call: Call, err: Exception) -> Outcome:
    message = _message(err)
    answer = f"{type(err).__name__}: {message}"
    frames = traceback.extract_tb(err.__traceback__)
    origin = frames[-1].filename if frames else ""
    signature = (isinstance(err, TypeError) and Path(origin).resolve() == Path(__file__).resolve()
                 and "argument" in message)
    ours = _in_package(origin)
    named = any(n.lower() in message.lower() for n in call.names)
    reasons = []
    if not isinstance(err, CLEAR_TYPES):
        reasons.append(f"{type(err).__name__} is not an input error")
    if not (ours or signature):
        reasons.append(f"raised inside {Path(origin).parent.name}/{Path(origin).name}")
    if not named:
        reasons.append(f"names none of {list(call.names)}")
    if not (FIX.search(message) or signature):
        reasons.append("gives no fix")
    if any(text in message for text in OBSCURE_TEXT):
        reasons.append("library jargon")
    return Outcome(call, "obscure" if reasons else "clear", answer, "; ".join(reasons))


def _short(value: Any, limit: int = 90) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array {value.shape}"
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def run_sweep() -> list[Outcome]:
    """Run every call of the sweep in a scratch folder; return the outcomes in order."""
    data = Data()
    calls = sweep_calls(data)
    with tempfile.TemporaryDirectory(prefix="bad-input-sweep-") as tmp:
        readonly = Path(tmp) / "readonly"
        readonly.mkdir()
        readonly.chmod(stat.S_IRUSR | stat.S_IXUSR)
        context = Context(tmp=Path(tmp), readonly=readonly)
        with _env(COURSE_OUTPUT_DIR=str(Path(tmp) / "outputs")):
            outcomes = [classify(call, context) for call in calls]
        readonly.chmod(stat.S_IRWXU)
    return outcomes


# --------------------------------------------------------------------------- report
KINDS = ("clear", "obscure", "silent", "accepted", "skipped")


def counts(outcomes: list[Outcome]) -> dict[str, int]:
    """How many outcomes of each kind (every kind present, 0 if none)."""
    found = Counter(o.kind for o in outcomes)
    return {kind: found.get(kind, 0) for kind in KINDS}


def _module_table(outcomes: list[Outcome]) -> list[str]:
    modules = list(dict.fromkeys(o.call.module for o in outcomes))
    lines = ["| module | calls | " + " | ".join(KINDS) + " |",
             "|---|---:|" + "---:|" * len(KINDS)]
    for module in modules:
        mine = [o for o in outcomes if o.call.module == module]
        c = counts(mine)
        lines.append(f"| {module} | {len(mine)} | " + " | ".join(str(c[k]) for k in KINDS) + " |")
    total = counts(outcomes)
    lines.append(f"| **all** | **{len(outcomes)}** | " +
                 " | ".join(f"**{total[k]}**" for k in KINDS) + " |")
    return lines


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "course_lib", "devtools/bad_input_sweep.py")
    return f"{head}" + (" with uncommitted changes" if dirty else "")


def report(outcomes: list[Outcome]) -> str:
    """bench/bad_inputs.md: the counts, the targets, the obscure and silent calls, every call."""
    total = counts(outcomes)
    now = datetime.now(timezone.utc)
    met = all(total[k] <= v for k, v in TARGETS.items())
    lines = [
        "# Bad-input sweep",
        "",
        f"Generated by `python -m devtools.bad_input_sweep --write` on {now:%Y-%m-%d %H:%M} UTC "
        f"at commit {_commit()}.",
        "",
        f"{len(outcomes)} plausible bad calls on the core method modules (the module docstring of "
        "`devtools/bad_input_sweep.py` says how each answer is classified). Targets: at most "
        f"{TARGETS['silent']} silent and {TARGETS['obscure']} obscure answers: "
        f"**{'met' if met else 'NOT met'}** ({total['silent']} silent, {total['obscure']} "
        "obscure).",
        "",
        *_module_table(outcomes),
        "",
    ]
    for kind, title in (("silent", "Silent: no error and a wrong result"),
                        ("obscure", "Obscure: an error a learner cannot act on"),
                        ("skipped", "Skipped")):
        chosen = [o for o in outcomes if o.kind == kind]
        lines += [f"## {title} ({len(chosen)})", ""]
        lines += [f"- **{o.call.module}**, {o.call.label}: {_escape(o.answer)}"
                  + (f" ({_escape(o.reason)})" if o.reason else "") for o in chosen] or ["None."]
        lines.append("")
    lines += ["## Every call", "", "| module | bad call | outcome | answer |", "|---|---|---|---|"]
    lines += [f"| {o.call.module} | {_escape(o.call.label)} | {o.kind} | "
              f"{textwrap.shorten(_escape(o.answer), 200, placeholder=' ...')} |"
              for o in outcomes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the sweep, print the counts and the calls to fix; ``--write`` writes the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="print every call and its answer")
    parser.add_argument("--write", action="store_true", help=f"write {REPORT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    outcomes = run_sweep()
    print("\n".join(_module_table(outcomes)))
    for o in outcomes:
        if args.all or o.kind in ("obscure", "silent"):
            print(f"\n[{o.kind}] {o.call.module}: {o.call.label}\n    {o.answer[:300]}"
                  + (f"\n    -> {o.reason}" if o.reason else ""))
    total = counts(outcomes)
    print(f"\n{len(outcomes)} calls: " + ", ".join(f"{total[k]} {k}" for k in KINDS)
          + f" (targets: silent <= {TARGETS['silent']}, obscure <= {TARGETS['obscure']})")
    if args.write:
        REPORT.write_text(report(outcomes))
        print(f"Wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
