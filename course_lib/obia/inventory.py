"""Landslide inventory export: dissolved polygons with metadata, as GeoPackage and shapefile.

NASA ARSET's question-and-answer sessions recommend that automatically mapped inventories
carry their metadata and be checked by hand. Each polygon here is one connected group of
landslide pixels (the union of adjacent landslide segments), from
``rasterio.features.shapes``, with:

==========  ==================================================================================
id          1..n, in the order rasterio returns the polygons
area_m2     polygon area in m² (CRS units; UTM metres)
prob        mean landslide probability of its pixels (NaN if no probability map was given)
method      e.g. ``"OBIA (SALaD-style) random forest"``
params      the method's parameters as compact JSON (at most 254 characters: a shapefile limit)
source      the source imagery, e.g. ``"Sentinel-2 greenest-pixel composite (simulated)"``
img_dates   the imagery's dates or period, e.g. ``"2019-07-31/2019-09-30"``
mapped_on   the date the inventory was made (ISO 8601)
==========  ==================================================================================

Column names have at most 10 characters so the shapefile keeps them. The GeoPackage also
stores the metadata as layer metadata (``pyogrio``).

**A learner's inventory is never lost.** :func:`write_inventory` writes one *layer*: an
existing GeoPackage is copied and only that layer is replaced (or added), so the learner's
other layers stay; an existing layer or shapefile is only replaced with ``overwrite=True``.
The GeoPackage and the shapefile's five files form one transaction: all of them are written
into a temporary folder beside the target (``.<stem>.inventory.tmp-<pid>-<random>``), with a
plan of the files to move; renaming that folder to ``.<stem>.inventory-commit`` is the commit
point, after which the files are moved into place one by one. A kill before the commit leaves
the old inventory untouched (the temporary folder is removed by the next write); a kill after
it is finished by the next :func:`write_inventory` or :func:`read_inventory` of that stem, which
complete the moves (roll forward). So a later read sees the old inventory or the new one,
never the new ``.shp`` with the old ``.dbf``. (A GIS that opens the files directly right after
such a kill, before any course function touched them, could still see the half-moved set:
run ``read_inventory`` once first.) :func:`read_inventory` also checks that the
shapefile's parts belong together (record counts and the header bounding box of ``.shp``,
``.shx`` and ``.dbf``) and refuses a mixed set, e.g. one left by an older writer or copied
together by hand.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from course_lib import validation
from course_lib.data.atomic import TEMP_MARKER, remove_stale_temps
from course_lib.validation import CorruptFileError, expected_message

__all__ = ["INVENTORY_COLUMNS", "SHAPEFILE_PARTS", "landslide_polygons", "inventory_metadata",
           "inventory_paths", "write_inventory", "check_shapefile_parts", "read_inventory"]

#: Attribute columns of an inventory, in order.
INVENTORY_COLUMNS: tuple[str, ...] = ("id", "area_m2", "prob", "method", "params", "source",
                                      "img_dates", "mapped_on")
#: The files of one shapefile.
SHAPEFILE_PARTS: tuple[str, ...] = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_METADATA_KEYS = ("method", "params", "source", "img_dates", "mapped_on")
#: Files derived from a shapefile (spatial indexes) that are stale once it is replaced.
_SHAPEFILE_INDEXES: tuple[str, ...] = (".qix", ".sbn", ".sbx")
#: A GeoPackage layer name: letters, digits, ``_`` and ``-`` (GDAL refuses others).
_LAYER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,62}$")


def landslide_polygons(prediction: Any, transform: Any = None, crs: Any = None,
                       probability: Any = None) -> "Any":
    """Dissolve a binary landslide map into polygons (one per 4-connected group of pixels).

    Args:
        prediction: 2-D map or 1-band Raster, 1 = landslide, 0 = not, NaN = nodata.
        transform, crs: the grid (taken from a Raster when omitted).
        probability: optional map of the landslide probability (0-1) on the same grid.

    Returns:
        a GeoDataFrame with columns ``id``, ``area_m2``, ``prob`` and the geometry
        (empty, with these columns, when nothing is mapped).
    """
    import geopandas as gpd
    from affine import Affine
    from rasterio.features import shapes
    from scipy import ndimage
    from shapely.geometry import shape

    transform = transform if transform is not None else getattr(prediction, "transform", None)
    crs = crs if crs is not None else getattr(prediction, "crs", None)
    if transform is None or crs is None:
        raise ValueError("landslide_polygons needs the grid: pass transform= and crs= or a "
                         "Raster as prediction.")
    if not isinstance(transform, Affine):
        raise TypeError(expected_message("transform", "an affine.Affine pixel grid", transform,
                                         "e.g. truth.transform (a Raster's)."))
    crs = _check_crs(crs)
    binary, valid = validation.binary_and_valid(prediction, "prediction")
    groups, n = ndimage.label(binary & valid)               # 4-connectivity: valid polygons
    prob = np.full(n + 1, np.nan)
    if probability is not None:
        p = validation.as_2d(probability, "probability").astype(np.float64)
        if p.shape != groups.shape:
            raise ValueError(f"probability has shape {p.shape}, prediction {groups.shape}: put "
                             "them on the same pixel grid.")
        validation.check_fraction(p, "probability", what="a probability")
        ok = np.isfinite(p) & (groups > 0)
        sums = np.bincount(groups.ravel(), weights=np.where(ok, p, 0).ravel(), minlength=n + 1)
        counts = np.bincount(groups.ravel(), weights=ok.ravel(), minlength=n + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            prob = sums / counts
    records = [(int(value), shape(geom)) for geom, value in
               shapes(groups.astype(np.int32), mask=groups > 0, connectivity=4,
                      transform=transform)]
    frame = gpd.GeoDataFrame(
        {"id": np.arange(1, len(records) + 1, dtype=np.int64),
         "area_m2": [g.area for _, g in records],
         "prob": [float(prob[v]) for v, _ in records]},
        geometry=[g for _, g in records], crs=crs)
    return frame


def _check_crs(crs: Any) -> Any:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(crs)
    except (CRSError, TypeError, ValueError) as err:
        raise ValueError(expected_message("crs", "a coordinate reference system", crs,
                                          f"e.g. 'EPSG:32632' or truth.crs ({err})."
                                          )) from None


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise (TypeError if not isinstance(value, str) else ValueError)(expected_message(
            name, "a non-empty string", value, f"Say what the {name} is, in words."))
    return value


def _iso_date(value: Any, name: str) -> str:
    try:
        return str(np.datetime64(value, "D"))
    except (ValueError, TypeError):
        raise ValueError(expected_message(name, "a date", value,
                                          "e.g. '2019-08-01' (ISO 8601, year-month-day).")
                         ) from None


def inventory_metadata(method: str, params: Mapping[str, Any] | str, source: str,
                       image_dates: str | Sequence[Any], date_mapped: Any = None
                       ) -> dict[str, str]:
    """The inventory's metadata as short strings (see the module docstring for the fields).

    Args:
        method: how the polygons were made.
        params: the parameters (a dict becomes compact JSON with sorted keys).
        source: the source imagery.
        image_dates: a string, or a sequence of dates joined as ``"first/last"``.
        date_mapped: the mapping date (default: today, UTC calendar of this machine).

    >>> m = inventory_metadata("OBIA", {"hr": 8}, "Sentinel-2", ["2019-08-01", "2019-09-30"],
    ...                        date_mapped="2026-01-02")
    >>> m["params"], m["img_dates"], m["mapped_on"]
    ('{"hr":8}', '2019-08-01/2019-09-30', '2026-01-02')
    """
    _text(method, "method")
    _text(source, "source")
    if isinstance(params, str):
        text = params
    elif isinstance(params, Mapping):
        text = json.dumps(dict(params), sort_keys=True, separators=(",", ":"), default=str)
    else:
        raise TypeError(expected_message("params", "a dict of parameters (or a string)", params,
                                         "e.g. {'range_radius': 16, 'n_trees': 500}."))
    if len(text) > 254:
        raise ValueError(f"params is {len(text)} characters as JSON; a shapefile field holds "
                         "254. Keep the essential parameters only.")
    if isinstance(image_dates, str):
        _text(image_dates, "image_dates")
    elif isinstance(image_dates, Sequence) or isinstance(image_dates, np.ndarray):
        dates = [_iso_date(d, "image_dates") for d in image_dates]
        if not dates:
            raise ValueError("image_dates is empty: give the imagery's dates, e.g. "
                             "['2019-07-31', '2019-09-30'] or '2019-07-31/2019-09-30'.")
        image_dates = dates[0] if len(dates) == 1 else f"{min(dates)}/{max(dates)}"
    else:
        raise TypeError(expected_message("image_dates", "a string or a list of dates",
                                         image_dates,
                                         "e.g. '2019' or ['2019-07-31', '2019-09-30']."))
    mapped = _iso_date(date_mapped, "date_mapped") if date_mapped is not None else \
        date.today().isoformat()
    out = {"method": method.strip(), "params": text, "source": source.strip(),
           "img_dates": image_dates, "mapped_on": mapped}
    for key, value in out.items():
        if not value:
            raise ValueError(f"inventory metadata {key!r} is empty; say what it is.")
    return out


def inventory_paths(path: str | os.PathLike, formats: Sequence[str] | str = ("gpkg", "shp")
                    ) -> dict[str, Path]:
    """Where :func:`write_inventory` writes: ``{"gpkg": stem.gpkg, "shp": stem.shp}``.

    ``path`` is a stem or a ``.gpkg`` / ``.shp`` path; ``formats`` one name or several.
    """
    path = validation.check_path(path, "path")
    if path.suffix and path.suffix.lower() not in (".gpkg", ".shp") and \
            path.suffix.lower() in (".tif", ".tiff", ".geojson", ".json", ".csv", ".zip",
                                    ".shx", ".dbf", ".txt"):
        raise ValueError(f"path must be a file stem or end with .gpkg or .shp; got {path.name}. "
                         f"E.g. {path.with_suffix('').name!r} writes "
                         f"{path.with_suffix('').name}.gpkg and .shp.")
    stem = path.with_suffix("") if path.suffix.lower() in (".gpkg", ".shp") else path
    if isinstance(formats, str):
        formats = (formats,)
    if not isinstance(formats, (Sequence, set, frozenset)):
        raise TypeError(expected_message("formats", "a selection of ('gpkg', 'shp')", formats))
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in ("gpkg", "shp")]
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty selection of ('gpkg', 'shp'); "
                         f"got {list(formats)}.")
    return {f: stem.with_name(f"{stem.name}.{f}") for f in formats}


def _shapefile_files(shp: Path) -> list[Path]:
    return [shp.with_suffix(s) for s in SHAPEFILE_PARTS + _SHAPEFILE_INDEXES]


def _existing(paths: Mapping[str, Path]) -> list[Path]:
    found = []
    for kind, path in paths.items():
        parts = [path.with_suffix(s) for s in SHAPEFILE_PARTS] if kind == "shp" else [path]
        found += [p for p in parts if p.exists()]
    return found


# --------------------------------------------------------------------------- transactions
def _commit_dir(folder: Path, stem: str) -> Path:
    return folder / f".{stem}.inventory-commit"


def _roll_forward(commit: Path, folder: Path) -> None:
    """Finish a committed write: move its files into place, delete the stale ones."""
    plan_file = commit / "plan.json"
    try:
        plan = json.loads(plan_file.read_text())
    except FileNotFoundError:
        plan = {"move": [], "delete": []}          # finished but not yet removed
    except (OSError, ValueError) as err:
        raise CorruptFileError(
            f"{commit} holds an interrupted inventory write whose plan cannot be read ({err}). "
            f"Look at its files, keep what you need, then delete the folder {commit}.") from err
    for name in plan["move"]:
        source = commit / name
        if source.exists():
            try:
                os.replace(source, folder / name)
            except FileNotFoundError:
                pass                                # another process moved it first
    for name in plan["delete"]:
        (folder / name).unlink(missing_ok=True)
    plan_file.unlink(missing_ok=True)
    shutil.rmtree(commit, ignore_errors=True)


def _recover(folder: Path, stem: str) -> None:
    """Before touching the inventory ``stem``: finish a committed write, drop stale temps."""
    commit = _commit_dir(folder, stem)
    if commit.is_dir():
        _roll_forward(commit, folder)
    if folder.is_dir():
        remove_stale_temps(folder)
        for legacy in folder.glob(".inventory-*"):   # an older writer's leftovers (no pid)
            if legacy.is_dir():
                shutil.rmtree(legacy, ignore_errors=True)
            elif legacy.suffix == ".gpkg":
                legacy.unlink(missing_ok=True)


def _gpkg_layers(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as err:  # pyogrio raises DataSourceError and friends
        raise CorruptFileError(
            f"{path} exists but is not a readable GeoPackage ({err}). Nothing was written and "
            "nothing deleted: move it away (or delete it if it is not needed), or choose "
            "another name.") from err


def _check_polygons(polygons: Any) -> None:
    if not hasattr(polygons, "geometry") or not hasattr(polygons, "columns"):
        raise TypeError(expected_message(
            "polygons", "a GeoDataFrame of polygons", polygons,
            "Make it with landslide_polygons(prediction, transform, crs)."))
    missing = [c for c in ("id", "area_m2", "prob") if c not in polygons.columns]
    if missing:
        raise ValueError(f"polygons lacks columns {missing}; make them with "
                         "landslide_polygons(...).")
    if polygons.crs is None:
        raise ValueError("polygons have no CRS; an inventory without a CRS cannot be placed. "
                         "Set it, e.g. polygons.set_crs(truth.crs).")
    kinds = set(polygons.geometry.dropna().geom_type) - {"Polygon", "MultiPolygon"}
    if kinds:
        raise ValueError(f"polygons must hold Polygon geometries; got {sorted(kinds)}. Make "
                         "them with landslide_polygons(...) (points: buffer them first).")


def _check_metadata(metadata: Any) -> None:
    if not isinstance(metadata, Mapping):
        raise TypeError(expected_message("metadata", "a dict of the inventory's metadata",
                                         metadata, "Build it with inventory_metadata(...)."))
    missing = [k for k in _METADATA_KEYS if not metadata.get(k)]
    if missing:
        raise ValueError(f"metadata lacks {missing}; build it with inventory_metadata(...).")


def write_inventory(polygons: Any, path: str | os.PathLike, metadata: Mapping[str, str], *,
                    overwrite: bool = False, formats: Sequence[str] = ("gpkg", "shp"),
                    layer: str = "landslides") -> dict[str, Path]:
    """Write landslide polygons with metadata as a GeoPackage layer and/or a shapefile.

    Atomic for the pair (see the module docstring): after a crash or a kill at any point a
    later read sees the old inventory or the new one, never a mix.

    Args:
        polygons: GeoDataFrame from :func:`landslide_polygons` (``id``, ``area_m2``, ``prob``).
        path: the file stem or a ``.gpkg`` / ``.shp`` path; both formats share the stem.
        metadata: from :func:`inventory_metadata` (added as columns to every polygon).
        overwrite: replace an existing ``layer`` of the GeoPackage and an existing shapefile;
            otherwise ``FileExistsError`` and nothing is written. The GeoPackage's other
            layers are always kept, and a new layer is added to an existing GeoPackage
            without ``overwrite``.
        formats: ``("gpkg", "shp")`` or one of them.
        layer: the GeoPackage layer name (letters, digits, ``_`` and ``-``).

    Returns:
        ``{"gpkg": Path, "shp": Path}`` of the files written.

    Raises:
        FileExistsError: the layer or the shapefile exists and ``overwrite`` is False.
        CorruptFileError: a file that is not a GeoPackage sits where the GeoPackage goes (it is
            never replaced: move it away).
    """
    import pyogrio

    _check_polygons(polygons)
    _check_metadata(metadata)
    if not isinstance(overwrite, (bool, np.bool_)):
        raise TypeError(expected_message("overwrite", "True or False", overwrite,
                                         "overwrite=True replaces the layer and shapefile."))
    if not isinstance(layer, str) or not _LAYER_NAME.match(layer):
        raise (TypeError if not isinstance(layer, str) else ValueError)(expected_message(
            "layer", "a layer name of letters, digits, '_' or '-'", layer,
            "e.g. layer='obia_2019'."))
    paths = inventory_paths(path, formats)
    any_path = next(iter(paths.values()))
    folder, stem = any_path.parent, any_path.with_suffix("").name
    folder.mkdir(parents=True, exist_ok=True)
    _recover(folder, stem)

    gpkg = paths.get("gpkg")
    layers = _gpkg_layers(gpkg) if gpkg is not None and gpkg.exists() else []
    clashes = ([f"layer {layer!r} of {gpkg.name}"] if layer in layers else []) + \
        ([p.name for p in _existing({"shp": paths["shp"]})] if "shp" in paths else [])
    if clashes and not overwrite:
        raise FileExistsError(
            f"An inventory already exists: {clashes} in {folder}. Nothing was written; pass "
            "overwrite=True to replace it (other layers of the GeoPackage are kept), or choose "
            "another name or layer.")

    table = polygons[["id", "area_m2", "prob", "geometry"]].copy()
    for key in _METADATA_KEYS:
        table[key] = str(metadata[key])
    table = table[[*INVENTORY_COLUMNS, "geometry"]]
    staging = Path(tempfile.mkdtemp(dir=folder,
                                    prefix=f".{stem}.inventory{TEMP_MARKER}{os.getpid()}-"))
    try:
        move, delete = [], []
        if gpkg is not None:
            staged = staging / gpkg.name
            if gpkg.exists():
                shutil.copyfile(gpkg, staged)          # keep every other layer
            pyogrio.write_dataframe(table, staged, layer=layer, driver="GPKG",
                                    geometry_type="MultiPolygon", promote_to_multi=True,
                                    layer_metadata={k: str(metadata[k]) for k in _METADATA_KEYS})
            move.append(gpkg.name)
        if "shp" in paths:
            staged = staging / paths["shp"].name
            pyogrio.write_dataframe(table, staged, driver="ESRI Shapefile", encoding="UTF-8",
                                    geometry_type="Polygon")
            written = [p.name for p in _shapefile_files(staged) if p.exists()]
            move += written
            delete += [p.name for p in _shapefile_files(paths["shp"])
                       if p.name not in written and p.exists()]
        (staging / "plan.json").write_text(json.dumps({"move": move, "delete": delete}))
        for name in move:
            os.chmod(staging / name, 0o666 & ~_umask())
        commit = _commit_dir(folder, stem)
        try:
            os.rename(staging, commit)                  # the commit point
        except OSError as err:
            raise RuntimeError(
                f"Another write of the inventory {stem!r} is in progress in {folder} (or an "
                f"interrupted one could not be finished: {err}). Nothing was written; try "
                "again.") from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _roll_forward(commit, folder)
    return dict(paths)


def _umask() -> int:
    from course_lib.data.atomic import file_mode_mask

    return file_mode_mask()


# --------------------------------------------------------------------------- reading
def _shapefile_header(path: Path) -> tuple[int, bytes]:
    """File length in bytes (from the header) and the shape type + bounding boxes."""
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or struct.unpack(">i", head[:4])[0] != 9994:
        raise CorruptFileError(f"{path} is not a shapefile part (bad header).")
    return struct.unpack(">i", head[24:28])[0] * 2, head[32:100]


def check_shapefile_parts(path: str | os.PathLike) -> int:
    """Check that a shapefile's ``.shp``, ``.shx`` and ``.dbf`` belong together.

    The ``.shx`` index and the ``.shp`` geometry file share their header (shape type and
    bounding box) and the index points at every record of the geometry file; the ``.dbf``
    table holds one row per record (ESRI Shapefile Technical Description, 1998). A new
    ``.shp`` with an older ``.shx`` or ``.dbf`` (an interrupted copy or overwrite) fails one
    of these checks, where GDAL would read it without a word (some rows then have no
    geometry, or the wrong attributes).

    Returns:
        the number of records.

    Raises:
        FileNotFoundError: a part is missing.
        CorruptFileError: the parts do not belong together (a mixed set) or are damaged.
    """
    shp = validation.check_path(path, "path").with_suffix(".shp")
    parts = {s: shp.with_suffix(s) for s in (".shp", ".shx", ".dbf")}
    missing = [p.name for p in parts.values() if not p.exists()]
    if missing:
        raise FileNotFoundError(f"The shapefile {shp.name} lacks {missing}: a shapefile needs "
                                ".shp, .shx and .dbf together. Write it again (write_inventory) "
                                "or read the GeoPackage.")
    fix = (f"The files of {shp.name} do not belong together (a mixed set, e.g. from an "
           f"interrupted overwrite): do not use them. Read the GeoPackage "
           f"{shp.with_suffix('.gpkg').name} if it is there, or write the inventory again with "
           "write_inventory(..., overwrite=True).")
    shp_length, shp_header = _shapefile_header(parts[".shp"])
    shx_length, shx_header = _shapefile_header(parts[".shx"])
    shp_size, shx_size = parts[".shp"].stat().st_size, parts[".shx"].stat().st_size
    if shp_size != shp_length or shx_size != shx_length or (shx_size - 100) % 8:
        raise CorruptFileError(f"{shp.name} or its .shx is truncated (sizes {shp_size} and "
                               f"{shx_size} bytes, headers say {shp_length} and {shx_length}). "
                               + fix)
    n = (shx_size - 100) // 8
    if shp_header != shx_header:
        raise CorruptFileError(f"{shp.name} and {parts['.shx'].name} have different bounding "
                               "boxes or shape types. " + fix)
    with open(parts[".dbf"], "rb") as f:
        dbf_head = f.read(8)
    if len(dbf_head) < 8:
        raise CorruptFileError(f"{parts['.dbf'].name} is truncated. " + fix)
    n_dbf = struct.unpack("<I", dbf_head[4:8])[0]
    if n_dbf != n:
        raise CorruptFileError(f"{parts['.dbf'].name} has {n_dbf} rows but {parts['.shx'].name} "
                               f"indexes {n} shapes. " + fix)
    if n:
        with open(parts[".shx"], "rb") as f:
            f.seek(100 + 8 * (n - 1))
            offset, length = struct.unpack(">ii", f.read(8))
        if offset * 2 + 8 + length * 2 != shp_size:
            raise CorruptFileError(f"{parts['.shx'].name} does not index {shp.name}: its last "
                                   "record ends elsewhere than the geometry file. " + fix)
    return n


def read_inventory(path: str | os.PathLike, layer: str | None = None) -> Any:
    """Read an inventory back; ``frame.attrs["metadata"]`` holds the metadata fields.

    From a GeoPackage the metadata are its layer metadata, from a shapefile the columns. An
    interrupted :func:`write_inventory` that had committed is finished first (see the module
    docstring); a shapefile whose parts do not belong together is refused.

    Args:
        path: the ``.gpkg`` or ``.shp`` file.
        layer: the GeoPackage layer; needed when it holds several (the message lists them).
    """
    import geopandas as gpd
    import pyogrio

    path = validation.check_path(path, "path")
    suffix = path.suffix.lower()
    if suffix not in (".gpkg", ".shp"):
        raise ValueError(f"path must be an inventory's .gpkg or .shp file; got {path.name}. "
                         "write_inventory returns both paths: read_inventory(paths['gpkg']).")
    if path.parent.is_dir():
        _recover(path.parent, path.with_suffix("").name)
    if not path.exists():
        raise FileNotFoundError(f"No inventory at {path} (path does not exist).")
    metadata: dict[str, str] = {}
    if suffix == ".shp":
        check_shapefile_parts(path)
        if layer is not None:
            raise ValueError("layer= is for a GeoPackage; a shapefile holds one layer.")
        kwargs = {}
    else:
        layers = _gpkg_layers(path)
        if layer is None:
            if len(layers) != 1:
                raise ValueError(f"{path.name} holds {len(layers)} layers {layers}; pass "
                                 f"layer= one of them, e.g. read_inventory(path, "
                                 f"layer={layers[0] if layers else 'landslides'!r}).")
            layer = layers[0]
        elif layer not in layers:
            raise ValueError(f"layer {layer!r} is not in {path.name}; its layers are {layers}.")
        kwargs = {"layer": layer}
    try:
        frame = gpd.read_file(path, engine="pyogrio", **kwargs)
        if suffix == ".gpkg":
            metadata = dict(pyogrio.read_info(path, layer=layer).get("layer_metadata") or {})
    except Exception as err:  # GDAL's errors on damaged files
        raise CorruptFileError(f"{path} cannot be read as an inventory ({err}): it is damaged. "
                               "Write it again with write_inventory(..., overwrite=True).") from err
    if not metadata and len(frame):
        metadata = {k: str(frame[k].iloc[0]) for k in _METADATA_KEYS if k in frame.columns}
    frame.attrs["metadata"] = metadata
    return frame
