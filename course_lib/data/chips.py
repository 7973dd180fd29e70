"""The learner's own labelled chips (image / mask pairs): read, split, write.

A *chip* is a small image with a mask of the same size, as exported by labelling tools and
datasets (e.g. Landslide4Sense patches, QGIS or ArcGIS "export training data"). Supported:

* images: PNG or JPEG (8- or 16-bit grey, RGB or RGBA; an image's alpha band is dropped) and
  GeoTIFF (any number of bands, any dtype);
* masks: PNG, JPEG or GeoTIFF holding 0/1 or 0/255 (landslide = 1 or 255). JPEG compresses
  lossily, so a JPEG mask's grey values are cut at half its maximum. A mask with several bands
  that differ (the label in one channel of an RGB image, or in the alpha band) needs
  ``mask_band=``;
* chips of different sizes: smaller than a tile (padded at training and prediction time) up to
  several thousand pixels a side (tiles are cut from them).

**Values are kept as stored**: an 8-bit image stays ``uint8`` and a 16-bit one ``uint16``
(a 50-megapixel RGB folder is 150 MB as uint8 and would be 600 MB as float32); the U-Net
standardises each tile when it draws it (:mod:`course_lib.unet.dataset`). Only a GeoTIFF with
a nodata value that actually occurs becomes ``float32`` with NaN there (the NaN policy of
:mod:`course_lib.sampling`).

An image and its mask are paired by file name: the mask's stem is the image's stem, optionally
followed by ``_mask``, ``-mask``, ``_label``, ``_labels``, ``_gt`` (``slope12.png`` <->
``slope12_mask.png``). A file without its partner is skipped with a warning that names it
(an interrupted copy, or :func:`write_chip` killed between its two files, leaves one).

**Splitting** (:func:`split_chips`): chips cut from one area overlap or touch, and then a
random split lets a test chip share pixels or neighbourhood with training chips, which
inflates its score exactly as a random split of overlapping tiles does (notebook 05; Roberts
et al. 2017, *Ecography* 40:913). So chips are kept together by **region** when their names
or coordinates say where they come from, and dealt at random, with a warning, only when
nothing does.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from course_lib.data.atomic import atomic_write
from course_lib.validation import (CorruptFileError, check_choice, check_integer, check_path,
                                   expected_message)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
MASK_STEM_SUFFIXES = ("_mask", "-mask", "_label", "_labels", "-label", "_gt")
#: Dtypes kept as they are; any other is read as float32.
STORED_DTYPES = (np.uint8, np.uint16, np.float32)
SPLIT_CHOICES = ("auto", "group", "position", "random")


@dataclass
class Chip:
    """One labelled chip.

    Attributes:
        name: the image's file stem.
        image: ``(rows, cols, bands)`` in the stored dtype (``uint8``, ``uint16`` or
            ``float32``; NaN = nodata in float chips).
        mask: uint8 ``(rows, cols)`` 0/1.
        group: region key from the file name (see :func:`load_chip_folder`).
        bounds: (left, bottom, right, top) for georeferenced chips, else None.
    """

    name: str
    image: np.ndarray
    mask: np.ndarray
    group: str
    bounds: tuple[float, float, float, float] | None = None

    @property
    def pixels(self) -> int:
        """Number of pixels (rows x cols)."""
        return int(self.mask.size)


# --------------------------------------------------------------------------- reading
def _png_bit_depth(path: Path) -> tuple[int, int] | None:
    """(bit depth, colour type) from a PNG's header, or None for another format."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return head[24], head[25]


def _read_pillow(path: Path, kind: str) -> np.ndarray:
    """PNG / JPEG as ``(rows, cols, bands)``; 16-bit kept; a truncated file raises OSError."""
    from PIL import Image

    with Image.open(path) as im:
        im.load()                                  # decodes all: a truncated file fails here
        if im.mode == "P":                          # palette: a mask's labels are the indices
            im = im if kind == "mask" else im.convert("RGBA" if "transparency" in im.info
                                                      else "RGB")
        elif im.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
            im = im.convert("RGB")
        elif im.mode == "1":
            im = im.convert("L")
        arr = np.asarray(im)
    if arr.dtype.kind == "i" and arr.size and arr.min() >= 0 and arr.max() < 65536:
        arr = arr.astype(np.uint16)                 # Pillow's mode "I" for 16-bit grey
    header = _png_bit_depth(path)
    if header and header[0] == 16 and header[1] in (2, 4, 6):
        # 16-bit colour: Pillow gives 8 bits per band; GDAL keeps all 16 (Pillow has just
        # checked that the file is complete)
        arr = np.moveaxis(_read_rasterio(path)[0], 0, -1)
    return arr[:, :, None] if arr.ndim == 2 else arr


def _read_rasterio(path: Path) -> tuple[np.ndarray, Any, tuple | None, tuple]:
    """(bands, rows, cols) array, nodata, bounds (georeferenced only), colour interpretation."""
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as ds:
            data = ds.read()
            bounds = None
            if ds.crs is not None and not ds.transform.is_identity:
                b = ds.bounds
                bounds = (b.left, b.bottom, b.right, b.top)
            return data, ds.nodata, bounds, tuple(c.name for c in ds.colorinterp)


def _read(path: Path, kind: str) -> tuple[np.ndarray, tuple | None, tuple]:
    """A file as ``(rows, cols, bands)`` in its stored dtype, its bounds, its band roles.

    Raises:
        CorruptFileError: the file cannot be decoded (truncated, not an image); the message
            names it.
    """
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            data, nodata, bounds, roles = _read_rasterio(path)
            if data.dtype not in STORED_DTYPES:
                data = data.astype(np.float32)
            if nodata is not None and kind == "image":
                missing = (np.isnan(data) if np.isnan(nodata) else data == nodata)
                if missing.any():
                    data = data.astype(np.float32)
                    data[missing] = np.nan
            return np.moveaxis(data, 0, -1), bounds, roles
        arr = _read_pillow(path, kind)
        roles = {1: ("gray",), 2: ("gray", "alpha"), 3: ("red", "green", "blue"),
                 4: ("red", "green", "blue", "alpha")}.get(arr.shape[-1], ())
        return arr, None, roles
    except (OSError, ValueError, SyntaxError) as err:
        # PIL raises OSError / SyntaxError for broken files, rasterio RasterioIOError (OSError)
        raise CorruptFileError(
            f"{kind} file {path} cannot be read ({type(err).__name__}: {err}). It is damaged or "
            "not an image (e.g. a copy that was cut short): export it again, or remove it "
            "(load_chip_folder(..., errors='skip') skips such files with a warning)."
        ) from err


def _mask_band(raw: np.ndarray, roles: tuple, path: Path, mask_band: Any) -> np.ndarray:
    """The one band of a mask file that holds the labels."""
    n = raw.shape[-1]
    if mask_band is None:
        if n == 1 or all(np.array_equal(raw[..., 0], raw[..., i]) for i in range(1, n)):
            return raw[..., 0]
        colour = [i for i, r in enumerate(roles) if r != "alpha"] or list(range(n))
        alpha = [i for i, r in enumerate(roles) if r == "alpha"]
        # grey + an alpha band that marks nothing (all opaque): the grey values
        if alpha and all(np.array_equal(raw[..., colour[0]], raw[..., i]) for i in colour) \
                and np.unique(raw[..., alpha[0]]).size == 1:
            return raw[..., colour[0]]
        if path.suffix.lower() in (".jpg", ".jpeg"):
            return raw[..., colour].max(axis=-1)   # lossy colour noise in a grey mask
        values = "; ".join(f"band {i}{' (' + roles[i] + ')' if i < len(roles) else ''}: "
                           f"{np.unique(raw[..., i])[:4].tolist()}" for i in range(n))
        raise ValueError(
            f"mask {path} has {n} bands that differ ({values}); a mask needs one band of "
            "labels. Say which band holds them: load_chip_folder(..., mask_band=0) for the "
            "first (0-based), or mask_band='alpha' for the transparency.")
    if mask_band == "alpha":
        alpha = [i for i, r in enumerate(roles) if r == "alpha"]
        if not alpha:
            raise ValueError(f"mask_band='alpha' but mask {path} has no alpha band (its bands: "
                             f"{roles or n}); use a band number, e.g. mask_band=0.")
        return raw[..., alpha[0]]
    if not -n <= mask_band < n:
        raise ValueError(f"mask_band={mask_band} but mask {path} has {n} band(s); use 0 to "
                         f"{n - 1} (0-based) or 'alpha'.")
    return raw[..., mask_band]


def _mask_values(m: np.ndarray, path: Path) -> np.ndarray:
    """0/1 uint8 labels from 0/1 or 0/255 values (JPEG: cut at half the maximum)."""
    if m.dtype.kind == "f":
        m = np.nan_to_num(m, nan=0.0)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        return (m >= (127.5 if m.max() > 1 else 0.5)).astype(np.uint8)
    top = m.max() if m.size else 0
    if top == 0 or top == 1 or top == 255:
        values = np.unique(m)                        # only read in full when it might fail
        if set(values.tolist()) <= {0, top}:
            return (m > 0).astype(np.uint8)
    else:
        values = np.unique(m)
    shown = values[:6].tolist()
    raise ValueError(
        f"mask {path} holds the values {shown}{' ...' if values.size > 6 else ''}; a mask must "
        "hold 0/1 or 0/255 (255 or 1 = landslide). If it holds class codes, write a binary "
        "mask first, e.g. np.where(codes == <landslide code>, 255, 0); if the labels are in "
        "another band of the file, choose it with mask_band=.")


def _group_from_name(stem: str, pattern: str | None) -> str:
    if pattern:
        match = re.search(pattern, stem)
        return match.group(1) if match and match.groups() else (match.group(0) if match
                                                                else stem)
    parts = re.split(r"[_\-\s]+", stem)
    return parts[0] if len(parts) > 1 else stem


def _files(folder: Any, what: str) -> list[Path]:
    folder = check_path(folder, what)
    if not folder.exists():
        raise FileNotFoundError(f"{what} {str(folder)!r} does not exist.")
    if not folder.is_dir():
        raise NotADirectoryError(f"{what} {str(folder)!r} is not a folder.")
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                  and not p.name.startswith("."))


def _mask_key(stem: str) -> str:
    for suffix in MASK_STEM_SUFFIXES:
        if stem.lower().endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def _check_mask_band(mask_band: Any) -> None:
    if mask_band is None or mask_band == "alpha":
        return
    if isinstance(mask_band, bool) or not isinstance(mask_band, (int, np.integer)):
        raise ValueError(expected_message("mask_band", "None, a band number (0 = the first) or "
                                          "'alpha'", mask_band,
                                          "E.g. mask_band=0 for the red channel of an RGB "
                                          "mask, or 'alpha' for its transparency."))


def describe_chips(chips: Sequence[Chip]) -> str:
    """One line about a list of chips: count, dtype, bands, sizes, pixels, landslide share.

    >>> c = Chip("a", np.zeros((64, 80, 3), np.uint8), np.ones((64, 80), np.uint8), "a")
    >>> describe_chips([c])
    '1 chip, uint8, 3 bands, 64-80 px a side, 0.01 million pixels (15 kB as stored), landslide pixels 100.0%'
    """
    chips = list(chips)
    if not chips or not all(isinstance(c, Chip) for c in chips):
        raise TypeError(expected_message("chips", "a non-empty list of Chip objects", chips,
                                         "Read them with load_chip_folder(images, masks)."))
    dtypes = sorted({str(c.image.dtype) for c in chips})
    bands = sorted({c.image.shape[-1] for c in chips})
    sides = [s for c in chips for s in c.image.shape[:2]]
    pixels = sum(c.pixels for c in chips)
    stored = sum(c.image.nbytes for c in chips)
    size = f"{stored / 1e6:,.0f} MB" if stored >= 1e6 else f"{stored / 1e3:,.0f} kB"
    share = sum(int(c.mask.sum()) for c in chips) / max(pixels, 1)
    return (f"{len(chips):,} chip{'s' * (len(chips) != 1)}, {'/'.join(dtypes)}, "
            f"{'/'.join(map(str, bands))} band{'s' * (bands != [1])}, "
            f"{min(sides):,}-{max(sides):,} px a side, {pixels / 1e6:,.2f} million pixels "
            f"({size} as stored), landslide pixels {share:.1%}")


def load_chip_folder(images_dir: str | Path, masks_dir: str | Path, *,
                     mask_band: int | str | None = None, group_pattern: str | None = None,
                     group_cell_m: float | None = None, errors: str = "raise",
                     verbose: bool = True) -> list[Chip]:
    """Read every image / mask pair of two folders, in the images' stored dtype.

    Args:
        images_dir: folder of images (PNG, JPEG, GeoTIFF).
        masks_dir: folder of masks with matching names (see the module docstring); may be the
            same folder as ``images_dir`` when masks carry a suffix such as ``_mask``.
        mask_band: which band of a multi-band mask holds the labels: None (the mask has one
            band, or identical grey bands), a band number from 0, or ``"alpha"`` (the
            transparency of an RGBA / grey-alpha PNG).
        group_pattern: optional regular expression whose first group is the chip's region in
            its file name (e.g. ``r"^(\\w+?)_\\d+$"``); default: the part before the first
            ``_`` or ``-`` (a name without one is its own group).
        group_cell_m: for georeferenced chips, group by a grid of this cell size (CRS units)
            instead of by name: neighbouring chips land in one group.
        errors: ``"raise"`` (stop at a file that cannot be read, naming it) or ``"skip"``
            (leave such chips out with a warning naming them).
        verbose: print one line describing what was read (:func:`describe_chips`).

    Returns:
        a list of :class:`Chip`, sorted by name.

    Raises:
        FileNotFoundError: a folder is missing or holds no image / mask pair.
        CorruptFileError: a file cannot be decoded (names it; ``errors="skip"`` skips it).
        ValueError: a mask of another size than its image, bad mask values, chips with
            different numbers of bands; every message names the file.
    """
    check_choice(errors, "errors", ("raise", "skip"))
    _check_mask_band(mask_band)
    if group_cell_m is not None and not (isinstance(group_cell_m, (int, float))
                                         and not isinstance(group_cell_m, bool)
                                         and group_cell_m > 0):
        raise ValueError(expected_message("group_cell_m", "a positive cell size (CRS units, "
                                          "e.g. metres) or None", group_cell_m))
    image_files = _files(images_dir, "images_dir")
    mask_files = _files(masks_dir, "masks_dir")
    images_dir, masks_dir = Path(images_dir), Path(masks_dir)
    same = images_dir.resolve() == masks_dir.resolve()
    masks: dict[str, Path] = {}
    for p in mask_files:
        key = _mask_key(p.stem)
        if same and key == p.stem:
            continue  # in a shared folder only suffixed files are masks
        masks.setdefault(key, p)
    if same:
        image_files = [p for p in image_files if _mask_key(p.stem) == p.stem]
    stems = {p.stem for p in image_files}
    missing = [p.name for p in image_files if p.stem not in masks]
    orphans = sorted(masks[k].name for k in masks if k not in stems)
    if not image_files or not masks or len(missing) == len(image_files):
        raise FileNotFoundError(
            f"no image / mask pair in images_dir {str(images_dir)!r} and masks_dir "
            f"{str(masks_dir)!r} ({len(image_files)} image(s), {len(masks)} mask(s) of "
            f"{', '.join(IMAGE_SUFFIXES)}). A mask must have its image's name, optionally with "
            f"one of {MASK_STEM_SUFFIXES} (e.g. slide1.png -> slide1_mask.png).")
    if missing or orphans:
        warnings.warn(
            f"skipped {len(missing)} image(s) without a mask (e.g. {missing[:3]}) and "
            f"{len(orphans)} mask(s) without an image (e.g. {orphans[:3]}): a mask must have "
            f"its image's name, optionally with one of {MASK_STEM_SUFFIXES}. An interrupted "
            "copy or write leaves such files; remove them or add their partners.",
            UserWarning, stacklevel=2)
    chips: list[Chip] = []
    skipped: list[str] = []
    for p in image_files:
        if p.stem not in masks:
            continue
        mask_path = masks[p.stem]
        try:
            image, bounds, roles = _read(p, "image")
            if "alpha" in roles and image.shape[-1] > 1:
                image = image[..., [i for i, r in enumerate(roles) if r != "alpha"]]
            raw_mask, _, mask_roles = _read(mask_path, "mask")
        except CorruptFileError as err:
            if errors == "raise":
                raise
            skipped.append(f"{p.name}: {str(err).split(' (', 1)[0]}")
            continue
        if raw_mask.shape[:2] != image.shape[:2]:
            raise ValueError(f"mask {mask_path} is {raw_mask.shape[0]} x {raw_mask.shape[1]} px "
                             f"but image {p.name} is {image.shape[0]} x {image.shape[1]} px; "
                             "they must be the same size.")
        mask = _mask_values(_mask_band(raw_mask, mask_roles, mask_path, mask_band), mask_path)
        if group_cell_m and bounds is not None:
            cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
            group = f"cell_{int(cx // group_cell_m)}_{int(cy // group_cell_m)}"
        else:
            group = _group_from_name(p.stem, group_pattern)
        chips.append(Chip(p.stem, image, mask, group, bounds))
    if skipped:
        warnings.warn(f"skipped {len(skipped)} chip(s) whose files cannot be read: "
                      f"{skipped[:5]}{' ...' if len(skipped) > 5 else ''}", UserWarning,
                      stacklevel=2)
    if not chips:
        raise FileNotFoundError(f"no readable chip in {str(images_dir)!r}.")
    bands = Counter(c.image.shape[-1] for c in chips)
    if len(bands) > 1:
        by = {b: [c.name for c in chips if c.image.shape[-1] == b][:3] for b in sorted(bands)}
        raise ValueError(f"chips have different numbers of bands: {by}; a model needs the same "
                         "bands in every chip.")
    if verbose:
        print(describe_chips(chips))
    return chips


# --------------------------------------------------------------------------- splitting
def _position_groups(chips: Sequence[Chip], cell: float | None) -> tuple[list[str], float]:
    """Groups of georeferenced chips by the cell of a grid that holds each chip's centre.

    Default cell: a quarter of the chips' longer extent, at least twice the median chip
    side, so that the area falls into up to 4 x 4 cells and a cell holds several chips.
    """
    b = np.array([c.bounds for c in chips], dtype=float)
    if cell is None:
        extent = max(b[:, 2].max() - b[:, 0].min(), b[:, 3].max() - b[:, 1].min())
        side = float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])))
        cell = max(extent / 4, 2 * side)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    return [f"cell_{int(x // cell)}_{int(y // cell)}" for x, y in zip(cx, cy)], float(cell)


def _name_groups_are_regions(groups: Sequence[str]) -> bool:
    """Names give regions when there are at least 3 groups and they hold several chips each
    on average (at most three groups for every four chips)."""
    counts = Counter(groups)
    return len(counts) >= 3 and len(counts) <= 0.75 * len(groups)


def split_chips(chips: Sequence[Chip], *, fractions: tuple[float, float, float] = (0.7, 0.15,
                                                                                   0.15),
                by: str = "auto", seed: int = 0,
                cell_size: float | None = None) -> dict[str, list[Chip]]:
    """Split chips into train / val / test, keeping regions together when they are known.

    Args:
        chips: from :func:`load_chip_folder`.
        fractions: shares of train, val, test (of chips; of groups when split by group).
        by: ``"auto"`` (default): by position when every chip is georeferenced, else by the
            groups of the file names when they look like regions (at least 3 groups, and at
            most three groups for every four chips), else at random with a warning; ``"position"``: grid cells
            of ``cell_size`` (CRS units; default a quarter of the area's extent);
            ``"group"``: the chips' ``group`` (see :func:`load_chip_folder`); ``"random"``.
        seed: random seed.
        cell_size: grid cell for ``by="position"`` (and ``"auto"`` with coordinates).

    Whole groups go to one set (scikit-learn's ``GroupShuffleSplit``): the test then
    measures how well the model transfers to a region it never saw, as the paper's "locally
    vs. globally trained" question asks. Each set gets at least one chip (one group).

    Returns:
        ``{"train": [...], "val": [...], "test": [...]}``; the choice made is printed by
        ``"auto"``.
    """
    from sklearn.model_selection import GroupShuffleSplit

    chips = list(chips)
    check_choice(by, "by", SPLIT_CHOICES)
    if len(chips) < 3 or not all(isinstance(c, Chip) for c in chips):
        raise ValueError(expected_message("chips", "a list of at least 3 Chip objects", chips,
                                          "Read them with load_chip_folder(images, masks)."))
    frac = np.asarray(fractions, dtype=float)
    if frac.shape != (3,) or (frac < 0).any() or frac[0] <= 0 or frac.sum() <= 0:
        raise ValueError(expected_message("fractions", "three shares (train, val, test), "
                                          "train > 0", fractions, "E.g. (0.7, 0.15, 0.15)."))
    frac = frac / frac.sum()
    georeferenced = all(c.bounds is not None for c in chips)
    if by == "position" and not georeferenced:
        raise ValueError("by='position' needs georeferenced chips (GeoTIFFs with a CRS); "
                         f"{sum(c.bounds is None for c in chips)} chip(s) have no coordinates. "
                         "Use by='group' or by='auto'.")
    groups: list[str] = []
    how = ""
    if by in ("auto", "position") and georeferenced:
        cells, cell = _position_groups(chips, cell_size)
        if by == "position" or len(set(cells)) >= 3:
            by, groups = "position", cells
            how = f"by position ({len(set(cells))} cells of {cell:,.0f} CRS units)"
    if by == "auto":
        names = [c.group for c in chips]
        if _name_groups_are_regions(names):
            by, groups = "group", names
            how = f"by the regions in the file names ({len(set(names))} groups)"
        else:
            by = "random"
            warnings.warn(
                f"split_chips dealt the {len(chips)} chips at random: their names give no "
                f"regions ({len(set(names))} distinct name prefixes) and they have no "
                "coordinates. If chips overlap or lie next to each other, test chips share "
                "pixels or neighbourhood with training chips and the test score is optimistic. "
                "Name chips by region (e.g. valleyA_001.png) or use georeferenced GeoTIFFs, "
                "and split again.", UserWarning, stacklevel=2)
    if by == "group" and not groups:
        groups = [c.group for c in chips]
        if len(set(groups)) < 3:
            raise ValueError(f"by='group' needs at least 3 groups; found "
                             f"{sorted(set(groups))[:5]}. Set group_pattern / group_cell_m in "
                             "load_chip_folder, or use by='auto' (random with a warning when "
                             "nothing gives regions).")
        how = f"by group ({len(set(groups))} groups)"
    if by == "random":
        groups = [f"{c.name}#{i}" for i, c in enumerate(chips)]
        how = "at random"
    groups_arr = np.array(groups)
    idx = np.arange(len(chips))
    test_share = float(frac[2])
    if test_share > 0:
        outer = GroupShuffleSplit(n_splits=1, test_size=test_share, random_state=seed)
        rest, test = next(outer.split(idx, groups=groups_arr))
    else:
        rest, test = idx, idx[:0]
    val_share = float(frac[1] / (frac[0] + frac[1]))
    if val_share > 0:
        inner = GroupShuffleSplit(n_splits=1, test_size=val_share, random_state=seed)
        tr, va = next(inner.split(rest, groups=groups_arr[rest]))
    else:
        tr, va = np.arange(len(rest)), np.arange(0)
    out = {"train": [chips[i] for i in rest[tr]], "val": [chips[i] for i in rest[va]],
           "test": [chips[i] for i in test]}
    print(f"split {how}: " + ", ".join(f"{k} {len(v)}" for k, v in out.items()) + " chips")
    return out


# --------------------------------------------------------------------------- writing
def write_chip(image: np.ndarray, mask: np.ndarray, images_dir: str | Path,
               masks_dir: str | Path, name: str, fmt: str = "png", *,
               overwrite: bool = False) -> tuple[Path, Path]:
    """Write one chip as an image / mask pair, atomically, never over another chip by default.

    ``fmt="png"`` / ``"jpg"``: an 8-bit image (uint8; 1, 3 or 4 bands) and a 0/255 PNG mask.
    ``fmt="tif"``: a GeoTIFF of the image's dtype (uint8, uint16, else float32), without
    georeferencing, and a 0/1 uint8 GeoTIFF mask. When ``images_dir`` and ``masks_dir`` are
    the same folder the mask is named ``<name>_mask`` (what :func:`load_chip_folder` pairs).

    Both files are written to temporary files first (:func:`course_lib.data.atomic.atomic_write`),
    then the mask is renamed into place and the image last: the image appears only when its
    mask is there, and a process killed on the way leaves the old chip, or no chip and at most
    a mask without an image (which :func:`load_chip_folder` skips with a warning), never a
    half-written file. A mask left without its image that way is replaced by the next write.

    Raises:
        FileExistsError: the chip's image exists and ``overwrite`` is False.
        ValueError: a PNG / JPEG image that is not uint8, mask and image of different sizes,
            an empty name.
    """
    check_choice(fmt, "fmt", ("png", "jpg", "tif"))
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise ValueError(expected_message("name", "a file stem such as 'slide_001' (no folder, "
                                          "not hidden)", name))
    images_dir = check_path(images_dir, "images_dir")
    masks_dir = check_path(masks_dir, "masks_dir")
    img = np.asarray(image)
    msk = np.asarray(mask)
    img = img[:, :, None] if img.ndim == 2 else img
    if img.ndim != 3 or msk.ndim != 2 or img.shape[:2] != msk.shape:
        raise ValueError(f"image {img.shape} and mask {msk.shape} must be (rows, cols[, bands]) "
                         "and (rows, cols) of the same size.")
    if fmt in ("png", "jpg") and (img.dtype != np.uint8 or img.shape[-1] not in (1, 3, 4)):
        raise ValueError(f"PNG/JPEG chips must be uint8 with 1, 3 or 4 bands; got "
                         f"{img.dtype} with {img.shape[-1]} band(s) (use fmt='tif').")
    images_dir.mkdir(parents=True, exist_ok=True)
    masks_dir.mkdir(parents=True, exist_ok=True)
    same = images_dir.resolve() == masks_dir.resolve()
    mask_stem = f"{name}_mask" if same else name
    if fmt in ("png", "jpg"):
        ip, mp = images_dir / f"{name}.{fmt}", masks_dir / f"{mask_stem}.png"
    else:
        ip, mp = images_dir / f"{name}.tif", masks_dir / f"{mask_stem}.tif"
    if ip.exists() and not overwrite:
        raise FileExistsError(f"chip {name!r} exists ({ip}); pass overwrite=True to replace it, "
                              "or choose another name.")
    binary = (np.nan_to_num(msk.astype(np.float32)) > 0).astype(np.uint8)
    # the mask may exist without its image (an interrupted write): it is replaced
    with atomic_write(ip, overwrite=True, suffix=ip.suffix) as tmp_image, \
            atomic_write(mp, overwrite=True, suffix=mp.suffix) as tmp_mask:
        if fmt in ("png", "jpg"):
            from PIL import Image

            Image.fromarray(img.squeeze(-1) if img.shape[-1] == 1 else img).save(
                tmp_image, format="PNG" if fmt == "png" else "JPEG")
            Image.fromarray(binary * np.uint8(255)).save(tmp_mask, format="PNG")
        else:
            data = img if img.dtype in (np.uint8, np.uint16) else img.astype(np.float32)
            _write_tif(tmp_image, np.moveaxis(data, -1, 0))
            _write_tif(tmp_mask, binary[None])
        if ip.exists():
            ip.unlink()   # the old image goes first: a kill now leaves no chip, not a mixed one
    # leaving the with-block renames the mask, then the image (inner context exits first)
    return ip, mp


def _write_tif(path: Path, data: np.ndarray) -> None:
    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", driver="GTiff", width=data.shape[2],
                           height=data.shape[1], count=data.shape[0],
                           dtype=str(data.dtype)) as ds:
            ds.write(data)


# --------------------------------------------------------------------------- cutting
@dataclass(frozen=True)
class ChipWindow:
    """A square window of a scene to cut a chip from: top-left ``row``, ``col``, ``size``."""

    name: str
    row: int
    col: int
    size: int

    @property
    def slices(self) -> tuple[slice, slice]:
        """The window as an index: ``image[w.slices]`` is the chip."""
        return slice(self.row, self.row + self.size), slice(self.col, self.col + self.size)

    @property
    def group(self) -> str:
        """The region part of the name (what :func:`load_chip_folder` reads back)."""
        return self.name.split("_")[0]


def chip_windows(shape: tuple[int, int], *, sizes: Sequence[int] = (64, 96, 160, 256),
                 n: int = 32, regions: int = 3, seed: int = 0, attempts: int = 200,
                 valid: np.ndarray | None = None,
                 min_valid: float = 0.9) -> list[ChipWindow]:
    """Non-overlapping square windows of mixed sizes, named by the region they lie in.

    Chips cut at random places from one scene overlap each other, and then a random split of
    the chips leaks exactly as a random split of overlapping tiles does (notebook 05): a test
    chip shares pixels with training chips. Here ``n`` sizes are drawn from ``sizes``, the
    largest placed first, and each is put at a random free place (a place no earlier window
    touches and, with ``valid``, where at least ``min_valid`` of the pixels are valid; up to
    ``attempts`` tries, else it is left out, so fewer than ``n`` may come back).
    Each window is named ``r{i}c{j}_{k:03d}`` after the cell of a ``regions`` x ``regions``
    grid that holds its centre, so that ``split_chips(by="group")`` keeps whole regions
    apart.

    Args:
        shape: (rows, cols) of the scene.
        sizes: chip sides to draw from (pixels).
        n: number of windows wanted.
        regions: grid cells per side for the names (``regions ** 2`` groups).
        seed: random seed.
        attempts: random places tried per window.
        valid: optional boolean ``(rows, cols)`` mask of usable pixels (e.g. a clear optical
            view): a chip of mostly nodata teaches nothing.
        min_valid: the share of a window's pixels that must be valid.

    Returns:
        the windows, in the order they were placed.

    >>> w = chip_windows((512, 512), sizes=(64, 128), n=12, seed=1)
    >>> len(w), sorted({x.size for x in w}), w[0].name[:2]
    (12, [64, 128], 'r0')
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(expected_message("shape", "(rows, cols)", shape))
    rows, cols = (check_integer(v, "shape", minimum=1) for v in shape)
    if not sizes or min(sizes) < 1 or max(sizes) > min(rows, cols):
        raise ValueError(f"sizes must be between 1 and the scene's shorter side "
                         f"({min(rows, cols)}); got {tuple(sizes)}.")
    if n < 1 or regions < 1:
        raise ValueError(f"n and regions must be >= 1; got n={n}, regions={regions}.")
    if valid is not None and np.shape(valid) != (rows, cols):
        raise ValueError(f"valid has shape {np.shape(valid)}, the scene {(rows, cols)}.")
    rng = np.random.default_rng(seed)
    taken = np.zeros((rows, cols), bool)
    valid = None if valid is None else np.asarray(valid, bool)
    windows: list[ChipWindow] = []
    for size in sorted((int(s) for s in rng.choice(sizes, n)), reverse=True):
        for _ in range(attempts):
            r, c = int(rng.integers(0, rows - size + 1)), int(rng.integers(0, cols - size + 1))
            window = (slice(r, r + size), slice(c, c + size))
            if valid is not None and valid[window].mean() < min_valid:
                continue
            if not taken[window].any():
                taken[window] = True
                i = min((r + size // 2) * regions // rows, regions - 1)
                j = min((c + size // 2) * regions // cols, regions - 1)
                windows.append(ChipWindow(f"r{i}c{j}_{len(windows):03d}", r, c, size))
                break
    return windows
