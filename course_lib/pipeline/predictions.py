"""Save every method's landslide map once, and gather them all into one results table.

Notebooks 03 (OBIA), 04 (CART) and 05 (U-Net) each end with::

    from course_lib.paper import SETTINGS
    from course_lib.pipeline.predictions import save_prediction
    save_prediction(method="CART", setting=SETTINGS[4], prediction=binary_map,
                    transform=area["landslide_mask"].transform,
                    crs=area["landslide_mask"].crs, score=probability)  # score optional

and notebook 06 calls :func:`results_table` to assess all of them against the truth, whole
area and subplots A-D, next to the paper's Table 4 (:data:`PAPER_TABLE4`).

Files: one GeoTIFF per method and setting in ``output_dir()/predictions/`` (see
:func:`course_lib.config.output_dir`), float32, band ``prediction`` (1 landslide, 0 not, NaN
nodata) and optionally band ``score`` (e.g. a probability), with the method and setting in the
file's tags. Writing is atomic (temporary file, then rename), so an interrupted notebook never
leaves half a file; a killed kernel's hidden temporary file is removed by the next save, and
:func:`list_predictions` ignores hidden files and skips (with a warning naming it) any
``.tif`` it cannot read.

Overwriting: saving the **same method and setting** again replaces the earlier file by default
(``overwrite=True``: that is the learner re-running a notebook, and the newest map is the one
to assess) and prints a line saying so; pass ``overwrite=False`` to keep the earlier map and
get a ``FileExistsError`` instead. A different method or setting never replaces a file: if two names map to the same
file name (e.g. ``"dNDVI < -0.2"`` and ``"dNDVI -0.2"``) the save stops with an error.
(Spellings of the paper's settings and the course's methods are normalised first, so
``setting=4``, ``"S2 only (5)"`` and ``"s2-only 5"`` are one and the same setting.)
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from course_lib import metrics, validation
from course_lib.config import output_dir
from course_lib.data.raster import Raster, read_geotiff, write_geotiff
from course_lib.paper import PAPER_TABLE4, SETTINGS
from course_lib.validation import CorruptFileError, check_path, describe

#: Canonical method names, in the order of the course (other names, e.g. baselines, are allowed).
METHODS: tuple[str, ...] = ("OBIA", "CART", "U-Net")


#: Sub-folder of :func:`course_lib.config.output_dir` that holds the saved predictions.
PREDICTIONS_FOLDER = "predictions"


def _key(text: str) -> str:
    """Lower-case letters and digits only, to match names loosely ("u-net" == "UNet")."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def method_name(method: str) -> str:
    """The canonical spelling of a method ("unet" -> "U-Net"); other names kept as given.

    >>> method_name("unet"), method_name("cart"), method_name("dNDVI threshold")
    ('U-Net', 'CART', 'dNDVI threshold')
    """
    if not isinstance(method, str) or not method.strip():
        raise ValueError(f"method must be a non-empty name such as {METHODS}; got {method!r}. "
                         "Pass a name, e.g. method='CART'.")
    for known in METHODS:
        if _key(known) == _key(method):
            return known
    return method.strip()


def setting_name(setting: int | str) -> str:
    """The canonical name of a setting: 1-4 (or "setting 4") map to :data:`SETTINGS`.

    Other strings (e.g. "SALaD features") are kept as given.

    >>> setting_name(4), setting_name("s2 only (5)"), setting_name("Setting 2")
    ('S2 only (5)', 'S2 only (5)', 'S1 (VV) and S2 (3)')
    """
    if isinstance(setting, (int, np.integer)) and not isinstance(setting, bool):
        if int(setting) not in SETTINGS:
            raise ValueError(f"setting: the paper has settings 1-4; got {setting}. Pass 1, 2, 3 "
                             f"or 4, or one of the names {list(SETTINGS.values())}.")
        return SETTINGS[int(setting)]
    if not isinstance(setting, str) or not setting.strip():
        raise ValueError(f"setting must be 1-4 or a non-empty name; got {setting!r}. Pass e.g. "
                         "setting=4 (an int) or a name such as 'S2 only (5)'.")
    match = re.fullmatch(r"\s*setting\s*([1-4])\s*", setting, flags=re.IGNORECASE)
    if match:
        return SETTINGS[int(match.group(1))]
    for name in SETTINGS.values():
        if _key(name) == _key(setting):
            return name
    return setting.strip()


def predictions_dir(directory: str | Path | None = None) -> Path:
    """The folder of saved predictions (``output_dir()/predictions`` unless given)."""
    if directory is None:
        return output_dir() / PREDICTIONS_FOLDER
    return check_path(directory, "directory")


def prediction_path(method: str, setting: int | str, directory: str | Path | None = None) -> Path:
    """Where :func:`save_prediction` writes a method and setting, e.g. ``cart__s2-only-5.tif``."""
    def slug(text: str) -> str:
        return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-") or "x"

    return predictions_dir(directory) / (
        f"{slug(method_name(method))}__{slug(setting_name(setting))}.tif")


@dataclass
class SavedPrediction:
    """One saved map: ``prediction`` (1-band float32 Raster, NaN nodata) and optional score."""

    method: str
    setting: str
    prediction: Raster
    score: Raster | None
    path: Path
    saved_at: str = ""


def save_prediction(method: str, setting: int | str, prediction: Any, transform: Any = None,
                    crs: Any = None, score: Any = None, *, directory: str | Path | None = None,
                    tags: dict[str, Any] | None = None, verbose: bool = True,
                    overwrite: bool = True) -> Path:
    """Save a binary landslide map (and optionally its score map) for notebook 06.

    Args:
        method: e.g. ``"OBIA"``, ``"CART"``, ``"U-Net"`` (spellings such as "unet" are
            normalised, see :data:`METHODS`) or any other name, e.g. a baseline.
        setting: 1-4 or a name from :data:`SETTINGS` for the paper's input settings, or any
            other short name (e.g. ``"SALaD features"``).
        prediction: binary map, 2-D ``(rows, cols)`` or a 1-band Raster; 1 = landslide,
            0 = not, NaN = nodata. Bool and integer arrays are fine.
        transform, crs: the grid, required when ``prediction`` is a plain array.
        score: optional continuous map on the same grid (e.g. probability of landslide).
        directory: where to save (default ``output_dir()/predictions``).
        tags: extra metadata stored in the GeoTIFF (e.g. the study-area parameters).
        verbose: print one line saying what was saved or replaced.
        overwrite: replace an earlier map of the **same** method and setting (default True,
            the notebook-friendly choice: re-running a notebook saves its newest map). With
            False an existing map is kept and ``FileExistsError`` is raised.

    Returns:
        The path of the GeoTIFF.

    Raises:
        ValueError: a non-binary prediction, shapes that differ, a missing grid, a CRS in
            which the grid cannot lie (e.g. ``crs="EPSG:4326"`` for a UTM transform), or a
            transform or CRS that contradicts the prediction Raster's own.
        FileExistsError: the file name is taken by a *different* method or setting, or by
            the same one with ``overwrite=False``.
    """
    method, setting, binary, valid, score, transform, crs = _check_save_inputs(
        method, setting, prediction, transform, crs, score, tags, verbose, overwrite)
    bands = [np.where(valid, binary, np.nan).astype(np.float32)]
    names = ["prediction"]
    if score is not None:
        bands.append(score)
        names.append("score")
    path = prediction_path(method, setting, directory)
    replaced = False
    if path.exists():
        old = _read_tags(path)
        if (old.get("method"), old.get("setting")) != (method, setting):
            raise FileExistsError(
                f"{path.name} already holds method {old.get('method')!r}, setting "
                f"{old.get('setting')!r}, whose file name matches {method!r} / {setting!r}. "
                "Pick a more distinct name, or delete the old file if it is no longer wanted.")
        if not overwrite:
            raise FileExistsError(
                f"A prediction for {method} / {setting} is already saved ({path}); pass "
                "overwrite=True to replace it, or save under another method or setting name.")
        replaced = True
    saved_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    attrs = {**(tags or {}), "method": method, "setting": setting, "saved_at": saved_at,
             "kind": "course_lib.pipeline.predictions prediction"}
    raster = Raster(np.stack(bands), transform=transform, crs=crs, band_names=tuple(names),
                    attrs=attrs)
    write_geotiff(raster, path, overwrite=replaced)
    if verbose:
        verb = "Replaced the earlier" if replaced else "Saved"
        print(f"{verb} prediction {method} / {setting} -> {path.name}")
    return path


def _read_tags(path: Path) -> dict[str, str]:
    import rasterio

    try:
        with rasterio.open(path) as ds:
            return dict(ds.tags())
    except rasterio.errors.RasterioIOError:
        return {}   # unreadable (e.g. truncated): treat as not one of ours


def list_predictions(directory: str | Path | None = None) -> pd.DataFrame:
    """Every saved prediction: columns method, setting, saved_at, has_score, path.

    Sorted by method (course order first) and setting (paper order first); empty (with those
    columns) when nothing has been saved yet. Hidden files (names starting with ".", e.g. the
    temporary file of a save that was killed) are ignored; a ``.tif`` that cannot be read
    (e.g. truncated) is skipped with a warning naming it, so one broken file never stops
    notebook 06.
    """
    import rasterio

    folder = predictions_dir(directory)
    rows = []
    for path in sorted(folder.glob("*.tif")) if folder.is_dir() else []:
        if path.name.startswith("."):
            continue
        try:
            with rasterio.open(path) as ds:
                tags = ds.tags()
                has_score = "score" in ds.descriptions
        except rasterio.errors.RasterioIOError as err:
            warnings.warn(f"Skipping {path.name} in {folder}: it is not a readable GeoTIFF "
                          f"({err}). Delete it, or save that prediction again.", stacklevel=2)
            continue
        if "method" not in tags or "setting" not in tags:
            continue  # not one of ours
        rows.append({"method": tags["method"], "setting": tags["setting"],
                     "saved_at": tags.get("saved_at", ""), "has_score": has_score,
                     "path": path})
    table = pd.DataFrame(rows, columns=["method", "setting", "saved_at", "has_score", "path"])
    return _sort_methods_settings(table)


def _order(values: pd.Series, known: tuple[str, ...]) -> pd.Series:
    rank = {name: i for i, name in enumerate(known)}
    return values.map(lambda v: (rank.get(v, len(known)), str(v)))


def _sort_methods_settings(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table.reset_index(drop=True)
    settings = tuple(SETTINGS.values())
    keys = pd.DataFrame({"m": _order(table["method"], METHODS),
                         "s": _order(table["setting"], settings)})
    order = sorted(range(len(table)), key=lambda i: (keys["m"].iloc[i], keys["s"].iloc[i]))
    return table.iloc[order].reset_index(drop=True)


def load_prediction(method: str, setting: int | str,
                    directory: str | Path | None = None) -> SavedPrediction:
    """Read back what :func:`save_prediction` saved for a method and setting."""
    method, setting = method_name(method), setting_name(setting)
    path = prediction_path(method, setting, directory)
    if not path.exists():
        raise FileNotFoundError(
            f"No saved prediction for {method} / {setting} ({path}). Run the notebook that "
            "makes it (03 OBIA, 04 CART, 05 U-Net) to the end first.")
    raster = read_geotiff(path)
    pred = Raster(raster.data[:1], raster.transform, raster.crs, ("prediction",),
                  attrs=raster.attrs)
    score = None
    if "score" in raster.band_names:
        i = raster.band_names.index("score")
        score = Raster(raster.data[i:i + 1], raster.transform, raster.crs, ("score",))
    return SavedPrediction(method=method, setting=setting, prediction=pred, score=score,
                           path=path, saved_at=raster.attrs.get("saved_at", ""))


def _same_grid(a: Raster, shape: tuple[int, int], transform: Any, crs: Any = None) -> bool:
    from rasterio.crs import CRS

    if crs is not None and (a.crs is None or CRS.from_user_input(a.crs) != CRS.from_user_input(crs)):
        return False
    return a.shape == shape and a.transform.almost_equals(transform)


def results_table(truth: Any, regions: Any = None, *, valid: Any = None,
                  transform: Any = None, crs: Any = None,
                  directory: str | Path | None = None,
                  name_column: str = "name", whole_area: str = metrics.WHOLE_AREA,
                  ) -> pd.DataFrame:
    """Assess every saved prediction against ``truth``, whole area and per region.

    Args:
        truth: the reference mask (a Raster, e.g. ``area["landslide_mask"]``, or a 2-D array
            with ``transform=``).
        regions: optional GeoDataFrame of named polygons (e.g. ``area["subplots"]``).
        valid: optional boolean mask of pixels that count (applied to every method alike).
        transform: the truth's grid when ``truth`` is a plain array.
        crs: the truth's CRS when ``truth`` is a plain array (a Raster brings its own).
        directory: where the predictions are (default ``output_dir()/predictions``).

    Returns:
        A DataFrame indexed by (method, setting, region) with columns precision, recall, f1,
        mcc (fractions, NaN = undefined) and tp, fp, fn, tn; empty when nothing is saved.
        Predictions on another grid than ``truth`` (another shape, transform or CRS, e.g.
        saved before the study area was changed) are skipped with a warning naming the file.
    """
    transform, crs, shape = _truth_grid(truth, transform, crs)
    columns = ["precision", "recall", "f1", "mcc", "tp", "fp", "fn", "tn"]
    frames = []
    for row in list_predictions(directory).itertuples():
        try:
            saved = load_prediction(row.method, row.setting, directory)
        except (CorruptFileError, FileNotFoundError) as err:
            warnings.warn(f"Skipping {row.path.name}: {err}", stacklevel=2)
            continue
        if not _same_grid(saved.prediction, shape, transform, crs):
            warnings.warn(
                f"Skipping {row.path.name}: its grid ({saved.prediction.shape}, "
                f"{tuple(saved.prediction.transform)[:6]}, {saved.prediction.crs}) is not the "
                f"truth's ({shape}, {tuple(transform)[:6]}, {crs}). Re-run the "
                "notebook that made it with the current study area.", stacklevel=2)
            continue
        table = metrics.metrics_by_region(truth, saved.prediction, regions, transform,
                                          valid=valid, name_column=name_column,
                                          whole_area=whole_area)
        table = table[columns].copy()
        table.insert(0, "setting", row.setting)
        table.insert(0, "method", row.method)
        frames.append(table.reset_index())
    if not frames:
        empty = pd.DataFrame(columns=["method", "setting", "region", *columns])
        return empty.set_index(["method", "setting", "region"])
    return pd.concat(frames, ignore_index=True).set_index(["method", "setting", "region"])


def compare_with_paper(results: pd.DataFrame, region: str = metrics.WHOLE_AREA,
                       paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """The course's scores for one region next to the paper's Table 4.

    Returns a DataFrame indexed by (method, setting) with columns ``course mcc``,
    ``paper mcc``, ``course precision``, ``paper precision`` and so on, for every method and
    setting in either table (NaN where one side has no value). Scores are fractions.
    """
    paper = PAPER_TABLE4 if paper is None else paper
    metric_names = ["precision", "recall", "f1", "mcc"]
    _check_tables(results, paper, region, metric_names)
    if results.empty:
        ours = pd.DataFrame(columns=metric_names,
                            index=pd.MultiIndex.from_tuples([], names=["method", "setting"]))
    else:
        ours = results.xs(region, level="region")[metric_names]
    both = ours.add_prefix("course ").join(paper[metric_names].add_prefix("paper "), how="outer")
    columns = [f"{side} {m}" for m in ("mcc", "precision", "recall", "f1")
               for side in ("course", "paper")]
    both = both[columns].astype(float)
    keys = both.index.to_frame(index=False)
    table = _sort_methods_settings(keys.assign(_i=range(len(keys))))
    return both.iloc[table["_i"].to_list()]


# --------------------------------------------------------------------------- input checks
def _grid_of(array: Any, transform: Any, crs: Any, name: str) -> tuple[np.ndarray, Any, Any]:
    """2-D data plus transform and CRS, taken from a Raster when not given, all checked.

    A transform or CRS passed beside a Raster must agree with the Raster's own; a CRS in which
    the grid's coordinates cannot lie (UTM metres given as EPSG:4326 degrees) is refused, so a
    map is never saved where it would not overlay the truth.
    """
    from affine import Affine

    data = validation.as_2d(array, name)
    if isinstance(array, Raster):
        if transform is not None and not (isinstance(transform, Affine)
                                          and transform.almost_equals(array.transform)):
            raise ValueError(f"transform {describe(transform)} differs from the transform of the "
                             f"{name} Raster ({tuple(array.transform)[:6]}): leave transform= out "
                             "when you pass a Raster, its own grid is used.")
        if crs is not None and array.crs is not None and \
                validation.check_crs(crs) != validation.check_crs(array.crs, f"{name}.crs"):
            raise ValueError(f"crs {crs} differs from the CRS of the {name} Raster "
                             f"({array.crs}): leave crs= out when you pass a Raster, its own CRS "
                             "is used.")
        transform = transform if transform is not None else array.transform
        crs = crs if crs is not None else array.crs
    if transform is None or crs is None:
        raise ValueError(f"{name} is a plain array: pass transform= and crs= (e.g. "
                         "area['landslide_mask'].transform and .crs), or pass a Raster.")
    if not isinstance(transform, Affine):
        raise TypeError(validation.expected_message(
            "transform", "an affine.Affine pixel grid", transform,
            "E.g. area['landslide_mask'].transform."))
    crs = validation.check_crs(crs)
    validation.check_grid_in_crs(transform, data.shape, crs)
    return data, transform, crs


def _check_save_inputs(method: Any, setting: Any, prediction: Any, transform: Any, crs: Any,
                       score: Any, tags: Any, verbose: Any, overwrite: Any) -> tuple:
    """Canonical method and setting names, the prediction as booleans and its valid pixels,
    the score (float32 or None) and the grid, all checked (see :func:`save_prediction`)."""
    validation.check_bool(overwrite, "overwrite")
    validation.check_bool(verbose, "verbose")
    if tags is not None and not isinstance(tags, dict):
        raise TypeError(f"tags must be a dict of name -> value; got {describe(tags)}. E.g. "
                        "tags={'note': 'v13'}.")
    method, setting = method_name(method), setting_name(setting)
    data, transform, crs = _grid_of(prediction, transform, crs, "prediction")
    binary, valid = validation.binary_and_valid(data, "prediction")
    if not valid.any():
        raise ValueError("prediction is NaN (nodata) everywhere: there is no pixel to assess. "
                         "Check the map before saving it (a classifier run on all-NaN layers? "
                         "the wrong setting's stack?).")
    if score is not None:
        score = validation.as_2d(score, "score").astype(np.float32)
        if np.isinf(score).any():
            raise ValueError("score holds infinite values; use NaN for nodata "
                             "(np.where(np.isfinite(score), score, np.nan)).")
        if score.shape != data.shape:
            raise ValueError(f"score has shape {score.shape} but prediction has "
                             f"{data.shape}; they must be on the same grid. Pass the score map "
                             "the prediction was thresholded from.")
    return method, setting, binary, valid, score, transform, crs


def _truth_grid(truth: Any, transform: Any, crs: Any) -> tuple[Any, Any, tuple[int, int]]:
    """The truth's transform and CRS (from a Raster unless given) and its shape."""
    transform = transform if transform is not None else getattr(truth, "transform", None)
    crs = crs if crs is not None else getattr(truth, "crs", None)
    if transform is None:
        raise ValueError("results_table needs the truth's grid to check each saved map against: "
                         "pass a Raster (area['landslide_mask']) or transform=.")
    return transform, crs, validation.as_2d(truth, "truth").shape


def _check_tables(results: Any, paper: Any, region: Any, metric_names: list[str]) -> None:
    """Both tables are DataFrames; the results are indexed like results_table's and hold
    ``region``; the paper's table has the metric columns."""
    for name, table in (("results", results), ("paper", paper)):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"{name} must be a DataFrame (from results_table(...)); got "
                            f"{describe(table)}. Pass the table results_table(truth) returns"
                            f"{'' if name == 'results' else ', or leave paper out for Table 4'}.")
    missing = [m for m in metric_names if m not in paper.columns]
    if missing:
        raise ValueError(f"paper must have the columns {metric_names} (as PAPER_TABLE4); it "
                         f"lacks {missing}.")
    if not results.empty and "region" not in results.index.names:
        raise ValueError("results must be indexed by (method, setting, region), as "
                         f"results_table returns; got index levels {list(results.index.names)}.")
    if not results.empty and region not in results.index.get_level_values("region"):
        raise ValueError(f"region {region!r} is not in results; its regions are "
                         f"{sorted(set(results.index.get_level_values('region')))}. Pass one of "
                         "them (results_table(truth, regions) adds the subplots).")
